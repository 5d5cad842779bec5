// The abstract syntax tree: CEL expressions and the Onus policy file around
// them.
//
// Expressions follow CEL's own AST (google.api.expr Expr): constants,
// identifiers, selections, calls, list/map/message literals and
// comprehensions. The parser expands macros (has, all, exists, exists_one,
// map, filter, cel.bind) into Comprehension nodes, as the CEL spec describes,
// and records the original call in Ast::macro_calls so tools that print
// source (onus fmt) can show what the author wrote.
//
// Nodes live in an Ast-owned arena and never move; children are raw
// pointers into that arena. Every node has a dense id (0..Ast::size()-1) so
// later stages keep their results in side tables indexed by id (types,
// references, evidence) instead of mutating the tree. Every node has a Span.
//
// Depth: the parser rejects nesting deeper than ParserOptions::max_depth, so
// recursive walkers over an Ast that parsed are bounded.
#ifndef ONUS_LANG_AST_H_
#define ONUS_LANG_AST_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lang/source.h"

namespace onus::lang {

using ExprId = int32_t;

enum class ExprKind : uint8_t {
  kConst,
  kIdent,
  kSelect,
  kCall,
  kList,
  kMap,
  kStruct,  // message literal: TypeName{field: value, ...}
  kComprehension,
};

enum class ConstKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
};

struct Constant {
  ConstKind kind = ConstKind::kNull;
  bool bool_value = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double double_value = 0;
  std::string string_value;  // decoded (escapes applied); raw bytes for kBytes
};

struct Expr;

// A map literal entry ({k: v}) or a message literal field (Msg{f: v}).
struct Entry {
  ExprId id = 0;  // entries have their own ids, like CEL
  Span span;
  Expr* key = nullptr;  // kMap only
  std::string field;    // kStruct only
  Expr* value = nullptr;
  bool optional = false;  // `?key: value` (optional entry syntax)
};

struct Expr {
  ExprId id = 0;
  ExprKind kind = ExprKind::kConst;
  Span span;

  // kConst
  Constant constant;

  // kIdent: name (may start with '.' for a root-scoped name).
  // kSelect: field name in `name`, operand in `operand`.
  // kCall: function name in `name`; `target` for receiver-style calls
  //        (`x.f(y)` has target x), null for global calls (`f(x, y)`).
  // kStruct: message type name as written in `name`.
  std::string name;

  Expr* operand = nullptr;       // kSelect
  bool test_only = false;        // kSelect produced by has(): presence test
  bool optional_select = false;  // `a.?b`

  Expr* target = nullptr;   // kCall
  std::vector<Expr*> args;  // kCall arguments; kList elements

  std::vector<int32_t> optional_indices;  // kList: indices of `?elem`

  std::vector<Entry> entries;  // kMap, kStruct

  // kComprehension (CEL semantics):
  //   accu = accu_init
  //   for iter_var [, iter_var2] in iter_range:
  //     if !loop_condition(accu): break
  //     accu = loop_step
  //   result
  std::string iter_var;
  std::string iter_var2;  // two-variable comprehensions (map key, value)
  std::string accu_var;
  Expr* iter_range = nullptr;
  Expr* accu_init = nullptr;
  Expr* loop_condition = nullptr;
  Expr* loop_step = nullptr;
  Expr* result = nullptr;
};

// Owns the nodes of one expression tree (or of all expressions of one file).
class Ast {
 public:
  Ast() = default;
  Ast(const Ast&) = delete;
  Ast& operator=(const Ast&) = delete;

  Expr* NewExpr(ExprKind kind, Span span) {
    Expr& e = nodes_.emplace_back();
    e.id = next_id_++;
    e.kind = kind;
    e.span = span;
    by_id_.push_back(&e);
    return &e;
  }
  // Entries take ids from the same counter.
  ExprId NewEntryId() {
    by_id_.push_back(nullptr);
    return next_id_++;
  }

  // Number of ids handed out (nodes and entries): size of side tables.
  int32_t size() const { return next_id_; }
  // Null for an entry id.
  const Expr* Find(ExprId id) const {
    return id >= 0 && id < next_id_ ? by_id_[id] : nullptr;
  }

  // For each comprehension produced by a macro, the call as written.
  absl::flat_hash_map<ExprId, Expr*> macro_calls;

 private:
  std::deque<Expr> nodes_;  // deque: stable addresses
  std::vector<Expr*> by_id_;
  int32_t next_id_ = 0;
};

// ---------------------------------------------------------------------------
// Policy files (.onus)

enum class PolicySeverity : uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };
enum class Owner : uint8_t { kCustomer, kProvider, kShared };

struct Import {
  Span span;
  std::string path;   // as written, resolved relative to the importing file
  std::string alias;  // optional `as` name
};

struct ConstDecl {
  Span span;
  Span name_span;
  std::string name;
  Expr* value = nullptr;
};

// `fn name(a, b) = expr;` — inlined at every call; calls between helpers
// must not form a cycle (checked).
struct FnDecl {
  Span span;
  Span name_span;
  std::string name;
  std::vector<std::string> params;
  std::vector<Span> param_spans;
  Expr* body = nullptr;
};

// One `key = value` line of a policy block, kept for tools and diagnostics.
struct PolicyField {
  Span span;  // whole `key = value`
  Span key_span;
  std::string key;
};

// `message = "text {expr} text"`: literal parts and interpolated expressions
// alternate; parts.size() == exprs.size() + 1.
struct Interpolation {
  Span span;
  std::vector<std::string> parts;
  std::vector<Expr*> exprs;
};

struct PolicyDecl {
  Span span;
  Span name_span;
  std::string name;  // policy id within the package

  std::string title;
  PolicySeverity severity = PolicySeverity::kMedium;
  Owner owner = Owner::kCustomer;
  std::vector<std::string> service_models;  // "iaas", "paas", "saas"
  std::string domain;                       // identity, data_protection, ...
  std::vector<std::string> frameworks;      // "cis-aws-7.0:3.1.4", ...
  std::string remediation;
  std::string description;

  // `resource = onus.aws.s3.Bucket as b`
  std::string resource_type;  // fully qualified message name as written
  Span resource_type_span;
  std::string resource_var;  // binding name, "b"
  Span resource_var_span;

  Expr* when = nullptr;     // optional
  Expr* require = nullptr;  // required
  Interpolation message;    // optional (parts empty when absent)
  bool has_message = false;

  std::vector<PolicyField> fields;  // every field as written, in order
};

struct PolicyFile {
  const Source* source = nullptr;
  std::unique_ptr<Ast> ast = std::make_unique<Ast>();  // owns all exprs
  std::string package;
  Span package_span;
  std::vector<Import> imports;
  std::vector<ConstDecl> consts;
  std::vector<FnDecl> fns;
  std::vector<PolicyDecl> policies;
  // Comments with their spans, so the formatter can keep them.
  std::vector<std::pair<Span, std::string>> comments;
};

}  // namespace onus::lang

#endif  // ONUS_LANG_AST_H_
