#ifndef ONUS_LANG_LARGE_STACK_H_
#define ONUS_LANG_LARGE_STACK_H_

#include <cstddef>

#include "absl/functional/function_ref.h"

namespace onus::lang {

// Stack of the thread RunWithLargeStack starts. Only touched pages cost
// memory; the rest is address space.
size_t LargeStackBytes();

// Runs `fn` to completion on a thread whose stack is LargeStackBytes(), and
// returns when it has finished.
//
// Why: inlining, checking and compiling recurse once per nesting level of an
// expression, and their depth limits (FrontendOptions::max_depth) are safe
// only on a stack of known size. An embedder may call from a thread with a
// small stack (a pool of 1 MiB threads, musl's 128 KiB default); running the
// recursive stages on a thread of their own makes the limits hold wherever
// they are called from, as Clang does for its front end. Costs one thread
// start (tens of microseconds) per call. If no thread can be started, runs
// `fn` on the calling thread.
void RunWithLargeStack(absl::FunctionRef<void()> fn);

// Runs `fn` to completion on a thread with a stack of `bytes` (what
// RunWithLargeStack uses; tests use it to call in from a small stack).
// Returns false when no such thread could be started and `fn` ran on the
// calling thread instead.
bool RunWithStack(size_t bytes, absl::FunctionRef<void()> fn);

}  // namespace onus::lang

#endif  // ONUS_LANG_LARGE_STACK_H_
