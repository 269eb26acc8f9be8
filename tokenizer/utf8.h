// UTF-8 checking at the door: every line of text that enters the toolkit passes through here first.
// Invalid UTF-8 is never passed on silently and never crashes anything further down (ICU and
// SentencePiece both assume well-formed input). By default each ill-formed sequence becomes U+FFFD
// and a warning names the file and line; in strict mode the same finding is an error instead.
//
// "Ill-formed" follows the Unicode standard (table 3-7): no overlong forms, no surrogates, nothing
// above U+10FFFF. Replacement uses the "maximal subpart" rule, as ICU, browsers and Python do: each
// maximal prefix of a valid sequence, or else each single bad byte, becomes one U+FFFD.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nmt::text {

// Where a piece of text came from, for messages: "train.de:17". line is 1-based; 0 = unknown.
struct TextLocation {
  std::string_view file;
  std::size_t line = 0;
  std::string to_string() const;  // "file:line", "file", or "<input>"
};

// What to do with invalid UTF-8.
enum class InvalidUtf8Policy {
  replace,  // replace by U+FFFD and warn (the default)
  error,    // throw InvalidUtf8Error
};

// Receives one finished warning message, e.g. "train.de:17: warning: invalid UTF-8 replaced by U+FFFD".
using WarningSink = std::function<void(const std::string& message)>;

// Prints the message and a newline to stderr (the default sink).
void warn_to_stderr(const std::string& message);

// Strict mode's error; what() names file and line.
class InvalidUtf8Error : public std::runtime_error {
 public:
  explicit InvalidUtf8Error(const TextLocation& where);
};

// True when text is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

// Copies text to out, each ill-formed sequence replaced by U+FFFD. Returns how many were replaced.
std::size_t replace_invalid_utf8(std::string_view text, std::string& out);

// The policy plus where its warnings go; cheap to copy. check() is const and thread-safe as long as
// the sink is (the corpus reader collects warnings per thread and emits them in line order).
struct Utf8Checker {
  InvalidUtf8Policy policy = InvalidUtf8Policy::replace;
  WarningSink warn = warn_to_stderr;

  // Leaves valid text alone. Invalid text is repaired in place and reported (replace), or
  // InvalidUtf8Error is thrown (error). Returns true when the text was valid.
  bool check(std::string& text, const TextLocation& where) const;
};

}  // namespace nmt::text
