#include "lang/diagnostics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace onus::lang {

void DiagnosticList::Error(absl::string_view code, const Source* src, Span span,
                           std::string message, std::string help) {
  items_.push_back({Severity::kError, std::string(code), src, span,
                    std::move(message), std::move(help)});
}

void DiagnosticList::Warning(absl::string_view code, const Source* src,
                             Span span, std::string message, std::string help) {
  items_.push_back({Severity::kWarning, std::string(code), src, span,
                    std::move(message), std::move(help)});
}

bool DiagnosticList::has_errors() const { return error_count() > 0; }

int DiagnosticList::error_count() const {
  return static_cast<int>(std::count_if(
      items_.begin(), items_.end(),
      [](const Diagnostic& d) { return d.severity == Severity::kError; }));
}

void DiagnosticList::Append(const DiagnosticList& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

std::string DiagnosticList::Render() const {
  std::string out;
  for (const Diagnostic& d : items_) absl::StrAppend(&out, RenderDiagnostic(d));
  return out;
}

namespace {
const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "error";
}
}  // namespace

std::string RenderDiagnostic(const Diagnostic& d) {
  std::string out;
  if (d.source == nullptr) {
    absl::StrAppend(&out, SeverityName(d.severity), "[", d.code,
                    "]: ", d.message, "\n");
    if (!d.help.empty()) absl::StrAppend(&out, "  help: ", d.help, "\n");
    return out;
  }
  Location loc = d.source->LocationOf(d.span.begin);
  absl::StrAppend(&out, d.source->name(), ":", loc.line, ":", loc.column, ": ",
                  SeverityName(d.severity), "[", d.code, "]: ", d.message,
                  "\n");
  absl::string_view line = d.source->Line(loc.line);
  std::string num = absl::StrCat(loc.line);
  std::string pad(num.size(), ' ');
  absl::StrAppend(&out, " ", num, " | ", line, "\n");
  // Caret under the span, clipped to this line; tabs are kept so the caret
  // lines up in a terminal.
  std::string marks;
  int col = 1;
  for (char c : line) {
    if (col >= loc.column) break;
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;
    marks.push_back(c == '\t' ? '\t' : ' ');
    ++col;
  }
  Location end = d.source->LocationOf(d.span.end);
  int width = end.line == loc.line ? end.column - loc.column : 1;
  if (end.line != loc.line) {
    width = static_cast<int>(line.size()) - loc.column + 1;
  }
  if (width < 1) width = 1;
  marks.push_back('^');
  marks.append(width - 1, '~');
  absl::StrAppend(&out, " ", pad, " | ", marks, "\n");
  if (!d.help.empty())
    absl::StrAppend(&out, " ", pad, " = help: ", d.help, "\n");
  return out;
}

namespace {
int Distance(absl::string_view a, absl::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string DidYouMean(absl::string_view name,
                       const std::vector<std::string>& candidates) {
  std::string best;
  int best_d = 0;
  // Allow roughly one edit per three characters, at least one.
  int limit = std::max<int>(1, static_cast<int>(name.size()) / 3);
  for (const std::string& c : candidates) {
    int d = Distance(name, c);
    if (d <= limit && (best.empty() || d < best_d)) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

}  // namespace onus::lang
