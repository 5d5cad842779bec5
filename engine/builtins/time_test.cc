#include <string>

#include "engine/builtins/test_util.h"
#include "gmock/gmock.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;
using ::testing::HasSubstr;

class TimeTest : public BuiltinTest {
 protected:
  Value T(const char* s) { return Call("timestamp", {S(s)}); }
  Value Dur(const char* s) { return Call("duration", {S(s)}); }
};

TEST_F(TimeTest, UtcGetters) {
  Value t = T("2009-02-13T23:31:30.123456789Z");  // a Friday
  struct Case {
    const char* fn;
    int64_t want;
  };
  const Case cases[] = {
      {"getFullYear", 2009},    {"getMonth", 1},    {"getDayOfYear", 43},
      {"getDayOfMonth", 12},    {"getDate", 13},    {"getDayOfWeek", 5},
      {"getHours", 23},         {"getMinutes", 31}, {"getSeconds", 30},
      {"getMilliseconds", 123},
  };
  for (const Case& c : cases) {
    Value r = Recv(c.fn, {t});
    ASSERT_EQ(r.kind, Kind::kInt) << c.fn << " " << F(r);
    EXPECT_EQ(r.i, c.want) << c.fn;
  }
  EXPECT_EQ(Recv("getDayOfWeek", {T("2023-01-01T00:00:00Z")}).i, 0);  // Sunday
  EXPECT_EQ(Recv("getDayOfYear", {T("2024-12-31T00:00:00Z")}).i, 365);
  EXPECT_EQ(Recv("getFullYear", {T("0001-01-01T00:00:00Z")}).i, 1);
}

TEST_F(TimeTest, TimeZones) {
  Value t = T("2009-02-13T23:31:30Z");
  struct Case {
    const char* fn;
    const char* tz;
    int64_t want;
  };
  const Case cases[] = {
      {"getDate", "Australia/Sydney", 14},
      {"getDayOfMonth", "US/Central", 12},
      {"getDayOfMonth", "+11:00", 13},
      {"getDayOfWeek", "UTC", 5},
      {"getFullYear", "-09:30", 2009},
      {"getHours", "02:00", 1},
      {"getHours", "America/Los_Angeles", 15},
      {"getMinutes", "Asia/Kathmandu", 16},
      {"getHours", "+05:30", 5},
      {"getSeconds", "-00:00", 30},
  };
  for (const Case& c : cases) {
    Value r = Recv(c.fn, {t, S(c.tz)});
    ASSERT_EQ(r.kind, Kind::kInt) << c.fn << "(" << c.tz << ") " << F(r);
    EXPECT_EQ(r.i, c.want) << c.fn << "(" << c.tz << ")";
  }
  EXPECT_EQ(Recv("getDayOfMonth", {T("2009-02-13T02:00:00Z"), S("-02:30")}).i,
            11);
  EXPECT_EQ(
      Recv("getDayOfMonth", {T("2009-02-13T02:00:00Z"), S("America/St_Johns")})
          .i,
      11);
  // Daylight saving time: July in Los Angeles is UTC-7.
  EXPECT_EQ(
      Recv("getHours", {T("2023-07-01T12:00:00Z"), S("America/Los_Angeles")}).i,
      5);
  EXPECT_THAT(F(Recv("getHours", {t, S("Mars/Olympus_Mons")})),
              HasSubstr("unknown time zone 'Mars/Olympus_Mons'"));
  for (const char* bad : {"../../etc/passwd", "/etc/localtime", "", "UTC ",
                          "America/../Europe/Paris"}) {
    EXPECT_THAT(F(Recv("getHours", {t, S(bad)})),
                HasSubstr("unknown time zone"))
        << bad;
  }
  EXPECT_EQ(Recv("getHours", {t, S("Etc/GMT+5")}).i, 18);
  EXPECT_THAT(F(Recv("getHours", {t, S("+25:00")})),
              HasSubstr("unknown time zone"));
  EXPECT_THAT(F(Recv("getHours", {t, I(1)})), HasSubstr("no matching"));
}

TEST_F(TimeTest, DurationGetters) {
  EXPECT_EQ(Recv("getHours", {Dur("10000s")}).i, 2);
  EXPECT_EQ(Recv("getMinutes", {Dur("3730s")}).i, 62);
  EXPECT_EQ(Recv("getSeconds", {Dur("3730s")}).i, 3730);
  EXPECT_EQ(Recv("getMilliseconds", {Dur("123.321456789s")}).i, 321);
  EXPECT_EQ(Recv("getHours", {Dur("-5400s")}).i, -1);  // truncates
  EXPECT_EQ(Recv("getSeconds", {Dur("-1.5s")}).i, -1);
  EXPECT_THAT(F(Recv("getHours", {Dur("1s"), S("UTC")})),
              HasSubstr("no matching"));
}

}  // namespace
}  // namespace onus::engine
