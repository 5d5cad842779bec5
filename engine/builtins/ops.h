// Direct entry points for the VM's hot opcodes. They follow CEL semantics
// exactly (see engine/builtins.h) and never allocate on the fast paths
// (same-kind int, double, string operands).
#ifndef ONUS_ENGINE_BUILTINS_OPS_H_
#define ONUS_ENGINE_BUILTINS_OPS_H_

#include "engine/builtins.h"
#include "engine/value.h"

namespace onus::engine {

// Arithmetic: int and uint overflow, division and modulo by zero are errors;
// no implicit mixing of int/uint/double. + also concatenates strings, bytes
// and lists, and adds durations to timestamps/durations.
Value Add(CallContext& ctx, Value a, Value b);
Value Sub(CallContext& ctx, Value a, Value b);
Value Mul(CallContext& ctx, Value a, Value b);
Value Div(CallContext& ctx, Value a, Value b);
Value Mod(CallContext& ctx, Value a, Value b);
// Unary minus; `b` is ignored (kept for a uniform opcode signature).
Value Negate(CallContext& ctx, Value a, Value b = Value());

// CEL equality: heterogeneous across int/uint/double, element-wise for lists
// and maps, protobuf equality for messages, false across other kinds.
// Returns a bool value, or the first error operand.
Value Equals(CallContext& ctx, Value a, Value b);
Value NotEquals(CallContext& ctx, Value a, Value b);

// Plain C++ form of Equals for callers that have already excluded errors.
bool ValuesEqual(CallContext& ctx, Value a, Value b);

// Ordering for < <= > >=. On success returns a null value and sets *out to
// -1, 0 or 1, or to kUnordered when a NaN is involved (every comparison is
// then false). Otherwise returns an error value (no matching overload).
constexpr int kUnordered = 2;
Value Compare(CallContext& ctx, Value a, Value b, int* out);
Value Less(CallContext& ctx, Value a, Value b);
Value LessEq(CallContext& ctx, Value a, Value b);
Value Greater(CallContext& ctx, Value a, Value b);
Value GreaterEq(CallContext& ctx, Value a, Value b);

// `elem in container` for lists (CEL equality) and maps (keys).
Value In(CallContext& ctx, Value elem, Value container);
// container[key]: lists by int/uint/integral double, maps by key; an
// optional container yields an optional (none stays none).
Value Index(CallContext& ctx, Value container, Value key);
// container[?key]: optional.of(element) when present, optional.none() when
// the index is out of range or the key absent; optional containers chain.
Value OptIndex(CallContext& ctx, Value container, Value key);
// Size of a string (code points), bytes, list or map.
Value Size(CallContext& ctx, Value v);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUILTINS_OPS_H_
