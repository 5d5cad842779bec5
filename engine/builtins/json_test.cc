#include "engine/builtins/json.h"

#include <string>

#include "engine/builtins/test_util.h"
#include "gmock/gmock.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;
using ::testing::HasSubstr;

class JsonTest : public BuiltinTest {
 protected:
  Value J(const std::string& s) { return Call("json.decode", {S(s)}); }
};

TEST_F(JsonTest, DecodesValues) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"1", "1.0"},
      {"-0.5e2", "-50.0"},
      {" true ", "true"},
      {"null", "null"},
      {"\"a\\n\\u00e9\\ud83d\\ude00\"", "\"a\\n\xc3\xa9\xf0\x9f\x98\x80\""},
      {"[]", "[]"},
      {"{}", "{}"},
      {"[1, \"x\", [null, {}]]", "[1.0, \"x\", [null, {}]]"},
      {"{\"a\": {\"b\": [true, false]}, \"c\": 2}",
       "{\"a\": {\"b\": [true, false]}, \"c\": 2.0}"},
  };
  for (const Case& c : cases) EXPECT_EQ(F(J(c.in)), c.want) << c.in;
}

TEST_F(JsonTest, IamPolicyDocument) {
  Value doc = J(R"({
    "Version": "2012-10-17",
    "Statement": [
      {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
       "Resource": "arn:aws:s3:::b/*"},
      {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::1:root"},
       "Action": "s3:*", "Resource": "*"}
    ]
  })");
  ASSERT_EQ(doc.kind, Kind::kMap) << F(doc);
  Value stmts = Call("_[_]", {doc, S("Statement")});
  ASSERT_EQ(stmts.kind, Kind::kList);
  EXPECT_EQ(stmts.list->size, 2u);
  Value first = Call("_[_]", {stmts, I(0)});
  EXPECT_EQ(F(Call("_[_]", {first, S("Principal")})), "\"*\"");
  EXPECT_TRUE(Call("@in", {S("Effect"), first}).b);
  EXPECT_TRUE(
      Call("@in", {S("s3:GetObject"), Call("_[_]", {first, S("Action")})}).b);
}

TEST_F(JsonTest, LargeObjectsAreIndexed) {
  std::string s = "{";
  for (int i = 0; i < 40; ++i) {
    if (i) s += ",";
    s += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  s += "}";
  Value m = J(s);
  ASSERT_EQ(m.kind, Kind::kMap);
  EXPECT_NE(m.map->index, nullptr);
  EXPECT_EQ(Call("_[_]", {m, S("k37")}).d, 37.0);
}

TEST_F(JsonTest, InvalidInputNamesTheOffset) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"", "unexpected end of input at byte offset 0"},
      {"[1,", "unexpected end of input at byte offset 3"},
      {"[1 2]", "expected ',' or ']' at byte offset 3"},
      {"{\"a\" 1}", "expected ':' at byte offset 5"},
      {"{1: 2}", "expected object key string at byte offset 1"},
      {"tru", "invalid literal at byte offset 0"},
      {"01", "invalid number at byte offset 0"},
      {"1.", "invalid number at byte offset 2"},
      {"1e999", "number out of range at byte offset 0"},
      {"\"abc", "unterminated string"},
      {"\"a\\x\"", "invalid escape at byte offset 3"},
      {"\"\\ud800\\u0041\"", "invalid surrogate pair"},
      {"1 2", "trailing data after value at byte offset 2"},
      {"{\"a\":1,\"a\":2}", "duplicate object key"},
      {"[1,]", "unexpected character ']' at byte offset 3"},
      {"\"\x01\"", "control character in string"},
  };
  for (const Case& c : cases) {
    Value v = J(c.in);
    ASSERT_TRUE(v.is_error()) << c.in << " -> " << F(v);
    EXPECT_THAT(std::string(v.err->text()), HasSubstr(c.want)) << c.in;
  }
  EXPECT_TRUE(J("\"\xff\"").is_error());
  EXPECT_THAT(F(Call("json.decode", {I(1)})), HasSubstr("no matching"));
}

TEST_F(JsonTest, NestingLimit) {
  std::string ok(kMaxJsonDepth, '[');
  ok += std::string(kMaxJsonDepth, ']');
  EXPECT_FALSE(J(ok).is_error());
  std::string deep(100000, '[');
  Value v = J(deep);
  ASSERT_TRUE(v.is_error());
  EXPECT_THAT(std::string(v.err->text()), HasSubstr("nesting deeper than 128"));
  std::string objs;
  for (int i = 0; i < 1000; ++i) objs += "{\"a\":";
  EXPECT_TRUE(J(objs).is_error());
}

TEST_F(JsonTest, Base64) {
  EXPECT_EQ(F(Call("base64.encode", {B("hello")})), "\"aGVsbG8=\"");
  EXPECT_EQ(F(Call("base64.encode", {B("")})), "\"\"");
  EXPECT_EQ(F(Call("base64.decode", {S("aGVsbG8=")})), "b\"hello\"");
  EXPECT_EQ(F(Call("base64.decode", {S("aGVsbG8")})), "b\"hello\"");
  EXPECT_EQ(F(Call("base64.decode", {S("")})), "b\"\"");
  EXPECT_THAT(F(Call("base64.decode", {S("a?b")})),
              HasSubstr("illegal base64"));
  EXPECT_THAT(F(Call("base64.encode", {S("x")})), HasSubstr("no matching"));
}

}  // namespace
}  // namespace onus::engine
