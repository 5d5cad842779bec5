// CEL optional values: optional.of, optional.ofNonZeroValue, optional.none,
// hasValue, value, or, orValue. (The ?. and [?] syntax is the VM's; these
// are the library functions over the values it produces.)
#include "engine/builtins/internal.h"

namespace onus::engine {
namespace {

using builtins_internal::FirstError;
using builtins_internal::NoOverload;

bool IsZeroValue(const Value& v) {
  switch (v.kind) {
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return !v.b;
    case Kind::kInt:
    case Kind::kUint:
      return v.u == 0;
    case Kind::kDouble:
      return v.d == 0;
    case Kind::kString:
    case Kind::kBytes:
      return v.len == 0;
    case Kind::kTimestamp:
    case Kind::kDuration:
      return v.i == 0 && v.len == 0;
    case Kind::kList:
      return v.list->size == 0;
    case Kind::kMap:
      return v.map->size == 0;
    case Kind::kMessage:
      return v.msg->size == 0;  // no field set
    default:
      return false;
  }
}

Value Of(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  return MakeOptional(*ctx.arena, true, args[0]);
}

Value OfNonZero(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  return MakeOptional(*ctx.arena, !IsZeroValue(args[0]), args[0]);
}

Value None(CallContext&, const Value*, uint32_t) {
  static const OptionalObj kNone{};
  return Value::Optional(&kNone);
}

Value HasValue(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kOptional) {
    return NoOverload(ctx, "hasValue", args, argc);
  }
  return Value::Bool(args[0].opt->has_value);
}

Value GetValue(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kOptional) {
    return NoOverload(ctx, "value", args, argc);
  }
  if (!args[0].opt->has_value) {
    return StaticError(ErrorCode::kNoSuchField, "optional.none() dereference");
  }
  return args[0].opt->value;
}

Value Or(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kOptional ||
      (args[1].kind != Kind::kOptional && !args[1].is_error())) {
    return NoOverload(ctx, "or", args, argc);
  }
  return args[0].opt->has_value ? args[0] : args[1];
}

Value OrValue(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kOptional) {
    return NoOverload(ctx, "orValue", args, argc);
  }
  return args[0].opt->has_value ? args[0].opt->value : args[1];
}

const Builtin kOptionals[] = {
    {"optional.of", false, 1, 1, Of},
    {"optional.ofNonZeroValue", false, 1, 1, OfNonZero},
    {"optional.none", false, 0, 0, None},
    {"hasValue", true, 1, 1, HasValue},
    {"value", true, 1, 1, GetValue},
    {"or", true, 2, 2, Or},
    {"orValue", true, 2, 2, OrValue},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> OptionalBuiltins() { return kOptionals; }
}  // namespace builtins_internal

}  // namespace onus::engine
