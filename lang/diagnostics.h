// User-facing diagnostics are data, not control flow.
//
// Every stage (lexer, parser, checker, compiler) appends Diagnostics to a
// DiagnosticList and keeps going where it can; absl::Status is reserved for a
// stage that cannot continue at all (I/O failure, internal invariant).
// Codes are stable identifiers ("E0101") documented in docs/language.md.
#ifndef ONUS_LANG_DIAGNOSTICS_H_
#define ONUS_LANG_DIAGNOSTICS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lang/source.h"

namespace onus::lang {

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;                // stable, e.g. "E0201"
  const Source* source = nullptr;  // may be null for non-source errors
  Span span;
  std::string message;  // one line, lower-case start, no trailing period
  std::string help;     // optional, e.g. "did you mean `block_public_acls`?"
};

class DiagnosticList {
 public:
  void Add(Diagnostic d) { items_.push_back(std::move(d)); }
  void Error(absl::string_view code, const Source* src, Span span,
             std::string message, std::string help = "");
  void Warning(absl::string_view code, const Source* src, Span span,
               std::string message, std::string help = "");

  bool has_errors() const;
  int error_count() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  void Append(const DiagnosticList& other);

  // Renders every diagnostic like a compiler:
  //   policies/s3.onus:12:7: error[E0201]: unknown field `block_public_acl`
  //      12 |   require = b.public_access_block.block_public_acl
  //         |                                   ^~~~~~~~~~~~~~~~
  //      help: did you mean `block_public_acls`?
  std::string Render() const;

 private:
  std::vector<Diagnostic> items_;
};

std::string RenderDiagnostic(const Diagnostic& d);

// Levenshtein-based suggestion: the candidate closest to `name`, or "" when
// nothing is close enough to be a plausible typo.
std::string DidYouMean(absl::string_view name,
                       const std::vector<std::string>& candidates);

}  // namespace onus::lang

#endif  // ONUS_LANG_DIAGNOSTICS_H_
