// Builtins over values that are views of protobuf wire bytes (repeated and
// map fields, messages), not materialised arrays.
#include <cmath>
#include <string>

#include "engine/builtins/test_util.h"
#include "engine/message_type.h"
#include "gmock/gmock.h"
#include "testdata/view_test.pb.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;
using ::testing::HasSubstr;

class WireTest : public BuiltinTest {
 protected:
  void SetUp() override {
    msg_.add_r_int64(3);
    msg_.add_r_int64(1);
    msg_.add_r_int64(2);
    msg_.add_r_string("a");
    msg_.add_r_string("b");
    (*msg_.mutable_m_string_int())["k"] = 7;
    (*msg_.mutable_m_int_string())[1] = "one";
    msg_.add_r_inner()->set_name("x");
    msg_.set_f_string("hello");
    root_ = FromMessage(arena_, msg_);
    ASSERT_EQ(root_.kind, Kind::kMessage);
  }
  Value Field(Value m, const char* name) {
    const FieldInfo* f = m.msg->type->FindField(name);
    EXPECT_NE(f, nullptr) << name;
    return GetField(arena_, *m.msg, *f);
  }

  onus::test::AllTypes msg_;
  Value root_;
};

TEST_F(WireTest, RepeatedFieldViews) {
  Value ints = Field(root_, "r_int64");
  ASSERT_EQ(ints.kind, Kind::kList);
  EXPECT_NE(ints.list->rep, ListRep::kArray);
  EXPECT_EQ(Call("size", {ints}).i, 3);
  EXPECT_EQ(F(Call("_[_]", {ints, I(1)})), "1");
  EXPECT_EQ(F(Call("_[_]", {ints, I(3)})), "error(index out of range: 3)");
  EXPECT_TRUE(Call("@in", {D(2.0), ints}).b);
  EXPECT_FALSE(Call("@in", {I(9), ints}).b);
  EXPECT_TRUE(Call("_==_", {ints, L({I(3), U(1), D(2)})}).b);
  EXPECT_EQ(F(ints), "[3, 1, 2]");
  EXPECT_EQ(F(Call("math.greatest", {ints})), "3");
  EXPECT_EQ(F(Call("_+_", {ints, L({I(4)})})), "[3, 1, 2, 4]");
  Value strs = Field(root_, "r_string");
  EXPECT_EQ(F(Recv("join", {strs, S("-")})), "\"a-b\"");
  EXPECT_EQ(F(Recv("format", {S("%s"), L({strs})})), "\"[a, b]\"");
}

TEST_F(WireTest, MapFieldViews) {
  Value m = Field(root_, "m_string_int");
  ASSERT_EQ(m.kind, Kind::kMap);
  EXPECT_EQ(F(Call("_[_]", {m, S("k")})), "7");
  EXPECT_EQ(F(Call("_[_]", {m, S("z")})), "error(no such key: \"z\")");
  EXPECT_TRUE(Call("@in", {S("k"), m}).b);
  EXPECT_TRUE(Call("_==_", {m, M({{S("k"), D(7.0)}})}).b);
  Value by_int = Field(root_, "m_int_string");
  EXPECT_EQ(F(Call("_[_]", {by_int, U(1)})), "\"one\"");
  EXPECT_EQ(F(Call("_[_]", {by_int, D(1.0)})), "\"one\"");
  EXPECT_EQ(F(Call("_[?_]", {by_int, I(2)})), "optional.none()");
  EXPECT_EQ(F(Call("cel.@mapInsert", {m, S("j"), I(1)})),
            "{\"k\": 7, \"j\": 1}");
}

TEST_F(WireTest, MessageEqualityTypeAndFormat) {
  Value again = FromMessage(arena_, msg_);
  EXPECT_TRUE(Call("_==_", {root_, again}).b);
  onus::test::AllTypes other = msg_;
  other.set_f_string("bye");
  EXPECT_FALSE(Call("_==_", {root_, FromMessage(arena_, other)}).b);
  EXPECT_FALSE(Call("_==_", {root_, S("hello")}).b);
  // NaN fields make a message unequal to itself (protobuf equality).
  onus::test::AllTypes nan;
  nan.set_f_double(std::nan(""));
  Value n1 = FromMessage(arena_, nan);
  EXPECT_FALSE(Call("_==_", {n1, FromMessage(arena_, nan)}).b);

  EXPECT_EQ(F(Call("type", {root_})), "onus.test.AllTypes");
  EXPECT_TRUE(Call("_==_", {Call("type", {root_}), Call("type", {again})}).b);
  EXPECT_FALSE(Call("_==_", {Call("type", {root_}),
                             Call("type", {Field(root_, "f_inner")})})
                   .b);
  EXPECT_THAT(F(root_), HasSubstr("onus.test.AllTypes{"));
  EXPECT_THAT(F(root_), HasSubstr("f_string: \"hello\""));
  EXPECT_THAT(F(Call("_+_", {root_, I(1)})),
              HasSubstr("applied to (onus.test.AllTypes, int)"));
  Value inner = Call("_[_]", {Field(root_, "r_inner"), I(0)});
  ASSERT_EQ(inner.kind, Kind::kMessage);
  EXPECT_EQ(F(Field(inner, "name")), "\"x\"");
}

}  // namespace
}  // namespace onus::engine
