// Low-level protobuf wire decoding for the lazy view (engine/message_type.h).
//
// A hand-written inline decoder instead of CodedInputStream: the hot path
// reads one varint or one fixed-width number from a known offset, and the
// stream object's setup (limits, recursion budget) costs more than the read.
// Every function is bounds-checked against `end` and reports failure instead
// of reading past the buffer.
#ifndef ONUS_ENGINE_WIRE_INTERNAL_H_
#define ONUS_ENGINE_WIRE_INTERNAL_H_

#include <cstdint>
#include <cstring>

#include "absl/base/attributes.h"
#include "absl/strings/string_view.h"

namespace onus::engine::wire {

enum WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// Reads a varint at *p (at most 10 bytes, not past end). On success advances
// *p. Returns false on truncation or an over-long encoding.
inline bool ReadVarint(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  const uint8_t* q = *p;
  if (q < end && *q < 0x80) {  // one byte: the common case
    *out = *q;
    *p = q + 1;
    return true;
  }
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (q >= end) return false;
    uint8_t b = *q++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = v;
      *p = q;
      return true;
    }
  }
  return false;  // more than 10 bytes
}

inline bool ReadFixed32(const uint8_t** p, const uint8_t* end, uint32_t* out) {
  if (end - *p < 4) return false;
  uint32_t v;
  std::memcpy(&v, *p, 4);  // protobuf is little-endian, so are our targets
  *out = v;
  *p += 4;
  return true;
}

inline bool ReadFixed64(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  if (end - *p < 8) return false;
  uint64_t v;
  std::memcpy(&v, *p, 8);
  *out = v;
  *p += 8;
  return true;
}

// Reads a length prefix and checks that the payload fits before `end`.
inline bool ReadLength(const uint8_t** p, const uint8_t* end, uint32_t* len) {
  uint64_t n;
  if (!ReadVarint(p, end, &n)) return false;
  if (n > static_cast<uint64_t>(end - *p)) return false;
  *len = static_cast<uint32_t>(n);
  return true;
}

inline int64_t ZigZag64(uint64_t n) {
  return static_cast<int64_t>((n >> 1) ^ (~(n & 1) + 1));
}
inline int32_t ZigZag32(uint32_t n) {
  return static_cast<int32_t>((n >> 1) ^ (~(n & 1) + 1));
}

// Finds the end of a group whose start tag (field `number`) has just been
// read: *p is advanced past the matching end-group tag and *content_end is
// set to where that tag starts. Nested groups are tracked with a counter,
// not recursion, so arbitrary nesting costs no stack.
bool SkipGroup(const uint8_t** p, const uint8_t* end, uint32_t number,
               const uint8_t** content_end);

// Skips one field value of the given wire type (the tag already read).
// `number` is only used to match groups.
inline bool SkipValue(const uint8_t** p, const uint8_t* end, uint32_t wt,
                      uint32_t number) {
  switch (wt) {
    case kVarint: {
      uint64_t v;
      return ReadVarint(p, end, &v);
    }
    case kFixed64:
      if (end - *p < 8) return false;
      *p += 8;
      return true;
    case kLengthDelimited: {
      uint32_t n;
      if (!ReadLength(p, end, &n)) return false;
      *p += n;
      return true;
    }
    case kStartGroup: {
      // A copy goes to the out-of-line helper so that, once this function
      // is inlined, the caller's cursor never has its address taken (which
      // would force it to memory on every field of the hot loops).
      const uint8_t* q = *p;
      const uint8_t* ce;
      if (!SkipGroup(&q, end, number, &ce)) return false;
      *p = q;
      return true;
    }
    case kFixed32:
      if (end - *p < 4) return false;
      *p += 4;
      return true;
    default:  // stray end-group or wire types 6/7
      return false;
  }
}

// Reads a tag. Field number 0 is invalid on the wire.
// Like protobuf's parser, a tag is at most 5 bytes and bits above 32 are
// dropped (so the view accepts exactly the tags protobuf accepts).
inline bool ReadTag(const uint8_t** p, const uint8_t* end, uint32_t* number,
                    uint32_t* wt) {
  const uint8_t* start = *p;
  uint64_t t;
  if (!ReadVarint(p, end, &t) || *p - start > 5) return false;
  uint32_t t32 = static_cast<uint32_t>(t);
  *number = t32 >> 3;
  *wt = t32 & 7;
  return *number != 0;
}

// One field of a message: its tag, where its value starts (*val), and the
// cursor moved past the value. False on malformed data. Most fields of
// cloud inventory have a one-byte tag and a one-byte varint or length, so
// that case is decoded with one bounds check; the rest take the general
// readers. Always inlined: it runs once per field in every scan loop.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool NextField(const uint8_t** p,
                                                   const uint8_t* end,
                                                   uint32_t* number,
                                                   uint32_t* wt,
                                                   const uint8_t** val) {
  const uint8_t* q = *p;
  if (end - q >= 2 && q[0] >= 8 && q[0] < 0x80 && q[1] < 0x80) {
    const uint32_t t = q[0];
    if ((t & 7) == kVarint) {
      *number = t >> 3;
      *wt = kVarint;
      *val = q + 1;
      *p = q + 2;
      return true;
    }
    if ((t & 7) == kLengthDelimited) {
      const uint32_t len = q[1];
      if (len > static_cast<uint64_t>(end - q - 2)) return false;
      *number = t >> 3;
      *wt = kLengthDelimited;
      *val = q + 1;
      *p = q + 2 + len;
      return true;
    }
  }
  if (!ReadTag(&q, end, number, wt)) return false;
  *val = q;
  if (!SkipValue(&q, end, *wt, *number)) return false;
  *p = q;
  return true;
}

// Full UTF-8 check (no overlong forms, no surrogates, at most U+10FFFF).
bool ValidUtf8Slow(const uint8_t* p, const uint8_t* end);

// The OR of n bytes at p, folded into at most 8 bytes: its 0x80 bits are
// clear exactly when all n bytes are ASCII. Branch-light: whole 8-byte
// words, with the tail covered by one overlapping load (strings here are
// short). Several strings are checked with one test of the ORed results.
inline uint64_t OrBytes(const uint8_t* p, size_t n) {
  if (n >= 8) {
    const uint8_t* last = p + n - 8;
    uint64_t acc = 0, w;
    for (; p < last; p += 8) {
      std::memcpy(&w, p, 8);
      acc |= w;
    }
    std::memcpy(&w, last, 8);
    return acc | w;
  }
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return a | b;
  }
  if (n == 0) return 0;
  return p[0] | p[n / 2] | p[n - 1];
}
constexpr uint64_t kHighBits = 0x8080808080808080ull;

// True if all n bytes are ASCII.
inline bool AllAscii(const uint8_t* p, uint32_t n) {
  return (OrBytes(p, n) & kHighBits) == 0;
}

// CEL strings are Unicode: a string field holding invalid UTF-8 is bad
// data, not a value. ASCII (the common case) takes the fast check.
inline bool ValidUtf8(const char* s, uint32_t n) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s);
  return AllAscii(p, n) || ValidUtf8Slow(p, p + n);
}
inline bool ValidUtf8(absl::string_view s) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
  return (OrBytes(p, s.size()) & kHighBits) == 0 ||
         ValidUtf8Slow(p, p + s.size());
}

}  // namespace onus::engine::wire

#endif  // ONUS_ENGINE_WIRE_INTERNAL_H_
