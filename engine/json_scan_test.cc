#include "engine/json_scan.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace onus::engine {
namespace {

// Every structural character with its depth, as "c@depth" in order.
std::string Walk(absl::string_view json, int stop_after = -1) {
  std::string out;
  int seen = 0;
  ScanJsonStructure(json, [&](size_t, char c, int depth) {
    absl::StrAppend(&out, std::string(1, c), "@", depth, " ");
    return ++seen != stop_after;
  });
  return out;
}

TEST(JsonScanTest, SeesStructureOutsideStringsOnly) {
  EXPECT_EQ(Walk(R"({"a":[1,{"b":2}],"c":3})"),
            "{@0 [@1 ,@2 {@2 }@2 ]@1 ,@1 }@0 ");
  // Brackets, commas, escaped quotes and backslashes inside strings.
  EXPECT_EQ(Walk(R"(["x\"],[{,","y\\",3])"), "[@0 ,@1 ,@1 ]@0 ");
  EXPECT_EQ(Walk(R"(["\\\"]"])"), "[@0 ]@0 ");
}

TEST(JsonScanTest, StopsWhenAsked) {
  EXPECT_EQ(Walk("[[[[]]]]", 2), "[@0 [@1 ");
}

TEST(JsonScanTest, UnbalancedTextNeverGoesBelowZero) {
  EXPECT_EQ(Walk("]]["), "]@0 ]@0 [@0 ");
  EXPECT_EQ(Walk(R"(["unterminated [)"), "[@0 ");
}

}  // namespace
}  // namespace onus::engine
