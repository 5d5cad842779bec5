// The compiler passes: resolve, fold, lower, fuse, assemble.
// Ordering: fold needs resolve's constants (enums, type names) and builtins;
// lower needs fold's results to pick constant-operand instructions; fuse and
// assemble work on the lowered instruction list only.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/builtins.h"
#include "engine/compiler_internal.h"
#include "engine/message_type.h"
#include "engine/vm_internal.h"
#include "lang/checked.h"

namespace onus::engine::compiler_internal {

using lang::ConstKind;
using lang::Expr;
using lang::ExprKind;
using lang::Reference;

namespace {

// Operators compiled to dedicated opcodes (everything else is a CALL).
struct OperatorOp {
  const char* name;
  int argc;
  Op op;
};
constexpr OperatorOp kOperators[] = {
    {"_+_", 2, Op::kADD},
    {"_-_", 2, Op::kSUB},
    {"_*_", 2, Op::kMUL},
    {"_/_", 2, Op::kDIV},
    {"_%_", 2, Op::kMOD},
    {"_==_", 2, Op::kEQ},
    {"_!=_", 2, Op::kNE},
    {"_<_", 2, Op::kLT},
    {"_<=_", 2, Op::kLE},
    {"_>_", 2, Op::kGT},
    {"_>=_", 2, Op::kGE},
    {"@in", 2, Op::kIN},
    {"_[_]", 2, Op::kINDEX},
    {"!_", 1, Op::kNOT},
    {"-_", 1, Op::kNEG},
    {"@not_strictly_false", 1, Op::kNOT_STRICTLY_FALSE},
    {"__not_strictly_false__", 1, Op::kNOT_STRICTLY_FALSE},
};

const OperatorOp* FindOperator(const Expr* e) {
  if (e->kind != ExprKind::kCall || e->target != nullptr) {
    // size(x) as a receiver call x.size() is also an operator.
    if (e->kind == ExprKind::kCall && e->target != nullptr &&
        e->name == "size" && e->args.empty()) {
      static constexpr OperatorOp kSize = {"size", 1, Op::kSIZE};
      return &kSize;
    }
    return nullptr;
  }
  if (e->name == "size" && e->args.size() == 1) {
    static constexpr OperatorOp kSize = {"size", 1, Op::kSIZE};
    return &kSize;
  }
  for (const OperatorOp& o : kOperators) {
    if (e->name == o.name && static_cast<int>(e->args.size()) == o.argc) {
      return &o;
    }
  }
  return nullptr;
}

bool IsCall(const Expr* e, absl::string_view name, size_t argc) {
  return e->kind == ExprKind::kCall && e->target == nullptr &&
         e->name == name && e->args.size() == argc;
}

// The constant-operand form of a binary opcode, or kNOP.
Op ConstForm(Op op) {
  switch (op) {
    case Op::kEQ:
      return Op::kEQ_CONST;
    case Op::kNE:
      return Op::kNE_CONST;
    case Op::kLT:
      return Op::kLT_CONST;
    case Op::kLE:
      return Op::kLE_CONST;
    case Op::kGT:
      return Op::kGT_CONST;
    case Op::kGE:
      return Op::kGE_CONST;
    case Op::kIN:
      return Op::kIN_CONST;
    case Op::kINDEX:
      return Op::kINDEX_CONST;
    default:
      return Op::kNOP;
  }
}

// `k OP x` rewritten as `x OP' k` (for a constant on the left).
Op Mirror(Op op) {
  switch (op) {
    case Op::kEQ:
      return Op::kEQ;
    case Op::kNE:
      return Op::kNE;
    case Op::kLT:
      return Op::kGT;
    case Op::kLE:
      return Op::kGE;
    case Op::kGT:
      return Op::kLT;
    case Op::kGE:
      return Op::kLE;
    default:
      return Op::kNOP;
  }
}

struct TypeNameEntry {
  const char* name;
  Kind kind;
};
constexpr TypeNameEntry kBuiltinTypeNames[] = {
    {"bool", Kind::kBool},
    {"int", Kind::kInt},
    {"uint", Kind::kUint},
    {"double", Kind::kDouble},
    {"string", Kind::kString},
    {"bytes", Kind::kBytes},
    {"list", Kind::kList},
    {"map", Kind::kMap},
    {"google.protobuf.Timestamp", Kind::kTimestamp},
    {"google.protobuf.Duration", Kind::kDuration},
};

}  // namespace

CompilerState::CompilerState(const lang::Ast& ast, const lang::Expr& root,
                             const lang::CheckedAst* checked,
                             const lang::Source* source,
                             const CompileOptions& options,
                             lang::DiagnosticList& diags, Program& program,
                             CompileStats& stats)
    : ast_(ast),
      root_(root),
      checked_(checked),
      source_(source),
      options_(options),
      diags_(diags),
      program_(program),
      stats_(stats) {
  res_.resize(ast.size());
  for (const std::string& v : options.variables) VarSlot(v);
}

void CompilerState::Error(const Expr* e, absl::string_view code,
                          std::string message, std::string help) {
  failed_ = true;
  diags_.Error(code, source_, e ? e->span : lang::Span{}, std::move(message),
               std::move(help));
}

int CompilerState::VarSlot(const std::string& name) {
  auto it = var_slots_.find(name);
  if (it != var_slots_.end()) return it->second;
  int slot = static_cast<int>(program_.var_names.size());
  program_.var_names.push_back(name);
  var_slots_[name] = slot;
  return slot;
}

int CompilerState::AddStringConst(absl::string_view s) {
  auto it = string_consts_.find(s);
  if (it != string_consts_.end()) return it->second;
  int k = AddConst(Value::String(program_.arena->CopyString(s)));
  string_consts_[std::string(s)] = k;
  return k;
}

int CompilerState::AddLayout(int n, const std::vector<int>& optional) {
  std::vector<Value> items;
  items.push_back(Value::Int(n));
  for (int i : optional) items.push_back(Value::Int(i));
  return AddConst(MakeList(*program_.arena, items.data(),
                           static_cast<uint32_t>(items.size())));
}

int CompilerState::AddConst(Value v) {
  // Identical scalars, strings and type values share one slot (hashed, so a
  // huge expression does not make this quadratic); aggregates stay apart.
  std::string key;
  switch (v.kind) {
    case Kind::kNull:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kUint:
    case Kind::kDouble:
    case Kind::kType: {
      const uint64_t bits = v.kind == Kind::kType
                                ? reinterpret_cast<uintptr_t>(v.type)
                                : (v.kind == Kind::kBool ? v.b : v.u);
      key = absl::StrCat(static_cast<int>(v.kind), ":", v.flags, ":",
                         v.kind == Kind::kNull ? 0 : bits);
      break;
    }
    case Kind::kString:
    case Kind::kBytes:
      key = absl::StrCat(static_cast<int>(v.kind), ":", v.flags, ":",
                         v.string_view());
      break;
    default:
      break;
  }
  if (!key.empty()) {
    auto it = const_index_.find(key);
    if (it != const_index_.end()) return it->second;
  }
  program_.constants.push_back(v);
  const int k = static_cast<int>(program_.constants.size() - 1);
  if (!key.empty()) const_index_[key] = k;
  return k;
}

// ---------------------------------------------------------------------------
// Pass 1: resolve.

std::vector<std::string> CompilerState::Candidates(
    const std::string& name) const {
  if (!name.empty() && name[0] == '.') return {name.substr(1)};
  std::vector<std::string> out;
  std::string c = options_.container;
  while (!c.empty()) {
    out.push_back(absl::StrCat(c, ".", name));
    size_t dot = c.rfind('.');
    c = dot == std::string::npos ? "" : c.substr(0, dot);
  }
  out.push_back(name);
  return out;
}

namespace {

// Strong enums: the value of the enum constant `Enum.VALUE` named `name` with
// `number`: a typed enum value, or the int when the option is off.
Value EnumConstantValue(const CompileOptions& options, Arena& arena,
                        const std::string& name, int64_t number) {
  if (!options.strong_enums || options.pool == nullptr) {
    return Value::Int(number);
  }
  size_t dot = name.rfind('.');
  const google::protobuf::EnumDescriptor* en =
      dot == std::string::npos
          ? nullptr
          : options.pool->FindEnumTypeByName(name.substr(0, dot));
  if (en == nullptr) return Value::Int(number);
  return MakeEnumValue(arena, EnumType(en), number);
}

}  // namespace

bool CompilerState::LookupConstant(const std::string& name, Value* out) const {
  for (const TypeNameEntry& t : kBuiltinTypeNames) {
    if (name == t.name) {
      *out = Value::Type(BuiltinType(t.kind));
      return true;
    }
  }
  if (name == "null_type") {
    *out = Value::Type(NullType());
    return true;
  }
  if (name == "type") {
    *out = Value::Type(TypeOfType());
    return true;
  }
  if (name == "optional_type") {
    *out = Value::Type(BuiltinType(Kind::kOptional));
    return true;
  }
  if (options_.pool == nullptr) return false;
  if (const auto* d = options_.pool->FindMessageTypeByName(name)) {
    *out = Value::Type(MessageType::For(d)->type_value());
    return true;
  }
  size_t dot = name.rfind('.');
  if (dot != std::string::npos) {
    if (const auto* en =
            options_.pool->FindEnumTypeByName(name.substr(0, dot))) {
      if (const auto* ev = en->FindValueByName(name.substr(dot + 1))) {
        *out = EnumConstantValue(options_, *program_.arena, name, ev->number());
        return true;
      }
    }
  }
  return false;
}

bool CompilerState::IsLocal(const std::string& name) const {
  return std::find(scope_.rbegin(), scope_.rend(), name) != scope_.rend();
}

bool CompilerState::QualifiedName(const Expr* e, std::string* out) {
  std::vector<const Expr*> chain;
  while (e->kind == ExprKind::kSelect && !e->test_only && !e->optional_select) {
    chain.push_back(e);
    e = e->operand;
    if (chain.size() > static_cast<size_t>(kMaxDepth)) return false;
  }
  if (e->kind != ExprKind::kIdent) return false;
  std::string name = e->name;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    absl::StrAppend(&name, ".", (*it)->name);
  }
  *out = std::move(name);
  return true;
}

// Resolves a (qualified) name spelled by `node` against the declared
// variables, then type names and enum constants, following the container.
// A name the checker resolved (variable, enum constant, type name used as a
// value): the node becomes a variable load or a constant. False when the
// reference is of another kind (the caller resolves the node itself).
bool CompilerState::ResolveReference(const Expr* e, const Reference& ref) {
  switch (ref.kind) {
    case Reference::Kind::kVariable:
      Res(e).kind = Resolution::Kind::kVar;
      Res(e).var = VarSlot(ref.name);
      return true;
    case Reference::Kind::kEnumConstant:
      Res(e).kind = Resolution::Kind::kConst;
      Res(e).constant = EnumConstantValue(options_, *program_.arena, ref.name,
                                          ref.enum_value);
      return true;
    case Reference::Kind::kTypeName: {
      Value v;
      if (!LookupConstant(ref.name, &v)) return false;
      Res(e).kind = Resolution::Kind::kConst;
      Res(e).constant = v;
      return true;
    }
    default:
      return false;
  }
}

bool CompilerState::ResolveQualified(const Expr* node,
                                     const std::string& name) {
  for (const std::string& c : Candidates(name)) {
    auto it = var_slots_.find(c);
    if (it != var_slots_.end()) {
      Res(node).kind = Resolution::Kind::kVar;
      Res(node).var = it->second;
      return true;
    }
  }
  for (const std::string& c : Candidates(name)) {
    Value v;
    if (LookupConstant(c, &v)) {
      Res(node).kind = Resolution::Kind::kConst;
      Res(node).constant = v;
      return true;
    }
  }
  return false;
}

int CompilerState::AddField(const google::protobuf::FieldDescriptor* fd,
                            const std::string& name) {
  const MessageType* owner = MessageType::For(fd->containing_type());
  const FieldInfo* fi = owner->FieldByNumber(fd->number());
  if (fi == nullptr) return -1;
  for (size_t i = 0; i < program_.fields.size(); ++i) {
    if (program_.fields[i].field == fi) return static_cast<int>(i);
  }
  program_.fields.push_back(FieldRef{fi, owner, name});
  return static_cast<int>(program_.fields.size() - 1);
}

void CompilerState::ResolveExpr(const Expr* e, int depth) {
  if (e == nullptr) {
    Error(nullptr, "E0300", "internal: missing expression node");
    return;
  }
  if (depth > kMaxDepth) {
    Error(e, "E0301", "expression nested too deeply to compile");
    return;
  }
  const Reference* ref =
      checked_ != nullptr && e->id < static_cast<int>(checked_->refs.size())
          ? &checked_->refs[e->id]
          : nullptr;
  switch (e->kind) {
    case ExprKind::kConst: {
      const lang::Constant& c = e->constant;
      Value v;
      switch (c.kind) {
        case ConstKind::kNull:
          v = Value::Null();
          break;
        case ConstKind::kBool:
          v = Value::Bool(c.bool_value);
          break;
        case ConstKind::kInt:
          v = Value::Int(c.int_value);
          break;
        case ConstKind::kUint:
          v = Value::Uint(c.uint_value);
          break;
        case ConstKind::kDouble:
          v = Value::Double(c.double_value);
          break;
        case ConstKind::kString:
          v = Value::String(program_.arena->CopyString(c.string_value));
          break;
        case ConstKind::kBytes:
          v = Value::Bytes(program_.arena->CopyString(c.string_value));
          break;
      }
      Res(e).kind = Resolution::Kind::kConst;
      Res(e).constant = v;
      return;
    }
    case ExprKind::kIdent: {
      if (IsLocal(e->name)) return;  // lower binds it to its register
      if (ref != nullptr && ResolveReference(e, *ref)) return;
      if (ResolveQualified(e, e->name)) return;
      // Unchecked: an undeclared name becomes a variable the caller may
      // bind at run time ("undeclared reference" if it does not).
      Res(e).kind = Resolution::Kind::kVar;
      Res(e).var = VarSlot(e->name[0] == '.' ? e->name.substr(1) : e->name);
      return;
    }
    case ExprKind::kSelect: {
      if (!e->test_only && !e->optional_select) {
        if (ref != nullptr) {
          if (ResolveReference(e, *ref)) return;
        } else {
          // Unchecked: the longest qualified name wins, so try this node's
          // full name before descending to shorter prefixes.
          std::string qname;
          if (QualifiedName(e, &qname)) {
            std::string root = qname.substr(0, qname.find('.'));
            if (!IsLocal(root) && ResolveQualified(e, qname)) return;
          }
        }
      }
      if (ref != nullptr && ref->kind == Reference::Kind::kField &&
          ref->field != nullptr) {
        Res(e).field = AddField(ref->field, e->name);
      }
      ResolveExpr(e->operand, depth + 1);
      return;
    }
    case ExprKind::kCall:
      ResolveCall(e, depth);
      return;
    case ExprKind::kList:
      for (const Expr* a : e->args) ResolveExpr(a, depth + 1);
      return;
    case ExprKind::kMap:
      for (const lang::Entry& en : e->entries) {
        ResolveExpr(en.key, depth + 1);
        ResolveExpr(en.value, depth + 1);
      }
      return;
    case ExprKind::kStruct:
      ResolveStruct(e, depth);
      return;
    case ExprKind::kComprehension: {
      ResolveExpr(e->iter_range, depth + 1);
      ResolveExpr(e->accu_init, depth + 1);
      scope_.push_back(e->accu_var);
      scope_.push_back(e->iter_var);
      if (!e->iter_var2.empty()) scope_.push_back(e->iter_var2);
      ResolveExpr(e->loop_condition, depth + 1);
      ResolveExpr(e->loop_step, depth + 1);
      scope_.pop_back();
      if (!e->iter_var2.empty()) scope_.pop_back();
      ResolveExpr(e->result, depth + 1);
      scope_.pop_back();
      return;
    }
  }
}

void CompilerState::ResolveCall(const Expr* e, int depth) {
  for (const Expr* a : e->args) ResolveExpr(a, depth + 1);
  const Reference* ref =
      checked_ != nullptr && e->id < static_cast<int>(checked_->refs.size())
          ? &checked_->refs[e->id]
          : nullptr;
  Resolution& r = Res(e);
  r.call_name = e->name;
  if (e->name == "_&&_" || e->name == "_||_" || e->name == "_?_:_" ||
      (e->name == "dyn" && e->target == nullptr && e->args.size() == 1) ||
      FindOperator(e) != nullptr) {
    if (e->target != nullptr) ResolveExpr(e->target, depth + 1);
    return;
  }
  const int nargs = static_cast<int>(e->args.size());
  // Namespaced global written with receiver syntax: math.greatest(1, 2),
  // base64.encode(b). The checker says so by naming the function fully.
  if (e->target != nullptr) {
    std::string ns;
    bool namespaced = false;
    if (ref != nullptr && ref->kind == Reference::Kind::kFunction &&
        ref->name != e->name && !ref->name.empty()) {
      namespaced = true;
      r.call_name = ref->name;
    } else if (ref == nullptr && QualifiedName(e->target, &ns) &&
               !IsLocal(ns.substr(0, ns.find('.')))) {
      std::string full = absl::StrCat(ns, ".", e->name);
      bool is_var = false;
      for (const std::string& c : Candidates(ns)) {
        is_var |= var_slots_.contains(c);
      }
      if (!is_var && FindBuiltin(full, false, nargs) != nullptr) {
        namespaced = true;
        r.call_name = full;
      }
    }
    if (namespaced) {
      r.namespaced = true;
      r.fn = FindBuiltin(r.call_name, false, nargs);
    } else {
      ResolveExpr(e->target, depth + 1);
      r.fn = FindBuiltin(e->name, true, nargs + 1);
    }
  } else {
    if (ref != nullptr && ref->kind == Reference::Kind::kFunction &&
        !ref->name.empty()) {
      r.call_name = ref->name;
    }
    r.fn = FindBuiltin(r.call_name, false, nargs);
  }
  if (r.fn == nullptr && options_.strong_enums && nargs == 1) {
    ResolveEnumConversion(e, ref);
  }
  if (r.fn == nullptr && checked_ != nullptr) {
    Error(e, "E0302",
          absl::StrCat("function '", r.call_name, "' with ",
                       nargs + (e->target && !r.namespaced ? 1 : 0),
                       " argument(s) has no runtime implementation"));
  }
}

// Strong enums: `Enum(x)` / `pkg.Msg.Enum(x)` names an enum type (the
// checker's reference, or the container candidates when unchecked); lowered
// to "@enum"(type, x).
void CompilerState::ResolveEnumConversion(const Expr* e, const Reference* ref) {
  if (options_.pool == nullptr) return;
  std::vector<std::string> names;
  if (ref != nullptr) {
    if (ref->kind != Reference::Kind::kFunction) return;
    names.push_back(ref->name);
  } else {
    std::string ns;
    if (e->target == nullptr) {
      names = Candidates(e->name);
    } else if (QualifiedName(e->target, &ns) &&
               !IsLocal(ns.substr(0, ns.find('.')))) {
      names = Candidates(absl::StrCat(ns, ".", e->name));
    }
  }
  for (const std::string& n : names) {
    if (n.empty()) continue;
    const google::protobuf::EnumDescriptor* en =
        options_.pool->FindEnumTypeByName(n[0] == '.' ? n.substr(1) : n);
    if (en == nullptr) continue;
    Resolution& r = Res(e);
    r.fn = FindBuiltin("@enum", false, 2);
    r.enum_type = EnumType(en);
    r.namespaced = e->target != nullptr;  // the target is the enum's scope
    r.call_name = "@enum";
    return;
  }
}

void CompilerState::ResolveStruct(const Expr* e, int depth) {
  const google::protobuf::Descriptor* desc = nullptr;
  if (checked_ != nullptr && e->id < static_cast<int>(checked_->types.size()) &&
      checked_->types[e->id].kind == lang::TypeKind::kMessage) {
    desc = checked_->types[e->id].message;
  }
  if (desc == nullptr && options_.pool != nullptr) {
    for (const std::string& c : Candidates(e->name)) {
      desc = options_.pool->FindMessageTypeByName(c);
      if (desc != nullptr) break;
    }
  }
  // Checked WKT literals may be typed as their primitive (Int64Value{} is
  // int); look the message itself up by name then.
  if (desc == nullptr) {
    Error(e, "E0303", absl::StrCat("unknown message type '", e->name, "'"));
    return;
  }
  MessageLiteral lit;
  lit.type = MessageType::For(desc);
  std::vector<std::string> names;
  for (const FieldInfo* f : lit.type->fields()) names.push_back(f->fd->name());
  for (const lang::Entry& en : e->entries) {
    const FieldInfo* f = lit.type->FindField(en.field);
    if (f == nullptr) {
      failed_ = true;
      diags_.Error(
          "E0304", source_, en.span,
          absl::StrCat("no such field '", en.field, "' in ", desc->full_name()),
          lang::DidYouMean(en.field, names).empty()
              ? ""
              : absl::StrCat("did you mean `",
                             lang::DidYouMean(en.field, names), "`?"));
      continue;
    }
    if (en.optional) {
      lit.optional.resize(e->entries.size(), false);
      lit.optional[lit.fields.size()] = true;
    }
    lit.fields.push_back(f);
    ResolveExpr(en.value, depth + 1);
  }
  if (!lit.optional.empty()) lit.optional.resize(lit.fields.size());
  Res(e).field = static_cast<int>(program_.messages.size());
  program_.messages.push_back(std::move(lit));
}

absl::Status CompilerState::Resolve() {
  ResolveExpr(&root_, 0);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Pass 2: fold constants. Only pure operators and builtins over constant
// operands; a result that is an error stays unfolded so it is raised at run
// time with its instruction's span (and absorbed by && / || as CEL says).

// Constants must survive serialisation (engine/program_serde.h): scalars,
// strings, bytes, timestamps, durations, type values, and lists/maps of
// those. Optionals, messages and opaque values stay run-time values.
static bool Serialisable(const Value& v, int depth = 0) {
  if (depth > 32) return false;
  switch (v.kind) {
    case Kind::kNull:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kUint:
    case Kind::kDouble:
    case Kind::kString:
    case Kind::kBytes:
    case Kind::kTimestamp:
    case Kind::kDuration:
      return true;
    case Kind::kType:
      return v.type != nullptr && v.type->name != nullptr;
    case Kind::kList:
      if (v.list->rep != ListRep::kArray) return false;
      for (uint32_t i = 0; i < v.list->size; ++i) {
        if (!Serialisable(v.list->items[i], depth + 1)) return false;
      }
      return true;
    case Kind::kMap:
      if (v.map->rep != MapRep::kArray) return false;
      for (uint32_t i = 0; i < v.map->size; ++i) {
        if (!Serialisable(v.map->keys[i], depth + 1) ||
            !Serialisable(v.map->values[i], depth + 1)) {
          return false;
        }
      }
      return true;
    default:
      return false;
  }
}

bool CompilerState::IsConst(const Expr* e) const {
  const Resolution& r = Res(e);
  if (r.kind == Resolution::Kind::kAlias) return IsConst(r.alias);
  return r.kind == Resolution::Kind::kConst;
}

const Value& CompilerState::ConstOf(const Expr* e) const {
  const Resolution& r = Res(e);
  if (r.kind == Resolution::Kind::kAlias) return ConstOf(r.alias);
  return r.constant;
}

void CompilerState::SetConst(const Expr* e, Value v) {
  Res(e).kind = Resolution::Kind::kConst;
  Res(e).constant = v;
  ++stats_.constants_folded;
}

void CompilerState::FoldExpr(const Expr* e, int depth) {
  if (e == nullptr || depth > kMaxDepth) return;
  if (Res(e).kind == Resolution::Kind::kConst ||
      Res(e).kind == Resolution::Kind::kVar) {
    return;
  }
  CallContext ctx{program_.arena.get()};
  switch (e->kind) {
    case ExprKind::kSelect:
      FoldExpr(e->operand, depth + 1);
      return;
    case ExprKind::kList: {
      bool all = e->optional_indices.empty();
      for (const Expr* a : e->args) {
        FoldExpr(a, depth + 1);
        all &= IsConst(a);
      }
      if (!all) return;
      std::vector<Value> items;
      bool strings = true;
      for (const Expr* a : e->args) {
        items.push_back(ConstOf(a));
        strings &= items.back().kind == Kind::kString;
      }
      Value v = vm_internal::BuildList(ctx, items.data(),
                                       static_cast<uint32_t>(items.size()));
      if (v.is_error()) return;
      if (strings) v.flags = kFlagAllStrings;
      if (e->args.empty()) {
        // `[]` is a constant, not a fold.
        Res(e).kind = Resolution::Kind::kConst;
        Res(e).constant = v;
      } else {
        SetConst(e, v);
      }
      return;
    }
    case ExprKind::kMap: {
      bool all = true;
      for (const lang::Entry& en : e->entries) {
        FoldExpr(en.key, depth + 1);
        FoldExpr(en.value, depth + 1);
        all &= !en.optional && IsConst(en.key) && IsConst(en.value);
      }
      if (!all) return;
      std::vector<Value> kv;
      for (const lang::Entry& en : e->entries) {
        kv.push_back(ConstOf(en.key));
        kv.push_back(ConstOf(en.value));
      }
      Value v = vm_internal::BuildMap(ctx, kv.data(),
                                      static_cast<uint32_t>(e->entries.size()));
      if (!v.is_error()) SetConst(e, v);
      return;
    }
    case ExprKind::kStruct:
      for (const lang::Entry& en : e->entries) FoldExpr(en.value, depth + 1);
      return;
    case ExprKind::kComprehension:
      FoldExpr(e->iter_range, depth + 1);
      FoldExpr(e->accu_init, depth + 1);
      FoldExpr(e->loop_condition, depth + 1);
      FoldExpr(e->loop_step, depth + 1);
      FoldExpr(e->result, depth + 1);
      return;
    case ExprKind::kCall:
      break;
    default:
      return;
  }
  // Calls.
  if (e->target != nullptr && !Res(e).namespaced)
    FoldExpr(e->target, depth + 1);
  for (const Expr* a : e->args) FoldExpr(a, depth + 1);
  const size_t n = e->args.size();
  if (IsCall(e, "_&&_", 2) || IsCall(e, "_||_", 2)) {
    const bool is_and = e->name == "_&&_";
    const Expr* l = e->args[0];
    const Expr* r = e->args[1];
    // false && x == false and true || x == true, whatever x is.
    for (const Expr* side : {l, r}) {
      if (IsConst(side) && ConstOf(side).kind == Kind::kBool &&
          ConstOf(side).b == !is_and) {
        SetConst(e, Value::Bool(!is_and));
        return;
      }
    }
    if (IsConst(l) && IsConst(r)) {
      Value v = vm_internal::ApplyOp(is_and ? Op::kAND : Op::kOR, ctx,
                                     ConstOf(l), ConstOf(r));
      if (!v.is_error()) SetConst(e, v);
    }
    return;
  }
  if (IsCall(e, "_?_:_", 3)) {
    if (IsConst(e->args[0]) && ConstOf(e->args[0]).kind == Kind::kBool) {
      Res(e).kind = Resolution::Kind::kAlias;
      Res(e).alias = ConstOf(e->args[0]).b ? e->args[1] : e->args[2];
      ++stats_.constants_folded;
    }
    return;
  }
  if (IsCall(e, "dyn", 1)) {
    Res(e).kind = Resolution::Kind::kAlias;
    Res(e).alias = e->args[0];
    return;
  }
  bool all = true;
  if (e->target != nullptr && !Res(e).namespaced) all &= IsConst(e->target);
  for (const Expr* a : e->args) all &= IsConst(a);
  if (!all) return;
  Value v;
  if (const OperatorOp* o = FindOperator(e)) {
    Value a = e->target != nullptr ? ConstOf(e->target) : ConstOf(e->args[0]);
    Value b = n >= 2 ? ConstOf(e->args[1]) : Value();
    v = vm_internal::ApplyOp(o->op, ctx, a, b);
  } else if (Res(e).fn != nullptr) {
    std::vector<Value> args;
    if (Res(e).enum_type != nullptr) {
      args.push_back(Value::Type(Res(e).enum_type));
    }
    if (e->target != nullptr && !Res(e).namespaced) {
      args.push_back(ConstOf(e->target));
    }
    for (const Expr* a : e->args) args.push_back(ConstOf(a));
    v = vm_internal::CallStrict(*Res(e).fn, ctx, args.data(),
                                static_cast<uint32_t>(args.size()));
  } else {
    return;
  }
  if (!v.is_error() && Serialisable(v)) SetConst(e, v);
}

absl::Status CompilerState::Fold() {
  if (options_.fold_constants) FoldExpr(&root_, 0);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Pass 3: lower. Invariant: CompileInto(e, dst) may use dst as scratch, and
// the code for e never reads dst before writing it; operands that already
// live in a register (variables, comprehension locals) are used in place.

int CompilerState::AllocRegs(int n) {
  int first = next_reg_;
  next_reg_ += n;
  max_reg_ = std::max(max_reg_, next_reg_);
  return first;
}

void CompilerState::PlaceLabel(int label) {
  IrInstr ins;
  ins.label = label;
  ir_.push_back(ins);
}

void CompilerState::Emit(Op op, int a, int b, int c, int x, lang::Span span) {
  IrInstr ins;
  ins.in.op = op;
  ins.in.a = static_cast<uint16_t>(a);
  ins.in.b = static_cast<uint16_t>(b);
  ins.in.c = static_cast<uint16_t>(c);
  ins.in.x = static_cast<uint8_t>(x);
  ins.span = span;
  if (a > kMaxOperand || b > kMaxOperand || c > kMaxOperand ||
      x > kMaxCallArgs || a < 0 || b < 0 || c < 0) {
    if (!failed_) {
      Error(nullptr, "E0306",
            "expression too large to compile (more than 65535 registers, "
            "constants or fields)");
    }
  }
  ir_.push_back(ins);
}

int CompilerState::RegisterOf(const Expr* e) const {
  const int hoisted = HoistedRegister(e);
  if (hoisted >= 0) return hoisted;
  const Resolution& r = Res(e);
  if (r.kind == Resolution::Kind::kAlias) return RegisterOf(r.alias);
  if (r.kind == Resolution::Kind::kVar) return r.var;
  if (r.kind == Resolution::Kind::kNone && e->kind == ExprKind::kIdent) {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
      if (it->first == e->name) return it->second;
    }
  }
  return -1;
}

int CompilerState::CompileOperand(const Expr* e, int depth) {
  int reg = RegisterOf(e);
  if (reg >= 0) return reg;
  reg = AllocRegs(1);
  CompileInto(e, reg, depth);
  return reg;
}

void CompilerState::CompileInto(const Expr* e, int dst, int depth) {
  if (depth > kMaxDepth) {
    Error(e, "E0301", "expression nested too deeply to compile");
    return;
  }
  const Resolution& r = Res(e);
  const int mark = next_reg_;
  if (const int h = HoistedRegister(e); h >= 0) {
    Emit(Op::kMOVE, dst, h, 0, 0, e->span);
    return;
  }
  switch (r.kind) {
    case Resolution::Kind::kAlias:
      CompileInto(r.alias, dst, depth + 1);
      return;
    case Resolution::Kind::kConst:
      Emit(Op::kLOAD_CONST, dst, AddConst(r.constant), 0, 0, e->span);
      return;
    case Resolution::Kind::kVar:
      Emit(Op::kMOVE, dst, r.var, 0, 0, e->span);
      return;
    case Resolution::Kind::kNone:
      break;
  }
  switch (e->kind) {
    case ExprKind::kConst:
      break;  // resolved as kConst
    case ExprKind::kIdent: {
      int reg = RegisterOf(e);
      if (reg < 0) {
        Error(e, "E0307",
              absl::StrCat("unresolved identifier '", e->name, "'"));
        return;
      }
      Emit(Op::kMOVE, dst, reg, 0, 0, e->span);
      return;
    }
    case ExprKind::kSelect: {
      int src = RegisterOf(e->operand);
      if (src < 0) {
        CompileInto(e->operand, dst, depth + 1);
        src = dst;
      }
      if (e->test_only) {
        if (r.field >= 0) {
          Emit(Op::kHAS_FIELD, dst, src, r.field, 0, e->span);
        } else {
          Emit(Op::kHAS, dst, src, AddStringConst(e->name), 0, e->span);
        }
      } else if (e->optional_select) {
        Emit(Op::kOPT_SELECT, dst, src, AddStringConst(e->name), 0, e->span);
      } else if (r.field >= 0) {
        Emit(Op::kFIELD, dst, src, r.field, 0, e->span);
        WrapEnumField(r.field, dst, e->span);
      } else {
        Emit(Op::kSELECT, dst, src, AddStringConst(e->name), 0, e->span);
      }
      break;
    }
    case ExprKind::kCall:
      CompileCall(e, dst, depth);
      break;
    case ExprKind::kList: {
      const int n = static_cast<int>(e->args.size());
      const int base = AllocRegs(n);
      for (int i = 0; i < n; ++i) CompileInto(e->args[i], base + i, depth + 1);
      if (e->optional_indices.empty()) {
        Emit(Op::kMAKE_LIST, dst, base, n, 0, e->span);
      } else {
        std::vector<int> optional(e->optional_indices.begin(),
                                  e->optional_indices.end());
        Emit(Op::kMAKE_LIST_OPT, dst, base, AddLayout(n, optional), 0, e->span);
      }
      break;
    }
    case ExprKind::kMap: {
      const int n = static_cast<int>(e->entries.size());
      const int base = AllocRegs(2 * n);
      std::vector<int> optional;
      for (int i = 0; i < n; ++i) {
        if (e->entries[i].optional) optional.push_back(i);
        CompileInto(e->entries[i].key, base + 2 * i, depth + 1);
        CompileInto(e->entries[i].value, base + 2 * i + 1, depth + 1);
      }
      if (optional.empty()) {
        Emit(Op::kMAKE_MAP, dst, base, n, 0, e->span);
      } else {
        Emit(Op::kMAKE_MAP_OPT, dst, base, AddLayout(n, optional), 0, e->span);
      }
      break;
    }
    case ExprKind::kStruct: {
      if (r.field < 0) return;  // resolve reported it
      const MessageLiteral& lit = program_.messages[r.field];
      const int n = static_cast<int>(lit.fields.size());
      const int base = AllocRegs(n);
      int i = 0;
      for (const lang::Entry& en : e->entries) {
        if (lit.type->FindField(en.field) == nullptr) continue;
        CompileInto(en.value, base + i++, depth + 1);
      }
      Emit(Op::kNEW_MESSAGE, dst, base, r.field, 0, e->span);
      break;
    }
    case ExprKind::kComprehension:
      CompileComprehension(e, dst, depth);
      break;
  }
  next_reg_ = mark;
}

// Strong enums: dst := "@enum"(r[base], r[base + 1]).
void CompilerState::EmitEnumCall(int base, int dst, lang::Span span) {
  CallRef call;
  call.fn = FindBuiltin("@enum", false, 2);
  call.name = "@enum";
  call.receiver = false;
  call.argc = 2;
  program_.calls.push_back(call);
  Emit(Op::kCALL, dst, base, static_cast<int>(program_.calls.size() - 1), 2,
       span);
}

// Strong enums: a singular enum field reads as an int; make it a typed enum
// value of the field's enum (repeated and map enum fields stay ints).
void CompilerState::WrapEnumField(int field, int dst, lang::Span span) {
  if (!options_.strong_enums) return;
  const FieldInfo* fi = program_.fields[field].field;
  if (fi == nullptr || fi->conv != FieldConv::kEnum || fi->fd == nullptr ||
      fi->fd->is_repeated() || fi->fd->enum_type() == nullptr ||
      fi->fd->enum_type()->full_name() == "google.protobuf.NullValue") {
    return;
  }
  const int base = AllocRegs(2);
  Emit(Op::kLOAD_CONST, base,
       AddConst(Value::Type(EnumType(fi->fd->enum_type()))), 0, 0, span);
  Emit(Op::kMOVE, base + 1, dst, 0, 0, span);
  EmitEnumCall(base, dst, span);
}

void CompilerState::CompileCall(const Expr* e, int dst, int depth) {
  const Resolution& r = Res(e);
  if ((IsCall(e, "_&&_", 2) || IsCall(e, "_||_", 2)) && JumpsFor(e->args[1])) {
    // The left operand as jumps: when it decides (false for &&, true for
    // ||) the result is that bool; when it does not, the result is the
    // right operand's value; an error or non-bool goes out of line, where
    // the right operand still runs (false && error is false).
    const bool is_and = e->name == "_&&_";
    const bool decides = !is_and;
    const Expr* rhs = e->args[1];
    const int ea = AllocRegs(1);
    const int l_err = NewLabel();
    const int l_decided = NewLabel();
    const int end = NewLabel();
    CompileJump(e->args[0], decides, l_decided, ea, l_err, depth + 1);
    const lang::Span span = e->span;
    if (BoolTyped(rhs)) {
      CompileInto(rhs, dst, depth + 1);  // a bool or an error: the result
    } else {
      // Maybe not a bool (dyn, unchecked): `true && 7` is an error of &&.
      const int eb = AllocRegs(1);
      const int l_rerr = NewLabel();
      CompileJump(rhs, decides, l_decided, eb, l_rerr, depth + 1);
      Emit(Op::kLOAD_CONST, dst, AddConst(Value::Bool(!decides)), 0, 0, span);
      AddCold([=] {
        PlaceLabel(l_rerr);
        Emit(Op::kLOAD_CONST, dst, AddConst(Value::Bool(!decides)), 0, 0, span);
        Emit(is_and ? Op::kAND : Op::kOR, dst, eb, 0, 0, span);
        Emit(Op::kJUMP, 0, 0, end, 0, span);
      });
    }
    PlaceLabel(end);
    AddCold([=] {
      PlaceLabel(l_decided);
      Emit(Op::kLOAD_CONST, dst, AddConst(Value::Bool(decides)), 0, 0, span);
      Emit(Op::kJUMP, 0, 0, end, 0, span);
    });
    AddCold([=] {
      PlaceLabel(l_err);
      const int t = AllocRegs(1);
      CompileInto(rhs, t, depth + 1);
      Emit(is_and ? Op::kAND : Op::kOR, ea, t, 0, 0, span);
      Emit(Op::kMOVE, dst, ea, 0, 0, span);
      Emit(Op::kJUMP, 0, 0, end, 0, span);
    });
    return;
  }
  if (Jumping() && IsCall(e, "_?_:_", 3)) {
    const int ec = AllocRegs(1);
    const int l_err = NewLabel();
    const int other = NewLabel();
    const int end = NewLabel();
    CompileJump(e->args[0], false, other, ec, l_err, depth + 1);
    CompileInto(e->args[1], dst, depth + 1);
    Emit(Op::kJUMP, 0, 0, end, 0, e->span);
    PlaceLabel(other);
    CompileInto(e->args[2], dst, depth + 1);
    PlaceLabel(end);
    const lang::Span span = e->span;
    AddCold([=] {
      // Not a bool: BRANCH turns the value into the conditional's error.
      PlaceLabel(l_err);
      const int conv = NewLabel();
      Emit(Op::kBRANCH, ec, conv, conv, 0, span);
      PlaceLabel(conv);
      Emit(Op::kMOVE, dst, ec, 0, 0, span);
      Emit(Op::kJUMP, 0, 0, end, 0, span);
    });
    return;
  }
  if (IsCall(e, "_&&_", 2) || IsCall(e, "_||_", 2)) {
    const bool is_and = e->name == "_&&_";
    const int end = NewLabel();
    CompileInto(e->args[0], dst, depth + 1);
    Emit(is_and ? Op::kJUMP_IF_FALSE : Op::kJUMP_IF_TRUE, dst, 0, end, 0,
         e->span);
    const int rhs = CompileOperand(e->args[1], depth + 1);
    Emit(is_and ? Op::kAND : Op::kOR, dst, rhs, 0, 0, e->span);
    PlaceLabel(end);
    return;
  }
  if (IsCall(e, "_?_:_", 3)) {
    const int other = NewLabel();
    const int end = NewLabel();
    CompileInto(e->args[0], dst, depth + 1);
    Emit(Op::kBRANCH, dst, other, end, 0, e->span);
    CompileInto(e->args[1], dst, depth + 1);
    Emit(Op::kJUMP, 0, 0, end, 0, e->span);
    PlaceLabel(other);
    CompileInto(e->args[2], dst, depth + 1);
    PlaceLabel(end);
    return;
  }
  if (const OperatorOp* o = FindOperator(e)) {
    const Expr* lhs = e->target != nullptr ? e->target : e->args[0];
    if (o->argc == 1) {
      int src = RegisterOf(lhs);
      if (src < 0) {
        CompileInto(lhs, dst, depth + 1);
        src = dst;
      }
      Emit(o->op, dst, src, 0, 0, e->span);
      return;
    }
    const Expr* rhs = e->args[1];
    if (options_.fuse) {
      // Constant operand: one instruction with the constant inline.
      if (IsConst(rhs) && ConstForm(o->op) != Op::kNOP) {
        int src = RegisterOf(lhs);
        if (src < 0) {
          CompileInto(lhs, dst, depth + 1);
          src = dst;
        }
        Emit(ConstForm(o->op), dst, src, AddConst(ConstOf(rhs)), 0, e->span);
        ++stats_.fused;
        return;
      }
      if (IsConst(lhs) && (Mirror(o->op) != Op::kNOP || o->op == Op::kIN)) {
        const Op form = o->op == Op::kIN ? Op::kCONTAINS_KEY_CONST
                                         : ConstForm(Mirror(o->op));
        int src = RegisterOf(rhs);
        if (src < 0) {
          CompileInto(rhs, dst, depth + 1);
          src = dst;
        }
        Emit(form, dst, src, AddConst(ConstOf(lhs)), 0, e->span);
        ++stats_.fused;
        return;
      }
    }
    int a = RegisterOf(lhs);
    if (a < 0) {
      CompileInto(lhs, dst, depth + 1);
      a = dst;
    }
    const int b = CompileOperand(rhs, depth + 1);
    Emit(o->op, dst, a, b, 0, e->span);
    return;
  }
  if (r.enum_type != nullptr && e->args.size() == 1) {
    // Strong enums: "@enum"(type, x).
    const int base = AllocRegs(2);
    Emit(Op::kLOAD_CONST, base, AddConst(Value::Type(r.enum_type)), 0, 0,
         e->span);
    CompileInto(e->args[0], base + 1, depth + 1);
    EmitEnumCall(base, dst, e->span);
    return;
  }
  // Builtin call: arguments in consecutive registers, receiver first.
  const bool receiver = e->target != nullptr && !r.namespaced;
  const int argc = static_cast<int>(e->args.size()) + (receiver ? 1 : 0);
  const int base = AllocRegs(argc);
  int i = 0;
  if (receiver) CompileInto(e->target, base + i++, depth + 1);
  for (const Expr* a : e->args) CompileInto(a, base + i++, depth + 1);
  CallRef call;
  call.fn = r.fn;
  call.name = r.call_name;
  call.receiver = receiver;
  call.argc = argc;
  program_.calls.push_back(call);
  const int idx = static_cast<int>(program_.calls.size() - 1);
  Emit(r.fn != nullptr ? Op::kCALL : Op::kCALL_DYNAMIC, dst, base, idx, argc,
       e->span);
}

// True when e has at most *budget nodes (aliases counted through). The
// out-of-line error path of `a && b` / `a || b` compiles b a second time, so
// jumping code is used only for a small b: code size stays linear.
bool CompilerState::Small(const Expr* e, int* budget) const {
  if (e == nullptr) return true;
  if (--*budget < 0) return false;
  const Resolution& r = Res(e);
  if (r.kind == Resolution::Kind::kAlias) return Small(r.alias, budget);
  if (r.kind != Resolution::Kind::kNone) return true;
  if (!Small(e->operand, budget) || !Small(e->target, budget)) return false;
  for (const Expr* a : e->args) {
    if (!Small(a, budget)) return false;
  }
  for (const lang::Entry& en : e->entries) {
    if (!Small(en.key, budget) || !Small(en.value, budget)) return false;
  }
  return Small(e->iter_range, budget) && Small(e->accu_init, budget) &&
         Small(e->loop_condition, budget) && Small(e->loop_step, budget) &&
         Small(e->result, budget);
}

bool CompilerState::BoolTyped(const Expr* e) const {
  return checked_ != nullptr &&
         e->id < static_cast<int>(checked_->types.size()) &&
         checked_->types[e->id].kind == lang::TypeKind::kBool;
}

bool CompilerState::JumpsFor(const Expr* rhs) const {
  if (!Jumping()) return false;
  int budget = kMaxDuplicatedNodes;
  return Small(rhs, &budget);
}

void CompilerState::EmitBranch(Op op, int target, int src, int c, bool sense,
                               int err_reg, int err_label, lang::Span span) {
  Emit(op, target, src, c, sense ? 1 : 0, span);
  Emit(Op::kON_ERROR, err_reg, 0, err_label, 0, span);
}

void CompilerState::AddCold(std::function<void()> emit) {
  cold_.push_back({locals_, hoisted_, std::move(emit)});
}

void CompilerState::EmitColdBlocks() {
  // Blocks may add blocks (a cold block compiles operands, which may have
  // conditions of their own): emit until none is left.
  for (size_t i = 0; i < cold_.size(); ++i) {
    std::vector<Local> saved_locals = std::move(locals_);
    std::vector<std::pair<std::string, int>> saved_hoisted =
        std::move(hoisted_);
    const int saved_next = next_reg_;
    locals_ = cold_[i].locals;
    hoisted_ = cold_[i].hoisted;
    // Fresh registers: whatever the main line held when it jumped here is
    // still live (the block reads the failed operand and the scope's
    // locals), so nothing below the high-water mark may be reused.
    next_reg_ = max_reg_;
    std::function<void()> emit = std::move(cold_[i].emit);
    // Operands compiled again out of line use the plain lowering, so error
    // paths never duplicate code a second time.
    in_cold_ = true;
    emit();
    in_cold_ = false;
    locals_ = std::move(saved_locals);
    hoisted_ = std::move(saved_hoisted);
    next_reg_ = saved_next;
  }
  cold_.clear();
}

// The BR_* form of a comparison opcode with a constant operand (and whether
// it tests the negation), or kNOP.
static Op BranchForm(Op const_op, bool* negate) {
  *negate = false;
  switch (const_op) {
    case Op::kEQ_CONST:
      return Op::kBR_EQ_CONST;
    case Op::kNE_CONST:
      *negate = true;  // x != k is exactly !(x == k), errors included
      return Op::kBR_EQ_CONST;
    case Op::kLT_CONST:
      return Op::kBR_LT_CONST;
    case Op::kLE_CONST:
      return Op::kBR_LE_CONST;
    case Op::kGT_CONST:
      return Op::kBR_GT_CONST;
    case Op::kGE_CONST:
      return Op::kBR_GE_CONST;
    case Op::kIN_CONST:
      return Op::kBR_IN_CONST;
    case Op::kCONTAINS_KEY_CONST:
      return Op::kBR_CONTAINS_KEY_CONST;
    default:
      return Op::kNOP;
  }
}

void CompilerState::CompileJump(const Expr* e, bool sense, int target,
                                int err_reg, int err_label, int depth) {
  if (depth > kMaxDepth) {
    Error(e, "E0301", "expression nested too deeply to compile");
    return;
  }
  const Resolution& r = Res(e);
  if (r.kind == Resolution::Kind::kAlias) {
    CompileJump(r.alias, sense, target, err_reg, err_label, depth + 1);
    return;
  }
  const bool hoisted = HoistedRegister(e) >= 0;
  if (r.kind == Resolution::Kind::kConst && !hoisted) {
    const Value& v = r.constant;
    if (v.kind == Kind::kBool) {
      if (v.b == sense) Emit(Op::kJUMP, 0, 0, target, 0, e->span);
    } else {
      Emit(Op::kLOAD_CONST, err_reg, AddConst(v), 0, 0, e->span);
      Emit(Op::kJUMP, 0, 0, err_label, 0, e->span);
    }
    return;
  }
  const int mark = next_reg_;
  if (r.kind == Resolution::Kind::kNone && !hoisted &&
      e->kind == ExprKind::kCall) {
    const OperatorOp* o = FindOperator(e);
    const lang::Span span = e->span;
    if (o != nullptr && o->op == Op::kNOT && !in_cold_) {
      const Expr* operand = e->target != nullptr ? e->target : e->args[0];
      const int ex = AllocRegs(1);
      const int l_err = NewLabel();
      CompileJump(operand, !sense, target, ex, l_err, depth + 1);
      AddCold([=] {
        PlaceLabel(l_err);
        Emit(Op::kNOT, err_reg, ex, 0, 0, span);  // !error, !"x": errors
        Emit(Op::kJUMP, 0, 0, err_label, 0, span);
      });
      next_reg_ = mark;
      return;
    }
    if ((IsCall(e, "_&&_", 2) || IsCall(e, "_||_", 2)) &&
        JumpsFor(e->args[1])) {
      const bool is_and = e->name == "_&&_";
      const bool decides = !is_and;  // the left value that decides
      const Expr* rhs = e->args[1];
      const int ea = AllocRegs(1);
      const int l_err = NewLabel();
      // Where to go when the left operand decides: the result is then
      // `decides`, which is either what we jump on or what falls through.
      const int l_out = decides == sense ? target : NewLabel();
      CompileJump(e->args[0], decides, l_out, ea, l_err, depth + 1);
      // The right operand not a bool: `true && "s"` is an error of &&.
      const int eb = AllocRegs(1);
      const int l_rerr = NewLabel();
      CompileJump(rhs, sense, target, eb, l_rerr, depth + 1);
      if (l_out != target) PlaceLabel(l_out);
      AddCold([=] {
        PlaceLabel(l_rerr);
        Emit(Op::kLOAD_CONST, err_reg, AddConst(Value::Bool(!decides)), 0, 0,
             span);
        Emit(is_and ? Op::kAND : Op::kOR, err_reg, eb, 0, 0, span);
        Emit(Op::kJUMP, 0, 0, err_label, 0, span);
      });
      AddCold([=] {
        // The left operand was an error or not a bool: the right one
        // still decides if it is `decides` (false && error is false).
        PlaceLabel(l_err);
        const int t = AllocRegs(1);
        CompileInto(rhs, t, depth + 1);
        Emit(is_and ? Op::kAND : Op::kOR, ea, t, 0, 0, span);
        const int l_decided = NewLabel();
        Emit(decides ? Op::kJUMP_IF_TRUE : Op::kJUMP_IF_FALSE, ea, 0, l_decided,
             0, span);
        Emit(Op::kMOVE, err_reg, ea, 0, 0, span);
        Emit(Op::kJUMP, 0, 0, err_label, 0, span);
        PlaceLabel(l_decided);
        Emit(Op::kJUMP, 0, 0, l_out, 0, span);
      });
      next_reg_ = mark;
      return;
    }
    if (IsCall(e, "_?_:_", 3) && !in_cold_) {
      const int ec = AllocRegs(1);
      const int l_err = NewLabel();
      const int other = NewLabel();
      const int end = NewLabel();
      CompileJump(e->args[0], false, other, ec, l_err, depth + 1);
      CompileJump(e->args[1], sense, target, err_reg, err_label, depth + 1);
      Emit(Op::kJUMP, 0, 0, end, 0, span);
      PlaceLabel(other);
      CompileJump(e->args[2], sense, target, err_reg, err_label, depth + 1);
      PlaceLabel(end);
      AddCold([=] {
        PlaceLabel(l_err);
        const int conv = NewLabel();
        Emit(Op::kBRANCH, ec, conv, conv, 0, span);
        PlaceLabel(conv);
        Emit(Op::kMOVE, err_reg, ec, 0, 0, span);
        Emit(Op::kJUMP, 0, 0, err_label, 0, span);
      });
      next_reg_ = mark;
      return;
    }
    // A comparison with a constant: one BR_* instruction.
    if (o != nullptr && o->argc == 2) {
      const Expr* lhs = e->target != nullptr ? e->target : e->args[0];
      const Expr* rhs = e->args[1];
      Op form = Op::kNOP;
      const Expr* operand = nullptr;
      const Expr* constant = nullptr;
      if (IsConst(rhs) && ConstForm(o->op) != Op::kNOP) {
        form = ConstForm(o->op);
        operand = lhs;
        constant = rhs;
      } else if (IsConst(lhs) &&
                 (Mirror(o->op) != Op::kNOP || o->op == Op::kIN)) {
        form = o->op == Op::kIN ? Op::kCONTAINS_KEY_CONST
                                : ConstForm(Mirror(o->op));
        operand = rhs;
        constant = lhs;
      }
      bool negate = false;
      const Op br = BranchForm(form, &negate);
      if (br != Op::kNOP) {
        int src = RegisterOf(operand);
        if (src < 0) {
          src = AllocRegs(1);
          CompileInto(operand, src, depth + 1);
        }
        EmitBranch(br, target, src, AddConst(ConstOf(constant)),
                   negate ? !sense : sense, err_reg, err_label, span);
        ++stats_.fused;
        next_reg_ = mark;
        return;
      }
    }
  }
  // A bool field: read and test in one instruction.
  if (r.kind == Resolution::Kind::kNone && !hoisted &&
      e->kind == ExprKind::kSelect && !e->test_only && !e->optional_select &&
      r.field >= 0 && program_.fields[r.field].field != nullptr &&
      program_.fields[r.field].field->fd != nullptr &&
      program_.fields[r.field].field->type ==
          google::protobuf::FieldDescriptor::TYPE_BOOL &&
      !program_.fields[r.field].field->repeated &&
      !program_.fields[r.field].field->is_map) {
    int src = RegisterOf(e->operand);
    if (src < 0) {
      src = AllocRegs(1);
      CompileInto(e->operand, src, depth + 1);
    }
    EmitBranch(Op::kBR_FIELD, target, src, r.field, sense, err_reg, err_label,
               e->span);
    ++stats_.fused;
    next_reg_ = mark;
    return;
  }
  // Anything else: compute the value, then test it.
  const int v = CompileOperand(e, depth + 1);
  EmitBranch(Op::kBR_TRUE, target, v, 0, sense, err_reg, err_label, e->span);
  next_reg_ = mark;
}

bool CompilerState::IsAccuIdent(const Expr* e, const Expr* c) const {
  return e->kind == ExprKind::kIdent && e->name == c->accu_var &&
         Res(e).kind == Resolution::Kind::kNone;
}

// The loop step `accu = step`, with the shapes the macros produce compiled
// without copying the accumulator:
//   @result && p / @result || p      -> AND/OR into the accumulator
//   @result + [x]                    -> LIST_APPEND (map, filter)
//   p ? <step> : @result             -> BRANCH around <step> (filter,
//                                       exists_one)
void CompilerState::CompileStep(const Expr* step, const Expr* c, int accu,
                                int depth) {
  const int mark = next_reg_;
  const Resolution& r = Res(step);
  if (r.kind == Resolution::Kind::kNone && step->kind == ExprKind::kCall) {
    if ((IsCall(step, "_&&_", 2) || IsCall(step, "_||_", 2)) &&
        IsAccuIdent(step->args[0], c)) {
      const int p = CompileOperand(step->args[1], depth + 1);
      Emit(step->name == "_&&_" ? Op::kAND : Op::kOR, accu, p, 0, 0,
           step->span);
      next_reg_ = mark;
      return;
    }
    const Expr* init = c->accu_init;
    const bool init_empty_list = IsConst(init) &&
                                 ConstOf(init).kind == Kind::kList &&
                                 ConstOf(init).list->size == 0;
    if (IsCall(step, "_+_", 2) && init_empty_list &&
        IsAccuIdent(step->args[0], c) &&
        step->args[1]->kind == ExprKind::kList &&
        step->args[1]->args.size() == 1 &&
        step->args[1]->optional_indices.empty() &&
        Res(step->args[1]).kind != Resolution::Kind::kConst) {
      const int x = CompileOperand(step->args[1]->args[0], depth + 1);
      Emit(Op::kLIST_APPEND, accu, x, 0, 0, step->span);
      next_reg_ = mark;
      return;
    }
    if (Jumping() && IsCall(step, "_?_:_", 3) &&
        IsAccuIdent(step->args[2], c)) {
      // p ? <step> : @result with p as jumps; p not a bool: the
      // accumulator becomes its error (out of line).
      const int skip = NewLabel();
      const int l_err = NewLabel();
      const int t = AllocRegs(1);
      CompileJump(step->args[0], false, skip, t, l_err, depth + 1);
      CompileStep(step->args[1], c, accu, depth + 1);
      PlaceLabel(skip);
      const lang::Span span = step->span;
      AddCold([=] {
        PlaceLabel(l_err);
        const int conv = NewLabel();
        Emit(Op::kBRANCH, t, conv, conv, 0, span);
        PlaceLabel(conv);
        Emit(Op::kMOVE, accu, t, 0, 0, span);
        Emit(Op::kJUMP, 0, 0, skip, 0, span);
      });
      next_reg_ = mark;
      return;
    }
    if (IsCall(step, "_?_:_", 3) && IsAccuIdent(step->args[2], c)) {
      const int skip = NewLabel();
      const int fail = NewLabel();
      const int t = AllocRegs(1);
      CompileInto(step->args[0], t, depth + 1);
      Emit(Op::kBRANCH, t, skip, fail, 0, step->span);
      CompileStep(step->args[1], c, accu, depth + 1);
      Emit(Op::kJUMP, 0, 0, skip, 0, step->span);
      PlaceLabel(fail);
      Emit(Op::kMOVE, accu, t, 0, 0, step->span);
      PlaceLabel(skip);
      next_reg_ = mark;
      return;
    }
  }
  if (IsAccuIdent(step, c)) return;  // accu = accu
  const int t = AllocRegs(1);
  CompileInto(step, t, depth + 1);
  Emit(Op::kMOVE, accu, t, 0, 0, step->span);
  next_reg_ = mark;
}

void CompilerState::CompileComprehension(const Expr* e, int dst, int depth) {
  // Empty range (cel.bind): no loop, just the accumulator and the result.
  const bool empty_range = IsConst(e->iter_range) &&
                           ConstOf(e->iter_range).kind == Kind::kList &&
                           ConstOf(e->iter_range).list->size == 0;
  if (empty_range) {
    const int accu = AllocRegs(1);
    CompileInto(e->accu_init, accu, depth + 1);
    locals_.push_back({e->accu_var, accu});
    CompileInto(e->result, dst, depth + 1);
    locals_.pop_back();
    return;
  }
  const int range = AllocRegs(2);  // range, then the index register
  CompileInto(e->iter_range, range, depth + 1);
  const int accu = AllocRegs(1);
  CompileInto(e->accu_init, accu, depth + 1);
  const int nvars = e->iter_var2.empty() ? 1 : 2;
  const int var = AllocRegs(nvars);
  const int loop = NewLabel();
  const int exit = NewLabel();
  const int end = NewLabel();
  Emit(Op::kITER_INIT, dst, range, end, 0, e->iter_range->span);
  PlaceLabel(loop);
  Emit(Op::kITER_NEXT, var, range, exit, nvars, e->span);
  locals_.push_back({e->accu_var, accu});
  locals_.push_back({e->iter_var, var});
  if (nvars == 2) locals_.push_back({e->iter_var2, var + 1});

  // Loop condition: break when false.
  const Expr* cond = e->loop_condition;
  const Resolution& cr = Res(cond);
  const bool nsf = cr.kind == Resolution::Kind::kNone &&
                   (IsCall(cond, "@not_strictly_false", 1) ||
                    IsCall(cond, "__not_strictly_false__", 1));
  // all() and exists() (and any loop of their shape): the accumulator
  // starts at the identity of its operator, the step is `@result && p` /
  // `@result || p`, and the loop runs while the result is undecided. With p
  // compiled as jumps the loop leaves as soon as p decides, so the
  // accumulator never needs testing on the way round; an error or non-bool
  // p is folded into the accumulator out of line.
  const Expr* step = e->loop_step;
  const Expr* init = e->accu_init;
  const bool step_and = Res(step).kind == Resolution::Kind::kNone &&
                        IsCall(step, "_&&_", 2) &&
                        IsAccuIdent(step->args[0], e);
  const bool step_or = Res(step).kind == Resolution::Kind::kNone &&
                       IsCall(step, "_||_", 2) && IsAccuIdent(step->args[0], e);
  const bool init_bool = IsConst(init) && ConstOf(init).kind == Kind::kBool;
  const bool all_shape = step_and && nsf && IsAccuIdent(cond->args[0], e) &&
                         init_bool && ConstOf(init).b;
  const bool exists_shape =
      step_or && nsf && IsCall(cond->args[0], "!_", 1) &&
      Res(cond->args[0]).kind == Resolution::Kind::kNone &&
      IsAccuIdent(cond->args[0]->args[0], e) && init_bool && !ConstOf(init).b;
  if (Jumping() && (all_shape || exists_shape)) {
    const bool decides = exists_shape;  // the p that ends the loop
    const size_t hoist_mark = hoisted_.size();
    const int reg_mark = next_reg_;
    HoistChains(step, absl::StrCat("l", var), e->iter_var, depth + 1,
                step->args[1]);
    const int perr = AllocRegs(1);
    const int l_decided = NewLabel();
    const int l_err = NewLabel();
    const int next = NewLabel();
    CompileJump(step->args[1], decides, l_decided, perr, l_err, depth + 1);
    const lang::Span span = e->span;
    AddCold([=] {
      PlaceLabel(l_decided);
      Emit(Op::kLOAD_CONST, accu, AddConst(Value::Bool(decides)), 0, 0, span);
      Emit(Op::kJUMP, 0, 0, exit, 0, span);
    });
    AddCold([=] {
      PlaceLabel(l_err);
      Emit(exists_shape ? Op::kOR : Op::kAND, accu, perr, 0, 0, span);
      Emit(Op::kJUMP, 0, 0, next, 0, span);
    });
    hoisted_.resize(hoist_mark);
    next_reg_ = std::max(next_reg_, reg_mark);
    PlaceLabel(next);
  } else {
    if (nsf && IsAccuIdent(cond->args[0], e)) {
      Emit(Op::kJUMP_IF_FALSE, accu, 0, exit, 0, cond->span);
    } else if (nsf && IsCall(cond->args[0], "!_", 1) &&
               Res(cond->args[0]).kind == Resolution::Kind::kNone &&
               IsAccuIdent(cond->args[0]->args[0], e)) {
      Emit(Op::kJUMP_IF_TRUE, accu, 0, exit, 0, cond->span);
    } else if (IsConst(cond) && ConstOf(cond).kind == Kind::kBool &&
               ConstOf(cond).b) {
      // always continue
    } else {
      CompileInto(cond, dst, depth + 1);
      Emit(Op::kBRANCH, dst, exit, end, 0, cond->span);
    }
    const size_t hoist_mark = hoisted_.size();
    const int reg_mark = next_reg_;
    if (options_.fuse) {
      // In `@result && p` / `@result || p` the predicate p runs every
      // iteration that gets this far (the loop condition saw to that).
      const Expr* always = nullptr;
      if (step_and || step_or) always = step->args[1];
      HoistChains(step, absl::StrCat("l", var), e->iter_var, depth + 1, always);
    }
    CompileStep(e->loop_step, e, accu, depth + 1);
    hoisted_.resize(hoist_mark);
    next_reg_ = std::max(next_reg_, reg_mark);
  }
  Emit(Op::kLOOP, 0, 0, loop, 0, e->span);
  PlaceLabel(exit);
  locals_.pop_back();
  if (nvars == 2) locals_.pop_back();
  CompileInto(e->result, dst, depth + 1);
  locals_.pop_back();
  PlaceLabel(end);
}

// ---------------------------------------------------------------------------
// Field-chain hoisting. A chain `v.f1.f2` of statically resolved fields over
// a variable (or the current comprehension's iteration variable) that the
// scope reads more than once is loaded once into a register at the scope's
// start: every FIELD decodes a sub-message view, so `r.pab.a && r.pab.b`
// should not decode `r.pab` twice. Global chains read inside loops count
// double (loop-invariant code motion). Loading early is safe: reads have no
// side effects and an error only matters if the value is used.

bool CompilerState::ChainKey(const Expr* e, std::string* key) const {
  const Resolution& r = Res(e);
  if (r.kind == Resolution::Kind::kVar) {
    *key = absl::StrCat("v", r.var);
    return true;
  }
  if (r.kind != Resolution::Kind::kNone) return false;
  if (e->kind == ExprKind::kIdent) {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
      if (it->first == e->name) {
        *key = absl::StrCat("l", it->second);
        return true;
      }
    }
    return false;
  }
  if (e->kind != ExprKind::kSelect || e->test_only || e->optional_select ||
      r.field < 0) {
    return false;
  }
  std::string base;
  if (!ChainKey(e->operand, &base)) return false;
  *key = absl::StrCat(base, ".", r.field);
  return true;
}

int CompilerState::HoistedRegister(const Expr* e) const {
  if (hoisted_.empty() || e->kind != ExprKind::kSelect) return -1;
  std::string key;
  if (!ChainKey(e, &key)) return -1;
  for (auto it = hoisted_.rbegin(); it != hoisted_.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  return -1;
}

void CompilerState::CountChains(
    const Expr* e, absl::string_view root_prefix, absl::string_view shadowed,
    int weight, int depth, absl::flat_hash_map<std::string, int>& counts,
    absl::flat_hash_map<std::string, const Expr*>& nodes) {
  const bool saved = counting_conditional_;
  if (e != nullptr && e == force_unconditional_) counting_conditional_ = false;
  CountChainsImpl(e, root_prefix, shadowed, weight, depth, counts, nodes);
  counting_conditional_ = saved;
}

void CompilerState::CountChainsImpl(
    const Expr* e, absl::string_view root_prefix, absl::string_view shadowed,
    int weight, int depth, absl::flat_hash_map<std::string, int>& counts,
    absl::flat_hash_map<std::string, const Expr*>& nodes) {
  if (e == nullptr || depth > kMaxDepth) return;
  const Resolution& r = Res(e);
  if (r.kind == Resolution::Kind::kAlias) {
    CountChains(r.alias, root_prefix, shadowed, weight, depth + 1, counts,
                nodes);
    return;
  }
  if (r.kind != Resolution::Kind::kNone) return;
  switch (e->kind) {
    case ExprKind::kSelect: {
      std::string key;
      // Chains over a shadowed name would resolve to the wrong register.
      if (ChainKey(e, &key) && HoistedRegister(e) < 0) {
        const bool in_scope =
            root_prefix == "v"
                ? key[0] == 'v'
                : absl::StartsWith(key, absl::StrCat(root_prefix, "."));
        if (in_scope) {
          counts[key] += weight;
          nodes.emplace(key, e);
          if (!counting_conditional_) unconditional_.insert(key);
        }
      }
      CountChains(e->operand, root_prefix, shadowed, weight, depth + 1, counts,
                  nodes);
      return;
    }
    case ExprKind::kCall:
      // Only the first operand of && || ?: always runs.
      if ((IsCall(e, "_&&_", 2) || IsCall(e, "_||_", 2) ||
           IsCall(e, "_?_:_", 3))) {
        CountChains(e->args[0], root_prefix, shadowed, weight, depth + 1,
                    counts, nodes);
        const bool saved = counting_conditional_;
        counting_conditional_ = true;
        for (size_t i = 1; i < e->args.size(); ++i) {
          CountChains(e->args[i], root_prefix, shadowed, weight, depth + 1,
                      counts, nodes);
        }
        counting_conditional_ = saved;
        return;
      }
      if (e->target != nullptr && !r.namespaced) {
        CountChains(e->target, root_prefix, shadowed, weight, depth + 1, counts,
                    nodes);
      }
      for (const Expr* a : e->args) {
        CountChains(a, root_prefix, shadowed, weight, depth + 1, counts, nodes);
      }
      return;
    case ExprKind::kList:
      for (const Expr* a : e->args) {
        CountChains(a, root_prefix, shadowed, weight, depth + 1, counts, nodes);
      }
      return;
    case ExprKind::kMap:
    case ExprKind::kStruct:
      for (const lang::Entry& en : e->entries) {
        if (en.key != nullptr) {
          CountChains(en.key, root_prefix, shadowed, weight, depth + 1, counts,
                      nodes);
        }
        CountChains(en.value, root_prefix, shadowed, weight, depth + 1, counts,
                    nodes);
      }
      return;
    case ExprKind::kComprehension: {
      CountChains(e->iter_range, root_prefix, shadowed, weight, depth + 1,
                  counts, nodes);
      CountChains(e->accu_init, root_prefix, shadowed, weight, depth + 1,
                  counts, nodes);
      if (!shadowed.empty() &&
          (e->iter_var == shadowed || e->iter_var2 == shadowed ||
           e->accu_var == shadowed)) {
        return;
      }
      // Bodies run once per element (maybe never): count their reads
      // double, as conditional.
      const bool saved = counting_conditional_;
      counting_conditional_ = true;
      CountChains(e->loop_condition, root_prefix, shadowed, 2 * weight,
                  depth + 1, counts, nodes);
      CountChains(e->loop_step, root_prefix, shadowed, 2 * weight, depth + 1,
                  counts, nodes);
      counting_conditional_ = saved;
      CountChains(e->result, root_prefix, shadowed, weight, depth + 1, counts,
                  nodes);
      return;
    }
    default:
      return;
  }
}

void CompilerState::HoistChains(const Expr* scope_root,
                                absl::string_view root_prefix,
                                absl::string_view shadowed, int depth,
                                const Expr* unconditional_root) {
  absl::flat_hash_map<std::string, int> counts;
  absl::flat_hash_map<std::string, const Expr*> nodes;
  unconditional_.clear();
  counting_conditional_ = false;
  force_unconditional_ = unconditional_root;
  CountChains(scope_root, root_prefix, shadowed, 1, depth, counts, nodes);
  force_unconditional_ = nullptr;
  // Program scope: hoist what is read twice (a wasted load at most once per
  // run). Loop scope: only chains every iteration reads anyway, since a
  // load wasted on a short-circuited path would be paid per element.
  const bool loop_scope = root_prefix != "v";
  std::vector<std::string> keys;
  for (const auto& [key, n] : counts) {
    if (n >= 2 && (!loop_scope || unconditional_.contains(key))) {
      keys.push_back(key);
    }
  }
  // Shorter chains first, so longer ones load from their hoisted prefix.
  std::sort(keys.begin(), keys.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() != b.size() ? a.size() < b.size() : a < b;
            });
  for (const std::string& key : keys) {
    const Expr* node = nodes[key];
    const int reg = AllocRegs(1);
    CompileInto(node, reg, depth + 1);
    hoisted_.push_back({key, reg});
    ++stats_.fused;
  }
}

absl::Status CompilerState::Lower() {
  next_reg_ = static_cast<int>(program_.var_names.size());
  max_reg_ = next_reg_;
  if (options_.fuse) HoistChains(&root_, "v", "", 0);
  const int dst = AllocRegs(1);
  CompileInto(&root_, dst, 0);
  Emit(Op::kRETURN, dst, 0, 0, 0, root_.span);
  if (!cold_.empty()) {
    // Out-of-line blocks (error paths of conditions, loop exits) follow the
    // main line, so the common path runs straight through. Each ends in a
    // jump or a RETURN; only a label placed last (a jump to the very end)
    // needs the RETURN the verifier wants at the end of every program.
    EmitColdBlocks();
    const IrInstr& last = ir_.back();
    if (last.label >= 0 ||
        (last.in.op != Op::kJUMP && last.in.op != Op::kRETURN)) {
      Emit(Op::kRETURN, dst, 0, 0, 0, root_.span);
    }
  }
  program_.num_registers = static_cast<uint32_t>(max_reg_);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Pass 4: fuse (peephole over the lowered list; labels block fusion).
//   FIELD d, s, f1; FIELD d, d, f2   -> FIELD_FIELD d, s, (f1, f2)
//   JUMP_IF_FALSE r, L where L: JUMP_IF_FALSE r, L2  -> jump to L2 directly
//   (and the same for JUMP_IF_TRUE): chains of && / || skip ahead at once.
//   MOVE r, r -> removed

absl::Status CompilerState::Fuse() {
  if (!options_.fuse) return absl::OkStatus();
  // Where each label sits.
  std::vector<int> label_at(next_label_, -1);
  for (size_t i = 0; i < ir_.size(); ++i) {
    if (ir_[i].label >= 0) label_at[ir_[i].label] = static_cast<int>(i);
  }
  auto first_real = [&](int pos) {
    while (pos < static_cast<int>(ir_.size()) && ir_[pos].label >= 0) ++pos;
    return pos;
  };
  for (IrInstr& ins : ir_) {
    if (ins.label >= 0) continue;
    if (ins.in.op != Op::kJUMP_IF_FALSE && ins.in.op != Op::kJUMP_IF_TRUE) {
      continue;
    }
    for (int hops = 0; hops < 64; ++hops) {
      int pos = first_real(label_at[ins.in.c]);
      if (pos >= static_cast<int>(ir_.size())) break;
      const Instr& next = ir_[pos].in;
      if (next.op != ins.in.op || next.a != ins.in.a) break;
      ins.in.c = next.c;
      ++stats_.fused;
    }
  }
  // Jumps to jumps go to the final target; a jump to a RETURN is that
  // RETURN (out-of-line blocks end this way when the condition was the
  // whole program); a branch to a forward jump goes where the jump goes
  // when that is still forward (branches never go backward).
  const int size = static_cast<int>(ir_.size());
  auto final_label = [&](int label) {
    for (int hops = 0; hops < 64; ++hops) {
      const int pos = first_real(label_at[label]);
      if (pos >= size || ir_[pos].in.op != Op::kJUMP) break;
      label = ir_[pos].in.c;
    }
    return label;
  };
  for (int i = 0; i < size; ++i) {
    IrInstr& ins = ir_[i];
    if (ins.label >= 0) continue;
    if (ins.in.op == Op::kJUMP) {
      ins.in.c = static_cast<uint16_t>(final_label(ins.in.c));
      const int pos = first_real(label_at[ins.in.c]);
      if (pos < size && ir_[pos].in.op == Op::kRETURN) {
        ins.in = ir_[pos].in;
        ++stats_.fused;
      }
    } else if (IsCondBranch(OpFormat(ins.in.op))) {
      const int to = final_label(ins.in.a);
      if (label_at[to] > i) ins.in.a = static_cast<uint16_t>(to);
    }
  }
  std::vector<IrInstr> out;
  out.reserve(ir_.size());
  for (size_t i = 0; i < ir_.size(); ++i) {
    IrInstr ins = ir_[i];
    // A jump to the next instruction does nothing.
    if (ins.label < 0 && ins.in.op == Op::kJUMP &&
        label_at[ins.in.c] > static_cast<int>(i) &&
        first_real(static_cast<int>(i) + 1) == first_real(label_at[ins.in.c])) {
      continue;
    }
    if (ins.label < 0 && ins.in.op == Op::kMOVE && ins.in.a == ins.in.b) {
      continue;
    }
    if (ins.label < 0 && ins.in.op == Op::kFIELD && i + 1 < ir_.size()) {
      const IrInstr& next = ir_[i + 1];
      if (next.label < 0 && next.in.op == Op::kFIELD && next.in.a == ins.in.a &&
          next.in.b == ins.in.a) {
        const int f = static_cast<int>(program_.fields.size());
        program_.fields.push_back(program_.fields[ins.in.c]);
        program_.fields.push_back(program_.fields[next.in.c]);
        ins.in.op = Op::kFIELD_FIELD;
        ins.in.c = static_cast<uint16_t>(f);
        ins.span = lang::Span::Cover(ins.span, next.span);
        if (f + 1 > kMaxOperand) {
          Error(nullptr, "E0306", "expression too large to compile");
        }
        out.push_back(ins);
        ++i;
        ++stats_.fused;
        continue;
      }
    }
    out.push_back(ins);
  }
  ir_ = std::move(out);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Pass 5: assemble: label ids -> addresses, span table.

absl::Status CompilerState::Assemble() {
  std::vector<int> addr(next_label_, -1);
  int pc = 0;
  for (const IrInstr& ins : ir_) {
    if (ins.label >= 0) {
      addr[ins.label] = pc;
    } else {
      ++pc;
    }
  }
  if (pc > kMaxOperand) {
    Error(&root_, "E0306",
          absl::StrCat("expression too large to compile (", pc,
                       " instructions; the limit is ", kMaxOperand, ")"));
    return absl::OkStatus();
  }
  program_.code.clear();
  program_.spans.clear();
  for (const IrInstr& ins : ir_) {
    if (ins.label >= 0) continue;
    Instr in = ins.in;
    switch (OpFormat(in.op)) {
      case OperandFormat::kJ:
        in.c = static_cast<uint16_t>(addr[in.c]);
        // Out-of-line blocks jump back into the main line: a backward jump
        // must be one that charges the budget.
        if (in.op == Op::kJUMP &&
            in.c <= static_cast<int>(program_.code.size())) {
          in.op = Op::kRESUME;
        }
        break;
      case OperandFormat::kAJ:
      case OperandFormat::kABJ:
        in.c = static_cast<uint16_t>(addr[in.c]);
        break;
      case OperandFormat::kJB:
      case OperandFormat::kJBK:
      case OperandFormat::kJBF:
        in.a = static_cast<uint16_t>(addr[in.a]);
        break;
      case OperandFormat::kAJJ:
        in.b = static_cast<uint16_t>(addr[in.b]);
        in.c = static_cast<uint16_t>(addr[in.c]);
        break;
      default:
        break;
    }
    program_.code.push_back(in);
    program_.spans.push_back(ins.span);
  }
  stats_.instructions = static_cast<int>(program_.code.size());
  if (failed_) {
    return absl::InvalidArgumentError("expression failed to compile");
  }
  return absl::OkStatus();
}

}  // namespace onus::engine::compiler_internal
