// VM behaviour: arithmetic, logic with CEL error absorption, errors as
// values, budgets, comprehensions and field access on a test message.
#include "engine/vm.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "benchmarks/cspm/cspm.pb.h"
#include "engine/bytecode.h"
#include "engine/expr.h"
#include "engine/message_type.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onus::engine {
namespace {

using ::onus::bench::cspm::S3Bucket;
using ::onus::bench::cspm::SecurityGroup;
using ::testing::HasSubstr;

class VmTest : public ::testing::Test {
 protected:
  VmTest() {
    S3Bucket b;
    b.set_name("logs");
    b.set_acl("private");
    b.mutable_public_access_block()->set_block_public_acls(true);
    b.mutable_public_access_block()->set_ignore_public_acls(true);
    (*b.mutable_tags())["env"] = "prod";
    (*b.mutable_tags())["owner"] = "ops";
    b.mutable_versioning()->set_status("Enabled");
    bucket_bytes_ = b.SerializeAsString();
    SecurityGroup sg;
    sg.set_id("sg-1");
    auto* r1 = sg.add_ingress();
    r1->set_cidr("10.0.0.0/8");
    r1->set_protocol("tcp");
    r1->set_from_port(22);
    r1->set_to_port(22);
    auto* r2 = sg.add_ingress();
    r2->set_cidr("0.0.0.0/0");
    r2->set_protocol("tcp");
    r2->set_from_port(443);
    r2->set_to_port(443);
    sg_bytes_ = sg.SerializeAsString();
  }

  Value Eval(absl::string_view text, bool check = true,
             int64_t budget = 1'000'000) {
    ExprOptions opts;
    opts.check = check;
    opts.instruction_budget = budget;
    opts.variables = {
        {"b", lang::Type::Message(S3Bucket::descriptor())},
        {"sg", lang::Type::Message(SecurityGroup::descriptor())},
        {"x", lang::Type::Int()},
        {"n", lang::Type::Int()},
    };
    lang::DiagnosticList diags;
    auto e = CompiledExpr::Compile(text, opts, &diags);
    if (!e.ok()) {
      ADD_FAILURE() << text << ": " << e.status();
      return Value();
    }
    exprs_.push_back(std::move(*e));
    Activation act;
    act.Bind("b",
             MessageFromBytes(arena_, *MessageType::For(S3Bucket::descriptor()),
                              bucket_bytes_));
    act.Bind("sg", MessageFromBytes(
                       arena_, *MessageType::For(SecurityGroup::descriptor()),
                       sg_bytes_));
    act.Bind("x", Value::Int(7));
    act.Bind("n", Value::Int(1000));
    return exprs_.back()->Evaluate(act, arena_);
  }

  // Evaluates checked and unchecked and requires the same bool.
  void ExpectBool(absl::string_view text, bool want) {
    for (bool check : {true, false}) {
      Value v = Eval(text, check);
      ASSERT_EQ(v.kind, Kind::kBool)
          << text << (check ? " (checked)" : " (unchecked)") << ": "
          << (v.is_error() ? std::string(v.err->text()) : KindName(v.kind));
      EXPECT_EQ(v.b, want) << text << (check ? " (checked)" : " (unchecked)");
    }
  }

  void ExpectInt(absl::string_view text, int64_t want, bool check = true) {
    Value v = Eval(text, check);
    ASSERT_EQ(v.kind, Kind::kInt)
        << text << ": "
        << (v.is_error() ? std::string(v.err->text()) : KindName(v.kind));
    EXPECT_EQ(v.i, want) << text;
  }

  ErrorCode ExpectError(absl::string_view text, bool check = true,
                        int64_t budget = 1'000'000) {
    Value v = Eval(text, check, budget);
    EXPECT_TRUE(v.is_error()) << text << " gave " << KindName(v.kind);
    return v.is_error() ? v.err->code : ErrorCode::kGeneric;
  }

  Arena arena_;
  std::string bucket_bytes_;
  std::string sg_bytes_;
  std::vector<std::unique_ptr<CompiledExpr>> exprs_;
};

TEST_F(VmTest, Arithmetic) {
  ExpectInt("x * 6 - 2", 40);
  ExpectInt("x / 2 + x % 4", 6);
  ExpectInt("-x", -7);
  EXPECT_EQ(ExpectError("x / 0"), ErrorCode::kDivisionByZero);
  EXPECT_EQ(ExpectError("9223372036854775807 + x"), ErrorCode::kOverflow);
  ExpectBool("2.5 * 2.0 == 5.0", true);
  ExpectBool("'ab' + 'c' == 'abc'", true);
}

TEST_F(VmTest, ComparisonsAreHeterogeneous) {
  ExpectBool("x == 7u", true);
  ExpectBool("x < 7.5", true);
  ExpectBool("x >= 8", false);
  ExpectBool("'a' < 'b'", true);
}

TEST_F(VmTest, LogicAbsorbsErrors) {
  // CEL: false && error == false; error && false == false;
  // true && error == error; || symmetrically with true.
  ExpectBool("x / 0 == 1 && x == 8", false);
  ExpectBool("x == 8 && x / 0 == 1", false);
  ExpectBool("x / 0 == 1 || x == 7", true);
  ExpectBool("x == 7 || x / 0 == 1", true);
  EXPECT_EQ(ExpectError("x == 7 && x / 0 == 1"), ErrorCode::kDivisionByZero);
  EXPECT_EQ(ExpectError("x / 0 == 1 && x == 7"), ErrorCode::kDivisionByZero);
  EXPECT_EQ(ExpectError("x == 8 || x / 0 == 1"), ErrorCode::kDivisionByZero);
  ExpectBool("!(x == 7)", false);
}

TEST_F(VmTest, Ternary) {
  ExpectInt("x > 5 ? 1 : 2", 1);
  ExpectInt("x > 9 ? 1 : 2", 2);
  // An error in the condition propagates; the branches are not evaluated.
  EXPECT_EQ(ExpectError("x / 0 == 1 ? 1 : 2"), ErrorCode::kDivisionByZero);
  // Non-bool condition (unchecked): no matching overload.
  EXPECT_EQ(ExpectError("x ? 1 : 2", /*check=*/false),
            ErrorCode::kNoMatchingOverload);
}

TEST_F(VmTest, FieldAccess) {
  ExpectBool("b.public_access_block.block_public_acls", true);
  ExpectBool("b.public_access_block.block_public_policy", false);
  ExpectBool("b.acl in ['public-read', 'public-read-write']", false);
  ExpectBool("b.acl in ['private']", true);
  ExpectBool("b.tags['env'] == 'prod'", true);
  ExpectBool("'owner' in b.tags && !('cost_center' in b.tags)", true);
  ExpectBool("has(b.versioning) && !has(b.encryption)", true);
  ExpectBool("b.versioning.status == 'Enabled'", true);
  // Missing map key is an error, not false.
  EXPECT_EQ(ExpectError("b.tags['nope'] == 'x'"), ErrorCode::kNoSuchKey);
}

TEST_F(VmTest, DynamicSelectErrors) {
  // Unchecked: a field name that does not exist is a run-time error.
  EXPECT_EQ(ExpectError("b.no_such_field", /*check=*/false),
            ErrorCode::kNoSuchField);
  EXPECT_EQ(ExpectError("x.f", /*check=*/false), ErrorCode::kNoSuchField);
  // Map select by name: present key and missing key.
  ExpectBool("{'a': 1}.a == 1", true);
  EXPECT_EQ(ExpectError("{'a': 1}.b", /*check=*/false), ErrorCode::kNoSuchKey);
  ExpectBool("has({'a': 1}.a) && !has({'a': 1}.b)", true);
}

TEST_F(VmTest, Comprehensions) {
  ExpectBool("sg.ingress.exists(i, i.cidr == '0.0.0.0/0')", true);
  ExpectBool("sg.ingress.all(i, i.protocol == 'tcp')", true);
  ExpectBool("sg.ingress.exists_one(i, i.from_port == 22)", true);
  ExpectBool("sg.ingress.map(i, i.from_port) == [22, 443]", true);
  ExpectBool("size(sg.ingress.filter(i, i.to_port > 100)) == 1", true);
  ExpectBool("[1, 2, 3].map(v, v * 2) == [2, 4, 6]", true);
  ExpectBool("[1, 2, 3, 4].filter(v, v % 2 == 0) == [2, 4]", true);
  ExpectBool("{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])", true);
  ExpectBool("[[1, 2], [3]].exists(l, l.exists(v, v == 3))", true);
  ExpectBool("[].all(v, v > 0)", true);
  ExpectBool("![].exists(v, v > 0)", true);
  // Errors inside all/exists are absorbed when another element decides.
  ExpectBool("[0, 1].exists(v, 1 / v == 1)", true);
  ExpectBool("[0, 1].all(v, 1 / v == 5)", false);
  EXPECT_EQ(ExpectError("[0, 1].all(v, 1 / v == 1)"),
            ErrorCode::kDivisionByZero);
  // Iterating a non-list is an error (unchecked).
  EXPECT_EQ(ExpectError("x.all(v, v > 0)", /*check=*/false),
            ErrorCode::kNoMatchingOverload);
}

TEST_F(VmTest, MapLiteralWithDuplicateKeysIsAnError) {
  Value v = Eval("{'a': 1, 'a': 2}", /*check=*/false);
  ASSERT_TRUE(v.is_error());
  EXPECT_THAT(std::string(v.err->text()), HasSubstr("repeated key"));
  // Not folded away: a non-constant duplicate fails at run time too.
  v = Eval("{x: 1, 7: 2}", /*check=*/false);
  ASSERT_TRUE(v.is_error());
}

TEST_F(VmTest, BudgetExhaustionIsAnError) {
  // 1000 x 1000 iterations cannot fit in 10,000 instructions.
  const char* loop =
      "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(a, "
      "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(c, a * c > 0))";
  ExpectBool(loop, true);
  Value v = Eval(loop, true, /*budget=*/50);
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.err->code, ErrorCode::kBudgetExceeded);
  EXPECT_EQ(std::string(v.err->text()), "instruction budget of 50 exhausted");
  // Budget errors abort the run: `||` does not absorb them even when its
  // other side is true at run time (never a silent pass).
  v = Eval(absl::StrCat("(", loop, ") || x == 7"), true, 50);
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.err->code, ErrorCode::kBudgetExceeded);
}

TEST_F(VmTest, IterationCapAndCancellation) {
  ExprOptions opts;
  opts.check = false;
  auto e = CompiledExpr::Compile("[1, 2, 3].map(v, v)", opts, nullptr);
  ASSERT_TRUE(e.ok());
  EvalBudget budget;
  budget.iterations = 2;
  Value v = engine::Run((*e)->program(), nullptr, arena_, budget);
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.err->code, ErrorCode::kBudgetExceeded);

  std::atomic<bool> cancelled{true};
  EvalBudget b2;
  b2.cancelled = &cancelled;
  v = engine::Run((*e)->program(), nullptr, arena_, b2);
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.err->code, ErrorCode::kCancelled);
}

TEST_F(VmTest, ResumeIsACheckpoint) {
  // RESUME goes back from an out-of-line block into the main line (once
  // per iteration when a loop's predicate keeps failing): like LOOP it is
  // charged, sees cancellation and samples the deadline, so a cycle
  // through it cannot spin for free.
  Program p;
  p.code = {{Op::kNOP, 0, 0, 0, 0}, {Op::kRESUME, 0, 0, 0, 0}};  // goto 0
  p.num_registers = 1;
  EvalBudget budget;
  budget.instructions = 100;
  Value v = engine::Run(p, nullptr, arena_, budget);
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.err->code, ErrorCode::kBudgetExceeded);
  EXPECT_EQ(std::string(v.err->text()), "instruction budget of 100 exhausted");

  std::atomic<bool> cancelled{true};
  EvalBudget b2;
  b2.cancelled = &cancelled;
  v = engine::Run(p, nullptr, arena_, b2);
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.err->code, ErrorCode::kCancelled);

  EvalBudget b3;
  b3.deadline = absl::Now() - absl::Seconds(1);
  v = engine::Run(p, nullptr, arena_, b3);
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.err->code, ErrorCode::kDeadlineExceeded);
}

// RunBatch gives what one Run per program gives: each program starts with
// the whole budget, and an error (an exhausted budget, a failed call) ends
// only its own program.
TEST_F(VmTest, BatchRunsEachProgramAsRunWould) {
  ExprOptions opts;
  opts.variables = {{"x", lang::Type::Int()}};
  std::vector<std::unique_ptr<CompiledExpr>> exprs;
  for (const char* text :
       {"[1, 2, 3, 4, 5, 6].all(v, v + x > 0)", "x / 0 == 1", "x * 6",
        "[1, 2, 3, 4, 5, 6].all(v, v + x > 0)", "x + 1 == 8"}) {
    auto e = CompiledExpr::Compile(text, opts, nullptr);
    ASSERT_TRUE(e.ok()) << text << ": " << e.status();
    exprs.push_back(*std::move(e));
  }
  const Value vars[1] = {Value::Int(7)};
  // What the loop charges on its own: the budget of each batched program.
  EvalBudget alone;
  ASSERT_EQ(engine::Run(exprs[0]->program(), vars, arena_, alone).kind,
            Kind::kBool);
  EvalBudget exact;
  exact.instructions = EvalBudget().instructions - alone.instructions;
  ASSERT_GT(exact.instructions, 0);
  std::vector<const Program*> programs;
  for (const auto& e : exprs) programs.push_back(&e->program());
  for (int64_t budget : {exact.instructions, exact.instructions - 1}) {
    SCOPED_TRACE(budget);
    EvalBudget b;
    b.instructions = budget;
    Value results[5];
    RunBatch(programs.data(), programs.size(), vars, arena_, b, results);
    for (int i = 0; i < 5; ++i) {
      EvalBudget one = b;
      Value want = engine::Run(*programs[i], vars, arena_, one);
      ASSERT_EQ(results[i].kind, want.kind) << i;
      if (want.is_error()) {
        EXPECT_EQ(results[i].err->code, want.err->code) << i;
      } else {
        EXPECT_EQ(results[i].i, want.i) << i;
      }
    }
    // Enough for one loop each time, and one instruction short of it.
    EXPECT_EQ(results[3].kind,
              budget == exact.instructions ? Kind::kBool : Kind::kError);
    EXPECT_TRUE(results[1].is_error());
    EXPECT_EQ(results[2].i, 42);
    ASSERT_EQ(results[4].kind, Kind::kBool);
    EXPECT_TRUE(results[4].b);
  }
}

TEST_F(VmTest, HandAssembledProgram) {
  // r0 := 40; r1 := 2; r0 := r0 + r1; return r0
  Program p;
  p.constants = {Value::Int(40), Value::Int(2)};
  p.code = {{Op::kLOAD_CONST, 0, 0, 0, 0},
            {Op::kLOAD_CONST, 0, 1, 1, 0},
            {Op::kADD, 0, 0, 0, 1},
            {Op::kRETURN, 0, 0, 0, 0}};
  p.num_registers = 2;
  EvalBudget budget;
  Value v = engine::Run(p, nullptr, arena_, budget);
  ASSERT_EQ(v.kind, Kind::kInt);
  EXPECT_EQ(v.i, 42);
  EXPECT_THAT(std::string(VmDispatchKind()),
              ::testing::AnyOf("computed-goto", "switch"));
}

TEST_F(VmTest, UnboundVariableIsAnErrorValue) {
  ExprOptions opts;
  opts.check = false;
  auto e = CompiledExpr::Compile("y + 1", opts, nullptr);
  ASSERT_TRUE(e.ok());
  Activation act;
  Value v = (*e)->Evaluate(act, arena_);
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.err->code, ErrorCode::kUnknownIdentifier);
  act.Bind("y", Value::Int(1));
  v = (*e)->Evaluate(act, arena_);
  ASSERT_EQ(v.kind, Kind::kInt);
  EXPECT_EQ(v.i, 2);
}

TEST_F(VmTest, OptionalsChainAndOptionalEntries) {
  // Selection and indexing on an optional chain: missing -> none.
  ExpectBool("!{'a': {'b': 1}}.?a.c.hasValue()", true);
  ExpectBool("{'a': {'b': 1}}.?a.b.orValue(0) == 1", true);
  ExpectBool("{'a': [1, 2]}.?a[5].orValue(-1) == -1", true);
  ExpectBool("!has({}.?x.y)", true);
  // [?x], {?k: v}, T{?f: v}: none drops the element/entry/field.
  ExpectBool("[1, ?optional.none(), ?optional.of(3)] == [1, 3]", true);
  ExpectBool(
      "{'a': 1, ?'b': optional.none(), ?'c': optional.of(2)} == "
      "{'a': 1, 'c': 2}",
      true);
  ExpectBool(
      "onus.bench.cspm.Versioning{?status: optional.of('On'), "
      "?mfa_delete: optional.none()}.status == 'On'",
      true);
  ExpectBool("type(optional.of(1)) == optional_type", true);
}

TEST_F(VmTest, CallsBuiltins) {
  ExpectBool("'hello'.startsWith('he') && size('héllo') == 5", true);
  ExpectBool("'abc'.matches('^a.c$')", true);
  ExpectInt("int('42') + 1", 43);
  ExpectBool("type(x) == int && type(b) == onus.bench.cspm.S3Bucket", true);
  ExpectInt("math.greatest(1, x, 3)", 7);
}

}  // namespace
}  // namespace onus::engine
