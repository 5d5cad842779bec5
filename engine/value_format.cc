#include "engine/value_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/builtins/list_access.h"

namespace onus::engine {
namespace {

constexpr int kMaxDepth = 32;

void Append(Arena& arena, const Value& v, int depth, std::string* out);

void AppendBytesLiteral(absl::string_view s, std::string* out) {
  out->append("b\"");
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7F) {
      out->push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(out, "\\x%02x", c);
    }
  }
  out->push_back('"');
}

void Append(Arena& arena, const Value& v, int depth, std::string* out) {
  if (depth > kMaxDepth) {
    out->append("...");
    return;
  }
  switch (v.kind) {
    case Kind::kNull:
      out->append("null");
      return;
    case Kind::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case Kind::kInt:
      absl::StrAppend(out, v.i);
      return;
    case Kind::kUint:
      absl::StrAppend(out, v.u, "u");
      return;
    case Kind::kDouble:
      AppendDouble(v.d, out);
      return;
    case Kind::kString:
      AppendQuoted(v.string_view(), out);
      return;
    case Kind::kBytes:
      AppendBytesLiteral(v.string_view(), out);
      return;
    case Kind::kTimestamp:
      out->append("timestamp(\"");
      AppendTimestamp(v.i, v.nanos(), out);
      out->append("\")");
      return;
    case Kind::kDuration:
      out->append("duration(\"");
      AppendDuration(v.i, v.nanos(), out);
      out->append("\")");
      return;
    case Kind::kList: {
      out->push_back('[');
      for (uint32_t i = 0; i < v.list->size; ++i) {
        if (i) out->append(", ");
        Append(arena, ElementAt(arena, *v.list, i), depth + 1, out);
      }
      out->push_back(']');
      return;
    }
    case Kind::kMap: {
      out->push_back('{');
      for (uint32_t i = 0; i < v.map->size; ++i) {
        if (i) out->append(", ");
        Append(arena, MapKey(arena, *v.map, i), depth + 1, out);
        out->append(": ");
        Append(arena, MapValue(arena, *v.map, i), depth + 1, out);
      }
      out->push_back('}');
      return;
    }
    case Kind::kMessage:
      out->append(MessageDebugString(*v.msg));
      return;
    case Kind::kType:
      out->append(v.type->name ? v.type->name : "type");
      return;
    case Kind::kOptional:
      if (!v.opt->has_value) {
        out->append("optional.none()");
      } else {
        out->append("optional.of(");
        Append(arena, v.opt->value, depth + 1, out);
        out->push_back(')');
      }
      return;
    case Kind::kError:
      out->append("error(");
      out->append(v.err->text().data(), v.err->text().size());
      out->push_back(')');
      return;
    case Kind::kOpaque:
      if (v.opaque->format != nullptr) {
        v.opaque->format(*v.opaque, out);
      } else {
        absl::StrAppend(out, v.opaque->type->name, "(...)");
      }
      return;
  }
}

}  // namespace

void AppendQuoted(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\v':
        out->append("\\v");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(out, "\\x%02x", c);
        } else {
          out->push_back(ch);  // UTF-8 passes through
        }
    }
  }
  out->push_back('"');
}

namespace {
void AppendDoubleImpl(double d, int exp_limit, bool force_point,
                      std::string* out) {
  if (std::isnan(d)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(d)) {
    out->append(d > 0 ? "+Inf" : "-Inf");
    return;
  }
  // Shortest round-trip digits, then Go's 'g' layout: exponent form when
  // the decimal exponent is < -4 or >= exp_limit.
  char buf[64];
  auto r =
      std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // d.ddddde[+-]XX
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::atoi(sci.c_str() + e + 1);
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits.push_back(c);
  }
  if (neg) out->push_back('-');
  if (exp < -4 || exp >= exp_limit) {
    out->push_back(digits[0]);
    if (digits.size() > 1) {
      out->push_back('.');
      out->append(digits, 1, std::string::npos);
    }
    absl::StrAppendFormat(out, "e%c%02d", exp < 0 ? '-' : '+',
                          exp < 0 ? -exp : exp);
    return;
  }
  if (exp < 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-exp - 1), '0');
    out->append(digits);
    return;
  }
  size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) {
    out->append(digits);
    out->append(int_digits - digits.size(), '0');
    if (force_point) out->append(".0");
  } else {
    out->append(digits, 0, int_digits);
    out->push_back('.');
    out->append(digits, int_digits, std::string::npos);
  }
}

}  // namespace

void AppendDouble(double d, std::string* out) {
  AppendDoubleImpl(d, 21, true, out);
}

void AppendDoubleString(double d, std::string* out) {
  AppendDoubleImpl(d, 6, false, out);
}

void AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out) {
  absl::CivilSecond cs =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  absl::StrAppendFormat(out, "%04d-%02d-%02dT%02d:%02d:%02d", cs.year(),
                        cs.month(), cs.day(), cs.hour(), cs.minute(),
                        cs.second());
  if (nanos != 0) {
    std::string frac = absl::StrFormat("%09d", nanos);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out->push_back('.');
    out->append(frac);
  }
  out->push_back('Z');
}

void AppendDuration(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds < 0 || nanos < 0) out->push_back('-');
  uint64_t s = seconds < 0 ? 0 - static_cast<uint64_t>(seconds)
                           : static_cast<uint64_t>(seconds);
  int32_t n = nanos < 0 ? -nanos : nanos;
  absl::StrAppend(out, s);
  if (n != 0) {
    std::string frac = absl::StrFormat("%09d", n);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out->push_back('.');
    out->append(frac);
  }
  out->push_back('s');
}

void AppendValue(const Value& v, std::string* out) {
  // Wire-backed containers decode elements into a scratch arena; only
  // evidence and messages format values, never the evaluation hot path.
  Arena scratch(1024);
  Append(scratch, v, 0, out);
}

std::string FormatValue(const Value& v) {
  std::string out;
  AppendValue(v, &out);
  return out;
}

}  // namespace onus::engine
