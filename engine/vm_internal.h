// VM helpers shared with the compiler's constant folder, so a folded
// operator means exactly what the instruction would have computed.
#ifndef ONUS_ENGINE_VM_INTERNAL_H_
#define ONUS_ENGINE_VM_INTERNAL_H_

#include "absl/strings/string_view.h"
#include "engine/builtins.h"
#include "engine/bytecode.h"
#include "engine/value.h"

namespace onus::engine::vm_internal {

// Applies a unary (NOT, NEG, SIZE, NOT_STRICTLY_FALSE) or binary operator
// opcode (ADD .. INDEX, the *_CONST forms use their base opcode) to values.
Value ApplyOp(Op op, CallContext& ctx, Value a, Value b);

// Calls a builtin with CEL strictness: the first error argument is the
// result and the function is not called.
Value CallStrict(const Builtin& fn, CallContext& ctx, const Value* args,
                 uint32_t argc);

// `{k: v, ...}`: errors in entries propagate; keys must be bool, int, uint
// or string; repeated keys are an error.
Value BuildMap(CallContext& ctx, const Value* kv, uint32_t n);
// `[a, b, ...]`: the first error element is the result.
Value BuildList(CallContext& ctx, const Value* items, uint32_t n);

// List/map literals with optional elements/entries (`[?x]`, `{?k: v}`):
// `layout` is a constant list [n, optional positions...].
Value BuildListOpt(CallContext& ctx, const Value* items, Value layout);
Value BuildMapOpt(CallContext& ctx, const Value* kv, Value layout);

// Selection by name on a message (field) or map (key).
Value SelectByName(Arena& arena, Value v, absl::string_view name);
Value HasByName(Arena& arena, Value v, absl::string_view name);

Value NoMatchingOverload(Arena& arena, absl::string_view fn, Value a);

// Unwraps an optional list/map/message entry: *keep = false for none; an
// error value for something that is not an optional.
Value UnwrapOptional(Arena& arena, Value v, bool* keep);

}  // namespace onus::engine::vm_internal

#endif  // ONUS_ENGINE_VM_INTERNAL_H_
