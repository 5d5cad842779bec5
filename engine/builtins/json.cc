// json.decode(string) -> dyn. Objects become maps with string keys, arrays
// lists, numbers doubles (as google.protobuf.Struct does), plus strings,
// bools and null. The parser is iterative with a hard nesting limit, so
// hostile input can neither recurse deeply nor crash; every failure is an
// error value naming the byte offset.
#include "engine/builtins/json.h"

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins/internal.h"

namespace onus::engine {
namespace {

using builtins_internal::Err;
using builtins_internal::NoOverload;

struct Frame {
  bool object;
  std::vector<Value> keys;
  std::vector<Value> values;
};

class Parser {
 public:
  Parser(CallContext& ctx, absl::string_view in) : ctx_(ctx), in_(in) {}

  Value Parse() {
    std::vector<Frame> stack;
    Value v;
    while (true) {
      // Parse one value (or open a container).
      SkipWs();
      if (pos_ >= in_.size()) return Fail("unexpected end of input");
      char c = in_[pos_];
      bool have = true;
      if (c == '{' || c == '[') {
        if (stack.size() >= kMaxJsonDepth) {
          return Fail(absl::StrCat("nesting deeper than ", kMaxJsonDepth));
        }
        ++pos_;
        stack.push_back(Frame{c == '{', {}, {}});
        SkipWs();
        char close = c == '{' ? '}' : ']';
        if (pos_ < in_.size() && in_[pos_] == close) {
          ++pos_;
          v = Close(&stack);
        } else if (c == '{') {
          if (!ParseKey(&stack.back())) return error_;
          have = false;
        } else {
          have = false;
        }
      } else if (c == '"') {
        if (!ParseString(&v)) return error_;
      } else if (c == 't' || c == 'f' || c == 'n') {
        if (!ParseLiteral(&v)) return error_;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!ParseNumber(&v)) return error_;
      } else {
        return Fail(
            absl::StrCat("unexpected character '", std::string(1, c), "'"));
      }
      if (!have) continue;
      // Attach the value to its container; close containers that end here.
      while (true) {
        if (stack.empty()) {
          SkipWs();
          if (pos_ != in_.size()) return Fail("trailing data after value");
          return v;
        }
        Frame& f = stack.back();
        f.values.push_back(v);
        SkipWs();
        if (pos_ >= in_.size()) return Fail("unexpected end of input");
        char d = in_[pos_];
        if (d == ',') {
          ++pos_;
          if (f.object && !ParseKey(&f)) return error_;
          break;  // next value
        }
        if (d == (f.object ? '}' : ']')) {
          ++pos_;
          v = Close(&stack);
          if (v.is_error()) return v;
          continue;
        }
        return Fail(f.object ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
  }

 private:
  Value Fail(absl::string_view why) {
    error_ = Err(ctx_, ErrorCode::kInvalidArgument,
                 absl::StrCat("json.decode: ", why, " at byte offset ", pos_));
    return error_;
  }

  void SkipWs() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' ||
                                 in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }

  Value Close(std::vector<Frame>* stack) {
    Frame f = std::move(stack->back());
    stack->pop_back();
    uint32_t n = static_cast<uint32_t>(f.values.size());
    if (!f.object) return MakeList(*ctx_.arena, f.values.data(), n);
    Value m = MakeMap(*ctx_.arena, f.keys.data(), f.values.data(), n);
    // Duplicate keys make lookups ambiguous: reject them.
    if (ArrayMapFindCount(*m.map) != n) return Fail("duplicate object key");
    return m;
  }

  // Number of distinct keys (each key finds itself first).
  static uint32_t ArrayMapFindCount(const MapObj& m) {
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < m.size; ++i) {
      if (ArrayMapFind(m, m.keys[i]) == &m.values[i]) ++distinct;
    }
    return distinct;
  }

  bool ParseKey(Frame* f) {
    SkipWs();
    if (pos_ >= in_.size() || in_[pos_] != '"') {
      Fail("expected object key string");
      return false;
    }
    Value k;
    if (!ParseString(&k)) return false;
    SkipWs();
    if (pos_ >= in_.size() || in_[pos_] != ':') {
      Fail("expected ':'");
      return false;
    }
    ++pos_;
    f->keys.push_back(k);
    return true;
  }

  bool ParseLiteral(Value* v) {
    absl::string_view rest = in_.substr(pos_);
    if (absl::StartsWith(rest, "true")) {
      *v = Value::Bool(true);
      pos_ += 4;
    } else if (absl::StartsWith(rest, "false")) {
      *v = Value::Bool(false);
      pos_ += 5;
    } else if (absl::StartsWith(rest, "null")) {
      *v = Value::Null();
      pos_ += 4;
    } else {
      Fail("invalid literal");
      return false;
    }
    return true;
  }

  bool ParseNumber(Value* v) {
    size_t start = pos_;
    if (in_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t b = pos_;
      while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') ++pos_;
      return pos_ - b;
    };
    size_t int_start = pos_;
    size_t nd = digits();
    if (nd == 0 || (nd > 1 && in_[int_start] == '0')) {
      pos_ = start;
      Fail("invalid number");
      return false;
    }
    if (pos_ < in_.size() && in_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) {
        Fail("invalid number");
        return false;
      }
    }
    if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (digits() == 0) {
        Fail("invalid number");
        return false;
      }
    }
    double d;
    auto r = std::from_chars(in_.data() + start, in_.data() + pos_, d);
    if (r.ec != std::errc() || !std::isfinite(d)) {
      pos_ = start;
      Fail("number out of range");
      return false;
    }
    *v = Value::Double(d);
    return true;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > in_.size()) return false;
    uint32_t x = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(in_[pos_ + i]);
      if (h < 0) return false;
      x = x << 4 | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *out = x;
    return true;
  }

  bool ParseString(Value* v) {
    ++pos_;  // opening quote
    size_t start = pos_;
    // Fast path: no escapes -> a view into the input, no copy.
    while (pos_ < in_.size() && in_[pos_] != '"' && in_[pos_] != '\\' &&
           static_cast<unsigned char>(in_[pos_]) >= 0x20) {
      ++pos_;
    }
    if (pos_ < in_.size() && in_[pos_] == '"') {
      absl::string_view s = in_.substr(start, pos_ - start);
      if (!builtins_internal::IsValidUtf8(s)) {
        Fail("invalid UTF-8 in string");
        return false;
      }
      ++pos_;
      *v = Value::String(s);
      return true;
    }
    std::string out(in_.substr(start, pos_ - start));
    while (true) {
      if (pos_ >= in_.size()) {
        Fail("unterminated string");
        return false;
      }
      char c = in_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        Fail("control character in string");
        return false;
      }
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= in_.size()) {
        Fail("unterminated string");
        return false;
      }
      char e = in_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) {
            Fail("invalid \\u escape");
            return false;
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (pos_ + 2 <= in_.size() && in_[pos_] == '\\' &&
                in_[pos_ + 1] == 'u') {
              pos_ += 2;
              if (!Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) {
                Fail("invalid surrogate pair");
                return false;
              }
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              cp = 0xFFFD;  // lone surrogate, as protobuf's parser does
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;
          }
          builtins_internal::AppendUtf8(cp, &out);
          break;
        }
        default:
          --pos_;
          Fail("invalid escape");
          return false;
      }
    }
    if (!builtins_internal::IsValidUtf8(out)) {
      Fail("invalid UTF-8 in string");
      return false;
    }
    *v = NewString(*ctx_.arena, out);
    return true;
  }

  CallContext& ctx_;
  absl::string_view in_;
  size_t pos_ = 0;
  Value error_;
};

Value Decode(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kString) {
    return NoOverload(ctx, "json.decode", args, argc);
  }
  return JsonDecode(ctx, args[0].string_view());
}

const Builtin kJson[] = {
    {"json.decode", false, 1, 1, Decode},
};

}  // namespace

Value JsonDecode(CallContext& ctx, absl::string_view text) {
  Parser p(ctx, text);
  return p.Parse();
}

namespace builtins_internal {
absl::Span<const Builtin> JsonBuiltins() { return kJson; }
}  // namespace builtins_internal

}  // namespace onus::engine
