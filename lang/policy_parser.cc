// The .onus policy-file parser: package, imports, constants, helper
// functions and policy blocks around CEL expressions.
//
// Expressions inside a policy block need no terminator: an expression runs
// as long as CEL's grammar can continue it, and a policy key always starts
// with `name =` (a single `=` never occurs in CEL), so the next key or the
// closing `}` ends it unambiguously, whatever the line breaks. The same
// `name =` rule resynchronises the parser after an error, so one run reports
// the problems of every field.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lang/lexer.h"
#include "lang/parser.h"
#include "lang/parser_internal.h"
#include "lang/unescape.h"

namespace onus::lang {
namespace {

using parser_internal::ErrorSink;
using parser_internal::ExprParser;

const std::vector<std::string>& PolicyKeys() {
  static const auto* keys = new std::vector<std::string>{
      "title",  "description", "remediation", "severity", "owner",   "service",
      "domain", "frameworks",  "resource",    "when",     "require", "message"};
  return *keys;
}

const std::vector<std::string>& SeverityWords() {
  static const auto* w =
      new std::vector<std::string>{"info", "low", "medium", "high", "critical"};
  return *w;
}
const std::vector<std::string>& OwnerWords() {
  static const auto* w =
      new std::vector<std::string>{"customer", "provider", "shared"};
  return *w;
}
const std::vector<std::string>& ServiceWords() {
  static const auto* w = new std::vector<std::string>{"iaas", "paas", "saas"};
  return *w;
}
const std::vector<std::string>& DomainWords() {
  static const auto* w = new std::vector<std::string>{
      "identity",      "data_protection", "network",          "logging",
      "vulnerability", "resilience",      "incident_response"};
  return *w;
}

class PolicyParser {
 public:
  PolicyParser(const Source& src, DiagnosticList& diags,
               const ParserOptions& opts)
      : src_(src), diags_(diags), opts_(opts) {}

  std::unique_ptr<PolicyFile> Run() {
    auto file = std::make_unique<PolicyFile>();
    file->source = &src_;
    file_ = file.get();
    if (src_.text().size() > opts_.max_source_bytes) {
      diags_.Error(
          "E0007", &src_, {0, 0},
          absl::StrCat("policy file is ", src_.text().size(),
                       " bytes; the limit is ", opts_.max_source_bytes));
      return file;
    }
    LexerOptions lex_opts;
    lex_opts.block_comments = true;
    lex_opts.comments = &file->comments;
    lex_opts.max_errors = opts_.max_errors;
    tokens_ = Tokenize(src_, &lex_diags_, lex_opts);
    sink_.src = &src_;
    sink_.diags = &parse_diags_;
    sink_.max_errors = opts_.max_errors;
    ExprParser parser(src_, tokens_, 0, file->ast.get(), &sink_, opts_);
    parser.set_stop_at_key(true);
    p_ = &parser;
    ParseFile();
    p_ = nullptr;
    parser_internal::MergeDiagnostics(diags_, lex_diags_, parse_diags_);
    return file;
  }

 private:
  const Token& Peek(size_t ahead = 0) const { return p_->Peek(ahead); }
  bool At(TokenKind k) const { return p_->At(k); }
  const Token& Advance() { return p_->Advance(); }
  bool AtWord(absl::string_view w) const {
    return At(TokenKind::kIdent) && Peek().text == w;
  }
  void Error(absl::string_view code, Span span, std::string message,
             std::string help = "") {
    sink_.Error(code, span, std::move(message), std::move(help));
  }
  bool Expect(TokenKind kind, absl::string_view what) {
    if (At(kind)) {
      Advance();
      return true;
    }
    if (!At(TokenKind::kError)) {
      Error("E0001", Peek().span,
            absl::StrCat("expected ", what, ", found ", Describe(Peek())));
    }
    return false;
  }
  static std::string Describe(const Token& t) {
    if (t.kind == TokenKind::kEof) return "end of file";
    if (t.kind == TokenKind::kString) return "a string";
    return absl::StrCat("`", t.text, "`");
  }
  // Whether the current token starts a line. Only the gap since the
  // previous token is looked at, so recovery stays linear on long lines.
  bool CurrentFirstOnLine() const {
    size_t pos = p_->pos();
    if (pos == 0) return true;
    absl::string_view gap = src_.text();
    uint32_t from = tokens_[pos - 1].span.end;
    gap = gap.substr(from, Peek().span.begin - from);
    return gap.find('\n') != absl::string_view::npos;
  }
  bool AtDeclStart() const {
    if (!At(TokenKind::kIdent)) return false;
    absl::string_view w = Peek().text;
    return w == "package" || w == "import" || w == "const" || w == "fn" ||
           w == "policy";
  }
  bool AtKeyStart() const {
    return At(TokenKind::kIdent) && Peek(1).kind == TokenKind::kAssign;
  }

  // Skips to just after the next `;`, or to a declaration keyword that
  // starts a line, at bracket depth 0.
  void SyncTopLevel() {
    int depth = 0;
    bool first = true;
    while (!At(TokenKind::kEof) && !sink_.fatal) {
      if (depth == 0 && !first && AtDeclStart() && CurrentFirstOnLine()) return;
      first = false;
      TokenKind k = Peek().kind;
      Advance();
      if (k == TokenKind::kLParen || k == TokenKind::kLBracket ||
          k == TokenKind::kLBrace) {
        ++depth;
      } else if ((k == TokenKind::kRParen || k == TokenKind::kRBracket ||
                  k == TokenKind::kRBrace) &&
                 depth > 0) {
        --depth;
        if (depth == 0 && k == TokenKind::kRBrace) return;
      } else if (k == TokenKind::kSemicolon && depth == 0) {
        return;
      }
    }
  }

  // Inside a policy block: skips to the next `key =` or the block's `}`.
  void SyncInBlock() {
    int depth = 0;
    while (!At(TokenKind::kEof) && !sink_.fatal) {
      if (depth == 0 && (AtKeyStart() || At(TokenKind::kRBrace))) return;
      if (depth == 0 && AtDeclStart() && CurrentFirstOnLine() &&
          Peek(1).kind != TokenKind::kAssign) {
        return;  // a missing `}`: let the top level take over
      }
      TokenKind k = Peek().kind;
      if (k == TokenKind::kLParen || k == TokenKind::kLBracket ||
          k == TokenKind::kLBrace) {
        ++depth;
      } else if (k == TokenKind::kRParen || k == TokenKind::kRBracket ||
                 k == TokenKind::kRBrace) {
        if (depth > 0) --depth;
      }
      Advance();
    }
  }

  void ParseFile() {
    bool seen_decl = false;
    while (!At(TokenKind::kEof) && !sink_.fatal) {
      const Token& t = Peek();
      if (AtWord("package")) {
        if (!file_->package.empty() || seen_decl) {
          Error("E0025", t.span,
                seen_decl && file_->package.empty()
                    ? "`package` must come before other declarations"
                    : "duplicate `package` declaration");
        }
        ParsePackage();
      } else if (AtWord("import")) {
        seen_decl = true;
        ParseImport();
      } else if (AtWord("const")) {
        seen_decl = true;
        ParseConst();
      } else if (AtWord("fn")) {
        seen_decl = true;
        ParseFn();
      } else if (AtWord("policy")) {
        seen_decl = true;
        ParsePolicy();
      } else {
        if (t.kind != TokenKind::kError) {
          std::string help;
          if (t.kind == TokenKind::kIdent) {
            std::string guess = DidYouMean(
                t.text, {"package", "import", "const", "fn", "policy"});
            if (!guess.empty())
              help = absl::StrCat("did you mean `", guess, "`?");
          }
          Error("E0001", t.span,
                absl::StrCat("expected `package`, `import`, `const`, `fn` or "
                             "`policy`, found ",
                             Describe(t)),
                std::move(help));
        }
        SyncTopLevel();
      }
    }
  }

  // a.b.c (identifiers joined by dots); false after reporting an error.
  bool ParseDottedName(std::string* out, Span* span, absl::string_view what) {
    if (!At(TokenKind::kIdent)) {
      Expect(TokenKind::kIdent, what);
      return false;
    }
    Span begin = Peek().span;
    absl::StrAppend(out, Advance().text);
    Span end = begin;
    while (At(TokenKind::kDot) && Peek(1).kind == TokenKind::kIdent) {
      Advance();
      end = Peek().span;
      absl::StrAppend(out, ".", Advance().text);
    }
    *span = Span::Cover(begin, end);
    return true;
  }

  void ParsePackage() {
    Advance();
    std::string name;
    Span span;
    if (!ParseDottedName(&name, &span, "a package name such as `aws.s3`") ||
        !Expect(TokenKind::kSemicolon, "`;` after the package name")) {
      SyncTopLevel();
      return;
    }
    if (file_->package.empty()) {
      file_->package = std::move(name);
      file_->package_span = span;
    }
  }

  bool ParseString(std::string* out, Span* span, absl::string_view what) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kString) {
      Expect(TokenKind::kString, what);
      return false;
    }
    Advance();
    *span = t.span;
    UnescapeError err;
    if (!DecodeLiteral(t.text, out, &err)) {
      Error("E0003",
            {t.span.begin + err.offset,
             std::min(t.span.end, t.span.begin + err.offset + err.length)},
            err.message);
      return false;
    }
    return true;
  }

  void ParseImport() {
    Span begin = Advance().span;
    Import imp;
    Span path_span;
    if (!ParseString(&imp.path, &path_span, "a quoted path after `import`")) {
      SyncTopLevel();
      return;
    }
    if (AtWord("as")) {
      Advance();
      if (!At(TokenKind::kIdent)) {
        Expect(TokenKind::kIdent, "a name after `as`");
        SyncTopLevel();
        return;
      }
      imp.alias = std::string(Advance().text);
    }
    Span end = Peek().span;
    if (!Expect(TokenKind::kSemicolon, "`;` after the import")) {
      SyncTopLevel();
      return;
    }
    imp.span = Span::Cover(begin, end);
    file_->imports.push_back(std::move(imp));
  }

  // Checks that a declared name is unique among constants and functions.
  bool Declare(absl::string_view name, Span span) {
    auto [it, inserted] = decls_.emplace(std::string(name), span);
    if (!inserted) {
      Location loc = src_.LocationOf(it->second.begin);
      Error("E0025", span, absl::StrCat("`", name, "` is already declared"),
            absl::StrCat("first declared at line ", loc.line));
      return false;
    }
    if (parser_internal::IsReservedWord(name)) {
      Error("E0005", span, absl::StrCat("`", name, "` is a reserved word"));
      return false;
    }
    return true;
  }

  // Parses a CEL expression; null if it had errors.
  Expr* ParseCel() {
    int before_nodes = p_->error_nodes();
    int before_errors = sink_.count;
    Expr* e = p_->ParseExpr();
    if (p_->error_nodes() != before_nodes || sink_.count != before_errors ||
        sink_.fatal) {
      return nullptr;
    }
    return e;
  }

  void ParseConst() {
    Span begin = Advance().span;
    ConstDecl decl;
    if (!At(TokenKind::kIdent)) {
      Expect(TokenKind::kIdent, "a constant name");
      SyncTopLevel();
      return;
    }
    decl.name_span = Peek().span;
    decl.name = std::string(Advance().text);
    bool ok = Declare(decl.name, decl.name_span);
    if (!Expect(TokenKind::kAssign, "`=` after the constant name")) {
      SyncTopLevel();
      return;
    }
    decl.value = ParseCel();
    Span end = Peek().span;
    if (!Expect(TokenKind::kSemicolon, "`;` after the constant")) {
      SyncTopLevel();
      return;
    }
    decl.span = Span::Cover(begin, end);
    if (ok && decl.value != nullptr) file_->consts.push_back(std::move(decl));
  }

  void ParseFn() {
    Span begin = Advance().span;
    FnDecl decl;
    if (!At(TokenKind::kIdent)) {
      Expect(TokenKind::kIdent, "a function name");
      SyncTopLevel();
      return;
    }
    decl.name_span = Peek().span;
    decl.name = std::string(Advance().text);
    bool ok = Declare(decl.name, decl.name_span);
    if (!Expect(TokenKind::kLParen, "`(` after the function name")) {
      SyncTopLevel();
      return;
    }
    while (!At(TokenKind::kRParen)) {
      if (!At(TokenKind::kIdent)) {
        Expect(TokenKind::kIdent, "a parameter name");
        SyncTopLevel();
        return;
      }
      const Token& param = Advance();
      for (const std::string& prev : decl.params) {
        if (prev == param.text) {
          Error("E0025", param.span,
                absl::StrCat("duplicate parameter `", param.text, "`"));
          ok = false;
        }
      }
      if (parser_internal::IsReservedWord(param.text)) {
        Error("E0005", param.span,
              absl::StrCat("`", param.text, "` is a reserved word"));
        ok = false;
      }
      decl.params.emplace_back(param.text);
      decl.param_spans.push_back(param.span);
      if (At(TokenKind::kComma)) {
        Advance();
        continue;
      }
      if (!At(TokenKind::kRParen)) {
        Expect(TokenKind::kRParen, "`,` or `)` after the parameter");
        SyncTopLevel();
        return;
      }
    }
    Advance();  // )
    if (!Expect(TokenKind::kAssign, "`=` before the function body")) {
      SyncTopLevel();
      return;
    }
    decl.body = ParseCel();
    Span end = Peek().span;
    if (!Expect(TokenKind::kSemicolon, "`;` after the function body")) {
      SyncTopLevel();
      return;
    }
    decl.span = Span::Cover(begin, end);
    if (ok && decl.body != nullptr) file_->fns.push_back(std::move(decl));
  }

  // One enum word, checked against `words` with a did-you-mean.
  bool ParseWord(const std::vector<std::string>& words, absl::string_view key,
                 std::string* out) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kIdent) {
      Expect(TokenKind::kIdent,
             absl::StrCat("one of ", absl::StrJoin(words, ", "), " for `", key,
                          "`"));
      return false;
    }
    Advance();
    if (std::find(words.begin(), words.end(), t.text) == words.end()) {
      std::string guess = DidYouMean(t.text, words);
      Error("E0023", t.span,
            absl::StrCat("`", t.text, "` is not a valid ", key, " (one of ",
                         absl::StrJoin(words, ", "), ")"),
            guess.empty() ? "" : absl::StrCat("did you mean `", guess, "`?"));
      return false;
    }
    *out = std::string(t.text);
    return true;
  }

  // `[a, b]` or a single item; `item` parses one element.
  template <typename F>
  bool ParseListOrOne(F item) {
    if (!At(TokenKind::kLBracket)) return item();
    Advance();
    bool ok = true;
    while (!At(TokenKind::kRBracket)) {
      if (!item()) {
        ok = false;
        // Skip to the next element or the end of the list.
        while (!At(TokenKind::kComma) && !At(TokenKind::kRBracket) &&
               !At(TokenKind::kEof) && !AtKeyStart() &&
               !At(TokenKind::kRBrace)) {
          Advance();
        }
      }
      if (At(TokenKind::kComma)) {
        Advance();
        continue;
      }
      if (!At(TokenKind::kRBracket)) {
        Expect(TokenKind::kRBracket, "`,` or `]`");
        return false;
      }
    }
    Advance();
    return ok;
  }

  void ParsePolicy() {
    Span begin = Advance().span;
    PolicyDecl decl;
    if (!At(TokenKind::kIdent)) {
      Expect(TokenKind::kIdent, "a policy name");
      SyncTopLevel();
      return;
    }
    decl.name_span = Peek().span;
    decl.name = std::string(Advance().text);
    bool ok = true;
    auto [it, inserted] = policies_.emplace(decl.name, decl.name_span);
    if (!inserted) {
      Error("E0025", decl.name_span,
            absl::StrCat("policy `", decl.name, "` is already defined"),
            absl::StrCat("first defined at line ",
                         src_.LocationOf(it->second.begin).line));
      ok = false;
    }
    if (!Expect(TokenKind::kLBrace, "`{` to open the policy block")) {
      SyncTopLevel();
      return;
    }
    absl::flat_hash_map<std::string, Span> seen;
    bool closed = false;
    while (!sink_.fatal) {
      if (At(TokenKind::kRBrace)) {
        closed = true;
        break;
      }
      if (At(TokenKind::kEof) || (AtDeclStart() && CurrentFirstOnLine() &&
                                  Peek(1).kind != TokenKind::kAssign)) {
        break;
      }
      if (!AtKeyStart()) {
        if (!At(TokenKind::kError)) {
          Error("E0001", Peek().span,
                absl::StrCat("expected `key = value` or `}`, found ",
                             Describe(Peek())));
        }
        Advance();
        SyncInBlock();
        ok = false;
        continue;
      }
      const Token& key = Advance();
      Advance();  // =
      std::string k(key.text);
      auto [sit, first] = seen.emplace(k, key.span);
      if (!first) {
        Error("E0021", key.span, absl::StrCat("duplicate key `", k, "`"),
              absl::StrCat("first set at line ",
                           src_.LocationOf(sit->second.begin).line));
        ok = false;
      }
      if (!ParseField(k, key.span, &decl)) {
        ok = false;
        SyncInBlock();
        continue;
      }
      PolicyField field;
      field.key = k;
      field.key_span = key.span;
      field.span = {key.span.begin, tokens_end()};
      decl.fields.push_back(std::move(field));
      if (!AtKeyStart() && !At(TokenKind::kRBrace) && !At(TokenKind::kEof)) {
        if (!At(TokenKind::kError)) {
          std::string hint = parser_internal::HintFor(Peek());
          Error(
              "E0001", Peek().span,
              absl::StrCat("unexpected ", Describe(Peek()), " after `", k, "`"),
              !hint.empty() ? hint
                            : "a value ends where the next `key =` or the "
                              "closing `}` starts; is an operator missing?");
        }
        ok = false;
        SyncInBlock();
      }
    }
    Span end = Peek().span;
    if (!closed) {
      Error("E0001", end,
            absl::StrCat("expected `}` to close policy `", decl.name, "`"));
      ok = false;
    } else {
      Advance();
    }
    decl.span = Span::Cover(begin, end);
    if (!seen.contains("resource")) {
      sink_.Report("E0022", decl.name_span,
                   absl::StrCat("policy `", decl.name, "` has no `resource`"),
                   "add e.g. `resource = onus.aws.s3.Bucket as b`");
      ok = false;
    }
    if (!seen.contains("require")) {
      sink_.Report("E0022", decl.name_span,
                   absl::StrCat("policy `", decl.name, "` has no `require`"),
                   "add `require = <condition every resource must meet>`");
      ok = false;
    }
    (void)ok;
    // The declaration is kept even with errors so later stages and tools
    // can still see its name and fields; the diagnostics decide success.
    file_->policies.push_back(std::move(decl));
  }

  // End offset of the last consumed token.
  uint32_t tokens_end() const {
    size_t pos = p_->pos();
    return pos == 0 ? 0 : tokens_[pos - 1].span.end;
  }

  bool ParseField(const std::string& k, Span key_span, PolicyDecl* decl) {
    Span span;
    if (k == "title") return ParseString(&decl->title, &span, "a string");
    if (k == "description") {
      return ParseString(&decl->description, &span, "a string");
    }
    if (k == "remediation") {
      return ParseString(&decl->remediation, &span, "a string");
    }
    if (k == "severity") {
      std::string w;
      if (!ParseWord(SeverityWords(), "severity", &w)) return false;
      decl->severity = static_cast<PolicySeverity>(
          std::find(SeverityWords().begin(), SeverityWords().end(), w) -
          SeverityWords().begin());
      return true;
    }
    if (k == "owner") {
      std::string w;
      if (!ParseWord(OwnerWords(), "owner", &w)) return false;
      decl->owner = static_cast<Owner>(
          std::find(OwnerWords().begin(), OwnerWords().end(), w) -
          OwnerWords().begin());
      return true;
    }
    if (k == "service") {
      return ParseListOrOne([&]() {
        std::string w;
        if (!ParseWord(ServiceWords(), "service", &w)) return false;
        decl->service_models.push_back(std::move(w));
        return true;
      });
    }
    if (k == "domain") return ParseWord(DomainWords(), "domain", &decl->domain);
    if (k == "frameworks") {
      return ParseListOrOne([&]() {
        std::string s;
        Span sp;
        if (!ParseString(&s, &sp, "a framework reference string")) {
          return false;
        }
        decl->frameworks.push_back(std::move(s));
        return true;
      });
    }
    if (k == "resource") {
      std::string type;
      if (At(TokenKind::kDot)) {
        type = ".";
        Advance();
      }
      Span tspan;
      if (!ParseDottedName(&type, &tspan,
                           "a message type such as `onus.aws.s3.Bucket`")) {
        return false;
      }
      decl->resource_type = std::move(type);
      decl->resource_type_span = tspan;
      if (!AtWord("as") || Peek(1).kind == TokenKind::kAssign) {
        Error("E0001", Peek().span,
              absl::StrCat("expected `as <name>` after the resource type, "
                           "found ",
                           Describe(Peek())),
              "e.g. `resource = onus.aws.s3.Bucket as b`");
        return false;
      }
      Advance();
      if (!At(TokenKind::kIdent) || Peek(1).kind == TokenKind::kAssign) {
        Error("E0001", Peek().span,
              absl::StrCat("expected a variable name after `as`, found ",
                           Describe(Peek())));
        return false;
      }
      const Token& var = Advance();
      if (parser_internal::IsReservedWord(var.text)) {
        Error("E0005", var.span,
              absl::StrCat("`", var.text, "` is a reserved word"));
        return false;
      }
      decl->resource_var = std::string(var.text);
      decl->resource_var_span = var.span;
      return true;
    }
    if (k == "when" || k == "require") {
      Expr* e = ParseCel();
      if (e == nullptr) return false;
      (k == "when" ? decl->when : decl->require) = e;
      return true;
    }
    if (k == "message") {
      if (!ParseInterpolation(&decl->message)) return false;
      decl->has_message = true;
      return true;
    }
    std::string guess = DidYouMean(k, PolicyKeys());
    Error("E0020", key_span, absl::StrCat("unknown policy key `", k, "`"),
          guess.empty()
              ? absl::StrCat("valid keys: ", absl::StrJoin(PolicyKeys(), ", "))
              : absl::StrCat("did you mean `", guess, "`?"));
    return false;
  }

  // `"text {expr} text"`; `{{` and `}}` are literal braces.
  bool ParseInterpolation(Interpolation* out) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kString) {
      Expect(TokenKind::kString, "a message string");
      return false;
    }
    Advance();
    LiteralForm form = LiteralFormOf(t.text);
    const std::string& text = src_.text();
    uint32_t body_begin = t.span.begin + form.prefix_len + form.quote_len;
    uint32_t body_end = t.span.end - form.quote_len;
    out->span = t.span;
    bool ok = true;
    std::string seg;
    uint32_t seg_begin = body_begin;
    auto flush = [&]() {
      std::string part;
      UnescapeError err;
      if (!Unescape(seg, /*bytes=*/false, form.raw, &part, &err)) {
        uint32_t at = std::min(seg_begin + err.offset, body_end);
        Error("E0003", {at, std::min(at + err.length, body_end)}, err.message);
        ok = false;
      }
      out->parts.push_back(std::move(part));
      seg.clear();
    };
    uint32_t i = body_begin;
    while (i < body_end && !sink_.fatal) {
      char c = text[i];
      if (c == '\\' && !form.raw && i + 1 < body_end) {
        seg.append(text, i, 2);
        i += 2;
        continue;
      }
      if (c == '{' && i + 1 < body_end && text[i + 1] == '{') {
        seg.push_back('{');
        i += 2;
        continue;
      }
      if (c == '}') {
        if (i + 1 < body_end && text[i + 1] == '}') {
          seg.push_back('}');
          i += 2;
          continue;
        }
        Error("E0024", {i, i + 1}, "unmatched `}` in message",
              "write `}}` for a literal brace");
        ok = false;
        ++i;
        continue;
      }
      if (c != '{') {
        seg.push_back(c);
        ++i;
        continue;
      }
      flush();
      uint32_t close = 0;
      Expr* e = ParseInterpolatedExpr(i, body_end, &close);
      if (e == nullptr) {
        ok = false;
        if (close == 0) return false;
        out->exprs.push_back(nullptr);
      } else {
        out->exprs.push_back(e);
      }
      i = close + 1;
      seg_begin = i;
    }
    flush();
    return ok;
  }

  // Parses `{expr}` starting at the `{` at `open`; sets *close to the
  // offset of the matching `}` (0 if there is none).
  Expr* ParseInterpolatedExpr(uint32_t open, uint32_t limit, uint32_t* close) {
    LexerOptions lex_opts;
    lex_opts.max_errors = opts_.max_errors;
    Lexer lexer(src_, &lex_diags_, open + 1, limit, lex_opts);
    std::vector<Token> toks;
    int depth = 0;
    *close = 0;
    while (true) {
      Token t = lexer.Next();
      if (t.kind == TokenKind::kEof) break;
      if (t.kind == TokenKind::kLBrace || t.kind == TokenKind::kLParen ||
          t.kind == TokenKind::kLBracket) {
        ++depth;
      } else if (t.kind == TokenKind::kRParen ||
                 t.kind == TokenKind::kRBracket) {
        --depth;
      } else if (t.kind == TokenKind::kRBrace) {
        if (depth == 0) {
          *close = t.span.begin;
          break;
        }
        --depth;
      }
      toks.push_back(t);
    }
    if (*close == 0) {
      Error("E0024", {open, open + 1}, "unclosed `{` in message",
            "write `{{` for a literal brace");
      return nullptr;
    }
    if (toks.empty()) {
      Error("E0024", {open, *close + 1}, "empty `{}` in message",
            "put an expression inside, or write `{{}}` for literal braces");
      return nullptr;
    }
    Token eof;
    eof.kind = TokenKind::kEof;
    eof.span = {*close, *close};
    toks.push_back(eof);
    ExprParser sub(src_, toks, 0, file_->ast.get(), &sink_, opts_);
    sub.set_stop_at_key(true);
    int before = sink_.count;
    Expr* e = sub.ParseExpr();
    if (!sub.At(TokenKind::kEof)) {
      if (!sub.At(TokenKind::kError)) {
        Error("E0001", sub.Peek().span,
              absl::StrCat("unexpected ", Describe(sub.Peek()),
                           " in message expression"));
      }
      return nullptr;
    }
    if (sub.error_nodes() > 0 || sink_.count != before || sink_.fatal) {
      return nullptr;
    }
    return e;
  }

  const Source& src_;
  DiagnosticList& diags_;
  const ParserOptions& opts_;
  DiagnosticList lex_diags_, parse_diags_;
  ErrorSink sink_;
  std::vector<Token> tokens_;
  ExprParser* p_ = nullptr;
  PolicyFile* file_ = nullptr;
  absl::flat_hash_map<std::string, Span> decls_;
  absl::flat_hash_map<std::string, Span> policies_;
};

}  // namespace

std::unique_ptr<PolicyFile> ParsePolicyFile(const Source& src,
                                            DiagnosticList& diags,
                                            const ParserOptions& opts) {
  PolicyParser parser(src, diags, opts);
  return parser.Run();
}

}  // namespace onus::lang
