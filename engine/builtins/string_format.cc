#include "engine/builtins/string_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/builtins/internal.h"
#include "engine/builtins/list_access.h"
#include "engine/value_format.h"

namespace onus::engine {
namespace {

using builtins_internal::TypeName;

// Nested lists and maps in %s are bounded like every other walk over
// user-shaped data.
constexpr int kMaxFormatDepth = 32;

std::string ClauseError(const char* what, const Value& v) {
  return absl::StrCat("error during formatting: ", what, ", was given ",
                      TypeName(v));
}

bool NonFinite(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append("NaN");
    return true;
  }
  if (std::isinf(d)) {
    out->append(d > 0 ? "Infinity" : "-Infinity");
    return true;
  }
  return false;
}

// %s rendering; false with *err set for unsupported kinds.
bool AppendS(Arena& arena, const Value& v, int depth, std::string* out,
             std::string* err) {
  if (depth > kMaxFormatDepth) {
    *err = "error during formatting: value nested too deeply";
    return false;
  }
  switch (v.kind) {
    case Kind::kString:
    case Kind::kBytes:
      out->append(v.str, v.len);
      return true;
    case Kind::kNull:
      out->append("null");
      return true;
    case Kind::kBool:
      out->append(v.b ? "true" : "false");
      return true;
    case Kind::kInt:
      absl::StrAppend(out, v.i);
      return true;
    case Kind::kUint:
      absl::StrAppend(out, v.u);
      return true;
    case Kind::kDouble:
      if (!NonFinite(v.d, out)) AppendDoubleString(v.d, out);
      return true;
    case Kind::kTimestamp:
      AppendTimestamp(v.i, v.nanos(), out);
      return true;
    case Kind::kDuration:
      AppendDuration(v.i, v.nanos(), out);
      return true;
    case Kind::kType:
      out->append(v.type->name ? v.type->name : "type");
      return true;
    case Kind::kList: {
      out->push_back('[');
      for (uint32_t i = 0; i < v.list->size; ++i) {
        if (i) out->append(", ");
        Value x = ElementAt(arena, *v.list, i);
        if (x.is_error()) {
          *err = std::string(x.err->text());
          return false;
        }
        if (!AppendS(arena, x, depth + 1, out, err)) return false;
      }
      out->push_back(']');
      return true;
    }
    case Kind::kMap: {
      // Entries sorted by their rendered key, as cel-go does, so the output
      // does not depend on insertion order.
      std::vector<std::pair<std::string, std::string>> entries;
      for (uint32_t i = 0; i < v.map->size; ++i) {
        std::string k, val;
        Value key = MapKey(arena, *v.map, i);
        Value value = MapValue(arena, *v.map, i);
        if (key.is_error() || value.is_error()) {
          *err = std::string((key.is_error() ? key : value).err->text());
          return false;
        }
        if (!AppendS(arena, key, depth + 1, &k, err)) return false;
        if (!AppendS(arena, value, depth + 1, &val, err)) return false;
        entries.emplace_back(std::move(k), std::move(val));
      }
      std::sort(entries.begin(), entries.end());
      out->push_back('{');
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out->append(", ");
        absl::StrAppend(out, entries[i].first, ": ", entries[i].second);
      }
      out->push_back('}');
      return true;
    }
    case Kind::kOpaque:
      if (v.opaque->format != nullptr) {
        v.opaque->format(*v.opaque, out);
        return true;
      }
      break;
    default:
      break;
  }
  *err = ClauseError(
      "string clause can only be used on strings, bools, bytes, ints, "
      "doubles, maps, lists, types, durations, and timestamps",
      v);
  return false;
}

template <typename T>
std::string ToBase(T x, int base, bool upper) {
  if (x == 0) return "0";
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  while (x != 0) {
    s.push_back(digits[x % base]);
    x /= base;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

bool AppendInBase(const Value& v, int base, bool upper, std::string* out) {
  if (v.kind == Kind::kInt) {
    uint64_t mag =
        v.i < 0 ? 0 - static_cast<uint64_t>(v.i) : static_cast<uint64_t>(v.i);
    if (v.i < 0) out->push_back('-');
    out->append(ToBase(mag, base, upper));
    return true;
  }
  if (v.kind == Kind::kUint) {
    out->append(ToBase(v.u, base, upper));
    return true;
  }
  return false;
}

}  // namespace

Value FormatString(CallContext& ctx, absl::string_view fmt,
                   const ListObj& args) {
  std::string out;
  std::string err;
  uint32_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    ++i;
    if (i >= fmt.size()) {
      return builtins_internal::Err(
          ctx, ErrorCode::kInvalidArgument,
          "could not parse formatting clause: unexpected end of string");
    }
    if (fmt[i] == '%') {
      out.push_back('%');
      continue;
    }
    int precision = -1;
    if (fmt[i] == '.') {
      ++i;
      precision = 0;
      while (i < fmt.size() && absl::ascii_isdigit(fmt[i])) {
        precision = std::min(precision * 10 + (fmt[i] - '0'), 1000);
        ++i;
      }
      if (i >= fmt.size()) {
        return builtins_internal::Err(
            ctx, ErrorCode::kInvalidArgument,
            "could not parse formatting clause: unexpected end of string");
      }
    }
    char verb = fmt[i];
    if (std::string("sdfexXob").find(verb) == std::string::npos) {
      return builtins_internal::Err(
          ctx, ErrorCode::kInvalidArgument,
          absl::StrCat("could not parse formatting clause: unrecognized "
                       "formatting clause \"",
                       std::string(1, verb), "\""));
    }
    if (precision >= 0 && verb != 'f' && verb != 'e') {
      return builtins_internal::Err(
          ctx, ErrorCode::kInvalidArgument,
          "could not parse formatting clause: precision is only allowed "
          "with %f and %e");
    }
    if (next >= args.size) {
      return builtins_internal::Err(
          ctx, ErrorCode::kOutOfRange,
          absl::StrCat("index ", next, " out of range"));
    }
    Value v = ElementAt(*ctx.arena, args, next++);
    if (v.is_error()) return v;
    switch (verb) {
      case 's':
        if (!AppendS(*ctx.arena, v, 0, &out, &err)) {
          return builtins_internal::Err(ctx, ErrorCode::kInvalidArgument, err);
        }
        break;
      case 'd':
        if (v.kind == Kind::kDouble && NonFinite(v.d, &out)) break;
        if (!AppendInBase(v, 10, false, &out)) {
          return builtins_internal::Err(
              ctx, ErrorCode::kInvalidArgument,
              ClauseError("decimal clause can only be used on integers", v));
        }
        break;
      case 'f':
      case 'e': {
        double d;
        if (v.kind == Kind::kDouble) {
          d = v.d;
        } else if (v.kind == Kind::kInt) {
          d = static_cast<double>(v.i);
        } else if (v.kind == Kind::kUint) {
          d = static_cast<double>(v.u);
        } else {
          return builtins_internal::Err(
              ctx, ErrorCode::kInvalidArgument,
              ClauseError(verb == 'f'
                              ? "fixed-point clause can only be used on doubles"
                              : "scientific clause can only be used on doubles",
                          v));
        }
        if (NonFinite(d, &out)) break;
        int p = precision < 0 ? 6 : precision;
        out.append(verb == 'f' ? absl::StrFormat("%.*f", p, d)
                               : absl::StrFormat("%.*e", p, d));
        break;
      }
      case 'x':
      case 'X': {
        bool upper = verb == 'X';
        if (v.kind == Kind::kString || v.kind == Kind::kBytes) {
          std::string hex = absl::BytesToHexString(v.string_view());
          if (upper) absl::AsciiStrToUpper(&hex);
          out.append(hex);
        } else if (!AppendInBase(v, 16, upper, &out)) {
          return builtins_internal::Err(
              ctx, ErrorCode::kInvalidArgument,
              ClauseError("only integers, byte buffers, and strings can be "
                          "formatted as hex",
                          v));
        }
        break;
      }
      case 'o':
        if (!AppendInBase(v, 8, false, &out)) {
          return builtins_internal::Err(
              ctx, ErrorCode::kInvalidArgument,
              ClauseError("octal clause can only be used on integers", v));
        }
        break;
      case 'b':
        if (v.kind == Kind::kBool) {
          out.push_back(v.b ? '1' : '0');
        } else if (!AppendInBase(v, 2, false, &out)) {
          return builtins_internal::Err(
              ctx, ErrorCode::kInvalidArgument,
              ClauseError("only integers and bools can be formatted as binary",
                          v));
        }
        break;
    }
  }
  return NewString(*ctx.arena, out);
}

}  // namespace onus::engine
