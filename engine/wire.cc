// Out-of-line parts of the wire decoder (engine/wire_internal.h).
#include <cstdint>

#include "engine/wire_internal.h"

namespace onus::engine {

namespace wire {

bool SkipGroup(const uint8_t** p, const uint8_t* end, uint32_t number,
               const uint8_t** content_end) {
  // protobuf's own parser stops at 100 levels; so do we. A fixed array of
  // open group numbers keeps matching exact without recursion.
  constexpr int kMaxDepth = 100;
  uint32_t open[kMaxDepth];
  int depth = 0;
  open[depth++] = number;
  while (*p < end) {
    const uint8_t* tag_start = *p;
    uint32_t n, wt;
    if (!ReadTag(p, end, &n, &wt)) return false;
    if (wt == kEndGroup) {
      if (open[--depth] != n) return false;
      if (depth == 0) {
        *content_end = tag_start;
        return true;
      }
      continue;
    }
    if (wt == kStartGroup) {
      if (depth == kMaxDepth) return false;
      open[depth++] = n;
      continue;
    }
    if (!SkipValue(p, end, wt, n)) return false;
  }
  return false;
}

bool ValidUtf8Slow(const uint8_t* p, const uint8_t* end) {
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong lead (c0/c1) or > f4
    }
    if (end - p <= n) return false;
    for (int k = 1; k <= n; ++k) {
      if ((p[k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

}  // namespace wire

}  // namespace onus::engine
