// Operation helpers of the VM (vm_internal.h): arithmetic and comparison
// dispatch, list/map construction, strict calls, selection by name. A
// library of their own so both VM builds (computed goto, switch) and the
// compiler's constant folder link exactly one copy.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/vm_inline.h"
#include "engine/vm_internal.h"

namespace onus::engine {

namespace vm_internal {

Value NoMatchingOverload(Arena& arena, absl::string_view fn, Value a) {
  if (a.is_error()) return a;
  return MakeError(arena, ErrorCode::kNoMatchingOverload,
                   absl::StrCat("no matching overload for '", fn,
                                "' applied to (", TypeNameOf(a), ")"));
}

Value ApplyOp(Op op, CallContext& ctx, Value a, Value b) {
  Arena& arena = *ctx.arena;
  switch (op) {
    case Op::kNOT:
      if (a.kind == Kind::kBool) return Value::Bool(!a.b);
      return NoMatchingOverload(arena, "!_", a);
    case Op::kNOT_STRICTLY_FALSE:
      return Value::Bool(!IsFalse(a));
    case Op::kNEG:
      return Negate(ctx, a);
    case Op::kSIZE:
      return Size(ctx, a);
    case Op::kADD:
      return Add(ctx, a, b);
    case Op::kSUB:
      return Sub(ctx, a, b);
    case Op::kMUL:
      return Mul(ctx, a, b);
    case Op::kDIV:
      return Div(ctx, a, b);
    case Op::kMOD:
      return Mod(ctx, a, b);
    case Op::kEQ:
    case Op::kEQ_CONST:
      return EqualsFast(ctx, a, b);
    case Op::kNE:
    case Op::kNE_CONST:
      return NotEqualsFast(ctx, a, b);
    case Op::kLT:
    case Op::kLE:
    case Op::kGT:
    case Op::kGE:
      return CompareFast(ctx, op, a, b);
    case Op::kLT_CONST:
      return CompareFast(ctx, Op::kLT, a, b);
    case Op::kLE_CONST:
      return CompareFast(ctx, Op::kLE, a, b);
    case Op::kGT_CONST:
      return CompareFast(ctx, Op::kGT, a, b);
    case Op::kGE_CONST:
      return CompareFast(ctx, Op::kGE, a, b);
    case Op::kIN:
    case Op::kIN_CONST:
      return In(ctx, a, b);
    case Op::kINDEX:
    case Op::kINDEX_CONST:
      return IndexValue(ctx, a, b);
    case Op::kAND:
      return AndValues(arena, a, b);
    case Op::kOR:
      return OrValues(arena, a, b);
    default:
      return MakeError(arena, ErrorCode::kGeneric,
                       absl::StrCat("internal: not an operator: ", OpName(op)));
  }
}

Value CallStrict(const Builtin& fn, CallContext& ctx, const Value* args,
                 uint32_t argc) {
  for (uint32_t i = 0; i < argc; ++i) {
    if (args[i].is_error()) return args[i];
  }
  return fn.fn(ctx, args, argc);
}

Value BuildList(CallContext& ctx, const Value* items, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    if (items[i].is_error()) return items[i];
  }
  return MakeList(*ctx.arena, items, n);
}

Value BuildMap(CallContext& ctx, const Value* kv, uint32_t n) {
  Arena& arena = *ctx.arena;
  for (uint32_t i = 0; i < 2 * n; ++i) {
    if (kv[i].is_error()) return kv[i];
  }
  Value* keys = arena.NewArray<Value>(n);
  Value* values = arena.NewArray<Value>(n);
  for (uint32_t i = 0; i < n; ++i) {
    Value k = kv[2 * i];
    switch (k.kind) {
      case Kind::kBool:
      case Kind::kInt:
      case Kind::kUint:
      case Kind::kString:
        break;
      default:
        return MakeError(arena, ErrorCode::kInvalidArgument,
                         absl::StrCat("unsupported key type: ", TypeNameOf(k)));
    }
    // Literal maps are small; a quadratic duplicate check beats hashing.
    for (uint32_t j = 0; j < i; ++j) {
      if (ValuesEqual(ctx, keys[j], k)) {
        return MakeError(arena, ErrorCode::kInvalidArgument,
                         "Failed with repeated key");
      }
    }
    keys[i] = k;
    values[i] = kv[2 * i + 1];
  }
  return MakeMap(arena, keys, values, n);
}

// Unwraps an optional element: *keep = false for none.
Value UnwrapOptional(Arena& arena, Value v, bool* keep) {
  *keep = true;
  if (v.is_error()) return v;
  if (v.kind != Kind::kOptional) {
    return MakeError(arena, ErrorCode::kNoMatchingOverload,
                     absl::StrCat("optional entry needs an optional value, "
                                  "got ",
                                  TypeNameOf(v)));
  }
  if (!v.opt->has_value) {
    *keep = false;
    return v;
  }
  return v.opt->value;
}

namespace {

bool IsOptionalPosition(Value layout, uint32_t i) {
  for (uint32_t j = 1; j < layout.list->size; ++j) {
    if (layout.list->items[j].i == static_cast<int64_t>(i)) return true;
  }
  return false;
}

}  // namespace

Value BuildListOpt(CallContext& ctx, const Value* items, Value layout) {
  Arena& arena = *ctx.arena;
  const uint32_t n = static_cast<uint32_t>(layout.list->items[0].i);
  Value* out = arena.NewArray<Value>(n);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {
    Value v = items[i];
    bool keep = true;
    if (IsOptionalPosition(layout, i)) v = UnwrapOptional(arena, v, &keep);
    if (v.is_error()) return v;
    if (keep) out[m++] = v;
  }
  return MakeList(arena, out, m);
}

Value BuildMapOpt(CallContext& ctx, const Value* kv, Value layout) {
  Arena& arena = *ctx.arena;
  const uint32_t n = static_cast<uint32_t>(layout.list->items[0].i);
  Value* out = arena.NewArray<Value>(2 * n);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {
    Value k = kv[2 * i];
    Value v = kv[2 * i + 1];
    bool keep = true;
    if (k.is_error()) return k;
    if (IsOptionalPosition(layout, i)) v = UnwrapOptional(arena, v, &keep);
    if (v.is_error()) return v;
    if (keep) {
      out[2 * m] = k;
      out[2 * m + 1] = v;
      ++m;
    }
  }
  return BuildMap(ctx, out, m);
}

Value SelectByName(Arena& arena, Value v, absl::string_view name) {
  switch (v.kind) {
    case Kind::kError:
      return v;
    case Kind::kOptional:
      // Optional chaining: `o.f` on an optional is `o.?f` on its value.
      return OptSelect(arena, v, name);
    case Kind::kMessage: {
      const FieldInfo* f = v.msg->type->FindField(name);
      if (f == nullptr) {
        return MakeError(
            arena, ErrorCode::kNoSuchField,
            absl::StrCat("no such field '", name, "' on ", TypeNameOf(v)));
      }
      return GetField(arena, *v.msg, *f);
    }
    case Kind::kMap: {
      bool found = false;
      Value r = MapFind(arena, *v.map, Value::String(name), &found);
      if (!found) {
        return MakeError(arena, ErrorCode::kNoSuchKey,
                         absl::StrCat("no such key: '", name, "'"));
      }
      return r;
    }
    default:
      return MakeError(
          arena, ErrorCode::kNoSuchField,
          absl::StrCat("type '", TypeNameOf(v),
                       "' does not support field selection ('", name, "')"));
  }
}

Value HasByName(Arena& arena, Value v, absl::string_view name) {
  switch (v.kind) {
    case Kind::kError:
      return v;
    case Kind::kOptional:
      if (!v.opt->has_value) return Value::Bool(false);
      return HasByName(arena, v.opt->value, name);
    case Kind::kMessage: {
      const FieldInfo* f = v.msg->type->FindField(name);
      if (f == nullptr) {
        return MakeError(
            arena, ErrorCode::kNoSuchField,
            absl::StrCat("no such field '", name, "' on ", TypeNameOf(v)));
      }
      return TestField(arena, *v.msg, *f);
    }
    case Kind::kMap: {
      bool found = false;
      Value r = MapFind(arena, *v.map, Value::String(name), &found);
      if (found && r.is_error()) return r;
      return Value::Bool(found);
    }
    default:
      return MakeError(arena, ErrorCode::kNoSuchField,
                       absl::StrCat("has() on type '", TypeNameOf(v),
                                    "' which has no fields ('", name, "')"));
  }
}

}  // namespace vm_internal

}  // namespace onus::engine
