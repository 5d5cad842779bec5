// Bytecode dumps for representative expressions (constants folded,
// short-circuit jumps, comprehension loops, field operations), compile
// errors, pass timing, and the docs/bytecode.md opcode list.
#include "engine/compiler.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "benchmarks/cspm/cspm.pb.h"
#include "engine/bytecode.h"
#include "engine/disasm.h"
#include "engine/expr.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onus::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Compact dump: address, opcode, synopsis (no header, no raw operands).
std::string Dump(absl::string_view text, bool check = true, bool fuse = true) {
  ExprOptions opts;
  opts.check = check;
  opts.fuse = fuse;
  opts.variables = {
      {"b", lang::Type::Message(onus::bench::cspm::S3Bucket::descriptor())},
      {"sg",
       lang::Type::Message(onus::bench::cspm::SecurityGroup::descriptor())},
      {"x", lang::Type::Int()},
      {"s", lang::Type::String()},
  };
  lang::DiagnosticList diags;
  auto e = CompiledExpr::Compile(text, opts, &diags);
  if (!e.ok()) return absl::StrCat("compile error: ", e.status().message());
  DisasmOptions d;
  d.header = false;
  d.locations = false;
  d.raw_operands = false;
  std::string out;
  for (absl::string_view line : absl::StrSplit(
           engine::Disassemble((*e)->program(), d), '\n', absl::SkipEmpty())) {
    // Collapse the column padding so expectations stay readable.
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    absl::StrAppend(&out, absl::StrJoin(parts, " "), "\n");
  }
  return out;
}

TEST(CompilerTest, FoldsConstants) {
  EXPECT_EQ(Dump("1 + 2 * 3 == 7"),
            "0 LOAD_CONST r4 := true\n1 RETURN return r4\n");
  EXPECT_EQ(Dump("'a' + 'b'"),
            "0 LOAD_CONST r4 := \"ab\"\n1 RETURN return r4\n");
  // A constant condition picks its branch at compile time.
  EXPECT_EQ(Dump("true ? x : x + 1"), "0 MOVE r4 := r2\n1 RETURN return r4\n");
  // false && <anything> is false, even when the other side would fail.
  EXPECT_EQ(Dump("x / 0 == 1 && false"),
            "0 LOAD_CONST r4 := false\n1 RETURN return r4\n");
}

TEST(CompilerTest, ErrorsAreNotFoldedAway) {
  // 1/0 is an error at run time, with its span; not a compile crash.
  EXPECT_EQ(Dump("1 / 0", /*check=*/false),
            "0 LOAD_CONST r4 := 1\n1 LOAD_CONST r5 := 0\n"
            "2 DIV r4 := r4 / r5\n3 RETURN return r4\n");
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

// The instructions up to the first RETURN: the path taken when no operand
// is an error (out-of-line blocks follow it).
std::string MainLine(const std::string& dump) {
  const size_t end = dump.find(" RETURN ");
  if (end == std::string::npos) return dump;
  return dump.substr(0, dump.find('\n', end) + 1);
}

TEST(CompilerTest, ShortCircuitJumps) {
  // Conditions are jumping code: each comparison branches on its own result
  // (BR_*), nothing materialises a bool until the last operand, which is the
  // value itself. ON_ERROR after each BR_* leaves the main line for an
  // out-of-line block when an operand is an error or not a bool; there the
  // plain &&/|| evaluation (error absorption) runs and jumps back.
  EXPECT_EQ(Dump("x > 1 && s == 'a' || x < 0"),
            "0 BR_GT_CONST if (r2 > 1) is false goto 4\n"
            "1 ON_ERROR (operand of the BR_* before) not a bool: r6 := it, "
            "goto 9\n"
            "2 BR_EQ_CONST if (r3 == \"a\") is true goto 15\n"
            "3 ON_ERROR (operand of the BR_* before) not a bool: r7 := it, "
            "goto 6\n"
            "4 LT_CONST r4 := r2 < 0\n"
            "5 RETURN return r4\n"
            // s == 'a' was an error: error && ..., then || x < 0.
            "6 LOAD_CONST r5 := true\n"
            "7 AND r5 := r5 && r7 (rA not false; false absorbs errors)\n"
            "8 JUMP goto 17\n"
            // x > 1 was an error: error && (s == 'a'), false goes on.
            "9 EQ_CONST r8 := r3 == \"a\"\n"
            "10 AND r6 := r6 && r8 (rA not false; false absorbs errors)\n"
            "11 JUMP_IF_FALSE if r6 == false goto 14\n"
            "12 MOVE r5 := r6\n"
            "13 JUMP goto 17\n"
            "14 RESUME goto 4 (backward, from an out-of-line block: charge 1, "
            "check deadline)\n"
            "15 LOAD_CONST r4 := true\n"
            "16 RETURN return r4\n"
            "17 LT_CONST r9 := r2 < 0\n"
            "18 OR r5 := r5 || r9 (rA not true; true absorbs errors)\n"
            "19 MOVE r4 := r5\n"
            "20 RETURN return r4\n");
  // The plain lowering materialises every operand and tests it.
  EXPECT_EQ(Dump("x > 1 && s == 'a' || x < 0", true, /*fuse=*/false),
            "0 LOAD_CONST r5 := 1\n"
            "1 GT r4 := r2 > r5\n"
            "2 JUMP_IF_FALSE if r4 == false goto 6\n"
            "3 LOAD_CONST r6 := \"a\"\n"
            "4 EQ r5 := r3 == r6\n"
            "5 AND r4 := r4 && r5 (rA not false; false absorbs errors)\n"
            "6 JUMP_IF_TRUE if r4 == true goto 10\n"
            "7 LOAD_CONST r6 := 0\n"
            "8 LT r5 := r2 < r6\n"
            "9 OR r4 := r4 || r5 (rA not true; true absorbs errors)\n"
            "10 RETURN return r4\n");
}

TEST(CompilerTest, JumpThreadingSkipsWholeChain) {
  std::string d = Dump("x > 1 && x > 2 && x > 3");
  // Every BR_* goes straight to the shared `false` result.
  EXPECT_THAT(d, HasSubstr("0 BR_GT_CONST if (r2 > 1) is false goto 14\n"));
  EXPECT_THAT(d, HasSubstr("2 BR_GT_CONST if (r2 > 2) is false goto 14\n"));
  EXPECT_THAT(d, HasSubstr("14 LOAD_CONST r4 := false\n15 RETURN return r4\n"));
  EXPECT_EQ(Count(MainLine(d), "\n"), 6) << d;
}

TEST(CompilerTest, Ternary) {
  // Each arm returns directly (a JUMP to a RETURN is that RETURN); a
  // non-bool condition is an error, out of line.
  EXPECT_EQ(Dump("x > 0 ? 'pos' : 'neg'"),
            "0 BR_GT_CONST if (r2 > 0) is false goto 4\n"
            "1 ON_ERROR (operand of the BR_* before) not a bool: r5 := it, "
            "goto 6\n"
            "2 LOAD_CONST r4 := \"pos\"\n"
            "3 RETURN return r4\n"
            "4 LOAD_CONST r4 := \"neg\"\n"
            "5 RETURN return r4\n"
            "6 BRANCH if r5 == true next; if false goto 7; else r5 := error, "
            "goto 7\n"
            "7 MOVE r4 := r5\n"
            "8 RETURN return r4\n");
}

TEST(CompilerTest, FieldAccessIsResolvedAtCompileTime) {
  EXPECT_EQ(Dump("b.public_access_block.block_public_acls"),
            "0 FIELD_FIELD r4 := r0.public_access_block#6.block_public_acls#1\n"
            "1 RETURN return r4\n");
  EXPECT_EQ(Dump("has(b.versioning)"),
            "0 HAS_FIELD r4 := has(r0.versioning#9)\n1 RETURN return r4\n");
  // Without the checker the same access goes by name at run time.
  EXPECT_EQ(Dump("b.public_access_block.block_public_acls", false),
            "0 SELECT r4 := r0.public_access_block (by name: message field or "
            "map key)\n"
            "1 SELECT r4 := r4.block_public_acls (by name: message field or "
            "map key)\n"
            "2 RETURN return r4\n");
}

TEST(CompilerTest, ConstantSetsAndKeys) {
  EXPECT_EQ(Dump("b.acl in ['public-read', 'public-read-write']"),
            "0 FIELD r4 := r0.acl#5\n"
            "1 IN_CONST r4 := r4 in [\"public-read\", \"public-read-write\"] "
            "(constant list or map)\n"
            "2 RETURN return r4\n");
  EXPECT_EQ(Dump("'env' in b.tags"),
            "0 FIELD r4 := r0.tags#8\n"
            "1 CONTAINS_KEY_CONST r4 := \"env\" in r4\n"
            "2 RETURN return r4\n");
  EXPECT_EQ(Dump("b.tags['env']"),
            "0 FIELD r4 := r0.tags#8\n1 INDEX_CONST r4 := r4[\"env\"]\n"
            "2 RETURN return r4\n");
}

TEST(CompilerTest, ComprehensionLoops) {
  // exists: the predicate branches out of the loop as soon as it is true
  // (the accumulator is not tested per element); an error is folded into
  // the accumulator out of line, and the loop goes on (a later true
  // absorbs it). The iteration variable (r8) is a plain register.
  EXPECT_EQ(Dump("sg.ingress.exists(i, i.from_port == 22)"),
            "0 FIELD r5 := r1.ingress#5\n"
            "1 LOAD_CONST r7 := false\n"
            "2 ITER_INIT r6 := 0; if r5 not list/map: r4 := error, goto 9\n"
            "3 ITER_NEXT if r6 >= size(r5) goto 8; r8 := elem/key r6; r6 += 1 "
            "(x=2: r9 := value)\n"
            "4 FIELD r10 := r8.from_port#2\n"
            "5 BR_EQ_CONST if (r10 == 22) is true goto 10\n"
            "6 ON_ERROR (operand of the BR_* before) not a bool: r9 := it, "
            "goto 12\n"
            "7 LOOP goto 3 (backward: charge budget, check deadline)\n"
            "8 MOVE r4 := r7\n"
            "9 RETURN return r4\n"
            "10 LOAD_CONST r7 := true\n"
            "11 RESUME goto 8 (backward, from an out-of-line block: charge 1, "
            "check deadline)\n"
            "12 OR r7 := r7 || r9 (rA not true; true absorbs errors)\n"
            "13 RESUME goto 7 (backward, from an out-of-line block: charge 1, "
            "check deadline)\n");
}

TEST(CompilerTest, MapAndFilterAppendInPlace) {
  std::string d = Dump("[1, 2, 3].filter(v, v > 1)");
  EXPECT_THAT(d, HasSubstr("LIST_APPEND"));
  EXPECT_THAT(MainLine(d), HasSubstr("BR_GT_CONST"));
  d = Dump("[1, 2, 3].map(v, v * 2)");
  EXPECT_THAT(d, HasSubstr("LIST_APPEND"));
  EXPECT_THAT(d, Not(HasSubstr("ADD")));
}

TEST(CompilerTest, RepeatedFieldChainsAreLoadedOnce) {
  // Program scope: b.public_access_block is decoded once for 3 reads.
  std::string d = Dump(
      "b.public_access_block.block_public_acls && "
      "b.public_access_block.ignore_public_acls && "
      "b.public_access_block.block_public_policy");
  // (Counted on the main line: error paths out of line re-read operands.)
  EXPECT_EQ(Count(MainLine(d), ".public_access_block#6"), 1) << d;
  EXPECT_EQ(Count(MainLine(d), ".block_public_policy#3"), 1) << d;
  // Loop scope: i.cidr is read on every iteration and hoisted; i.protocol
  // only behind a short circuit, so it stays where it is.
  d = Dump(
      "sg.ingress.exists(i, (i.cidr == 'a' || i.cidr == 'b') && "
      "(i.protocol == '-1' || i.protocol == 'tcp'))");
  EXPECT_EQ(Count(MainLine(d), ".cidr#1"), 1) << d;
  EXPECT_EQ(Count(MainLine(d), ".protocol#4"), 2) << d;
  // Without fusing nothing is hoisted.
  d = Dump(
      "b.public_access_block.block_public_acls && "
      "b.public_access_block.ignore_public_acls",
      true, /*fuse=*/false);
  EXPECT_EQ(Count(d, ".public_access_block#6"), 2) << d;
}

TEST(CompilerTest, FuseCanBeTurnedOff) {
  std::string d = Dump("b.public_access_block.block_public_acls == true", true,
                       /*fuse=*/false);
  EXPECT_THAT(d, Not(HasSubstr("FIELD_FIELD")));
  EXPECT_THAT(d, Not(HasSubstr("EQ_CONST")));
  EXPECT_THAT(d, HasSubstr(" EQ "));
}

TEST(CompilerTest, UnknownFunctionCheckedIsACompileError) {
  EXPECT_THAT(Dump("no_such_fn(1)"), HasSubstr("compile error"));
  // Unchecked: resolved at run time (and fails there).
  EXPECT_THAT(Dump("no_such_fn(1)", false), HasSubstr("CALL_DYNAMIC"));
}

TEST(CompilerTest, EveryInstructionHasASpan) {
  ExprOptions opts;
  opts.check = false;
  auto e = CompiledExpr::Compile("[1, 2].exists(v,\n  v == y)", opts, nullptr);
  ASSERT_TRUE(e.ok()) << e.status();
  const Program& p = (*e)->program();
  ASSERT_EQ(p.spans.size(), p.code.size());
  std::string full = engine::Disassemble(p);
  EXPECT_THAT(full, HasSubstr("<expr>:2:3"));  // v == y on line 2
  EXPECT_THAT(full, HasSubstr("addr"));
  EXPECT_THAT(full, HasSubstr("synopsis"));
}

TEST(CompilerTest, LargeExpressionsCompileOrFailCleanly) {
  ExprOptions opts;
  opts.variables = {{"x", lang::Type::Int()}};
  auto list_of = [](int n) {
    std::string text = "[";
    for (int i = 0; i < n; ++i)
      absl::StrAppend(&text, i ? ", " : "", "x + ", i);
    return absl::StrCat(text, "]");
  };
  // 3,000 distinct constants and registers: fine, and fast.
  auto e = CompiledExpr::Compile(list_of(3000), opts, nullptr);
  ASSERT_TRUE(e.ok()) << e.status();
  Arena arena;
  Activation act;
  act.Bind("x", Value::Int(1));
  Value v = (*e)->Evaluate(act, arena);
  ASSERT_EQ(v.kind, Kind::kList);
  EXPECT_EQ(v.list->size, 3000u);
  EXPECT_EQ(v.list->items[2999].i, 3000);
  // Past the 16-bit operand limits: a diagnostic, not a crash.
  lang::DiagnosticList diags;
  e = CompiledExpr::Compile(list_of(70000), opts, &diags);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("too large"));
}

TEST(CompilerTest, PassesAreTimedInOrder) {
  ExprOptions opts;
  opts.check = false;
  auto e = CompiledExpr::Compile("1 + 2", opts, nullptr);
  ASSERT_TRUE(e.ok());
  const CompileStats& st = (*e)->stats();
  std::vector<std::string> names;
  for (const PassTiming& p : st.passes) names.push_back(p.name);
  EXPECT_THAT(names, ::testing::ElementsAre("resolve", "fold", "lower", "fuse",
                                            "assemble"));
  EXPECT_EQ(st.constants_folded, 1);
}

TEST(CompilerTest, OpcodeTableIsConsistent) {
  for (int i = 0; i < kNumOps; ++i) {
    Op op = static_cast<Op>(i);
    EXPECT_NE(std::string(OpName(op)), "");
    EXPECT_NE(std::string(OpSynopsis(op)), "");
  }
}

// docs/bytecode.md lists every opcode of engine/opcodes.def.
TEST(CompilerTest, DocsListEveryOpcode) {
  std::ifstream in("docs/bytecode.md");
  ASSERT_TRUE(in.good()) << "docs/bytecode.md missing from runfiles";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (int i = 0; i < kNumOps; ++i) {
    const std::string name = OpName(static_cast<Op>(i));
    EXPECT_TRUE(absl::StrContains(doc, absl::StrCat("| `", name, "` |")))
        << "docs/bytecode.md does not document " << name;
  }
}

}  // namespace
}  // namespace onus::engine
