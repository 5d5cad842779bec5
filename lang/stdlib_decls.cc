#include "lang/stdlib_decls.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace onus::lang {
namespace {

// Short names keep the tables below readable.
Type A() { return Type::Param("A"); }
Type B() { return Type::Param("B"); }
Type Dyn() { return Type::Dyn(); }
Type Bool() { return Type::Bool(); }
Type Int() { return Type::Int(); }
Type Uint() { return Type::Uint(); }
Type Dbl() { return Type::Double(); }
Type Str() { return Type::String(); }
Type Byt() { return Type::Bytes(); }
Type Ts() { return Type::Timestamp(); }
Type Dur() { return Type::Duration(); }
Type ListOf(Type t) { return Type::List(std::move(t)); }
Type MapOf(Type k, Type v) { return Type::Map(std::move(k), std::move(v)); }

// Collects overloads per function name, keeping first-declaration order.
class Decls {
 public:
  // Global overload.
  void Fn(const std::string& name, const std::string& id,
          std::vector<Type> params, Type result) {
    Add(name, id, std::move(params), std::move(result), false);
  }
  // Receiver overload: params[0] is the receiver.
  void Member(const std::string& name, const std::string& id,
              std::vector<Type> params, Type result) {
    Add(name, id, std::move(params), std::move(result), true);
  }
  std::vector<FunctionDecl> Take() { return std::move(decls_); }

 private:
  void Add(const std::string& name, const std::string& id,
           std::vector<Type> params, Type result, bool receiver) {
    auto it = index_.find(name);
    if (it == index_.end()) {
      it = index_.emplace(name, decls_.size()).first;
      decls_.push_back(FunctionDecl{name, {}});
    }
    OverloadDecl o;
    o.id = id;
    o.params = std::move(params);
    o.result = std::move(result);
    o.receiver = receiver;
    // Type parameters are the names A and B wherever they appear.
    o.type_params = {"A", "B"};
    decls_[it->second].overloads.push_back(std::move(o));
  }

  std::vector<FunctionDecl> decls_;
  absl::flat_hash_map<std::string, size_t> index_;
};

struct Prim {
  const char* suffix;
  Type (*type)();
};

void DeclareOperators(Decls& d) {
  const Prim numbers[] = {{"int64", Int}, {"uint64", Uint}, {"double", Dbl}};
  const Prim ordered[] = {{"bool", Bool},    {"int64", Int},   {"uint64", Uint},
                          {"double", Dbl},   {"string", Str},  {"bytes", Byt},
                          {"timestamp", Ts}, {"duration", Dur}};

  d.Fn("!_", "logical_not", {Bool()}, Bool());
  d.Fn("_&&_", "logical_and", {Bool(), Bool()}, Bool());
  d.Fn("_||_", "logical_or", {Bool(), Bool()}, Bool());
  d.Fn("@not_strictly_false", "not_strictly_false", {Bool()}, Bool());
  d.Fn("_?_:_", "conditional", {Bool(), A(), A()}, A());
  d.Fn("-_", "negate_int64", {Int()}, Int());
  d.Fn("-_", "negate_double", {Dbl()}, Dbl());

  for (const Prim& p : numbers) {
    d.Fn("_+_", absl::StrCat("add_", p.suffix), {p.type(), p.type()}, p.type());
    d.Fn("_-_", absl::StrCat("subtract_", p.suffix), {p.type(), p.type()},
         p.type());
    d.Fn("_*_", absl::StrCat("multiply_", p.suffix), {p.type(), p.type()},
         p.type());
    d.Fn("_/_", absl::StrCat("divide_", p.suffix), {p.type(), p.type()},
         p.type());
  }
  d.Fn("_%_", "modulo_int64", {Int(), Int()}, Int());
  d.Fn("_%_", "modulo_uint64", {Uint(), Uint()}, Uint());
  d.Fn("_+_", "add_string", {Str(), Str()}, Str());
  d.Fn("_+_", "add_bytes", {Byt(), Byt()}, Byt());
  d.Fn("_+_", "add_list", {ListOf(A()), ListOf(A())}, ListOf(A()));
  d.Fn("_+_", "add_timestamp_duration", {Ts(), Dur()}, Ts());
  d.Fn("_+_", "add_duration_timestamp", {Dur(), Ts()}, Ts());
  d.Fn("_+_", "add_duration_duration", {Dur(), Dur()}, Dur());
  d.Fn("_-_", "subtract_timestamp_timestamp", {Ts(), Ts()}, Dur());
  d.Fn("_-_", "subtract_timestamp_duration", {Ts(), Dur()}, Ts());
  d.Fn("_-_", "subtract_duration_duration", {Dur(), Dur()}, Dur());

  const char* cmp_names[][2] = {{"_<_", "less"},
                                {"_<=_", "less_equals"},
                                {"_>_", "greater"},
                                {"_>=_", "greater_equals"}};
  for (const auto& c : cmp_names) {
    for (const Prim& p : ordered) {
      d.Fn(c[0], absl::StrCat(c[1], "_", p.suffix), {p.type(), p.type()},
           Bool());
    }
    // Cross-type numeric ordering, as cel-go's default environment.
    for (const Prim& a : numbers) {
      for (const Prim& b : numbers) {
        if (a.suffix == b.suffix) continue;
        d.Fn(c[0], absl::StrCat(c[1], "_", a.suffix, "_", b.suffix),
             {a.type(), b.type()}, Bool());
      }
    }
  }
  // Equality is (A, A); the checker also admits mixed numeric operands.
  d.Fn("_==_", "equals", {A(), A()}, Bool());
  d.Fn("_!=_", "not_equals", {A(), A()}, Bool());

  // Accumulator step of the transformMap macros (cel-go's cel.@mapInsert).
  d.Fn("cel.@mapInsert", "map_insert", {MapOf(A(), B()), A(), B()},
       MapOf(A(), B()));
  d.Fn("cel.@mapInsert", "map_insert_map", {MapOf(A(), B()), MapOf(A(), B())},
       MapOf(A(), B()));
  d.Fn("@in", "in_list", {A(), ListOf(A())}, Bool());
  d.Fn("@in", "in_map", {A(), MapOf(A(), B())}, Bool());
  d.Fn("_[_]", "index_list", {ListOf(A()), Int()}, A());
  d.Fn("_[_]", "index_map", {MapOf(A(), B()), A()}, B());
  d.Fn("_[?_]", "optional_list_index", {ListOf(A()), Int()},
       Type::Optional(A()));
  d.Fn("_[?_]", "optional_map_index", {MapOf(A(), B()), A()},
       Type::Optional(B()));
  d.Fn("_[?_]", "optional_list_optindex", {Type::Optional(ListOf(A())), Int()},
       Type::Optional(A()));
  d.Fn("_[?_]", "optional_map_optindex", {Type::Optional(MapOf(A(), B())), A()},
       Type::Optional(B()));
  d.Fn("_[_]", "optional_list_optindex_strict",
       {Type::Optional(ListOf(A())), Int()}, Type::Optional(A()));
  d.Fn("_[_]", "optional_map_optindex_strict",
       {Type::Optional(MapOf(A(), B())), A()}, Type::Optional(B()));
}

void DeclareCore(Decls& d) {
  for (bool member : {false, true}) {
    auto add = [&](const char* id, Type t) {
      if (member) {
        d.Member("size", absl::StrCat(id, "_size"), {std::move(t)}, Int());
      } else {
        d.Fn("size", absl::StrCat("size_", id), {std::move(t)}, Int());
      }
    };
    add("string", Str());
    add("bytes", Byt());
    add("list", ListOf(A()));
    add("map", MapOf(A(), B()));
  }

  // Conversions.
  d.Fn("int", "int64_to_int64", {Int()}, Int());
  d.Fn("int", "uint64_to_int64", {Uint()}, Int());
  d.Fn("int", "double_to_int64", {Dbl()}, Int());
  d.Fn("int", "string_to_int64", {Str()}, Int());
  d.Fn("int", "timestamp_to_int64", {Ts()}, Int());
  d.Fn("uint", "uint64_to_uint64", {Uint()}, Uint());
  d.Fn("uint", "int64_to_uint64", {Int()}, Uint());
  d.Fn("uint", "double_to_uint64", {Dbl()}, Uint());
  d.Fn("uint", "string_to_uint64", {Str()}, Uint());
  d.Fn("double", "double_to_double", {Dbl()}, Dbl());
  d.Fn("double", "int64_to_double", {Int()}, Dbl());
  d.Fn("double", "uint64_to_double", {Uint()}, Dbl());
  d.Fn("double", "string_to_double", {Str()}, Dbl());
  d.Fn("string", "string_to_string", {Str()}, Str());
  d.Fn("string", "int64_to_string", {Int()}, Str());
  d.Fn("string", "uint64_to_string", {Uint()}, Str());
  d.Fn("string", "double_to_string", {Dbl()}, Str());
  d.Fn("string", "bool_to_string", {Bool()}, Str());
  d.Fn("string", "bytes_to_string", {Byt()}, Str());
  d.Fn("string", "timestamp_to_string", {Ts()}, Str());
  d.Fn("string", "duration_to_string", {Dur()}, Str());
  d.Fn("string", "ip_to_string", {IpType()}, Str());
  d.Fn("string", "cidr_to_string", {CidrType()}, Str());
  d.Fn("bytes", "bytes_to_bytes", {Byt()}, Byt());
  d.Fn("bytes", "string_to_bytes", {Str()}, Byt());
  d.Fn("bool", "bool_to_bool", {Bool()}, Bool());
  d.Fn("bool", "string_to_bool", {Str()}, Bool());
  d.Fn("timestamp", "timestamp_to_timestamp", {Ts()}, Ts());
  d.Fn("timestamp", "string_to_timestamp", {Str()}, Ts());
  d.Fn("timestamp", "int64_to_timestamp", {Int()}, Ts());
  d.Fn("duration", "duration_to_duration", {Dur()}, Dur());
  d.Fn("duration", "string_to_duration", {Str()}, Dur());
  d.Fn("dyn", "to_dyn", {A()}, Dyn());
  d.Fn("type", "type", {A()}, Type::TypeOf(A()));

  // Strings.
  d.Member("contains", "contains_string", {Str(), Str()}, Bool());
  d.Member("startsWith", "starts_with_string", {Str(), Str()}, Bool());
  d.Member("endsWith", "ends_with_string", {Str(), Str()}, Bool());
  d.Member("matches", "matches_string", {Str(), Str()}, Bool());
  d.Fn("matches", "matches", {Str(), Str()}, Bool());

  // Timestamp and duration accessors, with an optional time zone.
  for (const char* getter :
       {"getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate",
        "getDayOfWeek", "getHours", "getMinutes", "getSeconds",
        "getMilliseconds"}) {
    d.Member(getter, absl::StrCat("timestamp_to_", getter), {Ts()}, Int());
    d.Member(getter, absl::StrCat("timestamp_to_", getter, "_with_tz"),
             {Ts(), Str()}, Int());
  }
  for (const char* getter :
       {"getHours", "getMinutes", "getSeconds", "getMilliseconds"}) {
    d.Member(getter, absl::StrCat("duration_to_", getter), {Dur()}, Int());
  }
}

void DeclareExtensions(Decls& d) {
  // Strings (cel-go ext.Strings names).
  d.Member("lowerAscii", "lower_ascii", {Str()}, Str());
  d.Member("upperAscii", "upper_ascii", {Str()}, Str());
  d.Member("split", "split", {Str(), Str()}, ListOf(Str()));
  d.Member("split", "split_n", {Str(), Str(), Int()}, ListOf(Str()));
  d.Member("join", "join", {ListOf(Str())}, Str());
  d.Member("join", "join_sep", {ListOf(Str()), Str()}, Str());
  d.Member("replace", "replace", {Str(), Str(), Str()}, Str());
  d.Member("replace", "replace_n", {Str(), Str(), Str(), Int()}, Str());
  d.Member("trim", "trim", {Str()}, Str());
  d.Member("indexOf", "index_of", {Str(), Str()}, Int());
  d.Member("indexOf", "index_of_offset", {Str(), Str(), Int()}, Int());
  d.Member("lastIndexOf", "last_index_of", {Str(), Str()}, Int());
  d.Member("lastIndexOf", "last_index_of_offset", {Str(), Str(), Int()}, Int());
  d.Member("substring", "substring", {Str(), Int()}, Str());
  d.Member("substring", "substring_end", {Str(), Int(), Int()}, Str());
  d.Member("charAt", "char_at", {Str(), Int()}, Str());
  d.Member("format", "format", {Str(), ListOf(Dyn())}, Str());
  d.Member("reverse", "reverse", {Str()}, Str());
  d.Fn("strings.quote", "strings_quote", {Str()}, Str());

  // Base64.
  d.Fn("base64.encode", "base64_encode", {Byt()}, Str());
  d.Fn("base64.decode", "base64_decode", {Str()}, Byt());

  // Math. greatest/least take 1..6 arguments of one numeric kind, mixed
  // numbers as dyn, or a list.
  for (const char* fn : {"math.greatest", "math.least"}) {
    const Prim numbers[] = {{"int64", Int}, {"uint64", Uint}, {"double", Dbl}};
    for (const Prim& p : numbers) {
      for (int n = 1; n <= 6; ++n) {
        d.Fn(fn, absl::StrCat(fn, "_", p.suffix, "_", n),
             std::vector<Type>(n, p.type()), p.type());
      }
      d.Fn(fn, absl::StrCat(fn, "_list_", p.suffix), {ListOf(p.type())},
           p.type());
    }
    for (int n = 2; n <= 6; ++n) {
      d.Fn(fn, absl::StrCat(fn, "_dyn_", n), std::vector<Type>(n, Dyn()),
           Dyn());
    }
    d.Fn(fn, absl::StrCat(fn, "_list_dyn"), {ListOf(Dyn())}, Dyn());
  }
  for (const char* fn :
       {"math.ceil", "math.floor", "math.round", "math.trunc", "math.sqrt"}) {
    d.Fn(fn, fn, {Dbl()}, Dbl());
  }
  d.Fn("math.sqrt", "math.sqrt_int64", {Int()}, Dbl());
  d.Fn("math.sqrt", "math.sqrt_uint64", {Uint()}, Dbl());
  for (const char* fn : {"math.abs", "math.sign"}) {
    d.Fn(fn, absl::StrCat(fn, "_int64"), {Int()}, Int());
    d.Fn(fn, absl::StrCat(fn, "_uint64"), {Uint()}, Uint());
    d.Fn(fn, absl::StrCat(fn, "_double"), {Dbl()}, Dbl());
  }
  for (const char* fn : {"math.isInf", "math.isNaN", "math.isFinite"}) {
    d.Fn(fn, fn, {Dbl()}, Bool());
  }
  for (const char* fn : {"math.bitAnd", "math.bitOr", "math.bitXor"}) {
    d.Fn(fn, absl::StrCat(fn, "_int64"), {Int(), Int()}, Int());
    d.Fn(fn, absl::StrCat(fn, "_uint64"), {Uint(), Uint()}, Uint());
  }
  d.Fn("math.bitNot", "math.bitNot_int64", {Int()}, Int());
  d.Fn("math.bitNot", "math.bitNot_uint64", {Uint()}, Uint());
  for (const char* fn : {"math.bitShiftLeft", "math.bitShiftRight"}) {
    d.Fn(fn, absl::StrCat(fn, "_int64"), {Int(), Int()}, Int());
    d.Fn(fn, absl::StrCat(fn, "_uint64"), {Uint(), Int()}, Uint());
  }

  // IP and CIDR (Kubernetes CEL library names).
  d.Fn("ip", "string_to_ip", {Str()}, IpType());
  d.Fn("cidr", "string_to_cidr", {Str()}, CidrType());
  d.Fn("isIP", "is_ip", {Str()}, Bool());
  d.Fn("isCIDR", "is_cidr", {Str()}, Bool());
  d.Member("family", "ip_family", {IpType()}, Int());
  for (const char* fn :
       {"isLoopback", "isPrivate", "isGlobalUnicast", "isUnspecified"}) {
    d.Member(fn, absl::StrCat("ip_", fn), {IpType()}, Bool());
  }
  d.Member("containsIP", "cidr_contains_ip", {CidrType(), IpType()}, Bool());
  d.Member("containsIP", "cidr_contains_ip_string", {CidrType(), Str()},
           Bool());
  d.Member("containsCIDR", "cidr_contains_cidr", {CidrType(), CidrType()},
           Bool());
  d.Member("containsCIDR", "cidr_contains_cidr_string", {CidrType(), Str()},
           Bool());
  d.Member("ip", "cidr_ip", {CidrType()}, IpType());
  d.Member("prefixLength", "cidr_prefix_length", {CidrType()}, Int());
  d.Member("masked", "cidr_masked", {CidrType()}, CidrType());

  // JSON documents (IAM and bucket policies) as dynamic values.
  d.Fn("json.decode", "json_decode", {Str()}, Dyn());

  // Optional values.
  d.Fn("optional.of", "optional_of", {A()}, Type::Optional(A()));
  d.Fn("optional.ofNonZeroValue", "optional_of_non_zero_value", {A()},
       Type::Optional(A()));
  d.Fn("optional.none", "optional_none", {}, Type::Optional(A()));
  d.Member("hasValue", "optional_has_value", {Type::Optional(A())}, Bool());
  d.Member("value", "optional_value", {Type::Optional(A())}, A());
  d.Member("orValue", "optional_or_value", {Type::Optional(A()), A()}, A());
  d.Member("or", "optional_or_optional",
           {Type::Optional(A()), Type::Optional(A())}, Type::Optional(A()));
}

}  // namespace

const std::vector<FunctionDecl>& StandardFunctions() {
  static const std::vector<FunctionDecl>* decls = [] {
    Decls d;
    DeclareOperators(d);
    DeclareCore(d);
    DeclareExtensions(d);
    return new std::vector<FunctionDecl>(d.Take());
  }();
  return *decls;
}

std::vector<FunctionDecl> PolicyFunctions() {
  Decls d;
  d.Fn("resources", "resources", {Type::TypeOf(A())}, ListOf(A()));
  d.Fn("lookup", "lookup", {Type::TypeOf(A()), Str()}, A());
  return d.Take();
}

}  // namespace onus::lang
