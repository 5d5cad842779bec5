// The parser: CEL expressions and .onus policy files.
//
//   DiagnosticList diags;
//   ParsedExpr p = ParseExpr(src, diags);
//   if (p.root == nullptr) { /* diags.Render() explains why */ }
//
// Macros (has, all, exists, exists_one, map, filter, cel.bind, and the
// two-variable and optional forms) are expanded into Comprehension nodes the
// way CEL does; the call as written is kept in Ast::macro_calls.
// Two-variable forms: all/exists/exists_one/existsOne(k, v, p),
// transformList(i, v[, p], t), transformMap(k, v[, p], t) and
// transformMapEntry(k, v[, p], e) (map results use `cel.@mapInsert(m, k, v)`
// and `cel.@mapInsert(m, entry_map)`). Optional values:
// x.optMap(v, e) / x.optFlatMap(v, e) become `_?_:_(x.hasValue(), ...)`.
// cel.block([e0, ...], r) becomes `cel.@block([e0, ...], r)`, with
// cel.index(i) -> ident `@index<i>`, cel.iterVar(i, j) -> `@it:i:j` and
// cel.accuVar(i, j) -> `@ac:i:j`.
// Operators are kCall nodes named as in CEL (`_+_`, `_&&_`, `@in`, `_[_]`,
// `_[?_]`, `!_`, `-_`, `_?_:_`); `a.?b` is a kSelect with optional_select.
//
// Parse errors carry stable codes (documented in docs/language.md):
//   E0001 unexpected token or character     E0002 unterminated literal
//   E0003 invalid escape or UTF-8           E0004 number out of range
//   E0005 reserved identifier               E0006 nesting too deep
//   E0007 input too large                   E0008 invalid macro use
//   E0009 malformed number literal
// Policy files add:
//   E0020 unknown policy key                E0021 duplicate key
//   E0022 missing required key              E0023 invalid enum word
//   E0024 bad message interpolation         E0025 duplicate declaration
#ifndef ONUS_LANG_PARSER_H_
#define ONUS_LANG_PARSER_H_

#include <cstddef>
#include <memory>

#include "lang/ast.h"
#include "lang/diagnostics.h"
#include "lang/source.h"

namespace onus::lang {

struct ParserOptions {
  // Deepest allowed nesting, checked twice: each nested expression
  // (parentheses, call arguments, list/map/message elements, the else branch
  // of a ternary, mixed unary operators) counts one level of parser
  // recursion, and the resulting tree may be at most this high (member and
  // operator chains, macro expansions). Recursive walkers over a parsed Ast
  // are therefore bounded by this depth. The default fits a 1 MiB stack.
  int max_depth = 250;
  size_t max_source_bytes = 1 << 20;
  int max_errors = 100;
  bool enable_macros = true;
  bool enable_optional_syntax = true;  // `a.?b`, `a[?i]`, `[?x]`, `{?k: v}`
};

struct ParsedExpr {
  std::unique_ptr<Ast> ast;
  Expr* root = nullptr;  // null when the expression had errors
};

// Parses one CEL expression (conformance, gRPC, tests).
ParsedExpr ParseExpr(const Source& src, DiagnosticList& diags,
                     const ParserOptions& opts = {});

// Parses a .onus file. Always returns a file; declarations or expressions
// that had errors are left out or null, and diags has the errors.
std::unique_ptr<PolicyFile> ParsePolicyFile(const Source& src,
                                            DiagnosticList& diags,
                                            const ParserOptions& opts = {});

}  // namespace onus::lang

#endif  // ONUS_LANG_PARSER_H_
