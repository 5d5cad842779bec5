// String extensions with cel-go ext.Strings semantics. Indices count code
// points, not bytes.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins/internal.h"
#include "engine/builtins/list_access.h"
#include "engine/builtins/string_format.h"

namespace onus::engine {
namespace {

using builtins_internal::CodePointOffset;
using builtins_internal::CountCodePoints;
using builtins_internal::DecodeUtf8;
using builtins_internal::Err;
using builtins_internal::FirstError;
using builtins_internal::NoOverload;

bool Kinds(const Value* args, uint32_t argc,
           std::initializer_list<Kind> kinds) {
  uint32_t i = 0;
  for (Kind k : kinds) {
    if (i >= argc) break;
    if (args[i].kind != k) return false;
    ++i;
  }
  return true;
}

Value OutOfRange(CallContext& ctx, int64_t i) {
  return Err(ctx, ErrorCode::kOutOfRange,
             absl::StrCat("index out of range: ", i));
}

Value Str(CallContext& ctx, absl::string_view s) {
  return NewString(*ctx.arena, s);
}

Value CharAt(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString, Kind::kInt})) {
    return NoOverload(ctx, "charAt", args, argc);
  }
  absl::string_view s = args[0].string_view();
  int64_t off = CodePointOffset(s, args[1].i);
  if (off < 0) return OutOfRange(ctx, args[1].i);
  if (static_cast<size_t>(off) == s.size()) return Value::String("");
  size_t end = static_cast<size_t>(off);
  DecodeUtf8(s, &end);
  return Value::String(s.substr(off, end - off));  // a view: no copy
}

// Code point index of the byte offset `byte` in s.
int64_t CpIndex(absl::string_view s, size_t byte) {
  return static_cast<int64_t>(CountCodePoints(s.substr(0, byte)));
}

Value IndexOf(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString, Kind::kString, Kind::kInt})) {
    return NoOverload(ctx, "indexOf", args, argc);
  }
  absl::string_view s = args[0].string_view();
  absl::string_view sub = args[1].string_view();
  int64_t start = argc > 2 ? args[2].i : 0;
  int64_t off = CodePointOffset(s, start);
  if (off < 0) return OutOfRange(ctx, start);
  if (sub.empty()) return Value::Int(start);
  size_t pos = s.find(sub, static_cast<size_t>(off));
  if (pos == absl::string_view::npos) return Value::Int(-1);
  return Value::Int(CpIndex(s, pos));
}

Value LastIndexOf(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString, Kind::kString, Kind::kInt})) {
    return NoOverload(ctx, "lastIndexOf", args, argc);
  }
  absl::string_view s = args[0].string_view();
  absl::string_view sub = args[1].string_view();
  int64_t count = static_cast<int64_t>(CountCodePoints(s));
  int64_t start = argc > 2 ? args[2].i : count;
  int64_t off = CodePointOffset(s, start);
  if (off < 0) return OutOfRange(ctx, start);
  if (sub.empty()) return Value::Int(start);
  // A match may begin at code point `start` at the latest.
  size_t pos = s.rfind(sub, static_cast<size_t>(off));
  if (pos == absl::string_view::npos) return Value::Int(-1);
  return Value::Int(CpIndex(s, pos));
}

Value LowerAscii(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString})) {
    return NoOverload(ctx, "lowerAscii", args, argc);
  }
  absl::string_view s = args[0].string_view();
  char* p = static_cast<char*>(ctx.arena->Allocate(s.size() + 1, 1));
  for (size_t i = 0; i < s.size(); ++i) p[i] = absl::ascii_tolower(s[i]);
  return Value::String(absl::string_view(p, s.size()));
}

Value UpperAscii(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString})) {
    return NoOverload(ctx, "upperAscii", args, argc);
  }
  absl::string_view s = args[0].string_view();
  char* p = static_cast<char*>(ctx.arena->Allocate(s.size() + 1, 1));
  for (size_t i = 0; i < s.size(); ++i) p[i] = absl::ascii_toupper(s[i]);
  return Value::String(absl::string_view(p, s.size()));
}

Value Replace(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc,
             {Kind::kString, Kind::kString, Kind::kString, Kind::kInt})) {
    return NoOverload(ctx, "replace", args, argc);
  }
  absl::string_view s = args[0].string_view();
  absl::string_view from = args[1].string_view();
  absl::string_view to = args[2].string_view();
  int64_t n = argc > 3 ? args[3].i : -1;
  if (n == 0) return args[0];
  std::string out;
  int64_t done = 0;
  if (from.empty()) {
    // Go: insert before every code point and at the end, up to n times.
    size_t p = 0;
    while (p < s.size()) {
      if (n < 0 || done < n) {
        out.append(to.data(), to.size());
        ++done;
      }
      size_t q = p;
      DecodeUtf8(s, &q);
      out.append(s.data() + p, q - p);
      p = q;
    }
    if (n < 0 || done < n) out.append(to.data(), to.size());
    return Str(ctx, out);
  }
  size_t p = 0;
  while (n < 0 || done < n) {
    size_t q = s.find(from, p);
    if (q == absl::string_view::npos) break;
    out.append(s.data() + p, q - p);
    out.append(to.data(), to.size());
    p = q + from.size();
    ++done;
  }
  if (done == 0) return args[0];
  out.append(s.data() + p, s.size() - p);
  return Str(ctx, out);
}

Value Split(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString, Kind::kString, Kind::kInt})) {
    return NoOverload(ctx, "split", args, argc);
  }
  absl::string_view s = args[0].string_view();
  absl::string_view sep = args[1].string_view();
  int64_t n = argc > 2 ? args[2].i : -1;
  std::vector<Value> parts;
  if (n == 0) return MakeList(*ctx.arena, nullptr, 0);
  // Parts are views into the original string: no copies.
  if (sep.empty()) {
    size_t p = 0;
    while (p < s.size()) {
      if (n > 0 && static_cast<int64_t>(parts.size()) == n - 1) {
        parts.push_back(Value::String(s.substr(p)));
        p = s.size();
        break;
      }
      size_t q = p;
      DecodeUtf8(s, &q);
      parts.push_back(Value::String(s.substr(p, q - p)));
      p = q;
    }
  } else {
    size_t p = 0;
    while (true) {
      if (n > 0 && static_cast<int64_t>(parts.size()) == n - 1) {
        parts.push_back(Value::String(s.substr(p)));
        break;
      }
      size_t q = s.find(sep, p);
      if (q == absl::string_view::npos) {
        parts.push_back(Value::String(s.substr(p)));
        break;
      }
      parts.push_back(Value::String(s.substr(p, q - p)));
      p = q + sep.size();
    }
  }
  return MakeList(*ctx.arena, parts.data(),
                  static_cast<uint32_t>(parts.size()));
}

Value Substring(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString, Kind::kInt, Kind::kInt})) {
    return NoOverload(ctx, "substring", args, argc);
  }
  absl::string_view s = args[0].string_view();
  int64_t start = args[1].i;
  int64_t b = CodePointOffset(s, start);
  if (b < 0) return OutOfRange(ctx, start);
  int64_t e = static_cast<int64_t>(s.size());
  if (argc > 2) {
    int64_t end = args[2].i;
    if (end < start) {
      return Err(ctx, ErrorCode::kOutOfRange,
                 absl::StrCat("invalid substring range. start: ", start,
                              ", end: ", end));
    }
    e = CodePointOffset(s, end);
    if (e < 0) return OutOfRange(ctx, end);
  }
  return Value::String(s.substr(b, e - b));
}

bool IsUnicodeSpace(uint32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

Value Trim(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString})) {
    return NoOverload(ctx, "trim", args, argc);
  }
  absl::string_view s = args[0].string_view();
  size_t b = 0;
  while (b < s.size()) {
    size_t q = b;
    if (!IsUnicodeSpace(DecodeUtf8(s, &q))) break;
    b = q;
  }
  size_t e = s.size();
  while (e > b) {
    // Step back to the start of the last code point.
    size_t p = e - 1;
    while (p > b && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
    size_t q = p;
    if (!IsUnicodeSpace(DecodeUtf8(s, &q))) break;
    e = p;
  }
  return Value::String(s.substr(b, e - b));
}

Value Join(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kList, Kind::kString})) {
    return NoOverload(ctx, "join", args, argc);
  }
  absl::string_view sep = argc > 1 ? args[1].string_view() : "";
  const ListObj& l = *args[0].list;
  std::string out;
  for (uint32_t i = 0; i < l.size; ++i) {
    Value x = ElementAt(*ctx.arena, l, i);
    if (x.is_error()) return x;
    if (x.kind != Kind::kString) {
      return Err(ctx, ErrorCode::kNoMatchingOverload,
                 absl::StrCat("join: list element ", i, " is ",
                              builtins_internal::TypeName(x), ", want string"));
    }
    if (i) out.append(sep.data(), sep.size());
    out.append(x.str, x.len);
  }
  return Str(ctx, out);
}

Value Reverse(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString})) {
    return NoOverload(ctx, "reverse", args, argc);
  }
  absl::string_view s = args[0].string_view();
  char* out = static_cast<char*>(ctx.arena->Allocate(s.size() + 1, 1));
  size_t p = 0, w = s.size();
  while (p < s.size()) {
    size_t q = p;
    DecodeUtf8(s, &q);
    w -= q - p;
    std::memcpy(out + w, s.data() + p, q - p);
    p = q;
  }
  return Value::String(absl::string_view(out, s.size()));
}

Value Quote(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString})) {
    return NoOverload(ctx, "strings.quote", args, argc);
  }
  absl::string_view s = args[0].string_view();
  std::string out = "\"";
  size_t p = 0;
  while (p < s.size()) {
    size_t q = p;
    uint32_t c = DecodeUtf8(s, &q);
    switch (c) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        builtins_internal::AppendUtf8(c, &out);
    }
    p = q;
  }
  out += "\"";
  return Str(ctx, out);
}

Value Format(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!Kinds(args, argc, {Kind::kString, Kind::kList})) {
    return NoOverload(ctx, "format", args, argc);
  }
  return FormatString(ctx, args[0].string_view(), *args[1].list);
}

template <BuiltinFn F>
Value Strict(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  return F(ctx, args, argc);
}

const Builtin kStringExt[] = {
    {"charAt", true, 2, 2, Strict<CharAt>},
    {"indexOf", true, 2, 3, Strict<IndexOf>},
    {"lastIndexOf", true, 2, 3, Strict<LastIndexOf>},
    {"lowerAscii", true, 1, 1, Strict<LowerAscii>},
    {"upperAscii", true, 1, 1, Strict<UpperAscii>},
    {"replace", true, 3, 4, Strict<Replace>},
    {"split", true, 2, 3, Strict<Split>},
    {"substring", true, 2, 3, Strict<Substring>},
    {"trim", true, 1, 1, Strict<Trim>},
    {"join", true, 1, 2, Strict<Join>},
    {"reverse", true, 1, 1, Strict<Reverse>},
    {"strings.quote", false, 1, 1, Strict<Quote>},
    {"format", true, 2, 2, Strict<Format>},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> StringExtBuiltins() { return kStringExt; }
}  // namespace builtins_internal

}  // namespace onus::engine
