// Runs conformance tests through the engine's single-expression facade
// (engine/expr.h): converts the test's declarations (cel.expr.Type ->
// lang::Type) and bindings (cel.expr.Value -> engine::Value), compiles,
// evaluates, converts the result back to a cel.expr.Value and compares.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/expr.h"
#include "engine/message_type.h"
#include "engine/value.h"
#include "engine/value_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "lang/checker.h"
#include "lang/diagnostics.h"
#include "lang/parser.h"
#include "lang/source.h"
#include "lang/status_macros.h"
#include "lang/types.h"
#include "tests/conformance/backend.h"
#include "tests/conformance/value_compare.h"

namespace onus::conformance {

namespace {

namespace pb = ::google::protobuf;
using engine::Arena;
using engine::Kind;
using engine::Value;
using lang::Type;
using lang::TypeKind;

// Expected values, types and results nest; the suite's are shallow, but a
// hand-edited dump must not overflow the stack.
constexpr int kMaxDepth = 64;

// Reflection accessors by field name on the dynamic cel.expr messages.
const pb::FieldDescriptor* F(const pb::Message& m, const char* name) {
  return m.GetDescriptor()->FindFieldByName(name);
}

const pb::FieldDescriptor* OneofCase(const pb::Message& m, const char* oneof) {
  const pb::OneofDescriptor* o = m.GetDescriptor()->FindOneofByName(oneof);
  return o == nullptr ? nullptr
                      : m.GetReflection()->GetOneofFieldDescriptor(m, o);
}

const pb::Message& Sub(const pb::Message& m, const pb::FieldDescriptor* f) {
  return m.GetReflection()->GetMessage(m, f);
}

// ---------------------------------------------------------------------------
// cel.expr.Type -> lang::Type

absl::StatusOr<Type> PrimitiveKind(int number) {
  switch (number) {  // cel.expr.Type.PrimitiveType
    case 1:
      return Type::Bool();
    case 2:
      return Type::Int();
    case 3:
      return Type::Uint();
    case 4:
      return Type::Double();
    case 5:
      return Type::String();
    case 6:
      return Type::Bytes();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown primitive type ", number));
  }
}

// strong_enums: the enums/strong_* sections test CEL's optional typed-enum
// mode, where an enum type is its own (opaque) type rather than int.
absl::StatusOr<Type> ToLangType(const pb::Message& t,
                                const pb::DescriptorPool* pool, int depth,
                                bool strong_enums = false) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError("type nested too deeply");
  }
  const pb::FieldDescriptor* k = OneofCase(t, "type_kind");
  if (k == nullptr) return absl::InvalidArgumentError("type with no kind");
  const pb::Reflection* r = t.GetReflection();
  const std::string& n = k->name();
  if (n == "dyn") return Type::Dyn();
  if (n == "null") return Type::Null();
  if (n == "error") return Type::Error();
  if (n == "primitive") return PrimitiveKind(r->GetEnumValue(t, k));
  if (n == "wrapper") {
    ONUS_ASSIGN_OR_RETURN(Type p, PrimitiveKind(r->GetEnumValue(t, k)));
    return Type::Wrapper(p.kind);
  }
  if (n == "well_known") {
    switch (r->GetEnumValue(t, k)) {  // cel.expr.Type.WellKnownType
      case 1:  // Any: the checker types Any-typed values as dyn
        return Type::Dyn();
      case 2:
        return Type::Timestamp();
      case 3:
        return Type::Duration();
      default:
        return absl::InvalidArgumentError("unknown well-known type");
    }
  }
  if (n == "list_type") {
    const pb::Message& l = Sub(t, k);
    ONUS_ASSIGN_OR_RETURN(Type e, ToLangType(Sub(l, F(l, "elem_type")), pool,
                                             depth + 1, strong_enums));
    return Type::List(std::move(e));
  }
  if (n == "map_type") {
    const pb::Message& m = Sub(t, k);
    ONUS_ASSIGN_OR_RETURN(Type key, ToLangType(Sub(m, F(m, "key_type")), pool,
                                               depth + 1, strong_enums));
    ONUS_ASSIGN_OR_RETURN(
        Type value,
        ToLangType(Sub(m, F(m, "value_type")), pool, depth + 1, strong_enums));
    return Type::Map(std::move(key), std::move(value));
  }
  if (n == "message_type") {
    std::string name = r->GetString(t, k);
    if (const pb::Descriptor* d = pool->FindMessageTypeByName(name)) {
      // WKTs are not message types to CEL.
      if (name == "google.protobuf.Timestamp") return Type::Timestamp();
      if (name == "google.protobuf.Duration") return Type::Duration();
      return Type::Message(d);
    }
    // Enums are ints in Onus (CEL's legacy enum semantics) unless the test
    // runs with strong enums.
    if (pool->FindEnumTypeByName(name) != nullptr) {
      return strong_enums ? Type::Opaque(name) : Type::Int();
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown type ", name));
  }
  if (n == "type_param") return Type::Param(r->GetString(t, k));
  if (n == "type") {
    const pb::Message& of = Sub(t, k);
    if (OneofCase(of, "type_kind") == nullptr) return Type::TypeOf(Type::Dyn());
    ONUS_ASSIGN_OR_RETURN(Type inner,
                          ToLangType(of, pool, depth + 1, strong_enums));
    return Type::TypeOf(std::move(inner));
  }
  if (n == "abstract_type") {
    const pb::Message& a = Sub(t, k);
    const pb::Reflection* ar = a.GetReflection();
    std::string name = ar->GetString(a, F(a, "name"));
    const pb::FieldDescriptor* params = F(a, "parameter_types");
    if (name == "optional_type" && ar->FieldSize(a, params) == 1) {
      ONUS_ASSIGN_OR_RETURN(
          Type inner, ToLangType(ar->GetRepeatedMessage(a, params, 0), pool,
                                 depth + 1, strong_enums));
      return Type::Optional(std::move(inner));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("abstract type ", name, " not supported"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("type kind ", n, " not supported"));
}

// ---------------------------------------------------------------------------
// cel.expr.Value -> engine::Value (bindings)

const engine::TypeObj* TypeByName(const std::string& name,
                                  const pb::DescriptorPool* pool) {
  static const std::pair<const char*, Kind> kBuiltins[] = {
      {"bool", Kind::kBool},
      {"int", Kind::kInt},
      {"uint", Kind::kUint},
      {"double", Kind::kDouble},
      {"string", Kind::kString},
      {"bytes", Kind::kBytes},
      {"list", Kind::kList},
      {"map", Kind::kMap},
      {"null_type", Kind::kNull},
      {"type", Kind::kType},
      {"google.protobuf.Timestamp", Kind::kTimestamp},
      {"google.protobuf.Duration", Kind::kDuration},
  };
  for (const auto& [n, k] : kBuiltins) {
    if (name == n) return engine::BuiltinType(k);
  }
  if (const pb::Descriptor* d = pool->FindMessageTypeByName(name)) {
    return engine::MessageType::For(d)->type_value();
  }
  return nullptr;
}

absl::StatusOr<Value> ToEngineValue(const pb::Message& v, Arena& arena,
                                    pb::MessageFactory* factory, int depth,
                                    bool strong_enums = false) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError("value nested too deeply");
  }
  const pb::FieldDescriptor* k = OneofCase(v, "kind");
  if (k == nullptr) return absl::InvalidArgumentError("value with no kind");
  const pb::Reflection* r = v.GetReflection();
  const std::string& n = k->name();
  if (n == "null_value") return Value::Null();
  if (n == "bool_value") return Value::Bool(r->GetBool(v, k));
  if (n == "int64_value") return Value::Int(r->GetInt64(v, k));
  if (n == "uint64_value") return Value::Uint(r->GetUInt64(v, k));
  if (n == "double_value") return Value::Double(r->GetDouble(v, k));
  if (n == "string_value") {
    return Value::String(arena.CopyString(r->GetString(v, k)));
  }
  if (n == "bytes_value") {
    return Value::Bytes(arena.CopyString(r->GetString(v, k)));
  }
  if (n == "enum_value") {
    const pb::Message& e = Sub(v, k);
    int32_t number = e.GetReflection()->GetInt32(e, F(e, "value"));
    if (!strong_enums) return Value::Int(number);
    std::string type = e.GetReflection()->GetString(e, F(e, "type"));
    const pb::EnumDescriptor* d =
        v.GetDescriptor()->file()->pool()->FindEnumTypeByName(type);
    if (d == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown enum ", type));
    }
    return engine::MakeEnumValue(arena, engine::EnumType(d), number);
  }
  if (n == "type_value") {
    std::string name = r->GetString(v, k);
    const engine::TypeObj* t =
        TypeByName(name, v.GetDescriptor()->file()->pool());
    if (t == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown type ", name));
    }
    return Value::Type(t);
  }
  if (n == "list_value") {
    const pb::Message& l = Sub(v, k);
    const pb::FieldDescriptor* vf = F(l, "values");
    int size = l.GetReflection()->FieldSize(l, vf);
    std::vector<Value> items;
    for (int i = 0; i < size; ++i) {
      ONUS_ASSIGN_OR_RETURN(
          Value item,
          ToEngineValue(l.GetReflection()->GetRepeatedMessage(l, vf, i), arena,
                        factory, depth + 1, strong_enums));
      items.push_back(item);
    }
    return engine::MakeList(arena, items.data(),
                            static_cast<uint32_t>(items.size()));
  }
  if (n == "map_value") {
    const pb::Message& m = Sub(v, k);
    const pb::FieldDescriptor* ef = F(m, "entries");
    int size = m.GetReflection()->FieldSize(m, ef);
    std::vector<Value> keys, values;
    for (int i = 0; i < size; ++i) {
      const pb::Message& e = m.GetReflection()->GetRepeatedMessage(m, ef, i);
      ONUS_ASSIGN_OR_RETURN(Value key,
                            ToEngineValue(Sub(e, F(e, "key")), arena, factory,
                                          depth + 1, strong_enums));
      ONUS_ASSIGN_OR_RETURN(Value value,
                            ToEngineValue(Sub(e, F(e, "value")), arena, factory,
                                          depth + 1, strong_enums));
      keys.push_back(key);
      values.push_back(value);
    }
    return engine::MakeMap(arena, keys.data(), values.data(),
                           static_cast<uint32_t>(keys.size()));
  }
  if (n == "object_value") {
    ONUS_ASSIGN_OR_RETURN(std::unique_ptr<pb::Message> m,
                          UnpackAny(Sub(v, k), factory));
    // The engine copies the bytes into the arena; `m` may go.
    return engine::FromMessage(arena, *m);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("value kind ", n, " not supported"));
}

// ---------------------------------------------------------------------------
// engine::Value -> cel.expr.Value (results)

class ResultConverter {
 public:
  explicit ResultConverter(Suite* suite) : suite_(suite) {}

  absl::Status Convert(const Value& v, Arena& arena, pb::Message* out,
                       int depth) {
    if (depth > kMaxDepth) {
      return absl::InvalidArgumentError("result nested too deeply");
    }
    const pb::Reflection* r = out->GetReflection();
    switch (v.kind) {
      case Kind::kNull:
        r->SetEnumValue(out, F(*out, "null_value"), 0);
        return absl::OkStatus();
      case Kind::kBool:
        r->SetBool(out, F(*out, "bool_value"), v.b);
        return absl::OkStatus();
      case Kind::kInt:
        r->SetInt64(out, F(*out, "int64_value"), v.i);
        return absl::OkStatus();
      case Kind::kUint:
        r->SetUInt64(out, F(*out, "uint64_value"), v.u);
        return absl::OkStatus();
      case Kind::kDouble:
        r->SetDouble(out, F(*out, "double_value"), v.d);
        return absl::OkStatus();
      case Kind::kString:
        r->SetString(out, F(*out, "string_value"),
                     std::string(v.string_view()));
        return absl::OkStatus();
      case Kind::kBytes:
        r->SetString(out, F(*out, "bytes_value"), std::string(v.string_view()));
        return absl::OkStatus();
      case Kind::kTimestamp:
      case Kind::kDuration: {
        std::unique_ptr<pb::Message> m = suite_->New(
            v.kind == Kind::kTimestamp ? "google.protobuf.Timestamp"
                                       : "google.protobuf.Duration");
        if (m == nullptr) return absl::InternalError("WKT missing from pool");
        m->GetReflection()->SetInt64(m.get(), F(*m, "seconds"), v.i);
        m->GetReflection()->SetInt32(m.get(), F(*m, "nanos"), v.nanos());
        return Pack(*m, out);
      }
      case Kind::kList: {
        pb::Message* list = r->MutableMessage(out, F(*out, "list_value"));
        const pb::FieldDescriptor* vf = F(*list, "values");
        for (uint32_t i = 0; i < v.list->size; ++i) {
          Value item = engine::ListGet(arena, *v.list, i);
          ONUS_RETURN_IF_ERROR(
              Convert(item, arena, list->GetReflection()->AddMessage(list, vf),
                      depth + 1));
        }
        return absl::OkStatus();
      }
      case Kind::kMap: {
        pb::Message* map = r->MutableMessage(out, F(*out, "map_value"));
        const pb::FieldDescriptor* ef = F(*map, "entries");
        for (uint32_t i = 0; i < v.map->size; ++i) {
          pb::Message* e = map->GetReflection()->AddMessage(map, ef);
          ONUS_RETURN_IF_ERROR(Convert(
              engine::MapKeyAt(arena, *v.map, i), arena,
              e->GetReflection()->MutableMessage(e, F(*e, "key")), depth + 1));
          ONUS_RETURN_IF_ERROR(
              Convert(engine::MapValueAt(arena, *v.map, i), arena,
                      e->GetReflection()->MutableMessage(e, F(*e, "value")),
                      depth + 1));
        }
        return absl::OkStatus();
      }
      case Kind::kMessage: {
        ONUS_ASSIGN_OR_RETURN(std::unique_ptr<pb::Message> m,
                              engine::ToDynamicMessage(*v.msg));
        return Pack(*m, out);
      }
      case Kind::kType:
        r->SetString(out, F(*out, "type_value"),
                     v.type->name != nullptr ? v.type->name : "");
        return absl::OkStatus();
      case Kind::kOpaque: {
        int64_t number;  // strong enums: enum_value { type value }
        if (!engine::EnumValueNumber(v, &number)) break;
        pb::Message* e = r->MutableMessage(out, F(*out, "enum_value"));
        e->GetReflection()->SetString(e, F(*e, "type"), v.opaque->type->name);
        e->GetReflection()->SetInt32(e, F(*e, "value"),
                                     static_cast<int32_t>(number));
        return absl::OkStatus();
      }
      case Kind::kError:
        return absl::InvalidArgumentError(
            absl::StrCat("error value inside the result: ", v.err->text()));
      default:
        break;
    }
    return absl::UnimplementedError(
        absl::StrCat("result kind ", engine::KindName(v.kind),
                     " has no cel.expr.Value form"));
  }

 private:
  absl::Status Pack(const pb::Message& m, pb::Message* out) {
    pb::Message* any =
        out->GetReflection()->MutableMessage(out, F(*out, "object_value"));
    any->GetReflection()->SetString(
        any, F(*any, "type_url"),
        absl::StrCat("type.googleapis.com/", m.GetDescriptor()->full_name()));
    any->GetReflection()->SetString(any, F(*any, "value"),
                                    m.SerializeAsString());
    return absl::OkStatus();
  }

  Suite* suite_;
};

// ---------------------------------------------------------------------------

// cel.expr.Decl.FunctionDecl -> lang::FunctionDecl (for the checker).
absl::StatusOr<lang::FunctionDecl> ToFunctionDecl(
    const std::string& name, const pb::Message& fn,
    const pb::DescriptorPool* pool) {
  lang::FunctionDecl decl;
  decl.name = name;
  const pb::FieldDescriptor* ovf = F(fn, "overloads");
  const pb::Reflection* r = fn.GetReflection();
  for (int i = 0; i < r->FieldSize(fn, ovf); ++i) {
    const pb::Message& o = r->GetRepeatedMessage(fn, ovf, i);
    const pb::Reflection* orf = o.GetReflection();
    lang::OverloadDecl od;
    od.id = orf->GetString(o, F(o, "overload_id"));
    od.receiver = orf->GetBool(o, F(o, "is_instance_function"));
    const pb::FieldDescriptor* params = F(o, "params");
    for (int p = 0; p < orf->FieldSize(o, params); ++p) {
      ONUS_ASSIGN_OR_RETURN(
          Type t, ToLangType(orf->GetRepeatedMessage(o, params, p), pool, 0));
      od.params.push_back(std::move(t));
    }
    const pb::FieldDescriptor* tps = F(o, "type_params");
    for (int p = 0; p < orf->FieldSize(o, tps); ++p) {
      od.type_params.push_back(orf->GetRepeatedString(o, tps, p));
    }
    ONUS_ASSIGN_OR_RETURN(od.result,
                          ToLangType(Sub(o, F(o, "result_type")), pool, 0));
    decl.overloads.push_back(std::move(od));
  }
  return decl;
}

// The enums file's strong_proto2 / strong_proto3 sections test CEL's
// optional strong-enum mode; every other test runs with the default (enums
// are ints), as implementations run the suite.
bool StrongEnums(const TestCase& t) {
  return t.file == "enums" && absl::StartsWith(t.section, "strong_");
}

class EngineBackend : public Backend {
 public:
  EngineBackend(Suite* suite, const BackendOptions& options)
      : suite_(suite), options_(options), results_(suite) {}

  std::string Note() const override { return ""; }

  Outcome Run(const TestCase& t, std::string* details) override {
    engine::ExprOptions opts;
    opts.pool = suite_->pool();
    opts.container = t.container;
    opts.check = !t.disable_check;
    opts.instruction_budget = options_.instruction_budget;
    // Diagnostics then read "expr:1:5: error[...]": the report already
    // names the test.
    opts.source_name = "expr";
    opts.strong_enums = StrongEnums(t);
    for (const pb::Message* decl : t.type_env) {
      // Function declarations only matter to check_only tests (CheckOnly).
      if (!decl->GetReflection()->HasField(*decl, F(*decl, "ident"))) continue;
      std::string name =
          decl->GetReflection()->GetString(*decl, F(*decl, "name"));
      const pb::Message& ident = Sub(*decl, F(*decl, "ident"));
      absl::StatusOr<Type> type = ToLangType(
          Sub(ident, F(ident, "type")), suite_->pool(), 0, opts.strong_enums);
      if (!type.ok()) {
        return {Verdict::kSkip, absl::StrCat("declaration of ", name, ": ",
                                             type.status().message())};
      }
      if (details) {
        absl::StrAppend(details, "  decl: ", name, ": ", type->ToString(),
                        "\n");
      }
      opts.variables.emplace_back(name, *std::move(type));
    }
    // A binding without a declaration is declared dyn so checking can
    // resolve it (the suite's checked tests declare theirs).
    for (const auto& [name, value] : t.bindings) {
      bool declared = false;
      for (const auto& var : opts.variables) declared |= var.first == name;
      if (!declared) opts.variables.emplace_back(name, Type::Dyn());
    }
    if (details && !t.container.empty()) {
      absl::StrAppend(details, "  container: ", t.container, "\n");
    }

    if (t.check_only) return CheckOnly(t, opts, details);

    lang::DiagnosticList diags;
    absl::StatusOr<std::unique_ptr<engine::CompiledExpr>> compiled =
        engine::CompiledExpr::Compile(t.expr, opts, &diags);
    if (!compiled.ok()) {
      if (details) {
        absl::StrAppend(details, "  compile: ", compiled.status().message(),
                        "\n");
      }
      return {Verdict::kFail,
              absl::StrCat("compile error: ",
                           OneLine(compiled.status().message(), 200))};
    }
    const engine::CompiledExpr& expr = **compiled;
    if (details) {
      absl::StrAppend(details, "  result type: ", expr.result_type().ToString(),
                      "\n  bytecode:\n", expr.Disassemble());
    }

    if (t.expect == Expect::kTypedResult) {
      std::optional<Outcome> bad = CompareType(t, expr.result_type(), details);
      if (bad) return *bad;
    }

    Arena arena;
    engine::Activation activation;
    for (const auto& [name, expr_value] : t.bindings) {
      const pb::FieldDescriptor* kind = OneofCase(*expr_value, "kind");
      if (kind != nullptr && kind->name() == "error") {
        activation.Bind(name,
                        engine::MakeError(arena, engine::ErrorCode::kGeneric,
                                          "error bound by the test"));
        continue;
      }
      if (kind == nullptr || kind->name() != "value") {
        return {Verdict::kSkip,
                absl::StrCat("binding ", name, ": only values supported")};
      }
      absl::StatusOr<Value> v =
          ToEngineValue(Sub(*expr_value, kind), arena, suite_->factory(), 0,
                        opts.strong_enums);
      if (!v.ok()) {
        return {Verdict::kSkip,
                absl::StrCat("binding ", name, ": ", v.status().message())};
      }
      if (details) {
        absl::StrAppend(details, "  binding: ", name, " = ",
                        engine::FormatValue(*v), "\n");
      }
      activation.Bind(name, *v);
    }

    Value got = expr.Evaluate(activation, arena);
    if (details) {
      absl::StrAppend(details, "  actual: ", engine::FormatValue(got), "\n");
      if (t.value != nullptr) {
        absl::StrAppend(details,
                        "  expected: ", ShortDebugString(*t.value, 400), "\n");
      }
      if (t.errors != nullptr) {
        absl::StrAppend(details,
                        "  expected error: ", ShortDebugString(*t.errors, 400),
                        "\n");
      }
    }
    if (t.expect == Expect::kEvalError || t.expect == Expect::kAnyEvalErrors) {
      if (got.is_error()) return {Verdict::kPass, ""};
      return {Verdict::kFail,
              absl::StrCat("want an error, got ",
                           OneLine(engine::FormatValue(got), 120))};
    }
    if (got.is_error()) {
      return {Verdict::kFail, absl::StrCat("eval error: ", got.err->text())};
    }
    if (t.value == nullptr) return {Verdict::kPass, ""};  // type-only result
    std::unique_ptr<pb::Message> actual = suite_->New("cel.expr.Value");
    absl::Status converted = results_.Convert(got, arena, actual.get(), 0);
    if (!converted.ok()) {
      return {Verdict::kFail,
              absl::StrCat("result ", OneLine(engine::FormatValue(got), 80),
                           ": ", converted.message())};
    }
    absl::Status same = CompareValues(*t.value, *actual, suite_->factory());
    if (!same.ok()) return {Verdict::kFail, std::string(same.message())};
    return {Verdict::kPass, ""};
  }

 private:
  // typed_result: the deduced type must equal the checker's result type.
  std::optional<Outcome> CompareType(const TestCase& t, const Type& got,
                                     std::string* details) {
    absl::StatusOr<Type> want =
        ToLangType(*t.deduced_type, suite_->pool(), 0, StrongEnums(t));
    if (!want.ok()) {
      return Outcome{Verdict::kSkip,
                     absl::StrCat("expected type: ", want.status().message())};
    }
    if (details) {
      absl::StrAppend(details, "  expected type: ", want->ToString(), "\n");
    }
    if (!(*want == got)) {
      return Outcome{Verdict::kFail,
                     absl::StrCat("type: want ", want->ToString(), ", got ",
                                  got.ToString())};
    }
    return std::nullopt;
  }

  // check_only tests exercise the type checker alone: parse and check with
  // the test's declarations, including its function declarations (which
  // the evaluator cannot run), without compiling to bytecode.
  Outcome CheckOnly(const TestCase& t, const engine::ExprOptions& opts,
                    std::string* details) {
    if (t.expect != Expect::kTypedResult) {
      return {Verdict::kSkip, "check_only without typed_result"};
    }
    lang::CheckerEnv env;
    env.container = opts.container;
    env.pool = opts.pool;
    env.variables = opts.variables;
    env.strong_enums = opts.strong_enums;
    for (const pb::Message* decl : t.type_env) {
      const pb::FieldDescriptor* fn = F(*decl, "function");
      if (!decl->GetReflection()->HasField(*decl, fn)) continue;
      std::string name =
          decl->GetReflection()->GetString(*decl, F(*decl, "name"));
      absl::StatusOr<lang::FunctionDecl> f =
          ToFunctionDecl(name, Sub(*decl, fn), suite_->pool());
      if (!f.ok()) {
        return {Verdict::kSkip, absl::StrCat("declaration of ", name, ": ",
                                             f.status().message())};
      }
      env.functions.push_back(*std::move(f));
    }
    lang::Source source("expr", t.expr);
    lang::DiagnosticList diags;
    lang::ParserOptions popts;
    popts.enable_macros = !t.disable_macros;
    lang::ParsedExpr parsed = lang::ParseExpr(source, diags, popts);
    if (parsed.root == nullptr || diags.has_errors()) {
      return {Verdict::kFail,
              absl::StrCat("parse error: ", OneLine(diags.Render(), 200))};
    }
    absl::StatusOr<lang::CheckedAst> checked =
        lang::Check(*parsed.ast, *parsed.root, source, env, diags);
    if (!checked.ok()) {
      return {Verdict::kFail,
              absl::StrCat("checker failed: ", checked.status().message())};
    }
    if (diags.has_errors()) {
      if (details) absl::StrAppend(details, diags.Render());
      return {Verdict::kFail,
              absl::StrCat("check error: ", OneLine(diags.Render(), 200))};
    }
    if (details) {
      absl::StrAppend(details,
                      "  result type: ", checked->result_type.ToString(), "\n");
    }
    std::optional<Outcome> bad = CompareType(t, checked->result_type, details);
    return bad ? *bad : Outcome{Verdict::kPass, ""};
  }

  Suite* suite_;
  BackendOptions options_;
  ResultConverter results_;
};

}  // namespace

std::unique_ptr<Backend> MakeBackend(Suite* suite,
                                     const BackendOptions& options) {
  return std::make_unique<EngineBackend>(suite, options);
}

}  // namespace onus::conformance
