// Stable text dumps of tokens and expressions, for tests and tools, and
// printing an expression back as CEL source.
//
// DumpExpr format (one line, S-expression like):
//   constants  1  -1  1u  1.5  "s"  b"\x00"  true  null
//   ident(x)   select(ident(a), b)   has(ident(a), b)   optselect(ident(a), b)
//   _+_(1, 2)  ident(x).f(1)   list(1, ?2)   map(1: 2, ?3: 4)
//   struct(a.B, f: 1, ?g: 2)
//   comp(x, range, @result, init, cond, step, result)   (k, v, ... with two
//   iteration variables)
#ifndef ONUS_LANG_AST_DUMP_H_
#define ONUS_LANG_AST_DUMP_H_

#include <string>

#include "lang/ast.h"
#include "lang/source.h"

namespace onus::lang {

// Space-separated tokens: punctuation as itself, others as kind(text),
// ending with `eof`. Lexical errors appear as error(text). Lexes in
// policy-file mode (`/* */` comments are skipped like `//` ones).
std::string DumpTokens(const Source& src);

std::string DumpExpr(const Expr& e);

// CEL source for the expression. Macro expansions are printed as the call
// the author wrote (from ast.macro_calls); parentheses only where needed.
std::string Unparse(const Expr& e, const Ast& ast);

// A multi-line dump of a parsed policy file: package, imports, constants,
// functions and every policy with its fields (expressions as DumpExpr).
std::string DumpPolicyFile(const PolicyFile& file);

// A CEL literal for the constant (`"a\n"`, `b"\x00"`, `1u`, `1.0`).
std::string FormatConstant(const Constant& c);

}  // namespace onus::lang

#endif  // ONUS_LANG_AST_DUMP_H_
