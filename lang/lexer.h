// The lexer for CEL expressions and .onus policy files.
//
// CEL comments are `// ...`; policy files also allow `/* ... */` (enable
// with LexerOptions::block_comments). Lexical errors are reported into the
// DiagnosticList as they are found and produce a kError token, so the parser
// can keep going and report several problems in one run.
#ifndef ONUS_LANG_LEXER_H_
#define ONUS_LANG_LEXER_H_

#include <string>
#include <utility>
#include <vector>

#include "lang/diagnostics.h"
#include "lang/source.h"
#include "lang/token.h"

namespace onus::lang {

struct LexerOptions {
  bool block_comments = false;  // `/* */` (policy files only)
  // When set, comments are appended here with their spans (the formatter
  // keeps them).
  std::vector<std::pair<Span, std::string>>* comments = nullptr;
  // Lexical errors past this many are not reported (the tokens still are).
  int max_errors = 100;
};

class Lexer {
 public:
  // Lexes source bytes [begin, end) (the whole text by default).
  Lexer(const Source& src, DiagnosticList* diags, LexerOptions opts = {});
  Lexer(const Source& src, DiagnosticList* diags, uint32_t begin, uint32_t end,
        LexerOptions opts = {});

  // The next token; kEof forever at the end.
  Token Next();

  // Byte offset of the next unread character.
  uint32_t position() const { return pos_; }

 private:
  void SkipSpaceAndComments();
  Token Make(TokenKind kind, uint32_t begin);
  Token LexNumber(uint32_t begin);
  Token LexString(uint32_t begin, bool bytes);
  Token LexQuotedIdent(uint32_t begin);
  void Error(absl::string_view code, Span span, std::string message);
  char Peek(uint32_t ahead = 0) const {
    return pos_ + ahead < end_ ? text_[pos_ + ahead] : '\0';
  }
  bool AtEnd(uint32_t ahead = 0) const { return pos_ + ahead >= end_; }

  const Source& src_;
  DiagnosticList* diags_;
  LexerOptions opts_;
  absl::string_view text_;
  uint32_t pos_;
  uint32_t end_;
  int errors_ = 0;
};

// Lexes everything up to and including the kEof token.
std::vector<Token> Tokenize(const Source& src, DiagnosticList* diags,
                            LexerOptions opts = {});

}  // namespace onus::lang

#endif  // ONUS_LANG_LEXER_H_
