// The Onus virtual machine: runs a Program over a register file.
//
// Errors are values (Kind::kError) and propagate per CEL; Run never throws
// and never returns a "pass" for a program it could not finish: budget,
// iteration cap, deadline and cancellation all produce error values.
#ifndef ONUS_ENGINE_VM_H_
#define ONUS_ENGINE_VM_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "engine/bytecode.h"
#include "engine/value.h"

namespace onus::engine {

// Limits for one or more runs; Run decrements the counters, so one budget
// can be shared by several programs evaluated for the same resource.
struct EvalBudget {
  // Instructions executed inside loops: each backward jump charges the
  // length of its loop body (an upper bound of what the iteration ran).
  // Straight-line code is already bounded by the program's size.
  int64_t instructions = 1'000'000;
  // Total comprehension iterations.
  int64_t iterations = 1'000'000;
  absl::Time deadline = absl::InfiniteFuture();
  const std::atomic<bool>* cancelled = nullptr;
  // Answers resources(T) / lookup(T, id) (engine/host.h); null outside a
  // policy evaluation.
  class EvalHost* host = nullptr;
};

// `vars` holds program.var_names.size() values (any may be an error value,
// e.g. for an unbound variable). Objects created while running live in
// `arena`.
Value Run(const Program& program, const Value* vars, Arena& arena,
          EvalBudget& budget);

// The results of programs[0..n) over the same variables, each run with its
// own copy of `budget`, into results[0..n): what n calls of Run give, with
// one set-up (the evaluator runs a resource's policies this way). Every
// program reads at most as many variables as `vars` holds.
void RunBatch(const Program* const* programs, size_t n, const Value* vars,
              Arena& arena, const EvalBudget& budget, Value* results);

// Which dispatch this build uses: "computed-goto" or "switch"
// (-DONUS_VM_SWITCH).
const char* VmDispatchKind();

}  // namespace onus::engine

#endif  // ONUS_ENGINE_VM_H_
