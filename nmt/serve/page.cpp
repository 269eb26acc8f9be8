#include "nmt/serve/page.h"

#include "nmt_serve_page.h"  // generated: kIndexHtml

namespace nmt::serve {
std::string_view index_html() { return {kIndexHtml, sizeof kIndexHtml - 1}; }
}
