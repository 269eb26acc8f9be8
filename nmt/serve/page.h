// The web page of nmt-serve (GET /): nmt/serve/page/index.html, embedded at build time
// (cmake/embed_text.cmake writes it into a generated header as a raw string).
#pragma once

#include <string_view>

namespace nmt::serve {
std::string_view index_html();
}
