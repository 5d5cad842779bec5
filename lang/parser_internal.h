// Internals shared by the expression parser (parser.cc), macro expansion
// (macros.cc) and the policy-file parser (policy_parser.cc). Not a public
// interface: include lang/parser.h instead.
#ifndef ONUS_LANG_PARSER_INTERNAL_H_
#define ONUS_LANG_PARSER_INTERNAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lang/ast.h"
#include "lang/diagnostics.h"
#include "lang/parser.h"
#include "lang/token.h"

namespace onus::lang::parser_internal {

// Error bookkeeping shared by every parser working on one input: the error
// budget, duplicate suppression and the fatal flag (nesting too deep, too
// many errors) that makes all parsers unwind at once.
struct ErrorSink {
  const Source* src = nullptr;
  DiagnosticList* diags = nullptr;
  int max_errors = 100;
  int count = 0;
  bool fatal = false;
  uint32_t last_offset = UINT32_MAX;
  std::string last_code;

  void Error(absl::string_view code, Span span, std::string message,
             std::string help = "");
  void Fatal(absl::string_view code, Span span, std::string message);
  // Like Error, without suppressing a second error at the same position.
  void Report(absl::string_view code, Span span, std::string message,
              std::string help = "");
};

// Recursive-descent CEL parser over a token vector. Recursion is bounded by
// opts.max_depth, and every node's height is tracked so deep member or
// operator chains stop with E0006 instead of producing trees that would
// overflow later recursive walkers.
class ExprParser {
 public:
  ExprParser(const Source& src, const std::vector<Token>& tokens, size_t pos,
             Ast* ast, ErrorSink* errors, const ParserOptions& opts);

  // Parses one expression starting at the current token. Never null: on
  // error a placeholder node is returned and the error is in the sink.
  Expr* ParseExpr();

  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }
  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& Advance() {
    const Token& t = Peek();
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool At(TokenKind k) const { return Peek().kind == k; }
  ErrorSink* errors() const { return errors_; }
  // Policy files: `name =` starts the next key, so an expression never
  // swallows it as an operand (a single `=` is never valid CEL).
  void set_stop_at_key(bool stop) { stop_at_key_ = stop; }
  // Placeholder nodes made so far: nonzero means the last parse failed.
  int error_nodes() const { return error_nodes_; }

 private:
  struct DepthGuard {
    explicit DepthGuard(ExprParser* p) : p(p) { ++p->depth_; }
    ~DepthGuard() { --p->depth_; }
    ExprParser* p;
  };
  bool CheckDepth(Span at);

  Expr* ParseConditional();
  Expr* ParseOr();
  Expr* ParseAnd();
  Expr* ParseRelation();
  Expr* ParseAddition();
  Expr* ParseMultiplication();
  Expr* ParseUnary();
  Expr* ParseMember();
  Expr* ParseMemberSuffix(Expr* e);
  Expr* ParsePrimary();
  Expr* ParseNumber(const Token& t, bool negate, Span span);
  Expr* ParseStringLiteral(const Token& t);
  Expr* ParseList(const Token& open);
  Expr* ParseMap(const Token& open);
  Expr* ParseStruct(std::string name, Span begin);
  bool ParseArgs(std::vector<Expr*>* args, Span* end);
  bool Expect(TokenKind kind, absl::string_view what);
  // Skips to the next `,` or `closer` at this nesting level (error
  // recovery inside lists, maps, messages and argument lists).
  void Recover(TokenKind closer);
  Expr* ErrorNode(Span span);
  Expr* Balanced(absl::string_view fn, std::vector<Expr*>& operands,
                 std::vector<Span>& op_spans, size_t lo, size_t hi);

 public:
  // Node construction; each computes the node height and fails (E0006)
  // past opts.max_depth. Used by macro expansion too.
  Expr* NewConst(Span span, Constant c);
  Expr* NewBool(Span span, bool b);
  Expr* NewInt(Span span, int64_t v);
  Expr* NewIdent(Span span, std::string name);
  Expr* NewSelect(Span span, Expr* operand, std::string field);
  Expr* NewCall(Span span, std::string fn, std::vector<Expr*> args,
                Expr* target = nullptr);
  Expr* NewList(Span span, std::vector<Expr*> elems);
  Expr* Finish(Expr* e);  // computes height, enforces the limit
  Expr* Copy(const Expr* e);
  Ast* ast() const { return ast_; }
  const ParserOptions& opts() const { return opts_; }
  const Source& src() const { return src_; }

 private:
  // Macro expansion (macros.cc): returns the replacement, or null if the
  // call is not a macro (then it stays an ordinary call).
  Expr* ExpandMacro(Expr* call);

  int Height(const Expr* e) const {
    if (e == nullptr) return 0;
    size_t id = static_cast<size_t>(e->id);
    return id < heights_.size() ? heights_[id] : 1;
  }

  const Source& src_;
  const std::vector<Token>& tokens_;
  size_t pos_;
  Ast* ast_;
  ErrorSink* errors_;
  const ParserOptions& opts_;
  int depth_ = 0;
  bool stop_at_key_ = false;
  int error_nodes_ = 0;
  std::vector<int32_t> heights_;  // by node id
};

// Appends the diagnostics of both lists to `out`, in source order.
void MergeDiagnostics(DiagnosticList& out, const DiagnosticList& a,
                      const DiagnosticList& b);

// A help line for a token that often shows up by mistake (`=`, `and`, ...),
// or "".
std::string HintFor(const Token& t);

// Reserved words of CEL that cannot name a variable or function.
bool IsReservedWord(absl::string_view word);

}  // namespace onus::lang::parser_internal

#endif  // ONUS_LANG_PARSER_INTERNAL_H_
