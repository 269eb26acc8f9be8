// The bounded binary input archive (see bounded_archive.h).
#include "nmt/models/bounded_archive.h"

// Boost's archive templates, instantiated for this archive (as Boost's own binary_iarchive.cpp does).
#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>

namespace boost::archive {
template class detail::archive_serializer_map<nmt::BoundedIArchive>;
template class basic_binary_iprimitive<nmt::BoundedIArchive, char, std::char_traits<char>>;
template class basic_binary_iarchive<nmt::BoundedIArchive>;
template class binary_iarchive_impl<nmt::BoundedIArchive, char, std::char_traits<char>>;
}  // namespace boost::archive

namespace nmt {

BoundedIArchive::BoundedIArchive(std::string_view bytes)
    : detail::MemoryStreambuf(bytes), Base(static_cast<std::streambuf&>(*this), 0) {
  init(0);
}

void BoundedIArchive::check_count(uint64_t count, std::size_t bytes_each, std::string_view what) {
  const std::size_t left = bytes_left();
  if (bytes_each == 0 || count > left / bytes_each)
    throw ArchiveLengthError(std::string(what) + " of " + std::to_string(count) + " where " + std::to_string(left) +
                             " bytes are left");
}

void BoundedIArchive::load(std::string& s) {
  std::size_t length = 0;
  load(length);
  check_count(length, 1, "a text length");
  s.resize(length);
  if (length > 0) load_binary(s.data(), length);
}

void BoundedIArchive::load_override(boost::serialization::collection_size_type& count) {
  Base::load_override(count);
  const std::size_t each = element_bytes_;
  element_bytes_ = 1;
  check_count(count, each, "a collection size");
}

}  // namespace nmt
