// Fuzz-style robustness tests: random bytes, random token soup and every
// prefix of valid inputs go through the lexer and both parsers. Nothing may
// crash, a null result always comes with an error, and every expression
// that parses prints back (Unparse) to source that parses to the same tree.
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lang/ast_dump.h"
#include "lang/lexer.h"
#include "lang/parser.h"

namespace onus::lang {
namespace {

constexpr uint32_t kSeed = 20261124;

void CheckExpr(const std::string& text) {
  Source src("fuzz.cel", text);
  DiagnosticList diags;
  std::vector<Token> toks = Tokenize(src, &diags);
  ASSERT_FALSE(toks.empty());
  ASSERT_EQ(toks.back().kind, TokenKind::kEof);
  DiagnosticList pdiags;
  ParsedExpr p = ParseExpr(src, pdiags);
  ASSERT_NE(p.ast, nullptr);
  if (p.root == nullptr) {
    ASSERT_TRUE(pdiags.has_errors()) << "silent failure for: " << text;
    for (const Diagnostic& d : pdiags.items()) {
      ASSERT_LE(d.span.begin, src.text().size());
      ASSERT_LE(d.span.end, src.text().size());
      ASSERT_FALSE(d.code.empty());
    }
    pdiags.Render();  // must not crash either
    return;
  }
  ASSERT_FALSE(pdiags.has_errors()) << pdiags.Render();
  std::string dump = DumpExpr(*p.root);
  std::string printed = Unparse(*p.root, *p.ast);
  Source again("again.cel", printed);
  DiagnosticList diags2;
  ParsedExpr q = ParseExpr(again, diags2);
  ASSERT_NE(q.root, nullptr)
      << "input: " << text << "\nprinted: " << printed << "\n"
      << diags2.Render();
  EXPECT_EQ(DumpExpr(*q.root), dump) << "input: " << text;
}

void CheckPolicyFile(const std::string& text) {
  Source src("fuzz.onus", text);
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_NE(file, nullptr);
  for (const Diagnostic& d : diags.items()) {
    ASSERT_LE(d.span.begin, src.text().size());
  }
  diags.Render();
  for (const PolicyDecl& p : file->policies) {
    if (p.require != nullptr) Unparse(*p.require, *file->ast);
    if (p.when != nullptr) Unparse(*p.when, *file->ast);
  }
}

TEST(ParserFuzzTest, RandomBytes) {
  std::mt19937 rng(kSeed);
  std::uniform_int_distribution<int> len(0, 48);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    int n = len(rng);
    for (int k = 0; k < n; ++k) s.push_back(static_cast<char>(byte(rng)));
    CheckExpr(s);
    CheckPolicyFile(s);
    if (HasFatalFailure()) return;
  }
}

TEST(ParserFuzzTest, RandomPrintableBytes) {
  std::mt19937 rng(kSeed + 1);
  const std::string alphabet = "ab1.()[]{}?:,!-+*/%<>=&|'\"\\`rbux \n";
  std::uniform_int_distribution<int> len(0, 40);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    int n = len(rng);
    for (int k = 0; k < n; ++k) s.push_back(alphabet[pick(rng)]);
    CheckExpr(s);
    if (HasFatalFailure()) return;
  }
}

TEST(ParserFuzzTest, TokenSoup) {
  const std::vector<std::string> pieces = {"a",
                                           "b",
                                           ".",
                                           "(",
                                           ")",
                                           "[",
                                           "]",
                                           "{",
                                           "}",
                                           "?",
                                           ":",
                                           ",",
                                           "1",
                                           "1u",
                                           "2.5",
                                           "-",
                                           "!",
                                           "+",
                                           "*",
                                           "/",
                                           "%",
                                           "==",
                                           "!=",
                                           "<",
                                           "<=",
                                           "&&",
                                           "||",
                                           "in",
                                           "'s'",
                                           "b'x'",
                                           "true",
                                           "null",
                                           "has",
                                           "all",
                                           "exists",
                                           "map",
                                           "filter",
                                           "exists_one",
                                           "cel",
                                           "bind",
                                           "x",
                                           "y",
                                           ".?",
                                           "[?",
                                           "M",
                                           "f",
                                           "size",
                                           "`q-r`",
                                           "if",
                                           "9223372036854775808",
                                           "-9223372036854775808",
                                           "0x1F",
                                           "\"\\u00e9\""};
  std::mt19937 rng(kSeed + 2);
  std::uniform_int_distribution<int> len(1, 30);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  int parsed = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string s;
    int n = len(rng);
    for (int k = 0; k < n; ++k) {
      s += pieces[pick(rng)];
      if (rng() % 2) s += " ";
    }
    Source src("soup.cel", s);
    DiagnosticList d;
    if (ParseExpr(src, d).root != nullptr) ++parsed;
    CheckExpr(s);
    if (HasFatalFailure()) return;
  }
  // The soup must reach the success path sometimes, or the round-trip
  // check above tests nothing.
  EXPECT_GT(parsed, 20);
}

TEST(ParserFuzzTest, StructuredRandomExpressions) {
  // Grows expressions from a small grammar so most of them are valid and
  // exercise the Unparse round trip over operators, macros and literals.
  std::mt19937 rng(kSeed + 3);
  std::function<std::string(int)> gen = [&](int depth) -> std::string {
    int choice = static_cast<int>(rng() % (depth > 4 ? 6 : 20));
    auto g = [&]() { return gen(depth + 1); };
    switch (choice) {
      case 0:
        return "x";
      case 1:
        return std::to_string(static_cast<int>(rng() % 100) - 50);
      case 2:
        return "'s\\n'";
      case 3:
        return "2.5";
      case 4:
        return "7u";
      case 5:
        return "true";
      case 6:
        return g() + " + " + g();
      case 7:
        return g() + " * " + g();
      case 8:
        return g() + " && " + g();
      case 9:
        return g() + " || " + g();
      case 10:
        return g() + " ? " + g() + " : " + g();
      case 11:
        return "!" + g();
      case 12:
        return "-" + g();
      case 13:
        return "(" + g() + ")";
      case 14:
        return "[" + g() + ", " + g() + "]";
      case 15:
        return "{" + g() + ": " + g() + "}";
      case 16:
        return g() + ".f";
      case 17:
        return "[1, 2].all(y, " + g() + ")";
      case 18:
        return g() + "[" + g() + "]";
      default:
        return "f(" + g() + ", " + g() + ") == " + g();
    }
  };
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s = gen(0);
    Source src("gen.cel", s);
    DiagnosticList d;
    if (ParseExpr(src, d).root != nullptr) ++parsed;
    CheckExpr(s);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(parsed, 2900);
}

TEST(ParserFuzzTest, LargeHostileInputsStayLinear) {
  // Inputs near the 1 MiB limit that make naive recovery quadratic or
  // allocate a node per bad token.
  const std::vector<std::string> inputs = {
      std::string(1 << 20, '#'),
      [] {
        std::string s;
        while (s.size() < (1u << 20) - 8) s += "policy ";
        return s;
      }(),
      [] {
        std::string s = "policy p {";
        while (s.size() < (1u << 20) - 16) s += " const x ";
        return s;
      }(),
      std::string((1 << 20) - 1, '('),
      std::string((1 << 20) - 1, '!') + "a",
  };
  for (const std::string& text : inputs) {
    absl::Time start = absl::Now();
    Source src("big", text);
    DiagnosticList d1, d2;
    ParsedExpr p = ParseExpr(src, d1);
    EXPECT_EQ(p.root == nullptr, d1.has_errors());
    EXPECT_LE(p.ast->size(), 1000) << text.substr(0, 20);
    ParsePolicyFile(src, d2);
    EXPECT_TRUE(d2.has_errors());
    absl::Duration took = absl::Now() - start;
    // Quadratic behaviour would take hours here; the bound only has to
    // survive a loaded CI machine.
    EXPECT_LT(took, absl::Seconds(5)) << text.substr(0, 20);
    std::cerr << "hostile input `" << text.substr(0, 12) << "...`: " << took
              << "\n";
  }
}

TEST(ParserFuzzTest, EveryPrefixOfValidInputs) {
  const std::vector<std::string> exprs = {
      "a.b.c(1, 2u, 3.5, 'x', b'y', r'z', \"\"\"t\"\"\")[0].?d",
      "l.all(x, x > 0) && m.exists(k, v, k == v) || cel.bind(q, 1, q)",
      "pkg.Msg{f: [1, ?2], ?g: {'k': -9223372036854775808}}.f",
      "a ? b : c ? !d : -e",
      "has(a.b) && .root.x in [1, 2] && l.map(x, x < 3, x * 2).size() >= 1",
  };
  for (const std::string& e : exprs) {
    for (size_t n = 0; n <= e.size(); ++n) {
      CheckExpr(e.substr(0, n));
      if (HasFatalFailure()) return;
    }
  }
  const std::string file =
      "package a.b; // c\n"
      "import 'x.onus' as x;\n"
      "const K = [1, 2];\n"
      "fn f(a, b) = a + b;\n"
      "/* block */\n"
      "policy p {\n"
      "  title = '''T'''\n"
      "  severity = high\n"
      "  owner = shared\n"
      "  service = [iaas, paas]\n"
      "  domain = network\n"
      "  frameworks = ['f:1']\n"
      "  resource = onus.aws.s3.Bucket as b\n"
      "  when = b.x.exists(y, y > 1)\n"
      "  require = f(b.n, 1) > 2 && K.all(k, k > 0)\n"
      "  message = \"bucket {b.name} {{literal}} { {1: 'a'}[1] }\"\n"
      "}\n";
  for (size_t n = 0; n <= file.size(); ++n) {
    CheckPolicyFile(file.substr(0, n));
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace onus::lang
