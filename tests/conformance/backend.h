// The evaluation side of the conformance runner, behind one small interface
// so the loading, comparison and reporting code builds and is tested on its
// own. backend_engine.cc runs tests through engine/expr.h (CompiledExpr);
// backend_pending.cc is the stand-in used while the engine is not built,
// which fails every runnable test with "engine not built yet".
#ifndef ONUS_TESTS_CONFORMANCE_BACKEND_H_
#define ONUS_TESTS_CONFORMANCE_BACKEND_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tests/conformance/report.h"
#include "tests/conformance/suite.h"

namespace onus::conformance {

class Backend {
 public:
  virtual ~Backend() = default;
  // Runs one test. With `details` non-null, appends a human-readable trace
  // (bindings, expected, actual, disassembly) for --verbose.
  virtual Outcome Run(const TestCase& test, std::string* details) = 0;
  // A sentence for the report's header (e.g. that the engine is missing).
  virtual std::string Note() const = 0;
};

struct BackendOptions {
  // VM instructions per evaluation; an exhausted budget is an error value
  // (a failure unless the test expects an error), never a hang.
  int64_t instruction_budget = 1'000'000;
};

std::unique_ptr<Backend> MakeBackend(Suite* suite,
                                     const BackendOptions& options);

// Runner features this runner does not offer, whatever the backend: the
// test is skipped with this one-line reason. nullopt: runnable.
std::optional<std::string> UnsupportedFeature(const TestCase& test);

}  // namespace onus::conformance

#endif  // ONUS_TESTS_CONFORMANCE_BACKEND_H_
