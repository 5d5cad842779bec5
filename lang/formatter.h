// Canonical formatting of .onus policy files (`onus fmt`).
//
// The formatter prints a parsed file back: declarations in the author's
// order, one blank line between groups, policy keys aligned on `=`,
// expressions re-printed from the AST (Unparse: canonical spacing and
// parentheses) with long top-level `&&` / `||` chains broken one operand per
// line under the value column. Comments are kept and printed before the
// declaration or key they precede. `message` values are kept verbatim (they
// are string templates, not expressions). Formatting is idempotent:
// Format(Format(x)) == Format(x).
//
// A file with parse errors is not formatted (the error is returned with the
// rendered diagnostics): formatting must never change what a file means.
#ifndef ONUS_LANG_FORMATTER_H_
#define ONUS_LANG_FORMATTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "lang/source.h"

namespace onus::lang {

struct FormatOptions {
  // Long `&&` / `||` chains are broken when a line would exceed this.
  int max_width = 80;
};

absl::StatusOr<std::string> FormatPolicySource(const Source& source,
                                               const FormatOptions& = {});

}  // namespace onus::lang

#endif  // ONUS_LANG_FORMATTER_H_
