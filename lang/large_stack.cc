#include "lang/large_stack.h"

#include <pthread.h>

namespace onus::lang {

size_t LargeStackBytes() {
#ifdef __SANITIZE_ADDRESS__
  // AddressSanitizer's redzones make every frame several times larger.
  return size_t{512} << 20;
#else
  return size_t{64} << 20;
#endif
}

void RunWithLargeStack(absl::FunctionRef<void()> fn) {
  RunWithStack(LargeStackBytes(), fn);
}

bool RunWithStack(size_t bytes, absl::FunctionRef<void()> fn) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) {
    fn();
    return false;
  }
  pthread_t thread;
  bool started = pthread_attr_setstacksize(&attr, bytes) == 0 &&
                 pthread_create(
                     &thread, &attr,
                     [](void* arg) -> void* {
                       (*static_cast<absl::FunctionRef<void()>*>(arg))();
                       return nullptr;
                     },
                     &fn) == 0;
  pthread_attr_destroy(&attr);
  if (!started) {
    fn();
    return false;
  }
  pthread_join(thread, nullptr);
  return true;
}

}  // namespace onus::lang
