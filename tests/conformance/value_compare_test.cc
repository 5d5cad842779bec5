#include "tests/conformance/value_compare.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/test_util.h"

namespace onus::conformance {
namespace {

using ::testing::HasSubstr;

class CompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    suite_ = testing::MiniSuite();
    ASSERT_NE(suite_, nullptr);
  }
  absl::Status Cmp(const std::string& want, const std::string& got) {
    auto w = testing::Parse(*suite_, "cel.expr.Value", want);
    auto g = testing::Parse(*suite_, "cel.expr.Value", got);
    if (w == nullptr || g == nullptr) return absl::InternalError("parse");
    return CompareValues(*w, *g, suite_->factory());
  }
  std::unique_ptr<Suite> suite_;
};

TEST_F(CompareTest, ScalarsMatchOnlyWithTheSameKind) {
  EXPECT_TRUE(Cmp("int64_value: 1", "int64_value: 1").ok());
  EXPECT_FALSE(Cmp("int64_value: 1", "int64_value: 2").ok());
  // CEL says 1 == 1u, but the suite tests result types: a uint is wrong.
  absl::Status s = Cmp("int64_value: 1", "uint64_value: 1");
  EXPECT_TRUE(absl::IsNotFound(s));
  EXPECT_THAT(s.message(), HasSubstr("want int64_value: 1"));
  EXPECT_THAT(s.message(), HasSubstr("got uint64_value: 1"));
  EXPECT_TRUE(Cmp("null_value: NULL_VALUE", "null_value: NULL_VALUE").ok());
  EXPECT_FALSE(Cmp("null_value: NULL_VALUE", "bool_value: false").ok());
  EXPECT_TRUE(Cmp("bytes_value: '\\x00a'", "bytes_value: '\\x00a'").ok());
  EXPECT_FALSE(Cmp("bytes_value: 'a'", "string_value: 'a'").ok());
  EXPECT_TRUE(Cmp("type_value: 'int'", "type_value: 'int'").ok());
  EXPECT_FALSE(Cmp("type_value: 'int'", "type_value: 'uint'").ok());
  // An unset Value matches nothing, not even another unset one.
  EXPECT_FALSE(Cmp("", "").ok());
}

TEST_F(CompareTest, DoublesFollowCelEqualityWithNanMatchingNan) {
  EXPECT_TRUE(Cmp("double_value: nan", "double_value: nan").ok());
  EXPECT_FALSE(Cmp("double_value: nan", "double_value: 1").ok());
  EXPECT_TRUE(Cmp("double_value: -0.0", "double_value: 0.0").ok());
  EXPECT_TRUE(Cmp("double_value: inf", "double_value: inf").ok());
  EXPECT_FALSE(Cmp("double_value: inf", "double_value: -inf").ok());
  EXPECT_FALSE(
      Cmp("double_value: 0.1", "double_value: 0.10000000000000002").ok());
}

TEST_F(CompareTest, ListsAreOrderedAndReportThePath) {
  EXPECT_TRUE(Cmp("list_value { values { int64_value: 1 } values { "
                  "string_value: 'a' } }",
                  "list_value { values { int64_value: 1 } values { "
                  "string_value: 'a' } }")
                  .ok());
  absl::Status s =
      Cmp("list_value { values { int64_value: 1 } values { int64_value: 2 } }",
          "list_value { values { int64_value: 2 } values { int64_value: 1 } }");
  EXPECT_THAT(s.message(), HasSubstr("[0]: want int64_value: 1"));
  s = Cmp("list_value { values { int64_value: 1 } }", "list_value { }");
  EXPECT_THAT(s.message(), HasSubstr("want list of 1 elements, got 0"));
}

TEST_F(CompareTest, MapsAreUnordered) {
  const char* a =
      "map_value { entries { key { string_value: 'a' } value { int64_value: 1 "
      "} }"
      " entries { key { int64_value: 2 } value { bool_value: true } } }";
  const char* b =
      "map_value { entries { key { int64_value: 2 } value { bool_value: true } "
      "}"
      " entries { key { string_value: 'a' } value { int64_value: 1 } } }";
  EXPECT_TRUE(Cmp(a, b).ok());
  const char* wrong_value =
      "map_value { entries { key { int64_value: 2 } value { bool_value: false "
      "} }"
      " entries { key { string_value: 'a' } value { int64_value: 1 } } }";
  EXPECT_THAT(Cmp(a, wrong_value).message(),
              HasSubstr("want bool_value: true"));
  // Key kinds matter: 2u is not the key 2 here.
  const char* uint_key =
      "map_value { entries { key { uint64_value: 2 } value { bool_value: true "
      "} }"
      " entries { key { string_value: 'a' } value { int64_value: 1 } } }";
  EXPECT_THAT(Cmp(a, uint_key).message(), HasSubstr("key missing"));
}

TEST_F(CompareTest, ObjectsAreUnpackedAndComparedFieldByField) {
  auto ts = [](const std::string& body) {
    return "object_value { [type.googleapis.com/google.protobuf.Timestamp] { " +
           body + " } }";
  };
  EXPECT_TRUE(Cmp(ts("seconds: 5 nanos: 1"), ts("nanos: 1 seconds: 5")).ok());
  absl::Status s = Cmp(ts("seconds: 5"), ts("seconds: 6"));
  EXPECT_THAT(s.message(), HasSubstr("google.protobuf.Timestamp differs"));
  EXPECT_THAT(s.message(), HasSubstr("seconds"));
  s = Cmp(ts("seconds: 5"),
          "object_value { [type.googleapis.com/google.protobuf.Value] { "
          "number_value: 5 } }");
  EXPECT_THAT(
      s.message(),
      HasSubstr("want google.protobuf.Timestamp, got google.protobuf.Value"));
  s = Cmp(ts("seconds: 5"),
          "object_value { type_url: 'type.googleapis.com/no.Such' value: '' }");
  EXPECT_THAT(s.message(), HasSubstr("unknown message type"));
}

TEST_F(CompareTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "int64_value: 1";
  for (int i = 0; i < 200; ++i) deep = "list_value { values { " + deep + " } }";
  absl::Status s = Cmp(deep, deep);
  EXPECT_THAT(s.message(), HasSubstr("nested too deeply"));
}

TEST(ShortDebugStringTest, TruncatesWithEllipsis) {
  std::unique_ptr<Suite> suite = testing::MiniSuite();
  ASSERT_NE(suite, nullptr);
  auto v = testing::Parse(*suite, "cel.expr.Value",
                          "string_value: '" + std::string(300, 'x') + "'");
  std::string s = ShortDebugString(*v, 40);
  EXPECT_EQ(s.size(), 40u);
  EXPECT_EQ(s.substr(37), "...");
  EXPECT_EQ(ShortDebugString(
                *testing::Parse(*suite, "cel.expr.Value", "int64_value: 7")),
            "int64_value: 7");
}

}  // namespace
}  // namespace onus::conformance
