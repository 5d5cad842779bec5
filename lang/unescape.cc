#include "lang/unescape.h"

#include "absl/strings/str_cat.h"

namespace onus::lang {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not valid
// (overlong forms, surrogates and values past U+10FFFF are rejected).
size_t ValidUtf8At(absl::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

}  // namespace

bool AppendUtf8(uint32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return true;
}

bool Unescape(absl::string_view body, bool bytes, bool raw, std::string* out,
              UnescapeError* err) {
  out->clear();
  out->reserve(body.size());
  auto fail = [&](size_t offset, size_t length, std::string message) {
    if (err != nullptr) {
      err->offset = static_cast<uint32_t>(offset);
      err->length = static_cast<uint32_t>(length == 0 ? 1 : length);
      err->message = std::move(message);
    }
    return false;
  };
  size_t i = 0;
  while (i < body.size()) {
    char c = body[i];
    if (c != '\\' || raw) {
      if (bytes) {
        out->push_back(c);
        ++i;
        continue;
      }
      size_t n = ValidUtf8At(body, i);
      if (n == 0) return fail(i, 1, "invalid UTF-8 in string literal");
      out->append(body.data() + i, n);
      i += n;
      continue;
    }
    size_t start = i;
    if (i + 1 >= body.size()) {
      return fail(start, 1, "incomplete escape sequence at end of literal");
    }
    char e = body[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out->push_back('\a');
        continue;
      case 'b':
        out->push_back('\b');
        continue;
      case 'f':
        out->push_back('\f');
        continue;
      case 'n':
        out->push_back('\n');
        continue;
      case 'r':
        out->push_back('\r');
        continue;
      case 't':
        out->push_back('\t');
        continue;
      case 'v':
        out->push_back('\v');
        continue;
      case '\\':
      case '\'':
      case '"':
      case '`':
      case '?':
        out->push_back(e);
        continue;
      default:
        break;
    }
    if (e >= '0' && e <= '3') {
      // Exactly three octal digits, \000 to \377.
      if (i + 2 > body.size() || body[i] < '0' || body[i] > '7' ||
          body[i + 1] < '0' || body[i + 1] > '7') {
        return fail(start, 2, "octal escape needs three digits (\\000-\\377)");
      }
      uint32_t v = (e - '0') * 64 + (body[i] - '0') * 8 + (body[i + 1] - '0');
      i += 2;
      if (bytes) {
        out->push_back(static_cast<char>(v));
      } else {
        AppendUtf8(v, out);
      }
      continue;
    }
    int digits = 0;
    if (e == 'x' || e == 'X') {
      digits = 2;
    } else if (e == 'u') {
      digits = 4;
    } else if (e == 'U') {
      digits = 8;
    } else {
      size_t len = ValidUtf8At(body, start + 1);
      return fail(
          start, 1 + (len == 0 ? 1 : len),
          absl::StrCat("invalid escape sequence `\\",
                       body.substr(start + 1, len == 0 ? 1 : len), "`"));
    }
    if (bytes && digits > 2) {
      return fail(start, 2,
                  "`\\u` and `\\U` escapes are not allowed in bytes literals; "
                  "use `\\x` or octal escapes");
    }
    uint32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      int h = i + k < body.size() ? HexValue(body[i + k]) : -1;
      if (h < 0) {
        return fail(start, 2 + k,
                    absl::StrCat("`\\", std::string(1, e), "` escape needs ",
                                 digits, " hexadecimal digits"));
      }
      v = v * 16 + static_cast<uint32_t>(h);
    }
    i += digits;
    if (bytes) {
      out->push_back(static_cast<char>(v));
    } else if (!AppendUtf8(v, out)) {
      return fail(start, 2 + digits,
                  absl::StrCat("escape `", body.substr(start, 2 + digits),
                               "` is not a valid Unicode code point"));
    }
  }
  return true;
}

LiteralForm LiteralFormOf(absl::string_view t) {
  LiteralForm f;
  size_t i = 0;
  while (i < t.size() && t[i] != '"' && t[i] != '\'') {
    char c = t[i];
    if (c == 'r' || c == 'R') f.raw = true;
    if (c == 'b' || c == 'B') f.bytes = true;
    ++i;
  }
  f.prefix_len = static_cast<uint32_t>(i);
  if (i + 2 < t.size() && t[i + 1] == t[i] && t[i + 2] == t[i] &&
      t.size() >= i + 6) {
    f.triple = true;
    f.quote_len = 3;
  }
  return f;
}

bool DecodeLiteral(absl::string_view token_text, std::string* out,
                   UnescapeError* err) {
  LiteralForm f = LiteralFormOf(token_text);
  size_t skip = f.prefix_len + f.quote_len;
  if (token_text.size() < skip + f.quote_len) {
    if (err != nullptr) {
      err->offset = 0;
      err->length = static_cast<uint32_t>(token_text.size());
      err->message = "malformed literal";
    }
    return false;
  }
  absl::string_view body =
      token_text.substr(skip, token_text.size() - skip - f.quote_len);
  if (!Unescape(body, f.bytes, f.raw, out, err)) {
    if (err != nullptr) err->offset += static_cast<uint32_t>(skip);
    return false;
  }
  return true;
}

}  // namespace onus::lang
