#include "engine/builtins/ops.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "engine/builtins/test_util.h"
#include "gmock/gmock.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;
using ::testing::HasSubstr;

constexpr int64_t kMaxI = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinI = std::numeric_limits<int64_t>::min();
constexpr uint64_t kMaxU = std::numeric_limits<uint64_t>::max();
const double kNaN = std::nan("");
const double kInf = std::numeric_limits<double>::infinity();

class OpsTest : public BuiltinTest {};

TEST_F(OpsTest, IntegerArithmeticAndOverflowBoundaries) {
  struct Case {
    const char* op;
    Value a, b;
    const char* want;
  };
  const Case cases[] = {
      {"_+_", I(1), I(2), "3"},
      {"_+_", I(kMaxI), I(0), "9223372036854775807"},
      {"_+_", I(kMaxI), I(1), "error(integer overflow)"},
      {"_+_", I(kMinI), I(-1), "error(integer overflow)"},
      {"_-_", I(kMinI), I(1), "error(integer overflow)"},
      {"_-_", I(kMinI + 1), I(1), "-9223372036854775808"},
      {"_-_", I(0), I(kMinI), "error(integer overflow)"},
      {"_*_", I(kMaxI), I(2), "error(integer overflow)"},
      {"_*_", I(kMinI), I(-1), "error(integer overflow)"},
      {"_*_", I(-3), I(4), "-12"},
      {"_/_", I(kMinI), I(-1), "error(integer overflow)"},
      {"_/_", I(7), I(-2), "-3"},
      {"_/_", I(1), I(0), "error(division by zero)"},
      {"_%_", I(-7), I(2), "-1"},
      {"_%_", I(1), I(0), "error(modulus by zero)"},
      {"_%_", I(kMinI), I(-1), "error(integer overflow)"},
      {"_+_", U(kMaxU), U(1), "error(integer overflow)"},
      {"_+_", U(kMaxU - 1), U(1), "18446744073709551615u"},
      {"_-_", U(0), U(1), "error(integer overflow)"},
      {"_*_", U(1ull << 32), U(1ull << 32), "error(integer overflow)"},
      {"_/_", U(7), U(2), "3u"},
      {"_/_", U(7), U(0), "error(division by zero)"},
      {"_%_", U(7), U(0), "error(modulus by zero)"},
      {"_+_", I(1), U(1),
       "error(no matching overload for '_+_' applied to (int, uint))"},
      {"_*_", D(1), I(1),
       "error(no matching overload for '_*_' applied to (double, int))"},
      {"_%_", D(1), D(1),
       "error(no matching overload for '_%_' applied to (double, double))"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(F(Call(c.op, {c.a, c.b})), c.want)
        << c.op << " " << F(c.a) << " " << F(c.b);
  }
  EXPECT_EQ(F(Call("-_", {I(kMinI)})), "error(integer overflow)");
  EXPECT_EQ(F(Call("-_", {I(kMaxI)})), "-9223372036854775807");
  EXPECT_THAT(F(Call("-_", {U(1)})), HasSubstr("no matching overload"));
}

TEST_F(OpsTest, DoubleArithmeticIsIeee) {
  EXPECT_EQ(Call("_/_", {D(1), D(0)}).d, kInf);
  EXPECT_EQ(Call("_/_", {D(-1), D(0)}).d, -kInf);
  EXPECT_TRUE(std::isnan(Call("_/_", {D(0), D(0)}).d));
  EXPECT_EQ(Call("_+_", {D(0.5), D(0.25)}).d, 0.75);
  EXPECT_EQ(Call("-_", {D(2.5)}).d, -2.5);
}

TEST_F(OpsTest, Concatenation) {
  EXPECT_EQ(F(Call("_+_", {S("ab"), S("cd")})), "\"abcd\"");
  EXPECT_EQ(F(Call("_+_", {S(""), S("cd")})), "\"cd\"");
  EXPECT_EQ(F(Call("_+_", {B("a"), B("\xff")})), "b\"a\\xff\"");
  EXPECT_EQ(F(Call("_+_", {L({I(1)}), L({S("x"), I(2)})})), "[1, \"x\", 2]");
  EXPECT_THAT(F(Call("_+_", {S("a"), B("b")})),
              HasSubstr("applied to (string, bytes)"));
}

TEST_F(OpsTest, HeterogeneousEquality) {
  struct Case {
    Value a, b;
    bool want;
  };
  const Case cases[] = {
      {I(1), U(1), true},
      {I(1), D(1.0), true},
      {U(1), D(1.0), true},
      {I(1), D(1.5), false},
      {I(-1), U(kMaxU), false},
      // Lossy like cel-go: the integer converts to double near 2^63/2^64.
      {U(kMaxU), D(18446744073709551616.0), true},
      {I(kMaxI), D(9223372036854775807.0), true},  // 2^63 as a double
      {I(kMaxI), D(1e19), false},
      {U(1), D(-1.0), false},
      {D(kNaN), D(kNaN), false},
      {I(1), S("a"), false},
      {Value::Null(), Value::Null(), true},
      {Value::Null(), I(0), false},
      {S("a"), S("a"), true},
      {S("a"), B("a"), false},
      {Value::Bool(true), Value::Bool(true), true},
      {L({I(1), U(2)}), L({D(1.0), I(2)}), true},
      {L({I(1)}), L({S("a")}), false},
      {L({I(1)}), L({I(1), I(2)}), false},
      {M({{S("a"), I(1)}}), M({{S("a"), D(1.0)}}), true},
      {M({{I(1), S("x")}}), M({{U(1), S("x")}}), true},
      {M({{S("a"), I(1)}}), M({{S("b"), I(1)}}), false},
      {Value::Type(BuiltinType(Kind::kInt)),
       Value::Type(BuiltinType(Kind::kInt)), true},
      {Value::Type(BuiltinType(Kind::kInt)),
       Value::Type(BuiltinType(Kind::kUint)), false},
      {Value::Timestamp(1, 2), Value::Timestamp(1, 2), true},
      {Value::Duration(1, 2), Value::Duration(1, 3), false},
  };
  for (const Case& c : cases) {
    Value r = Call("_==_", {c.a, c.b});
    ASSERT_EQ(r.kind, Kind::kBool) << F(r);
    EXPECT_EQ(r.b, c.want) << F(c.a) << " == " << F(c.b);
    Value n = Call("_!=_", {c.a, c.b});
    EXPECT_EQ(n.b, !c.want);
  }
  Value err = StaticError(ErrorCode::kGeneric, "boom");
  EXPECT_TRUE(Call("_==_", {err, I(1)}).is_error());
}

TEST_F(OpsTest, HeterogeneousOrdering) {
  struct Case {
    const char* op;
    Value a, b;
    bool want;
  };
  const Case cases[] = {
      {"_<_", I(1), D(1.5), true},
      {"_<_", D(1.5), I(1), false},
      {"_<_", I(-1), U(0), true},
      {"_>_", U(kMaxU), I(kMaxI), true},
      {"_<=_", I(1), U(1), true},
      {"_>=_", D(1.0), U(1), true},
      {"_<_", I(kMaxI), D(9223372036854775808.0), false},  // lossy (cel-go)
      {"_>=_", I(kMaxI), D(9223372036854775808.0), true},
      {"_<_", I(kMaxI), D(1e19), true},
      {"_>_", I(kMinI), D(-1e19), true},
      {"_>_", U(0), D(-0.5), true},
      {"_<_", U(kMaxU), D(1e20), true},
      {"_<_", D(kNaN), I(1), false},
      {"_>=_", D(kNaN), I(1), false},
      {"_>_", D(kNaN), D(kNaN), false},
      {"_<_", S("a"), S("b"), true},
      {"_<_", S("abc"), S("ab"), false},
      {"_<_", S("\xc3\xa9"), S("z"), false},  // é after z by code point
      {"_<_", B("\x01"), B("\xff"), true},
      {"_<_", Value::Bool(false), Value::Bool(true), true},
      {"_<_", Value::Timestamp(1, 0), Value::Timestamp(1, 1), true},
      {"_>_", Value::Duration(-1, 0), Value::Duration(-2, 0), true},
  };
  for (const Case& c : cases) {
    Value r = Call(c.op, {c.a, c.b});
    ASSERT_EQ(r.kind, Kind::kBool) << F(r);
    EXPECT_EQ(r.b, c.want) << F(c.a) << " " << c.op << " " << F(c.b);
  }
  EXPECT_EQ(F(Call("_<_", {I(1), S("a")})),
            "error(no matching overload for '_<_' applied to (int, string))");
  EXPECT_THAT(F(Call("_<=_", {L({}), L({})})), HasSubstr("'_<=_'"));
}

TEST_F(OpsTest, MembershipIndexAndSize) {
  Value list = L({I(1), S("a"), D(2.5)});
  EXPECT_TRUE(Call("@in", {U(1), list}).b);
  EXPECT_TRUE(Call("@in", {D(1.0), list}).b);
  EXPECT_FALSE(Call("@in", {S("b"), list}).b);
  Value map = M({{S("k"), I(1)}, {I(2), S("two")}});
  EXPECT_TRUE(Call("@in", {S("k"), map}).b);
  EXPECT_TRUE(Call("@in", {D(2.0), map}).b);
  EXPECT_FALSE(Call("@in", {S("v"), map}).b);
  EXPECT_THAT(F(Call("@in", {I(1), S("a")})), HasSubstr("no matching"));

  EXPECT_EQ(F(Call("_[_]", {list, I(1)})), "\"a\"");
  EXPECT_EQ(F(Call("_[_]", {list, U(2)})), "2.5");
  EXPECT_EQ(F(Call("_[_]", {list, D(0.0)})), "1");
  EXPECT_EQ(F(Call("_[_]", {list, I(3)})), "error(index out of range: 3)");
  EXPECT_EQ(F(Call("_[_]", {list, I(-1)})), "error(index out of range: -1)");
  EXPECT_THAT(F(Call("_[_]", {list, D(0.5)})), HasSubstr("invalid list index"));
  EXPECT_EQ(F(Call("_[_]", {map, U(2)})), "\"two\"");
  EXPECT_EQ(F(Call("_[_]", {map, S("x")})), "error(no such key: \"x\")");

  EXPECT_EQ(Call("size", {S("h\xc3\xa9llo")}).i, 5);  // code points
  EXPECT_EQ(Recv("size", {B("h\xc3\xa9")}).i, 3);     // bytes
  EXPECT_EQ(Call("size", {list}).i, 3);
  EXPECT_EQ(Call("size", {map}).i, 2);
  EXPECT_THAT(F(Call("size", {I(1)})), HasSubstr("no matching overload"));
}

TEST_F(OpsTest, OptionalIndexing) {
  Value list = L({S("foo")});
  Value map = M({{Value::Bool(true), I(1)}, {U(3), D(3.0)}});
  EXPECT_EQ(F(Call("_[?_]", {list, I(0)})), "optional.of(\"foo\")");
  EXPECT_EQ(F(Call("_[?_]", {list, I(1)})), "optional.none()");
  EXPECT_EQ(F(Call("_[?_]", {L({}), I(0)})), "optional.none()");
  EXPECT_EQ(F(Call("_[?_]", {map, Value::Bool(true)})), "optional.of(1)");
  EXPECT_EQ(F(Call("_[?_]", {map, D(3.0)})), "optional.of(3.0)");
  EXPECT_EQ(F(Call("_[?_]", {map, S("x")})), "optional.none()");
  Value some = Call("optional.of", {list});
  Value none = Call("optional.none", {});
  EXPECT_EQ(F(Call("_[?_]", {some, I(0)})), "optional.of(\"foo\")");
  EXPECT_EQ(F(Call("_[?_]", {none, I(0)})), "optional.none()");
  EXPECT_EQ(F(Call("_[_]", {some, I(0)})), "optional.of(\"foo\")");
  EXPECT_EQ(F(Call("_[_]", {none, I(0)})), "optional.none()");
  EXPECT_EQ(F(Call("_[_]", {some, I(5)})), "error(index out of range: 5)");
  EXPECT_THAT(F(Call("_[?_]", {S("x"), I(0)})), HasSubstr("'_[?_]'"));
}

TEST_F(OpsTest, LargeMapsLookUpThroughTheIndex) {
  std::vector<std::pair<Value, Value>> entries;
  for (int i = 0; i < 50; ++i) entries.push_back({I(i), I(i * i)});
  Value map = M(entries);
  EXPECT_EQ(Call("_[_]", {map, U(7)}).i, 49);
  EXPECT_EQ(Call("_[_]", {map, D(9.0)}).i, 81);
  EXPECT_TRUE(Call("_[_]", {map, I(50)}).is_error());
}

TEST_F(OpsTest, Optionals) {
  Value some = Call("optional.of", {I(0)});
  Value none = Call("optional.none", {});
  EXPECT_EQ(F(some), "optional.of(0)");
  EXPECT_EQ(F(none), "optional.none()");
  EXPECT_TRUE(Recv("hasValue", {some}).b);
  EXPECT_FALSE(Recv("hasValue", {none}).b);
  EXPECT_EQ(F(Recv("value", {some})), "0");
  EXPECT_EQ(F(Recv("value", {none})), "error(optional.none() dereference)");
  EXPECT_EQ(F(Recv("orValue", {none, S("d")})), "\"d\"");
  EXPECT_EQ(F(Recv("orValue", {some, S("d")})), "0");
  EXPECT_EQ(F(Recv("or", {none, some})), "optional.of(0)");
  EXPECT_EQ(F(Call("optional.ofNonZeroValue", {I(0)})), "optional.none()");
  EXPECT_EQ(F(Call("optional.ofNonZeroValue", {S("")})), "optional.none()");
  EXPECT_EQ(F(Call("optional.ofNonZeroValue", {L({I(1)})})),
            "optional.of([1])");
  EXPECT_TRUE(Call("_==_", {none, Call("optional.none", {})}).b);
  EXPECT_TRUE(Call("_==_", {some, Call("optional.of", {U(0)})}).b);
  EXPECT_FALSE(Call("_==_", {some, none}).b);
  EXPECT_THAT(F(Recv("value", {I(1)})), HasSubstr("no matching overload"));
}

TEST_F(OpsTest, MapInsert) {
  Value m = M({{S("a"), I(1)}});
  EXPECT_EQ(F(Call("cel.@mapInsert", {m, S("b"), I(2)})),
            "{\"a\": 1, \"b\": 2}");
  EXPECT_EQ(F(Call("cel.@mapInsert", {m, M({{S("c"), I(3)}, {S("d"), I(4)}})})),
            "{\"a\": 1, \"c\": 3, \"d\": 4}");
  EXPECT_EQ(F(Call("cel.@mapInsert", {m, S("a"), I(2)})),
            "error(insert failed: key \"a\" already exists)");
  EXPECT_EQ(F(Call("cel.@mapInsert", {M({}), I(1), I(2)})), "{1: 2}");
  EXPECT_THAT(F(Call("cel.@mapInsert", {m, L({}), I(2)})),
              HasSubstr("no matching overload"));
  // The source map is unchanged.
  EXPECT_EQ(F(m), "{\"a\": 1}");
}

TEST_F(OpsTest, TableLookup) {
  EXPECT_NE(FindBuiltin("_+_", false, 2), nullptr);
  EXPECT_EQ(FindBuiltin("_+_", false, 3), nullptr);
  EXPECT_EQ(FindBuiltin("nope", false, 1), nullptr);
  EXPECT_NE(FindBuiltin("math.greatest", false, 5), nullptr);
  EXPECT_NE(FindBuiltin("size", true, 1), nullptr);
  EXPECT_EQ(FindBuiltin("contains", false, 2), nullptr);  // receiver only
  EXPECT_GT(AllBuiltins().size(), 80u);
}

// docs/builtins.md documents every name in the builtin table.
TEST(BuiltinsDocTest, ListsEveryBuiltin) {
  std::ifstream in("docs/builtins.md");
  ASSERT_TRUE(in.good()) << "docs/builtins.md missing from runfiles";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (const Builtin& b : AllBuiltins()) {
    EXPECT_THAT(doc, HasSubstr(std::string("| `") + b.name + "` |"))
        << "docs/builtins.md does not document " << b.name;
  }
}

}  // namespace
}  // namespace onus::engine
