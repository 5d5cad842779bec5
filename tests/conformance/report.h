// Tallies, targets and the Markdown report of a conformance run.
#ifndef ONUS_TESTS_CONFORMANCE_REPORT_H_
#define ONUS_TESTS_CONFORMANCE_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace onus::conformance {

enum class Verdict { kPass, kFail, kSkip };

struct Outcome {
  Verdict verdict = Verdict::kFail;
  std::string reason;  // one line; empty for passes
};

// One test's result, as the report shows it.
struct TestResult {
  std::string file;
  std::string id;  // "section/name" inside the file
  std::string expr;
  Outcome outcome;
};

// `file min_pass_percent` lines; '#' starts a comment.
using Targets = std::map<std::string, double>;
absl::StatusOr<Targets> ParseTargets(absl::string_view text);

struct FileSummary {
  std::string file;
  int total = 0, passed = 0, failed = 0, skipped = 0;
  std::optional<double> target;  // min pass %, if the file has one
  // passed / total in percent (skips count against it); 100 for 0 tests.
  double pass_percent() const;
  bool below_target() const;
};

// Per-file summaries in `files` order (files with no results included).
std::vector<FileSummary> Summarize(const std::vector<std::string>& files,
                                   const std::vector<TestResult>& results,
                                   const Targets& targets);

// Targeted files that fail their target, and targets naming a file the
// suite does not have (a typo must not pass silently), as one-line reasons.
std::vector<std::string> TargetProblems(
    const std::vector<FileSummary>& summaries, const Targets& targets);

// "conformance: N passed, N failed, N skipped" (make test parses it).
std::string FinalLine(const std::vector<FileSummary>& summaries);

// The `limit` most frequent one-line reasons of failures and skips, with
// source positions removed so one diagnostic groups across tests; most
// frequent first.
std::vector<std::pair<std::string, int>> CommonReasons(
    const std::vector<TestResult>& results, size_t limit);

// The Markdown page: provenance, summary table, per-file failures and skips.
std::string RenderMarkdown(const std::vector<FileSummary>& summaries,
                           const std::vector<TestResult>& results,
                           const std::vector<std::string>& provenance,
                           absl::string_view engine_note);

// First line of `s`, at most `max_len` characters (with "..." when cut).
std::string OneLine(absl::string_view s, size_t max_len);

}  // namespace onus::conformance

#endif  // ONUS_TESTS_CONFORMANCE_REPORT_H_
