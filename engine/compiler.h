// Compiles one CEL expression (an Ast root, checked or not) to a Program.
//
// The compiler is a list of named, ordered passes (engine/compiler_passes.cc):
//   resolve  names -> variables, locals, enum constants, type values, fields
//            and builtins (from the checker's references when the expression
//            was checked; against the declared variables and the container
//            otherwise)
//   fold     pure calls and operators on constant operands -> constants
//   lower    &&, ||, ?: -> jumps with CEL error absorption; comprehensions
//            -> loops; everything else -> register instructions
//   fuse     peephole: super-instructions (EQ_CONST, IN_CONST, FIELD_FIELD...)
//   assemble labels -> addresses; register count; final checks
// Each pass's wall time is reported in CompileStats when asked for.
#ifndef ONUS_ENGINE_COMPILER_H_
#define ONUS_ENGINE_COMPILER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/bytecode.h"
#include "google/protobuf/descriptor.h"
#include "lang/ast.h"
#include "lang/diagnostics.h"
#include "lang/source.h"

namespace onus::lang {
struct CheckedAst;
}

namespace onus::engine {

struct CompileOptions {
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  std::string container;
  // Declared variables, in register order (Program::var_names starts with
  // these). Unchecked programs append names they could not resolve, so the
  // caller can bind them at run time ("undeclared reference" otherwise).
  std::vector<std::string> variables;
  bool fold_constants = true;
  bool fuse = true;
  // Strong enums (CEL's optional typed-enum mode): enum constants, `Enum(x)`
  // conversions and reads of singular enum fields are typed enum values
  // (engine/builtins.h) instead of ints. Must match the checker's
  // CheckerEnv::strong_enums.
  bool strong_enums = false;
};

struct PassTiming {
  std::string name;
  absl::Duration time;
};

struct CompileStats {
  std::vector<PassTiming> passes;
  int instructions = 0;
  int constants_folded = 0;
  int fused = 0;
};

// Compiles `root` (a node of `ast`). `checked` may be null (unchecked:
// dynamic dispatch, fields looked up by name at run time). User errors
// (e.g. an unknown function in a checked expression, too many registers)
// are added to `diags` with spans and reported as InvalidArgument.
absl::StatusOr<Program> Compile(const lang::Ast& ast, const lang::Expr& root,
                                const lang::CheckedAst* checked,
                                std::shared_ptr<const lang::Source> source,
                                const CompileOptions& options,
                                lang::DiagnosticList& diags,
                                CompileStats* stats = nullptr);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_COMPILER_H_
