// BoundedBinaryIArchive (see bounded_archive.h), and the instantiation of Boost's archive templates
// for it (Boost's way of deriving an archive: its implementation files are included here once).
#include "nmt/models/bounded_archive.h"

#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>
#include <stdexcept>

namespace boost::archive {
template class detail::archive_serializer_map<nmt::BoundedBinaryIArchive>;
template class basic_binary_iarchive<nmt::BoundedBinaryIArchive>;
template class basic_binary_iprimitive<nmt::BoundedBinaryIArchive, char, std::char_traits<char>>;
template class binary_iarchive_impl<nmt::BoundedBinaryIArchive, char, std::char_traits<char>>;
}  // namespace boost::archive

namespace nmt {

BoundedBinaryIArchive::BoundedBinaryIArchive(std::string_view bytes)
    : detail::MemoryStreambufHolder(bytes), Base(buffer, 0) {
  init(0);
}

void BoundedBinaryIArchive::load(std::string& s) {
  std::size_t length = 0;
  Primitive::load(length);
  if (length > buffer.bytes_left())
    throw std::length_error("a string of " + std::to_string(length) + " bytes with " +
                            std::to_string(buffer.bytes_left()) + " bytes left");
  s.resize(length);
  if (length > 0) load_binary(s.data(), length);
}

void BoundedBinaryIArchive::load_override(boost::serialization::collection_size_type& t) {
  Base::load_override(t);
  if (static_cast<std::size_t>(t) > buffer.bytes_left())
    throw std::length_error("a collection of " + std::to_string(static_cast<std::size_t>(t)) + " elements with " +
                            std::to_string(buffer.bytes_left()) + " bytes left");
}

}  // namespace nmt
