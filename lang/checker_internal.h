// Internals of the checker shared with its tests: type-parameter
// substitution, unification and container name candidates.
#ifndef ONUS_LANG_CHECKER_INTERNAL_H_
#define ONUS_LANG_CHECKER_INTERNAL_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "lang/types.h"

namespace onus::lang::checker_internal {

// Bindings of type parameters (by name) found so far.
using Subs = absl::flat_hash_map<std::string, Type>;

// Follows bindings of a top-level type parameter.
Type Prune(const Type& t, const Subs& s);
// Applies bindings everywhere in t; unbound parameters become dyn when
// free_to_dyn.
Type Substitute(const Type& t, const Subs& s, bool free_to_dyn);
// Whether a value of type `arg` may be passed where `param` is expected,
// binding type parameters on either side (with an occurs check). dyn and
// error are assignable both ways; null goes to messages, wrappers and
// well-known types.
bool Assignable(const Type& param, const Type& arg, Subs& s);
bool IsNumeric(const Type& t);
// CEL name resolution candidates, most specific first: for container
// "a.b" and name "x": "a.b.x", "a.x", "x". A leading '.' means root only.
std::vector<std::string> Candidates(const std::string& container,
                                    absl::string_view name);

}  // namespace onus::lang::checker_internal

#endif  // ONUS_LANG_CHECKER_INTERNAL_H_
