#include "lang/lexer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lang/ast_dump.h"
#include "lang/unescape.h"

namespace onus::lang {
namespace {

using ::testing::HasSubstr;

struct TokenCase {
  const char* input;
  const char* tokens;
};

class TokenDumpTest : public ::testing::TestWithParam<TokenCase> {};

TEST_P(TokenDumpTest, Dump) {
  Source src("t.cel", GetParam().input);
  EXPECT_EQ(DumpTokens(src), GetParam().tokens) << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Lexer, TokenDumpTest,
    ::testing::Values(
        TokenCase{"", "eof"}, TokenCase{"  \t\r\n\f ", "eof"},
        TokenCase{"a.b_c1 _x", "ident(a) . ident(b_c1) ident(_x) eof"},
        TokenCase{"true false null in inx",
                  "true false null in ident(inx) eof"},
        TokenCase{"( ) [ ] { } . , : ; ? ! - + * / %",
                  "( ) [ ] { } . , : ; ? ! - + * / % eof"},
        TokenCase{"< <= > >= == != = && ||", "< <= > >= == != = && || eof"},
        TokenCase{"a<=b>=c!=d==e",
                  "ident(a) <= ident(b) >= ident(c) != "
                  "ident(d) == ident(e) eof"},
        // Numbers: CEL's int, uint and double forms.
        TokenCase{"0 123 0x1F 0XaB", "int(0) int(123) int(0x1F) int(0XaB) eof"},
        TokenCase{"1u 0x1FU 42U", "uint(1u) uint(0x1FU) uint(42U) eof"},
        TokenCase{"1.5 .5 1e10 1E-3 2.5e+2 0.0",
                  "double(1.5) double(.5) double(1e10) double(1E-3) "
                  "double(2.5e+2) double(0.0) eof"},
        // `1.` is not a double in CEL: it is 1 followed by a dot.
        TokenCase{"1.foo", "int(1) . ident(foo) eof"},
        TokenCase{"1e", "int(1) ident(e) eof"},
        TokenCase{"x[0].y", "ident(x) [ int(0) ] . ident(y) eof"},
        // Strings in every form.
        TokenCase{R"("a" 'b' "" '')",
                  R"(string("a") string('b') string("") string('') eof)"},
        TokenCase{R"("a\"b" 'it\'s')", R"(string("a\"b") string('it\'s') eof)"},
        TokenCase{"'''x\n'y'''", "string('''x\n'y''') eof"},
        TokenCase{R"("""a""b""")", R"(string("""a""b""") eof)"},
        TokenCase{R"(r"a\n" R'\d')", R"(string(r"a\n") string(R'\d') eof)"},
        TokenCase{R"(b"x" B'y' br"z" Rb'w' rB"v")",
                  R"(bytes(b"x") bytes(B'y') bytes(br"z") bytes(Rb'w') )"
                  R"(bytes(rB"v") eof)"},
        TokenCase{"rx bx r b", "ident(rx) ident(bx) ident(r) ident(b) eof"},
        TokenCase{"a // comment\nb", "ident(a) ident(b) eof"},
        TokenCase{"a /* block */ b", "ident(a) ident(b) eof"},
        TokenCase{"a.`b-c`", "ident(a) . quoted_ident(`b-c`) eof"},
        TokenCase{"a & b", "ident(a) error(&) ident(b) eof"},
        TokenCase{"\"abc", "error(\"abc) eof"},
        TokenCase{"'a\nb'", "error('a) error(b') eof"}));

TEST(LexerTest, ReportsErrorsWithCodesAndPositions) {
  Source src("t.cel", "a # b\n  'open\n");
  DiagnosticList diags;
  Tokenize(src, &diags);
  ASSERT_EQ(diags.items().size(), 2u) << diags.Render();
  EXPECT_EQ(diags.items()[0].code, "E0001");
  EXPECT_EQ(src.Describe(diags.items()[0].span), "t.cel:1:3");
  EXPECT_EQ(diags.items()[1].code, "E0002");
  EXPECT_EQ(src.Describe(diags.items()[1].span), "t.cel:2:3");
  EXPECT_THAT(diags.Render(), HasSubstr("unterminated string"));
}

TEST(LexerTest, UnterminatedTripleQuoteAndBlockComment) {
  Source src("t.cel", "'''abc\n /* x");
  DiagnosticList diags;
  std::vector<Token> toks = Tokenize(src, &diags);
  ASSERT_EQ(diags.items().size(), 1u) << diags.Render();
  EXPECT_EQ(diags.items()[0].code, "E0002");
  EXPECT_EQ(toks[0].kind, TokenKind::kError);

  Source src2("t.onus", "a /* never closed");
  DiagnosticList diags2;
  LexerOptions opts;
  opts.block_comments = true;
  Tokenize(src2, &diags2, opts);
  ASSERT_EQ(diags2.items().size(), 1u);
  EXPECT_THAT(diags2.items()[0].message, HasSubstr("block comment"));
}

TEST(LexerTest, BlockCommentsOnlyWhenEnabled) {
  Source src("t.cel", "a /* b */");
  DiagnosticList diags;
  std::vector<Token> toks = Tokenize(src, &diags);
  EXPECT_EQ(toks[1].kind, TokenKind::kSlash);
  EXPECT_EQ(toks[2].kind, TokenKind::kStar);
}

TEST(LexerTest, CollectsComments) {
  Source src("t.onus", "// one\na /* two */ b // three");
  std::vector<std::pair<Span, std::string>> comments;
  LexerOptions opts;
  opts.block_comments = true;
  opts.comments = &comments;
  DiagnosticList diags;
  Tokenize(src, &diags, opts);
  ASSERT_EQ(comments.size(), 3u);
  EXPECT_EQ(comments[0].second, "// one");
  EXPECT_EQ(comments[1].second, "/* two */");
  EXPECT_EQ(comments[2].second, "// three");
  EXPECT_EQ(src.Text(comments[1].first), "/* two */");
}

TEST(LexerTest, TokensAreViewsIntoTheSource) {
  Source src("t.cel", "alpha + 'beta'");
  DiagnosticList diags;
  std::vector<Token> toks = Tokenize(src, &diags);
  ASSERT_EQ(toks.size(), 4u);
  EXPECT_EQ(toks[0].text.data(), src.text().data());
  EXPECT_EQ(toks[2].span.begin, 8u);
  EXPECT_EQ(toks[2].span.end, 14u);
}

TEST(LexerTest, SkipsByteOrderMark) {
  Source src("t.cel",
             "\xEF\xBB\xBF"
             "a");
  EXPECT_EQ(DumpTokens(src), "ident(a) eof");
}

TEST(LexerTest, RangeLexing) {
  Source src("t.cel", "xx a.b yy");
  Lexer lexer(src, nullptr, 3, 6);
  EXPECT_EQ(lexer.Next().text, "a");
  EXPECT_EQ(lexer.Next().kind, TokenKind::kDot);
  EXPECT_EQ(lexer.Next().text, "b");
  EXPECT_EQ(lexer.Next().kind, TokenKind::kEof);
}

TEST(LexerTest, StopsReportingAfterMaxErrors) {
  Source src("t.cel", std::string(500, '#'));
  DiagnosticList diags;
  LexerOptions opts;
  opts.max_errors = 10;
  std::vector<Token> toks = Tokenize(src, &diags, opts);
  EXPECT_EQ(diags.items().size(), 10u);
  EXPECT_EQ(toks.size(), 501u);
}

// ---------------------------------------------------------------------------
// Literal decoding

struct DecodeCase {
  const char* literal;
  std::string value;  // expected bytes; empty with error set means failure
  const char* error = nullptr;
};

class DecodeTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeTest, Decode) {
  std::string out;
  UnescapeError err;
  bool ok = DecodeLiteral(GetParam().literal, &out, &err);
  if (GetParam().error == nullptr) {
    ASSERT_TRUE(ok) << GetParam().literal << ": " << err.message;
    EXPECT_EQ(out, GetParam().value) << GetParam().literal;
  } else {
    ASSERT_FALSE(ok) << GetParam().literal << " gave " << out;
    EXPECT_THAT(err.message, HasSubstr(GetParam().error));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Unescape, DecodeTest,
    ::testing::Values(
        DecodeCase{R"("abc")", "abc"}, DecodeCase{R"('')", ""},
        DecodeCase{R"("\a\b\f\n\r\t\v")", "\a\b\f\n\r\t\v"},
        DecodeCase{R"("\\ \' \" \` \?")", "\\ ' \" ` ?"},
        DecodeCase{R"("\101\060")", "A0"},
        DecodeCase{R"("\377")", "\xC3\xBF"},  // U+00FF in a string
        DecodeCase{R"(b"\377")", std::string("\xFF")},
        DecodeCase{R"("\x41\X42")", "AB"}, DecodeCase{R"("\xff")", "\xC3\xBF"},
        DecodeCase{R"(b"\xff\x00")", std::string("\xFF\x00", 2)},
        DecodeCase{R"("\u00e9\U0001F600")", "\xC3\xA9\xF0\x9F\x98\x80"},
        DecodeCase{R"("é")", "\xC3\xA9"}, DecodeCase{R"(b"é")", "\xC3\xA9"},
        DecodeCase{R"(r"\n\x")", "\\n\\x"}, DecodeCase{R"(br'\377')", "\\377"},
        DecodeCase{"'''a\nb'''", "a\nb"},
        DecodeCase{R"("""say "hi"!""")", "say \"hi\"!"},
        DecodeCase{R"("\q")", "", "invalid escape sequence `\\q`"},
        DecodeCase{R"("\400")", "", "invalid escape sequence `\\4`"},
        DecodeCase{R"("\12")", "", "octal escape"},
        DecodeCase{R"("\x4")", "", "2 hexadecimal digits"},
        DecodeCase{R"("\uD800")", "", "not a valid Unicode code point"},
        DecodeCase{R"("\U00110000")", "", "not a valid Unicode code point"},
        DecodeCase{R"(b"\u0041")", "", "not allowed in bytes"},
        DecodeCase{"\"\xff\"", "", "invalid UTF-8"},
        DecodeCase{"\"\xC0\x80\"", "", "invalid UTF-8"}));

TEST(UnescapeTest, ErrorOffsetPointsAtTheEscape) {
  std::string out;
  UnescapeError err;
  ASSERT_FALSE(DecodeLiteral(R"("ab\qc")", &out, &err));
  EXPECT_EQ(err.offset, 3u);
  EXPECT_EQ(err.length, 2u);
}

}  // namespace
}  // namespace onus::lang
