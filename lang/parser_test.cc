#include "lang/parser.h"

#include <pthread.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lang/ast_dump.h"

namespace onus::lang {
namespace {

using ::testing::HasSubstr;

// The dump of a successful parse, or "error: CODE@line:col ..." listing
// every diagnostic.
std::string ParseToDump(const std::string& text,
                        const ParserOptions& opts = {}) {
  Source src("t.cel", text);
  DiagnosticList diags;
  ParsedExpr p = ParseExpr(src, diags, opts);
  if (p.root == nullptr) {
    std::vector<std::string> errs;
    for (const Diagnostic& d : diags.items()) {
      Location loc = src.LocationOf(d.span.begin);
      errs.push_back(absl::StrCat(d.code, "@", loc.line, ":", loc.column));
    }
    EXPECT_FALSE(errs.empty()) << "null root without diagnostics: " << text;
    return absl::StrCat("error: ", absl::StrJoin(errs, " "));
  }
  EXPECT_TRUE(diags.empty()) << diags.Render();
  return DumpExpr(*p.root);
}

struct Case {
  const char* input;
  const char* dump;
};

class ParseDumpTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParseDumpTest, Dump) {
  EXPECT_EQ(ParseToDump(GetParam().input), GetParam().dump)
      << "input: " << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Precedence, ParseDumpTest,
    ::testing::Values(
        Case{"a + b * c", "_+_(ident(a), _*_(ident(b), ident(c)))"},
        Case{"(a + b) * c", "_*_(_+_(ident(a), ident(b)), ident(c))"},
        Case{"a - b - c", "_-_(_-_(ident(a), ident(b)), ident(c))"},
        Case{"a * b / c % d",
             "_%_(_/_(_*_(ident(a), ident(b)), ident(c)), ident(d))"},
        Case{"a < b == c", "_==_(_<_(ident(a), ident(b)), ident(c))"},
        Case{"a <= b != c >= d",
             "_>=_(_!=_(_<=_(ident(a), ident(b)), ident(c)), ident(d))"},
        Case{"a > b", "_>_(ident(a), ident(b))"},
        Case{"a in b", "@in(ident(a), ident(b))"},
        Case{"a + 1 in [2]", "@in(_+_(ident(a), 1), list(2))"},
        Case{"a && b || c && d",
             "_||_(_&&_(ident(a), ident(b)), _&&_(ident(c), ident(d)))"},
        Case{"a && b && c", "_&&_(_&&_(ident(a), ident(b)), ident(c))"},
        Case{"a && b && c && d",
             "_&&_(_&&_(ident(a), ident(b)), _&&_(ident(c), ident(d)))"},
        Case{"a || b || c", "_||_(_||_(ident(a), ident(b)), ident(c))"},
        Case{"a == b && c", "_&&_(_==_(ident(a), ident(b)), ident(c))"},
        Case{"a ? b : c", "_?_:_(ident(a), ident(b), ident(c))"},
        Case{"a ? b : c ? d : e",
             "_?_:_(ident(a), ident(b), _?_:_(ident(c), ident(d), ident(e)))"},
        Case{"a || b ? c + 1 : d",
             "_?_:_(_||_(ident(a), ident(b)), _+_(ident(c), 1), ident(d))"},
        Case{
            "a ? (b ? c : d) : e",
            "_?_:_(ident(a), _?_:_(ident(b), ident(c), ident(d)), ident(e))"}));

INSTANTIATE_TEST_SUITE_P(
    Unary, ParseDumpTest,
    ::testing::Values(Case{"!a", "!_(ident(a))"}, Case{"!!a", "ident(a)"},
                      Case{"!!!a", "!_(ident(a))"}, Case{"-a", "-_(ident(a))"},
                      Case{"--a", "ident(a)"}, Case{"---a", "-_(ident(a))"},
                      Case{"-5", "-5"}, Case{"- 5", "-5"}, Case{"--5", "5"},
                      Case{"-(5)", "-_(5)"}, Case{"-1.5", "-1.5"},
                      Case{"-1u", "-_(1u)"},
                      Case{"-9223372036854775808", "-9223372036854775808"},
                      Case{"-0x8000000000000000", "-9223372036854775808"},
                      Case{"9223372036854775807", "9223372036854775807"},
                      Case{"-x.y", "-_(select(ident(x), y))"},
                      Case{"-1.abs()", "-1.abs()"},
                      Case{"!a.b(c)", "!_(ident(a).b(ident(c)))"},
                      Case{"!-a", "!_(-_(ident(a)))"},
                      Case{"-a * b", "_*_(-_(ident(a)), ident(b))"}));

INSTANTIATE_TEST_SUITE_P(
    Member, ParseDumpTest,
    ::testing::Values(
        Case{"a.b.c", "select(select(ident(a), b), c)"},
        Case{"a.b(c)", "ident(a).b(ident(c))"},
        Case{"a.b.c(1, 2)", "select(ident(a), b).c(1, 2)"},
        Case{"f(a, b)", "f(ident(a), ident(b))"}, Case{"f()", "f()"},
        Case{"a[0]", "_[_](ident(a), 0)"},
        Case{"a[0][1].b", "select(_[_](_[_](ident(a), 0), 1), b)"},
        Case{"a[?0]", "_[?_](ident(a), 0)"},
        Case{"a.?b", "optselect(ident(a), b)"},
        Case{"a.?b.c", "select(optselect(ident(a), b), c)"},
        Case{".a.b", "select(ident(.a), b)"}, Case{".f(1)", ".f(1)"},
        Case{"a.`b-c`.`d.e`", "select(select(ident(a), b-c), d.e)"},
        Case{"a.if", "select(ident(a), if)"},
        Case{"size(a) == 2", "_==_(size(ident(a)), 2)"},
        Case{"(a).b", "select(ident(a), b)"},
        Case{"[1][0]", "_[_](list(1), 0)"},
        Case{"'abc'.size()", "\"abc\".size()"}));

INSTANTIATE_TEST_SUITE_P(
    Literals, ParseDumpTest,
    ::testing::Values(Case{"0", "0"}, Case{"123", "123"}, Case{"0x1F", "31"},
                      Case{"0x10u", "16u"}, Case{"1u", "1u"},
                      Case{"18446744073709551615u", "18446744073709551615u"},
                      Case{"0xFFFFFFFFFFFFFFFFu", "18446744073709551615u"},
                      Case{"1.0", "1.0"}, Case{"1e10", "1e+10"},
                      Case{".5", "0.5"}, Case{"1.5e-3", "0.0015"},
                      Case{"0.1", "0.1"}, Case{"'a\\n'", "\"a\\n\""},
                      Case{"\"\"", "\"\""}, Case{"r'a\\n'", "\"a\\\\n\""},
                      Case{"'''x\ny'''", "\"x\\ny\""},
                      Case{"\"\\u00e9\"", "\"\xC3\xA9\""},
                      Case{"\"\\303\\251\"", "\"\xC3\x83\xC2\xA9\""},
                      Case{"b'\\xff\\x00'", "b\"\\xff\\x00\""},
                      Case{"b'\\303\\251'", "b\"\\xc3\\xa9\""},
                      Case{"B'abc'", "b\"abc\""}, Case{"true", "true"},
                      Case{"false", "false"}, Case{"null", "null"}));

INSTANTIATE_TEST_SUITE_P(
    Aggregates, ParseDumpTest,
    ::testing::Values(
        Case{"[]", "list()"}, Case{"[1, 2,]", "list(1, 2)"},
        Case{"[?a, b]", "list(?ident(a), ident(b))"},
        Case{"[[1], [2, [3]]]", "list(list(1), list(2, list(3)))"},
        Case{"{}", "map()"},
        Case{"{'a': 1, ?b: 2,}", "map(\"a\": 1, ?ident(b): 2)"},
        Case{"{1: {2: 3}}", "map(1: map(2: 3))"},
        Case{"a.b.C{x: 1, ?y: 2}", "struct(a.b.C, x: 1, ?y: 2)"},
        Case{"C{}", "struct(C)"}, Case{".a.C{x: 1,}", "struct(.a.C, x: 1)"},
        Case{"C{`a-b`: 1}", "struct(C, a-b: 1)"},
        Case{"C{x: D{y: 2}}.x", "select(struct(C, x: struct(D, y: 2)), x)"}));

INSTANTIATE_TEST_SUITE_P(
    Macros, ParseDumpTest,
    ::testing::Values(
        Case{"has(a.b)", "has(ident(a), b)"},
        Case{"has(a.b.c)", "has(select(ident(a), b), c)"},
        Case{"a.all(x, x > 0)",
             "comp(x, ident(a), @result, true, "
             "@not_strictly_false(ident(@result)), "
             "_&&_(ident(@result), _>_(ident(x), 0)), ident(@result))"},
        Case{"a.exists(x, p)",
             "comp(x, ident(a), @result, false, "
             "@not_strictly_false(!_(ident(@result))), "
             "_||_(ident(@result), ident(p)), ident(@result))"},
        Case{"a.exists_one(x, p)",
             "comp(x, ident(a), @result, 0, true, "
             "_?_:_(ident(p), _+_(ident(@result), 1), ident(@result)), "
             "_==_(ident(@result), 1))"},
        Case{"a.map(x, x * 2)",
             "comp(x, ident(a), @result, list(), true, "
             "_+_(ident(@result), list(_*_(ident(x), 2))), ident(@result))"},
        Case{"a.map(x, p, t)",
             "comp(x, ident(a), @result, list(), true, "
             "_?_:_(ident(p), _+_(ident(@result), list(ident(t))), "
             "ident(@result)), ident(@result))"},
        Case{"a.filter(x, p)",
             "comp(x, ident(a), @result, list(), true, "
             "_?_:_(ident(p), _+_(ident(@result), list(ident(x))), "
             "ident(@result)), ident(@result))"},
        Case{"cel.bind(v, 1, v + 1)",
             "comp(#unused, list(), v, 1, false, ident(v), "
             "_+_(ident(v), 1))"},
        Case{"m.all(k, v, v > k)",
             "comp(k, v, ident(m), @result, true, "
             "@not_strictly_false(ident(@result)), "
             "_&&_(ident(@result), _>_(ident(v), ident(k))), "
             "ident(@result))"},
        Case{"l.transformList(i, v, v + i)",
             "comp(i, v, ident(l), @result, list(), true, "
             "_+_(ident(@result), list(_+_(ident(v), ident(i)))), "
             "ident(@result))"},
        Case{"m.transformMap(k, v, p, v)",
             "comp(k, v, ident(m), @result, map(), true, "
             "_?_:_(ident(p), cel.@mapInsert(ident(@result), ident(k), "
             "ident(v)), ident(@result)), ident(@result))"},
        Case{"o.optMap(v, v + 1)",
             "_?_:_(ident(o).hasValue(), optional.of(comp(#unused, list(), v, "
             "ident(o).value(), false, ident(v), _+_(ident(v), 1))), "
             "optional.none())"},
        Case{"cel.block([1, cel.index(0) + 1], cel.index(1))",
             "cel.@block(list(1, _+_(ident(@index0), 1)), ident(@index1))"},
        Case{"cel.iterVar(0, 1) + cel.accuVar(2, 0)",
             "_+_(ident(@it:0:1), ident(@ac:2:0))"},
        // Nested macros.
        Case{"a.all(x, x.exists(y, y))",
             "comp(x, ident(a), @result, true, "
             "@not_strictly_false(ident(@result)), "
             "_&&_(ident(@result), comp(y, ident(x), @result, false, "
             "@not_strictly_false(!_(ident(@result))), "
             "_||_(ident(@result), ident(y)), ident(@result))), "
             "ident(@result))"},
        // Not macros: other argument counts or names stay ordinary calls.
        Case{"a.all(x)", "ident(a).all(ident(x))"},
        Case{"has(a.b, c)", "has(select(ident(a), b), ident(c))"},
        Case{"x.bind(v, 1, v)", "ident(x).bind(ident(v), 1, ident(v))"},
        Case{"all(a, x, p)", "all(ident(a), ident(x), ident(p))"}));

INSTANTIATE_TEST_SUITE_P(
    Errors, ParseDumpTest,
    ::testing::Values(
        Case{"9223372036854775808", "error: E0004@1:1"},
        Case{"-9223372036854775809", "error: E0004@1:1"},
        Case{"18446744073709551616u", "error: E0004@1:1"},
        Case{"0x10000000000000000", "error: E0004@1:1"},
        Case{"1e999", "error: E0004@1:1"}, Case{"0x", "error: E0009@1:1"},
        Case{"a +", "error: E0001@1:4"}, Case{"a b", "error: E0001@1:3"},
        Case{"(a", "error: E0001@1:3"}, Case{"a)", "error: E0001@1:2"},
        Case{"[1 2]", "error: E0001@1:4"},
        Case{"{1: 2 3: 4}", "error: E0001@1:7"},
        Case{"{1 2}", "error: E0001@1:4"}, Case{"f(1 2)", "error: E0001@1:5"},
        Case{"a.", "error: E0001@1:3"}, Case{"a.1", "error: E0001@1:2"},
        Case{"a ? b", "error: E0001@1:6"}, Case{"a = b", "error: E0001@1:3"},
        Case{"a & b", "error: E0001@1:3"}, Case{"if", "error: E0005@1:1"},
        Case{"while(x)", "error: E0005@1:1"},
        Case{"package.x", "error: E0005@1:1"}, Case{"'abc", "error: E0002@1:1"},
        Case{"'a\\qb'", "error: E0003@1:3"},
        Case{"'\\uD800'", "error: E0003@1:2"},
        Case{"b'\\u0041'", "error: E0003@1:3"},
        Case{"has(a)", "error: E0008@1:5"},
        Case{"has(a.?b)", "error: E0008@1:5"},
        Case{"a.all(1, true)", "error: E0008@1:7"},
        Case{"a.map(x.y, x)", "error: E0008@1:7"},
        Case{"m.all(k, k, true)", "error: E0008@1:10"},
        Case{"cel.bind(a.b, 1, 2)", "error: E0008@1:10"},
        Case{"cel.block(x, 1)", "error: E0008@1:11"},
        Case{"cel.index(-1)", "error: E0008@1:11"},
        // Several errors in one run, in source order.
        Case{"f(1 +, 'x\\q', 9223372036854775808)",
             "error: E0001@1:6 E0003@1:10 E0004@1:15"},
        Case{"[a +, b +]", "error: E0001@1:5 E0001@1:10"},
        Case{"# + 'x", "error: E0001@1:1 E0002@1:5"}));

TEST(ParserTest, OptionalSyntaxCanBeDisabled) {
  ParserOptions opts;
  opts.enable_optional_syntax = false;
  EXPECT_EQ(ParseToDump("a.?b", opts), "error: E0001@1:3");
  EXPECT_EQ(ParseToDump("[?a]", opts), "error: E0001@1:2");
}

TEST(ParserTest, MacrosCanBeDisabled) {
  ParserOptions opts;
  opts.enable_macros = false;
  EXPECT_EQ(ParseToDump("has(a.b)", opts), "has(select(ident(a), b))");
  EXPECT_EQ(ParseToDump("a.all(x, x)", opts),
            "ident(a).all(ident(x), ident(x))");
}

TEST(ParserTest, MacroCallsAreRecorded) {
  Source src("t.cel", "a.exists(x, x > 1) && has(b.c)");
  DiagnosticList diags;
  ParsedExpr p = ParseExpr(src, diags);
  ASSERT_NE(p.root, nullptr) << diags.Render();
  ASSERT_EQ(p.ast->macro_calls.size(), 2u);
  const Expr* comp = p.root->args[0];
  ASSERT_EQ(comp->kind, ExprKind::kComprehension);
  auto it = p.ast->macro_calls.find(comp->id);
  ASSERT_NE(it, p.ast->macro_calls.end());
  EXPECT_EQ(DumpExpr(*it->second),
            "ident(a).exists(ident(x), _>_(ident(x), 1))");
  EXPECT_EQ(src.Text(comp->span), "a.exists(x, x > 1)");
  const Expr* has = p.root->args[1];
  EXPECT_TRUE(has->test_only);
  EXPECT_TRUE(p.ast->macro_calls.contains(has->id));
}

TEST(ParserTest, IdsAreDenseAndSpansCoverText) {
  Source src("t.cel", "a.b + f(1, [2])");
  DiagnosticList diags;
  ParsedExpr p = ParseExpr(src, diags);
  ASSERT_NE(p.root, nullptr);
  EXPECT_EQ(src.Text(p.root->span), "a.b + f(1, [2])");
  EXPECT_EQ(src.Text(p.root->args[0]->span), "a.b");
  EXPECT_EQ(src.Text(p.root->args[1]->span), "f(1, [2])");
  EXPECT_EQ(src.Text(p.root->args[1]->args[1]->span), "[2]");
  for (ExprId id = 0; id < p.ast->size(); ++id) {
    const Expr* e = p.ast->Find(id);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->id, id);
  }
}

TEST(ParserTest, ErrorsRenderWithLocationAndHelp) {
  Source src("rule.cel", "x.size() = 2");
  DiagnosticList diags;
  ParsedExpr p = ParseExpr(src, diags);
  EXPECT_EQ(p.root, nullptr);
  std::string text = diags.Render();
  EXPECT_THAT(text, HasSubstr("rule.cel:1:10: error[E0001]"));
  EXPECT_THAT(text, HasSubstr("use `==` to compare values"));

  Source src2("rule.cel", "a and b");
  DiagnosticList diags2;
  EXPECT_EQ(ParseExpr(src2, diags2).root, nullptr);
  EXPECT_THAT(diags2.Render(), HasSubstr("CEL writes `and` as `&&`"));
}

// ---------------------------------------------------------------------------
// Limits

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

TEST(ParserLimitsTest, DeepParenthesesStopWithE0006) {
  std::string ok = Repeat("(", 100) + "1" + Repeat(")", 100);
  EXPECT_EQ(ParseToDump(ok), "1");
  std::string deep = Repeat("(", 100000) + "1" + Repeat(")", 100000);
  EXPECT_THAT(ParseToDump(deep), HasSubstr("E0006"));
}

TEST(ParserLimitsTest, DeepStructuresStopWithE0006) {
  for (const auto& [open, close] :
       std::vector<std::pair<std::string, std::string>>{{"[", "]"},
                                                        {"{1: ", "}"},
                                                        {"f(", ")"},
                                                        {"a[", "]"},
                                                        {"C{f: ", "}"},
                                                        {"a ? b : ", ""},
                                                        {"-!", ""}}) {
    std::string deep = Repeat(open, 5000) + "1" + Repeat(close, 5000);
    EXPECT_THAT(ParseToDump(deep), HasSubstr("E0006")) << open;
  }
}

TEST(ParserLimitsTest, LongChainsAreBoundedByTreeHeight) {
  // Member and operator chains do not recurse in the parser, but the tree
  // they build would; they are capped by the same limit.
  EXPECT_THAT(ParseToDump("a" + Repeat(".b", 5000)), HasSubstr("E0006"));
  EXPECT_THAT(ParseToDump("1" + Repeat(" + 1", 5000)), HasSubstr("E0006"));
  EXPECT_THAT(ParseToDump("a" + Repeat("[0]", 5000)), HasSubstr("E0006"));
  EXPECT_EQ(ParseToDump("a" + Repeat(".b", 100)).substr(0, 7), "select(");
  // && and || chains are balanced, so long ones are fine.
  std::string ands = "a" + Repeat(" && a", 5000);
  EXPECT_EQ(ParseToDump(ands).substr(0, 5), "_&&_(");
  // Repeated unary operators collapse instead of nesting.
  EXPECT_EQ(ParseToDump(Repeat("!", 10000) + "a"), "ident(a)");
  EXPECT_EQ(ParseToDump(Repeat("-", 10001) + "a"), "-_(ident(a))");
}

void* ParseDeepOnSmallStack(void* arg) {
  auto* out = static_cast<std::string*>(arg);
  // Nesting just inside the default limit of 250, in every recursive
  // construct, then far past it.
  *out = ParseToDump(Repeat("(", 245) + "1" + Repeat(")", 245)) + " " +
         ParseToDump(Repeat("[", 245) + "1" + Repeat("]", 245)) + " " +
         ParseToDump(Repeat("f(", 245) + "1" + Repeat(")", 245)) + " " +
         ParseToDump(Repeat("{1: ", 245) + "1" + Repeat("}", 245)) + " " +
         ParseToDump(Repeat("a ? b : ", 245) + "1") + " " +
         ParseToDump(Repeat("(", 100000));
  return nullptr;
}

TEST(ParserLimitsTest, DefaultLimitFitsASmallThreadStack) {
  // gRPC and other embedders may run the parser on threads with small
  // stacks: the default depth limit must fit in 1 MiB.
  pthread_attr_t attr;
  pthread_attr_init(&attr);
#ifdef __SANITIZE_ADDRESS__
  // `make sanitize`: AddressSanitizer's redzones make every frame several
  // times larger. The 1 MiB bound is the normal build's (`make test`).
  constexpr size_t kStackScale = 8;
#else
  constexpr size_t kStackScale = 1;
#endif
  pthread_attr_setstacksize(&attr, kStackScale * 1024 * 1024);
  pthread_t thread;
  std::string result;
  ASSERT_EQ(pthread_create(&thread, &attr, &ParseDeepOnSmallStack, &result), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(result.substr(0, 2), "1 ");
  EXPECT_THAT(result, HasSubstr(" list(list("));
  EXPECT_THAT(result, HasSubstr(" f(f("));
  EXPECT_THAT(result, HasSubstr(" map(1: map("));
  EXPECT_THAT(result, HasSubstr(" _?_:_(ident(a), ident(b), _?_:_("));
  EXPECT_THAT(result, HasSubstr("E0006"));
}

TEST(ParserLimitsTest, MaxDepthIsConfigurable) {
  ParserOptions opts;
  opts.max_depth = 5;
  EXPECT_EQ(ParseToDump("((1))", opts), "1");
  EXPECT_THAT(ParseToDump("((((((1))))))", opts), HasSubstr("E0006"));
  EXPECT_THAT(ParseToDump("a.b.c.d.e.f", opts), HasSubstr("E0006"));
}

TEST(ParserLimitsTest, InputTooLarge) {
  ParserOptions opts;
  opts.max_source_bytes = 10;
  EXPECT_EQ(ParseToDump("1 + 2 + 3 + 4", opts), "error: E0007@1:1");
}

TEST(ParserLimitsTest, ErrorBudget) {
  ParserOptions opts;
  opts.max_errors = 3;
  Source src("t.cel", Repeat("f(1 2) + ", 50) + "1");
  DiagnosticList diags;
  ParsedExpr p = ParseExpr(src, diags, opts);
  EXPECT_EQ(p.root, nullptr);
  EXPECT_LE(diags.error_count(), 4);
  EXPECT_THAT(diags.Render(), HasSubstr("too many errors"));
}

// ---------------------------------------------------------------------------
// Unparse

struct UnparseCase {
  const char* input;
  const char* output;
};

class UnparseTest : public ::testing::TestWithParam<UnparseCase> {};

TEST_P(UnparseTest, PrintsCelAndReparsesToTheSameTree) {
  Source src("t.cel", GetParam().input);
  DiagnosticList diags;
  ParsedExpr p = ParseExpr(src, diags);
  ASSERT_NE(p.root, nullptr) << diags.Render();
  std::string printed = Unparse(*p.root, *p.ast);
  EXPECT_EQ(printed, GetParam().output);
  Source again("u.cel", printed);
  DiagnosticList diags2;
  ParsedExpr q = ParseExpr(again, diags2);
  ASSERT_NE(q.root, nullptr) << diags2.Render();
  EXPECT_EQ(DumpExpr(*q.root), DumpExpr(*p.root));
}

INSTANTIATE_TEST_SUITE_P(
    Unparse, UnparseTest,
    ::testing::Values(UnparseCase{"a+b*c", "a + b * c"},
                      UnparseCase{"(a+b)*c", "(a + b) * c"},
                      UnparseCase{"a-(b-c)", "a - (b - c)"},
                      UnparseCase{"a - b - c", "a - b - c"},
                      UnparseCase{"a&&b&&c&&d", "a && b && c && d"},
                      UnparseCase{"(a||b)&&c", "(a || b) && c"},
                      UnparseCase{"a?b:c?d:e", "a ? b : c ? d : e"},
                      UnparseCase{"(a?b:c)?d:e", "(a ? b : c) ? d : e"},
                      UnparseCase{"!a.b", "!a.b"},
                      UnparseCase{"!(a&&b)", "!(a && b)"},
                      UnparseCase{"-(-5)", "-(-5)"},
                      UnparseCase{"(-5).abs()", "(-5).abs()"},
                      UnparseCase{"-(a+1)", "-(a + 1)"},
                      UnparseCase{"a[0][?'k'].?b", "a[0][?\"k\"].?b"},
                      UnparseCase{".x.f(1,2)", ".x.f(1, 2)"},
                      UnparseCase{"[1,?a,]", "[1, ?a]"},
                      UnparseCase{"{'k':1,?2:b}", "{\"k\": 1, ?2: b}"},
                      UnparseCase{"a.B{c:1,`d-e`:2}", "a.B{c: 1, `d-e`: 2}"},
                      UnparseCase{"has(a.b)", "has(a.b)"},
                      UnparseCase{"l.all(x,x>0)&&l.exists_one(y,y==1)",
                                  "l.all(x, x > 0) && l.exists_one(y, y == 1)"},
                      UnparseCase{"l.map(x,x*2).filter(y,y>2)",
                                  "l.map(x, x * 2).filter(y, y > 2)"},
                      UnparseCase{"cel.bind(v,1,v+1)", "cel.bind(v, 1, v + 1)"},
                      UnparseCase{"cel.block([1,cel.index(0)],cel.index(1))",
                                  "cel.block([1, cel.index(0)], cel.index(1))"},
                      UnparseCase{"1u+2.5+b'\\x01'+'q\"'",
                                  "1u + 2.5 + b\"\\x01\" + \"q\\\"\""},
                      UnparseCase{"x in [1.0, 1e100]", "x in [1.0, 1e+100]"}));

}  // namespace
}  // namespace onus::lang
