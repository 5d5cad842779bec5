// Compiled RE2 patterns for matches() and friends, cached per thread.
#ifndef ONUS_ENGINE_BUILTINS_REGEX_H_
#define ONUS_ENGINE_BUILTINS_REGEX_H_

#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace onus::engine {

// The compiled pattern, from a small per-thread LRU cache (no locking on
// the evaluation path). Returns null and sets *error when the pattern is
// invalid. The pointer stays valid until this thread compiles
// kRegexCacheSize other patterns.
constexpr int kRegexCacheSize = 64;
const RE2* CompiledRegex(absl::string_view pattern, std::string* error);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUILTINS_REGEX_H_
