#include "lang/lexer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace onus::lang {

absl::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEof:
      return "eof";
    case TokenKind::kError:
      return "error";
    case TokenKind::kIdent:
      return "ident";
    case TokenKind::kQuotedIdent:
      return "quoted_ident";
    case TokenKind::kInt:
      return "int";
    case TokenKind::kUint:
      return "uint";
    case TokenKind::kDouble:
      return "double";
    case TokenKind::kString:
      return "string";
    case TokenKind::kBytes:
      return "bytes";
    case TokenKind::kTrue:
      return "true";
    case TokenKind::kFalse:
      return "false";
    case TokenKind::kNull:
      return "null";
    case TokenKind::kIn:
      return "in";
    case TokenKind::kLParen:
      return "(";
    case TokenKind::kRParen:
      return ")";
    case TokenKind::kLBracket:
      return "[";
    case TokenKind::kRBracket:
      return "]";
    case TokenKind::kLBrace:
      return "{";
    case TokenKind::kRBrace:
      return "}";
    case TokenKind::kDot:
      return ".";
    case TokenKind::kComma:
      return ",";
    case TokenKind::kColon:
      return ":";
    case TokenKind::kSemicolon:
      return ";";
    case TokenKind::kQuestion:
      return "?";
    case TokenKind::kNot:
      return "!";
    case TokenKind::kMinus:
      return "-";
    case TokenKind::kPlus:
      return "+";
    case TokenKind::kStar:
      return "*";
    case TokenKind::kSlash:
      return "/";
    case TokenKind::kPercent:
      return "%";
    case TokenKind::kLess:
      return "<";
    case TokenKind::kLessEq:
      return "<=";
    case TokenKind::kGreater:
      return ">";
    case TokenKind::kGreaterEq:
      return ">=";
    case TokenKind::kEqEq:
      return "==";
    case TokenKind::kNotEq:
      return "!=";
    case TokenKind::kAssign:
      return "=";
    case TokenKind::kAndAnd:
      return "&&";
    case TokenKind::kOrOr:
      return "||";
  }
  return "?";
}

namespace {

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsQuote(char c) { return c == '"' || c == '\''; }

// Length of the UTF-8 sequence starting with lead byte `c` (1 for invalid
// bytes, so the lexer always makes progress).
int Utf8Length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

}  // namespace

Lexer::Lexer(const Source& src, DiagnosticList* diags, LexerOptions opts)
    : Lexer(src, diags, 0, static_cast<uint32_t>(src.text().size()), opts) {}

Lexer::Lexer(const Source& src, DiagnosticList* diags, uint32_t begin,
             uint32_t end, LexerOptions opts)
    : src_(src),
      diags_(diags),
      opts_(opts),
      text_(src.text()),
      pos_(begin),
      end_(end > src.text().size() ? static_cast<uint32_t>(src.text().size())
                                   : end) {
  // A UTF-8 byte order mark some editors write is not part of the text.
  if (pos_ == 0 && text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

void Lexer::Error(absl::string_view code, Span span, std::string message) {
  if (diags_ == nullptr || errors_ >= opts_.max_errors) return;
  ++errors_;
  diags_->Error(code, &src_, span, std::move(message));
}

Token Lexer::Make(TokenKind kind, uint32_t begin) {
  Token t;
  t.kind = kind;
  t.span = {begin, pos_};
  t.text = text_.substr(begin, pos_ - begin);
  return t;
}

void Lexer::SkipSpaceAndComments() {
  while (!AtEnd()) {
    char c = Peek();
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++pos_;
    } else if (c == '/' && Peek(1) == '/') {
      uint32_t begin = pos_;
      while (!AtEnd() && Peek() != '\n') ++pos_;
      if (opts_.comments != nullptr) {
        opts_.comments->emplace_back(
            Span{begin, pos_}, std::string(text_.substr(begin, pos_ - begin)));
      }
    } else if (c == '/' && Peek(1) == '*' && opts_.block_comments) {
      uint32_t begin = pos_;
      pos_ += 2;
      bool closed = false;
      while (!AtEnd()) {
        if (Peek() == '*' && Peek(1) == '/') {
          pos_ += 2;
          closed = true;
          break;
        }
        ++pos_;
      }
      if (!closed) {
        Error("E0002", {begin, begin + 2}, "unterminated block comment");
      }
      if (opts_.comments != nullptr) {
        opts_.comments->emplace_back(
            Span{begin, pos_}, std::string(text_.substr(begin, pos_ - begin)));
      }
    } else {
      return;
    }
  }
}

Token Lexer::Next() {
  SkipSpaceAndComments();
  uint32_t begin = pos_;
  if (AtEnd()) return Make(TokenKind::kEof, begin);
  char c = Peek();

  // String and bytes literals with their optional r/b prefixes.
  if (IsQuote(c)) return LexString(begin, /*bytes=*/false);
  if (c == 'r' || c == 'R' || c == 'b' || c == 'B') {
    char c1 = Peek(1);
    bool is_b = c == 'b' || c == 'B';
    if (IsQuote(c1)) {
      return LexString(begin, is_b);
    }
    bool c1_b = c1 == 'b' || c1 == 'B';
    bool c1_r = c1 == 'r' || c1 == 'R';
    if (((is_b && c1_r) || (!is_b && c1_b)) && IsQuote(Peek(2))) {
      return LexString(begin, /*bytes=*/true);
    }
  }
  if (IsIdentStart(c)) {
    while (!AtEnd() && IsIdentChar(Peek())) ++pos_;
    absl::string_view word = text_.substr(begin, pos_ - begin);
    TokenKind kind = TokenKind::kIdent;
    if (word == "true") {
      kind = TokenKind::kTrue;
    } else if (word == "false") {
      kind = TokenKind::kFalse;
    } else if (word == "null") {
      kind = TokenKind::kNull;
    } else if (word == "in") {
      kind = TokenKind::kIn;
    }
    return Make(kind, begin);
  }
  if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return LexNumber(begin);
  if (c == '`') return LexQuotedIdent(begin);

  ++pos_;
  auto two = [&](char next, TokenKind yes, TokenKind no) {
    if (Peek() == next) {
      ++pos_;
      return Make(yes, begin);
    }
    return Make(no, begin);
  };
  switch (c) {
    case '(':
      return Make(TokenKind::kLParen, begin);
    case ')':
      return Make(TokenKind::kRParen, begin);
    case '[':
      return Make(TokenKind::kLBracket, begin);
    case ']':
      return Make(TokenKind::kRBracket, begin);
    case '{':
      return Make(TokenKind::kLBrace, begin);
    case '}':
      return Make(TokenKind::kRBrace, begin);
    case '.':
      return Make(TokenKind::kDot, begin);
    case ',':
      return Make(TokenKind::kComma, begin);
    case ':':
      return Make(TokenKind::kColon, begin);
    case ';':
      return Make(TokenKind::kSemicolon, begin);
    case '?':
      return Make(TokenKind::kQuestion, begin);
    case '-':
      return Make(TokenKind::kMinus, begin);
    case '+':
      return Make(TokenKind::kPlus, begin);
    case '*':
      return Make(TokenKind::kStar, begin);
    case '/':
      return Make(TokenKind::kSlash, begin);
    case '%':
      return Make(TokenKind::kPercent, begin);
    case '!':
      return two('=', TokenKind::kNotEq, TokenKind::kNot);
    case '<':
      return two('=', TokenKind::kLessEq, TokenKind::kLess);
    case '>':
      return two('=', TokenKind::kGreaterEq, TokenKind::kGreater);
    case '=':
      return two('=', TokenKind::kEqEq, TokenKind::kAssign);
    case '&':
      if (Peek() == '&') {
        ++pos_;
        return Make(TokenKind::kAndAnd, begin);
      }
      break;
    case '|':
      if (Peek() == '|') {
        ++pos_;
        return Make(TokenKind::kOrOr, begin);
      }
      break;
    default:
      break;
  }
  // Keep a multi-byte character in one piece so the caret covers it.
  pos_ = begin + Utf8Length(static_cast<unsigned char>(c));
  if (pos_ > end_) pos_ = end_;
  Token t = Make(TokenKind::kError, begin);
  unsigned char uc = static_cast<unsigned char>(c);
  if (diags_ == nullptr || errors_ >= opts_.max_errors) {
    return t;  // not reported: skip building the message
  }
  if (uc >= 0x20 && uc < 0x7f) {
    Error("E0001", t.span, absl::StrCat("unexpected character `", t.text, "`"));
  } else if (uc >= 0x80 && t.text.size() > 1) {
    Error("E0001", t.span,
          absl::StrCat("unexpected character `", t.text, "` outside a string"));
  } else {
    Error("E0001", t.span,
          absl::StrFormat("unexpected byte 0x%02x", static_cast<int>(uc)));
  }
  return t;
}

Token Lexer::LexNumber(uint32_t begin) {
  // CEL: NUM_INT = DIGIT+ | 0x HEX+ ; NUM_UINT = NUM_INT [uU];
  // NUM_FLOAT = DIGIT* '.' DIGIT+ EXP? | DIGIT+ EXP.
  if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
    pos_ += 2;
    if (!IsHexDigit(Peek())) {
      Token t = Make(TokenKind::kError, begin);
      Error("E0009", t.span, "hexadecimal literal needs at least one digit");
      return t;
    }
    while (!AtEnd() && IsHexDigit(Peek())) ++pos_;
    if (Peek() == 'u' || Peek() == 'U') {
      ++pos_;
      return Make(TokenKind::kUint, begin);
    }
    return Make(TokenKind::kInt, begin);
  }
  bool is_double = false;
  while (!AtEnd() && IsDigit(Peek())) ++pos_;
  if (Peek() == '.' && IsDigit(Peek(1))) {
    is_double = true;
    ++pos_;
    while (!AtEnd() && IsDigit(Peek())) ++pos_;
  }
  if (Peek() == 'e' || Peek() == 'E') {
    uint32_t k = 1;
    if (Peek(1) == '+' || Peek(1) == '-') k = 2;
    if (IsDigit(Peek(k))) {
      is_double = true;
      pos_ += k;
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
  }
  if (is_double) return Make(TokenKind::kDouble, begin);
  if (Peek() == 'u' || Peek() == 'U') {
    ++pos_;
    return Make(TokenKind::kUint, begin);
  }
  return Make(TokenKind::kInt, begin);
}

Token Lexer::LexString(uint32_t begin, bool bytes) {
  bool raw = false;
  while (!IsQuote(Peek())) {
    char p = Peek();
    if (p == 'r' || p == 'R') raw = true;
    ++pos_;
  }
  char q = Peek();
  bool triple = Peek(1) == q && Peek(2) == q;
  pos_ += triple ? 3 : 1;
  while (true) {
    if (AtEnd()) {
      Token t = Make(TokenKind::kError, begin);
      Error("E0002", {begin, begin + 1},
            bytes ? "unterminated bytes literal" : "unterminated string");
      return t;
    }
    char c = Peek();
    if (c == '\\' && !raw) {
      // The escape itself is checked when the literal is decoded; here we
      // only need to not stop at an escaped quote.
      pos_ += AtEnd(1) ? 1 : 2;
      continue;
    }
    if (triple) {
      if (c == q && Peek(1) == q && Peek(2) == q) {
        pos_ += 3;
        break;
      }
    } else {
      if (c == q) {
        ++pos_;
        break;
      }
      if (c == '\n' || c == '\r') {
        Token t = Make(TokenKind::kError, begin);
        Error("E0002", {begin, pos_},
              "unterminated string: a newline needs triple quotes or `\\n`");
        return t;
      }
    }
    ++pos_;
  }
  return Make(bytes ? TokenKind::kBytes : TokenKind::kString, begin);
}

Token Lexer::LexQuotedIdent(uint32_t begin) {
  ++pos_;
  while (!AtEnd()) {
    char c = Peek();
    if (IsIdentChar(c) || c == '.' || c == '-' || c == '/' || c == ' ') {
      ++pos_;
      continue;
    }
    break;
  }
  if (Peek() != '`' || pos_ == begin + 1) {
    if (Peek() == '`') ++pos_;
    Token t = Make(TokenKind::kError, begin);
    Error("E0001", t.span,
          "invalid quoted identifier: use letters, digits, `_ . - /` or "
          "space between backticks");
    return t;
  }
  ++pos_;
  return Make(TokenKind::kQuotedIdent, begin);
}

std::vector<Token> Tokenize(const Source& src, DiagnosticList* diags,
                            LexerOptions opts) {
  std::vector<Token> out;
  out.reserve(src.text().size() / 4 + 1);
  Lexer lexer(src, diags, opts);
  while (true) {
    out.push_back(lexer.Next());
    if (out.back().kind == TokenKind::kEof) break;
  }
  return out;
}

}  // namespace onus::lang
