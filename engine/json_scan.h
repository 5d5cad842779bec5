// A walk over JSON text that sees only its structure: the characters
// { } [ ] , outside strings (string contents, escapes included, are
// skipped). For the few places that look at a JSON document's shape before
// or after protobuf's JSON parser and printer do the real work: refusing
// deep nesting before a parse, cutting a printed array into its elements.
// It does not validate the text.
#ifndef ONUS_ENGINE_JSON_SCAN_H_
#define ONUS_ENGINE_JSON_SCAN_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace onus::engine {

// Calls fn(position, character, depth) for each structural character. An
// opening bracket and its closing one get the depth outside them (0 for
// the document's own); a comma gets the depth it separates at (1 between
// the elements of a top-level array). Stops when fn returns false.
template <typename Fn>
void ScanJsonStructure(absl::string_view text, Fn fn) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (!fn(i, c, depth++)) return;
        break;
      case '}':
      case ']':
        if (!fn(i, c, depth > 0 ? --depth : depth)) return;
        break;
      case ',':
        if (!fn(i, c, depth)) return;
        break;
      default:
        break;
    }
  }
}

}  // namespace onus::engine

#endif  // ONUS_ENGINE_JSON_SCAN_H_
