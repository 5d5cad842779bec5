#include <string>
#include <thread>
#include <vector>

#include "engine/builtins/regex.h"
#include "engine/builtins/test_util.h"
#include "gmock/gmock.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class StringsTest : public BuiltinTest {};

TEST_F(StringsTest, CorePredicates) {
  EXPECT_TRUE(Recv("contains", {S("hello"), S("ell")}).b);
  EXPECT_FALSE(Recv("contains", {S("hello"), S("xyz")}).b);
  EXPECT_TRUE(Recv("contains", {S("hello"), S("")}).b);
  EXPECT_TRUE(Recv("startsWith", {S("hello"), S("he")}).b);
  EXPECT_FALSE(Recv("startsWith", {S("hello"), S("lo")}).b);
  EXPECT_TRUE(Recv("endsWith", {S("hello"), S("lo")}).b);
  EXPECT_THAT(F(Recv("contains", {I(1), S("a")})),
              HasSubstr("no matching overload for 'contains'"));
}

TEST_F(StringsTest, Matches) {
  EXPECT_TRUE(Recv("matches", {S("arn:aws:iam::123:role/x"),
                               S("^arn:aws:iam::[0-9]+:role/")})
                  .b);
  EXPECT_TRUE(Call("matches", {S("abc"), S("b")}).b);  // partial match
  EXPECT_FALSE(Recv("matches", {S("abc"), S("^b")}).b);
  EXPECT_TRUE(Recv("matches", {S("h\xc3\xa9llo"), S("^h.llo$")}).b);
  Value bad = Recv("matches", {S("abc"), S("(")});
  ASSERT_TRUE(bad.is_error());
  EXPECT_THAT(std::string(bad.err->text()),
              StartsWith("invalid regular expression \"(\""));
  // Cached: the same pattern compiles once per thread.
  std::string err;
  const RE2* a = CompiledRegex("x+y", &err);
  const RE2* b = CompiledRegex("x+y", &err);
  EXPECT_EQ(a, b);
  // Eviction keeps working past the cache size.
  for (int i = 0; i < 3 * kRegexCacheSize; ++i) {
    ASSERT_NE(CompiledRegex("p" + std::to_string(i), &err), nullptr);
  }
  EXPECT_TRUE(Recv("matches", {S("xxy"), S("x+y")}).b);
}

TEST_F(StringsTest, RegexCacheIsPerThread) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      std::string err;
      for (int i = 0; i < 200; ++i) {
        const RE2* re =
            CompiledRegex("a{" + std::to_string(i % 70) + "}", &err);
        if (re != nullptr && RE2::FullMatch(std::string(i % 70, 'a'), *re)) {
          ++ok[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : ok) EXPECT_EQ(n, 200);
}

TEST_F(StringsTest, SizeCountsCodePointsAtEveryAlignment) {
  const std::string pieces[] = {"a", "\xc3\xa9", "\xe2\x82\xac",
                                "\xf0\x9f\x98\x80"};
  std::string s;
  int64_t want = 0;
  for (int i = 0; i < 200; ++i) {
    s += pieces[(i * 7) % 4];
    ++want;
    ASSERT_EQ(Call("size", {S(s)}).i, want) << i;
  }
}

TEST_F(StringsTest, CodePointIndices) {
  Value s =
      S("t\xc3\xa1"
        "co\xf0\x9f\x98\x80");  // "táco😀"
  EXPECT_EQ(F(Recv("charAt", {s, I(1)})), "\"\xc3\xa1\"");
  EXPECT_EQ(F(Recv("charAt", {s, I(4)})), "\"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(F(Recv("charAt", {s, I(5)})), "\"\"");
  EXPECT_EQ(F(Recv("charAt", {s, I(6)})), "error(index out of range: 6)");
  EXPECT_EQ(F(Recv("charAt", {s, I(-1)})), "error(index out of range: -1)");
  EXPECT_EQ(Recv("indexOf", {s, S("co")}).i, 2);
  EXPECT_EQ(Recv("indexOf", {s, S("\xf0\x9f\x98\x80")}).i, 4);
  EXPECT_EQ(Recv("indexOf", {s, S("")}).i, 0);
  EXPECT_EQ(Recv("indexOf", {s, S("x")}).i, -1);
  EXPECT_EQ(Recv("indexOf", {S("tacocat"), S("a"), I(2)}).i, 5);
  EXPECT_EQ(F(Recv("indexOf", {S("tacocat"), S("a"), I(30)})),
            "error(index out of range: 30)");
  EXPECT_EQ(Recv("lastIndexOf", {S("tacocat"), S("a")}).i, 5);
  EXPECT_EQ(Recv("lastIndexOf", {S("tacocat"), S("a"), I(4)}).i, 1);
  EXPECT_EQ(Recv("lastIndexOf", {S("tacocat"), S("")}).i, 7);
  EXPECT_EQ(Recv("lastIndexOf", {s, S("c")}).i, 2);
  EXPECT_EQ(F(Recv("lastIndexOf", {S("tacocat"), S("a"), I(-1)})),
            "error(index out of range: -1)");
  EXPECT_EQ(F(Recv("substring", {s, I(1), I(3)})),
            "\"\xc3\xa1"
            "c\"");
  EXPECT_EQ(F(Recv("substring", {s, I(4)})), "\"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(F(Recv("substring", {s, I(5)})), "\"\"");
  EXPECT_EQ(F(Recv("substring", {S("tacocat"), I(40)})),
            "error(index out of range: 40)");
  EXPECT_EQ(F(Recv("substring", {S("tacocat"), I(1), I(50)})),
            "error(index out of range: 50)");
  EXPECT_EQ(F(Recv("substring", {S("tacocat"), I(4), I(3)})),
            "error(invalid substring range. start: 4, end: 3)");
  EXPECT_EQ(F(Recv("reverse", {s})), "\"\xf0\x9f\x98\x80oc\xc3\xa1t\"");
}

TEST_F(StringsTest, CaseTrimReplaceSplitJoin) {
  EXPECT_EQ(F(Recv("lowerAscii", {S("TacoCAT \xc3\x89")})),
            "\"tacocat \xc3\x89\"");
  EXPECT_EQ(F(Recv("upperAscii", {S("tacoCat")})), "\"TACOCAT\"");
  EXPECT_EQ(F(Recv("trim", {S(" \t\n\xe2\x80\x83x y\xc2\xa0 ")})), "\"x y\"");
  EXPECT_EQ(F(Recv("trim", {S("   ")})), "\"\"");
  EXPECT_EQ(F(Recv("replace", {S("hello hello"), S("he"), S("we")})),
            "\"wello wello\"");
  EXPECT_EQ(F(Recv("replace", {S("hello hello"), S("he"), S("we"), I(1)})),
            "\"wello hello\"");
  EXPECT_EQ(F(Recv("replace", {S("hello"), S("he"), S("we"), I(0)})),
            "\"hello\"");
  EXPECT_EQ(F(Recv("replace", {S("ab"), S(""), S("-")})), "\"-a-b-\"");
  EXPECT_EQ(F(Recv("split", {S("a,b,,c"), S(",")})),
            "[\"a\", \"b\", \"\", \"c\"]");
  EXPECT_EQ(F(Recv("split", {S("a,b,c"), S(","), I(2)})), "[\"a\", \"b,c\"]");
  EXPECT_EQ(F(Recv("split", {S("a,b,c"), S(","), I(0)})), "[]");
  EXPECT_EQ(F(Recv("split", {S("a,b,c"), S(","), I(1)})), "[\"a,b,c\"]");
  EXPECT_EQ(F(Recv("split", {S("h\xc3\xa9y"), S("")})),
            "[\"h\", \"\xc3\xa9\", \"y\"]");
  EXPECT_EQ(F(Recv("split", {S(""), S(",")})), "[\"\"]");
  EXPECT_EQ(F(Recv("join", {L({S("a"), S("b")})})), "\"ab\"");
  EXPECT_EQ(F(Recv("join", {L({S("a"), S("b")}), S(", ")})), "\"a, b\"");
  EXPECT_EQ(F(Recv("join", {L({})})), "\"\"");
  EXPECT_THAT(F(Recv("join", {L({S("a"), I(1)})})), HasSubstr("want string"));
  EXPECT_THAT(F(Recv("replace", {S("42"), I(2), I(1)})),
              HasSubstr("no matching overload"));
}

TEST_F(StringsTest, Quote) {
  EXPECT_EQ(F(Call("strings.quote", {S("a\"b\\c\n\t")})),
            "\"\\\"a\\\\\\\"b\\\\\\\\c\\\\n\\\\t\\\"\"");
  Value q = Call("strings.quote", {S("\xf0\x9f\x90\xb1")});
  EXPECT_EQ(q.string_view(), "\"\xf0\x9f\x90\xb1\"");
  EXPECT_EQ(Call("strings.quote", {S("")}).string_view(), "\"\"");
  // Invalid UTF-8 becomes U+FFFD.
  EXPECT_EQ(Call("strings.quote", {S("a\xff")}).string_view(),
            "\"a\xef\xbf\xbd\"");
}

TEST_F(StringsTest, Format) {
  struct Case {
    const char* fmt;
    std::vector<Value> args;
    const char* want;
  };
  const std::vector<Case> cases = {
      {"no substitution", {}, "no substitution"},
      {"%% and %s%%", {S("x")}, "% and x%"},
      {"%d %s", {I(-3), S("a")}, "-3 a"},
      {"%d", {U(64)}, "64"},
      {"%.3f", {D(1.2345)}, "1.234"},
      {"%f", {D(2.71828)}, "2.718280"},
      {"%f", {I(2)}, "2.000000"},
      {"%e", {D(2.71828)}, "2.718280e+00"},
      {"%.6e", {D(1052.032911275)}, "1.052033e+03"},
      {"%f %e %d",
       {D(std::nan("")), D(1.0 / 0.0), D(-1.0 / 0.0)},
       "NaN Infinity -Infinity"},
      {"%b %b %b", {I(5), U(64), Value::Bool(true)}, "101 1000000 1"},
      {"%o", {I(11)}, "13"},
      {"%x %X", {I(30), U(6000)}, "1e 1770"},
      {"%x", {I(-255)}, "-ff"},
      {"%x", {S("Hello world!")}, "48656c6c6f20776f726c6421"},
      {"%X", {B("byte string")}, "6279746520737472696E67"},
      {"%s", {Value::Null()}, "null"},
      {"%s", {B("xyz")}, "xyz"},
      {"%s, %s", {Value::Bool(true), D(56.8)}, "true, 56.8"},
      {"%s", {Value::Type(BuiltinType(Kind::kString))}, "string"},
      {"%s", {Value::Duration(6347, 0)}, "6347s"},
      {"%s", {Value::Timestamp(1675467080, 0)}, "2023-02-03T23:31:20Z"},
      {"%s",
       {L({S("abc"), D(3.14), Value::Null(), L({I(9), I(8)}),
           Value::Timestamp(1675467080, 0)})},
       "[abc, 3.14, null, [9, 8], 2023-02-03T23:31:20Z]"},
      {"%s",
       {M({{S("strKey"), S("x")},
           {I(6), Value::Duration(422, 0)},
           {Value::Bool(true), I(42)}})},
       "{6: 422s, strKey: x, true: 42}"},
      {"%s", {L({D(std::nan("")), D(1.0 / 0.0)})}, "[NaN, Infinity]"},
  };
  for (const Case& c : cases) {
    Value r = Recv("format", {S(c.fmt), L(c.args)});
    ASSERT_EQ(r.kind, Kind::kString) << c.fmt << " -> " << F(r);
    EXPECT_EQ(r.string_view(), c.want) << c.fmt;
  }
  struct Bad {
    const char* fmt;
    std::vector<Value> args;
    const char* want;
  };
  const std::vector<Bad> bad = {
      {"%a",
       {I(1)},
       "could not parse formatting clause: unrecognized formatting clause "
       "\"a\""},
      {"%E", {D(1)}, "unrecognized formatting clause \"E\""},
      {"%d %d %d", {I(0), I(1)}, "index 2 out of range"},
      {"%b",
       {S("abc")},
       "only integers and bools can be formatted as binary, was given "
       "string"},
      {"%d",
       {Value::Duration(1802, 0)},
       "decimal clause can only be used on integers, was given "
       "google.protobuf.Duration"},
      {"%o", {S("s")}, "octal clause can only be used on integers"},
      {"%x",
       {D(0.5)},
       "only integers, byte buffers, and strings can be formatted as hex, was "
       "given double"},
      {"%e",
       {Value::Null()},
       "scientific clause can only be used on doubles, was given null_type"},
      {"%f", {Value::Null()}, "fixed-point clause can only be used on doubles"},
      {"%.2d", {I(1)}, "precision"},
      {"%", {}, "unexpected end"},
  };
  for (const Bad& b : bad) {
    Value r = Recv("format", {S(b.fmt), L(b.args)});
    ASSERT_TRUE(r.is_error()) << b.fmt << " -> " << F(r);
    EXPECT_THAT(std::string(r.err->text()), HasSubstr(b.want)) << b.fmt;
  }
}

TEST_F(StringsTest, FormatDeepNestingIsAnError) {
  Value v = I(1);
  for (int i = 0; i < 100; ++i) v = L({v});
  Value r = Recv("format", {S("%s"), L({v})});
  ASSERT_TRUE(r.is_error());
  EXPECT_THAT(std::string(r.err->text()), HasSubstr("nested too deeply"));
}

}  // namespace
}  // namespace onus::engine
