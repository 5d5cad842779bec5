// The VM loop. Dispatch is behind VM_* macros: computed goto (GCC/Clang
// labels-as-values, one indirect branch per opcode, better prediction) by
// default, a plain switch with -DONUS_VM_SWITCH. vm_benchmark measures both.
//
// Hot paths stay inline (same-kind int/string/bool comparisons, fields of
// the expected message type); everything else goes to engine/builtins/ops.h
// so folded constants and executed instructions share one definition.
#include "engine/vm.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/builtins/ops.h"
#include "engine/message_type.h"
#include "engine/vm_inline.h"
#include "engine/vm_internal.h"

namespace onus::engine {

// Fast paths shared with vm_ops.cc (engine/vm_inline.h).
using vm_internal::AndValues;
using vm_internal::AppendToAccumulator;
using vm_internal::CompareFast;
using vm_internal::ContainsKeyConst;
using vm_internal::EqualsFast;
using vm_internal::FieldOf;
using vm_internal::InConst;
using vm_internal::IndexConst;
using vm_internal::IndexValue;
using vm_internal::IsFalse;
using vm_internal::IsTrue;
using vm_internal::ListElem;
using vm_internal::NotEqualsFast;
using vm_internal::OptSelect;
using vm_internal::OrValues;
using vm_internal::TypeNameOf;
using vm_internal::VmError;

// ---------------------------------------------------------------------------
// Dispatch macros.

#ifdef ONUS_VM_SWITCH
#define VM_LOOP \
  for (;;) switch (ip->op)
#define VM_CASE(name) case Op::k##name:
#define VM_NEXT() \
  {               \
    ++ip;         \
    continue;     \
  }
#define VM_JUMP(target)   \
  {                       \
    ip = code + (target); \
    continue;             \
  }
#define VM_SKIP2() \
  {                \
    ip += 2;       \
    continue;      \
  }
const char* VmDispatchKind() { return "switch"; }
#else
#define VM_LOOP goto* kDispatch[static_cast<int>(ip->op)];
#define VM_CASE(name) L_##name:
#define VM_NEXT()                              \
  {                                            \
    ++ip;                                      \
    goto* kDispatch[static_cast<int>(ip->op)]; \
  }
#define VM_JUMP(target)                        \
  {                                            \
    ip = code + (target);                      \
    goto* kDispatch[static_cast<int>(ip->op)]; \
  }
#define VM_SKIP2()                             \
  {                                            \
    ip += 2;                                   \
    goto* kDispatch[static_cast<int>(ip->op)]; \
  }
const char* VmDispatchKind() { return "computed-goto"; }
#endif

// The tail of every conditional branch (BR_*): `v` is the tested value and
// the instruction after the branch is its ON_ERROR (the verifier checks).
#define VM_BRANCH_ON(v_expr)                    \
  {                                             \
    const Value v_ = (v_expr);                  \
    if (v_.kind == Kind::kBool) {               \
      if (v_.b == (ip->x != 0)) VM_JUMP(ip->a); \
      VM_SKIP2();                               \
    }                                           \
    r[ip[1].a] = v_;                            \
    VM_JUMP(ip[1].c);                           \
  }

namespace {

// The VM proper. kBatch: programs[0..n) run in turn over the same
// variables, each with a fresh copy of `budget`, their results going to
// results[0..n); otherwise programs[0] runs once on `budget` itself and its
// result is returned.
template <bool kBatch>
Value RunImpl(const Program* const* programs, size_t n, const Value* vars,
              Arena& arena, EvalBudget& budget, Value* results) {
#ifndef ONUS_VM_SWITCH
  static const void* const kDispatch[] = {
#define OP(name, fmt, writes_a, synopsis) &&L_##name,
#include "engine/opcodes.def"
#undef OP
  };
#endif
  // Small programs keep their registers on the C++ stack; larger ones take
  // them from the evaluation arena (never from malloc). The stack buffer is
  // not constructed as 64 Values: that cost more than a short rule.
  constexpr uint32_t kStackRegisters = 64;
  alignas(Value) unsigned char stack_regs[kStackRegisters * sizeof(Value)];
  uint32_t nregs = programs[0]->num_registers;
  if constexpr (kBatch) {
    for (size_t k = 1; k < n; ++k) {
      nregs = std::max(nregs, programs[k]->num_registers);
    }
  }
  Value* const r = nregs <= kStackRegisters
                       ? reinterpret_cast<Value*>(stack_regs)
                       : static_cast<Value*>(arena.Allocate(
                             sizeof(Value) * nregs, alignof(Value)));
  // Registers are cleared once (only as many as the programs use: a few
  // cache lines at most), so that one read before any write (a malformed
  // program that slipped past VerifyProgram) sees null or a value an
  // earlier program of the batch left in this arena, never garbage.
  std::memset(static_cast<void*>(r), 0, sizeof(Value) * nregs);
  // Run changes only these two counters of the budget.
  const int64_t initial_instructions = budget.instructions;
  const int64_t initial_iterations = budget.iterations;
  CallContext ctx{&arena, budget.host};
  size_t current = 0;

start_program:
  const Program& program = *programs[current];
  if constexpr (kBatch) {
    budget.instructions = initial_instructions;
    budget.iterations = initial_iterations;
  }
  const size_t nvars = program.var_names.size();
  for (size_t i = 0; i < nvars; ++i) r[i] = vars[i];
  const Instr* code = program.code.data();
  const Instr* ip = code;
  const Value* K = program.constants.data();
  const FieldRef* F = program.fields.data();
  uint32_t loops = 0;
  int64_t charge = 0;  // budget charged by a backward jump (LOOP, RESUME)

// Ends the current program with `value`: returned, or in a batch stored
// and the next program started.
#define VM_FINISH(value_expr)           \
  {                                     \
    const Value fin_ = (value_expr);    \
    if constexpr (!kBatch) return fin_; \
    results[current] = fin_;            \
    if (++current == n) return Value(); \
    goto start_program;                 \
  }

  if (program.code.empty()) {
    VM_FINISH(StaticError(ErrorCode::kGeneric, "empty program"));
  }

#define PC static_cast<int>(ip - code)

  VM_LOOP {
    VM_CASE(NOP) VM_NEXT();
    VM_CASE(LOAD_CONST) {
      r[ip->a] = K[ip->b];
      VM_NEXT();
    }
    VM_CASE(MOVE) {
      r[ip->a] = r[ip->b];
      VM_NEXT();
    }
    VM_CASE(RETURN) {
      Value out = r[ip->a];
      out.aux = 0;  // accumulator bookkeeping must not leak
      VM_FINISH(out);
    }
    VM_CASE(JUMP) VM_JUMP(ip->c);
    VM_CASE(LOOP) {
      // Charges the loop body's length (an upper bound of what the
      // iteration ran); RESUME shares the checks with a charge of 1.
      charge = (ip - code) - ip->c + 1;
    backward_jump:
      budget.instructions -= charge;
      if (budget.instructions < 0) {
        VM_FINISH(VmError(arena, ErrorCode::kBudgetExceeded,
                          absl::StrCat("instruction budget of ",
                                       initial_instructions, " exhausted"),
                          PC));
      }
      if (budget.cancelled != nullptr &&
          budget.cancelled->load(std::memory_order_relaxed)) {
        VM_FINISH(
            VmError(arena, ErrorCode::kCancelled, "evaluation cancelled", PC));
      }
      // Reading the clock costs more than a loop body: sample it.
      if ((++loops & 255) == 0 && budget.deadline != absl::InfiniteFuture() &&
          absl::Now() > budget.deadline) {
        VM_FINISH(VmError(arena, ErrorCode::kDeadlineExceeded,
                          "evaluation deadline exceeded", PC));
      }
      VM_JUMP(ip->c);
    }
    VM_CASE(JUMP_IF_FALSE) {
      if (IsFalse(r[ip->a])) VM_JUMP(ip->c);
      VM_NEXT();
    }
    VM_CASE(JUMP_IF_TRUE) {
      if (IsTrue(r[ip->a])) VM_JUMP(ip->c);
      VM_NEXT();
    }
    VM_CASE(AND) {
      r[ip->a] = AndValues(arena, r[ip->a], r[ip->b]);
      VM_NEXT();
    }
    VM_CASE(OR) {
      r[ip->a] = OrValues(arena, r[ip->a], r[ip->b]);
      VM_NEXT();
    }
    VM_CASE(NOT_STRICTLY_FALSE) {
      r[ip->a] = Value::Bool(!IsFalse(r[ip->b]));
      VM_NEXT();
    }
    VM_CASE(BRANCH) {
      Value v = r[ip->a];
      if (v.kind == Kind::kBool) {
        if (v.b) VM_NEXT();
        VM_JUMP(ip->b);
      }
      if (!v.is_error()) {
        r[ip->a] = vm_internal::NoMatchingOverload(arena, "_?_:_", v);
      }
      VM_JUMP(ip->c);
    }
    VM_CASE(ITER_INIT) {
      Value range = r[ip->b];
      if (range.kind == Kind::kList || range.kind == Kind::kMap) {
        r[ip->b + 1] = Value::Int(0);
        VM_NEXT();
      }
      r[ip->a] = range.is_error()
                     ? range
                     : VmError(arena, ErrorCode::kNoMatchingOverload,
                               absl::StrCat("cannot iterate over a value of "
                                            "type '",
                                            TypeNameOf(range), "'"),
                               PC);
      VM_JUMP(ip->c);
    }
    VM_CASE(ITER_NEXT) {
      Value range = r[ip->b];
      const uint32_t i = static_cast<uint32_t>(r[ip->b + 1].i);
      const bool is_list = range.kind == Kind::kList;
      if (!is_list && range.kind != Kind::kMap) {
        // Only a program that skipped ITER_INIT gets here (the verifier
        // cannot prove every path); end the loop rather than crash.
        VM_JUMP(ip->c);
      }
      const uint32_t size = is_list ? range.list->size : range.map->size;
      if (i >= size) VM_JUMP(ip->c);
      if (--budget.iterations < 0) {
        VM_FINISH(VmError(arena, ErrorCode::kBudgetExceeded,
                          absl::StrCat("comprehension iteration limit of ",
                                       initial_iterations, " exhausted"),
                          PC));
      }
      if (is_list) {
        Value e = ListElem(arena, *range.list, i);
        if (ip->x == 2) {
          r[ip->a] = Value::Int(i);
          r[ip->a + 1] = e;
        } else {
          r[ip->a] = e;
        }
      } else {
        const MapObj& m = *range.map;
        r[ip->a] = m.rep == MapRep::kArray ? m.keys[i] : MapKeyAt(arena, m, i);
        if (ip->x == 2) {
          r[ip->a + 1] =
              m.rep == MapRep::kArray ? m.values[i] : MapValueAt(arena, m, i);
        }
      }
      r[ip->b + 1].i = i + 1;
      VM_NEXT();
    }
    VM_CASE(LIST_APPEND) {
      r[ip->a] = AppendToAccumulator(arena, r[ip->a], r[ip->b]);
      VM_NEXT();
    }
    VM_CASE(FIELD) {
      r[ip->a] = FieldOf(arena, r[ip->b], F[ip->c]);
      VM_NEXT();
    }
    VM_CASE(FIELD_FIELD) {
      Value v = FieldOf(arena, r[ip->b], F[ip->c]);
      r[ip->a] = FieldOf(arena, v, F[ip->c + 1]);
      VM_NEXT();
    }
    VM_CASE(HAS_FIELD) {
      Value v = r[ip->b];
      const FieldRef& f = F[ip->c];
      if (v.kind == Kind::kMessage && v.msg->type == f.owner) {
        r[ip->a] = TestField(arena, *v.msg, *f.field);
      } else {
        r[ip->a] = vm_internal::HasByName(arena, v, f.name);
      }
      VM_NEXT();
    }
    VM_CASE(SELECT) {
      r[ip->a] =
          vm_internal::SelectByName(arena, r[ip->b], K[ip->c].string_view());
      VM_NEXT();
    }
    VM_CASE(HAS) {
      r[ip->a] =
          vm_internal::HasByName(arena, r[ip->b], K[ip->c].string_view());
      VM_NEXT();
    }
    VM_CASE(OPT_SELECT) {
      r[ip->a] = OptSelect(arena, r[ip->b], K[ip->c].string_view());
      VM_NEXT();
    }
    VM_CASE(NOT) {
      Value v = r[ip->b];
      r[ip->a] = v.kind == Kind::kBool
                     ? Value::Bool(!v.b)
                     : vm_internal::NoMatchingOverload(arena, "!_", v);
      VM_NEXT();
    }
    VM_CASE(NEG) {
      r[ip->a] = Negate(ctx, r[ip->b]);
      VM_NEXT();
    }
    VM_CASE(ADD) {
      Value a = r[ip->b], b = r[ip->c];
      int64_t out;
      if (a.kind == Kind::kInt && b.kind == Kind::kInt &&
          !__builtin_add_overflow(a.i, b.i, &out)) {
        r[ip->a] = Value::Int(out);
      } else {
        r[ip->a] = Add(ctx, a, b);
      }
      VM_NEXT();
    }
    VM_CASE(SUB) {
      Value a = r[ip->b], b = r[ip->c];
      int64_t out;
      if (a.kind == Kind::kInt && b.kind == Kind::kInt &&
          !__builtin_sub_overflow(a.i, b.i, &out)) {
        r[ip->a] = Value::Int(out);
      } else {
        r[ip->a] = Sub(ctx, a, b);
      }
      VM_NEXT();
    }
    VM_CASE(MUL) {
      r[ip->a] = Mul(ctx, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(DIV) {
      r[ip->a] = Div(ctx, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(MOD) {
      r[ip->a] = Mod(ctx, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(EQ) {
      r[ip->a] = EqualsFast(ctx, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(NE) {
      r[ip->a] = NotEqualsFast(ctx, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(LT) {
      r[ip->a] = CompareFast(ctx, Op::kLT, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(LE) {
      r[ip->a] = CompareFast(ctx, Op::kLE, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(GT) {
      r[ip->a] = CompareFast(ctx, Op::kGT, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(GE) {
      r[ip->a] = CompareFast(ctx, Op::kGE, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(IN) {
      r[ip->a] = In(ctx, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(INDEX) {
      r[ip->a] = IndexValue(ctx, r[ip->b], r[ip->c]);
      VM_NEXT();
    }
    VM_CASE(SIZE) {
      r[ip->a] = Size(ctx, r[ip->b]);
      VM_NEXT();
    }
    VM_CASE(EQ_CONST) {
      r[ip->a] = EqualsFast(ctx, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(NE_CONST) {
      r[ip->a] = NotEqualsFast(ctx, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(LT_CONST) {
      r[ip->a] = CompareFast(ctx, Op::kLT, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(LE_CONST) {
      r[ip->a] = CompareFast(ctx, Op::kLE, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(GT_CONST) {
      r[ip->a] = CompareFast(ctx, Op::kGT, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(GE_CONST) {
      r[ip->a] = CompareFast(ctx, Op::kGE, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(IN_CONST) {
      r[ip->a] = InConst(ctx, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(INDEX_CONST) {
      r[ip->a] = IndexConst(ctx, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(CONTAINS_KEY_CONST) {
      r[ip->a] = ContainsKeyConst(ctx, K[ip->c], r[ip->b]);
      VM_NEXT();
    }
    VM_CASE(MAKE_LIST) {
      r[ip->a] = vm_internal::BuildList(ctx, r + ip->b, ip->c);
      VM_NEXT();
    }
    VM_CASE(MAKE_MAP) {
      r[ip->a] = vm_internal::BuildMap(ctx, r + ip->b, ip->c);
      VM_NEXT();
    }
    VM_CASE(MAKE_LIST_OPT) {
      r[ip->a] = vm_internal::BuildListOpt(ctx, r + ip->b, K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(MAKE_MAP_OPT) {
      r[ip->a] = vm_internal::BuildMapOpt(ctx, r + ip->b, K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(NEW_MESSAGE) {
      const MessageLiteral& m = program.messages[ip->c];
      uint32_t n = static_cast<uint32_t>(m.fields.size());
      Value out = Value();
      bool failed = false;
      const FieldInfo* const* fields = m.fields.data();
      Value* values = r + ip->b;
      if (!m.optional.empty()) {
        // `?f: v`: none leaves f unset, of(x) sets it to x.
        const FieldInfo** fs = arena.NewArray<const FieldInfo*>(n);
        Value* vs = arena.NewArray<Value>(n);
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n && !failed; ++i) {
          bool keep = true;
          Value v = values[i];
          if (m.optional[i]) v = vm_internal::UnwrapOptional(arena, v, &keep);
          if (v.is_error()) {
            out = v;
            failed = true;
          } else if (keep) {
            fs[kept] = m.fields[i];
            vs[kept++] = v;
          }
        }
        fields = fs;
        values = vs;
        n = kept;
      }
      for (uint32_t i = 0; i < n && !failed; ++i) {
        if (values[i].is_error()) {
          out = values[i];
          failed = true;
        }
      }
      if (!failed) out = NewMessage(arena, *m.type, fields, values, n);
      r[ip->a] = out;
      VM_NEXT();
    }
    VM_CASE(CALL) {
      r[ip->a] = vm_internal::CallStrict(*program.calls[ip->c].fn, ctx,
                                         r + ip->b, ip->x);
      VM_NEXT();
    }
    VM_CASE(CALL_DYNAMIC) {
      const CallRef& call = program.calls[ip->c];
      const Builtin* fn = FindBuiltin(call.name, call.receiver, ip->x);
      if (fn == nullptr) {
        Value out = Value();
        bool failed = false;
        for (uint32_t i = 0; i < ip->x; ++i) {
          if (r[ip->b + i].is_error()) {
            out = r[ip->b + i];
            failed = true;
            break;
          }
        }
        if (!failed) {
          out = VmError(arena, ErrorCode::kNoMatchingOverload,
                        absl::StrCat("no matching overload for '", call.name,
                                     "' with ", ip->x, " argument(s)"),
                        PC);
        }
        r[ip->a] = out;
      } else {
        r[ip->a] = vm_internal::CallStrict(*fn, ctx, r + ip->b, ip->x);
      }
      VM_NEXT();
    }
    VM_CASE(FAIL) {
      r[ip->a] = K[ip->b];
      VM_NEXT();
    }
    VM_CASE(BR_TRUE) VM_BRANCH_ON(r[ip->b]);
    VM_CASE(BR_FIELD) VM_BRANCH_ON(FieldOf(arena, r[ip->b], F[ip->c]));
    VM_CASE(BR_EQ_CONST) VM_BRANCH_ON(EqualsFast(ctx, r[ip->b], K[ip->c]));
    VM_CASE(BR_LT_CONST)
    VM_BRANCH_ON(CompareFast(ctx, Op::kLT, r[ip->b], K[ip->c]));
    VM_CASE(BR_LE_CONST)
    VM_BRANCH_ON(CompareFast(ctx, Op::kLE, r[ip->b], K[ip->c]));
    VM_CASE(BR_GT_CONST)
    VM_BRANCH_ON(CompareFast(ctx, Op::kGT, r[ip->b], K[ip->c]));
    VM_CASE(BR_GE_CONST)
    VM_BRANCH_ON(CompareFast(ctx, Op::kGE, r[ip->b], K[ip->c]));
    VM_CASE(BR_IN_CONST) VM_BRANCH_ON(InConst(ctx, r[ip->b], K[ip->c]));
    VM_CASE(BR_CONTAINS_KEY_CONST)
    VM_BRANCH_ON(ContainsKeyConst(ctx, K[ip->c], r[ip->b]));
    // Reached only through its branch (the verifier forbids jumping here).
    VM_CASE(ON_ERROR) VM_JUMP(ip->c);
    VM_CASE(RESUME) {
      charge = 1;
      goto backward_jump;
    }
  }
#undef PC
  // Unreachable: every program ends in RETURN (the compiler guarantees it).
  VM_FINISH(StaticError(ErrorCode::kGeneric, "internal: fell off the program"));
#undef VM_FINISH
}

}  // namespace

Value Run(const Program& program, const Value* vars, Arena& arena,
          EvalBudget& budget) {
  const Program* const p = &program;
  return RunImpl<false>(&p, 1, vars, arena, budget, nullptr);
}

void RunBatch(const Program* const* programs, size_t n, const Value* vars,
              Arena& arena, const EvalBudget& budget, Value* results) {
  if (n == 0) return;
  EvalBudget b = budget;
  RunImpl<true>(programs, n, vars, arena, b, results);
}

}  // namespace onus::engine
