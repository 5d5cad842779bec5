#include "tests/conformance/suite.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/backend.h"
#include "tests/conformance/test_util.h"

namespace onus::conformance {
namespace {

using ::testing::HasSubstr;

constexpr char kFile[] = R"pb(
  name: "demo"
  section {
    name: "sec"
    test { name: "default_true" expr: "1 == 1" }
    test {
      name: "with_value"
      expr: "x + 1"
      container: "cel.expr"
      disable_check: true
      type_env {
        name: "x"
        ident { type { primitive: INT64 } }
      }
      bindings {
        key: "x"
        value { value { int64_value: 41 } }
      }
      value { int64_value: 42 }
    }
    test {
      name: "typed"
      expr: "'a'"
      check_only: true
      typed_result { deduced_type { primitive: STRING } }
    }
  }
  section {
    name: "errs"
    test {
      name: "err"
      expr: "1/0"
      eval_error { errors { message: "div" } }
    }
    test {
      name: "unk"
      expr: "x"
      unknown { exprs: 1 }
    }
    test {
      name: "fn"
      expr: "f()"
      type_env {
        name: "f"
        function {}
      }
    }
    test {
      name: "any"
      expr: "y"
      any_eval_errors {}
    }
  }
)pb";

std::string Serialized(Suite& suite, const std::string& text) {
  auto m =
      testing::Parse(suite, "cel.expr.conformance.test.SimpleTestFile", text);
  return m == nullptr ? "" : m->SerializeAsString();
}

TEST(SuiteTest, LoadsEveryFieldTheRunnerUses) {
  std::unique_ptr<Suite> suite = testing::MiniSuite();
  ASSERT_NE(suite, nullptr);
  ASSERT_TRUE(suite->AddFile("demo", Serialized(*suite, kFile), 7).ok());
  ASSERT_EQ(suite->tests().size(), 7u);
  EXPECT_EQ(suite->files(), std::vector<std::string>{"demo"});

  const TestCase& t0 = suite->tests()[0];
  EXPECT_EQ(t0.id(), "demo/sec/default_true");
  EXPECT_EQ(t0.expect, Expect::kValue);
  ASSERT_NE(t0.value, nullptr);
  // No matcher: the spec's default expectation is `true`.
  EXPECT_EQ(t0.value->ShortDebugString(), "bool_value: true");

  const TestCase& t1 = suite->tests()[1];
  EXPECT_EQ(t1.expr, "x + 1");
  EXPECT_EQ(t1.container, "cel.expr");
  EXPECT_TRUE(t1.disable_check);
  EXPECT_FALSE(t1.check_only);
  ASSERT_EQ(t1.type_env.size(), 1u);
  ASSERT_EQ(t1.bindings.size(), 1u);
  EXPECT_EQ(t1.bindings[0].first, "x");
  EXPECT_EQ(t1.bindings[0].second->ShortDebugString(),
            "value { int64_value: 41 }");
  EXPECT_EQ(t1.value->ShortDebugString(), "int64_value: 42");

  const TestCase& t2 = suite->tests()[2];
  EXPECT_EQ(t2.expect, Expect::kTypedResult);
  EXPECT_TRUE(t2.check_only);
  EXPECT_EQ(t2.value, nullptr);
  ASSERT_NE(t2.deduced_type, nullptr);
  EXPECT_EQ(t2.deduced_type->ShortDebugString(), "primitive: STRING");

  EXPECT_EQ(suite->tests()[3].expect, Expect::kEvalError);
  EXPECT_EQ(suite->tests()[3].errors->ShortDebugString(),
            "errors { message: \"div\" }");
  EXPECT_EQ(suite->tests()[4].expect, Expect::kUnknown);
  EXPECT_EQ(suite->tests()[6].expect, Expect::kAnyEvalErrors);
}

TEST(SuiteTest, SkipsOnlyUnsupportedRunnerFeatures) {
  std::unique_ptr<Suite> suite = testing::MiniSuite();
  ASSERT_NE(suite, nullptr);
  ASSERT_TRUE(suite->AddFile("demo", Serialized(*suite, kFile), -1).ok());
  const auto& t = suite->tests();
  EXPECT_EQ(UnsupportedFeature(t[0]), std::nullopt);
  EXPECT_EQ(UnsupportedFeature(t[1]), std::nullopt);
  EXPECT_EQ(UnsupportedFeature(t[3]), std::nullopt);
  EXPECT_EQ(UnsupportedFeature(t[4]), "unknowns not supported");
  EXPECT_EQ(UnsupportedFeature(t[5]),
            "function declarations in type_env: cannot evaluate host "
            "functions");
}

TEST(SuiteTest, CountMismatchAndGarbageAreErrors) {
  std::unique_ptr<Suite> suite = testing::MiniSuite();
  ASSERT_NE(suite, nullptr);
  absl::Status s = suite->AddFile("demo", Serialized(*suite, kFile), 3);
  EXPECT_THAT(s.message(), HasSubstr("7 tests, MANIFEST says 3"));
  s = suite->AddFile("junk", "\xff\xff\xff", -1);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(suite->files().empty());
}

TEST(FilterTest, MatchesWholePathComponents) {
  EXPECT_TRUE(MatchesFilter("basic/sec/name", {}));
  EXPECT_TRUE(MatchesFilter("basic/sec/name", {"basic"}));
  EXPECT_TRUE(MatchesFilter("basic/sec/name", {"basic/sec"}));
  EXPECT_TRUE(MatchesFilter("basic/sec/name", {"x", "basic/sec/name"}));
  EXPECT_FALSE(MatchesFilter("basics/sec/name", {"basic"}));
  EXPECT_FALSE(MatchesFilter("basic/section/name", {"basic/sec"}));
  EXPECT_FALSE(MatchesFilter("basic/sec/name", {"basic/sec/name/more"}));
}

TEST(SuiteTest, BadDescriptorSetIsAnError) {
  EXPECT_TRUE(
      absl::IsDataLoss(Suite::FromDescriptorSet("\x0a\x03zzz").status()));
  EXPECT_FALSE(Suite::Load("/nonexistent/dir").ok());
}

}  // namespace
}  // namespace onus::conformance
