// End-to-end checks of the engine backend: small SimpleTests (in the
// stand-in schema) compiled and evaluated by engine/expr.h, so a broken
// conversion in either direction, or a lenient comparison, fails here
// rather than silently inflating the conformance numbers.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/backend.h"
#include "tests/conformance/test_util.h"

namespace onus::conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class EngineBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    suite_ = testing::MiniSuite();
    ASSERT_NE(suite_, nullptr);
  }

  // Runs one SimpleTest given in text format.
  Outcome Run(const std::string& test_text) {
    return RunIn("t", "s", test_text);
  }

  // Runs one SimpleTest as if it were in file `file`, section `section`.
  Outcome RunIn(const std::string& file_name, const std::string& section,
                const std::string& test_text) {
    auto file =
        testing::Parse(*suite_, "cel.expr.conformance.test.SimpleTestFile",
                       "name: '" + file_name + "' section { name: '" + section +
                           "' test { name: 'n' " + test_text + " } }");
    if (file == nullptr) return {Verdict::kFail, "bad test text"};
    size_t before = suite_->tests().size();
    absl::Status s = suite_->AddFile(file_name, file->SerializeAsString(), 1);
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok() || suite_->tests().size() != before + 1) {
      return {Verdict::kFail, "not loaded"};
    }
    if (backend_ == nullptr) backend_ = MakeBackend(suite_.get(), options_);
    const TestCase& t = suite_->tests().back();
    if (auto why = UnsupportedFeature(t)) return {Verdict::kSkip, *why};
    std::string details;
    Outcome o = backend_->Run(t, &details);
    last_details_ = details;
    return o;
  }

  std::unique_ptr<Suite> suite_;
  BackendOptions options_;
  std::unique_ptr<Backend> backend_;
  std::string last_details_;
};

TEST_F(EngineBackendTest, ScalarResultsAreComparedByKindAndValue) {
  EXPECT_EQ(Run("expr: '1 + 2' value { int64_value: 3 }").verdict,
            Verdict::kPass);
  Outcome o = Run("expr: '1 + 2' value { uint64_value: 3 }");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_THAT(o.reason, HasSubstr("want uint64_value: 3, got int64_value: 3"));
  EXPECT_EQ(Run("expr: '1 + 2' value { int64_value: 4 }").verdict,
            Verdict::kFail);
  EXPECT_EQ(Run("expr: '\"ab\" + \"c\"' value { string_value: 'abc' }").verdict,
            Verdict::kPass);
  EXPECT_EQ(Run("expr: 'b\"a\"' value { bytes_value: 'a' }").verdict,
            Verdict::kPass);
  EXPECT_EQ(Run("expr: 'null' value { null_value: NULL_VALUE }").verdict,
            Verdict::kPass);
  EXPECT_EQ(Run("expr: 'type(1)' value { type_value: 'int' }").verdict,
            Verdict::kPass);
  // No matcher: the result must be `true`.
  EXPECT_EQ(Run("expr: '1 < 2'").verdict, Verdict::kPass);
  EXPECT_EQ(Run("expr: '2 < 1'").verdict, Verdict::kFail);
}

TEST_F(EngineBackendTest, ListsMapsAndTimestampsRoundTrip) {
  EXPECT_EQ(Run("expr: '[1, 2]' value { list_value { values { int64_value: 1 }"
                " values { int64_value: 2 } } }")
                .verdict,
            Verdict::kPass);
  EXPECT_EQ(Run("expr: \"{'a': 1u}\" value { map_value { entries { key {"
                " string_value: 'a' } value { uint64_value: 1 } } } }")
                .verdict,
            Verdict::kPass);
  EXPECT_EQ(
      Run("expr: \"timestamp('2009-02-13T23:31:30Z')\" value { object_value {"
          " [type.googleapis.com/google.protobuf.Timestamp] { seconds: "
          "1234567890 } } }")
          .verdict,
      Verdict::kPass);
  Outcome o =
      Run("expr: \"timestamp('2009-02-13T23:31:31Z')\" value { object_value {"
          " [type.googleapis.com/google.protobuf.Timestamp] { seconds: "
          "1234567890 } } }");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_THAT(o.reason, HasSubstr("google.protobuf.Timestamp differs"));
}

TEST_F(EngineBackendTest, DeclarationsAndBindingsReachTheEngine) {
  EXPECT_EQ(Run("expr: 'x * 2' type_env { name: 'x' ident { type { primitive: "
                "INT64 } } } bindings { key: 'x' value { value { int64_value: "
                "21 } } } value { int64_value: 42 }")
                .verdict,
            Verdict::kPass);
  EXPECT_THAT(last_details_, HasSubstr("binding: x = 21"));
  EXPECT_THAT(last_details_, HasSubstr("bytecode:"));
  // A message binding (unpacked from Any) compared with a literal.
  EXPECT_EQ(
      Run("expr: \"x == timestamp('1970-01-01T00:00:05Z')\" type_env { name: "
          "'x' ident { type { message_type: 'google.protobuf.Timestamp' } } } "
          "bindings { key: 'x' value { value { object_value { "
          "[type.googleapis.com/google.protobuf.Timestamp] { seconds: 5 } } } "
          "} }")
          .verdict,
      Verdict::kPass);
  // Unchecked: an undeclared binding still resolves at run time.
  EXPECT_EQ(Run("expr: 'y + 1' disable_check: true bindings { key: 'y' value {"
                " value { int64_value: 1 } } } value { int64_value: 2 }")
                .verdict,
            Verdict::kPass);
}

TEST_F(EngineBackendTest, ErrorsAndTypes) {
  EXPECT_EQ(Run("expr: '1 / 0' eval_error { errors { message: 'x' } }").verdict,
            Verdict::kPass);
  Outcome o = Run("expr: '1 / 1' eval_error { errors { message: 'x' } }");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_THAT(o.reason, StartsWith("want an error, got 1"));
  o = Run("expr: '1 / 0' value { int64_value: 1 }");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_THAT(o.reason, StartsWith("eval error: "));
  o = Run("expr: '1 +' value { int64_value: 1 }");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_THAT(o.reason, StartsWith("compile error: "));
  EXPECT_EQ(Run("expr: \"'a'\" check_only: true typed_result { deduced_type {"
                " primitive: STRING } }")
                .verdict,
            Verdict::kPass);
  o =
      Run("expr: \"'a'\" check_only: true typed_result { deduced_type {"
          " primitive: INT64 } }");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_EQ(o.reason, "type: want int, got string");
  // typed_result checks the value too.
  o =
      Run("expr: '7' typed_result { result { int64_value: 8 } deduced_type {"
          " primitive: INT64 } }");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_EQ(Run("expr: 'x' unknown { exprs: 1 }").verdict, Verdict::kSkip);
}

TEST_F(EngineBackendTest, CheckOnlyTestsUseDeclaredFunctions) {
  const std::string fn =
      "type_env { name: 'fn' function { overloads { overload_id: 'fn_s_i' "
      "params { primitive: STRING } params { primitive: INT64 } result_type {"
      " primitive: STRING } } } } ";
  EXPECT_EQ(Run("expr: \"fn('a', 1)\" check_only: true " + fn +
                "typed_result { deduced_type { primitive: STRING } }")
                .verdict,
            Verdict::kPass);
  Outcome o = Run("expr: \"fn('a', 1)\" check_only: true " + fn +
                  "typed_result { deduced_type { primitive: INT64 } }");
  EXPECT_EQ(o.reason, "type: want int, got string");
  o = Run("expr: \"fn(1, 1)\" check_only: true " + fn +
          "typed_result { deduced_type { primitive: STRING } }");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_THAT(o.reason, StartsWith("check error: "));
  // Evaluating a host function is impossible: skipped, not failed/passed.
  o = Run("expr: \"fn('a', 1)\" " + fn + "value { string_value: 'a' }");
  EXPECT_EQ(o.verdict, Verdict::kSkip);
}

TEST_F(EngineBackendTest, BudgetStopsLongEvaluations) {
  options_.instruction_budget = 50;
  // 10 x 10 comprehension steps cannot fit in 50 instructions.
  const char* big =
      "expr: '[0,1,2,3,4,5,6,7,8,9].all(i, [0,1,2,3,4,5,6,7,8,9].all(j, "
      "i + j >= 0))'";
  Outcome o = Run(big);
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_THAT(o.reason, StartsWith("eval error: "));
}

// Strong enums only in the enums file's strong_* sections; everywhere else
// enums are ints. Results, bindings and types convert both ways.
TEST_F(EngineBackendTest, StrongEnumsOnlyInStrongSections) {
  const std::string kConst = "expr: 'cel.expr.Type.PrimitiveType.INT64' ";
  const std::string kTyped =
      "value { enum_value { type: 'cel.expr.Type.PrimitiveType' value: 2 } }";
  const std::string kInt = "value { int64_value: 2 }";
  EXPECT_EQ(RunIn("enums", "strong_x", kConst + kTyped).verdict, Verdict::kPass)
      << last_details_;
  EXPECT_EQ(RunIn("enums", "strong_x", kConst + kInt).verdict, Verdict::kFail);
  EXPECT_EQ(RunIn("enums", "legacy_x", kConst + kInt).verdict, Verdict::kPass);
  EXPECT_EQ(RunIn("enums", "legacy_x", kConst + kTyped).verdict,
            Verdict::kFail);
  EXPECT_EQ(RunIn("other", "strong_x", kConst + kInt).verdict, Verdict::kPass);

  // Field reads, types and conversions.
  EXPECT_EQ(RunIn("enums", "strong_x",
                  "expr: 'cel.expr.Type{primitive: "
                  "cel.expr.Type.PrimitiveType(1)}.primitive' value { "
                  "enum_value { type: 'cel.expr.Type.PrimitiveType' value: 1 "
                  "} }")
                .verdict,
            Verdict::kPass)
      << last_details_;
  EXPECT_EQ(RunIn("enums", "strong_x",
                  "expr: 'type(cel.expr.Type.PrimitiveType.BOOL)' value { "
                  "type_value: 'cel.expr.Type.PrimitiveType' }")
                .verdict,
            Verdict::kPass)
      << last_details_;
  EXPECT_EQ(RunIn("enums", "strong_x",
                  "expr: 'cel.expr.Type.PrimitiveType(5000000000)' "
                  "eval_error { errors { message: 'range' } }")
                .verdict,
            Verdict::kPass)
      << last_details_;

  // A bound enum_value is a typed enum in strong sections, an int elsewhere.
  const std::string kBound =
      "bindings { key: 'x' value { value { enum_value { type: "
      "'cel.expr.Type.PrimitiveType' value: 3 } } } } ";
  EXPECT_EQ(RunIn("enums", "strong_x",
                  "expr: 'x == cel.expr.Type.PrimitiveType.UINT64 && int(x) "
                  "== 3' disable_check: true " +
                      kBound)
                .verdict,
            Verdict::kPass)
      << last_details_;
  EXPECT_EQ(
      RunIn("enums", "legacy_x", "expr: 'x == 3' disable_check: true " + kBound)
          .verdict,
      Verdict::kPass)
      << last_details_;
}

}  // namespace
}  // namespace onus::conformance
