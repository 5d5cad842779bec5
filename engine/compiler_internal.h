// Compiler internals shared by compiler.cc (pass driver) and
// compiler_passes.cc (the passes). Not part of the public API.
#ifndef ONUS_ENGINE_COMPILER_INTERNAL_H_
#define ONUS_ENGINE_COMPILER_INTERNAL_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "engine/builtins.h"
#include "engine/bytecode.h"
#include "engine/compiler.h"
#include "lang/ast.h"
#include "lang/diagnostics.h"

namespace onus::lang {
struct Reference;
}

namespace onus::engine::compiler_internal {

// Recursive walks are bounded by the parser's max_depth (250); this is a
// second, hard guard for hand-built trees.
inline constexpr int kMaxDepth = 1000;
// Largest right operand of && / || compiled as jumps (its error path holds a
// second copy of it).
inline constexpr int kMaxDuplicatedNodes = 64;

// What the resolve (and fold) pass learned about one node.
struct Resolution {
  enum class Kind : uint8_t {
    kNone,   // compile from the node's own shape (operator, literal, local)
    kVar,    // load variable slot `var` (do not evaluate the operand)
    kConst,  // the node is the constant `constant` (literal, enum, type, fold)
    kAlias,  // the node evaluates exactly like `alias` (folded ?: and dyn())
  };
  Kind kind = Kind::kNone;
  int var = -1;
  Value constant;
  const lang::Expr* alias = nullptr;
  // Select nodes: index into Program::fields when the field is known.
  int field = -1;
  // Call nodes: the builtin (null: operator, or dynamic at run time) and
  // whether receiver syntax named a namespaced global (`math.greatest(..)`).
  const Builtin* fn = nullptr;
  bool namespaced = false;
  std::string call_name;  // the function's full name
  // Strong enums: the call is the conversion `Enum(x)`, lowered to
  // "@enum"(type, x) with this enum type as the first argument.
  const TypeObj* enum_type = nullptr;
};

// One lowered instruction or a label definition (label >= 0). Jump
// operands hold label ids until the assemble pass.
struct IrInstr {
  Instr in;
  lang::Span span;
  int label = -1;
};

class CompilerState {
 public:
  CompilerState(const lang::Ast& ast, const lang::Expr& root,
                const lang::CheckedAst* checked, const lang::Source* source,
                const CompileOptions& options, lang::DiagnosticList& diags,
                Program& program, CompileStats& stats);

  // The passes, in order.
  absl::Status Resolve();
  absl::Status Fold();
  absl::Status Lower();
  absl::Status Fuse();
  absl::Status Assemble();

  bool failed() const { return failed_; }

 private:
  using Local = std::pair<std::string, int>;

  // resolve
  void ResolveExpr(const lang::Expr* e, int depth);
  bool IsLocal(const std::string& name) const;
  bool ResolveQualified(const lang::Expr* node, const std::string& name);
  bool ResolveReference(const lang::Expr* e, const lang::Reference& ref);
  std::vector<std::string> Candidates(const std::string& name) const;
  bool LookupConstant(const std::string& name, Value* out) const;
  int VarSlot(const std::string& name);
  int AddField(const google::protobuf::FieldDescriptor* fd,
               const std::string& name);
  void ResolveCall(const lang::Expr* e, int depth);
  void ResolveStruct(const lang::Expr* e, int depth);
  // strong enums
  void ResolveEnumConversion(const lang::Expr* e, const lang::Reference* ref);
  void EmitEnumCall(int base, int dst, lang::Span span);
  void WrapEnumField(int field, int dst, lang::Span span);
  static bool QualifiedName(const lang::Expr* e, std::string* out);

  // fold
  void FoldExpr(const lang::Expr* e, int depth);
  bool IsConst(const lang::Expr* e) const;
  const Value& ConstOf(const lang::Expr* e) const;
  void SetConst(const lang::Expr* e, Value v);

  // lower
  void CompileInto(const lang::Expr* e, int dst, int depth);
  int CompileOperand(const lang::Expr* e, int depth);
  int RegisterOf(const lang::Expr* e) const;
  void CompileCall(const lang::Expr* e, int dst, int depth);
  void CompileComprehension(const lang::Expr* e, int dst, int depth);
  void CompileStep(const lang::Expr* step, const lang::Expr* c, int accu,
                   int depth);
  bool IsAccuIdent(const lang::Expr* e, const lang::Expr* c) const;
  // Conditions as jumps ("jumping code"). Emits code that evaluates e and
  // goes to `target` when e is the bool `sense`, falls through when it is
  // the other bool, and otherwise (an error, or not a bool) writes the value
  // CEL gives e to r[err_reg] and goes to `err_label`. && || ! ?: become
  // plain jumps; comparisons with constants and bool fields become single
  // BR_* instructions. Error paths are out-of-line blocks (AddCold).
  void CompileJump(const lang::Expr* e, bool sense, int target, int err_reg,
                   int err_label, int depth);
  void EmitBranch(Op op, int target, int src, int c, bool sense, int err_reg,
                  int err_label, lang::Span span);
  // Registers a block emitted after the program's main line (after its
  // RETURN), compiled with the scope of now. Blocks are emitted in the order
  // they are added, so a block may jump forward to a block added later;
  // jumps back into the main line become RESUME in the assemble pass.
  void AddCold(std::function<void()> emit);
  void EmitColdBlocks();
  // Conditions compile as jumps: fusing is on and this is not code of an
  // out-of-line block (which stays plain, so it never needs blocks itself).
  bool Jumping() const { return options_.fuse && !in_cold_; }
  bool Small(const lang::Expr* e, int* budget) const;
  bool JumpsFor(const lang::Expr* rhs) const;
  // The checker proved e a bool (so at run time: a bool or an error).
  bool BoolTyped(const lang::Expr* e) const;
  // Field-chain hoisting (common subexpressions and loop invariants).
  bool ChainKey(const lang::Expr* e, std::string* key) const;
  int HoistedRegister(const lang::Expr* e) const;
  void CountChains(const lang::Expr* e, absl::string_view root_prefix,
                   absl::string_view shadowed, int weight, int depth,
                   absl::flat_hash_map<std::string, int>& counts,
                   absl::flat_hash_map<std::string, const lang::Expr*>& nodes);
  void CountChainsImpl(
      const lang::Expr* e, absl::string_view root_prefix,
      absl::string_view shadowed, int weight, int depth,
      absl::flat_hash_map<std::string, int>& counts,
      absl::flat_hash_map<std::string, const lang::Expr*>& nodes);
  // `unconditional_root`: a subtree evaluated on every pass through the
  // scope even though it sits under && / || (the loop step's predicate).
  void HoistChains(const lang::Expr* scope_root, absl::string_view root_prefix,
                   absl::string_view shadowed, int depth,
                   const lang::Expr* unconditional_root = nullptr);
  int AllocRegs(int n);
  int NewLabel() { return next_label_++; }
  void PlaceLabel(int label);
  void Emit(Op op, int a, int b, int c, int x, lang::Span span);
  int AddConst(Value v);
  int AddStringConst(absl::string_view s);
  // [n, optional positions...] for MAKE_LIST_OPT / MAKE_MAP_OPT.
  int AddLayout(int n, const std::vector<int>& optional);
  const Resolution& Res(const lang::Expr* e) const { return res_[e->id]; }
  Resolution& Res(const lang::Expr* e) { return res_[e->id]; }
  void Error(const lang::Expr* e, absl::string_view code, std::string message,
             std::string help = "");

  const lang::Ast& ast_;
  const lang::Expr& root_;
  const lang::CheckedAst* checked_;
  const lang::Source* source_;
  const CompileOptions& options_;
  lang::DiagnosticList& diags_;
  Program& program_;
  CompileStats& stats_;

  std::vector<Resolution> res_;
  absl::flat_hash_map<std::string, int> var_slots_;
  std::vector<std::string> scope_;  // resolve: local names in scope
  std::vector<Local> locals_;       // lower: local name -> register
  // lower: field chains loaded once into a register (key -> register).
  std::vector<std::pair<std::string, int>> hoisted_;
  // While counting chains: inside a short-circuited operand; chains seen
  // outside one; the subtree to treat as unconditional.
  bool counting_conditional_ = false;
  absl::flat_hash_set<std::string> unconditional_;
  const lang::Expr* force_unconditional_ = nullptr;
  absl::flat_hash_map<std::string, int> string_consts_;
  absl::flat_hash_map<std::string, int> const_index_;  // AddConst dedupe
  std::vector<IrInstr> ir_;
  struct ColdBlock {
    std::vector<Local> locals;
    std::vector<std::pair<std::string, int>> hoisted;
    std::function<void()> emit;
  };
  std::vector<ColdBlock> cold_;
  bool in_cold_ = false;  // emitting out-of-line blocks
  int next_reg_ = 0;
  int max_reg_ = 0;
  int next_label_ = 0;
  bool failed_ = false;
};

}  // namespace onus::engine::compiler_internal

#endif  // ONUS_ENGINE_COMPILER_INTERNAL_H_
