#include "tests/conformance/report.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "re2/re2.h"

namespace onus::conformance {

absl::StatusOr<Targets> ParseTargets(absl::string_view text) {
  Targets targets;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    double pct = 0;
    if (parts.size() != 2 || !absl::SimpleAtod(parts[1], &pct) || pct < 0 ||
        pct > 100) {
      return absl::InvalidArgumentError(absl::StrCat(
          "targets:", line_no, ": expected `file min_pass_percent` (0-100)"));
    }
    if (!targets.emplace(std::string(parts[0]), pct).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "targets:", line_no, ": duplicate target for ", parts[0]));
    }
  }
  return targets;
}

double FileSummary::pass_percent() const {
  return total == 0 ? 100.0 : 100.0 * passed / total;
}

bool FileSummary::below_target() const {
  // Compare in integer arithmetic so 99% of 100 tests is exactly 99.
  return target.has_value() && 100.0 * passed < *target * total - 1e-9;
}

std::vector<FileSummary> Summarize(const std::vector<std::string>& files,
                                   const std::vector<TestResult>& results,
                                   const Targets& targets) {
  std::vector<FileSummary> out;
  std::map<std::string, size_t> index;
  for (const std::string& f : files) {
    index[f] = out.size();
    FileSummary s;
    s.file = f;
    auto t = targets.find(f);
    if (t != targets.end()) s.target = t->second;
    out.push_back(s);
  }
  for (const TestResult& r : results) {
    auto it = index.find(r.file);
    if (it == index.end()) continue;
    FileSummary& s = out[it->second];
    ++s.total;
    switch (r.outcome.verdict) {
      case Verdict::kPass:
        ++s.passed;
        break;
      case Verdict::kFail:
        ++s.failed;
        break;
      case Verdict::kSkip:
        ++s.skipped;
        break;
    }
  }
  return out;
}

std::vector<std::string> TargetProblems(
    const std::vector<FileSummary>& summaries, const Targets& targets) {
  std::vector<std::string> problems;
  for (const auto& [file, pct] : targets) {
    bool found = false;
    for (const FileSummary& s : summaries) found = found || s.file == file;
    if (!found) {
      problems.push_back(
          absl::StrCat(file, ": has a target but is not in the suite"));
    }
  }
  for (const FileSummary& s : summaries) {
    if (s.below_target()) {
      problems.push_back(absl::StrFormat("%s: %.1f%% passed, target %g%%",
                                         s.file, s.pass_percent(), *s.target));
    }
  }
  return problems;
}

std::string FinalLine(const std::vector<FileSummary>& summaries) {
  int passed = 0, failed = 0, skipped = 0;
  for (const FileSummary& s : summaries) {
    passed += s.passed;
    failed += s.failed;
    skipped += s.skipped;
  }
  return absl::StrCat("conformance: ", passed, " passed, ", failed, " failed, ",
                      skipped, " skipped");
}

std::string OneLine(absl::string_view s, size_t max_len) {
  size_t nl = s.find('\n');
  bool cut = nl != absl::string_view::npos;
  if (cut) s = s.substr(0, nl);
  std::string out(absl::StripTrailingAsciiWhitespace(s));
  if (out.size() > max_len) {
    size_t keep = max_len > 3 ? max_len - 3 : 0;
    // Never cut a UTF-8 sequence in half: back up to a lead byte.
    while (keep > 0 && (static_cast<unsigned char>(out[keep]) & 0xC0) == 0x80) {
      --keep;
    }
    out.resize(keep);
    cut = true;
  }
  if (cut) out += "...";
  return out;
}

namespace {

// Table cells: one line, pipes escaped, shown as code where it helps.
// Control bytes (the parse tests have some) are shown as \xNN so the page
// stays text. Expressions may span lines (joined with spaces); reasons keep
// their first line only.
std::string Cell(absl::string_view s, size_t max_len, bool join_lines) {
  std::string one =
      join_lines ? OneLine(absl::StrReplaceAll(s, {{"\n", " "}}), max_len)
                 : OneLine(s, max_len);
  std::string out;
  for (char c : one) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '|') {
      out += "\\|";
    } else if (u < 0x20 || u == 0x7f) {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", u));
    } else {
      out += c;
    }
  }
  return out;
}

std::string Code(absl::string_view s, size_t max_len) {
  std::string c = Cell(s, max_len, /*join_lines=*/true);
  // A backtick inside would end the code span; double backticks allow it.
  if (c.find('`') != std::string::npos) return absl::StrCat("`` ", c, " ``");
  return absl::StrCat("`", c, "`");
}

}  // namespace

std::vector<std::pair<std::string, int>> CommonReasons(
    const std::vector<TestResult>& results, size_t limit) {
  // "compile error: expr:1:5: error[E0102]: ..." -> "compile error:
  // error[E0102]: ..." so the same diagnostic at different columns groups.
  static const LazyRE2 kPosition = {R"(expr:\d+:\d+: )"};
  std::map<std::string, int> counts;
  for (const TestResult& r : results) {
    if (r.outcome.verdict == Verdict::kPass) continue;
    absl::string_view first = r.outcome.reason;
    first = first.substr(0, first.find('\n'));
    std::string reason(first);
    RE2::GlobalReplace(&reason, *kPosition, "");
    ++counts[OneLine(reason, 90)];
  }
  std::vector<std::pair<std::string, int>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second > b.second;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::string RenderMarkdown(const std::vector<FileSummary>& summaries,
                           const std::vector<TestResult>& results,
                           const std::vector<std::string>& provenance,
                           absl::string_view engine_note) {
  std::string md;
  absl::StrAppend(&md, "# CEL conformance\n\n",
                  "Generated by `tests/conformance/run.sh` (the runner in "
                  "`tests/conformance/`); do not edit by hand. ",
                  "Source: Google's cel-spec conformance tests as shipped by ",
                  "the npm package");
  for (const std::string& p : provenance) {
    if (absl::StartsWith(p, "@")) absl::StrAppend(&md, " `", p, "`");
  }
  absl::StrAppend(&md, ".\n\n");
  if (!engine_note.empty()) absl::StrAppend(&md, engine_note, "\n\n");
  absl::StrAppend(
      &md,
      "Pass % = passed / tests: a skipped test counts against the target. ",
      "Targets come from `tests/conformance/targets.txt`; files without a ",
      "target are reported only.\n\n", FinalLine(summaries), "\n\n",
      "| file | tests | passed | failed | skipped | pass % | target | status "
      "|\n",
      "|---|---:|---:|---:|---:|---:|---:|---|\n");
  for (const FileSummary& s : summaries) {
    std::string target = s.target ? absl::StrFormat("%g%%", *s.target) : "-";
    std::string status = !s.target          ? "reported"
                         : s.below_target() ? "**below target**"
                                            : "ok";
    std::string pct =
        s.total == 0 ? "-" : absl::StrFormat("%.1f", s.pass_percent());
    absl::StrAppend(&md, "| ", s.file, " | ", s.total, " | ", s.passed, " | ",
                    s.failed, " | ", s.skipped, " | ", pct, " | ", target,
                    " | ", status, " |\n");
  }
  // Most frequent reasons across files: where the engine work is.
  std::vector<std::pair<std::string, int>> common = CommonReasons(results, 15);
  if (!common.empty()) {
    absl::StrAppend(&md, "\n## Most common reasons\n\n",
                    "| tests | reason (positions removed) |\n|---:|---|\n");
    for (const auto& [reason, count] : common) {
      absl::StrAppend(&md, "| ", count, " | ", Cell(reason, 140, false),
                      " |\n");
    }
  }
  for (const FileSummary& s : summaries) {
    if (s.failed + s.skipped == 0) continue;
    absl::StrAppend(&md, "\n## ", s.file, "\n\n", s.failed, " failed, ",
                    s.skipped, " skipped.\n\n",
                    "| test | result | expression | reason |\n",
                    "|---|---|---|---|\n");
    for (const TestResult& r : results) {
      if (r.file != s.file || r.outcome.verdict == Verdict::kPass) continue;
      absl::StrAppend(&md, "| ", Cell(r.id, 80, false), " | ",
                      r.outcome.verdict == Verdict::kFail ? "fail" : "skip",
                      " | ", Code(r.expr, 70), " | ",
                      Cell(r.outcome.reason, 160, false), " |\n");
    }
  }
  return md;
}

}  // namespace onus::conformance
