// A Boost.Serialization binary input archive over bytes in memory that refuses a string or a
// collection announcing more elements than there are bytes left (std::length_error), before
// anything is allocated. Boost's own binary_iarchive resizes first and reads afterwards, so one
// corrupt length field in a file made it allocate (and zero) as much memory as the field said:
// gigabytes from a few bytes. The bytes it reads are exactly binary_iarchive's, so files written
// with binary_oarchive read back unchanged.
#pragma once

#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <cstddef>
#include <streambuf>
#include <string>
#include <string_view>

namespace nmt {

namespace detail {
// A read-only stream buffer over bytes in memory (no copy), which knows how many are left.
struct MemoryStreambuf : std::streambuf {
  explicit MemoryStreambuf(std::string_view bytes) {
    char* p = const_cast<char*>(bytes.data());
    setg(p, p, p + bytes.size());
  }
  std::size_t bytes_left() const { return static_cast<std::size_t>(egptr() - gptr()); }
};
// Holds the buffer so that it is built before the archive that reads from it.
struct MemoryStreambufHolder {
  explicit MemoryStreambufHolder(std::string_view bytes) : buffer(bytes) {}
  MemoryStreambuf buffer;
};
}  // namespace detail

class BoundedBinaryIArchive
    : private detail::MemoryStreambufHolder,
      public boost::archive::binary_iarchive_impl<BoundedBinaryIArchive, char, std::char_traits<char>> {
  using Base = boost::archive::binary_iarchive_impl<BoundedBinaryIArchive, char, std::char_traits<char>>;
  using Primitive = boost::archive::basic_binary_iprimitive<BoundedBinaryIArchive, char, std::char_traits<char>>;
  friend class boost::archive::detail::interface_iarchive<BoundedBinaryIArchive>;
  friend class boost::archive::basic_binary_iarchive<BoundedBinaryIArchive>;
  friend class boost::archive::basic_binary_iprimitive<BoundedBinaryIArchive, char, std::char_traits<char>>;
  friend class boost::archive::load_access;

 public:
  // `bytes` (a whole binary_oarchive output, header included) must outlive the archive.
  explicit BoundedBinaryIArchive(std::string_view bytes);

 protected:
  using Primitive::load;
  void load(std::string& s);  // checked length, then the bytes
  template <class T>
  void load_override(T& t) {
    Base::load_override(t);
  }
  void load_override(boost::serialization::collection_size_type& t);  // checked element count
};

}  // namespace nmt

BOOST_SERIALIZATION_REGISTER_ARCHIVE(nmt::BoundedBinaryIArchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(nmt::BoundedBinaryIArchive)
