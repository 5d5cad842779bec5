// Decoding of CEL string and bytes literals (escapes, raw and triple-quoted
// forms), shared by the parser and the policy-file message interpolation.
#ifndef ONUS_LANG_UNESCAPE_H_
#define ONUS_LANG_UNESCAPE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace onus::lang {

struct UnescapeError {
  uint32_t offset = 0;  // byte offset of the bad sequence in the input
  uint32_t length = 1;
  std::string message;
};

// Decodes the body of a literal (the text between the quotes).
// Strings: escapes give Unicode code points (\xHH and octal are code points
// below 256, surrogates and values past U+10FFFF are errors) and the result
// is valid UTF-8 (an invalid input byte is an error). Bytes: \xHH and octal
// are raw bytes, \u and \U are errors. Raw literals take the text verbatim.
bool Unescape(absl::string_view body, bool bytes, bool raw, std::string* out,
              UnescapeError* err);

struct LiteralForm {
  bool bytes = false;
  bool raw = false;
  bool triple = false;
  uint32_t prefix_len = 0;  // r/b prefix characters
  uint32_t quote_len = 1;   // 1 or 3
};

// The form of a complete literal token such as `br'''x'''`.
LiteralForm LiteralFormOf(absl::string_view token_text);

// Decodes a complete string/bytes token; error offsets are relative to the
// token text.
bool DecodeLiteral(absl::string_view token_text, std::string* out,
                   UnescapeError* err);

// Appends the code point as UTF-8 (false for surrogates / out of range).
bool AppendUtf8(uint32_t cp, std::string* out);

}  // namespace onus::lang

#endif  // ONUS_LANG_UNESCAPE_H_
