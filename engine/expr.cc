#include "engine/expr.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/disasm.h"
#include "engine/vm.h"
#include "lang/ast.h"
#include "lang/checker.h"
#include "lang/parser.h"
#include "lang/status_macros.h"

namespace onus::engine {

CompiledExpr::~CompiledExpr() = default;

absl::StatusOr<std::unique_ptr<CompiledExpr>> CompiledExpr::Compile(
    absl::string_view text, const ExprOptions& options,
    lang::DiagnosticList* diags) {
  lang::DiagnosticList local;
  lang::DiagnosticList& d = diags != nullptr ? *diags : local;
  const int errors_before = d.error_count();
  auto failed = [&]() {
    lang::DiagnosticList mine;
    for (size_t i = 0; i < d.items().size(); ++i) {
      if (static_cast<int>(i) >= errors_before) mine.Add(d.items()[i]);
    }
    return absl::InvalidArgumentError(mine.Render());
  };

  std::unique_ptr<CompiledExpr> out(new CompiledExpr());
  out->instruction_budget_ = options.instruction_budget;
  out->source_ = std::make_shared<const lang::Source>(options.source_name,
                                                      std::string(text));
  lang::ParsedExpr parsed = lang::ParseExpr(*out->source_, d);
  if (parsed.root == nullptr || d.error_count() > errors_before) {
    return failed();
  }
  out->ast_ = std::move(parsed.ast);

  std::unique_ptr<lang::CheckedAst> checked;
  if (options.check) {
    lang::CheckerEnv env;
    env.container = options.container;
    env.pool = options.pool;
    env.variables = options.variables;
    env.strong_enums = options.strong_enums;
    ONUS_ASSIGN_OR_RETURN(
        lang::CheckedAst c,
        lang::Check(*out->ast_, *parsed.root, *out->source_, env, d));
    if (d.error_count() > errors_before) return failed();
    checked = std::make_unique<lang::CheckedAst>(std::move(c));
    out->result_type_ = checked->result_type;
  }

  CompileOptions copts;
  copts.pool = options.pool;
  copts.container = options.container;
  copts.fold_constants = options.fold_constants;
  copts.fuse = options.fuse;
  copts.strong_enums = options.strong_enums;
  for (const auto& v : options.variables) copts.variables.push_back(v.first);
  absl::StatusOr<Program> program =
      engine::Compile(*out->ast_, *parsed.root, checked.get(), out->source_,
                      copts, d, &out->stats_);
  if (!program.ok()) {
    if (d.error_count() > errors_before) return failed();
    return program.status();
  }
  out->program_ = std::move(*program);
  return out;
}

Value CompiledExpr::Evaluate(const Activation& activation, Arena& arena) const {
  const size_t n = program_.var_names.size();
  Value* vars = arena.NewArray<Value>(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string& name = program_.var_names[i];
    const Value* v = activation.Find(name);
    vars[i] = v != nullptr
                  ? *v
                  : MakeError(arena, ErrorCode::kUnknownIdentifier,
                              absl::StrCat("no value bound for '", name, "'"));
  }
  EvalBudget budget;
  budget.instructions = instruction_budget_;
  return Run(program_, vars, arena, budget);
}

std::string CompiledExpr::Disassemble() const {
  return engine::Disassemble(program_);
}

}  // namespace onus::engine
