// INTEGRATION POINT between the benchmark harness and the Onus engine.
//
// The harness times exactly these calls as "engine end to end": from the
// encoded snapshot (or stream file) to fail counts per rule. If the engine
// cannot run (EngineCompile fails) the harness prints "engine: not available
// yet" - it never substitutes other numbers.
//
// The implementation turns each rule into a policy over its group's message
// type (package cspm, variable `r`, `require = <cel>`), compiles them once
// with lang::LoadPolicySources + engine::PolicyPack::Compile, and per run
// calls engine::EvaluateSnapshot (the snapshot scan and engine::Evaluate in
// one parallel pass) in counts-only mode without evidence. ERROR outcomes are
// never counted as passes or fails: any ERROR makes the run return an error
// status, so a mismatch against the reference is visible rather than hidden.
#ifndef ONUS_BENCHMARKS_CSPM_ENGINE_ADAPTER_H_
#define ONUS_BENCHMARKS_CSPM_ENGINE_ADAPTER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rules.h"

namespace onus::bench::cspm {

// Compiled form of the rules, kept across passes so that the timed region
// covers evaluation only (compile time is reported separately).
class EngineSession {
 public:
  virtual ~EngineSession() = default;

  // Evaluates every resource of an onus.v1.Snapshot (binary) with
  // `threads` worker threads; returns fail counts indexed like the rules.
  virtual absl::StatusOr<FailCounts> Run(const std::string& snapshot_bytes,
                                         int threads) = 0;

  // Only the engine's first step, the zero-copy scan of the snapshot into
  // resource views: reported as its own row so the end-to-end time can be
  // split into scanning and evaluating.
  virtual absl::Status ScanOnly(const std::string& snapshot_bytes) = 0;

  // The part of Run that no thread count shortens: finding where each
  // resource starts (engine/inventory_scan.h, InventoryScan::Frame).
  virtual absl::Status SerialPartOnly(const std::string& snapshot_bytes) = 0;

  // Same over a length-delimited onus.v1.StreamItem file, reading it
  // incrementally (the 1,000,000-resource peak-memory test).
  virtual absl::StatusOr<FailCounts> RunStream(const std::string& path,
                                               int threads) = 0;
};

// Compiles `rules` (descriptors of onus.bench.cspm come from the generated
// pool). Unimplemented until the engine is integrated.
absl::StatusOr<std::unique_ptr<EngineSession>> EngineCompile(
    const Rules& rules);

// One-shot form named in the benchmark issue: compile + Run.
absl::StatusOr<FailCounts> EngineRun(const std::string& snapshot_bytes,
                                     const Rules& rules, int threads);

}  // namespace onus::bench::cspm

#endif  // ONUS_BENCHMARKS_CSPM_ENGINE_ADAPTER_H_
