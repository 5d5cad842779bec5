#include "engine_adapter.h"

#include <utility>

#include "absl/status/status.h"
#include "lang/status_macros.h"

namespace onus::bench::cspm {

absl::StatusOr<std::unique_ptr<EngineSession>> EngineCompile(
    const Rules& rules) {
  (void)rules;
  // INTEGRATION POINT: replace with the engine's compile + evaluate API.
  return absl::UnimplementedError(
      "the Onus engine is not integrated into the CSPM benchmark yet "
      "(benchmarks/cspm/engine_adapter.cc)");
}

absl::StatusOr<FailCounts> EngineRun(const std::string& snapshot_bytes,
                                     const Rules& rules, int threads) {
  ONUS_ASSIGN_OR_RETURN(std::unique_ptr<EngineSession> session,
                        EngineCompile(rules));
  return session->Run(snapshot_bytes, threads);
}

}  // namespace onus::bench::cspm
