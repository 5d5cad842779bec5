#include "tests/conformance/report.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onus::conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TargetsTest, ParsesCommentsAndRejectsBadLines) {
  absl::StatusOr<Targets> t =
      ParseTargets("# header\nbasic 99\n\n  proto3\t90 # trailing\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->size(), 2u);
  EXPECT_EQ(t->at("basic"), 99);
  EXPECT_EQ(t->at("proto3"), 90);
  EXPECT_THAT(ParseTargets("basic\n").status().message(),
              HasSubstr("targets:1"));
  EXPECT_FALSE(ParseTargets("basic 101\n").ok());
  EXPECT_FALSE(ParseTargets("basic x\n").ok());
  EXPECT_THAT(ParseTargets("a 1\na 2\n").status().message(),
              HasSubstr("duplicate"));
}

std::vector<TestResult> Results(const std::string& file, int pass, int fail,
                                int skip) {
  std::vector<TestResult> out;
  for (int i = 0; i < pass + fail + skip; ++i) {
    TestResult r;
    r.file = file;
    r.id = "s/t" + std::to_string(i);
    r.expr = "1 | 2";
    r.outcome.verdict = i < pass          ? Verdict::kPass
                        : i < pass + fail ? Verdict::kFail
                                          : Verdict::kSkip;
    r.outcome.reason = i < pass ? "" : "reason\nsecond line";
    out.push_back(r);
  }
  return out;
}

TEST(SummaryTest, SkipsCountAgainstTheTarget) {
  std::vector<TestResult> r = Results("a", 99, 0, 1);
  std::vector<TestResult> b = Results("b", 98, 1, 1);
  r.insert(r.end(), b.begin(), b.end());
  Targets targets = {{"a", 99}, {"b", 99}};
  std::vector<FileSummary> s = Summarize({"a", "b", "c"}, r, targets);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].total, 100);
  EXPECT_EQ(s[0].skipped, 1);
  EXPECT_FALSE(s[0].below_target());  // exactly 99%
  EXPECT_TRUE(s[1].below_target());   // 98%: the skip is not a pass
  EXPECT_EQ(s[2].total, 0);
  EXPECT_FALSE(s[2].target.has_value());
  std::vector<std::string> problems = TargetProblems(s, targets);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "b: 98.0% passed, target 99%");
  EXPECT_EQ(FinalLine(s), "conformance: 197 passed, 1 failed, 2 skipped");
}

TEST(SummaryTest, TargetForMissingFileIsAProblem) {
  std::vector<FileSummary> s = Summarize({"a"}, Results("a", 1, 0, 0), {});
  std::vector<std::string> problems = TargetProblems(s, {{"bassic", 99}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("bassic: has a target but is not"));
}

TEST(MarkdownTest, ListsFailuresAndSkipsNotPasses) {
  std::vector<TestResult> r = Results("a", 2, 1, 1);
  r[2].expr = std::string("'\x01'|`x`");
  std::vector<FileSummary> s = Summarize({"a", "b"}, r, {{"a", 90}});
  std::string md = RenderMarkdown(s, r, {"@bufbuild/cel-spec 0.6.1"}, "note!");
  EXPECT_THAT(md, HasSubstr("`@bufbuild/cel-spec 0.6.1`"));
  EXPECT_THAT(md, HasSubstr("note!"));
  EXPECT_THAT(
      md, HasSubstr("| a | 4 | 2 | 1 | 1 | 50.0 | 90% | **below target** |"));
  EXPECT_THAT(md, HasSubstr("| b | 0 | 0 | 0 | 0 | - | - | reported |"));
  EXPECT_THAT(md, HasSubstr("## a"));
  EXPECT_THAT(md, Not(HasSubstr("## b")));
  // Failure row: control byte escaped, pipe escaped, backticks doubled,
  // reason cut at its first line.
  EXPECT_THAT(md,
              HasSubstr("| s/t2 | fail | `` '\\x01'\\|`x` `` | reason... |"));
  EXPECT_THAT(md, HasSubstr("| s/t3 | skip |"));
  EXPECT_THAT(md, Not(HasSubstr("| s/t0 |")));
  EXPECT_THAT(md, HasSubstr("conformance: 2 passed, 1 failed, 1 skipped"));
}

TEST(CommonReasonsTest, GroupsAcrossPositionsMostFrequentFirst) {
  std::vector<TestResult> r = Results("a", 1, 4, 0);
  r[1].outcome.reason =
      "compile error: expr:1:5: error[E0101]: undeclared x\nx";
  r[2].outcome.reason = "compile error: expr:3:1: error[E0101]: undeclared x";
  r[3].outcome.reason = "compile error: expr:1:1: error[E0101]: undeclared x";
  r[4].outcome.reason = "eval error: division by zero";
  auto common = CommonReasons(r, 10);
  ASSERT_EQ(common.size(), 2u);
  EXPECT_EQ(common[0].first, "compile error: error[E0101]: undeclared x");
  EXPECT_EQ(common[0].second, 3);
  EXPECT_EQ(common[1].second, 1);
  EXPECT_EQ(CommonReasons(r, 1).size(), 1u);
}

TEST(OneLineTest, CutsAtNewlineAndLengthWithoutSplittingUtf8) {
  EXPECT_EQ(OneLine("abc\ndef", 10), "abc...");
  EXPECT_EQ(OneLine("abcdefgh", 6), "abc...");
  EXPECT_EQ(OneLine("abc", 3), "abc");
  // "é" is two bytes; a cut inside it backs up to before it.
  EXPECT_EQ(OneLine("ab\xc3\xa9zzzz", 6), "ab...");
}

}  // namespace
}  // namespace onus::conformance
