// The checker's output: a type and a reference per expression node, kept in
// side tables indexed by ExprId (the Ast itself is not modified).
//
// Qualified names: for `a.b.c` where `a.b` is a declared variable, the node
// spanning `a.b` (the kSelect whose operand is `a`, or a kIdent) carries a
// kVariable reference named "a.b"; the compiler loads the variable there and
// does not evaluate that node's operand. Likewise `pkg.Enum.VALUE` resolves
// to kEnumConstant and `google.protobuf.Timestamp` or `int` used as a value
// to kTypeName, both on the outermost node of the qualified name.
#ifndef ONUS_LANG_CHECKED_H_
#define ONUS_LANG_CHECKED_H_

#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "lang/ast.h"
#include "lang/types.h"

namespace onus::lang {

struct Reference {
  enum class Kind : uint8_t {
    kNone,
    kVariable,
    kEnumConstant,
    kTypeName,
    kField,
    kFunction
  };
  Kind kind = Kind::kNone;
  // kVariable: fully qualified variable name after container resolution;
  // kTypeName: fully qualified type name; kFunction: function name.
  std::string name;
  int64_t enum_value = 0;  // kEnumConstant
  // kField: a Select resolved statically to this field of a known message.
  const google::protobuf::FieldDescriptor* field = nullptr;
  // kFunction: candidate overloads (e.g. "add_int64"); one when the
  // argument types pick a single overload, several when dyn leaves it open.
  std::vector<std::string> overload_ids;
};

struct CheckedAst {
  // Both indexed by ExprId; size == Ast::size(). Entries (map/struct entry
  // ids) get the entry value's type and, for message fields, a kField ref.
  std::vector<Type> types;
  std::vector<Reference> refs;
  Type result_type;

  const Type& TypeOf(const Expr* e) const { return types[e->id]; }
  const Reference& RefOf(const Expr* e) const { return refs[e->id]; }
};

}  // namespace onus::lang

#endif  // ONUS_LANG_CHECKED_H_
