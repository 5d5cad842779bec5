// Math extensions with cel-go ext.Math semantics.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/builtins/internal.h"
#include "engine/builtins/list_access.h"
#include "engine/builtins/ops.h"

namespace onus::engine {
namespace {

using builtins_internal::Err;
using builtins_internal::FirstError;
using builtins_internal::NoOverload;

bool IsNumber(const Value& v) {
  return v.kind == Kind::kInt || v.kind == Kind::kUint ||
         v.kind == Kind::kDouble;
}

// Shared by greatest and least: `want` is the comparison result that makes
// a candidate replace the current best (1 for greatest, -1 for least).
Value Extreme(CallContext& ctx, const char* name, const Value* args,
              uint32_t argc, int want) {
  if (const Value* e = FirstError(args, argc)) return *e;
  const ListObj* list = nullptr;
  uint32_t n = argc;
  if (argc == 1 && args[0].kind == Kind::kList) {
    list = args[0].list;
    n = list->size;
    if (n == 0) {
      return Err(ctx, ErrorCode::kInvalidArgument,
                 absl::StrCat(name, "(list) argument must not be empty"));
    }
  }
  Value best;
  for (uint32_t i = 0; i < n; ++i) {
    Value v = list ? ElementAt(*ctx.arena, *list, i) : args[i];
    if (v.is_error()) return v;
    if (!IsNumber(v)) {
      return Err(ctx, ErrorCode::kNoMatchingOverload,
                 absl::StrCat(name, ": argument ", i, " is ",
                              builtins_internal::TypeName(v),
                              ", want int, uint or double"));
    }
    if (i == 0) {
      best = v;
      continue;
    }
    // NaN wins so that it is never silently dropped.
    if (v.kind == Kind::kDouble && std::isnan(v.d)) {
      best = v;
      continue;
    }
    int c;
    Compare(ctx, v, best, &c);
    if (c == want) best = v;
  }
  return best;
}

Value Greatest(CallContext& ctx, const Value* args, uint32_t argc) {
  return Extreme(ctx, "math.greatest", args, argc, 1);
}
Value Least(CallContext& ctx, const Value* args, uint32_t argc) {
  return Extreme(ctx, "math.least", args, argc, -1);
}

template <double (*F)(double)>
Value DoubleFn(CallContext& ctx, const Value* args, uint32_t argc,
               const char* name) {
  if (args[0].kind != Kind::kDouble) return NoOverload(ctx, name, args, argc);
  return Value::Double(F(args[0].d));
}

double Ceil(double d) { return std::ceil(d); }
double Floor(double d) { return std::floor(d); }
double Round(double d) { return std::round(d); }  // half away from zero
double Trunc(double d) { return std::trunc(d); }

Value CeilFn(CallContext& c, const Value* a, uint32_t n) {
  return DoubleFn<Ceil>(c, a, n, "math.ceil");
}
Value FloorFn(CallContext& c, const Value* a, uint32_t n) {
  return DoubleFn<Floor>(c, a, n, "math.floor");
}
Value RoundFn(CallContext& c, const Value* a, uint32_t n) {
  return DoubleFn<Round>(c, a, n, "math.round");
}
Value TruncFn(CallContext& c, const Value* a, uint32_t n) {
  return DoubleFn<Trunc>(c, a, n, "math.trunc");
}

Value Abs(CallContext& ctx, const Value* args, uint32_t argc) {
  Value v = args[0];
  switch (v.kind) {
    case Kind::kInt:
      if (v.i == std::numeric_limits<int64_t>::min()) {
        return StaticError(ErrorCode::kOverflow, "integer overflow");
      }
      return Value::Int(v.i < 0 ? -v.i : v.i);
    case Kind::kUint:
      return v;
    case Kind::kDouble:
      return Value::Double(std::fabs(v.d));
    default:
      return NoOverload(ctx, "math.abs", args, argc);
  }
}

Value Sign(CallContext& ctx, const Value* args, uint32_t argc) {
  Value v = args[0];
  switch (v.kind) {
    case Kind::kInt:
      return Value::Int(v.i > 0 ? 1 : (v.i < 0 ? -1 : 0));
    case Kind::kUint:
      return Value::Uint(v.u > 0 ? 1 : 0);
    case Kind::kDouble:
      if (std::isnan(v.d)) return v;
      return Value::Double(v.d > 0 ? 1.0 : (v.d < 0 ? -1.0 : 0.0));
    default:
      return NoOverload(ctx, "math.sign", args, argc);
  }
}

Value IsInf(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kDouble) {
    return NoOverload(ctx, "math.isInf", args, argc);
  }
  return Value::Bool(std::isinf(args[0].d));
}
Value IsNaN(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kDouble) {
    return NoOverload(ctx, "math.isNaN", args, argc);
  }
  return Value::Bool(std::isnan(args[0].d));
}
Value IsFinite(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kDouble) {
    return NoOverload(ctx, "math.isFinite", args, argc);
  }
  return Value::Bool(std::isfinite(args[0].d));
}

enum class BitOp { kAnd, kOr, kXor };

template <BitOp Op>
Value Bitwise(CallContext& ctx, const Value* args, uint32_t argc) {
  static const char* kNames[] = {"math.bitAnd", "math.bitOr", "math.bitXor"};
  Value a = args[0], b = args[1];
  if (a.kind != b.kind || (a.kind != Kind::kInt && a.kind != Kind::kUint)) {
    return NoOverload(ctx, kNames[static_cast<int>(Op)], args, argc);
  }
  uint64_t r = Op == BitOp::kAnd
                   ? (a.u & b.u)
                   : (Op == BitOp::kOr ? (a.u | b.u) : (a.u ^ b.u));
  Value out = a;
  out.u = r;  // int and uint share the 64-bit payload
  return out;
}

Value BitNot(CallContext& ctx, const Value* args, uint32_t argc) {
  Value a = args[0];
  if (a.kind != Kind::kInt && a.kind != Kind::kUint) {
    return NoOverload(ctx, "math.bitNot", args, argc);
  }
  a.u = ~a.u;
  return a;
}

Value Shift(CallContext& ctx, const Value* args, uint32_t argc, bool left) {
  const char* name = left ? "math.bitShiftLeft" : "math.bitShiftRight";
  Value a = args[0], s = args[1];
  if ((a.kind != Kind::kInt && a.kind != Kind::kUint) || s.kind != Kind::kInt) {
    return NoOverload(ctx, name, args, argc);
  }
  if (s.i < 0) {
    return Err(ctx, ErrorCode::kInvalidArgument,
               absl::StrCat(name, "() negative offset: ", s.i));
  }
  // Shifts of 64 or more clear every bit; right shifts are logical for
  // ints too (cel-go, and the conformance suite the project measures).
  Value out = a;
  out.u = s.i >= 64 ? 0 : (left ? a.u << s.i : a.u >> s.i);
  return out;
}
Value ShiftLeft(CallContext& ctx, const Value* args, uint32_t argc) {
  return Shift(ctx, args, argc, true);
}
Value ShiftRight(CallContext& ctx, const Value* args, uint32_t argc) {
  return Shift(ctx, args, argc, false);
}

Value Sqrt(CallContext& ctx, const Value* args, uint32_t argc) {
  Value v = args[0];
  switch (v.kind) {
    case Kind::kInt:
      return Value::Double(std::sqrt(static_cast<double>(v.i)));
    case Kind::kUint:
      return Value::Double(std::sqrt(static_cast<double>(v.u)));
    case Kind::kDouble:
      return Value::Double(std::sqrt(v.d));
    default:
      return NoOverload(ctx, "math.sqrt", args, argc);
  }
}

template <BuiltinFn F>
Value Strict(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  return F(ctx, args, argc);
}

const Builtin kMath[] = {
    {"math.greatest", false, 1, -1, Greatest},
    {"math.least", false, 1, -1, Least},
    {"math.ceil", false, 1, 1, Strict<CeilFn>},
    {"math.floor", false, 1, 1, Strict<FloorFn>},
    {"math.round", false, 1, 1, Strict<RoundFn>},
    {"math.trunc", false, 1, 1, Strict<TruncFn>},
    {"math.abs", false, 1, 1, Strict<Abs>},
    {"math.sign", false, 1, 1, Strict<Sign>},
    {"math.isInf", false, 1, 1, Strict<IsInf>},
    {"math.isNaN", false, 1, 1, Strict<IsNaN>},
    {"math.isFinite", false, 1, 1, Strict<IsFinite>},
    {"math.bitAnd", false, 2, 2, Strict<Bitwise<BitOp::kAnd>>},
    {"math.bitOr", false, 2, 2, Strict<Bitwise<BitOp::kOr>>},
    {"math.bitXor", false, 2, 2, Strict<Bitwise<BitOp::kXor>>},
    {"math.bitNot", false, 1, 1, Strict<BitNot>},
    {"math.bitShiftLeft", false, 2, 2, Strict<ShiftLeft>},
    {"math.bitShiftRight", false, 2, 2, Strict<ShiftRight>},
    {"math.sqrt", false, 1, 1, Strict<Sqrt>},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> MathExtBuiltins() { return kMath; }
}  // namespace builtins_internal

}  // namespace onus::engine
