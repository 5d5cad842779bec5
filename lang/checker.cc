#include "lang/checker.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "lang/checker_internal.h"
#include "lang/stdlib_decls.h"
#include "re2/re2.h"

namespace onus::lang {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;

// ---------------------------------------------------------------------------
// Protobuf to CEL types

Type MessageValueType(const Descriptor* desc) {
  const std::string& n = desc->full_name();
  if (n == "google.protobuf.Timestamp") return Type::Timestamp();
  if (n == "google.protobuf.Duration") return Type::Duration();
  if (n == "google.protobuf.Any" || n == "google.protobuf.Value") {
    return Type::Dyn();
  }
  if (n == "google.protobuf.Struct") {
    return Type::Map(Type::String(), Type::Dyn());
  }
  if (n == "google.protobuf.ListValue") return Type::List(Type::Dyn());
  if (n == "google.protobuf.BoolValue") return Type::Wrapper(TypeKind::kBool);
  if (n == "google.protobuf.Int32Value" || n == "google.protobuf.Int64Value") {
    return Type::Wrapper(TypeKind::kInt);
  }
  if (n == "google.protobuf.UInt32Value" ||
      n == "google.protobuf.UInt64Value") {
    return Type::Wrapper(TypeKind::kUint);
  }
  if (n == "google.protobuf.FloatValue" || n == "google.protobuf.DoubleValue") {
    return Type::Wrapper(TypeKind::kDouble);
  }
  if (n == "google.protobuf.StringValue") {
    return Type::Wrapper(TypeKind::kString);
  }
  if (n == "google.protobuf.BytesValue") return Type::Wrapper(TypeKind::kBytes);
  return Type::Message(desc);
}

namespace {

Type ScalarFieldType(const FieldDescriptor* f) {
  switch (f->type()) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_SFIXED32:
    case FieldDescriptor::TYPE_SFIXED64:
      return Type::Int();
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_FIXED64:
      return Type::Uint();
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_DOUBLE:
      return Type::Double();
    case FieldDescriptor::TYPE_BOOL:
      return Type::Bool();
    case FieldDescriptor::TYPE_STRING:
      return Type::String();
    case FieldDescriptor::TYPE_BYTES:
      return Type::Bytes();
    case FieldDescriptor::TYPE_ENUM:
      // google.protobuf.NullValue reads as null, as in CEL.
      if (f->enum_type()->full_name() == "google.protobuf.NullValue") {
        return Type::Null();
      }
      return Type::Int();
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP:
      return MessageValueType(f->message_type());
  }
  return Type::Dyn();
}

}  // namespace

Type FieldType(const FieldDescriptor* f) {
  if (f->is_map()) {
    const Descriptor* entry = f->message_type();
    return Type::Map(ScalarFieldType(entry->map_key()),
                     ScalarFieldType(entry->map_value()));
  }
  if (f->is_repeated()) return Type::List(ScalarFieldType(f));
  return ScalarFieldType(f);
}

namespace checker_internal {

// ---------------------------------------------------------------------------
// Type parameters and unification

Type Prune(const Type& t, const Subs& s) {
  const Type* cur = &t;
  // Chains are acyclic (occurs check), and each step binds a distinct name.
  for (size_t guard = 0; guard <= s.size(); ++guard) {
    if (cur->kind != TypeKind::kTypeParam) break;
    auto it = s.find(cur->name);
    if (it == s.end()) break;
    cur = &it->second;
  }
  return *cur;
}

Type Substitute(const Type& t, const Subs& s, bool free_to_dyn) {
  Type p = Prune(t, s);
  if (p.kind == TypeKind::kTypeParam) return free_to_dyn ? Type::Dyn() : p;
  for (Type& param : p.params) param = Substitute(param, s, free_to_dyn);
  return p;
}

namespace {

bool Occurs(const std::string& var, const Type& t, const Subs& s) {
  Type p = Prune(t, s);
  if (p.kind == TypeKind::kTypeParam) return p.name == var;
  for (const Type& param : p.params) {
    if (Occurs(var, param, s)) return true;
  }
  return false;
}

bool IsNumber(TypeKind k) {
  return k == TypeKind::kInt || k == TypeKind::kUint || k == TypeKind::kDouble;
}

// Types that accept null: messages, wrappers and the dynamic types.
bool Nullable(const Type& t) {
  return t.is_wrapper || t.kind == TypeKind::kMessage ||
         t.kind == TypeKind::kNull || t.kind == TypeKind::kTimestamp ||
         t.kind == TypeKind::kDuration || t.kind == TypeKind::kOpaque ||
         t.kind == TypeKind::kOptional;
}

}  // namespace

bool Assignable(const Type& param, const Type& arg, Subs& s) {
  Type p = Prune(param, s);
  Type a = Prune(arg, s);
  if (p.kind == TypeKind::kTypeParam) {
    if (a.kind == TypeKind::kTypeParam && a.name == p.name) return true;
    if (Occurs(p.name, a, s)) return false;
    s.Bind(p.name, a);
    return true;
  }
  if (a.kind == TypeKind::kTypeParam) {
    if (Occurs(a.name, p, s)) return false;
    s.Bind(a.name, p);
    return true;
  }
  if (p.is_dyn() || a.is_dyn() || p.is_error() || a.is_error()) return true;
  if (a.kind == TypeKind::kNull) return Nullable(p);
  if (p.kind == TypeKind::kNull) return Nullable(a);
  // A wrapper is its primitive or null; accept both directions.
  if (p.kind != a.kind) return false;
  switch (p.kind) {
    case TypeKind::kMessage:
      return p.message == a.message ||
             (p.message && a.message &&
              p.message->full_name() == a.message->full_name());
    case TypeKind::kOpaque:
      return p.name == a.name;
    default:
      break;
  }
  if (p.params.size() != a.params.size()) return false;
  for (size_t i = 0; i < p.params.size(); ++i) {
    if (!Assignable(p.params[i], a.params[i], s)) return false;
  }
  return true;
}

bool IsNumeric(const Type& t) { return IsNumber(t.kind); }

std::vector<std::string> Candidates(const std::string& container,
                                    absl::string_view name) {
  if (absl::StartsWith(name, ".")) return {std::string(name.substr(1))};
  std::vector<std::string> out;
  std::string prefix = container;
  while (!prefix.empty()) {
    out.push_back(absl::StrCat(prefix, ".", name));
    size_t dot = prefix.rfind('.');
    prefix = dot == std::string::npos ? "" : prefix.substr(0, dot);
  }
  out.emplace_back(name);
  return out;
}

}  // namespace checker_internal

namespace {

using checker_internal::Assignable;
using checker_internal::Candidates;
using checker_internal::Prune;
using checker_internal::Subs;
using checker_internal::Substitute;

// Builtin type names usable as values (`type(x) == int`).
bool BuiltinTypeName(absl::string_view name, Type* t) {
  static const auto* names = new absl::flat_hash_map<std::string, Type>{
      {"bool", Type::Bool()},
      {"int", Type::Int()},
      {"uint", Type::Uint()},
      {"double", Type::Double()},
      {"string", Type::String()},
      {"bytes", Type::Bytes()},
      {"null_type", Type::Null()},
      {"list", Type::List(Type::Dyn())},
      {"map", Type::Map(Type::Dyn(), Type::Dyn())},
      {"type", Type::TypeOf(Type::Dyn())},
      {"dyn", Type::Dyn()},
      {"optional_type", Type::Optional(Type::Dyn())},
  };
  auto it = names->find(name);
  if (it == names->end()) return false;
  *t = Type::TypeOf(it->second);
  return true;
}

std::string TypeList(const std::vector<Type>& types) {
  return absl::StrJoin(types, ", ", [](std::string* out, const Type& t) {
    out->append(t.ToString());
  });
}

class Checker {
 public:
  Checker(const Ast& ast, const Source& src, const CheckerEnv& env,
          DiagnosticList& diags)
      : ast_(ast), src_(src), env_(env), diags_(diags) {
    pool_ = env.pool ? env.pool : DescriptorPool::generated_pool();
    for (const auto& [name, type] : env.variables) vars_[name] = type;
    // Only names the environment adds to are copied; the standard table is
    // shared (building it per Check would dominate small checks).
    for (const FunctionDecl& f : env.functions) {
      FunctionDecl& slot = extra_fns_[f.name];
      if (slot.name.empty()) {
        slot.name = f.name;
        if (const FunctionDecl* std_decl = StandardFunction(f.name)) {
          slot.overloads = std_decl->overloads;
        }
      }
      slot.overloads.insert(slot.overloads.end(), f.overloads.begin(),
                            f.overloads.end());
    }
    out_.types.assign(ast.size(), Type::Error());
    out_.refs.assign(ast.size(), Reference{});
  }

  CheckedAst Run(const Expr& root) {
    Check(&root, 0);
    for (Type& t : out_.types) t = Substitute(t, subs_, true);
    out_.result_type = out_.types[root.id];
    return std::move(out_);
  }

 private:
  struct Resolved {
    Reference ref;
    Type type;
  };

  static const absl::flat_hash_map<std::string, const FunctionDecl*>&
  StandardIndex() {
    static const auto* index = [] {
      auto* m = new absl::flat_hash_map<std::string, const FunctionDecl*>();
      for (const FunctionDecl& f : StandardFunctions()) (*m)[f.name] = &f;
      return m;
    }();
    return *index;
  }
  static const FunctionDecl* StandardFunction(const std::string& name) {
    auto it = StandardIndex().find(name);
    return it == StandardIndex().end() ? nullptr : it->second;
  }
  const FunctionDecl* FindFunction(const std::string& name) const {
    auto it = extra_fns_.find(name);
    if (it != extra_fns_.end()) return &it->second;
    return StandardFunction(name);
  }

  void Error(absl::string_view code, ExprId id, Span span, std::string msg,
             std::string help = "") {
    Report(Severity::kError, code, id, span, std::move(msg), std::move(help),
           false);
  }
  // At the field name of select node e (`.name`), not the whole path.
  void FieldError(absl::string_view code, const Expr* e, std::string msg,
                  std::string help, Severity sev = Severity::kError) {
    Report(sev, code, e->id, FieldSpan(e), std::move(msg), std::move(help),
           true);
  }

  // Nodes inlined from another file report at their origin (see
  // CheckerEnv::origins), at the field name when at_field.
  void Report(Severity sev, absl::string_view code, ExprId id, Span span,
              std::string msg, std::string help, bool at_field) {
    Diagnostic d;
    d.severity = sev;
    d.code = std::string(code);
    d.source = &src_;
    d.span = span;
    d.message = std::move(msg);
    d.help = std::move(help);
    if (env_.origins != nullptr && id >= 0 &&
        static_cast<size_t>(id) < env_.origins->size() &&
        (*env_.origins)[id].source != nullptr) {
      const SpanOrigin& o = (*env_.origins)[id];
      d.source = o.source;
      d.span = o.span;
      const Expr* node = ast_.Find(id);
      uint32_t len = node == nullptr ? 0 : node->name.size();
      if (at_field && node != nullptr && len <= o.span.end - o.span.begin &&
          o.source->Text({o.span.end - len, o.span.end}) == node->name) {
        d.span.begin = o.span.end - len;
      }
    }
    diags_.Add(std::move(d));
  }

  Type Set(const Expr* e, Type t) {
    out_.types[e->id] = t;
    return t;
  }

  Type Fresh() { return Type::Param(absl::StrCat("_T", fresh_++)); }

  bool LookupLocal(absl::string_view name, Type* t) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      for (auto v = it->rbegin(); v != it->rend(); ++v) {
        if (v->first == name) {
          *t = v->second;
          return true;
        }
      }
    }
    return false;
  }

  // Resolves a (possibly qualified) name to a variable, enum constant or
  // type name, most specific container candidate first.
  bool ResolveName(absl::string_view name, Resolved* r) const {
    for (const std::string& c : Candidates(env_.container, name)) {
      auto v = vars_.find(c);
      if (v != vars_.end()) {
        r->ref.kind = Reference::Kind::kVariable;
        r->ref.name = c;
        r->type = v->second;
        return true;
      }
      size_t dot = c.rfind('.');
      if (dot != std::string::npos) {
        const EnumDescriptor* en = pool_->FindEnumTypeByName(c.substr(0, dot));
        if (en != nullptr) {
          const EnumValueDescriptor* ev =
              en->FindValueByName(c.substr(dot + 1));
          if (ev != nullptr) {
            r->ref.kind = Reference::Kind::kEnumConstant;
            r->ref.name = c;
            r->ref.enum_value = ev->number();
            r->type =
                env_.strong_enums ? Type::Opaque(en->full_name()) : Type::Int();
            return true;
          }
        }
      }
      if (const Descriptor* d = pool_->FindMessageTypeByName(c)) {
        r->ref.kind = Reference::Kind::kTypeName;
        r->ref.name = c;
        r->type = Type::TypeOf(MessageValueType(d));
        return true;
      }
    }
    Type t;
    if (BuiltinTypeName(name, &t)) {
      r->ref.kind = Reference::Kind::kTypeName;
      r->ref.name = std::string(name);
      r->type = t;
      return true;
    }
    return false;
  }

  // `a.b.c` for an Ident/Select chain (no has(), no `.?`), else false.
  static bool QualifiedName(const Expr* e, std::string* out) {
    std::vector<absl::string_view> parts;
    while (e->kind == ExprKind::kSelect) {
      if (e->test_only || e->optional_select || e->operand == nullptr) {
        return false;
      }
      parts.push_back(e->name);
      e = e->operand;
    }
    if (e->kind != ExprKind::kIdent) return false;
    parts.push_back(e->name);
    std::reverse(parts.begin(), parts.end());
    *out = absl::StrJoin(parts, ".");
    return true;
  }

  bool FirstSegmentIsLocal(absl::string_view qn) const {
    Type ignored;
    return LookupLocal(qn.substr(0, qn.find('.')), &ignored);
  }

  std::vector<std::string> NamesInScope() const {
    std::vector<std::string> names;
    for (const auto& [name, t] : vars_) names.push_back(name);
    for (const auto& scope : scopes_) {
      for (const auto& [name, t] : scope) {
        if (name.empty() || name[0] != '@') names.push_back(name);
      }
    }
    return names;
  }

  Type Check(const Expr* e, int depth) {
    if (e == nullptr) return Type::Error();
    if (depth > env_.max_depth) {
      if (!depth_reported_) {
        depth_reported_ = true;
        Error("E0111", e->id, e->span,
              absl::StrCat("expression nests deeper than ", env_.max_depth,
                           " levels"),
              "split the expression or its helpers into smaller parts");
      }
      return Set(e, Type::Error());
    }
    switch (e->kind) {
      case ExprKind::kConst:
        return Set(e, CheckConst(e->constant));
      case ExprKind::kIdent:
        return Set(e, CheckIdent(e));
      case ExprKind::kSelect:
        return Set(e, CheckSelect(e, depth));
      case ExprKind::kCall:
        return Set(e, CheckCall(e, depth));
      case ExprKind::kList:
        return Set(e, CheckList(e, depth));
      case ExprKind::kMap:
        return Set(e, CheckMap(e, depth));
      case ExprKind::kStruct:
        return Set(e, CheckStruct(e, depth));
      case ExprKind::kComprehension:
        return Set(e, CheckComprehension(e, depth));
    }
    return Set(e, Type::Error());
  }

  static Type CheckConst(const Constant& c) {
    switch (c.kind) {
      case ConstKind::kNull:
        return Type::Null();
      case ConstKind::kBool:
        return Type::Bool();
      case ConstKind::kInt:
        return Type::Int();
      case ConstKind::kUint:
        return Type::Uint();
      case ConstKind::kDouble:
        return Type::Double();
      case ConstKind::kString:
        return Type::String();
      case ConstKind::kBytes:
        return Type::Bytes();
    }
    return Type::Error();
  }

  Type CheckIdent(const Expr* e) {
    Type t;
    if (!absl::StartsWith(e->name, ".") && LookupLocal(e->name, &t)) {
      Reference& ref = out_.refs[e->id];
      ref.kind = Reference::Kind::kVariable;
      ref.name = e->name;
      return t;
    }
    Resolved r;
    if (ResolveName(e->name, &r)) {
      out_.refs[e->id] = r.ref;
      return r.type;
    }
    std::string hint = DidYouMean(e->name, NamesInScope());
    Error("E0101", e->id, e->span,
          absl::StrCat(
              "undeclared reference to `", e->name, "`",
              env_.container.empty()
                  ? ""
                  : absl::StrCat(" (in container `", env_.container, "`)")),
          hint.empty() ? "" : absl::StrCat("did you mean `", hint, "`?"));
    return Type::Error();
  }

  Type CheckSelect(const Expr* e, int depth) {
    std::string qn;
    if (QualifiedName(e, &qn) && !FirstSegmentIsLocal(qn)) {
      Resolved r;
      if (ResolveName(qn, &r)) {
        out_.refs[e->id] = r.ref;
        return r.type;
      }
    }
    Type operand = Prune(Check(e->operand, depth + 1), subs_);
    // `x.?f` makes an optional; selecting on an optional chains: the
    // result stays optional (`opt.f.g` is optional too).
    bool wrap_optional = e->optional_select;
    if (operand.kind == TypeKind::kOptional) {
      wrap_optional = true;
      operand = Prune(operand.elem(), subs_);
    }
    Type field = SelectField(e, operand);
    if (field.is_error()) return field;
    if (e->test_only) return Type::Bool();
    return wrap_optional ? Type::Optional(field) : field;
  }

  // The type of `operand.name` (or the presence test) given the operand's
  // type; reports unknown fields and selections on non-aggregates.
  Type SelectField(const Expr* e, const Type& operand) {
    switch (operand.kind) {
      case TypeKind::kError:
        return Type::Error();
      case TypeKind::kDyn:
      case TypeKind::kTypeParam:
        return Type::Dyn();
      case TypeKind::kMessage: {
        if (operand.message == nullptr) return Type::Dyn();
        const FieldDescriptor* f = operand.message->FindFieldByName(e->name);
        if (f == nullptr) {
          std::vector<std::string> names;
          for (int i = 0; i < operand.message->field_count(); ++i) {
            names.push_back(operand.message->field(i)->name());
          }
          std::string hint = DidYouMean(e->name, names);
          std::string msg = absl::StrCat("unknown field `", e->name, "` on ",
                                         operand.message->full_name());
          std::string help =
              hint.empty() ? "" : absl::StrCat("did you mean `", hint, "`?");
          if (env_.strict_fields) {
            FieldError("E0102", e, std::move(msg), std::move(help));
            return Type::Error();
          }
          FieldError("E0102", e, std::move(msg), std::move(help),
                     Severity::kWarning);
          return Type::Dyn();
        }
        Reference& ref = out_.refs[e->id];
        ref.kind = Reference::Kind::kField;
        ref.field = f;
        ref.name = f->full_name();
        if (const EnumDescriptor* en = StrongEnumField(f)) {
          return Type::Opaque(en->full_name());
        }
        return FieldType(f);
      }
      case TypeKind::kMap: {
        if (!TryAssign(operand.key(), Type::String())) {
          Error("E0104", e->id, e->span,
                absl::StrCat("cannot select `", e->name, "` on ",
                             operand.ToString(), ": keys are not strings"));
          return Type::Error();
        }
        return operand.value();
      }
      default:
        break;
    }
    if (e->test_only) {
      Error("E0106", e->id, e->span,
            absl::StrCat("has() needs a message field or a map key, but the "
                         "operand is ",
                         operand.ToString()));
    } else {
      FieldError("E0107", e,
                 absl::StrCat("type ", operand.ToString(),
                              " has no fields; cannot select `", e->name, "`"),
                 "");
    }
    return Type::Error();
  }

  // The span of `.name` in `x.name` when the node's span ends with it, so
  // the caret points at the field rather than the whole path.
  Span FieldSpan(const Expr* e) const {
    Span s = e->span;
    if (s.end >= e->name.size() && s.end - e->name.size() >= s.begin &&
        src_.Text({static_cast<uint32_t>(s.end - e->name.size()), s.end}) ==
            e->name) {
      return {static_cast<uint32_t>(s.end - e->name.size()), s.end};
    }
    return s;
  }

  Type CheckCall(const Expr* e, int depth) {
    // Namespaced function: `math.greatest(...)` parses as a receiver call on
    // the identifier `math`.
    if (e->target != nullptr) {
      std::string qn;
      if (QualifiedName(e->target, &qn) && !FirstSegmentIsLocal(qn)) {
        for (const std::string& c :
             Candidates(env_.container, absl::StrCat(qn, ".", e->name))) {
          const FunctionDecl* ns_decl = FindFunction(c);
          if (ns_decl == nullptr) continue;
          std::vector<Type> args;
          for (const Expr* a : e->args) args.push_back(Check(a, depth + 1));
          return ResolveOverload(e, *ns_decl, false, args);
        }
      }
    }
    if (env_.strong_enums) {
      Type t;
      if (CheckEnumConversion(e, depth, &t)) return t;
    }
    std::vector<Type> args;
    if (e->target != nullptr) args.push_back(Check(e->target, depth + 1));
    for (const Expr* a : e->args) args.push_back(Check(a, depth + 1));
    // Strong enums: int(e) gives the enum's number, string(e) its name
    // (the number when the enum does not declare it).
    if (env_.strong_enums && e->target == nullptr &&
        (e->name == "int" || e->name == "string") && args.size() == 1) {
      Type a = Prune(args[0], subs_);
      if (a.kind == TypeKind::kOpaque &&
          pool_->FindEnumTypeByName(a.name) != nullptr) {
        Reference& ref = out_.refs[e->id];
        ref.kind = Reference::Kind::kFunction;
        ref.name = e->name;
        const bool to_int = e->name == "int";
        ref.overload_ids = {to_int ? "enum_to_int64" : "enum_to_string"};
        return to_int ? Type::Int() : Type::String();
      }
    }

    const FunctionDecl* decl = nullptr;
    if (e->target != nullptr) {
      decl = FindFunction(e->name);
    } else {
      for (const std::string& c : Candidates(env_.container, e->name)) {
        decl = FindFunction(c);
        if (decl != nullptr) break;
      }
    }
    if (decl == nullptr) {
      std::vector<std::string> names;
      auto add = [&names](const std::string& name) {
        if (!name.empty() && name[0] != '_' && name[0] != '@' &&
            name[0] != '!' && name[0] != '-') {
          names.push_back(name);
        }
      };
      for (const auto& [name, f] : StandardIndex()) add(name);
      for (const auto& [name, f] : extra_fns_) add(name);
      std::string hint = DidYouMean(e->name, names);
      Error("E0108", e->id, e->span,
            absl::StrCat("undeclared function `", e->name, "`"),
            hint.empty() ? "" : absl::StrCat("did you mean `", hint, "`?"));
      return Type::Error();
    }
    Type result = ResolveOverload(e, *decl, e->target != nullptr, args);
    if (!result.is_error()) LintConstantArguments(e);
    return result;
  }

  // Strong enums: the enum of a singular enum field (not NullValue, which
  // reads as null), else null.
  const EnumDescriptor* StrongEnumField(const FieldDescriptor* f) const {
    if (!env_.strong_enums || f->is_repeated() ||
        f->type() != FieldDescriptor::TYPE_ENUM ||
        f->enum_type()->full_name() == "google.protobuf.NullValue") {
      return nullptr;
    }
    return f->enum_type();
  }

  // Strong enums: `Enum(x)` or `pkg.Msg.Enum(x)` naming an enum type (by the
  // container's candidates) converts an int or a value name to the enum.
  bool CheckEnumConversion(const Expr* e, int depth, Type* out) {
    std::string name = e->name;
    if (e->target != nullptr) {
      std::string qn;
      if (!QualifiedName(e->target, &qn) || FirstSegmentIsLocal(qn)) {
        return false;
      }
      name = absl::StrCat(qn, ".", e->name);
    } else if (FirstSegmentIsLocal(name)) {
      return false;
    }
    const EnumDescriptor* en = nullptr;
    for (const std::string& c : Candidates(env_.container, name)) {
      en = pool_->FindEnumTypeByName(c);
      if (en != nullptr) break;
    }
    if (en == nullptr) return false;
    Reference& ref = out_.refs[e->id];
    ref.kind = Reference::Kind::kFunction;
    ref.name = en->full_name();
    ref.overload_ids.clear();
    if (e->args.size() != 1) {
      Error("E0103", e->id, e->span,
            absl::StrCat("enum conversion `", en->full_name(),
                         "` takes one argument (an int or a value name), got ",
                         e->args.size()));
      *out = Type::Error();
      return true;
    }
    Type a = Prune(Check(e->args[0], depth + 1), subs_);
    if (a.is_error()) {
      *out = Type::Error();
      return true;
    }
    if (a.kind == TypeKind::kInt && !a.is_wrapper) {
      ref.overload_ids.push_back("int64_to_enum");
    } else if (a.kind == TypeKind::kString && !a.is_wrapper) {
      ref.overload_ids.push_back("string_to_enum");
    } else if (a.is_dyn() || a.kind == TypeKind::kTypeParam) {
      ref.overload_ids = {"int64_to_enum", "string_to_enum"};
    } else {
      Error("E0103", e->id, e->span,
            absl::StrCat("no matching overload for `", en->full_name(),
                         "` applied to (", a.ToString(),
                         "): an enum converts from int or string"));
      *out = Type::Error();
      return true;
    }
    *out = Type::Opaque(en->full_name());
    return true;
  }

  // Assignable against subs_, keeping the bindings only on success.
  bool TryAssign(const Type& param, const Type& arg) {
    size_t mark = subs_.mark();
    if (Assignable(param, arg, subs_)) return true;
    subs_.Undo(mark);
    return false;
  }

  static bool IsScalar(const Type& t) {
    switch (t.kind) {
      case TypeKind::kBool:
      case TypeKind::kInt:
      case TypeKind::kUint:
      case TypeKind::kDouble:
      case TypeKind::kString:
      case TypeKind::kBytes:
      case TypeKind::kTimestamp:
      case TypeKind::kDuration:
        return !t.is_wrapper;
      default:
        return false;
    }
  }
  static bool ScalarMismatch(const Type& param, const Type& arg) {
    return IsScalar(param) && IsScalar(arg) && param.kind != arg.kind;
  }

  static bool ContainsDyn(const Type& t) {
    if (t.is_dyn()) return true;
    for (const Type& p : t.params) {
      if (ContainsDyn(p)) return true;
    }
    return false;
  }

  Type Instantiate(const Type& t,
                   const absl::flat_hash_map<std::string, Type>& fresh) {
    if (t.kind == TypeKind::kTypeParam) {
      auto it = fresh.find(t.name);
      return it == fresh.end() ? t : it->second;
    }
    Type out = t;
    for (Type& p : out.params) p = Instantiate(p, fresh);
    return out;
  }

  Type ResolveOverload(const Expr* e, const FunctionDecl& decl, bool receiver,
                       const std::vector<Type>& args) {
    for (const Type& a : args) {
      // One diagnostic per root cause: an argument already failed.
      if (Prune(a, subs_).is_error()) return Type::Error();
    }
    Reference& ref = out_.refs[e->id];
    ref.kind = Reference::Kind::kFunction;
    ref.name = decl.name;
    ref.overload_ids.clear();

    struct Match {
      const OverloadDecl* o;
      Type result;
      std::vector<std::pair<std::string, Type>> bindings;
      bool loose;  // a declared dyn parameter took a more specific argument
    };
    std::vector<Match> found;
    std::vector<Type> pruned;
    for (const Type& a : args) pruned.push_back(Prune(a, subs_));
    for (const OverloadDecl& o : decl.overloads) {
      if (o.receiver != receiver || o.params.size() != args.size()) continue;
      // Cheap rejection before copying the substitution: a concrete scalar
      // parameter against a different concrete scalar argument.
      bool reject = false;
      for (size_t i = 0; !reject && i < args.size(); ++i) {
        reject = ScalarMismatch(o.params[i], pruned[i]);
      }
      if (reject) continue;
      absl::flat_hash_map<std::string, Type> fresh;
      for (const std::string& tp : o.type_params) fresh[tp] = Fresh();
      size_t mark = subs_.mark();
      bool ok = true;
      bool loose = false;
      for (size_t i = 0; ok && i < args.size(); ++i) {
        ok = Assignable(Instantiate(o.params[i], fresh), args[i], subs_);
        loose = loose || (ContainsDyn(o.params[i]) &&
                          !ContainsDyn(Substitute(args[i], subs_, false)));
      }
      if (ok) {
        Type r = Substitute(Instantiate(o.result, fresh), subs_, false);
        found.push_back({&o, std::move(r), subs_.Since(mark), loose});
      }
      subs_.Undo(mark);
    }
    // Exact overloads win over catch-all dyn ones (math.greatest(1, 2) is
    // int, not dyn).
    if (std::any_of(found.begin(), found.end(),
                    [](const Match& m) { return !m.loose; })) {
      found.erase(std::remove_if(found.begin(), found.end(),
                                 [](const Match& m) { return m.loose; }),
                  found.end());
    }
    if (!found.empty()) {
      Type result = found[0].result;
      for (const Match& m : found) {
        ref.overload_ids.push_back(m.o->id);
        if (Substitute(found[0].result, subs_, true) !=
            Substitute(m.result, subs_, true)) {
          result = Type::Dyn();
        }
      }
      // Bindings are kept only when one overload was chosen; with several
      // candidates (dyn arguments) they could contradict each other.
      if (found.size() == 1) {
        for (auto& [name, t] : found[0].bindings) subs_.Bind(name, t);
      }
      return result;
    }

    // Equality and inequality across int/uint/double (heterogeneous
    // numeric equality, as in the CEL spec).
    if ((decl.name == "_==_" || decl.name == "_!=_") && args.size() == 2 &&
        checker_internal::IsNumeric(Prune(args[0], subs_)) &&
        checker_internal::IsNumeric(Prune(args[1], subs_))) {
      ref.overload_ids.push_back(decl.name == "_==_" ? "equals" : "not_equals");
      return Type::Bool();
    }
    // Type values compare across types: `type(1) == type(1u)` is false.
    if ((decl.name == "_==_" || decl.name == "_!=_") && args.size() == 2 &&
        Prune(args[0], subs_).kind == TypeKind::kType &&
        Prune(args[1], subs_).kind == TypeKind::kType) {
      ref.overload_ids.push_back(decl.name == "_==_" ? "equals" : "not_equals");
      return Type::Bool();
    }
    // Membership with heterogeneous numbers: `1 in [1u, 2u]`.
    if (decl.name == "@in" && args.size() == 2) {
      Type elem = Prune(args[0], subs_);
      Type range = Prune(args[1], subs_);
      if (checker_internal::IsNumeric(elem) && !range.params.empty() &&
          (range.kind == TypeKind::kList || range.kind == TypeKind::kMap) &&
          checker_internal::IsNumeric(Prune(range.params[0], subs_))) {
        ref.overload_ids.push_back(range.kind == TypeKind::kList ? "in_list"
                                                                 : "in_map");
        return Type::Bool();
      }
    }
    std::vector<Type> shown;
    for (const Type& a : args) shown.push_back(Substitute(a, subs_, true));
    std::string applied =
        receiver ? absl::StrCat(shown[0].ToString(), ".", decl.name, "(",
                                TypeList({shown.begin() + 1, shown.end()}), ")")
                 : absl::StrCat("(", TypeList(shown), ")");
    Error("E0103", e->id, e->span,
          absl::StrCat("no matching overload for `", decl.name, "` applied to ",
                       applied),
          OverloadHelp(decl, receiver, args));
    ref.overload_ids.clear();
    return Type::Error();
  }

  // Constant arguments that can never work at run time (a malformed
  // duration, timestamp or regular expression) would make every evaluation
  // an ERROR; say so at compile time. A warning, not an error: CEL defines
  // these as evaluation errors and programs stay valid.
  void LintConstantArguments(const Expr* e) {
    auto const_string = [](const Expr* a) -> const std::string* {
      return a != nullptr && a->kind == ExprKind::kConst &&
                     a->constant.kind == ConstKind::kString
                 ? &a->constant.string_value
                 : nullptr;
    };
    if (e->target == nullptr && e->args.size() == 1) {
      const std::string* s = const_string(e->args[0]);
      if (s == nullptr) return;
      if (e->name == "duration") {
        absl::Duration d;
        // CEL durations are Go-style ("1h30m", "90s", "1.5s") within
        // +-10000 years.
        if (!absl::ParseDuration(*s, &d) || d == absl::InfiniteDuration() ||
            d == -absl::InfiniteDuration()) {
          Lint(e->args[0], absl::StrCat("invalid duration \"", *s, "\""),
               "use units h, m, s, ms, us or ns, e.g. \"2160h\" for 90 days");
        } else if (absl::AbsDuration(d) > absl::Seconds(315576000000)) {
          Lint(e->args[0],
               absl::StrCat("duration \"", *s, "\" is out of range"), "");
        }
      } else if (e->name == "timestamp") {
        absl::Time t;
        std::string err;
        if (!absl::ParseTime(absl::RFC3339_full, *s, &t, &err)) {
          Lint(e->args[0], absl::StrCat("invalid timestamp \"", *s, "\""),
               "timestamps are RFC 3339, e.g. \"2024-01-31T00:00:00Z\"");
        }
      }
      return;
    }
    const Expr* pattern = nullptr;
    if (e->name == "matches") {
      if (e->target != nullptr && e->args.size() == 1) pattern = e->args[0];
      if (e->target == nullptr && e->args.size() == 2) pattern = e->args[1];
    }
    if (const std::string* s = const_string(pattern)) {
      RE2 re(*s, RE2::Quiet);
      if (!re.ok()) {
        Lint(pattern, absl::StrCat("invalid regular expression: ", re.error()),
             "patterns use RE2 syntax");
      }
    }
  }

  void Lint(const Expr* at, std::string msg, std::string help) {
    Report(Severity::kWarning, "W0109", at->id, at->span, std::move(msg),
           std::move(help), false);
  }

  // Lists the overloads closest to the call: same arity and call style,
  // those accepting the first argument first.
  std::string OverloadHelp(const FunctionDecl& decl, bool receiver,
                           const std::vector<Type>& args) const {
    std::vector<std::pair<int, std::string>> sigs;
    bool any_style = false;
    for (const OverloadDecl& o : decl.overloads) {
      if (o.receiver != receiver) continue;
      any_style = true;
      if (o.params.size() != args.size()) continue;
      int score = 0;
      for (size_t i = 0; i < args.size(); ++i) {
        Subs trial = subs_;
        if (Assignable(o.params[i], args[i], trial)) ++score;
      }
      std::string sig =
          receiver && !o.params.empty()
              ? absl::StrCat(o.params[0].ToString(), ".", decl.name, "(",
                             TypeList({o.params.begin() + 1, o.params.end()}),
                             ")")
              : absl::StrCat(decl.name, "(", TypeList(o.params), ")");
      sigs.push_back({-score, std::move(sig)});
    }
    if (!any_style) {
      return receiver
                 ? absl::StrCat("`", decl.name,
                                "` is a global function, not a method")
                 : absl::StrCat("`", decl.name, "` is a method: call it as x.",
                                decl.name, "(...)");
    }
    if (sigs.empty()) {
      return absl::StrCat("no overload of `", decl.name, "` takes ",
                          args.size() - (receiver ? 1 : 0), " argument(s)");
    }
    std::stable_sort(
        sigs.begin(), sigs.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> shown;
    for (const auto& s : sigs) {
      if (shown.size() == 4) {
        shown.push_back("...");
        break;
      }
      shown.push_back(s.second);
    }
    return absl::StrCat("expected one of: ", absl::StrJoin(shown, "; "));
  }

  // The common type of aggregate literal elements: the first element's type
  // when every element is assignable to it, else dyn.
  Type Join(const Type& prev, const Type& cur) {
    if (TryAssign(prev, cur)) {
      return MostGeneral(Substitute(prev, subs_, false),
                         Substitute(cur, subs_, false));
    }
    return Type::Dyn();
  }

  // The more general of two mutually assignable types, as cel-go joins
  // literal elements: dyn beats anything, a wrapper beats its primitive,
  // anything beats null.
  static Type MostGeneral(const Type& a, const Type& b) {
    if (a.is_dyn() || b.is_dyn()) return Type::Dyn();
    if (a.kind == TypeKind::kNull || a.kind == TypeKind::kTypeParam) return b;
    if (b.kind == TypeKind::kNull || b.kind == TypeKind::kTypeParam) return a;
    if (a.kind != b.kind) return a;
    Type r = a;
    r.is_wrapper = a.is_wrapper || b.is_wrapper;
    if (a.params.size() == b.params.size()) {
      for (size_t i = 0; i < a.params.size(); ++i) {
        r.params[i] = MostGeneral(a.params[i], b.params[i]);
      }
    }
    return r;
  }

  Type CheckList(const Expr* e, int depth) {
    Type elem;
    bool first = true;
    for (size_t i = 0; i < e->args.size(); ++i) {
      Type t = Prune(Check(e->args[i], depth + 1), subs_);
      if (std::find(e->optional_indices.begin(), e->optional_indices.end(),
                    static_cast<int32_t>(i)) != e->optional_indices.end()) {
        if (t.kind == TypeKind::kOptional) {
          t = t.elem();
        } else if (!t.is_dyn() && !t.is_error()) {
          Error("E0104", e->args[i]->id, e->args[i]->span,
                absl::StrCat("optional element `?` needs an optional value, "
                             "got ",
                             t.ToString()));
        }
      }
      if (t.is_error()) continue;
      elem = first ? t : Join(elem, t);
      first = false;
    }
    return Type::List(first ? Fresh() : elem);
  }

  static bool ValidMapKey(const Type& t) {
    switch (t.kind) {
      case TypeKind::kBool:
      case TypeKind::kInt:
      case TypeKind::kUint:
      case TypeKind::kString:
      case TypeKind::kDyn:
      case TypeKind::kTypeParam:
      case TypeKind::kError:
        return !t.is_wrapper;
      default:
        return false;
    }
  }

  Type CheckMap(const Expr* e, int depth) {
    Type key, value;
    bool first = true;
    for (const Entry& en : e->entries) {
      Type k = Prune(Check(en.key, depth + 1), subs_);
      Type v = Prune(Check(en.value, depth + 1), subs_);
      if (!ValidMapKey(k)) {
        Error("E0104", en.key->id, en.key->span,
              absl::StrCat("map keys must be int, uint, bool or string, got ",
                           k.ToString()));
        k = Type::Error();
      }
      if (en.optional) {
        if (v.kind == TypeKind::kOptional) {
          v = v.elem();
        } else if (!v.is_dyn() && !v.is_error()) {
          Error("E0104", en.value->id, en.value->span,
                absl::StrCat("optional entry `?` needs an optional value, "
                             "got ",
                             v.ToString()));
        }
      }
      out_.types[en.id] = v;
      if (k.is_error() || v.is_error()) continue;
      if (first) {
        key = k;
        value = v;
        first = false;
      } else {
        key = Join(key, k);
        value = Join(value, v);
      }
    }
    if (first) return Type::Map(Fresh(), Fresh());
    return Type::Map(key, value);
  }

  Type CheckStruct(const Expr* e, int depth) {
    const Descriptor* desc = nullptr;
    std::string resolved;
    for (const std::string& c : Candidates(env_.container, e->name)) {
      desc = pool_->FindMessageTypeByName(c);
      if (desc != nullptr) break;
    }
    if (desc == nullptr) {
      for (const Entry& en : e->entries) Check(en.value, depth + 1);
      Error("E0105", e->id, e->span,
            absl::StrCat("unknown message type `", e->name, "`"),
            env_.container.empty()
                ? ""
                : absl::StrCat("names resolve relative to container `",
                               env_.container, "`"));
      return Type::Error();
    }
    Reference& ref = out_.refs[e->id];
    ref.kind = Reference::Kind::kTypeName;
    ref.name = desc->full_name();
    for (const Entry& en : e->entries) {
      Type v = Check(en.value, depth + 1);
      out_.types[en.id] = v;
      const FieldDescriptor* f = desc->FindFieldByName(en.field);
      if (f == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < desc->field_count(); ++i) {
          names.push_back(desc->field(i)->name());
        }
        std::string hint = DidYouMean(en.field, names);
        Error("E0102", en.id, en.span,
              absl::StrCat("unknown field `", en.field, "` on ",
                           desc->full_name()),
              hint.empty() ? "" : absl::StrCat("did you mean `", hint, "`?"));
        continue;
      }
      Reference& fref = out_.refs[en.id];
      fref.kind = Reference::Kind::kField;
      fref.field = f;
      fref.name = f->full_name();
      Type want = FieldType(f);
      if (en.optional) want = Type::Optional(want);
      // google.protobuf.NullValue fields read as null but, like any enum,
      // take an int (NullValue.NULL_VALUE) in a literal.
      bool null_enum = want.kind == TypeKind::kNull &&
                       f->type() == FieldDescriptor::TYPE_ENUM &&
                       Prune(v, subs_).kind == TypeKind::kInt;
      // Strong enums: the field also takes a value of its own enum type.
      if (const EnumDescriptor* fe = StrongEnumField(f); fe && !en.optional) {
        Type pv = Prune(v, subs_);
        null_enum |= pv.kind == TypeKind::kOpaque && pv.name == fe->full_name();
      }
      if (!null_enum && !TryAssign(want, v)) {
        Error("E0104", en.id, en.value ? en.value->span : en.span,
              absl::StrCat("field `", en.field, "` of ", desc->full_name(),
                           " expects ", want.ToString(), ", got ",
                           Substitute(v, subs_, true).ToString()));
      }
    }
    return MessageValueType(desc);
  }

  Type CheckComprehension(const Expr* e, int depth) {
    Type range = Prune(Check(e->iter_range, depth + 1), subs_);
    Type iter1 = Type::Dyn();
    Type iter2 = Type::Dyn();
    switch (range.kind) {
      case TypeKind::kList:
        if (e->iter_var2.empty()) {
          iter1 = range.elem();
        } else {
          iter1 = Type::Int();
          iter2 = range.elem();
        }
        break;
      case TypeKind::kMap:
        iter1 = range.key();
        iter2 = range.value();
        break;
      case TypeKind::kDyn:
      case TypeKind::kTypeParam:
      case TypeKind::kError:
        break;
      default:
        Error("E0104", e->iter_range->id, e->iter_range->span,
              absl::StrCat("cannot iterate over ", range.ToString(),
                           "; expected a list or a map"));
        break;
    }
    Type accu = Check(e->accu_init, depth + 1);
    scopes_.push_back({{e->accu_var, accu}});
    scopes_.push_back({{e->iter_var, iter1}});
    if (!e->iter_var2.empty()) scopes_.back().push_back({e->iter_var2, iter2});
    Type cond = Check(e->loop_condition, depth + 1);
    ExpectBool(e->loop_condition, cond, "loop condition");
    Type step = Check(e->loop_step, depth + 1);
    if (!TryAssign(accu, step) && e->loop_step != nullptr) {
      Error("E0104", e->loop_step->id, e->loop_step->span,
            absl::StrCat("comprehension step has type ",
                         Substitute(step, subs_, true).ToString(),
                         " but the accumulator is ",
                         Substitute(accu, subs_, true).ToString()));
    }
    scopes_.pop_back();
    Type result = Check(e->result, depth + 1);
    scopes_.pop_back();
    return result;
  }

  void ExpectBool(const Expr* e, const Type& t, absl::string_view what) {
    if (e == nullptr) return;
    if (TryAssign(Type::Bool(), t)) {
      return;
    }
    Error("E0104", e->id, e->span,
          absl::StrCat(what, " must be bool, got ",
                       Substitute(t, subs_, true).ToString()));
  }

  const Ast& ast_;
  const Source& src_;
  const CheckerEnv& env_;
  DiagnosticList& diags_;
  const DescriptorPool* pool_ = nullptr;
  absl::flat_hash_map<std::string, Type> vars_;
  // Functions the environment declares (merged with standard overloads of
  // the same name); everything else comes from StandardIndex().
  absl::flat_hash_map<std::string, FunctionDecl> extra_fns_;
  std::vector<std::vector<std::pair<std::string, Type>>> scopes_;
  Subs subs_;
  int fresh_ = 0;
  bool depth_reported_ = false;
  CheckedAst out_;
};

// ---------------------------------------------------------------------------
// Dump

std::string ConstText(const Constant& c) {
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
      return absl::StrCat(c.double_value);
    case ConstKind::kString:
      return absl::StrCat("\"", c.string_value, "\"");
    case ConstKind::kBytes:
      return absl::StrCat("b\"", c.string_value, "\"");
  }
  return "?";
}

std::string RefText(const Reference& r) {
  switch (r.kind) {
    case Reference::Kind::kNone:
      return "";
    case Reference::Kind::kVariable:
      return absl::StrCat("^var(", r.name, ")");
    case Reference::Kind::kEnumConstant:
      return absl::StrCat("^enum(", r.name, "=", r.enum_value, ")");
    case Reference::Kind::kTypeName:
      return absl::StrCat("^type(", r.name, ")");
    case Reference::Kind::kField:
      return absl::StrCat("^field(", r.name, ")");
    case Reference::Kind::kFunction:
      return absl::StrCat("^", absl::StrJoin(r.overload_ids, "|"));
  }
  return "";
}

}  // namespace

absl::StatusOr<CheckedAst> Check(const Ast& ast, const Expr& root,
                                 const Source& source, const CheckerEnv& env,
                                 DiagnosticList& diags) {
  if (root.id < 0 || root.id >= ast.size()) {
    return absl::InvalidArgumentError("root expression is not in the Ast");
  }
  Checker checker(ast, source, env, diags);
  return checker.Run(root);
}

std::string DumpChecked(const Expr& root, const CheckedAst& checked) {
  // Explicit stack: the dump must not recurse on user-controlled depth.
  struct Item {
    const Expr* e;
    int indent;
    std::string label;  // role prefix, e.g. "range: "
    const Entry* entry = nullptr;
  };
  std::string out;
  std::vector<Item> stack;
  stack.push_back({&root, 0, ""});
  auto type_of = [&](ExprId id) {
    return id >= 0 && static_cast<size_t>(id) < checked.types.size()
               ? checked.types[id].ToString()
               : std::string("?");
  };
  auto ref_of = [&](ExprId id) {
    return id >= 0 && static_cast<size_t>(id) < checked.refs.size()
               ? RefText(checked.refs[id])
               : std::string();
  };
  while (!stack.empty()) {
    Item it = std::move(stack.back());
    stack.pop_back();
    std::string pad(it.indent * 2, ' ');
    if (it.entry != nullptr) {
      const Entry& en = *it.entry;
      absl::StrAppend(&out, pad, it.label,
                      en.field.empty() ? "entry" : en.field + ":", "~",
                      type_of(en.id), ref_of(en.id), "\n");
      if (en.value) stack.push_back({en.value, it.indent + 1, "value: "});
      if (en.key) stack.push_back({en.key, it.indent + 1, "key: "});
      continue;
    }
    const Expr* e = it.e;
    if (e == nullptr) continue;
    std::string head;
    std::vector<Item> kids;
    switch (e->kind) {
      case ExprKind::kConst:
        head = ConstText(e->constant);
        break;
      case ExprKind::kIdent:
        head = e->name;
        break;
      case ExprKind::kSelect:
        head = absl::StrCat(e->test_only ? "has(." : ".",
                            e->optional_select ? "?" : "", e->name,
                            e->test_only ? ")" : "");
        kids.push_back({e->operand, it.indent + 1, ""});
        break;
      case ExprKind::kCall:
        head = absl::StrCat(e->target ? "." : "", e->name, "()");
        if (e->target) kids.push_back({e->target, it.indent + 1, "target: "});
        for (const Expr* a : e->args) kids.push_back({a, it.indent + 1, ""});
        break;
      case ExprKind::kList:
        head = "[]";
        for (const Expr* a : e->args) kids.push_back({a, it.indent + 1, ""});
        break;
      case ExprKind::kMap:
      case ExprKind::kStruct:
        head = e->kind == ExprKind::kMap ? "{}" : e->name + "{}";
        for (const Entry& en : e->entries) {
          kids.push_back({nullptr, it.indent + 1, "", &en});
        }
        break;
      case ExprKind::kComprehension:
        head = absl::StrCat("comprehension(", e->iter_var,
                            e->iter_var2.empty() ? "" : ", " + e->iter_var2,
                            "; ", e->accu_var, ")");
        kids.push_back({e->iter_range, it.indent + 1, "range: "});
        kids.push_back({e->accu_init, it.indent + 1, "init: "});
        kids.push_back({e->loop_condition, it.indent + 1, "cond: "});
        kids.push_back({e->loop_step, it.indent + 1, "step: "});
        kids.push_back({e->result, it.indent + 1, "result: "});
        break;
    }
    absl::StrAppend(&out, pad, it.label, head, "~", type_of(e->id),
                    ref_of(e->id), "\n");
    for (auto k = kids.rbegin(); k != kids.rend(); ++k) {
      stack.push_back(std::move(*k));
    }
  }
  return out;
}

}  // namespace onus::lang
