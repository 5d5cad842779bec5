// The facade: checked and unchecked compilation agree on results; user
// errors come back as diagnostics with locations; result types.
#include "engine/expr.h"

#include <string>

#include "benchmarks/cspm/cspm.pb.h"
#include "engine/message_type.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onus::engine {
namespace {

using ::onus::bench::cspm::IamUser;
using ::testing::HasSubstr;

// Renders a result for comparison across modes: kind + scalar payload.
std::string Describe(Value v) {
  switch (v.kind) {
    case Kind::kBool:
      return v.b ? "true" : "false";
    case Kind::kInt:
      return std::to_string(v.i) + ":int";
    case Kind::kUint:
      return std::to_string(v.u) + ":uint";
    case Kind::kDouble:
      return std::to_string(v.d) + ":double";
    case Kind::kString:
      return "'" + std::string(v.string_view()) + "'";
    case Kind::kError:
      return "error";
    case Kind::kList:
      return "list/" + std::to_string(v.list->size);
    default:
      return KindName(v.kind);
  }
}

class ExprTest : public ::testing::Test {
 protected:
  ExprTest() {
    IamUser u;
    u.set_name("alice");
    u.set_console_access(true);
    u.set_mfa_enabled(false);
    auto* k1 = u.add_access_keys();
    k1->set_id("AK1");
    k1->set_active(true);
    k1->set_age_days(120);
    auto* k2 = u.add_access_keys();
    k2->set_id("AK2");
    k2->set_active(false);
    k2->set_age_days(10);
    u.add_groups("admins");
    user_bytes_ = u.SerializeAsString();
  }

  std::string Run(absl::string_view text, bool check) {
    ExprOptions opts;
    opts.check = check;
    opts.variables = {{"r", lang::Type::Message(IamUser::descriptor())},
                      {"limit", lang::Type::Int()}};
    lang::DiagnosticList diags;
    auto e = CompiledExpr::Compile(text, opts, &diags);
    if (!e.ok()) return "compile error: " + std::string(e.status().message());
    Activation act;
    act.Bind("r",
             MessageFromBytes(arena_, *MessageType::For(IamUser::descriptor()),
                              user_bytes_));
    act.Bind("limit", Value::Int(90));
    return Describe((*e)->Evaluate(act, arena_));
  }

  Arena arena_;
  std::string user_bytes_;
};

TEST_F(ExprTest, CheckedAndUncheckedAgree) {
  const struct {
    const char* expr;
    const char* want;
  } kCases[] = {
      {"!r.console_access || r.mfa_enabled", "false"},
      {"r.access_keys.all(k, !k.active || k.age_days <= limit)", "false"},
      {"size(r.access_keys.filter(k, k.active)) <= 1", "true"},
      {"r.access_keys.map(k, k.id)", "list/2"},
      {"r.access_keys[1].age_days", "10:int"},
      {"r.name + '@example.com'", "'alice@example.com'"},
      {"'admins' in r.groups", "true"},
      {"r.groups.exists(g, g.startsWith('adm'))", "true"},
      {"r.access_keys.exists_one(k, k.age_days > 5)", "false"},
      {"r.access_keys[5].id", "error"},
      {"limit * 2 > 100 ? 'big' : 'small'", "'big'"},
      {"has(r.name) && !has(r.arn)", "true"},
      {"cel.bind(n, r.access_keys.size(), n * n)", "4:int"},
      {"r.access_keys.all(i, k, k.age_days >= 0 && i >= 0)", "true"},
      {"dyn(r).name == 'alice'", "true"},
      {"[1, 2u, 3.0].exists(v, v == 2)", "true"},
      {"{'a': [1, 2]}['a'][1] == 2", "true"},
      {"uint(limit) + 1u", "91:uint"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(Run(c.expr, true), c.want) << c.expr << " (checked)";
    EXPECT_EQ(Run(c.expr, false), c.want) << c.expr << " (unchecked)";
  }
}

TEST_F(ExprTest, ResultType) {
  ExprOptions opts;
  opts.variables = {{"r", lang::Type::Message(IamUser::descriptor())}};
  auto e =
      CompiledExpr::Compile("r.access_keys.map(k, k.age_days)", opts, nullptr);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->result_type().ToString(), "list(int)");
  opts.check = false;
  e = CompiledExpr::Compile("r.access_keys", opts, nullptr);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE((*e)->result_type().is_dyn());
}

TEST_F(ExprTest, UserErrorsAreDiagnostics) {
  ExprOptions opts;
  opts.variables = {{"r", lang::Type::Message(IamUser::descriptor())}};
  lang::DiagnosticList diags;
  auto e = CompiledExpr::Compile("r.mfa_enabeld", opts, &diags);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("<expr>:1:"));
  EXPECT_TRUE(diags.has_errors());
  // Syntax error.
  lang::DiagnosticList d2;
  e = CompiledExpr::Compile("1 +", opts, &d2);
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(d2.has_errors());
}

TEST_F(ExprTest, DisassembleShowsSourceLocations) {
  ExprOptions opts;
  opts.variables = {{"r", lang::Type::Message(IamUser::descriptor())}};
  auto e = CompiledExpr::Compile("r.mfa_enabled", opts, nullptr);
  ASSERT_TRUE(e.ok());
  std::string text = (*e)->Disassemble();
  EXPECT_THAT(text, HasSubstr("FIELD"));
  EXPECT_THAT(text, HasSubstr(".mfa_enabled#4"));
  EXPECT_THAT(text, HasSubstr("<expr>:1:"));
}

}  // namespace
}  // namespace onus::engine
