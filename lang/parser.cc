#include "lang/parser.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lang/lexer.h"
#include "lang/parser_internal.h"
#include "lang/unescape.h"

namespace onus::lang {
namespace parser_internal {

bool IsReservedWord(absl::string_view w) {
  static constexpr absl::string_view kReserved[] = {
      "as",        "break",  "const",  "continue", "else", "for",
      "function",  "if",     "import", "let",      "loop", "package",
      "namespace", "return", "var",    "void",     "while"};
  for (absl::string_view r : kReserved) {
    if (w == r) return true;
  }
  return false;
}

std::string HintFor(const Token& t) {
  switch (t.kind) {
    case TokenKind::kAssign:
      return "use `==` to compare values";
    case TokenKind::kIdent:
      if (t.text == "and" || t.text == "AND") return "CEL writes `and` as `&&`";
      if (t.text == "or" || t.text == "OR") return "CEL writes `or` as `||`";
      if (t.text == "not" || t.text == "NOT") return "CEL writes `not` as `!`";
      return "";
    default:
      return "";
  }
}

void ErrorSink::Error(absl::string_view code, Span span, std::string message,
                      std::string help) {
  if (fatal) return;
  // One error per position: recovery often trips over the same token again.
  if (span.begin == last_offset && code == last_code) return;
  Report(code, span, std::move(message), std::move(help));
}

void ErrorSink::Report(absl::string_view code, Span span, std::string message,
                       std::string help) {
  if (fatal) return;
  last_offset = span.begin;
  last_code = std::string(code);
  if (count >= max_errors) {
    diags->Error(
        "E0001", src, span,
        absl::StrCat("too many errors (", max_errors, "); stopping here"));
    fatal = true;
    return;
  }
  ++count;
  diags->Error(code, src, span, std::move(message), std::move(help));
}

void ErrorSink::Fatal(absl::string_view code, Span span, std::string message) {
  if (fatal) return;
  ++count;
  diags->Error(code, src, span, std::move(message));
  fatal = true;
}

namespace {

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kIdent:
      return absl::StrCat("identifier `", t.text, "`");
    case TokenKind::kInt:
    case TokenKind::kUint:
    case TokenKind::kDouble:
      return absl::StrCat("number `", t.text, "`");
    case TokenKind::kString:
      return "string literal";
    case TokenKind::kBytes:
      return "bytes literal";
    default:
      return absl::StrCat("`", t.text, "`");
  }
}

// Parses the digits of an int/uint token (no sign, no suffix) into a uint64.
bool ParseMagnitude(absl::string_view text, uint64_t* out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  uint64_t v = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    if (v > (kMax - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      return false;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace

ExprParser::ExprParser(const Source& src, const std::vector<Token>& tokens,
                       size_t pos, Ast* ast, ErrorSink* errors,
                       const ParserOptions& opts)
    : src_(src),
      tokens_(tokens),
      pos_(pos),
      ast_(ast),
      errors_(errors),
      opts_(opts) {}

bool ExprParser::CheckDepth(Span at) {
  if (depth_ > opts_.max_depth) {
    errors_->Fatal("E0006", at,
                   absl::StrCat("expression nested too deeply (limit ",
                                opts_.max_depth, ")"));
    return false;
  }
  return !errors_->fatal;
}

Expr* ExprParser::Finish(Expr* e) {
  size_t id = static_cast<size_t>(e->id);
  if (heights_.size() < static_cast<size_t>(ast_->size())) {
    heights_.resize(static_cast<size_t>(ast_->size()), 1);
  }
  int h = 0;
  auto see = [&](const Expr* c) { h = std::max(h, Height(c)); };
  see(e->operand);
  see(e->target);
  for (const Expr* a : e->args) see(a);
  for (const Entry& en : e->entries) {
    see(en.key);
    see(en.value);
  }
  see(e->iter_range);
  see(e->accu_init);
  see(e->loop_condition);
  see(e->loop_step);
  see(e->result);
  heights_[id] = h + 1;
  if (h + 1 > opts_.max_depth) {
    errors_->Fatal("E0006", e->span,
                   absl::StrCat("expression nested too deeply (limit ",
                                opts_.max_depth, ")"));
  }
  return e;
}

Expr* ExprParser::NewConst(Span span, Constant c) {
  Expr* e = ast_->NewExpr(ExprKind::kConst, span);
  e->constant = std::move(c);
  return Finish(e);
}

Expr* ExprParser::NewBool(Span span, bool b) {
  Constant c;
  c.kind = ConstKind::kBool;
  c.bool_value = b;
  return NewConst(span, std::move(c));
}

Expr* ExprParser::NewInt(Span span, int64_t v) {
  Constant c;
  c.kind = ConstKind::kInt;
  c.int_value = v;
  return NewConst(span, std::move(c));
}

Expr* ExprParser::NewIdent(Span span, std::string name) {
  Expr* e = ast_->NewExpr(ExprKind::kIdent, span);
  e->name = std::move(name);
  return Finish(e);
}

Expr* ExprParser::NewSelect(Span span, Expr* operand, std::string field) {
  Expr* e = ast_->NewExpr(ExprKind::kSelect, span);
  e->operand = operand;
  e->name = std::move(field);
  return Finish(e);
}

Expr* ExprParser::NewCall(Span span, std::string fn, std::vector<Expr*> args,
                          Expr* target) {
  Expr* e = ast_->NewExpr(ExprKind::kCall, span);
  e->name = std::move(fn);
  e->args = std::move(args);
  e->target = target;
  return Finish(e);
}

Expr* ExprParser::NewList(Span span, std::vector<Expr*> elems) {
  Expr* e = ast_->NewExpr(ExprKind::kList, span);
  e->args = std::move(elems);
  return Finish(e);
}

Expr* ExprParser::Copy(const Expr* src) {
  if (src == nullptr) return nullptr;
  // Bounded: src is part of a tree whose height was checked.
  Expr* e = ast_->NewExpr(src->kind, src->span);
  e->constant = src->constant;
  e->name = src->name;
  e->test_only = src->test_only;
  e->optional_select = src->optional_select;
  e->optional_indices = src->optional_indices;
  e->iter_var = src->iter_var;
  e->iter_var2 = src->iter_var2;
  e->accu_var = src->accu_var;
  e->operand = Copy(src->operand);
  e->target = Copy(src->target);
  for (const Expr* a : src->args) e->args.push_back(Copy(a));
  for (const Entry& en : src->entries) {
    Entry c = en;
    c.id = ast_->NewEntryId();
    c.key = Copy(en.key);
    c.value = Copy(en.value);
    e->entries.push_back(std::move(c));
  }
  e->iter_range = Copy(src->iter_range);
  e->accu_init = Copy(src->accu_init);
  e->loop_condition = Copy(src->loop_condition);
  e->loop_step = Copy(src->loop_step);
  e->result = Copy(src->result);
  auto it = ast_->macro_calls.find(src->id);
  if (it != ast_->macro_calls.end()) ast_->macro_calls[e->id] = it->second;
  return Finish(e);
}

Expr* ExprParser::ErrorNode(Span span) {
  // A null constant stands in for what could not be parsed; the caller
  // sees the error in the sink and discards the tree.
  ++error_nodes_;
  return NewConst(span, Constant{});
}

bool ExprParser::Expect(TokenKind kind, absl::string_view what) {
  if (At(kind)) {
    Advance();
    return true;
  }
  if (!At(TokenKind::kError)) {
    errors_->Error(
        "E0001", Peek().span,
        absl::StrCat("expected ", what, ", found ", Describe(Peek())));
  }
  return false;
}

void ExprParser::Recover(TokenKind closer) {
  int nesting = 0;
  while (!At(TokenKind::kEof)) {
    TokenKind k = Peek().kind;
    if (nesting == 0 && (k == closer || k == TokenKind::kComma)) return;
    if (k == TokenKind::kLParen || k == TokenKind::kLBracket ||
        k == TokenKind::kLBrace) {
      ++nesting;
    } else if (k == TokenKind::kRParen || k == TokenKind::kRBracket ||
               k == TokenKind::kRBrace) {
      if (nesting == 0) return;  // a closer of an outer construct
      --nesting;
    } else if (k == TokenKind::kSemicolon && nesting == 0) {
      return;
    }
    Advance();
  }
}

Expr* ExprParser::ParseExpr() {
  DepthGuard guard(this);
  if (!CheckDepth(Peek().span)) return ErrorNode(Peek().span);
  return ParseConditional();
}

Expr* ExprParser::ParseConditional() {
  Expr* cond = ParseOr();
  if (!At(TokenKind::kQuestion) || errors_->fatal) return cond;
  Advance();
  Expr* then = ParseOr();
  if (!Expect(TokenKind::kColon, "`:` of the conditional")) {
    return ErrorNode(Span::Cover(cond->span, then->span));
  }
  Expr* otherwise = ParseExpr();
  return NewCall(Span::Cover(cond->span, otherwise->span), "_?_:_",
                 {cond, then, otherwise});
}

// CEL builds && and || chains as balanced trees, so long chains stay shallow
// (and evaluation order does not matter thanks to error absorption).
Expr* ExprParser::Balanced(absl::string_view fn, std::vector<Expr*>& operands,
                           std::vector<Span>& op_spans, size_t lo, size_t hi) {
  if (lo == hi) return operands[lo];
  // Left-heavy split: `a && b && c` is `(a && b) && c`, as in CEL.
  size_t mid = (lo + hi) / 2 + 1;
  Expr* left = Balanced(fn, operands, op_spans, lo, mid - 1);
  Expr* right = Balanced(fn, operands, op_spans, mid, hi);
  return NewCall(Span::Cover(left->span, right->span), std::string(fn),
                 {left, right});
}

Expr* ExprParser::ParseOr() {
  Expr* first = ParseAnd();
  if (!At(TokenKind::kOrOr)) return first;
  std::vector<Expr*> operands = {first};
  std::vector<Span> ops;
  while (At(TokenKind::kOrOr) && !errors_->fatal) {
    ops.push_back(Advance().span);
    operands.push_back(ParseAnd());
  }
  return Balanced("_||_", operands, ops, 0, operands.size() - 1);
}

Expr* ExprParser::ParseAnd() {
  Expr* first = ParseRelation();
  if (!At(TokenKind::kAndAnd)) return first;
  std::vector<Expr*> operands = {first};
  std::vector<Span> ops;
  while (At(TokenKind::kAndAnd) && !errors_->fatal) {
    ops.push_back(Advance().span);
    operands.push_back(ParseRelation());
  }
  return Balanced("_&&_", operands, ops, 0, operands.size() - 1);
}

Expr* ExprParser::ParseRelation() {
  Expr* left = ParseAddition();
  while (!errors_->fatal) {
    const char* fn = nullptr;
    switch (Peek().kind) {
      case TokenKind::kLess:
        fn = "_<_";
        break;
      case TokenKind::kLessEq:
        fn = "_<=_";
        break;
      case TokenKind::kGreater:
        fn = "_>_";
        break;
      case TokenKind::kGreaterEq:
        fn = "_>=_";
        break;
      case TokenKind::kEqEq:
        fn = "_==_";
        break;
      case TokenKind::kNotEq:
        fn = "_!=_";
        break;
      case TokenKind::kIn:
        fn = "@in";
        break;
      default:
        break;
    }
    if (fn == nullptr) break;
    Advance();
    Expr* right = ParseAddition();
    left = NewCall(Span::Cover(left->span, right->span), fn, {left, right});
  }
  return left;
}

Expr* ExprParser::ParseAddition() {
  Expr* left = ParseMultiplication();
  while (!errors_->fatal && (At(TokenKind::kPlus) || At(TokenKind::kMinus))) {
    const char* fn = At(TokenKind::kPlus) ? "_+_" : "_-_";
    Advance();
    Expr* right = ParseMultiplication();
    left = NewCall(Span::Cover(left->span, right->span), fn, {left, right});
  }
  return left;
}

Expr* ExprParser::ParseMultiplication() {
  Expr* left = ParseUnary();
  while (!errors_->fatal && (At(TokenKind::kStar) || At(TokenKind::kSlash) ||
                             At(TokenKind::kPercent))) {
    const char* fn = At(TokenKind::kStar)    ? "_*_"
                     : At(TokenKind::kSlash) ? "_/_"
                                             : "_%_";
    Advance();
    Expr* right = ParseUnary();
    left = NewCall(Span::Cover(left->span, right->span), fn, {left, right});
  }
  return left;
}

Expr* ExprParser::ParseUnary() {
  TokenKind k = Peek().kind;
  if (k != TokenKind::kNot && k != TokenKind::kMinus) return ParseMember();
  Span first = Peek().span;
  int n = 0;
  while (At(k)) {
    Advance();
    ++n;
  }
  Expr* operand;
  if (k == TokenKind::kMinus && n == 1 &&
      (At(TokenKind::kInt) || At(TokenKind::kDouble))) {
    // CEL's grammar makes the sign part of the literal (`-9223372036854775808`
    // is int min, not the negation of an out-of-range int).
    const Token& num = Advance();
    Expr* lit = ParseNumber(num, /*negate=*/true, Span::Cover(first, num.span));
    // Member suffixes still apply: `-1.abs()` is `(-1).abs()` in CEL.
    return ParseMemberSuffix(lit);
  }
  if (At(TokenKind::kNot) || At(TokenKind::kMinus)) {
    // `!-x` and `-!x` are not in CEL's grammar; accept them anyway since
    // their meaning is unambiguous.
    DepthGuard guard(this);
    if (!CheckDepth(Peek().span)) return ErrorNode(Peek().span);
    operand = ParseUnary();
  } else {
    operand = ParseMember();
  }
  // CEL drops pairs of repeated unary operators: `!!x` is `x`, `--x` is `x`.
  if (n % 2 == 0) return operand;
  return NewCall(Span::Cover(first, operand->span),
                 k == TokenKind::kNot ? "!_" : "-_", {operand});
}

Expr* ExprParser::ParseMember() { return ParseMemberSuffix(ParsePrimary()); }

Expr* ExprParser::ParseMemberSuffix(Expr* e) {
  while (!errors_->fatal) {
    if (At(TokenKind::kDot)) {
      Span dot = Advance().span;
      bool optional = false;
      if (At(TokenKind::kQuestion)) {
        Span q = Advance().span;
        if (!opts_.enable_optional_syntax) {
          errors_->Error("E0001", q,
                         "optional field selection `.?` is not enabled");
        }
        optional = true;
      }
      const Token& id = Peek();
      std::string field;
      if (id.kind == TokenKind::kIdent) {
        field = std::string(id.text);
      } else if (id.kind == TokenKind::kQuotedIdent) {
        field = std::string(id.text.substr(1, id.text.size() - 2));
      } else {
        if (id.kind != TokenKind::kError) {
          errors_->Error("E0001", id.span,
                         absl::StrCat("expected a field name after `.`, found ",
                                      Describe(id)));
        }
        return ErrorNode(Span::Cover(e->span, dot));
      }
      Advance();
      if (id.kind == TokenKind::kIdent && !optional && At(TokenKind::kLParen)) {
        std::vector<Expr*> args;
        Span end;
        if (!ParseArgs(&args, &end)) {
          return ErrorNode(Span::Cover(e->span, end));
        }
        Expr* call = NewCall(Span::Cover(e->span, end), std::move(field),
                             std::move(args), e);
        Expr* expanded = opts_.enable_macros ? ExpandMacro(call) : nullptr;
        e = expanded != nullptr ? expanded : call;
        continue;
      }
      Expr* sel = NewSelect(Span::Cover(e->span, id.span), e, std::move(field));
      sel->optional_select = optional;
      e = sel;
      continue;
    }
    if (At(TokenKind::kLBracket)) {
      Advance();
      bool optional = false;
      if (At(TokenKind::kQuestion)) {
        Span q = Advance().span;
        if (!opts_.enable_optional_syntax) {
          errors_->Error("E0001", q, "optional index `[?` is not enabled");
        }
        optional = true;
      }
      Expr* index = ParseExpr();
      Span end = Peek().span;
      if (!Expect(TokenKind::kRBracket, "`]`")) {
        Recover(TokenKind::kRBracket);
        if (At(TokenKind::kRBracket)) Advance();
        return ErrorNode(Span::Cover(e->span, end));
      }
      e = NewCall(Span::Cover(e->span, end), optional ? "_[?_]" : "_[_]",
                  {e, index});
      continue;
    }
    break;
  }
  return e;
}

bool ExprParser::ParseArgs(std::vector<Expr*>* args, Span* end) {
  Advance();  // (
  if (!CheckDepth(Peek().span)) return false;
  bool ok = true;
  if (!At(TokenKind::kRParen)) {
    while (!errors_->fatal) {
      args->push_back(ParseExpr());
      if (At(TokenKind::kComma)) {
        Advance();
        continue;
      }
      if (At(TokenKind::kRParen)) break;
      Expect(TokenKind::kRParen, "`,` or `)` in the argument list");
      ok = false;
      Recover(TokenKind::kRParen);
      if (At(TokenKind::kComma)) {
        Advance();
        continue;
      }
      break;
    }
  }
  *end = Peek().span;
  if (At(TokenKind::kRParen)) {
    Advance();
    return ok;
  }
  if (ok) Expect(TokenKind::kRParen, "`)`");
  return false;
}

Expr* ExprParser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kInt:
    case TokenKind::kUint:
    case TokenKind::kDouble:
      Advance();
      return ParseNumber(t, /*negate=*/false, t.span);
    case TokenKind::kString:
    case TokenKind::kBytes:
      Advance();
      return ParseStringLiteral(t);
    case TokenKind::kTrue:
    case TokenKind::kFalse:
      Advance();
      return NewBool(t.span, t.kind == TokenKind::kTrue);
    case TokenKind::kNull:
      Advance();
      return NewConst(t.span, Constant{});
    case TokenKind::kLParen: {
      Advance();
      if (!CheckDepth(t.span)) return ErrorNode(t.span);
      Expr* inner = ParseExpr();
      if (!Expect(TokenKind::kRParen, "`)`")) {
        Recover(TokenKind::kRParen);
        if (At(TokenKind::kRParen)) Advance();
      }
      return inner;
    }
    case TokenKind::kLBracket:
      Advance();
      return ParseList(t);
    case TokenKind::kLBrace:
      Advance();
      return ParseMap(t);
    case TokenKind::kDot:
    case TokenKind::kIdent: {
      if (stop_at_key_ && t.kind == TokenKind::kIdent &&
          Peek(1).kind == TokenKind::kAssign) {
        errors_->Error(
            "E0001", t.span,
            absl::StrCat("expected an expression before `", t.text, " =`"));
        return ErrorNode(t.span);
      }
      bool leading_dot = t.kind == TokenKind::kDot;
      Span begin = t.span;
      if (leading_dot) {
        Advance();
        if (!At(TokenKind::kIdent)) {
          Expect(TokenKind::kIdent, "an identifier after the leading `.`");
          return ErrorNode(begin);
        }
      }
      const Token& id = Peek();
      // A message literal is a (dotted) name followed by `{`.
      size_t k = 1;
      while (Peek(k).kind == TokenKind::kDot &&
             Peek(k + 1).kind == TokenKind::kIdent) {
        k += 2;
      }
      if (Peek(k).kind == TokenKind::kLBrace) {
        std::string name = leading_dot ? "." : "";
        for (size_t i = 0; i < k; ++i) absl::StrAppend(&name, Peek(i).text);
        pos_ += k;
        return ParseStruct(std::move(name), begin);
      }
      Advance();
      std::string name = absl::StrCat(leading_dot ? "." : "", id.text);
      Span span = Span::Cover(begin, id.span);
      if (IsReservedWord(id.text)) {
        // Reported, then parsed as usual so what follows is checked too.
        errors_->Error("E0005", id.span,
                       absl::StrCat("`", id.text,
                                    "` is a reserved word and cannot be used "
                                    "as an identifier"));
        ++error_nodes_;
      }
      if (At(TokenKind::kLParen)) {
        std::vector<Expr*> args;
        Span end;
        if (!ParseArgs(&args, &end)) return ErrorNode(Span::Cover(span, end));
        Expr* call =
            NewCall(Span::Cover(span, end), std::move(name), std::move(args));
        Expr* expanded = opts_.enable_macros ? ExpandMacro(call) : nullptr;
        return expanded != nullptr ? expanded : call;
      }
      return NewIdent(span, std::move(name));
    }
    case TokenKind::kError:
      // Already reported by the lexer.
      Advance();
      return ErrorNode(t.span);
    default:
      break;
  }
  std::string help = HintFor(t);
  errors_->Error(
      "E0001", t.span,
      absl::StrCat("unexpected ", Describe(t), ", expected an expression"),
      std::move(help));
  // Consume the token unless something up the stack can use it.
  switch (t.kind) {
    case TokenKind::kEof:
    case TokenKind::kRParen:
    case TokenKind::kRBracket:
    case TokenKind::kRBrace:
    case TokenKind::kComma:
    case TokenKind::kColon:
    case TokenKind::kSemicolon:
      break;
    default:
      Advance();
  }
  return ErrorNode(t.span);
}

Expr* ExprParser::ParseNumber(const Token& t, bool negate, Span span) {
  absl::string_view text = t.text;
  Constant c;
  if (t.kind == TokenKind::kDouble) {
    double d = 0;
    std::string s = absl::StrCat(negate ? "-" : "", text);
    if (!absl::SimpleAtod(s, &d) || std::isinf(d)) {
      errors_->Error("E0004", span,
                     absl::StrCat("double literal `", s, "` is out of range"));
      return ErrorNode(span);
    }
    c.kind = ConstKind::kDouble;
    c.double_value = d;
    return NewConst(span, std::move(c));
  }
  bool is_uint = t.kind == TokenKind::kUint;
  if (is_uint) text.remove_suffix(1);
  uint64_t mag = 0;
  bool ok = ParseMagnitude(text, &mag);
  if (is_uint) {
    if (!ok) {
      errors_->Error(
          "E0004", span,
          absl::StrCat("uint literal `", t.text,
                       "` is out of range (max 18446744073709551615)"));
      return ErrorNode(span);
    }
    c.kind = ConstKind::kUint;
    c.uint_value = mag;
    return NewConst(span, std::move(c));
  }
  constexpr uint64_t kMaxInt =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!ok || mag > kMaxInt + (negate ? 1 : 0)) {
    errors_->Error("E0004", span,
                   absl::StrCat("int literal `", negate ? "-" : "", t.text,
                                "` is out of range for a 64-bit int"),
                   negate || !ok ? "" : "add a `u` suffix for a uint literal");
    return ErrorNode(span);
  }
  c.kind = ConstKind::kInt;
  if (negate) {
    c.int_value = mag == kMaxInt + 1 ? std::numeric_limits<int64_t>::min()
                                     : -static_cast<int64_t>(mag);
  } else {
    c.int_value = static_cast<int64_t>(mag);
  }
  return NewConst(span, std::move(c));
}

Expr* ExprParser::ParseStringLiteral(const Token& t) {
  Constant c;
  UnescapeError err;
  if (!DecodeLiteral(t.text, &c.string_value, &err)) {
    errors_->Error(
        "E0003",
        {t.span.begin + err.offset,
         std::min(t.span.end, t.span.begin + err.offset + err.length)},
        err.message);
    return ErrorNode(t.span);
  }
  c.kind = t.kind == TokenKind::kBytes ? ConstKind::kBytes : ConstKind::kString;
  return NewConst(t.span, std::move(c));
}

Expr* ExprParser::ParseList(const Token& open) {
  if (!CheckDepth(open.span)) return ErrorNode(open.span);
  std::vector<Expr*> elems;
  std::vector<int32_t> optional;
  bool ok = true;
  while (!At(TokenKind::kRBracket) && !At(TokenKind::kEof) && !errors_->fatal) {
    if (At(TokenKind::kQuestion)) {
      Span q = Advance().span;
      if (!opts_.enable_optional_syntax) {
        errors_->Error("E0001", q,
                       "optional list elements `?e` are not enabled");
      }
      optional.push_back(static_cast<int32_t>(elems.size()));
    }
    elems.push_back(ParseExpr());
    if (At(TokenKind::kComma)) {
      Advance();
      continue;
    }
    if (At(TokenKind::kRBracket)) break;
    ok = false;
    Expect(TokenKind::kRBracket, "`,` or `]` in the list");
    Recover(TokenKind::kRBracket);
    if (At(TokenKind::kComma)) {
      Advance();
      continue;
    }
    break;
  }
  Span end = Peek().span;
  if (!Expect(TokenKind::kRBracket, "`]`")) ok = false;
  Span span = Span::Cover(open.span, end);
  if (!ok) return ErrorNode(span);
  Expr* e = NewList(span, std::move(elems));
  e->optional_indices = std::move(optional);
  return e;
}

Expr* ExprParser::ParseMap(const Token& open) {
  if (!CheckDepth(open.span)) return ErrorNode(open.span);
  Expr* e = ast_->NewExpr(ExprKind::kMap, open.span);
  bool ok = true;
  while (!At(TokenKind::kRBrace) && !At(TokenKind::kEof) && !errors_->fatal) {
    Entry entry;
    entry.id = ast_->NewEntryId();
    Span begin = Peek().span;
    if (At(TokenKind::kQuestion)) {
      Span q = Advance().span;
      if (!opts_.enable_optional_syntax) {
        errors_->Error("E0001", q,
                       "optional map entries `?k: v` are not enabled");
      }
      entry.optional = true;
    }
    entry.key = ParseExpr();
    if (Expect(TokenKind::kColon, "`:` after the map key")) {
      entry.value = ParseExpr();
      entry.span = Span::Cover(begin, entry.value->span);
      e->entries.push_back(std::move(entry));
    } else {
      ok = false;
      Recover(TokenKind::kRBrace);
    }
    if (At(TokenKind::kComma)) {
      Advance();
      continue;
    }
    if (At(TokenKind::kRBrace)) break;
    ok = false;
    Expect(TokenKind::kRBrace, "`,` or `}` in the map");
    Recover(TokenKind::kRBrace);
    if (At(TokenKind::kComma)) {
      Advance();
      continue;
    }
    break;
  }
  Span end = Peek().span;
  if (!Expect(TokenKind::kRBrace, "`}`")) ok = false;
  e->span = Span::Cover(open.span, end);
  Finish(e);
  if (!ok) return ErrorNode(e->span);
  return e;
}

Expr* ExprParser::ParseStruct(std::string name, Span begin) {
  Advance();  // {
  if (!CheckDepth(begin)) return ErrorNode(begin);
  Expr* e = ast_->NewExpr(ExprKind::kStruct, begin);
  e->name = std::move(name);
  bool ok = true;
  while (!At(TokenKind::kRBrace) && !At(TokenKind::kEof) && !errors_->fatal) {
    Entry entry;
    entry.id = ast_->NewEntryId();
    Span fbegin = Peek().span;
    if (At(TokenKind::kQuestion)) {
      Span q = Advance().span;
      if (!opts_.enable_optional_syntax) {
        errors_->Error("E0001", q, "optional fields `?f: v` are not enabled");
      }
      entry.optional = true;
    }
    const Token& f = Peek();
    if (f.kind == TokenKind::kIdent) {
      entry.field = std::string(f.text);
      Advance();
    } else if (f.kind == TokenKind::kQuotedIdent) {
      entry.field = std::string(f.text.substr(1, f.text.size() - 2));
      Advance();
    } else {
      Expect(TokenKind::kIdent, "a field name");
      ok = false;
      Recover(TokenKind::kRBrace);
    }
    if (!entry.field.empty()) {
      if (Expect(TokenKind::kColon, "`:` after the field name")) {
        entry.value = ParseExpr();
        entry.span = Span::Cover(fbegin, entry.value->span);
        e->entries.push_back(std::move(entry));
      } else {
        ok = false;
        Recover(TokenKind::kRBrace);
      }
    }
    if (At(TokenKind::kComma)) {
      Advance();
      continue;
    }
    if (At(TokenKind::kRBrace)) break;
    ok = false;
    Expect(TokenKind::kRBrace, "`,` or `}` in the message literal");
    Recover(TokenKind::kRBrace);
    if (At(TokenKind::kComma)) {
      Advance();
      continue;
    }
    break;
  }
  Span end = Peek().span;
  if (!Expect(TokenKind::kRBrace, "`}`")) ok = false;
  e->span = Span::Cover(begin, end);
  Finish(e);
  if (!ok) return ErrorNode(e->span);
  return e;
}

// Merges diagnostics in source order and appends them to `out`.
void MergeDiagnostics(DiagnosticList& out, const DiagnosticList& a,
                      const DiagnosticList& b) {
  std::vector<Diagnostic> all(a.items());
  all.insert(all.end(), b.items().begin(), b.items().end());
  std::stable_sort(all.begin(), all.end(),
                   [](const Diagnostic& x, const Diagnostic& y) {
                     return x.span.begin < y.span.begin;
                   });
  for (Diagnostic& d : all) out.Add(std::move(d));
}

}  // namespace parser_internal

using parser_internal::ErrorSink;
using parser_internal::ExprParser;

ParsedExpr ParseExpr(const Source& src, DiagnosticList& diags,
                     const ParserOptions& opts) {
  ParsedExpr out;
  out.ast = std::make_unique<Ast>();
  if (src.text().size() > opts.max_source_bytes) {
    diags.Error("E0007", &src, {0, 0},
                absl::StrCat("expression is ", src.text().size(),
                             " bytes; the limit is ", opts.max_source_bytes));
    return out;
  }
  DiagnosticList lex_diags, parse_diags;
  LexerOptions lex_opts;
  lex_opts.max_errors = opts.max_errors;
  std::vector<Token> tokens = Tokenize(src, &lex_diags, lex_opts);
  ErrorSink sink;
  sink.src = &src;
  sink.diags = &parse_diags;
  sink.max_errors = opts.max_errors;
  ExprParser parser(src, tokens, 0, out.ast.get(), &sink, opts);
  Expr* root = parser.ParseExpr();
  // Trailing input: report it and keep parsing so its own errors show too,
  // but only a bounded number of times (each attempt allocates nodes).
  for (int attempts = 0;
       attempts < opts.max_errors && !sink.fatal && !parser.At(TokenKind::kEof);
       ++attempts) {
    const Token& t = parser.Peek();
    if (t.kind != TokenKind::kError) {
      std::string help = parser_internal::HintFor(t);
      sink.Error("E0001", t.span,
                 absl::StrCat("unexpected ", parser_internal::Describe(t),
                              " after the end of the expression"),
                 std::move(help));
    }
    // Keep parsing what follows so its errors are reported too.
    parser.Advance();
    if (!sink.fatal && !parser.At(TokenKind::kEof)) parser.ParseExpr();
  }
  if (lex_diags.has_errors() || parse_diags.has_errors()) {
    parser_internal::MergeDiagnostics(diags, lex_diags, parse_diags);
    return out;
  }
  out.root = root;
  return out;
}

}  // namespace onus::lang
