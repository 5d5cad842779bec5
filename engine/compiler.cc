// The pass driver: runs the passes in order and times each one.
#include "engine/compiler.h"

#include <utility>

#include "absl/time/clock.h"
#include "engine/compiler_internal.h"
#include "lang/checked.h"

namespace onus::engine {

using compiler_internal::CompilerState;

absl::StatusOr<Program> Compile(const lang::Ast& ast, const lang::Expr& root,
                                const lang::CheckedAst* checked,
                                std::shared_ptr<const lang::Source> source,
                                const CompileOptions& options,
                                lang::DiagnosticList& diags,
                                CompileStats* stats) {
  CompileStats local_stats;
  CompileStats& st = stats != nullptr ? *stats : local_stats;
  st = CompileStats();
  if (checked != nullptr &&
      checked->refs.size() < static_cast<size_t>(ast.size())) {
    return absl::InternalError(
        "checked AST side tables are smaller than the AST");
  }
  Program program;
  program.source = source;
  CompilerState state(ast, root, checked, source.get(), options, diags, program,
                      st);
  // Ordered: each pass reads what the previous ones produced.
  struct Pass {
    const char* name;
    absl::Status (CompilerState::*run)();
  };
  static constexpr Pass kPasses[] = {
      {"resolve", &CompilerState::Resolve},   {"fold", &CompilerState::Fold},
      {"lower", &CompilerState::Lower},       {"fuse", &CompilerState::Fuse},
      {"assemble", &CompilerState::Assemble},
  };
  for (const Pass& pass : kPasses) {
    const absl::Time start = absl::Now();
    absl::Status s = (state.*pass.run)();
    st.passes.push_back({pass.name, absl::Now() - start});
    if (!s.ok()) return s;
    // User errors stop the pipeline after the pass that found them, so
    // later passes never see a half-resolved tree.
    if (state.failed()) {
      return absl::InvalidArgumentError("expression failed to compile");
    }
  }
  return program;
}

}  // namespace onus::engine
