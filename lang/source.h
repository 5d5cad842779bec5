// Source text and spans.
//
// A Span is a half-open byte range [begin, end) into one Source. Lines and
// columns are computed on demand and are 1-based; columns count Unicode code
// points (not bytes), as editors and SARIF expect.
#ifndef ONUS_LANG_SOURCE_H_
#define ONUS_LANG_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace onus::lang {

struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool empty() const { return begin == end; }
  // The smallest span covering both.
  static Span Cover(Span a, Span b) {
    return {a.begin < b.begin ? a.begin : b.begin,
            a.end > b.end ? a.end : b.end};
  }
};

struct Location {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in code points
};

class Source {
 public:
  Source(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  Location LocationOf(uint32_t offset) const;
  // The text of 1-based line `line`, without its line terminator.
  absl::string_view Line(int line) const;
  absl::string_view Text(Span span) const {
    return absl::string_view(text_).substr(span.begin, span.end - span.begin);
  }
  // "file:line:col" for the start of the span.
  std::string Describe(Span span) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> line_starts_;  // byte offset of each line start
};

}  // namespace onus::lang

#endif  // ONUS_LANG_SOURCE_H_
