#include <cmath>
#include <limits>
#include <string>

#include "engine/builtins/test_util.h"
#include "gmock/gmock.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;
using ::testing::HasSubstr;

constexpr int64_t kMinI = std::numeric_limits<int64_t>::min();

class MathExtTest : public BuiltinTest {};

TEST_F(MathExtTest, GreatestAndLeast) {
  EXPECT_EQ(F(Call("math.greatest", {I(1)})), "1");
  EXPECT_EQ(F(Call("math.greatest", {I(1), D(2.5), U(2)})), "2.5");
  EXPECT_EQ(F(Call("math.least", {I(1), D(-2.5), U(2)})), "-2.5");
  EXPECT_EQ(F(Call("math.greatest", {U(3), I(3)})), "3u");  // first wins ties
  EXPECT_EQ(F(Call("math.greatest", {L({I(5), U(9), D(1)})})), "9u");
  EXPECT_EQ(F(Call("math.least", {L({I(5), U(9), D(1)})})), "1.0");
  EXPECT_EQ(F(Call("math.greatest", {I(-1), U(0)})), "0u");
  EXPECT_THAT(F(Call("math.greatest", {L({})})), HasSubstr("empty"));
  EXPECT_THAT(F(Call("math.least", {I(1), S("a")})),
              HasSubstr("argument 1 is string"));
  EXPECT_THAT(F(Call("math.greatest", {S("a")})), HasSubstr("argument 0"));
}

TEST_F(MathExtTest, Rounding) {
  EXPECT_EQ(Call("math.ceil", {D(1.2)}).d, 2.0);
  EXPECT_EQ(Call("math.floor", {D(-1.2)}).d, -2.0);
  EXPECT_EQ(Call("math.round", {D(2.5)}).d, 3.0);
  EXPECT_EQ(Call("math.round", {D(-2.5)}).d, -3.0);
  EXPECT_EQ(Call("math.trunc", {D(-1.9)}).d, -1.0);
  EXPECT_TRUE(std::isnan(Call("math.round", {D(std::nan(""))}).d));
  EXPECT_THAT(F(Call("math.ceil", {I(1)})), HasSubstr("no matching"));
}

TEST_F(MathExtTest, AbsSignAndClassification) {
  EXPECT_EQ(F(Call("math.abs", {I(-5)})), "5");
  EXPECT_EQ(F(Call("math.abs", {I(kMinI)})), "error(integer overflow)");
  EXPECT_EQ(F(Call("math.abs", {U(5)})), "5u");
  EXPECT_EQ(F(Call("math.abs", {D(-0.5)})), "0.5");
  EXPECT_EQ(F(Call("math.sign", {I(-5)})), "-1");
  EXPECT_EQ(F(Call("math.sign", {U(0)})), "0u");
  EXPECT_EQ(F(Call("math.sign", {D(3.5)})), "1.0");
  EXPECT_TRUE(Call("math.isInf", {D(-1.0 / 0.0)}).b);
  EXPECT_FALSE(Call("math.isInf", {D(1)}).b);
  EXPECT_TRUE(Call("math.isNaN", {D(std::nan(""))}).b);
  EXPECT_TRUE(Call("math.isFinite", {D(1)}).b);
  EXPECT_FALSE(Call("math.isFinite", {D(std::nan(""))}).b);
  EXPECT_THAT(F(Call("math.isNaN", {I(1)})), HasSubstr("no matching"));
  EXPECT_EQ(Call("math.sqrt", {I(16)}).d, 4.0);
  EXPECT_EQ(Call("math.sqrt", {U(2)}).d, std::sqrt(2.0));
  EXPECT_TRUE(std::isnan(Call("math.sqrt", {D(-1)}).d));
}

TEST_F(MathExtTest, BitOperations) {
  EXPECT_EQ(F(Call("math.bitAnd", {I(3), I(5)})), "1");
  EXPECT_EQ(F(Call("math.bitOr", {U(3), U(5)})), "7u");
  EXPECT_EQ(F(Call("math.bitXor", {I(3), I(5)})), "6");
  EXPECT_THAT(F(Call("math.bitAnd", {I(3), U(5)})), HasSubstr("no matching"));
  EXPECT_EQ(F(Call("math.bitNot", {I(1)})), "-2");
  EXPECT_EQ(F(Call("math.bitNot", {U(0)})), "18446744073709551615u");
  EXPECT_EQ(F(Call("math.bitShiftLeft", {I(1), I(2)})), "4");
  EXPECT_EQ(F(Call("math.bitShiftLeft", {I(1), I(64)})), "0");
  EXPECT_EQ(F(Call("math.bitShiftLeft", {I(1), I(63)})),
            "-9223372036854775808");
  // Logical right shift for ints (cel-go).
  EXPECT_EQ(F(Call("math.bitShiftRight", {I(-1024), I(3)})),
            "2305843009213693824");
  EXPECT_EQ(F(Call("math.bitShiftRight", {I(-1024), I(64)})), "0");
  EXPECT_EQ(F(Call("math.bitShiftRight", {I(1024), I(64)})), "0");
  EXPECT_EQ(F(Call("math.bitShiftLeft", {I(-1), I(200)})), "0");
  EXPECT_EQ(F(Call("math.bitShiftRight", {U(1024), I(200)})), "0u");
  EXPECT_THAT(F(Call("math.bitShiftLeft", {I(1), I(-1)})),
              HasSubstr("negative offset"));
}

}  // namespace
}  // namespace onus::engine
