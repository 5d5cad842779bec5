#include "lang/ast_dump.h"

#include <cmath>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lang/lexer.h"

namespace onus::lang {

namespace {

// Walkers recurse on the tree; parsed trees are bounded by
// ParserOptions::max_depth, and this guards hand-built or inlined trees.
constexpr int kMaxPrintDepth = 2000;

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "double(\"NaN\")";
  if (std::isinf(d))
    return d > 0 ? "double(\"Infinity\")" : "double(\"-Infinity\")";
  std::string s;
  for (int prec = 1; prec <= 17; ++prec) {
    s = absl::StrFormat("%.*g", prec, d);
    double back = 0;
    if (absl::SimpleAtod(s, &back) && back == d) break;
  }
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string Quote(absl::string_view s, bool bytes) {
  std::string out = bytes ? "b\"" : "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
          absl::StrAppend(&out, absl::StrFormat("\\x%02x", c));
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

bool IsPlainIdent(absl::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return s != "in" && s != "true" && s != "false" && s != "null";
}

std::string FieldName(absl::string_view s) {
  return IsPlainIdent(s) ? std::string(s) : absl::StrCat("`", s, "`");
}

void Dump(const Expr* e, std::string* out, int depth) {
  if (e == nullptr) {
    out->append("<null>");
    return;
  }
  if (depth > kMaxPrintDepth) {
    out->append("...");
    return;
  }
  auto sub = [&](const Expr* c) { Dump(c, out, depth + 1); };
  switch (e->kind) {
    case ExprKind::kConst:
      out->append(FormatConstant(e->constant));
      return;
    case ExprKind::kIdent:
      absl::StrAppend(out, "ident(", e->name, ")");
      return;
    case ExprKind::kSelect:
      out->append(e->test_only         ? "has("
                  : e->optional_select ? "optselect("
                                       : "select(");
      sub(e->operand);
      absl::StrAppend(out, ", ", e->name, ")");
      return;
    case ExprKind::kCall:
      if (e->target != nullptr) {
        sub(e->target);
        out->append(".");
      }
      absl::StrAppend(out, e->name, "(");
      for (size_t i = 0; i < e->args.size(); ++i) {
        if (i > 0) out->append(", ");
        sub(e->args[i]);
      }
      out->append(")");
      return;
    case ExprKind::kList: {
      out->append("list(");
      size_t opt = 0;
      for (size_t i = 0; i < e->args.size(); ++i) {
        if (i > 0) out->append(", ");
        if (opt < e->optional_indices.size() &&
            e->optional_indices[opt] == static_cast<int32_t>(i)) {
          out->append("?");
          ++opt;
        }
        sub(e->args[i]);
      }
      out->append(")");
      return;
    }
    case ExprKind::kMap:
    case ExprKind::kStruct: {
      bool is_map = e->kind == ExprKind::kMap;
      out->append(is_map ? "map(" : "struct(");
      if (!is_map) {
        out->append(e->name);
        if (!e->entries.empty()) out->append(", ");
      }
      for (size_t i = 0; i < e->entries.size(); ++i) {
        const Entry& en = e->entries[i];
        if (i > 0) out->append(", ");
        if (en.optional) out->append("?");
        if (is_map) {
          sub(en.key);
        } else {
          out->append(en.field);
        }
        out->append(": ");
        sub(en.value);
      }
      out->append(")");
      return;
    }
    case ExprKind::kComprehension:
      absl::StrAppend(out, "comp(", e->iter_var, ", ");
      if (!e->iter_var2.empty()) absl::StrAppend(out, e->iter_var2, ", ");
      sub(e->iter_range);
      absl::StrAppend(out, ", ", e->accu_var, ", ");
      sub(e->accu_init);
      out->append(", ");
      sub(e->loop_condition);
      out->append(", ");
      sub(e->loop_step);
      out->append(", ");
      sub(e->result);
      out->append(")");
      return;
  }
}

// ---------------------------------------------------------------------------
// Unparse

enum Prec {
  kTernary = 1,
  kOr = 2,
  kAnd = 3,
  kRelation = 4,
  kAdd = 5,
  kMul = 6,
  kUnary = 7,
  kMember = 8,
  kPrimary = 9,
};

struct BinOp {
  const char* fn;
  const char* text;
  int prec;
};
constexpr BinOp kBinOps[] = {
    {"_||_", "||", kOr},       {"_&&_", "&&", kAnd},
    {"_<_", "<", kRelation},   {"_<=_", "<=", kRelation},
    {"_>_", ">", kRelation},   {"_>=_", ">=", kRelation},
    {"_==_", "==", kRelation}, {"_!=_", "!=", kRelation},
    {"@in", "in", kRelation},  {"_+_", "+", kAdd},
    {"_-_", "-", kAdd},        {"_*_", "*", kMul},
    {"_/_", "/", kMul},        {"_%_", "%", kMul},
};

const BinOp* FindBinOp(const Expr& e) {
  if (e.kind != ExprKind::kCall || e.target != nullptr || e.args.size() != 2) {
    return nullptr;
  }
  for (const BinOp& op : kBinOps) {
    if (e.name == op.fn) return &op;
  }
  return nullptr;
}

class Unparser {
 public:
  explicit Unparser(const Ast& ast) : ast_(ast) {}

  int PrecOf(const Expr& e) const {
    if (ast_.macro_calls.contains(e.id)) return kMember;
    if (e.kind == ExprKind::kConst) {
      const Constant& c = e.constant;
      if ((c.kind == ConstKind::kInt && c.int_value < 0) ||
          (c.kind == ConstKind::kDouble && std::signbit(c.double_value))) {
        return kUnary;
      }
      return kPrimary;
    }
    if (e.kind != ExprKind::kCall) return kPrimary;
    if (const BinOp* op = FindBinOp(e)) return op->prec;
    if (e.target == nullptr && e.args.size() == 3 && e.name == "_?_:_") {
      return kTernary;
    }
    if (e.target == nullptr && e.args.size() == 1 &&
        (e.name == "!_" || e.name == "-_")) {
      return kUnary;
    }
    return kMember;
  }

  void Print(const Expr* e, int min_prec, int depth) {
    if (e == nullptr) {
      out_ += "<null>";
      return;
    }
    if (depth > kMaxPrintDepth) {
      out_ += "...";
      return;
    }
    bool paren = PrecOf(*e) < min_prec;
    if (paren) out_ += "(";
    PrintBare(*e, depth);
    if (paren) out_ += ")";
  }

  std::string Take() { return std::move(out_); }

 private:
  void PrintArgs(const std::vector<Expr*>& args, int depth) {
    for (size_t i = 0; i < args.size(); ++i) {
      if (i > 0) out_ += ", ";
      Print(args[i], kTernary, depth + 1);
    }
  }

  void PrintBare(const Expr& e, int depth) {
    auto it = ast_.macro_calls.find(e.id);
    if (it != ast_.macro_calls.end() && it->second != nullptr) {
      const Expr& call = *it->second;
      if (call.target != nullptr) {
        Print(call.target, kMember, depth + 1);
        out_ += ".";
      }
      absl::StrAppend(&out_, call.name, "(");
      PrintArgs(call.args, depth);
      out_ += ")";
      return;
    }
    switch (e.kind) {
      case ExprKind::kConst:
        out_ += FormatConstant(e.constant);
        return;
      case ExprKind::kIdent:
        out_ += e.name;
        return;
      case ExprKind::kSelect:
        if (e.test_only) out_ += "has(";
        Print(e.operand, kMember, depth + 1);
        absl::StrAppend(&out_, e.optional_select ? ".?" : ".",
                        FieldName(e.name));
        if (e.test_only) out_ += ")";
        return;
      case ExprKind::kCall:
        PrintCall(e, depth);
        return;
      case ExprKind::kList: {
        out_ += "[";
        size_t opt = 0;
        for (size_t i = 0; i < e.args.size(); ++i) {
          if (i > 0) out_ += ", ";
          if (opt < e.optional_indices.size() &&
              e.optional_indices[opt] == static_cast<int32_t>(i)) {
            out_ += "?";
            ++opt;
          }
          Print(e.args[i], kTernary, depth + 1);
        }
        out_ += "]";
        return;
      }
      case ExprKind::kMap:
      case ExprKind::kStruct: {
        bool is_map = e.kind == ExprKind::kMap;
        if (!is_map) out_ += e.name;
        out_ += "{";
        for (size_t i = 0; i < e.entries.size(); ++i) {
          const Entry& en = e.entries[i];
          if (i > 0) out_ += ", ";
          if (en.optional) out_ += "?";
          if (is_map) {
            Print(en.key, kTernary, depth + 1);
          } else {
            out_ += FieldName(en.field);
          }
          out_ += ": ";
          Print(en.value, kTernary, depth + 1);
        }
        out_ += "}";
        return;
      }
      case ExprKind::kComprehension:
        // Not from a macro: there is no CEL syntax for it; print a readable
        // pseudo-call.
        absl::StrAppend(&out_, "@comprehension(", e.iter_var,
                        e.iter_var2.empty() ? "" : ", ", e.iter_var2, ", ");
        Print(e.iter_range, kTernary, depth + 1);
        absl::StrAppend(&out_, ", ", e.accu_var, ", ");
        Print(e.accu_init, kTernary, depth + 1);
        out_ += ", ";
        Print(e.loop_condition, kTernary, depth + 1);
        out_ += ", ";
        Print(e.loop_step, kTernary, depth + 1);
        out_ += ", ";
        Print(e.result, kTernary, depth + 1);
        out_ += ")";
        return;
    }
  }

  void PrintCall(const Expr& e, int depth) {
    if (const BinOp* op = FindBinOp(e)) {
      if (op->prec == kOr || op->prec == kAnd) {
        PrintLogical(e, *op, depth);
        return;
      }
      // Left-associative.
      Print(e.args[0], op->prec, depth + 1);
      absl::StrAppend(&out_, " ", op->text, " ");
      Print(e.args[1], op->prec + 1, depth + 1);
      return;
    }
    if (e.target == nullptr && e.args.size() == 3 && e.name == "_?_:_") {
      Print(e.args[0], kOr, depth + 1);
      out_ += " ? ";
      Print(e.args[1], kOr, depth + 1);
      out_ += " : ";
      Print(e.args[2], kTernary, depth + 1);
      return;
    }
    if (e.target == nullptr && e.args.size() == 1 &&
        (e.name == "!_" || e.name == "-_")) {
      out_ += e.name == "!_" ? "!" : "-";
      const Expr* arg = e.args[0];
      // `-(5)` is a call, `-5` a literal: keep them apart.
      bool number = e.name == "-_" && arg != nullptr &&
                    arg->kind == ExprKind::kConst &&
                    (arg->constant.kind == ConstKind::kInt ||
                     arg->constant.kind == ConstKind::kDouble) &&
                    !ast_.macro_calls.contains(arg->id);
      Print(arg, number ? kPrimary + 1 : kMember, depth + 1);
      return;
    }
    if (e.target == nullptr && e.args.size() == 2 &&
        (e.name == "_[_]" || e.name == "_[?_]")) {
      Print(e.args[0], kMember, depth + 1);
      out_ += e.name == "_[_]" ? "[" : "[?";
      Print(e.args[1], kTernary, depth + 1);
      out_ += "]";
      return;
    }
    if (e.target != nullptr) {
      Print(e.target, kMember, depth + 1);
      out_ += ".";
    }
    absl::StrAppend(&out_, e.name, "(");
    PrintArgs(e.args, depth);
    out_ += ")";
  }

  bool SameOp(const Expr* e, const BinOp& op) const {
    return e != nullptr && FindBinOp(*e) == &op &&
           !ast_.macro_calls.contains(e->id);
  }

  void Flatten(const Expr* e, const BinOp& op, std::vector<const Expr*>* out,
               int depth) const {
    if (SameOp(e, op) && depth < kMaxPrintDepth) {
      Flatten(e->args[0], op, out, depth + 1);
      Flatten(e->args[1], op, out, depth + 1);
    } else {
      out->push_back(e);
    }
  }

  // Whether `e` is exactly the tree the parser builds for terms[lo..hi]
  // (see ExprParser::Balanced).
  bool IsBalanced(const Expr* e, const BinOp& op,
                  const std::vector<const Expr*>& terms, size_t lo,
                  size_t hi) const {
    if (lo == hi) return e == terms[lo];
    if (!SameOp(e, op)) return false;
    size_t mid = (lo + hi) / 2 + 1;
    return IsBalanced(e->args[0], op, terms, lo, mid - 1) &&
           IsBalanced(e->args[1], op, terms, mid, hi);
  }

  // && and || chains: the parser balances them, so a chain prints flat
  // when its shape is the one the parser would build again; otherwise each
  // side is parenthesised so the printed text reparses to the same tree.
  void PrintLogical(const Expr& e, const BinOp& op, int depth) {
    std::vector<const Expr*> terms;
    Flatten(&e, op, &terms, depth);
    if (IsBalanced(&e, op, terms, 0, terms.size() - 1)) {
      for (size_t i = 0; i < terms.size(); ++i) {
        if (i > 0) absl::StrAppend(&out_, " ", op.text, " ");
        Print(terms[i], op.prec + 1, depth + 1);
      }
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (i > 0) absl::StrAppend(&out_, " ", op.text, " ");
      const Expr* side = e.args[i];
      if (SameOp(side, op)) {
        out_ += "(";
        PrintLogical(*side, op, depth + 1);
        out_ += ")";
      } else {
        Print(side, op.prec + 1, depth + 1);
      }
    }
  }

  const Ast& ast_;
  std::string out_;
};

}  // namespace

std::string FormatConstant(const Constant& c) {
  switch (c.kind) {
    case ConstKind::kNull:
      return "null";
    case ConstKind::kBool:
      return c.bool_value ? "true" : "false";
    case ConstKind::kInt:
      return absl::StrCat(c.int_value);
    case ConstKind::kUint:
      return absl::StrCat(c.uint_value, "u");
    case ConstKind::kDouble:
      return FormatDouble(c.double_value);
    case ConstKind::kString:
      return Quote(c.string_value, false);
    case ConstKind::kBytes:
      return Quote(c.string_value, true);
  }
  return "?";
}

std::string DumpTokens(const Source& src) {
  std::string out;
  LexerOptions opts;
  opts.block_comments = true;
  Lexer lexer(src, nullptr, opts);
  while (true) {
    Token t = lexer.Next();
    if (!out.empty()) out += " ";
    switch (t.kind) {
      case TokenKind::kIdent:
      case TokenKind::kQuotedIdent:
      case TokenKind::kInt:
      case TokenKind::kUint:
      case TokenKind::kDouble:
      case TokenKind::kString:
      case TokenKind::kBytes:
      case TokenKind::kError:
        absl::StrAppend(&out, TokenKindName(t.kind), "(", t.text, ")");
        break;
      default:
        out += std::string(TokenKindName(t.kind));
    }
    if (t.kind == TokenKind::kEof) break;
  }
  return out;
}

std::string DumpExpr(const Expr& e) {
  std::string out;
  Dump(&e, &out, 0);
  return out;
}

namespace {
const char* SeverityName(PolicySeverity s) {
  switch (s) {
    case PolicySeverity::kInfo:
      return "info";
    case PolicySeverity::kLow:
      return "low";
    case PolicySeverity::kMedium:
      return "medium";
    case PolicySeverity::kHigh:
      return "high";
    case PolicySeverity::kCritical:
      return "critical";
  }
  return "?";
}

const char* OwnerName(Owner o) {
  switch (o) {
    case Owner::kCustomer:
      return "customer";
    case Owner::kProvider:
      return "provider";
    case Owner::kShared:
      return "shared";
  }
  return "?";
}

std::string DumpOrNull(const Expr* e) {
  return e == nullptr ? "<none>" : DumpExpr(*e);
}

std::string QuotedList(const std::vector<std::string>& items, bool quote) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote ? Quote(items[i], false) : items[i];
  }
  return out + "]";
}
}  // namespace

std::string DumpPolicyFile(const PolicyFile& f) {
  std::string out;
  if (!f.package.empty()) absl::StrAppend(&out, "package ", f.package, "\n");
  for (const Import& i : f.imports) {
    absl::StrAppend(&out, "import ", Quote(i.path, false),
                    i.alias.empty() ? "" : " as ", i.alias, "\n");
  }
  for (const ConstDecl& c : f.consts) {
    absl::StrAppend(&out, "const ", c.name, " = ", DumpOrNull(c.value), "\n");
  }
  for (const FnDecl& fn : f.fns) {
    absl::StrAppend(&out, "fn ", fn.name, "(", absl::StrJoin(fn.params, ", "),
                    ") = ", DumpOrNull(fn.body), "\n");
  }
  for (const PolicyDecl& p : f.policies) {
    absl::StrAppend(&out, "policy ", p.name, "\n");
    if (!p.title.empty()) {
      absl::StrAppend(&out, "  title: ", Quote(p.title, false), "\n");
    }
    if (!p.description.empty()) {
      absl::StrAppend(&out, "  description: ", Quote(p.description, false),
                      "\n");
    }
    absl::StrAppend(&out, "  severity: ", SeverityName(p.severity), "\n");
    absl::StrAppend(&out, "  owner: ", OwnerName(p.owner), "\n");
    if (!p.service_models.empty()) {
      absl::StrAppend(&out, "  service: ", QuotedList(p.service_models, false),
                      "\n");
    }
    if (!p.domain.empty()) absl::StrAppend(&out, "  domain: ", p.domain, "\n");
    if (!p.frameworks.empty()) {
      absl::StrAppend(&out, "  frameworks: ", QuotedList(p.frameworks, true),
                      "\n");
    }
    absl::StrAppend(&out, "  resource: ", p.resource_type, " as ",
                    p.resource_var, "\n");
    if (p.when != nullptr) {
      absl::StrAppend(&out, "  when: ", DumpExpr(*p.when), "\n");
    }
    absl::StrAppend(&out, "  require: ", DumpOrNull(p.require), "\n");
    if (p.has_message) {
      out += "  message:";
      for (size_t i = 0; i < p.message.parts.size(); ++i) {
        if (!p.message.parts[i].empty()) {
          absl::StrAppend(&out, " ", Quote(p.message.parts[i], false));
        }
        if (i < p.message.exprs.size()) {
          absl::StrAppend(&out, " {", DumpOrNull(p.message.exprs[i]), "}");
        }
      }
      out += "\n";
    }
    if (!p.remediation.empty()) {
      absl::StrAppend(&out, "  remediation: ", Quote(p.remediation, false),
                      "\n");
    }
  }
  return out;
}

std::string Unparse(const Expr& e, const Ast& ast) {
  Unparser u(ast);
  u.Print(&e, kTernary, 0);
  return u.Take();
}

}  // namespace onus::lang
