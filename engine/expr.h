// The single-expression facade: parse (+ check) + compile one CEL expression
// and evaluate it against bound variables. Used by the conformance runner,
// tests and tools; policies go through the policy front end instead.
//
//   ExprOptions opts;
//   opts.variables = {{"x", lang::Type::Int()}};
//   lang::DiagnosticList diags;
//   auto expr = CompiledExpr::Compile("x * 2 > 10", opts, &diags);
//   Arena arena;
//   Activation act;
//   act.Bind("x", Value::Int(7));
//   Value v = (*expr)->Evaluate(act, arena);  // true
#ifndef ONUS_ENGINE_EXPR_H_
#define ONUS_ENGINE_EXPR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/bytecode.h"
#include "engine/compiler.h"
#include "engine/value.h"
#include "google/protobuf/descriptor.h"
#include "lang/diagnostics.h"
#include "lang/types.h"

namespace onus::lang {
class Ast;
}

namespace onus::engine {

struct ExprOptions {
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  std::string container;
  std::vector<std::pair<std::string, lang::Type>> variables;
  bool check = true;  // false: unchecked, dynamic dispatch
  int64_t instruction_budget = 1'000'000;
  bool fold_constants = true;
  bool fuse = true;
  std::string source_name = "<expr>";
  // CEL strong enums (opt-in; default: enums are ints, as in policies):
  // enum constants, `Enum(int|string)` conversions and singular enum fields
  // are typed enum values; see CompileOptions::strong_enums.
  bool strong_enums = false;
};

// Variable values by name. Values (and what they point to) live in an arena
// the caller keeps alive for the evaluation.
class Activation {
 public:
  void Bind(std::string name, Value v) { values_[std::move(name)] = v; }
  const Value* Find(absl::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }

 private:
  absl::flat_hash_map<std::string, Value> values_;
};

class CompiledExpr {
 public:
  // Parse (+ check) + compile. User errors go to `diags` (may be null) and
  // come back as InvalidArgument whose message is the rendered diagnostics.
  static absl::StatusOr<std::unique_ptr<CompiledExpr>> Compile(
      absl::string_view text, const ExprOptions& options,
      lang::DiagnosticList* diags);

  ~CompiledExpr();

  // May return an error Value (evaluation errors are values in CEL).
  Value Evaluate(const Activation& activation, Arena& arena) const;
  // EXPLAIN text (engine/disasm.h).
  std::string Disassemble() const;
  const lang::Type& result_type() const {
    return result_type_;
  }  // dyn when unchecked
  const Program& program() const { return program_; }
  const CompileStats& stats() const { return stats_; }

 private:
  CompiledExpr() = default;

  std::shared_ptr<const lang::Source> source_;
  std::unique_ptr<lang::Ast> ast_;
  Program program_;
  CompileStats stats_;
  lang::Type result_type_;
  int64_t instruction_budget_ = 0;
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_EXPR_H_
