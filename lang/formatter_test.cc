#include "lang/formatter.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lang/ast_dump.h"
#include "lang/diagnostics.h"
#include "lang/parser.h"

namespace onus::lang {
namespace {

using ::testing::HasSubstr;

std::string Format(const std::string& text) {
  Source src("t.onus", text);
  absl::StatusOr<std::string> out = FormatPolicySource(src);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

TEST(FormatterTest, AlignsKeysKeepsCommentsAndBreaksLongChains) {
  const char* in = R"(// header comment
package   aws.s3 ;
const  PORTS=[22,3389];
fn open(c)=c in ["0.0.0.0/0","::/0"];
// about the policy
policy p {
  title = "S3 \"quoted\""
  severity=high
  service = [iaas,paas]
  resource = onus.aws.s3.Bucket as b   // trailing note
  require = b.public_access_block_configuration.block_public_acls && b.public_access_block_configuration.ignore_public_acls && (b.name == "x" || b.name == "y")
  message = "bucket {b.name} is open"
}
)";
  EXPECT_EQ(Format(in),
            R"(// header comment
package aws.s3;

const PORTS = [22, 3389];
fn open(c) = c in ["0.0.0.0/0", "::/0"];

// about the policy
policy p {
  title    = "S3 \"quoted\""
  severity = high
  service  = [iaas, paas]
  resource = onus.aws.s3.Bucket as b
  // trailing note
  require  = b.public_access_block_configuration.block_public_acls
          && b.public_access_block_configuration.ignore_public_acls
          && (b.name == "x" || b.name == "y")
  message  = "bucket {b.name} is open"
}
)");
}

TEST(FormatterTest, RefusesFilesWithErrors) {
  Source src("bad.onus", "policy p { require = 1 + }");
  absl::StatusOr<std::string> out = FormatPolicySource(src);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("bad.onus"));
}

// Every file of the built-in pack: formatting is idempotent and keeps the
// meaning (the parsed file dumps identically before and after).
TEST(FormatterTest, PackIsIdempotentAndMeaningPreserving) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator("policies")) {
    if (entry.path().extension() != ".onus") continue;
    std::ifstream f(entry.path());
    std::stringstream ss;
    ss << f.rdbuf();
    Source original(entry.path().string(), ss.str());
    absl::StatusOr<std::string> once = FormatPolicySource(original);
    ASSERT_TRUE(once.ok()) << once.status();
    Source formatted(entry.path().string(), *once);
    absl::StatusOr<std::string> twice = FormatPolicySource(formatted);
    ASSERT_TRUE(twice.ok()) << twice.status();
    EXPECT_EQ(*once, *twice) << entry.path();

    DiagnosticList d1, d2;
    auto a = ParsePolicyFile(original, d1);
    auto b = ParsePolicyFile(formatted, d2);
    ASSERT_FALSE(d2.has_errors()) << d2.Render();
    EXPECT_EQ(DumpPolicyFile(*a), DumpPolicyFile(*b)) << entry.path();
    // No comment is lost.
    EXPECT_EQ(a->comments.size(), b->comments.size()) << entry.path();
    ++files;
  }
  EXPECT_GE(files, 10);
}

}  // namespace
}  // namespace onus::lang
