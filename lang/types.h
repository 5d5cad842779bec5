// Static types of CEL expressions, as the checker computes them.
//
// A Type is a small value: a kind plus, for parameterised kinds, its
// parameters (list(elem), map(key, value), type(of), optional(of)). Message
// types point at a Descriptor owned by the pool the checker was given.
// Opaque extension types (net.IP, net.CIDR) are kOpaque with their name.
#ifndef ONUS_LANG_TYPES_H_
#define ONUS_LANG_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"

namespace onus::lang {

enum class TypeKind : uint8_t {
  kDyn,
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kTimestamp,
  kDuration,
  kList,
  kMap,
  kMessage,
  kType,
  kOptional,
  kTypeParam,
  kError,
  // Added after the contract: opaque extension values (net.IP, net.CIDR);
  // `name` holds the type name. Mirrors engine Kind::kOpaque.
  kOpaque,
};

struct Type {
  TypeKind kind = TypeKind::kDyn;
  const google::protobuf::Descriptor* message = nullptr;  // kMessage
  // list: [elem]; map: [key, value]; type: [of]; optional: [of].
  std::vector<Type> params;
  std::string name;  // kTypeParam: parameter name; kOpaque: type name
  // google.protobuf.*Value wrappers: a nullable primitive (kind is the
  // primitive: kInt, kString, ...).
  bool is_wrapper = false;

  static Type Dyn() { return Type{}; }
  static Type Null() { return Of(TypeKind::kNull); }
  static Type Bool() { return Of(TypeKind::kBool); }
  static Type Int() { return Of(TypeKind::kInt); }
  static Type Uint() { return Of(TypeKind::kUint); }
  static Type Double() { return Of(TypeKind::kDouble); }
  static Type String() { return Of(TypeKind::kString); }
  static Type Bytes() { return Of(TypeKind::kBytes); }
  static Type Timestamp() { return Of(TypeKind::kTimestamp); }
  static Type Duration() { return Of(TypeKind::kDuration); }
  static Type Error() { return Of(TypeKind::kError); }
  static Type List(Type elem);
  static Type Map(Type key, Type value);
  static Type Message(const google::protobuf::Descriptor* desc);
  static Type TypeOf(Type of);  // type(of); TypeOf(Dyn()) is `type`
  static Type Optional(Type of);
  static Type Param(std::string name);
  static Type Opaque(std::string name);
  static Type Wrapper(TypeKind primitive);
  static Type Of(TypeKind k) {
    Type t;
    t.kind = k;
    return t;
  }

  bool is_dyn() const { return kind == TypeKind::kDyn; }
  bool is_error() const { return kind == TypeKind::kError; }
  // list, optional, type: the element; map: key and value. A malformed
  // type built by hand (a list without params) reads as dyn, not a crash.
  const Type& elem() const { return ParamAt(0); }
  const Type& key() const { return ParamAt(0); }
  const Type& value() const { return ParamAt(1); }
  const Type& ParamAt(size_t i) const;

  // "int", "list(int)", "map(string, dyn)", "onus.aws.s3.Bucket",
  // "wrapper(int)", "optional_type(string)", "type(int)", "net.IP".
  std::string ToString() const;

  // Structural equality (message types by full name).
  friend bool operator==(const Type& a, const Type& b);
  friend bool operator!=(const Type& a, const Type& b) { return !(a == b); }
};

// A declared overload of a function. `receiver` overloads are called as
// `target.f(args)`; params then start with the receiver's type.
struct OverloadDecl {
  std::string id;  // stable id the runtime dispatches on, e.g. "add_int64"
  std::vector<Type> params;
  Type result;
  bool receiver = false;
  // Type parameter names used in params/result (e.g. {"A"}).
  std::vector<std::string> type_params;
};

struct FunctionDecl {
  std::string name;  // "_+_", "size", "math.greatest", "startsWith"
  std::vector<OverloadDecl> overloads;
};

}  // namespace onus::lang

#endif  // ONUS_LANG_TYPES_H_
