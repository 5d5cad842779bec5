// Memory for large arrays (a 1,000,000-resource inventory's views, a
// snapshot file read into memory): blocks of kLargeBytes or more are mapped
// with MADV_HUGEPAGE, so that where transparent huge pages are available
// (Debian's default is "madvise") the kernel backs them with 2 MiB pages.
//
// Why: first touching fresh memory costs one page fault per 4 KiB page. On
// the 2-core development VM a fault costs 17-28 µs (128 MiB: 550-900 ms
// with 4 KiB pages, 9 ms with huge pages), which made scanning a 1,000,000-
// resource snapshot 150 times slower than a 100,000-resource one. Smaller
// blocks use operator new: huge pages would waste memory there.
#ifndef ONUS_ENGINE_LARGE_ALLOC_H_
#define ONUS_ENGINE_LARGE_ALLOC_H_

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

#include "absl/strings/string_view.h"

namespace onus::engine {

// Blocks at least this large are mapped (and freed with munmap).
inline constexpr size_t kLargeBytes = size_t{2} << 20;

// Never returns null: throws std::bad_alloc like operator new.
void* AllocateLarge(size_t bytes);
// `bytes` must be the size passed to AllocateLarge.
void FreeLarge(void* p, size_t bytes) noexcept;

// A std::allocator whose large blocks come from AllocateLarge.
template <typename T>
struct LargeAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = LargeAllocator<U>;
  };
  LargeAllocator() = default;
  template <typename U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}
  T* allocate(size_t n) {
    return static_cast<T*>(AllocateLarge(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { FreeLarge(p, n * sizeof(T)); }
};
template <typename T, typename U>
bool operator==(const LargeAllocator<T>&, const LargeAllocator<U>&) {
  return true;
}
template <typename T, typename U>
bool operator!=(const LargeAllocator<T>&, const LargeAllocator<U>&) {
  return false;
}

// A read-only byte buffer filled once (e.g. a file's contents), in large-
// block memory. Movable, not copyable; string_view() stays valid until the
// buffer is destroyed or moved from.
class LargeBuffer {
 public:
  LargeBuffer() = default;
  explicit LargeBuffer(size_t size);
  LargeBuffer(LargeBuffer&& o) noexcept { *this = std::move(o); }
  LargeBuffer& operator=(LargeBuffer&& o) noexcept;
  ~LargeBuffer();

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // Keeps the first `size` bytes (size <= size()).
  void Shrink(size_t size) { size_ = size < size_ ? size : size_; }
  absl::string_view view() const { return {data_, size_}; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_LARGE_ALLOC_H_
