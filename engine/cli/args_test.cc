#include "engine/cli/args.h"

#include "gtest/gtest.h"

namespace onus::cli {
namespace {

const std::vector<FlagSpec> kSpecs = {
    {"policies", true, true}, {"input", true}, {"j", true}, {"verbose", false}};

TEST(ArgsTest, ParsesValuesSwitchesAndPositionals) {
  auto a = ParseArgs({"--policies", "a", "--policies=b", "-j", "2", "--verbose",
                      "x", "--", "--not-a-flag"},
                     kSpecs);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->GetAll("policies"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(a->Get("j"), "2");
  EXPECT_TRUE(a->Has("verbose"));
  EXPECT_EQ(a->positional, (std::vector<std::string>{"x", "--not-a-flag"}));
}

TEST(ArgsTest, RejectsUnknownMissingAndRepeatedFlags) {
  EXPECT_FALSE(ParseArgs({"--nope"}, kSpecs).ok());
  EXPECT_FALSE(ParseArgs({"--input"}, kSpecs).ok());
  EXPECT_FALSE(ParseArgs({"--input", "a", "--input", "b"}, kSpecs).ok());
  EXPECT_FALSE(ParseArgs({"--verbose=yes"}, kSpecs).ok());
}

}  // namespace
}  // namespace onus::cli
