#include "engine/large_alloc.h"

#include <sys/mman.h>

#include <cstdint>

namespace onus::engine {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUp(size_t bytes) {
  return (bytes + kHugePage - 1) & ~(kHugePage - 1);
}

}  // namespace

void* AllocateLarge(size_t bytes) {
  if (bytes < kLargeBytes) return ::operator new(bytes);
  // Over-map by one huge page and trim, so the block starts on a 2 MiB
  // boundary: only aligned 2 MiB ranges can become huge pages.
  const size_t size = RoundUp(bytes);
  const size_t mapped = size + kHugePage;
  void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) munmap(p, aligned - start);
  const uintptr_t tail = aligned + size;
  const uintptr_t map_end = start + mapped;
  if (map_end > tail) munmap(reinterpret_cast<void*>(tail), map_end - tail);
  // Advice only: without transparent huge pages (or on an older kernel)
  // this fails and the block is plain memory.
  (void)madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

void FreeLarge(void* p, size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < kLargeBytes) {
    ::operator delete(p);
    return;
  }
  munmap(p, RoundUp(bytes));
}

LargeBuffer::LargeBuffer(size_t size)
    : data_(static_cast<char*>(AllocateLarge(size == 0 ? 1 : size))),
      size_(size),
      capacity_(size == 0 ? 1 : size) {}

LargeBuffer& LargeBuffer::operator=(LargeBuffer&& o) noexcept {
  if (this != &o) {
    FreeLarge(data_, capacity_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
  }
  return *this;
}

LargeBuffer::~LargeBuffer() { FreeLarge(data_, capacity_); }

}  // namespace onus::engine
