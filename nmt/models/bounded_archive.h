// BoundedIArchive: Boost's binary input archive over bytes in memory that refuses any length the
// bytes left cannot hold, before anything is allocated for it.
//
// Boost reads a string's or a collection's length and resizes to it before it reads the contents,
// so one changed length field in a file (its checksum recomputed, or no checksum at all) would make
// a reader allocate and zero gigabytes before it fails at the end of the bytes. Here each length is
// checked against the bytes left first: a string of n characters takes n bytes; a collection of n
// elements at least n times its element's smallest encoding (SerializedBytesAtLeast: sizeof(T) for
// a number, the 8-byte length field for a string or a collection, 1 byte for anything else). So no
// allocation exceeds the bytes left times sizeof(element) / its smallest encoding (4 for a vector of
// strings, 1 for numbers). Callers check their own count fields with check_count().
//
// The archive reads what boost::archive::binary_oarchive writes, exactly as binary_iarchive does
// (Boost's documented way to extend an archive: derive from binary_iarchive_impl).
#pragma once

#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nmt {

// A length field larger than the bytes left: the file is corrupt (or crafted).
class ArchiveLengthError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The fewest bytes one element of type T takes in a binary archive (see above).
template <class T>
struct SerializedBytesAtLeast {
  static constexpr std::size_t value = std::is_arithmetic_v<T> ? sizeof(T) : 1;
};
template <class C, class Tr, class A>
struct SerializedBytesAtLeast<std::basic_string<C, Tr, A>> {
  static constexpr std::size_t value = sizeof(uint64_t);
};
template <class T, class A>
struct SerializedBytesAtLeast<std::vector<T, A>> {
  static constexpr std::size_t value = sizeof(uint64_t);
};
template <class K, class V, class C, class A>
struct SerializedBytesAtLeast<std::map<K, V, C, A>> {
  static constexpr std::size_t value = sizeof(uint64_t);
};

namespace detail {
// A read-only stream buffer over bytes in memory (no copy). A base of BoundedIArchive listed
// before Boost's, so that it exists when Boost's constructor reads the archive's header.
struct MemoryStreambuf : std::streambuf {
  explicit MemoryStreambuf(std::string_view bytes) {
    char* p = const_cast<char*>(bytes.data());
    setg(p, p, p + bytes.size());
  }
};
}  // namespace detail

class BoundedIArchive
    : private detail::MemoryStreambuf,
      public boost::archive::binary_iarchive_impl<BoundedIArchive, char, std::char_traits<char>> {
  using Base = boost::archive::binary_iarchive_impl<BoundedIArchive, char, std::char_traits<char>>;

 public:
  // Reads the archive's header; `bytes` must outlive the archive. Throws
  // boost::archive::archive_exception when the bytes are not a binary archive.
  explicit BoundedIArchive(std::string_view bytes);

  std::size_t bytes_left() { return static_cast<std::size_t>(in_avail()); }
  // Throws ArchiveLengthError naming `what` unless count elements of at least bytes_each bytes
  // fit in the bytes left.
  void check_count(uint64_t count, std::size_t bytes_each, std::string_view what);

  // Boost's hooks (called through the friends below), each checking before it allocates.
  using Base::load;
  void load(std::string& s);
  template <class T>
  void load_override(T& t) {
    Base::load_override(t);
  }
  template <class T, class A>
  void load_override(std::vector<T, A>& v) {
    element_bytes_ = SerializedBytesAtLeast<T>::value;
    Base::load_override(v);
  }
  template <class K, class V, class C, class A>
  void load_override(std::map<K, V, C, A>& m) {
    element_bytes_ = SerializedBytesAtLeast<K>::value + SerializedBytesAtLeast<V>::value;
    Base::load_override(m);
  }
  void load_override(boost::serialization::collection_size_type& count);

 private:
  friend class boost::archive::detail::interface_iarchive<BoundedIArchive>;
  friend class boost::archive::detail::common_iarchive<BoundedIArchive>;
  friend class boost::archive::basic_binary_iarchive<BoundedIArchive>;
  friend class boost::archive::basic_binary_iprimitive<BoundedIArchive, char, std::char_traits<char>>;
  friend class boost::archive::load_access;

  // The element size of the collection being read, set just before Boost reads its count.
  std::size_t element_bytes_ = 1;
};

}  // namespace nmt

// Vectors of numbers are stored as one block (as binary_iarchive reads them), not element by element.
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(nmt::BoundedIArchive)
