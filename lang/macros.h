// The macros the parser expands, as CEL defines them. Listed here so tools
// (formatter, checker messages, docs) agree with the parser on the names.
#ifndef ONUS_LANG_MACROS_H_
#define ONUS_LANG_MACROS_H_

#include "absl/strings/string_view.h"

namespace onus::lang {

// The accumulator variable of every comprehension the parser produces.
inline constexpr absl::string_view kAccumulatorVar = "@result";
// The iteration variable of cel.bind's (empty) comprehension.
inline constexpr absl::string_view kUnusedIterVar = "#unused";

// True when `name` with `argc` arguments (receiver-style unless `global`) is
// expanded by the parser.
bool IsMacro(absl::string_view name, int argc, bool global);

}  // namespace onus::lang

#endif  // ONUS_LANG_MACROS_H_
