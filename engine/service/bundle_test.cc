#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/service/bundle_internal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onus::engine::service_internal {
namespace {

using ::testing::HasSubstr;

constexpr char kLib[] =
    "fn versioned(b) = b.versioning.status == \"Enabled\";\n";
constexpr char kMain[] = R"onus(
package t;
import "lib.onus";

policy versioned {
  title    = "versioned"
  severity = high
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  frameworks = ["cis-aws-7.0:3.1.4"]
  resource = onus.aws.s3.Bucket as b
  require  = versioned(b)
}

policy named {
  title    = "named"
  severity = low
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  resource = onus.aws.s3.Bucket as b
  require  = b.name != ""
}
)onus";

TEST(DigestTest, OrderFreeAndBoundarySafe) {
  std::string raw;
  std::string a = DigestSources({{"a", "x"}, {"b", "y"}}, &raw);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(raw.size(), 32u);
  EXPECT_EQ(a, DigestSources({{"b", "y"}, {"a", "x"}}, nullptr));
  EXPECT_NE(DigestSources({{"ab", "c"}}, nullptr),
            DigestSources({{"a", "bc"}}, nullptr));
  EXPECT_NE(a, DigestSources({{"a", "x"}, {"b", "z"}}, nullptr));
}

TEST(SelectorTest, ConditionsCombine) {
  onus::v1::PolicyMetadata m;
  m.set_id("aws.s3.versioned");
  m.set_package("aws.s3");
  m.set_severity(onus::v1::HIGH);
  m.add_frameworks("cis-aws-7.0:3.1.4");
  onus::v1::PolicySelector s;
  EXPECT_TRUE(SelectorMatches(s, m));
  s.add_ids("aws.s3.");
  EXPECT_TRUE(SelectorMatches(s, m));
  s.set_min_severity(onus::v1::CRITICAL);
  EXPECT_FALSE(SelectorMatches(s, m));
  s.set_min_severity(onus::v1::HIGH);
  s.add_frameworks("cis-aws-7.0:");
  EXPECT_TRUE(SelectorMatches(s, m));
  s.add_packages("gcp.storage");
  EXPECT_FALSE(SelectorMatches(s, m));
  onus::v1::PolicySelector g;
  g.add_ids("aws.*.versioned");
  EXPECT_TRUE(SelectorMatches(g, m));
  g.set_ids(0, "aws.s3");  // neither exact nor a prefix ending in '.'
  EXPECT_FALSE(SelectorMatches(g, m));
  onus::v1::PolicySelector f;
  f.add_frameworks("cis-aws-7.0:3.1");  // exact only without ':' at the end
  EXPECT_FALSE(SelectorMatches(f, m));
}

TEST(CompileBundleTest, ImportsAmongSourcesAndCachedSelections) {
  CompileResult r =
      CompileBundle({}, {{"p.onus", kMain}, {"lib.onus", kLib}}, 7);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_NE(r.bundle, nullptr);
  EXPECT_EQ(r.bundle->version(), 7u);
  EXPECT_EQ(r.bundle->pack().policies().size(), 2u);
  EXPECT_EQ(r.policies.size(), 2u);

  onus::v1::PolicySelector sel;
  sel.add_ids("t.versioned");
  auto one = r.bundle->Select(sel);
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ((*one)->policies().size(), 1u);
  EXPECT_EQ((*one)->policies()[0].meta.id(), "t.versioned");
  auto again = r.bundle->Select(sel);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(one->get(), again->get());  // cached
  // The full pack is shared, not recompiled; the bundle is unchanged.
  auto all = r.bundle->Select({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->get(), &r.bundle->pack());
  EXPECT_EQ(r.bundle->pack().policies().size(), 2u);
  sel.set_ids(0, "nothing");
  EXPECT_THAT(r.bundle->Select(sel).status().message(),
              HasSubstr("options.selection"));
}

TEST(CompileBundleTest, RequestSourcesNeverReadTheDisk) {
  for (const char* path : {"lib.onus", "/etc/passwd"}) {
    CompileResult r = CompileBundle(
        {}, {{"p.onus", absl::StrCat("package p;\nimport \"", path, "\";\n")}},
        1);
    EXPECT_EQ(r.bundle, nullptr) << path;
    std::string all(r.status.message());
    for (const auto& d : r.diagnostics) all += "\n" + d.message();
    EXPECT_THAT(all, HasSubstr("imports must name another source")) << path;
  }
}

TEST(CompileBundleTest, DiagnosticsCarryPositions) {
  CompileResult r =
      CompileBundle({},
                    {{"bad.onus",
                      "package b;\npolicy p {\n  resource = onus.aws.s3.Bucket "
                      "as b\n  require = b.nme != \"\"\n}\n"}},
                    1);
  EXPECT_EQ(r.bundle, nullptr);
  ASSERT_FALSE(r.diagnostics.empty());
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.severity(), onus::v1::Diagnostic::ERROR);
  EXPECT_EQ(d.file(), "bad.onus");
  EXPECT_EQ(d.line(), 4u);
  EXPECT_EQ(d.column(), 15u);
  EXPECT_THAT(d.help(), HasSubstr("name"));
  EXPECT_GE(r.errors, 1);
}

}  // namespace
}  // namespace onus::engine::service_internal
