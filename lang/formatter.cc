#include "lang/formatter.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "lang/ast_dump.h"
#include "lang/diagnostics.h"
#include "lang/parser.h"

namespace onus::lang {
namespace {

// A CEL double-quoted string literal; multi-line text becomes a
// triple-quoted literal when that needs no escaping.
std::string Quote(absl::string_view s) {
  if (s.find('\n') != absl::string_view::npos &&
      s.find("\"\"\"") == absl::string_view::npos && !absl::EndsWith(s, "\"") &&
      s.find('\\') == absl::string_view::npos) {
    return absl::StrCat("\"\"\"", s, "\"\"\"");
  }
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

bool IsCall(const Expr* e, absl::string_view fn, size_t n) {
  return e != nullptr && e->kind == ExprKind::kCall && e->target == nullptr &&
         e->name == fn && e->args.size() == n;
}

// Operands of a top-level chain of `op` (left to right), iteratively.
std::vector<const Expr*> Chain(const Expr* e, absl::string_view op) {
  std::vector<const Expr*> out, stack = {e};
  while (!stack.empty()) {
    const Expr* x = stack.back();
    stack.pop_back();
    if (IsCall(x, op, 2)) {
      stack.push_back(x->args[1]);
      stack.push_back(x->args[0]);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

class Formatter {
 public:
  Formatter(const Source& src, const PolicyFile& file, const FormatOptions& o)
      : src_(src), file_(file), opts_(o) {
    comments_ = file.comments;
    std::sort(comments_.begin(), comments_.end(),
              [](const auto& a, const auto& b) {
                return a.first.begin < b.first.begin;
              });
  }

  std::string Run() {
    // Top-level items in source order.
    struct Item {
      uint32_t begin;
      int kind;  // 0 package, 1 import, 2 const, 3 fn, 4 policy
      int index;
    };
    std::vector<Item> items;
    if (!file_.package.empty())
      items.push_back({file_.package_span.begin, 0, 0});
    for (size_t i = 0; i < file_.imports.size(); ++i) {
      items.push_back({file_.imports[i].span.begin, 1, static_cast<int>(i)});
    }
    for (size_t i = 0; i < file_.consts.size(); ++i) {
      items.push_back({file_.consts[i].span.begin, 2, static_cast<int>(i)});
    }
    for (size_t i = 0; i < file_.fns.size(); ++i) {
      items.push_back({file_.fns[i].span.begin, 3, static_cast<int>(i)});
    }
    for (size_t i = 0; i < file_.policies.size(); ++i) {
      items.push_back({file_.policies[i].span.begin, 4, static_cast<int>(i)});
    }
    std::stable_sort(
        items.begin(), items.end(),
        [](const Item& a, const Item& b) { return a.begin < b.begin; });

    int prev_group = -1;
    for (const Item& it : items) {
      // Imports form a group, constants and helpers another; every policy
      // stands apart.
      int group = it.kind == 3 ? 2 : it.kind;
      if (prev_group != -1 && (group != prev_group || group == 4)) out_ += "\n";
      prev_group = group;
      Comments(it.begin, "");
      switch (it.kind) {
        case 0:
          absl::StrAppend(&out_, "package ", file_.package, ";\n");
          break;
        case 1: {
          const Import& imp = file_.imports[it.index];
          absl::StrAppend(&out_, "import ", Quote(imp.path),
                          imp.alias.empty() ? "" : " as " + imp.alias, ";\n");
          break;
        }
        case 2: {
          const ConstDecl& c = file_.consts[it.index];
          std::string head = absl::StrCat("const ", c.name, " = ");
          absl::StrAppend(&out_, head,
                          Expression(*c.value, static_cast<int>(head.size())),
                          ";\n");
          break;
        }
        case 3: {
          const FnDecl& f = file_.fns[it.index];
          std::string head = absl::StrCat(
              "fn ", f.name, "(", absl::StrJoin(f.params, ", "), ") = ");
          absl::StrAppend(&out_, head,
                          Expression(*f.body, static_cast<int>(head.size())),
                          ";\n");
          break;
        }
        case 4:
          Policy(file_.policies[it.index]);
          break;
      }
    }
    Comments(UINT32_MAX, "");
    return out_;
  }

 private:
  // Prints the comments that start before `pos`, indented.
  void Comments(uint32_t pos, absl::string_view indent) {
    while (next_comment_ < comments_.size() &&
           comments_[next_comment_].first.begin < pos) {
      absl::StrAppend(
          &out_, indent,
          absl::StripTrailingAsciiWhitespace(comments_[next_comment_].second),
          "\n");
      ++next_comment_;
    }
  }

  std::string ValueText(const PolicyDecl& p, const PolicyField& f,
                        int value_col) {
    const std::string& k = f.key;
    if (k == "title") return Quote(p.title);
    if (k == "description") return Quote(p.description);
    if (k == "remediation") return Quote(p.remediation);
    if (k == "severity") {
      static const char* kNames[] = {"info", "low", "medium", "high",
                                     "critical"};
      return kNames[static_cast<int>(p.severity)];
    }
    if (k == "owner") {
      static const char* kNames[] = {"customer", "provider", "shared"};
      return kNames[static_cast<int>(p.owner)];
    }
    if (k == "service") {
      return absl::StrCat("[", absl::StrJoin(p.service_models, ", "), "]");
    }
    if (k == "domain") return p.domain;
    if (k == "frameworks") {
      std::vector<std::string> q;
      for (const std::string& s : p.frameworks) q.push_back(Quote(s));
      return absl::StrCat("[", absl::StrJoin(q, ", "), "]");
    }
    if (k == "resource") {
      return absl::StrCat(p.resource_type, " as ", p.resource_var);
    }
    if (k == "when" && p.when != nullptr) return Expression(*p.when, value_col);
    if (k == "require" && p.require != nullptr) {
      return Expression(*p.require, value_col);
    }
    // `message` (a template) and anything else: the source text as written,
    // whitespace around it trimmed.
    absl::string_view text = src_.Text(f.span);
    size_t eq = text.find('=');
    if (eq != absl::string_view::npos) text.remove_prefix(eq + 1);
    return std::string(absl::StripAsciiWhitespace(text));
  }

  // An expression at column `col`: one line when it fits, else a top-level
  // && (or ||) chain with one operand per line, the operator under the `=`.
  std::string Expression(const Expr& e, int col) {
    std::string flat = Unparse(e, *file_.ast);
    if (col + static_cast<int>(flat.size()) <= opts_.max_width) return flat;
    for (absl::string_view op : {"_&&_", "_||_"}) {
      std::vector<const Expr*> parts = Chain(&e, op);
      if (parts.size() < 2) continue;
      std::string sep =
          absl::StrCat("\n", std::string(col >= 3 ? col - 3 : 0, ' '),
                       op == "_&&_" ? "&& " : "|| ");
      std::vector<std::string> texts;
      for (const Expr* p : parts) {
        std::string t = Unparse(*p, *file_.ast);
        // Operands binding looser than the chain's operator need parens.
        bool paren =
            IsCall(p, "_?_:_", 3) || (op == "_&&_" && IsCall(p, "_||_", 2));
        texts.push_back(paren ? absl::StrCat("(", t, ")") : t);
      }
      return absl::StrJoin(texts, sep);
    }
    return flat;
  }

  void Policy(const PolicyDecl& p) {
    absl::StrAppend(&out_, "policy ", p.name, " {\n");
    size_t width = 0;
    for (const PolicyField& f : p.fields) width = std::max(width, f.key.size());
    for (const PolicyField& f : p.fields) {
      Comments(f.span.begin, "  ");
      std::string key = f.key + std::string(width - f.key.size(), ' ');
      int value_col = 2 + static_cast<int>(width) + 3;
      absl::StrAppend(&out_, "  ", key, " = ", ValueText(p, f, value_col),
                      "\n");
      // Comments inside the value (e.g. between `&&` lines) follow it.
      Comments(f.span.end, "  ");
    }
    Comments(p.span.end, "  ");
    out_ += "}\n";
  }

  const Source& src_;
  const PolicyFile& file_;
  const FormatOptions& opts_;
  std::vector<std::pair<Span, std::string>> comments_;
  size_t next_comment_ = 0;
  std::string out_;
};

}  // namespace

absl::StatusOr<std::string> FormatPolicySource(const Source& source,
                                               const FormatOptions& opts) {
  DiagnosticList diags;
  std::unique_ptr<PolicyFile> file = ParsePolicyFile(source, diags);
  if (file == nullptr || diags.has_errors()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source.name(), " has errors; not formatted\n", diags.Render()));
  }
  return Formatter(source, *file, opts).Run();
}

}  // namespace onus::lang
