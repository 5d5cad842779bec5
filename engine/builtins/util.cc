#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/builtins/internal.h"
#include "engine/builtins/list_access.h"

namespace onus::engine::builtins_internal {

const char* TypeName(const Value& v) {
  switch (v.kind) {
    case Kind::kMessage:
      return MessageTypeName(*v.msg);
    case Kind::kOpaque:
      return v.opaque->type->name;
    default:
      return KindName(v.kind);
  }
}

Value NoOverload(CallContext& ctx, const char* fn, const Value* args,
                 uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  std::string msg =
      absl::StrCat("no matching overload for '", fn, "' applied to (");
  for (uint32_t i = 0; i < argc; ++i) {
    if (i) msg += ", ";
    msg += TypeName(args[i]);
  }
  msg += ")";
  return Err(ctx, ErrorCode::kNoMatchingOverload, msg);
}

uint32_t DecodeUtf8(absl::string_view s, size_t* pos) {
  size_t p = *pos;
  unsigned char c = static_cast<unsigned char>(s[p]);
  if (c < 0x80) {
    *pos = p + 1;
    return c;
  }
  int n;
  uint32_t cp;
  uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    n = 1, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3, cp = c & 0x07, min = 0x10000;
  } else {
    *pos = p + 1;
    return 0xFFFD;
  }
  if (p + n >= s.size()) {
    *pos = p + 1;
    return 0xFFFD;
  }
  for (int k = 1; k <= n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[p + k]);
    if ((cc & 0xC0) != 0x80) {
      *pos = p + 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos = p + 1;
    return 0xFFFD;
  }
  *pos = p + n + 1;
  return cp;
}

void AppendUtf8(uint32_t cp, std::string* out) {
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
}

size_t CountCodePoints(absl::string_view s) {
  // Strings are valid UTF-8 (checked on entry), so counting the bytes that
  // are not continuation bytes is exact and branch-light.
  // Eight bytes at a time: a continuation byte has bit 7 set and bit 6
  // clear; count those and subtract from the length.
  const char* p = s.data();
  size_t len = s.size();
  size_t cont = 0;
  while (len >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint64_t c = w & ~(w << 1) & 0x8080808080808080ull;
    cont += static_cast<size_t>(__builtin_popcountll(c));
    p += 8;
    len -= 8;
  }
  for (size_t i = 0; i < len; ++i) {
    cont += (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80;
  }
  return s.size() - cont;
}

bool IsValidUtf8(absl::string_view s) {
  size_t p = 0;
  while (p < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[p]);
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t before = p;
    uint32_t cp = DecodeUtf8(s, &p);
    if (cp == 0xFFFD && p == before + 1) return false;
  }
  return true;
}

int64_t CodePointOffset(absl::string_view s, int64_t cp) {
  if (cp < 0) return -1;
  size_t p = 0;
  int64_t k = 0;
  while (k < cp) {
    if (p >= s.size()) return -1;
    ++p;
    while (p < s.size() && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) {
      ++p;
    }
    ++k;
  }
  return static_cast<int64_t>(p);
}

namespace {
void SplitNanos(absl::int128 n, int64_t* sec, int32_t* nanos) {
  absl::int128 s = n / 1000000000;  // truncates toward zero
  absl::int128 r = n % 1000000000;
  *sec = static_cast<int64_t>(s);
  *nanos = static_cast<int32_t>(r);
}
}  // namespace

Value TimestampFromNanos(absl::int128 n) {
  // Timestamps keep nanos in [0, 1e9): floor the division.
  absl::int128 s = n / 1000000000;
  absl::int128 r = n % 1000000000;
  if (r < 0) {
    r += 1000000000;
    s -= 1;
  }
  if (s < kMinTimestampSeconds || s > kMaxTimestampSeconds) {
    return StaticError(ErrorCode::kOverflow, "timestamp out of range");
  }
  return Value::Timestamp(static_cast<int64_t>(s), static_cast<int32_t>(r));
}

Value DurationFromNanos(absl::int128 n) {
  int64_t s;
  int32_t ns;
  if (n > absl::int128(kMaxDurationSeconds) * 1000000000 + 999999999 ||
      n < -(absl::int128(kMaxDurationSeconds) * 1000000000 + 999999999)) {
    return StaticError(ErrorCode::kOverflow, "duration out of range");
  }
  SplitNanos(n, &s, &ns);
  return Value::Duration(s, ns);
}

}  // namespace onus::engine::builtins_internal
