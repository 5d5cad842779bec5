#include <cmath>
#include <limits>
#include <string>

#include "engine/builtins/test_util.h"
#include "gmock/gmock.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ConversionsTest : public BuiltinTest {};

TEST_F(ConversionsTest, ToInt) {
  struct Case {
    Value in;
    const char* want;
  };
  const Case cases[] = {
      {I(5), "5"},
      {U(9223372036854775807ull), "9223372036854775807"},
      {U(9223372036854775808ull), "error(range error converting uint to int)"},
      {D(-1.9), "-1"},
      {D(1.9), "1"},
      {D(9223372036854775808.0), "error(range error converting double to int)"},
      {D(-9223372036854777856.0),
       "error(range error converting double to int)"},
      {D(std::nan("")), "error(range error converting double to int)"},
      {D(std::numeric_limits<double>::infinity()),
       "error(range error converting double to int)"},
      {S("-42"), "-42"},
      {S("+42"), "42"},
      {S("9223372036854775807"), "9223372036854775807"},
      {S("9223372036854775808"), "error(range error converting string to int)"},
      {S(" 1"), "error(cannot convert string to int: \" 1\")"},
      {S("1.0"), "error(cannot convert string to int: \"1.0\")"},
      {S(""), "error(cannot convert string to int: \"\")"},
      {Value::Timestamp(1700000000, 5), "1700000000"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(F(Call("int", {c.in})), c.want) << F(c.in);
  }
  EXPECT_THAT(F(Call("int", {Value::Bool(true)})),
              HasSubstr("no matching overload for 'int' applied to (bool)"));
}

TEST_F(ConversionsTest, ToUintAndDouble) {
  EXPECT_EQ(F(Call("uint", {I(3)})), "3u");
  EXPECT_THAT(F(Call("uint", {I(-1)})), HasSubstr("range error"));
  EXPECT_EQ(F(Call("uint", {D(1.5)})), "1u");
  EXPECT_THAT(F(Call("uint", {D(-1.0)})), HasSubstr("range error"));
  EXPECT_THAT(F(Call("uint", {D(-0.5)})), HasSubstr("range error"));
  EXPECT_EQ(F(Call("uint", {D(-0.0)})), "0u");
  EXPECT_THAT(F(Call("uint", {D(18446744073709551616.0)})),
              HasSubstr("range error"));
  EXPECT_EQ(F(Call("uint", {S("18446744073709551615")})),
            "18446744073709551615u");
  EXPECT_THAT(F(Call("uint", {S("18446744073709551616")})),
              HasSubstr("range error"));
  EXPECT_THAT(F(Call("uint", {S("-1")})), HasSubstr("cannot convert"));

  EXPECT_EQ(Call("double", {I(-3)}).d, -3.0);
  EXPECT_EQ(Call("double", {U(18446744073709551615ull)}).d,
            18446744073709551616.0);
  EXPECT_EQ(Call("double", {S("1e3")}).d, 1000.0);
  EXPECT_EQ(Call("double", {S("-0.5")}).d, -0.5);
  EXPECT_EQ(Call("double", {S("+2")}).d, 2.0);
  EXPECT_EQ(Call("double", {S("inf")}).d,
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(Call("double", {S("-Infinity")}).d,
            -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(Call("double", {S("NaN")}).d));
  EXPECT_THAT(F(Call("double", {S("1e400")})), HasSubstr("cannot convert"));
  EXPECT_THAT(F(Call("double", {S("abc")})), HasSubstr("cannot convert"));
  EXPECT_THAT(F(Call("double", {S("")})), HasSubstr("cannot convert"));
}

TEST_F(ConversionsTest, ToStringAndBytes) {
  EXPECT_EQ(F(Call("string", {I(-7)})), "\"-7\"");
  EXPECT_EQ(F(Call("string", {U(7)})), "\"7\"");
  EXPECT_EQ(F(Call("string", {D(1.5)})), "\"1.5\"");
  EXPECT_EQ(F(Call("string", {D(1e6)})), "\"1e+06\"");
  EXPECT_EQ(F(Call("string", {Value::Bool(false)})), "\"false\"");
  EXPECT_EQ(F(Call("string", {B("h\xc3\xa9")})), "\"h\xc3\xa9\"");
  EXPECT_THAT(F(Call("string", {B("\xff")})), HasSubstr("invalid UTF-8"));
  EXPECT_EQ(F(Call("string", {Value::Timestamp(1, 250000000)})),
            "\"1970-01-01T00:00:01.25Z\"");
  EXPECT_EQ(F(Call("string", {Value::Duration(61, 1000000)})), "\"61.001s\"");
  EXPECT_EQ(F(Call("bytes", {S("abc")})), "b\"abc\"");
  EXPECT_THAT(F(Call("string", {L({})})), HasSubstr("no matching overload"));
}

TEST_F(ConversionsTest, ToBool) {
  for (const char* t : {"1", "t", "true", "TRUE", "True"}) {
    Value r = Call("bool", {S(t)});
    ASSERT_EQ(r.kind, Kind::kBool) << t;
    EXPECT_TRUE(r.b) << t;
  }
  for (const char* f : {"0", "f", "false", "FALSE", "False"}) {
    Value r = Call("bool", {S(f)});
    ASSERT_EQ(r.kind, Kind::kBool) << f;
    EXPECT_FALSE(r.b) << f;
  }
  EXPECT_THAT(F(Call("bool", {S("yes")})), HasSubstr("cannot convert"));
  EXPECT_THAT(F(Call("bool", {S("tRuE")})), HasSubstr("cannot convert"));
}

TEST_F(ConversionsTest, Timestamps) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"2009-02-13T23:31:30Z", "timestamp(\"2009-02-13T23:31:30Z\")"},
      {"2009-02-13T23:31:30.123456789Z",
       "timestamp(\"2009-02-13T23:31:30.123456789Z\")"},
      {"2009-02-13T15:31:30-08:00", "timestamp(\"2009-02-13T23:31:30Z\")"},
      {"2009-02-14T05:01:30+05:30", "timestamp(\"2009-02-13T23:31:30Z\")"},
      {"0001-01-01T00:00:00Z", "timestamp(\"0001-01-01T00:00:00Z\")"},
      {"9999-12-31T23:59:59.999999999Z",
       "timestamp(\"9999-12-31T23:59:59.999999999Z\")"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(F(Call("timestamp", {S(c.in)})), c.want) << c.in;
  }
  for (const char* bad : {"2009-02-13", "not a time", "2009-02-13T23:31:30"}) {
    EXPECT_THAT(F(Call("timestamp", {S(bad)})), StartsWith("error(invalid"))
        << bad;
  }
  for (const char* far : {"0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z",
                          "9999-12-31T23:59:59-01:00"}) {
    EXPECT_THAT(F(Call("timestamp", {S(far)})), HasSubstr("out of range"))
        << far;
  }
  EXPECT_EQ(F(Call("timestamp", {I(0)})),
            "timestamp(\"1970-01-01T00:00:00Z\")");
  EXPECT_THAT(F(Call("timestamp", {I(253402300800)})), HasSubstr("range"));
  EXPECT_EQ(Call("int", {Call("timestamp", {S("1970-01-01T00:01:00Z")})}).i,
            60);
}

TEST_F(ConversionsTest, Durations) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"1h2m3.5s", "duration(\"3723.5s\")"},
      {"-1.5s", "duration(\"-1.5s\")"},
      {"100ms", "duration(\"0.1s\")"},
      {"3us", "duration(\"0.000003s\")"},
      {"5ns", "duration(\"0.000000005s\")"},
      {"0", "duration(\"0s\")"},
      {"1m1ms", "duration(\"60.001s\")"},
      {"315576000000s", "duration(\"315576000000s\")"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(F(Call("duration", {S(c.in)})), c.want) << c.in;
  }
  for (const char* bad :
       {"", "1", "1x", "s", "1.s1", "--1s", "315576000001s"}) {
    EXPECT_THAT(F(Call("duration", {S(bad)})), StartsWith("error(")) << bad;
  }
}

TEST_F(ConversionsTest, TimeArithmetic) {
  Value t = Call("timestamp", {S("2023-01-01T00:00:00Z")});
  Value d = Call("duration", {S("1.5s")});
  EXPECT_EQ(F(Call("_+_", {t, d})), "timestamp(\"2023-01-01T00:00:01.5Z\")");
  EXPECT_EQ(F(Call("_+_", {d, t})), "timestamp(\"2023-01-01T00:00:01.5Z\")");
  EXPECT_EQ(F(Call("_-_", {t, d})), "timestamp(\"2022-12-31T23:59:58.5Z\")");
  EXPECT_EQ(F(Call("_-_", {t, Call("_+_", {t, d})})), "duration(\"-1.5s\")");
  EXPECT_EQ(F(Call("_+_", {d, d})), "duration(\"3s\")");
  EXPECT_EQ(F(Call("-_", {d})), "duration(\"-1.5s\")");
  Value max = Call("timestamp", {S("9999-12-31T23:59:59Z")});
  EXPECT_EQ(F(Call("_+_", {max, Call("duration", {S("1s")})})),
            "error(timestamp out of range)");
  Value min = Call("timestamp", {S("0001-01-01T00:00:00Z")});
  // Timestamp differences must fit in int64 nanoseconds (cel-go).
  EXPECT_EQ(F(Call("_-_", {max, min})), "error(duration out of range)");
  EXPECT_EQ(
      F(Call("_-_", {max, Call("timestamp", {S("9800-01-01T00:00:00Z")})})),
      "duration(\"6311347199s\")");
  Value big = Call("duration", {S("315576000000s")});
  EXPECT_EQ(F(Call("_+_", {big, big})), "error(duration out of range)");
  EXPECT_TRUE(Call("_<_", {t, Call("_+_", {t, d})}).b);
}

TEST_F(ConversionsTest, TypesAndDyn) {
  EXPECT_EQ(F(Call("type", {I(1)})), "int");
  EXPECT_EQ(F(Call("type", {U(1)})), "uint");
  EXPECT_EQ(F(Call("type", {Value::Null()})), "null_type");
  EXPECT_EQ(F(Call("type", {L({})})), "list");
  EXPECT_EQ(F(Call("type", {Call("type", {I(1)})})), "type");
  EXPECT_EQ(F(Call("type", {Value::Timestamp(0, 0)})),
            "google.protobuf.Timestamp");
  EXPECT_TRUE(
      Call("_==_", {Call("type", {I(1)}), Value::Type(BuiltinType(Kind::kInt))})
          .b);
  EXPECT_FALSE(Call("_==_", {Call("type", {I(1)}), Call("type", {U(1)})}).b);
  EXPECT_EQ(F(Call("dyn", {S("x")})), "\"x\"");
  Value err = StaticError(ErrorCode::kGeneric, "e");
  EXPECT_TRUE(Call("int", {err}).is_error());
  EXPECT_EQ(Call("int", {err}).err, err.err);
}

}  // namespace
}  // namespace onus::engine
