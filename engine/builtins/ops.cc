// Arithmetic, equality, ordering, membership, indexing and size.
#include "engine/builtins/ops.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/builtins/internal.h"
#include "engine/builtins/list_access.h"
#include "engine/value_format.h"

namespace onus::engine {

using builtins_internal::DurationFromNanos;
using builtins_internal::Err;
using builtins_internal::NoOverload;
using builtins_internal::TimestampFromNanos;
using builtins_internal::TotalNanos;

namespace {

Value Overflow() {
  return StaticError(ErrorCode::kOverflow, "integer overflow");
}
Value DivZero() {
  return StaticError(ErrorCode::kDivisionByZero, "division by zero");
}
Value ModZero() {
  return StaticError(ErrorCode::kDivisionByZero, "modulus by zero");
}

Value Binary(CallContext& ctx, const char* fn, Value a, Value b) {
  Value args[2] = {a, b};
  return NoOverload(ctx, fn, args, 2);
}

Value Concat(CallContext& ctx, Value a, Value b, Kind kind) {
  if (a.len == 0) return b;
  if (b.len == 0) return a;
  size_t n = size_t{a.len} + b.len;
  if (n > 0xFFFFFFFFu) {
    return StaticError(ErrorCode::kOutOfRange, "string too long");
  }
  char* p = static_cast<char*>(ctx.arena->Allocate(n, 1));
  std::memcpy(p, a.str, a.len);
  std::memcpy(p + a.len, b.str, b.len);
  Value r = Value::String(absl::string_view(p, n));
  r.kind = kind;
  return r;
}

Value ConcatLists(CallContext& ctx, Value a, Value b) {
  uint32_t na = a.list->size, nb = b.list->size;
  if (na == 0) return b;
  if (nb == 0) return a;
  Value* items = ctx.arena->NewArray<Value>(size_t{na} + nb);
  // Wire-backed elements decode here; a malformed one fails the whole
  // concatenation rather than hiding inside the result.
  for (uint32_t i = 0; i < na; ++i) {
    items[i] = ElementAt(*ctx.arena, *a.list, i);
    if (items[i].is_error()) return items[i];
  }
  for (uint32_t i = 0; i < nb; ++i) {
    items[na + i] = ElementAt(*ctx.arena, *b.list, i);
    if (items[na + i].is_error()) return items[na + i];
  }
  ListObj* l = ctx.arena->New<ListObj>();
  l->size = na + nb;
  l->items = items;
  return Value::List(l);
}

bool IsNumber(Kind k) {
  return k == Kind::kInt || k == Kind::kUint || k == Kind::kDouble;
}

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

// Three-way comparisons between ints/uints and doubles follow cel-go (the
// conformance suite's reference): values beyond the int64/uint64 range
// order by range; otherwise the integer converts to double, so the
// comparison is lossy near 2^63 (9223372036854775807 == 2^63 as doubles).
int CmpDoubles(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kUnordered;
  return a < b ? -1 : (a > b ? 1 : 0);
}

int CmpIntDouble(int64_t i, double d) {
  if (std::isnan(d)) return kUnordered;
  if (d < -kTwo63) return 1;
  if (d > kTwo63) return -1;
  return CmpDoubles(static_cast<double>(i), d);
}

int CmpUintDouble(uint64_t u, double d) {
  if (std::isnan(d)) return kUnordered;
  if (d < 0) return 1;
  if (d > kTwo64) return -1;
  return CmpDoubles(static_cast<double>(u), d);
}

int CmpIntUint(int64_t i, uint64_t u) {
  if (i < 0) return -1;
  uint64_t x = static_cast<uint64_t>(i);
  return x < u ? -1 : (x > u ? 1 : 0);
}

template <typename T>
int Cmp3(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

int CmpBytes(Value a, Value b) {
  size_t n = a.len < b.len ? a.len : b.len;
  int c = n ? std::memcmp(a.str, b.str, n) : 0;
  if (c != 0) return c < 0 ? -1 : 1;
  return Cmp3(a.len, b.len);
}

// Numeric three-way comparison; both operands must be numbers.
int CmpNumbers(Value a, Value b) {
  switch (a.kind) {
    case Kind::kInt:
      if (b.kind == Kind::kInt) return Cmp3(a.i, b.i);
      if (b.kind == Kind::kUint) return CmpIntUint(a.i, b.u);
      return CmpIntDouble(a.i, b.d);
    case Kind::kUint:
      if (b.kind == Kind::kUint) return Cmp3(a.u, b.u);
      if (b.kind == Kind::kInt) return -CmpIntUint(b.i, a.u);
      return CmpUintDouble(a.u, b.d);
    default:  // double
      if (b.kind == Kind::kDouble) {
        if (std::isnan(a.d) || std::isnan(b.d)) return kUnordered;
        return Cmp3(a.d, b.d);
      }
      {
        int c = b.kind == Kind::kInt ? CmpIntDouble(b.i, a.d)
                                     : CmpUintDouble(b.u, a.d);
        return c == kUnordered ? c : -c;
      }
  }
}

bool TypesEqual(const TypeObj* a, const TypeObj* b) {
  if (a == b) return true;
  if (a->kind != b->kind) return false;
  if (a->name == nullptr || b->name == nullptr) return false;
  return std::strcmp(a->name, b->name) == 0;
}

}  // namespace

// ---------------------------------------------------------------------------
// Arithmetic

Value Add(CallContext& ctx, Value a, Value b) {
  if (a.kind == b.kind) {
    switch (a.kind) {
      case Kind::kInt: {
        int64_t r;
        if (__builtin_add_overflow(a.i, b.i, &r)) return Overflow();
        return Value::Int(r);
      }
      case Kind::kUint: {
        uint64_t r;
        if (__builtin_add_overflow(a.u, b.u, &r)) return Overflow();
        return Value::Uint(r);
      }
      case Kind::kDouble:
        return Value::Double(a.d + b.d);
      case Kind::kString:
      case Kind::kBytes:
        return Concat(ctx, a, b, a.kind);
      case Kind::kList:
        return ConcatLists(ctx, a, b);
      case Kind::kDuration:
        return DurationFromNanos(TotalNanos(a) + TotalNanos(b));
      default:
        break;
    }
  } else if (a.kind == Kind::kTimestamp && b.kind == Kind::kDuration) {
    return TimestampFromNanos(TotalNanos(a) + TotalNanos(b));
  } else if (a.kind == Kind::kDuration && b.kind == Kind::kTimestamp) {
    return TimestampFromNanos(TotalNanos(a) + TotalNanos(b));
  }
  return Binary(ctx, "_+_", a, b);
}

Value Sub(CallContext& ctx, Value a, Value b) {
  if (a.kind == b.kind) {
    switch (a.kind) {
      case Kind::kInt: {
        int64_t r;
        if (__builtin_sub_overflow(a.i, b.i, &r)) return Overflow();
        return Value::Int(r);
      }
      case Kind::kUint: {
        uint64_t r;
        if (__builtin_sub_overflow(a.u, b.u, &r)) return Overflow();
        return Value::Uint(r);
      }
      case Kind::kDouble:
        return Value::Double(a.d - b.d);
      case Kind::kDuration:
        return DurationFromNanos(TotalNanos(a) - TotalNanos(b));
      case Kind::kTimestamp: {
        // The difference must fit in int64 nanoseconds (about 292 years),
        // as in cel-go and cel-cpp, even though duration values may be
        // larger.
        absl::int128 n = TotalNanos(a) - TotalNanos(b);
        if (n > absl::int128(std::numeric_limits<int64_t>::max()) ||
            n < absl::int128(std::numeric_limits<int64_t>::min())) {
          return StaticError(ErrorCode::kOverflow, "duration out of range");
        }
        return DurationFromNanos(n);
      }
      default:
        break;
    }
  } else if (a.kind == Kind::kTimestamp && b.kind == Kind::kDuration) {
    return TimestampFromNanos(TotalNanos(a) - TotalNanos(b));
  }
  return Binary(ctx, "_-_", a, b);
}

Value Mul(CallContext& ctx, Value a, Value b) {
  if (a.kind == b.kind) {
    switch (a.kind) {
      case Kind::kInt: {
        int64_t r;
        if (__builtin_mul_overflow(a.i, b.i, &r)) return Overflow();
        return Value::Int(r);
      }
      case Kind::kUint: {
        uint64_t r;
        if (__builtin_mul_overflow(a.u, b.u, &r)) return Overflow();
        return Value::Uint(r);
      }
      case Kind::kDouble:
        return Value::Double(a.d * b.d);
      default:
        break;
    }
  }
  return Binary(ctx, "_*_", a, b);
}

Value Div(CallContext& ctx, Value a, Value b) {
  if (a.kind == b.kind) {
    switch (a.kind) {
      case Kind::kInt:
        if (b.i == 0) return DivZero();
        if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) {
          return Overflow();
        }
        return Value::Int(a.i / b.i);
      case Kind::kUint:
        if (b.u == 0) return DivZero();
        return Value::Uint(a.u / b.u);
      case Kind::kDouble:
        return Value::Double(a.d / b.d);  // IEEE: x/0 = +-inf, 0/0 = NaN
      default:
        break;
    }
  }
  return Binary(ctx, "_/_", a, b);
}

Value Mod(CallContext& ctx, Value a, Value b) {
  if (a.kind == b.kind) {
    switch (a.kind) {
      case Kind::kInt:
        if (b.i == 0) return ModZero();
        if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) {
          return Overflow();
        }
        return Value::Int(a.i % b.i);
      case Kind::kUint:
        if (b.u == 0) return ModZero();
        return Value::Uint(a.u % b.u);
      default:
        break;
    }
  }
  return Binary(ctx, "_%_", a, b);
}

Value Negate(CallContext& ctx, Value a, Value) {
  switch (a.kind) {
    case Kind::kInt:
      if (a.i == std::numeric_limits<int64_t>::min()) return Overflow();
      return Value::Int(-a.i);
    case Kind::kDouble:
      return Value::Double(-a.d);
    case Kind::kDuration:
      return DurationFromNanos(-TotalNanos(a));
    default:
      return NoOverload(ctx, "-_", &a, 1);
  }
}

// ---------------------------------------------------------------------------
// Equality

bool ValuesEqual(CallContext& ctx, Value a, Value b) {
  if (a.kind != b.kind) {
    if (IsNumber(a.kind) && IsNumber(b.kind)) return CmpNumbers(a, b) == 0;
    return false;
  }
  switch (a.kind) {
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return a.b == b.b;
    case Kind::kInt:
      return a.i == b.i;
    case Kind::kUint:
      return a.u == b.u;
    case Kind::kDouble:
      return a.d == b.d;
    case Kind::kString:
    case Kind::kBytes:
      return a.len == b.len && (a.str == b.str || a.len == 0 ||
                                std::memcmp(a.str, b.str, a.len) == 0);
    case Kind::kTimestamp:
    case Kind::kDuration:
      return a.i == b.i && a.len == b.len;
    case Kind::kList: {
      if (a.list->size != b.list->size) return false;
      for (uint32_t i = 0; i < a.list->size; ++i) {
        Value x = ElementAt(*ctx.arena, *a.list, i);
        Value y = ElementAt(*ctx.arena, *b.list, i);
        if (x.is_error() || y.is_error()) return false;
        if (!ValuesEqual(ctx, x, y)) return false;
      }
      return true;
    }
    case Kind::kMap: {
      if (a.map->size != b.map->size) return false;
      for (uint32_t i = 0; i < a.map->size; ++i) {
        Value k = MapKey(*ctx.arena, *a.map, i);
        if (k.is_error()) return false;
        bool found = false;
        Value w = MapLookup(*ctx.arena, *b.map, k, &found);
        if (!found) return false;
        Value v = MapValue(*ctx.arena, *a.map, i);
        if (v.is_error() || w.is_error()) return false;
        if (!ValuesEqual(ctx, v, w)) return false;
      }
      return true;
    }
    case Kind::kMessage:
      return a.msg == b.msg || MessagesEqual(*a.msg, *b.msg);
    case Kind::kType:
      return TypesEqual(a.type, b.type);
    case Kind::kOptional:
      if (a.opt->has_value != b.opt->has_value) return false;
      return !a.opt->has_value || ValuesEqual(ctx, a.opt->value, b.opt->value);
    case Kind::kOpaque:
      return a.opaque->type == b.opaque->type &&
             a.opaque->size == b.opaque->size &&
             std::memcmp(a.opaque->data, b.opaque->data, a.opaque->size) == 0;
    case Kind::kError:
      return false;
  }
  return false;
}

Value Equals(CallContext& ctx, Value a, Value b) {
  // Fast paths first: same-kind scalars.
  if (a.kind == b.kind) {
    if (a.kind == Kind::kInt) return Value::Bool(a.i == b.i);
    if (a.kind == Kind::kString) {
      return Value::Bool(a.len == b.len &&
                         (a.len == 0 || std::memcmp(a.str, b.str, a.len) == 0));
    }
  }
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  return Value::Bool(ValuesEqual(ctx, a, b));
}

Value NotEquals(CallContext& ctx, Value a, Value b) {
  Value r = Equals(ctx, a, b);
  if (r.kind == Kind::kBool) r.b = !r.b;
  return r;
}

// ---------------------------------------------------------------------------
// Ordering

Value Compare(CallContext& ctx, Value a, Value b, int* out) {
  if (a.kind == b.kind) {
    switch (a.kind) {
      case Kind::kInt:
        *out = Cmp3(a.i, b.i);
        return Value();
      case Kind::kUint:
        *out = Cmp3(a.u, b.u);
        return Value();
      case Kind::kDouble:
        *out = CmpNumbers(a, b);
        return Value();
      case Kind::kString:
      case Kind::kBytes:
        // Byte-wise UTF-8 order equals code point order.
        *out = CmpBytes(a, b);
        return Value();
      case Kind::kBool:
        *out = Cmp3(int{a.b}, int{b.b});
        return Value();
      case Kind::kTimestamp:
      case Kind::kDuration:
        *out = a.i != b.i ? Cmp3(a.i, b.i) : Cmp3(a.nanos(), b.nanos());
        return Value();
      default:
        break;
    }
  } else if (IsNumber(a.kind) && IsNumber(b.kind)) {
    *out = CmpNumbers(a, b);
    return Value();
  }
  return Binary(ctx, "_<_", a, b);
}

namespace {
template <typename Pred>
Value Ordered(CallContext& ctx, const char* fn, Value a, Value b, Pred pred) {
  if (a.kind == Kind::kInt && b.kind == Kind::kInt) {
    return Value::Bool(pred(Cmp3(a.i, b.i)));
  }
  int c;
  Value r = Compare(ctx, a, b, &c);
  if (r.is_error()) {
    if (r.err->code == ErrorCode::kNoMatchingOverload) {
      return Binary(ctx, fn, a, b);
    }
    return r;
  }
  if (c == kUnordered) return Value::Bool(false);
  return Value::Bool(pred(c));
}
}  // namespace

Value Less(CallContext& ctx, Value a, Value b) {
  return Ordered(ctx, "_<_", a, b, [](int c) { return c < 0; });
}
Value LessEq(CallContext& ctx, Value a, Value b) {
  return Ordered(ctx, "_<=_", a, b, [](int c) { return c <= 0; });
}
Value Greater(CallContext& ctx, Value a, Value b) {
  return Ordered(ctx, "_>_", a, b, [](int c) { return c > 0; });
}
Value GreaterEq(CallContext& ctx, Value a, Value b) {
  return Ordered(ctx, "_>=_", a, b, [](int c) { return c >= 0; });
}

// ---------------------------------------------------------------------------
// Containers

Value In(CallContext& ctx, Value elem, Value container) {
  if (container.kind == Kind::kList) {
    if (elem.is_error()) return elem;
    const ListObj& l = *container.list;
    if (l.rep == ListRep::kArray && elem.kind == Kind::kString) {
      // Fast path: `x in ["a", "b"]` over a constant or materialised list.
      // Only strings equal strings, so other kinds are skipped.
      const uint32_t n = elem.len;
      for (uint32_t i = 0; i < l.size; ++i) {
        const Value& x = l.items[i];
        if (x.kind == Kind::kString && x.len == n &&
            (n == 0 || x.str == elem.str ||
             (x.str[n - 1] == elem.str[n - 1] &&
              std::memcmp(x.str, elem.str, n) == 0))) {
          return Value::Bool(true);
        }
        if (x.kind == Kind::kError) return x;
      }
      return Value::Bool(false);
    }
    for (uint32_t i = 0; i < l.size; ++i) {
      Value x = ElementAt(*ctx.arena, l, i);
      if (x.is_error()) return x;
      if (ValuesEqual(ctx, elem, x)) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  if (container.kind == Kind::kMap) {
    if (elem.is_error()) return elem;
    return MapContainsKey(*ctx.arena, *container.map, elem);
  }
  return Binary(ctx, "@in", elem, container);
}

Value Index(CallContext& ctx, Value container, Value key) {
  if (container.kind == Kind::kOptional) {
    // Optional chaining: indexing an optional yields an optional.
    if (!container.opt->has_value) return container;
    Value r = Index(ctx, container.opt->value, key);
    if (r.is_error()) return r;
    return MakeOptional(*ctx.arena, true, r);
  }
  if (container.kind == Kind::kList) {
    const ListObj& l = *container.list;
    int64_t i;
    switch (key.kind) {
      case Kind::kInt:
        i = key.i;
        break;
      case Kind::kUint:
        i = key.u > uint64_t{l.size} ? -1 : static_cast<int64_t>(key.u);
        break;
      case Kind::kDouble:
        if (key.d != std::trunc(key.d) ||
            !(key.d > -kTwo63 && key.d < kTwo63)) {
          return Err(ctx, ErrorCode::kInvalidArgument,
                     absl::StrCat("invalid list index: ", FormatValue(key)));
        }
        i = static_cast<int64_t>(key.d);
        break;
      default:
        return Binary(ctx, "_[_]", container, key);
    }
    if (i < 0 || i >= static_cast<int64_t>(l.size)) {
      return Err(ctx, ErrorCode::kOutOfRange,
                 absl::StrCat("index out of range: ", FormatValue(key)));
    }
    return ElementAt(*ctx.arena, l, static_cast<uint32_t>(i));
  }
  if (container.kind == Kind::kMap) {
    if (key.is_error()) return key;
    bool found = false;
    Value v = MapLookup(*ctx.arena, *container.map, key, &found);
    if (found || v.is_error()) return v;
    return Err(ctx, ErrorCode::kNoSuchKey,
               absl::StrCat("no such key: ", FormatValue(key)));
  }
  return Binary(ctx, "_[_]", container, key);
}

Value OptIndex(CallContext& ctx, Value container, Value key) {
  if (key.is_error()) return key;
  if (container.kind == Kind::kOptional) {
    if (!container.opt->has_value) return container;
    return OptIndex(ctx, container.opt->value, key);
  }
  static const OptionalObj kNone{};
  if (container.kind == Kind::kList) {
    const ListObj& l = *container.list;
    int64_t i;
    if (key.kind == Kind::kInt) {
      i = key.i;
    } else if (key.kind == Kind::kUint) {
      i = key.u > uint64_t{l.size} ? -1 : static_cast<int64_t>(key.u);
    } else if (key.kind == Kind::kDouble && key.d == std::trunc(key.d) &&
               key.d > -kTwo63 && key.d < kTwo63) {
      i = static_cast<int64_t>(key.d);
    } else {
      return Binary(ctx, "_[?_]", container, key);
    }
    if (i < 0 || i >= static_cast<int64_t>(l.size)) {
      return Value::Optional(&kNone);
    }
    Value v = ElementAt(*ctx.arena, l, static_cast<uint32_t>(i));
    if (v.is_error()) return v;
    return MakeOptional(*ctx.arena, true, v);
  }
  if (container.kind == Kind::kMap) {
    bool found = false;
    Value v = MapLookup(*ctx.arena, *container.map, key, &found);
    if (v.is_error()) return v;
    if (!found) return Value::Optional(&kNone);
    return MakeOptional(*ctx.arena, true, v);
  }
  return Binary(ctx, "_[?_]", container, key);
}

Value Size(CallContext& ctx, Value v) {
  switch (v.kind) {
    case Kind::kString:
      return Value::Int(static_cast<int64_t>(
          builtins_internal::CountCodePoints(v.string_view())));
    case Kind::kBytes:
      return Value::Int(v.len);
    case Kind::kList:
      return Value::Int(v.list->size);
    case Kind::kMap:
      return Value::Int(v.map->size);
    default:
      return NoOverload(ctx, "size", &v, 1);
  }
}

// ---------------------------------------------------------------------------
// Table entries for the operators, for callers that go through FindBuiltin.

namespace builtins_internal {
namespace {

template <Value (*F)(CallContext&, Value, Value)>
Value Wrap2(CallContext& ctx, const Value* args, uint32_t) {
  return F(ctx, args[0], args[1]);
}
Value Neg1(CallContext& ctx, const Value* args, uint32_t) {
  return Negate(ctx, args[0]);
}
Value Size1(CallContext& ctx, const Value* args, uint32_t) {
  return Size(ctx, args[0]);
}
Value Not1(CallContext& ctx, const Value* args, uint32_t) {
  if (args[0].kind == Kind::kBool) return Value::Bool(!args[0].b);
  return NoOverload(ctx, "!_", args, 1);
}

const Builtin kOperators[] = {
    {"_+_", false, 2, 2, Wrap2<Add>},
    {"_-_", false, 2, 2, Wrap2<Sub>},
    {"_*_", false, 2, 2, Wrap2<Mul>},
    {"_/_", false, 2, 2, Wrap2<Div>},
    {"_%_", false, 2, 2, Wrap2<Mod>},
    {"-_", false, 1, 1, Neg1},
    {"!_", false, 1, 1, Not1},
    {"_==_", false, 2, 2, Wrap2<Equals>},
    {"_!=_", false, 2, 2, Wrap2<NotEquals>},
    {"_<_", false, 2, 2, Wrap2<Less>},
    {"_<=_", false, 2, 2, Wrap2<LessEq>},
    {"_>_", false, 2, 2, Wrap2<Greater>},
    {"_>=_", false, 2, 2, Wrap2<GreaterEq>},
    {"@in", false, 2, 2, Wrap2<In>},
    {"_[_]", false, 2, 2, Wrap2<Index>},
    {"_[?_]", false, 2, 2, Wrap2<OptIndex>},
    {"size", false, 1, 1, Size1},
    {"size", true, 1, 1, Size1},
};

}  // namespace

absl::Span<const Builtin> OperatorBuiltins() { return kOperators; }

}  // namespace builtins_internal
}  // namespace onus::engine
