#include "engine/value_format.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace onus::engine {
namespace {

TEST(ValueFormatTest, Scalars) {
  EXPECT_EQ(FormatValue(Value::Null()), "null");
  EXPECT_EQ(FormatValue(Value::Bool(true)), "true");
  EXPECT_EQ(FormatValue(Value::Int(-5)), "-5");
  EXPECT_EQ(FormatValue(Value::Uint(1)), "1u");
  EXPECT_EQ(FormatValue(Value::Double(1.5)), "1.5");
  EXPECT_EQ(FormatValue(Value::Double(1)), "1.0");
  EXPECT_EQ(FormatValue(Value::Double(1e21)), "1e+21");
  EXPECT_EQ(FormatValue(Value::Double(1e-7)), "1e-07");
  EXPECT_EQ(FormatValue(Value::Double(0.0001)), "0.0001");
  EXPECT_EQ(FormatValue(Value::Double(std::nan(""))), "NaN");
  EXPECT_EQ(
      FormatValue(Value::Double(-std::numeric_limits<double>::infinity())),
      "-Inf");
  EXPECT_EQ(FormatValue(Value::String("a\"b\n")), "\"a\\\"b\\n\"");
  EXPECT_EQ(FormatValue(Value::String("\xc3\xa9")), "\"\xc3\xa9\"");
  EXPECT_EQ(FormatValue(Value::Bytes(absl::string_view("\x00z", 2))),
            "b\"\\x00z\"");
}

TEST(ValueFormatTest, TimeValues) {
  EXPECT_EQ(FormatValue(Value::Timestamp(0, 0)),
            "timestamp(\"1970-01-01T00:00:00Z\")");
  EXPECT_EQ(FormatValue(Value::Timestamp(-62135596800, 500000000)),
            "timestamp(\"0001-01-01T00:00:00.5Z\")");
  EXPECT_EQ(FormatValue(Value::Duration(-1, -500000000)),
            "duration(\"-1.5s\")");
  EXPECT_EQ(FormatValue(Value::Duration(0, -1)), "duration(\"-0.000000001s\")");
  EXPECT_EQ(FormatValue(Value::Duration(3600, 0)), "duration(\"3600s\")");
}

TEST(ValueFormatTest, StringConversionDoubles) {
  auto str = [](double d) {
    std::string s;
    AppendDoubleString(d, &s);
    return s;
  };
  EXPECT_EQ(str(1.0), "1");
  EXPECT_EQ(str(-1.5), "-1.5");
  EXPECT_EQ(str(123456), "123456");
  EXPECT_EQ(str(1e6), "1e+06");
  EXPECT_EQ(str(1.25e-5), "1.25e-05");
  EXPECT_EQ(str(0.1), "0.1");
}

TEST(ValueFormatTest, Containers) {
  Arena arena;
  Value items[] = {Value::Int(1), Value::String("x")};
  Value list = MakeList(arena, items, 2);
  EXPECT_EQ(FormatValue(list), "[1, \"x\"]");
  Value keys[] = {Value::String("k")};
  Value vals[] = {list};
  EXPECT_EQ(FormatValue(MakeMap(arena, keys, vals, 1)), "{\"k\": [1, \"x\"]}");
  EXPECT_EQ(FormatValue(MakeOptional(arena, true, Value::Int(1))),
            "optional.of(1)");
  EXPECT_EQ(FormatValue(MakeOptional(arena, false, Value())),
            "optional.none()");
  EXPECT_EQ(FormatValue(Value::Type(BuiltinType(Kind::kInt))), "int");
  EXPECT_EQ(FormatValue(MakeError(arena, ErrorCode::kGeneric, "bad")),
            "error(bad)");
}

TEST(ValueFormatTest, DeepNestingIsCut) {
  Arena arena;
  Value v = Value::Int(1);
  for (int i = 0; i < 100; ++i) v = MakeList(arena, &v, 1);
  std::string s = FormatValue(v);
  EXPECT_NE(s.find("..."), std::string::npos);
  EXPECT_LT(s.size(), 100u);
}

}  // namespace
}  // namespace onus::engine
