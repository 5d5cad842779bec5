// Type conversions: int uint double string bytes bool timestamp duration
// dyn type. Semantics follow cel-go (the reference the conformance suite
// was written against).
#include "engine/builtins/conversions.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/builtins/internal.h"
#include "engine/builtins/list_access.h"
#include "engine/value_format.h"

namespace onus::engine {

using builtins_internal::DurationFromNanos;
using builtins_internal::Err;
using builtins_internal::FirstError;
using builtins_internal::NoOverload;

namespace {

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

Value RangeError(const char* what) {
  return StaticError(ErrorCode::kOverflow, what);
}

// Go's strconv.ParseInt/ParseUint: optional sign (ParseUint: none), decimal
// digits only, no spaces.
bool ParseInt64(absl::string_view s, int64_t* out, bool* range) {
  *range = false;
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') {
    ++b;
    if (b == e || *b == '-') return false;
  }
  auto r = std::from_chars(b, e, *out);
  if (r.ec == std::errc::result_out_of_range) *range = true;
  return r.ec == std::errc() && r.ptr == e;
}

bool ParseUint64(absl::string_view s, uint64_t* out, bool* range) {
  *range = false;
  if (s.empty() || s[0] == '-' || s[0] == '+') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (r.ec == std::errc::result_out_of_range) *range = true;
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

bool ParseDouble(absl::string_view s, double* out) {
  if (s.empty()) return false;
  bool neg = false;
  absl::string_view t = s;
  if (t[0] == '+' || t[0] == '-') {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  if (absl::EqualsIgnoreCase(t, "inf") ||
      absl::EqualsIgnoreCase(t, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity()
               : std::numeric_limits<double>::infinity();
    return true;
  }
  if (absl::EqualsIgnoreCase(t, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (t.empty() || t[0] == '+' || t[0] == '-') return false;
  double d;
  auto r = std::from_chars(t.data(), t.data() + t.size(), d,
                           std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return false;
  *out = neg ? -d : d;
  return true;
}

bool ParseDuration(absl::string_view s, int64_t* seconds, int32_t* nanos,
                   bool* out_of_range) {
  if (out_of_range != nullptr) *out_of_range = false;
  auto range = [&] {
    if (out_of_range != nullptr) *out_of_range = true;
    return false;
  };
  // Go's time.ParseDuration grammar: [-+]?(\d*(\.\d*)?unit)+ or "0".
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *seconds = 0;
    *nanos = 0;
    return true;
  }
  if (s.empty()) return false;
  absl::int128 total = 0;
  const absl::int128 limit =
      absl::int128(builtins_internal::kMaxDurationSeconds + 1) * 1000000000;
  while (!s.empty()) {
    absl::int128 whole = 0;
    size_t i = 0;
    bool any = false;
    while (i < s.size() && absl::ascii_isdigit(s[i])) {
      whole = whole * 10 + (s[i] - '0');
      if (whole > limit) return range();
      ++i;
      any = true;
    }
    absl::int128 frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && absl::ascii_isdigit(s[i])) {
        if (scale < absl::int128(1000000000) * 1000000000) {
          frac = frac * 10 + (s[i] - '0');
          scale *= 10;
        }
        ++i;
        any = true;
      }
    }
    if (!any) return false;
    s.remove_prefix(i);
    int64_t unit;
    size_t ulen;
    if (absl::StartsWith(s, "ns")) {
      unit = 1, ulen = 2;
    } else if (absl::StartsWith(s, "us")) {
      unit = 1000, ulen = 2;
    } else if (absl::StartsWith(s, "\xC2\xB5s") ||
               absl::StartsWith(s, "\xCE\xBCs")) {  // µs, μs
      unit = 1000, ulen = 3;
    } else if (absl::StartsWith(s, "ms")) {
      unit = 1000000, ulen = 2;
    } else if (absl::StartsWith(s, "s")) {
      unit = 1000000000, ulen = 1;
    } else if (absl::StartsWith(s, "m")) {
      unit = int64_t{60} * 1000000000, ulen = 1;
    } else if (absl::StartsWith(s, "h")) {
      unit = int64_t{3600} * 1000000000, ulen = 1;
    } else {
      return false;
    }
    s.remove_prefix(ulen);
    total += whole * unit + frac * unit / scale;
    if (total > limit) return range();
  }
  if (neg) total = -total;
  if (total >
          absl::int128(builtins_internal::kMaxDurationSeconds) * 1000000000 +
              999999999 ||
      total <
          -(absl::int128(builtins_internal::kMaxDurationSeconds) * 1000000000 +
            999999999)) {
    return false;
  }
  *seconds = static_cast<int64_t>(total / 1000000000);
  *nanos = static_cast<int32_t>(total % 1000000000);
  return true;
}

bool ParseTimestamp(absl::string_view s, int64_t* seconds, int32_t* nanos,
                    bool* out_of_range) {
  if (out_of_range != nullptr) *out_of_range = false;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return false;
  absl::Duration since = t - absl::UnixEpoch();
  int64_t sec = absl::ToInt64Seconds(since);
  absl::Duration rem = since - absl::Seconds(sec);
  int64_t ns = absl::ToInt64Nanoseconds(rem);
  if (ns < 0) {
    ns += 1000000000;
    sec -= 1;
  }
  if (sec < builtins_internal::kMinTimestampSeconds ||
      sec > builtins_internal::kMaxTimestampSeconds) {
    if (out_of_range != nullptr) *out_of_range = true;
    return false;
  }
  *seconds = sec;
  *nanos = static_cast<int32_t>(ns);
  return true;
}

Value ToStringValue(CallContext& ctx, Value v) {
  std::string out;
  switch (v.kind) {
    case Kind::kString:
      return v;
    case Kind::kBytes:
      if (!builtins_internal::IsValidUtf8(v.string_view())) {
        return StaticError(ErrorCode::kInvalidArgument,
                           "invalid UTF-8 in bytes, cannot convert to string");
      }
      v.kind = Kind::kString;
      return v;
    case Kind::kBool:
      return Value::String(v.b ? "true" : "false");
    case Kind::kInt:
      out = absl::StrCat(v.i);
      break;
    case Kind::kUint:
      out = absl::StrCat(v.u);
      break;
    case Kind::kDouble:
      AppendDoubleString(v.d, &out);
      break;
    case Kind::kTimestamp:
      AppendTimestamp(v.i, v.nanos(), &out);
      break;
    case Kind::kDuration:
      AppendDuration(v.i, v.nanos(), &out);
      break;
    case Kind::kOpaque:
      if (v.opaque->format == nullptr) return NoOverload(ctx, "string", &v, 1);
      v.opaque->format(*v.opaque, &out);
      break;
    default:
      return NoOverload(ctx, "string", &v, 1);
  }
  return NewString(*ctx.arena, out);
}

Value TypeOf(CallContext& ctx, Value v) {
  (void)ctx;
  switch (v.kind) {
    case Kind::kError:
      return v;
    case Kind::kMessage:
      return Value::Type(MessageTypeValue(*v.msg));
    case Kind::kOpaque:
      return Value::Type(v.opaque->type);
    default:
      return Value::Type(BuiltinType(v.kind));
  }
}

namespace {

Value IntFn(CallContext& ctx, const Value* args, uint32_t) {
  Value v = args[0];
  switch (v.kind) {
    case Kind::kInt:
      return v;
    case Kind::kUint:
      if (v.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return RangeError("range error converting uint to int");
      }
      return Value::Int(static_cast<int64_t>(v.u));
    case Kind::kDouble:
      // Both bounds exclusive: 2^63 itself does not fit, and cel-go also
      // rejects -2^63 (it is the boundary of its range check).
      if (std::isnan(v.d) || !(v.d > -kTwo63 && v.d < kTwo63)) {
        return RangeError("range error converting double to int");
      }
      return Value::Int(static_cast<int64_t>(v.d));
    case Kind::kString: {
      int64_t x;
      bool range;
      if (!ParseInt64(v.string_view(), &x, &range)) {
        if (range) return RangeError("range error converting string to int");
        return Err(
            ctx, ErrorCode::kInvalidArgument,
            absl::StrCat("cannot convert string to int: ", FormatValue(v)));
      }
      return Value::Int(x);
    }
    case Kind::kTimestamp:
      return Value::Int(v.i);
    case Kind::kOpaque: {
      int64_t n;  // a typed enum (strong enums) converts back to its number
      if (EnumValueNumber(v, &n)) return Value::Int(n);
      return NoOverload(ctx, "int", args, 1);
    }
    default:
      return NoOverload(ctx, "int", args, 1);
  }
}

Value UintFn(CallContext& ctx, const Value* args, uint32_t) {
  Value v = args[0];
  switch (v.kind) {
    case Kind::kUint:
      return v;
    case Kind::kInt:
      if (v.i < 0) return RangeError("range error converting int to uint");
      return Value::Uint(static_cast<uint64_t>(v.i));
    case Kind::kDouble:
      if (std::isnan(v.d) || !(v.d >= 0 && v.d < kTwo64)) {
        return RangeError("range error converting double to uint");
      }
      return Value::Uint(static_cast<uint64_t>(v.d));
    case Kind::kString: {
      uint64_t x;
      bool range;
      if (!ParseUint64(v.string_view(), &x, &range)) {
        if (range) {
          return RangeError("range error converting string to uint");
        }
        return Err(
            ctx, ErrorCode::kInvalidArgument,
            absl::StrCat("cannot convert string to uint: ", FormatValue(v)));
      }
      return Value::Uint(x);
    }
    default:
      return NoOverload(ctx, "uint", args, 1);
  }
}

Value DoubleFn(CallContext& ctx, const Value* args, uint32_t) {
  Value v = args[0];
  switch (v.kind) {
    case Kind::kDouble:
      return v;
    case Kind::kInt:
      return Value::Double(static_cast<double>(v.i));
    case Kind::kUint:
      return Value::Double(static_cast<double>(v.u));
    case Kind::kString: {
      double d;
      if (!ParseDouble(v.string_view(), &d)) {
        return Err(
            ctx, ErrorCode::kInvalidArgument,
            absl::StrCat("cannot convert string to double: ", FormatValue(v)));
      }
      return Value::Double(d);
    }
    default:
      return NoOverload(ctx, "double", args, 1);
  }
}

Value StringFn(CallContext& ctx, const Value* args, uint32_t) {
  return ToStringValue(ctx, args[0]);
}

Value BytesFn(CallContext& ctx, const Value* args, uint32_t) {
  Value v = args[0];
  if (v.kind == Kind::kBytes) return v;
  if (v.kind == Kind::kString) {
    v.kind = Kind::kBytes;
    return v;
  }
  return NoOverload(ctx, "bytes", args, 1);
}

Value BoolFn(CallContext& ctx, const Value* args, uint32_t) {
  Value v = args[0];
  if (v.kind == Kind::kBool) return v;
  if (v.kind == Kind::kString) {
    absl::string_view s = v.string_view();
    if (s == "1" || s == "t" || s == "true" || s == "TRUE" || s == "True") {
      return Value::Bool(true);
    }
    if (s == "0" || s == "f" || s == "false" || s == "FALSE" || s == "False") {
      return Value::Bool(false);
    }
    return Err(ctx, ErrorCode::kInvalidArgument,
               absl::StrCat("cannot convert string to bool: ", FormatValue(v)));
  }
  return NoOverload(ctx, "bool", args, 1);
}

Value TimestampFn(CallContext& ctx, const Value* args, uint32_t) {
  Value v = args[0];
  if (v.kind == Kind::kTimestamp) return v;
  if (v.kind == Kind::kString) {
    int64_t s;
    int32_t n;
    bool range;
    if (!ParseTimestamp(v.string_view(), &s, &n, &range)) {
      if (range) {
        return Err(ctx, ErrorCode::kOutOfRange,
                   absl::StrCat("timestamp out of range: ", FormatValue(v),
                                " (valid: 0001-01-01 to 9999-12-31)"));
      }
      return Err(ctx, ErrorCode::kInvalidArgument,
                 absl::StrCat("invalid timestamp ", FormatValue(v),
                              ": want RFC 3339"));
    }
    return Value::Timestamp(s, n);
  }
  if (v.kind == Kind::kInt) {
    if (v.i < builtins_internal::kMinTimestampSeconds ||
        v.i > builtins_internal::kMaxTimestampSeconds) {
      return RangeError("timestamp out of range");
    }
    return Value::Timestamp(v.i, 0);
  }
  return NoOverload(ctx, "timestamp", args, 1);
}

Value DurationFn(CallContext& ctx, const Value* args, uint32_t) {
  Value v = args[0];
  if (v.kind == Kind::kDuration) return v;
  if (v.kind == Kind::kString) {
    int64_t s;
    int32_t n;
    bool range;
    if (!ParseDuration(v.string_view(), &s, &n, &range)) {
      if (range) {
        return Err(ctx, ErrorCode::kOutOfRange,
                   absl::StrCat("duration out of range: ", FormatValue(v)));
      }
      return Err(ctx, ErrorCode::kInvalidArgument,
                 absl::StrCat("invalid duration ", FormatValue(v)));
    }
    return Value::Duration(s, n);
  }
  if (v.kind == Kind::kInt) {
    // cel-go accepts int nanoseconds.
    return DurationFromNanos(absl::int128(v.i));
  }
  return NoOverload(ctx, "duration", args, 1);
}

Value DynFn(CallContext&, const Value* args, uint32_t) { return args[0]; }

Value TypeFn(CallContext& ctx, const Value* args, uint32_t) {
  return TypeOf(ctx, args[0]);
}

template <BuiltinFn F>
Value Strict(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  return F(ctx, args, argc);
}

const Builtin kConversions[] = {
    {"int", false, 1, 1, Strict<IntFn>},
    {"uint", false, 1, 1, Strict<UintFn>},
    {"double", false, 1, 1, Strict<DoubleFn>},
    {"string", false, 1, 1, Strict<StringFn>},
    {"bytes", false, 1, 1, Strict<BytesFn>},
    {"bool", false, 1, 1, Strict<BoolFn>},
    {"timestamp", false, 1, 1, Strict<TimestampFn>},
    {"duration", false, 1, 1, Strict<DurationFn>},
    {"dyn", false, 1, 1, DynFn},
    {"type", false, 1, 1, Strict<TypeFn>},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> ConversionBuiltins() { return kConversions; }
}  // namespace builtins_internal

}  // namespace onus::engine
