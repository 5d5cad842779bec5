// Runs Google's CEL conformance suite (dumped by dump.mjs) through the Onus
// engine and reports per-file pass/fail/skip counts against targets.
//
//   runner --data <dump dir> [--targets targets.txt] [--report out.md]
//          [--filter basic/self_eval_zeroish,string] [--verbose]
//
// Exit status: 0 when every targeted file meets its target (and the suite
// loaded), 1 otherwise. The last line printed is always
// "conformance: N passed, N failed, N skipped" once tests ran.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tests/conformance/backend.h"
#include "tests/conformance/report.h"
#include "tests/conformance/suite.h"

ABSL_FLAG(std::string, data, "", "folder written by dump.mjs (setup.sh)");
ABSL_FLAG(std::string, targets, "", "targets file: `file min_pass_percent`");
ABSL_FLAG(std::string, report, "", "write the Markdown report here");
ABSL_FLAG(std::string, filter, "",
          "comma-separated test id prefixes: file, file/section or "
          "file/section/name");
ABSL_FLAG(int64_t, budget, 1'000'000,
          "VM instruction budget per test evaluation");
ABSL_FLAG(bool, verbose, false,
          "print expression, bindings, expected, actual and disassembly of "
          "every selected test that does not pass");

namespace onus::conformance {
namespace {

// bazel run starts the binary in its runfiles tree; relative paths given on
// the command line mean the caller's directory.
std::string Resolve(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  return wd != nullptr ? absl::StrCat(wd, "/", path) : path;
}

int Main() {
  std::string data = Resolve(absl::GetFlag(FLAGS_data));
  if (data.empty()) {
    std::cerr
        << "runner: --data is required (see tests/conformance/README.md)\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Load(data);
  if (!suite.ok()) {
    std::cerr << "runner: cannot load suite: " << suite.status() << "\n";
    return 2;
  }
  Targets targets;
  std::string targets_path = Resolve(absl::GetFlag(FLAGS_targets));
  if (!targets_path.empty()) {
    absl::StatusOr<std::string> text = ReadFile(targets_path);
    if (!text.ok()) {
      std::cerr << "runner: " << text.status() << "\n";
      return 2;
    }
    absl::StatusOr<Targets> parsed = ParseTargets(*text);
    if (!parsed.ok()) {
      std::cerr << "runner: " << targets_path << ": " << parsed.status()
                << "\n";
      return 2;
    }
    targets = *std::move(parsed);
  }
  std::vector<std::string> filters =
      absl::StrSplit(absl::GetFlag(FLAGS_filter), ',', absl::SkipEmpty());
  bool verbose = absl::GetFlag(FLAGS_verbose);

  BackendOptions backend_options;
  backend_options.instruction_budget = absl::GetFlag(FLAGS_budget);
  if (backend_options.instruction_budget <= 0) {
    std::cerr << "runner: --budget must be positive\n";
    return 2;
  }
  std::unique_ptr<Backend> backend = MakeBackend(suite->get(), backend_options);
  std::vector<TestResult> results;
  std::vector<std::string> files;
  for (const std::string& f : (*suite)->files()) {
    // A file is reported when a filter selects it or something inside it.
    bool wanted = filters.empty();
    for (const std::string& filter : filters) {
      wanted |= filter == f || absl::StartsWith(filter, f + "/");
    }
    if (wanted) files.push_back(f);
  }
  for (const TestCase& t : (*suite)->tests()) {
    if (!MatchesFilter(t.id(), filters)) continue;
    TestResult r;
    r.file = t.file;
    r.id = absl::StrCat(t.section, "/", t.name);
    r.expr = t.expr;
    std::string details;
    if (std::optional<std::string> why = UnsupportedFeature(t)) {
      r.outcome = {Verdict::kSkip, *why};
    } else {
      r.outcome = backend->Run(t, verbose ? &details : nullptr);
    }
    if (verbose && r.outcome.verdict != Verdict::kPass) {
      std::cout << (r.outcome.verdict == Verdict::kFail ? "FAIL " : "SKIP ")
                << t.id() << ": " << r.outcome.reason << "\n"
                << "  expr: " << t.expr << "\n"
                << details;
    } else if (verbose) {
      std::cout << "PASS " << t.id() << "\n";
    }
    results.push_back(std::move(r));
  }

  // A filter that selects nothing is a typo, not an empty success.
  for (const std::string& f : filters) {
    bool used = false;
    for (const TestCase& t : (*suite)->tests()) {
      used = used || MatchesFilter(t.id(), {f});
    }
    for (const std::string& file : (*suite)->files()) used = used || file == f;
    if (!used) {
      std::cerr << "runner: --filter " << f << " selects no test\n";
      return 2;
    }
  }

  std::vector<FileSummary> summaries = Summarize(files, results, targets);
  for (const FileSummary& s : summaries) {
    std::cout << absl::StrFormat(
        "%-16s %4d tests %4d passed %4d failed %4d "
        "skipped %6.1f%%%s\n",
        s.file, s.total, s.passed, s.failed, s.skipped, s.pass_percent(),
        s.target ? absl::StrFormat(" (target %g%%%s)", *s.target,
                                   s.below_target() ? ", BELOW" : "")
                 : std::string());
  }
  // A filtered run checks only the selected files' targets.
  Targets active;
  for (const FileSummary& s : summaries) {
    if (s.target) active[s.file] = *s.target;
  }
  std::vector<std::string> problems =
      TargetProblems(summaries, filters.empty() ? targets : active);
  for (const std::string& p : problems)
    std::cout << "below target: " << p << "\n";

  std::string report = Resolve(absl::GetFlag(FLAGS_report));
  if (!report.empty()) {
    std::ofstream out(report, std::ios::trunc);
    out << RenderMarkdown(summaries, results, (*suite)->provenance(),
                          backend->Note());
    if (!out.good()) {
      std::cerr << "runner: cannot write " << report << "\n";
      return 2;
    }
    std::cout << "report written to " << report << "\n";
  }
  std::cout << FinalLine(summaries) << std::endl;
  return problems.empty() ? 0 : 1;
}

}  // namespace
}  // namespace onus::conformance

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "runs the CEL conformance suite: runner --data <dump dir> "
      "[--targets f] [--report f.md] [--filter ids] [--verbose]");
  absl::ParseCommandLine(argc, argv);
  return onus::conformance::Main();
}
