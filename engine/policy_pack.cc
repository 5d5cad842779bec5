#include "engine/policy_pack.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/compiler.h"
#include "lang/ast_dump.h"
#include "lang/checked.h"
#include "lang/large_stack.h"
#include "lang/status_macros.h"

namespace onus::engine {

onus::v1::Severity ToProtoSeverity(lang::PolicySeverity s) {
  switch (s) {
    case lang::PolicySeverity::kInfo:
      return onus::v1::INFO;
    case lang::PolicySeverity::kLow:
      return onus::v1::LOW;
    case lang::PolicySeverity::kMedium:
      return onus::v1::MEDIUM;
    case lang::PolicySeverity::kHigh:
      return onus::v1::HIGH;
    case lang::PolicySeverity::kCritical:
      return onus::v1::CRITICAL;
  }
  return onus::v1::SEVERITY_UNSPECIFIED;
}

onus::v1::Owner ToProtoOwner(lang::Owner o) {
  switch (o) {
    case lang::Owner::kCustomer:
      return onus::v1::CUSTOMER;
    case lang::Owner::kProvider:
      return onus::v1::PROVIDER;
    case lang::Owner::kShared:
      return onus::v1::SHARED;
  }
  return onus::v1::OWNER_UNSPECIFIED;
}

onus::v1::ServiceModel ToProtoServiceModel(absl::string_view word) {
  onus::v1::ServiceModel m = onus::v1::SERVICE_MODEL_UNSPECIFIED;
  onus::v1::ServiceModel_Parse(absl::AsciiStrToUpper(word), &m);
  return m;
}

onus::v1::ControlDomain ToProtoDomain(absl::string_view word) {
  onus::v1::ControlDomain d = onus::v1::CONTROL_DOMAIN_UNSPECIFIED;
  onus::v1::ControlDomain_Parse(absl::AsciiStrToUpper(word), &d);
  return d;
}

namespace {

bool IsCall(const lang::Expr* e, absl::string_view fn, size_t args) {
  return e != nullptr && e->kind == lang::ExprKind::kCall &&
         e->target == nullptr && e->name == fn && e->args.size() == args;
}

// Top-level conjuncts of `e`, left to right: a && (b && c) -> a, b, c.
// Iterative (explicit stack): the depth is the user's.
void Conjuncts(const lang::Expr* e, std::vector<const lang::Expr*>* out) {
  std::vector<const lang::Expr*> stack = {e};
  while (!stack.empty()) {
    const lang::Expr* x = stack.back();
    stack.pop_back();
    if (IsCall(x, "_&&_", 2)) {
      stack.push_back(x->args[1]);
      stack.push_back(x->args[0]);
    } else {
      out->push_back(x);
    }
  }
}

// Evidence text: the sub-expression as the author wrote it (from the
// source span, whitespace runs collapsed), so macros read as written
// (`xs.exists(x, ...)`, not their expansion). Unparse is the fallback for
// nodes without a span of their own.
std::string ExprText(const lang::CheckedPolicy& p, const lang::Expr& e) {
  if (p.source != nullptr && !e.span.empty() &&
      e.span.end <= p.source->text().size()) {
    std::string out;
    bool space = false;
    for (char c : p.source->Text(e.span)) {
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
        space = !out.empty();
        continue;
      }
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
    if (!out.empty()) return out;
  }
  return lang::Unparse(e, *p.ast);
}

bool IsComparison(const lang::Expr* e) {
  static const char* kOps[] = {"_==_", "_!=_", "_<_", "_<=_",
                               "_>_",  "_>=_", "@in"};
  for (const char* op : kOps) {
    if (IsCall(e, op, 2)) return true;
  }
  return false;
}

class PackCompiler {
 public:
  PackCompiler(lang::DiagnosticList& diags) : diags_(diags) {}

  absl::StatusOr<Program> CompileExpr(const lang::CheckedPolicy& p,
                                      const lang::Expr& root) {
    CompileOptions opts;
    for (const auto& v : p.variables) opts.variables.push_back(v.first);
    opts.container = p.container;
    return engine::Compile(*p.ast, root, &p.checked, p.source, opts, diags_);
  }

  absl::StatusOr<CompiledPolicy> CompilePolicy(const lang::CheckedPolicy& p) {
    CompiledPolicy out;
    out.source = p.source;
    out.account_level = p.account_level;
    out.resource_type =
        p.resource != nullptr ? p.resource->full_name() : p.decl->resource_type;
    out.type = p.resource != nullptr ? MessageType::For(p.resource) : nullptr;
    FillMetadata(p, &out.meta);

    if (p.when != nullptr) {
      ONUS_ASSIGN_OR_RETURN(Program w, CompileExpr(p, *p.when));
      out.when = std::move(w);
    }
    ONUS_ASSIGN_OR_RETURN(out.require, CompileExpr(p, *p.require));
    out.message_parts = p.message_parts;
    for (const lang::Expr* e : p.message_exprs) {
      // The front end marks a policy with an unreadable `{…}` as not ok,
      // so this is a second line of defence: an error, never a null
      // reference (UBSan found one in the CLI mutation campaign).
      if (e == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(p.source != nullptr ? p.source->name() : "",
                         ": policy ", p.decl != nullptr ? p.decl->name : "",
                         ": a `{…}` in its message has no expression"));
      }
      ONUS_ASSIGN_OR_RETURN(Program m, CompileExpr(p, *e));
      out.message_exprs.push_back(std::move(m));
    }

    // Evidence probes. A single conjunct that is the whole expression still
    // gets a probe, for its operands.
    std::vector<const lang::Expr*> parts;
    Conjuncts(p.require, &parts);
    for (const lang::Expr* c : parts) {
      Probe probe;
      probe.text = ExprText(p, *c);
      probe.span = c->span;
      ONUS_ASSIGN_OR_RETURN(probe.program, CompileExpr(p, *c));
      std::vector<const lang::Expr*> operands;
      if (IsComparison(c)) {
        operands = {c->args[0], c->args[1]};
      } else if (IsCall(c, "!_", 1)) {
        operands = {c->args[0]};
      }
      for (const lang::Expr* o : operands) {
        // Literals explain nothing: `x == 'Enabled'` shows only x.
        if (o->kind == lang::ExprKind::kConst) continue;
        ONUS_ASSIGN_OR_RETURN(Program op, CompileExpr(p, *o));
        probe.operands.emplace_back(ExprText(p, *o), std::move(op));
      }
      out.probes.push_back(std::move(probe));
    }
    return out;
  }

 private:
  static void FillMetadata(const lang::CheckedPolicy& p,
                           onus::v1::PolicyMetadata* m) {
    const lang::PolicyDecl& d = *p.decl;
    m->set_id(p.id);
    m->set_package(p.file != nullptr ? p.file->package : "");
    m->set_name(d.name);
    m->set_title(d.title);
    m->set_description(d.description);
    m->set_severity(ToProtoSeverity(d.severity));
    m->set_owner(ToProtoOwner(d.owner));
    for (const std::string& s : d.service_models) {
      m->add_service_models(ToProtoServiceModel(s));
    }
    m->set_domain(ToProtoDomain(d.domain));
    for (const std::string& f : d.frameworks) m->add_frameworks(f);
    m->set_remediation(d.remediation);
    m->set_resource_type(p.resource != nullptr ? p.resource->full_name()
                                               : d.resource_type);
    if (p.source != nullptr) {
      m->set_source_file(p.source->name());
      m->set_line(p.source->LocationOf(d.span.begin).line);
    }
  }

  lang::DiagnosticList& diags_;
};

bool Matches(absl::string_view id, absl::string_view pattern) {
  if (pattern == id || pattern == "*") return true;
  if (absl::EndsWith(pattern, ".") && absl::StartsWith(id, pattern)) {
    return true;
  }
  if (absl::EndsWith(pattern, "*")) {
    return absl::StartsWith(id, pattern.substr(0, pattern.size() - 1));
  }
  // A package name selects every policy in it.
  return absl::StartsWith(id, absl::StrCat(pattern, "."));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PolicyPack>> PolicyPack::Compile(
    lang::PolicySet set, lang::DiagnosticList& diags) {
  std::unique_ptr<PolicyPack> pack(new PolicyPack());
  pack->set_ = std::move(set);
  absl::Status status;
  // The compiler recurses per nesting level; see lang/large_stack.h.
  lang::RunWithLargeStack([&] {
    PackCompiler compiler(diags);
    for (const lang::CheckedPolicy& p : pack->set_.policies) {
      if (!p.ok || p.require == nullptr) continue;
      absl::StatusOr<CompiledPolicy> c = compiler.CompilePolicy(p);
      if (!c.ok()) {
        // User errors are already diagnostics; anything else is internal.
        if (absl::IsInvalidArgument(c.status())) continue;
        status = c.status();
        return;
      }
      pack->policies_.push_back(*std::move(c));
    }
  });
  ONUS_RETURN_IF_ERROR(status);
  pack->Reindex();
  return pack;
}

absl::StatusOr<std::unique_ptr<PolicyPack>> PolicyPack::Load(
    const std::vector<std::string>& paths, const lang::FrontendOptions& options,
    lang::DiagnosticList& diags) {
  ONUS_ASSIGN_OR_RETURN(lang::PolicySet set,
                        lang::LoadPolicyFiles(paths, options, diags));
  return Compile(std::move(set), diags);
}

std::unique_ptr<PolicyPack> PolicyPack::FromCompiled(
    std::vector<CompiledPolicy> policies,
    std::shared_ptr<const void> keep_alive) {
  std::unique_ptr<PolicyPack> pack(new PolicyPack());
  pack->keep_alive_ = std::move(keep_alive);
  pack->policies_ = std::move(policies);
  pack->Reindex();
  return pack;
}

absl::Span<const uint32_t> PolicyPack::ForType(absl::string_view type) const {
  auto it = by_type_.find(type);
  if (it == by_type_.end()) return {};
  return it->second;
}

absl::Status PolicyPack::Select(const std::vector<std::string>& patterns) {
  if (patterns.empty()) return absl::OkStatus();
  std::vector<bool> keep(policies_.size(), false);
  for (const std::string& pat : patterns) {
    bool matched = false;
    for (size_t i = 0; i < policies_.size(); ++i) {
      if (Matches(policies_[i].meta.id(), pat)) keep[i] = matched = true;
    }
    if (!matched) {
      std::vector<std::string> ids;
      for (const CompiledPolicy& p : policies_) ids.push_back(p.meta.id());
      std::string hint = lang::DidYouMean(pat, ids);
      return absl::InvalidArgumentError(absl::StrCat(
          "policy selection `", pat, "` matches none of the ", ids.size(),
          " loaded policies",
          hint.empty() ? "" : absl::StrCat("; did you mean `", hint, "`?")));
    }
  }
  std::vector<CompiledPolicy> kept;
  for (size_t i = 0; i < policies_.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(policies_[i]));
  }
  policies_ = std::move(kept);
  Reindex();
  return absl::OkStatus();
}

void PolicyPack::Reindex() {
  by_type_.clear();
  account_level_.clear();
  for (uint32_t i = 0; i < policies_.size(); ++i) {
    if (policies_[i].account_level) {
      account_level_.push_back(i);
    }
    // Account-level policies bind the account view, which is looked up by
    // its type too (the evaluator builds one view per account).
    by_type_[policies_[i].resource_type].push_back(i);
  }
}

}  // namespace onus::engine
