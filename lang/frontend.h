// The policy-file front end: loads .onus files and their imports, inlines
// constants and helper functions, binds each policy's resource variable and
// type-checks `when`, `require` and the message interpolations.
//
//   FrontendOptions opts;
//   opts.pool = my_schema_pool;
//   DiagnosticList diags;
//   absl::StatusOr<PolicySet> set = LoadPolicyFiles({"policies/aws"}, opts,
//                                                   diags);
//   for (const CheckedPolicy& p : set->policies) { ... compile p ... }
//
// Imports: `import "net.onus";` makes the constants and helpers declared in
// net.onus usable by their plain names; `import "net.onus" as net;` makes
// them usable as `net.NAME` / `net.fn(...)` only. Paths are relative to the
// importing file. Declarations of the importing file shadow imported ones;
// two unaliased imports declaring the same name are an error (E0118) when
// that name is used. Import cycles are errors (E0114) with the chain.
//
// Inlining: every use of a constant is replaced by a copy of its value and
// every helper call by a copy of the helper's body with the arguments
// substituted (comprehension variables of the body are renamed `x#N` so an
// argument cannot be captured). Helpers may call helpers but never
// themselves, directly or not (E0110 with the cycle). Each policy gets its
// own Ast holding the inlined `when`, `require` and message expressions.
// Nodes copied from another file carry the span of the call site in the
// policy's file (so the whole Ast is valid against CheckedPolicy::source);
// CheckedPolicy::origins keeps where they were written, for diagnostics.
//
// Checking: the resource variable has the resource message type, `now` is a
// timestamp, and resources(T) / lookup(T, id) are declared. The container is
// the resource type's package, so `resources(cloudtrail.Trail)` works in a
// policy on onus.aws.Account. `when` and `require` must be bool (E0104).
#ifndef ONUS_LANG_FRONTEND_H_
#define ONUS_LANG_FRONTEND_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "lang/ast.h"
#include "lang/checked.h"
#include "lang/checker.h"
#include "lang/diagnostics.h"
#include "lang/parser.h"
#include "lang/source.h"
#include "lang/types.h"

namespace onus::lang {

struct FrontendOptions {
  // Resource schemas; null means the generated pool.
  const google::protobuf::DescriptorPool* pool = nullptr;
  // Known resource type names, for did-you-mean on an unknown resource type.
  // When empty, the message types of the schema file nearest the requested
  // name's package are used.
  std::vector<std::string> resource_type_names;
  ParserOptions parser;
  // Reads an imported (or listed) file. Default: the file system.
  std::function<absl::StatusOr<std::string>(const std::string& path)> read_file;
  // Upper bounds on inlining: nesting of the resulting tree and its size.
  int max_depth = 1000;
  int max_nodes = 100000;
  int max_files = 10000;
};

struct CheckedPolicy {
  const PolicyFile* file = nullptr;
  const PolicyDecl* decl = nullptr;
  std::shared_ptr<const Source> source;  // the policy's file
  std::string id;                        // "package.name" (or "name")
  std::string container;                 // used for name resolution
  const google::protobuf::Descriptor* resource = nullptr;  // null if unknown
  Type resource_type;
  // True for policies over a whole account/project/subscription
  // (`*.Account`, `*.Project`, `*.Subscription`).
  bool account_level = false;
  // Declared variables in order: the resource variable, then "now".
  std::vector<std::pair<std::string, Type>> variables;

  std::unique_ptr<Ast> ast;  // owns the inlined expressions below
  Expr* when = nullptr;      // null when absent
  Expr* require = nullptr;   // null only when the policy had errors
  std::vector<std::string> message_parts;  // literal text around exprs
  std::vector<Expr*> message_exprs;
  // Types and references for every node of `ast`.
  CheckedAst checked;
  // Indexed by ExprId: where nodes inlined from other files were written.
  std::vector<SpanOrigin> origins;
  // False when this policy had any error (it must not be compiled).
  bool ok = false;
};

struct PolicySet {
  std::vector<std::shared_ptr<const Source>> sources;
  std::vector<std::unique_ptr<PolicyFile>> files;  // inputs and imports
  std::vector<CheckedPolicy> policies;  // of the input files, in order
};

// Loads the files at `paths` (directories: every *.onus file below them,
// sorted) and everything they import. A listed path that cannot be read is a
// Status error; everything about the contents is a diagnostic.
absl::StatusOr<PolicySet> LoadPolicyFiles(const std::vector<std::string>& paths,
                                          const FrontendOptions& options,
                                          DiagnosticList& diags);

// Same with in-memory sources (name, text). Imports are resolved among
// these names first, then with options.read_file.
absl::StatusOr<PolicySet> LoadPolicySources(
    const std::vector<std::pair<std::string, std::string>>& sources,
    const FrontendOptions& options, DiagnosticList& diags);

}  // namespace onus::lang

#endif  // ONUS_LANG_FRONTEND_H_
