#include "lang/types.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace onus::lang {

const Type& Type::ParamAt(size_t i) const {
  static const Type* dyn = new Type();
  return i < params.size() ? params[i] : *dyn;
}

Type Type::List(Type elem) {
  Type t = Of(TypeKind::kList);
  t.params.push_back(std::move(elem));
  return t;
}

Type Type::Map(Type key, Type value) {
  Type t = Of(TypeKind::kMap);
  t.params.push_back(std::move(key));
  t.params.push_back(std::move(value));
  return t;
}

Type Type::Message(const google::protobuf::Descriptor* desc) {
  Type t = Of(TypeKind::kMessage);
  t.message = desc;
  return t;
}

Type Type::TypeOf(Type of) {
  Type t = Of(TypeKind::kType);
  t.params.push_back(std::move(of));
  return t;
}

Type Type::Optional(Type of) {
  Type t = Of(TypeKind::kOptional);
  t.params.push_back(std::move(of));
  return t;
}

Type Type::Param(std::string name) {
  Type t = Of(TypeKind::kTypeParam);
  t.name = std::move(name);
  return t;
}

Type Type::Opaque(std::string name) {
  Type t = Of(TypeKind::kOpaque);
  t.name = std::move(name);
  return t;
}

Type Type::Wrapper(TypeKind primitive) {
  Type t = Of(primitive);
  t.is_wrapper = true;
  return t;
}

namespace {

const char* PrimitiveName(TypeKind k) {
  switch (k) {
    case TypeKind::kDyn:
      return "dyn";
    case TypeKind::kNull:
      return "null_type";
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kInt:
      return "int";
    case TypeKind::kUint:
      return "uint";
    case TypeKind::kDouble:
      return "double";
    case TypeKind::kString:
      return "string";
    case TypeKind::kBytes:
      return "bytes";
    case TypeKind::kTimestamp:
      return "google.protobuf.Timestamp";
    case TypeKind::kDuration:
      return "google.protobuf.Duration";
    case TypeKind::kError:
      return "*error*";
    default:
      return "?";
  }
}

}  // namespace

std::string Type::ToString() const {
  std::string base;
  switch (kind) {
    case TypeKind::kList:
      base = absl::StrCat("list(", params.empty() ? "dyn" : elem().ToString(),
                          ")");
      break;
    case TypeKind::kMap:
      base = params.size() < 2 ? "map(dyn, dyn)"
                               : absl::StrCat("map(", key().ToString(), ", ",
                                              value().ToString(), ")");
      break;
    case TypeKind::kMessage:
      base = message ? message->full_name() : "<message>";
      break;
    case TypeKind::kType:
      base = params.empty() || params[0].is_dyn()
                 ? "type"
                 : absl::StrCat("type(", elem().ToString(), ")");
      break;
    case TypeKind::kOptional:
      base = absl::StrCat("optional_type(",
                          params.empty() ? "dyn" : elem().ToString(), ")");
      break;
    case TypeKind::kTypeParam:
    case TypeKind::kOpaque:
      base = name;
      break;
    default:
      base = PrimitiveName(kind);
  }
  if (is_wrapper) return absl::StrCat("wrapper(", base, ")");
  return base;
}

bool operator==(const Type& a, const Type& b) {
  if (a.kind != b.kind || a.is_wrapper != b.is_wrapper) return false;
  if (a.kind == TypeKind::kMessage) {
    if (a.message == b.message) return true;
    if (a.message == nullptr || b.message == nullptr) return false;
    return a.message->full_name() == b.message->full_name();
  }
  if (a.kind == TypeKind::kTypeParam || a.kind == TypeKind::kOpaque) {
    if (a.name != b.name) return false;
  }
  return a.params == b.params;
}

}  // namespace onus::lang
