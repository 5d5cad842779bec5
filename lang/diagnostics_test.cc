#include "lang/diagnostics.h"

#include "gtest/gtest.h"

namespace onus::lang {
namespace {

TEST(SourceTest, LineAndColumnAreOneBasedAndCountCodePoints) {
  Source src("p.onus", "ab\n\xc3\xa9x = 1\n");
  EXPECT_EQ(src.LocationOf(0).line, 1);
  EXPECT_EQ(src.LocationOf(0).column, 1);
  // 'x' follows a two-byte 'é': byte offset 5, column 2.
  Location loc = src.LocationOf(5);
  EXPECT_EQ(loc.line, 2);
  EXPECT_EQ(loc.column, 2);
  EXPECT_EQ(src.Line(2), "\xc3\xa9x = 1");
  EXPECT_EQ(src.Describe({5, 6}), "p.onus:2:2");
}

TEST(DiagnosticsTest, RendersFileLineColumnCaretAndHelp) {
  Source src("s3.onus", "policy p {\n  require = b.pab.block_acl\n}\n");
  DiagnosticList diags;
  uint32_t at = static_cast<uint32_t>(src.text().find("block_acl"));
  diags.Error("E0201", &src, {at, at + 9}, "unknown field `block_acl`",
              "did you mean `block_acls`?");
  EXPECT_TRUE(diags.has_errors());
  EXPECT_EQ(diags.Render(),
            "s3.onus:2:19: error[E0201]: unknown field `block_acl`\n"
            " 2 |   require = b.pab.block_acl\n"
            "   |                   ^~~~~~~~~\n"
            "   = help: did you mean `block_acls`?\n");
}

TEST(DiagnosticsTest, DidYouMeanPicksClosePlausibleName) {
  std::vector<std::string> names = {"block_public_acls", "ignore_public_acls",
                                    "restrict_public_buckets"};
  EXPECT_EQ(DidYouMean("block_public_acl", names), "block_public_acls");
  EXPECT_EQ(DidYouMean("zzz", names), "");
}

}  // namespace
}  // namespace onus::lang
