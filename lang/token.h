// Tokens of CEL expressions and of .onus policy files.
//
// A Token is a view into its Source: `text` points into Source::text(), so
// lexing allocates nothing per token. Literal values (numbers, escapes) are
// decoded by the parser, which is the stage that reports their errors.
#ifndef ONUS_LANG_TOKEN_H_
#define ONUS_LANG_TOKEN_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "lang/source.h"

namespace onus::lang {

enum class TokenKind : uint8_t {
  kEof,
  kError,  // a lexical error, already reported
  kIdent,
  kQuotedIdent,  // `field-name` (CEL escaped identifier, select/field only)
  kInt,          // 123, 0x7f
  kUint,         // 123u, 0x7fU
  kDouble,       // 1.5, 1e3, .5
  kString,       // "..", '..', """..""", r"..", including prefix and quotes
  kBytes,        // b"..", br'..'
  kTrue,
  kFalse,
  kNull,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kDot,
  kComma,
  kColon,
  kSemicolon,
  kQuestion,
  kNot,
  kMinus,
  kPlus,
  kStar,
  kSlash,
  kPercent,
  kLess,
  kLessEq,
  kGreater,
  kGreaterEq,
  kEqEq,
  kNotEq,
  kAssign,  // `=`: only meaningful in policy files
  kAndAnd,
  kOrOr,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  Span span;
  absl::string_view text;  // the source text of the token
};

// Stable short name, used by DumpTokens and in messages ("`)`", "identifier").
absl::string_view TokenKindName(TokenKind kind);

}  // namespace onus::lang

#endif  // ONUS_LANG_TOKEN_H_
