// Declarations (names, overloads, types) of the CEL standard functions and
// the Onus extensions. The runtime implementations live in engine/builtins
// under the same function names; overload ids are informational (the VM
// dispatches on the function name and the argument kinds).
#ifndef ONUS_LANG_STDLIB_DECLS_H_
#define ONUS_LANG_STDLIB_DECLS_H_

#include <vector>

#include "lang/types.h"

namespace onus::lang {

// Opaque extension types.
inline Type IpType() { return Type::Opaque("net.IP"); }
inline Type CidrType() { return Type::Opaque("net.CIDR"); }

// Every standard and extension function; built once, lives forever.
const std::vector<FunctionDecl>& StandardFunctions();

// Onus policy builtins: resources(T) -> list(T), lookup(T, string id) -> T.
// Declared by the policy front end (not by plain CEL environments).
std::vector<FunctionDecl> PolicyFunctions();

}  // namespace onus::lang

#endif  // ONUS_LANG_STDLIB_DECLS_H_
