// Strong enums (ExprOptions::strong_enums) against legacy enums-as-ints:
// constants, conversions, field reads, message literals, int() and
// string(), checked and unchecked.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/expr.h"
#include "engine/message_type.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testdata/view_test.pb.h"

namespace onus::engine {
namespace {

using ::onus::test::AllTypes;
using ::testing::HasSubstr;

class StrongEnumsTest : public ::testing::Test {
 protected:
  StrongEnumsTest() {
    AllTypes m;
    m.set_f_enum(onus::test::GREEN);
    m.add_r_enum(onus::test::RED);
    bytes_ = m.SerializeAsString();
  }

  // "kind:payload" for the result of `text` with x bound to the message.
  std::string Run(absl::string_view text, bool strong, bool check = true,
                  std::string* type = nullptr) {
    ExprOptions opts;
    opts.strong_enums = strong;
    opts.check = check;
    opts.container = "onus.test";
    opts.variables = {{"x", lang::Type::Message(AllTypes::descriptor())}};
    auto e = CompiledExpr::Compile(text, opts, nullptr);
    if (!e.ok()) return absl::StrCat("compile error: ", e.status().message());
    if (type != nullptr) *type = (*e)->result_type().ToString();
    Activation act;
    act.Bind("x",
             MessageFromBytes(arena_, *MessageType::For(AllTypes::descriptor()),
                              bytes_));
    Value v = (*e)->Evaluate(act, arena_);
    int64_t n;
    switch (v.kind) {
      case Kind::kOpaque:
        if (EnumValueNumber(v, &n)) {
          return absl::StrCat(v.opaque->type->name, ":", n);
        }
        return "opaque";
      case Kind::kInt:
        return absl::StrCat("int:", v.i);
      case Kind::kBool:
        return v.b ? "true" : "false";
      case Kind::kString:
        return absl::StrCat("'", v.string_view(), "'");
      case Kind::kType:
        return absl::StrCat("type:", v.type->name);
      case Kind::kError:
        return absl::StrCat("error: ", v.err->text());
      default:
        return KindName(v.kind);
    }
  }

  Arena arena_;
  std::string bytes_;
};

TEST_F(StrongEnumsTest, LegacyEnumsAreInts) {
  for (bool check : {true, false}) {
    EXPECT_EQ(Run("Color.GREEN", false, check), "int:2");
    EXPECT_EQ(Run("x.f_enum", false, check), "int:2");
    EXPECT_EQ(Run("Color.GREEN == 2", false, check), "true");
    EXPECT_EQ(Run("type(Color.RED)", false, check), "type:int");
  }
  // The conversion function exists only in strong mode.
  EXPECT_THAT(Run("Color(1)", false), HasSubstr("compile error"));
  std::string type;
  Run("x.f_enum", false, true, &type);
  EXPECT_EQ(type, "int");
}

TEST_F(StrongEnumsTest, ConstantsFieldsAndTypes) {
  for (bool check : {true, false}) {
    SCOPED_TRACE(check ? "checked" : "unchecked");
    EXPECT_EQ(Run("Color.GREEN", true, check), "onus.test.Color:2");
    EXPECT_EQ(Run("onus.test.Color.RED", true, check), "onus.test.Color:1");
    EXPECT_EQ(Run("type(Color.RED)", true, check), "type:onus.test.Color");
    EXPECT_EQ(Run("Color.RED == Color.RED", true, check), "true");
    EXPECT_EQ(Run("Color.RED != Color.GREEN", true, check), "true");
    EXPECT_EQ(Run("int(Color.GREEN)", true, check), "int:2");
    EXPECT_EQ(Run("string(Color.GREEN)", true, check), "'GREEN'");
  }
  // Field reads are typed where the checker knows the field.
  EXPECT_EQ(Run("x.f_enum", true), "onus.test.Color:2");
  EXPECT_EQ(Run("type(x.f_enum)", true), "type:onus.test.Color");
  EXPECT_EQ(Run("x.f_enum == Color.GREEN", true), "true");
  EXPECT_EQ(Run("AllTypes{}.f_enum", true), "onus.test.Color:0");
  // Hoisted chains (read once, used twice; loop invariants) stay typed.
  EXPECT_EQ(Run("x.f_enum == Color.GREEN && x.f_enum != Color.RED", true),
            "true");
  EXPECT_EQ(Run("[1, 2].all(i, x.f_enum == Color.GREEN && i > 0)", true),
            "true");
  EXPECT_EQ(Run("[x, x].map(m, m.f_enum)[1] == Color.GREEN", true), "true");
  EXPECT_EQ(Run("x.f_inner.a || x.f_enum == Color.GREEN", true), "true");
  // Repeated enum fields stay ints (documented limitation).
  EXPECT_EQ(Run("x.r_enum[0]", true), "int:1");
  std::string type;
  EXPECT_EQ(Run("x.f_enum", true, true, &type), "onus.test.Color:2");
  EXPECT_EQ(type, "onus.test.Color");
}

TEST_F(StrongEnumsTest, Conversions) {
  for (bool check : {true, false}) {
    SCOPED_TRACE(check ? "checked" : "unchecked");
    EXPECT_EQ(Run("Color(2)", true, check), "onus.test.Color:2");
    EXPECT_EQ(Run("onus.test.Color(1)", true, check), "onus.test.Color:1");
    // Open enums hold numbers they do not declare.
    EXPECT_EQ(Run("Color(-33)", true, check), "onus.test.Color:-33");
    EXPECT_EQ(Run("Color('GREEN')", true, check), "onus.test.Color:2");
    EXPECT_EQ(Run("Color(1) == Color.RED", true, check), "true");
    EXPECT_EQ(Run("int(Color(7))", true, check), "int:7");
    EXPECT_THAT(Run("Color(5000000000)", true, check),
                HasSubstr("out of int32 range"));
    EXPECT_THAT(Run("Color(-7000000000)", true, check), HasSubstr("error"));
    EXPECT_THAT(Run("Color('PURPLE')", true, check),
                HasSubstr("has no value named 'PURPLE'"));
  }
  // Not constant: evaluated at run time (no folding).
  EXPECT_EQ(Run("Color(x.f_int32 + 1)", true), "onus.test.Color:1");
  EXPECT_THAT(Run("Color(x.f_string)", true), HasSubstr("error"));
  // Checked: wrong argument types and arity are compile errors.
  EXPECT_THAT(Run("Color(1.5)", true), HasSubstr("E0103"));
  EXPECT_THAT(Run("Color(1, 2)", true), HasSubstr("E0103"));
}

TEST_F(StrongEnumsTest, MessageLiterals) {
  EXPECT_EQ(Run("AllTypes{f_enum: Color.GREEN}.f_enum", true),
            "onus.test.Color:2");
  EXPECT_EQ(Run("AllTypes{f_enum: Color(1)}.f_enum == Color.RED", true),
            "true");
  // Ints are still accepted for enum fields.
  EXPECT_EQ(Run("AllTypes{f_enum: 2}.f_enum", true), "onus.test.Color:2");
  // Unchecked: the literal takes the typed value too.
  EXPECT_EQ(Run("int(AllTypes{f_enum: Color.GREEN}.f_enum)", true, false),
            "int:2");
}

TEST_F(StrongEnumsTest, StrongEnumsAreNotInts) {
  // Checked: comparing an enum with an int is a type error, as in CEL.
  EXPECT_THAT(Run("Color.GREEN == 2", true), HasSubstr("compile error"));
  // Unchecked: heterogeneous equality is false, not an error.
  EXPECT_EQ(Run("Color.GREEN == 2", true, false), "false");
  EXPECT_THAT(Run("Color.GREEN + 1", true, false), HasSubstr("error"));
}

TEST(EnumValues, PayloadAndInterning) {
  const auto* d = onus::test::Color_descriptor();
  const TypeObj* t = EnumType(d);
  EXPECT_EQ(t, EnumType(d));
  EXPECT_EQ(EnumOfType(t), d);
  EXPECT_EQ(EnumOfType(BuiltinType(Kind::kInt)), nullptr);
  EXPECT_STREQ(t->name, "onus.test.Color");
  Arena arena;
  int64_t n = 0;
  for (int64_t want :
       {int64_t{0}, int64_t{-1}, int64_t{2147483647}, int64_t{-2147483648LL}}) {
    Value v = MakeEnumValue(arena, t, want);
    ASSERT_TRUE(EnumValueNumber(v, &n));
    EXPECT_EQ(n, want);
  }
  EXPECT_FALSE(EnumValueNumber(Value::Int(1), &n));
}

}  // namespace
}  // namespace onus::engine
