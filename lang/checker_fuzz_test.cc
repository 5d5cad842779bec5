// Random expressions over the test schema: the checker never crashes, every
// diagnostic is well formed, and a clean check leaves no type parameter or
// error type anywhere in the checked tree.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lang/checker.h"
#include "lang/parser.h"
#include "testdata/checker_test.pb.h"

namespace onus::lang {
namespace {

const char* const kAtoms[] = {
    "b",
    "b.name",
    "b.tags",
    "b.grants",
    "b.object_count",
    "b.extra",
    "x",
    "now",
    "1",
    "1u",
    "2.5",
    "'s'",
    "b'x'",
    "null",
    "true",
    "[1, 'a']",
    "{'k': 1}",
    "onus.test.Bucket{name: 'n'}",
    "onus.test.Bucket.Versioning.ENABLED",
    "int",
    "optional.none()",
    "nope",
    "b.nme",
    "[]",
    "{}",
    "b.creation_date",
    "duration('1h')",
};
const char* const kUnary[] = {
    "!%",
    "-%",
    "(%)",
    "%.size()",
    "size(%)",
    "has(%.name)",
    "%.?name",
    "%[0]",
    "%[?'k']",
    "%.exists(v, v == %)",
    "%.map(v, [v])",
    "%.filter(v, %)",
    "type(%)",
    "dyn(%)",
    "string(%)",
    "math.greatest(%, %)",
    "%.orValue(%)",
    "%.startsWith(%)",
    "ip(%).isPrivate()",
    "%.name",
    "%.public_access_block.block_public_acls",
    "[%, %]",
    "{%: %}",
    "optional.of(%)",
    "cel.bind(t, %, t + %)",
};
const char* const kBinary[] = {"% + %",  "% == %",   "% && %", "% || %",
                               "% < %",  "% in %",   "% * %",  "% - %",
                               "% != %", "% ? % : %"};

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  std::string Expr(int depth) {
    int choice = depth <= 0 ? 0 : Pick(3);
    if (choice == 0) return kAtoms[Pick(std::size(kAtoms))];
    const char* tmpl = choice == 1 ? kUnary[Pick(std::size(kUnary))]
                                   : kBinary[Pick(std::size(kBinary))];
    std::string out;
    for (const char* p = tmpl; *p; ++p) {
      if (*p == '%') {
        out += Expr(depth - 1);
      } else {
        out += *p;
      }
    }
    return out;
  }

 private:
  int Pick(size_t n) {
    return std::uniform_int_distribution<int>(0, static_cast<int>(n) - 1)(rng_);
  }
  std::mt19937 rng_;
};

bool HasParamOrError(const Type& t) {
  if (t.kind == TypeKind::kTypeParam || t.kind == TypeKind::kError) {
    return true;
  }
  for (const Type& p : t.params) {
    if (HasParamOrError(p)) return true;
  }
  return false;
}

TEST(CheckerFuzzTest, RandomExpressions) {
  CheckerEnv env;
  env.variables = {
      {"b", Type::Message(onus::test::Bucket::descriptor())},
      {"now", Type::Timestamp()},
      {"x", Type::Dyn()},
  };
  int clean = 0;
  int with_errors = 0;
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    Gen gen(seed);
    std::string text = gen.Expr(1 + seed % 5);
    Source src("fuzz.cel", text);
    DiagnosticList diags;
    ParsedExpr parsed = ParseExpr(src, diags);
    if (parsed.root == nullptr) continue;
    DiagnosticList check_diags;
    absl::StatusOr<CheckedAst> r =
        Check(*parsed.ast, *parsed.root, src, env, check_diags);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status();
    ASSERT_EQ(r->types.size(), static_cast<size_t>(parsed.ast->size()));
    for (const Diagnostic& d : check_diags.items()) {
      EXPECT_EQ(d.code.substr(0, 3), "E01") << text;
      EXPECT_FALSE(d.message.empty()) << text;
      EXPECT_LE(d.span.end, text.size()) << text << ": " << d.message;
      EXPECT_LE(d.span.begin, d.span.end) << text;
    }
    if (check_diags.has_errors()) {
      ++with_errors;
      continue;
    }
    ++clean;
    // Walk every node reachable from the root.
    std::vector<const lang::Expr*> stack = {parsed.root};
    while (!stack.empty()) {
      const lang::Expr* e = stack.back();
      stack.pop_back();
      if (e == nullptr) continue;
      EXPECT_FALSE(HasParamOrError(r->types[e->id]))
          << text << ": node " << e->id << " typed "
          << r->types[e->id].ToString();
      // Not evaluated, hence not typed: the operands of a qualified name
      // (`pkg.Enum.VALUE`, `a.b` declared as one variable) and the
      // namespace of a namespaced call (`math` in `math.greatest(...)`).
      const Reference& ref = r->refs[e->id];
      bool qualified = e->kind == ExprKind::kSelect &&
                       (ref.kind == Reference::Kind::kVariable ||
                        ref.kind == Reference::Kind::kEnumConstant ||
                        ref.kind == Reference::Kind::kTypeName);
      bool ns_call = e->kind == ExprKind::kCall &&
                     ref.kind == Reference::Kind::kFunction &&
                     ref.name != e->name;
      if (!qualified) stack.push_back(e->operand);
      if (!ns_call) stack.push_back(e->target);
      for (const lang::Expr* c : {e->iter_range, e->accu_init,
                                  e->loop_condition, e->loop_step, e->result}) {
        stack.push_back(c);
      }
      for (const lang::Expr* a : e->args) stack.push_back(a);
      for (const Entry& en : e->entries) {
        stack.push_back(en.key);
        stack.push_back(en.value);
      }
    }
  }
  // The generator must exercise both outcomes to mean anything.
  EXPECT_GT(clean, 300);
  EXPECT_GT(with_errors, 300);
}

}  // namespace
}  // namespace onus::lang
