// The type checker: CEL expressions against protobuf descriptors.
//
//   CheckerEnv env;
//   env.pool = google::protobuf::DescriptorPool::generated_pool();
//   env.variables = {{"b", Type::Message(bucket_descriptor)}};
//   DiagnosticList diags;
//   absl::StatusOr<CheckedAst> checked = Check(ast, *root, src, env, diags);
//
// User errors become diagnostics (codes E0101..E0111, see
// docs/language-diagnostics.md) and the CheckedAst is still returned, with
// kError types on the offending nodes; absl::Status is only for internal
// failures (e.g. a null pool).
//
// Semantics follow the CEL checker (cel-go): container-based name resolution
// (most specific candidate first, leading '.' for root names), overloads
// with type parameters and unification, dyn accepted everywhere, list
// literals join to list(dyn) when heterogeneous, `==`/`!=` and ordering
// across int/uint/double allowed.
//
// Calls of namespaced functions (`math.greatest(a, b)`, `base64.encode(x)`)
// parse as receiver calls on an identifier; the checker recognises them and
// records a kFunction reference whose name is the qualified function name.
// When a kCall with a target has ref.name != expr.name, the target is a
// namespace, not a value: the compiler must not evaluate it and must call
// ref.name with the call's args only.
#ifndef ONUS_LANG_CHECKER_H_
#define ONUS_LANG_CHECKER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "lang/ast.h"
#include "lang/checked.h"
#include "lang/diagnostics.h"
#include "lang/source.h"
#include "lang/types.h"

namespace onus::lang {

// Where an inlined node was written, when that is another file than the
// Source given to Check (helpers imported from another file). Diagnostics on
// such a node point at its origin.
struct SpanOrigin {
  const Source* source = nullptr;  // null: the node's own span and Source
  Span span;
};

struct CheckerEnv {
  // CEL container (namespace) for name resolution, e.g. "onus.aws".
  std::string container;
  // Message and enum types; null means the generated pool.
  const google::protobuf::DescriptorPool* pool = nullptr;
  // Declared variables, fully qualified names ("b", "request.auth").
  std::vector<std::pair<std::string, Type>> variables;
  // Extra functions, merged with the standard declarations (same name:
  // overloads are added).
  std::vector<FunctionDecl> functions;
  // Unknown field on a known message: error (true) or a warning and dyn.
  bool strict_fields = true;
  // Hard limit on expression nesting (inlined helpers can deepen a tree
  // beyond what the parser allowed).
  int max_depth = 1000;
  // Optional, indexed by ExprId (may be shorter than the Ast).
  const std::vector<SpanOrigin>* origins = nullptr;
  // CEL strong enums (opt-in; default false: enums are ints). Enum
  // constants and singular enum fields are typed as the enum (an opaque type
  // named by the enum's full name); `Enum(int)` / `Enum(string)` convert,
  // `int(e)` converts back; repeated and map enum fields stay ints.
  bool strong_enums = false;
};

absl::StatusOr<CheckedAst> Check(const Ast& ast, const Expr& root,
                                 const Source& source, const CheckerEnv& env,
                                 DiagnosticList& diags);

// The CEL type of a protobuf field (repeated -> list, map -> map, well-known
// types mapped, enums -> int) and of a message used as a value.
Type FieldType(const google::protobuf::FieldDescriptor* field);
Type MessageValueType(const google::protobuf::Descriptor* desc);

// A readable dump of the checked tree, one node per line, indented:
//   `_&&_~bool^logical_and`, `b.name~string^field(onus.aws.s3.Bucket.name)`,
//   `b~onus.aws.s3.Bucket^var(b)`. Used by tests and `onus explain`.
std::string DumpChecked(const Expr& root, const CheckedAst& checked);

}  // namespace onus::lang

#endif  // ONUS_LANG_CHECKER_H_
