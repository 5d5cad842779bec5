#include "engine/large_alloc.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace onus::engine {
namespace {

// The smaps block of the mapping that contains `p`, or "" if none.
std::string SmapsOf(const void* p) {
  std::ifstream f("/proc/self/smaps");
  std::string line, block;
  bool in = false;
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  while (std::getline(f, line)) {
    uintptr_t lo, hi;
    char dash;
    std::istringstream head(line);
    if (line.find('-') != std::string::npos &&
        (head >> std::hex >> lo >> dash >> hi) && dash == '-' &&
        line.find(':') > line.find(' ')) {
      if (in) return block;
      in = a >= lo && a < hi;
      block.clear();
    }
    if (in) block += line + "\n";
  }
  return in ? block : "";
}

std::string ThpMode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s;
  std::getline(f, s);
  return s;
}

TEST(LargeAllocTest, SmallBlocksComeFromOperatorNew) {
  void* p = AllocateLarge(100);
  ASSERT_NE(p, nullptr);
  std::memset(p, 7, 100);
  FreeLarge(p, 100);
}

TEST(LargeAllocTest, LargeBlocksAreAlignedWritableAndAdvised) {
  const size_t n = kLargeBytes * 3 + 12345;
  char* p = static_cast<char*>(AllocateLarge(n));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (size_t{2} << 20), 0u);
  for (size_t i = 0; i < n; i += 4096) p[i] = static_cast<char>(i >> 12);
  p[n - 1] = 42;
  for (size_t i = 0; i < n; i += 4096) {
    ASSERT_EQ(p[i], static_cast<char>(i >> 12)) << i;
  }
  EXPECT_EQ(p[n - 1], 42);
  const std::string smaps = SmapsOf(p);
  ASSERT_FALSE(smaps.empty());
  // Where the kernel has transparent huge pages at all ("always" or
  // "madvise"), the mapping carries the MADV_HUGEPAGE advice (VmFlags
  // "hg"): that is the point of this allocator.
  const std::string mode = ThpMode();
  if (!mode.empty() && mode.find("[never]") == std::string::npos) {
    const size_t flags = smaps.find("VmFlags:");
    ASSERT_NE(flags, std::string::npos) << smaps;
    EXPECT_NE(smaps.find(" hg", flags), std::string::npos)
        << "THP mode " << mode << "\n"
        << smaps;
  }
  FreeLarge(p, n);
}

TEST(LargeAllocTest, VectorGrowsAcrossTheThreshold) {
  std::vector<uint64_t, LargeAllocator<uint64_t>> v;
  const size_t n = 3 * kLargeBytes / sizeof(uint64_t);
  for (size_t i = 0; i < n; ++i) v.push_back(i * 3);
  for (size_t i = 0; i < n; i += 997) ASSERT_EQ(v[i], i * 3);
  v.clear();
  v.shrink_to_fit();
  EXPECT_TRUE(v.empty());
}

TEST(LargeAllocTest, BufferMovesAndShrinks) {
  LargeBuffer a(kLargeBytes + 10);
  std::memset(a.data(), 'x', a.size());
  a.data()[0] = 'y';
  LargeBuffer b(std::move(a));
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.data(), nullptr);
  ASSERT_EQ(b.size(), kLargeBytes + 10);
  EXPECT_EQ(b.view().substr(0, 2), "yx");
  b.Shrink(3);
  EXPECT_EQ(b.view(), "yxx");
  b.Shrink(100);  // never grows
  EXPECT_EQ(b.size(), 3u);
  LargeBuffer c;
  EXPECT_EQ(c.size(), 0u);
  c = std::move(b);
  EXPECT_EQ(c.view(), "yxx");
  LargeBuffer empty(0);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.view(), "");
}

}  // namespace
}  // namespace onus::engine
