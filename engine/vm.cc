// The VM loop. Dispatch is behind VM_* macros: computed goto (GCC/Clang
// labels-as-values, one indirect branch per opcode, better prediction) by
// default, a plain switch with -DONUS_VM_SWITCH. vm_benchmark measures both.
//
// Hot paths stay inline (same-kind int/string/bool comparisons, fields of
// the expected message type); everything else goes to engine/builtins/ops.h
// so folded constants and executed instructions share one definition.
#include "engine/vm.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/builtins/ops.h"
#include "engine/message_type.h"
#include "engine/vm_internal.h"

namespace onus::engine {

namespace {

// Errors raised by the VM itself carry the instruction that raised them.
Value VmError(Arena& arena, ErrorCode code, absl::string_view message, int pc) {
  char* text = static_cast<char*>(arena.Allocate(message.size() + 1, 1));
  std::memcpy(text, message.data(), message.size());
  text[message.size()] = '\0';
  ErrorObj* e = arena.New<ErrorObj>();
  e->code = code;
  e->message = text;
  e->message_len = static_cast<uint32_t>(message.size());
  e->pc = pc;
  return Value::Error(e);
}

const char* TypeNameOf(Value v) {
  if (v.kind == Kind::kMessage && v.msg->type != nullptr) {
    return v.msg->type->type_value()->name;
  }
  return KindName(v.kind);
}

inline bool IsFalse(Value v) { return v.kind == Kind::kBool && !v.b; }
inline bool IsTrue(Value v) { return v.kind == Kind::kBool && v.b; }

// `l && r` once l is known not to be false (CEL: false absorbs errors on
// either side; otherwise the first error wins).
inline Value AndValues(Arena& arena, Value l, Value r) {
  if (IsFalse(r)) return r;
  if (IsTrue(l)) {
    if (r.kind == Kind::kBool || r.is_error()) return r;
    return vm_internal::NoMatchingOverload(arena, "_&&_", r);
  }
  if (IsFalse(l) || l.is_error()) return l;
  return vm_internal::NoMatchingOverload(arena, "_&&_", l);
}

inline Value OrValues(Arena& arena, Value l, Value r) {
  if (IsTrue(r)) return r;
  if (IsFalse(l)) {
    if (r.kind == Kind::kBool || r.is_error()) return r;
    return vm_internal::NoMatchingOverload(arena, "_||_", r);
  }
  if (IsTrue(l) || l.is_error()) return l;
  return vm_internal::NoMatchingOverload(arena, "_||_", l);
}

inline Value ListElem(Arena& arena, const ListObj& l, uint32_t i) {
  return l.rep == ListRep::kArray ? l.items[i] : ListGet(arena, l, i);
}

// Equality fast path: same-kind scalars and strings inline.
inline Value EqualsFast(CallContext& ctx, Value a, Value b) {
  if (a.kind == b.kind) {
    switch (a.kind) {
      case Kind::kInt:
      case Kind::kUint:
        return Value::Bool(a.i == b.i);
      case Kind::kBool:
        return Value::Bool(a.b == b.b);
      case Kind::kString:
        return Value::Bool(
            a.len == b.len &&
            (a.len == 0 || std::memcmp(a.str, b.str, a.len) == 0));
      case Kind::kNull:
        return Value::Bool(true);
      default:
        break;
    }
  }
  return Equals(ctx, a, b);
}

inline Value NotEqualsFast(CallContext& ctx, Value a, Value b) {
  Value r = EqualsFast(ctx, a, b);
  if (r.kind == Kind::kBool) r.b = !r.b;
  return r;
}

// op is one of LT LE GT GE.
inline Value CompareFast(CallContext& ctx, Op op, Value a, Value b) {
  int c;
  if (a.kind == Kind::kInt && b.kind == Kind::kInt) {
    c = a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  } else {
    Value err = Compare(ctx, a, b, &c);
    if (err.is_error()) return err;
    if (c == kUnordered) return Value::Bool(false);
  }
  switch (op) {
    case Op::kLT:
      return Value::Bool(c < 0);
    case Op::kLE:
      return Value::Bool(c <= 0);
    case Op::kGT:
      return Value::Bool(c > 0);
    default:
      return Value::Bool(c >= 0);
  }
}

// `v in list` with a constant list of strings: compare views directly.
inline Value InConst(CallContext& ctx, Value v, Value container) {
  if (v.kind == Kind::kString && container.kind == Kind::kList &&
      container.list->rep == ListRep::kArray &&
      container.flags == kFlagAllStrings) {
    const ListObj& l = *container.list;
    for (uint32_t i = 0; i < l.size; ++i) {
      const Value& e = l.items[i];
      if (e.len == v.len && std::memcmp(e.str, v.str, v.len) == 0) {
        return Value::Bool(true);
      }
    }
    return Value::Bool(false);
  }
  return In(ctx, v, container);
}

inline Value FieldOf(Arena& arena, Value v, const FieldRef& f) {
  if (v.kind == Kind::kMessage && v.msg->type == f.owner) {
    return GetField(arena, *v.msg, *f.field);
  }
  return vm_internal::SelectByName(arena, v, f.name);
}

Value OptSelect(Arena& arena, Value v, absl::string_view name) {
  if (v.is_error()) return v;
  if (v.kind == Kind::kOptional) {
    if (!v.opt->has_value) return v;
    v = v.opt->value;
  }
  Value has = vm_internal::HasByName(arena, v, name);
  if (has.is_error()) return has;
  if (!has.b) return MakeOptional(arena, false, Value());
  Value got = vm_internal::SelectByName(arena, v, name);
  if (got.is_error()) return got;
  return MakeOptional(arena, true, got);
}

// `c[k]`, with optional chaining: on an optional, a missing key or index
// gives optional.none() instead of an error.
Value IndexValue(CallContext& ctx, Value c, Value k) {
  if (c.kind != Kind::kOptional) return Index(ctx, c, k);
  if (k.is_error()) return k;
  if (!c.opt->has_value) return c;
  Value got = Index(ctx, c.opt->value, k);
  if (got.is_error()) {
    if (got.err->code == ErrorCode::kNoSuchKey ||
        got.err->code == ErrorCode::kOutOfRange) {
      return MakeOptional(*ctx.arena, false, Value());
    }
    return got;
  }
  return MakeOptional(*ctx.arena, true, got);
}

// Appends to a comprehension accumulator in amortised O(1): the register's
// Value::aux records log2(capacity)+1 of an items buffer this VM owns, so
// `@result + [x]` does not copy the list every iteration.
Value AppendToAccumulator(Arena& arena, Value acc, Value e) {
  if (acc.is_error()) return acc;
  if (e.is_error()) return e;
  if (acc.kind != Kind::kList) {
    return vm_internal::NoMatchingOverload(arena, "_+_", acc);
  }
  const ListObj& l = *acc.list;
  uint32_t n = l.size;
  uint32_t cap = acc.aux ? (1u << (acc.aux - 1)) : 0;
  Value* items;
  uint16_t aux = acc.aux;
  if (acc.aux && l.rep == ListRep::kArray && n < cap) {
    // Owned buffer: slots past n are unused by every list sharing it.
    items = const_cast<Value*>(l.items);
  } else {
    uint32_t new_cap = 4;
    uint16_t log2 = 2;
    while (new_cap < 2 * n + 1) {
      new_cap *= 2;
      ++log2;
    }
    items = arena.NewArray<Value>(new_cap);
    for (uint32_t i = 0; i < n; ++i) items[i] = ListElem(arena, l, i);
    aux = static_cast<uint16_t>(log2 + 1);
  }
  items[n] = e;
  ListObj* nl = arena.New<ListObj>();
  nl->rep = ListRep::kArray;
  nl->items = items;
  nl->size = n + 1;
  Value out = Value::List(nl);
  out.aux = aux;
  return out;
}

}  // namespace

namespace vm_internal {

Value NoMatchingOverload(Arena& arena, absl::string_view fn, Value a) {
  if (a.is_error()) return a;
  return MakeError(arena, ErrorCode::kNoMatchingOverload,
                   absl::StrCat("no matching overload for '", fn,
                                "' applied to (", TypeNameOf(a), ")"));
}

Value ApplyOp(Op op, CallContext& ctx, Value a, Value b) {
  Arena& arena = *ctx.arena;
  switch (op) {
    case Op::kNOT:
      if (a.kind == Kind::kBool) return Value::Bool(!a.b);
      return NoMatchingOverload(arena, "!_", a);
    case Op::kNOT_STRICTLY_FALSE:
      return Value::Bool(!IsFalse(a));
    case Op::kNEG:
      return Negate(ctx, a);
    case Op::kSIZE:
      return Size(ctx, a);
    case Op::kADD:
      return Add(ctx, a, b);
    case Op::kSUB:
      return Sub(ctx, a, b);
    case Op::kMUL:
      return Mul(ctx, a, b);
    case Op::kDIV:
      return Div(ctx, a, b);
    case Op::kMOD:
      return Mod(ctx, a, b);
    case Op::kEQ:
    case Op::kEQ_CONST:
      return EqualsFast(ctx, a, b);
    case Op::kNE:
    case Op::kNE_CONST:
      return NotEqualsFast(ctx, a, b);
    case Op::kLT:
    case Op::kLE:
    case Op::kGT:
    case Op::kGE:
      return CompareFast(ctx, op, a, b);
    case Op::kLT_CONST:
      return CompareFast(ctx, Op::kLT, a, b);
    case Op::kLE_CONST:
      return CompareFast(ctx, Op::kLE, a, b);
    case Op::kGT_CONST:
      return CompareFast(ctx, Op::kGT, a, b);
    case Op::kGE_CONST:
      return CompareFast(ctx, Op::kGE, a, b);
    case Op::kIN:
    case Op::kIN_CONST:
      return In(ctx, a, b);
    case Op::kINDEX:
    case Op::kINDEX_CONST:
      return IndexValue(ctx, a, b);
    case Op::kAND:
      return AndValues(arena, a, b);
    case Op::kOR:
      return OrValues(arena, a, b);
    default:
      return MakeError(arena, ErrorCode::kGeneric,
                       absl::StrCat("internal: not an operator: ", OpName(op)));
  }
}

Value CallStrict(const Builtin& fn, CallContext& ctx, const Value* args,
                 uint32_t argc) {
  for (uint32_t i = 0; i < argc; ++i) {
    if (args[i].is_error()) return args[i];
  }
  return fn.fn(ctx, args, argc);
}

Value BuildList(CallContext& ctx, const Value* items, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    if (items[i].is_error()) return items[i];
  }
  return MakeList(*ctx.arena, items, n);
}

Value BuildMap(CallContext& ctx, const Value* kv, uint32_t n) {
  Arena& arena = *ctx.arena;
  for (uint32_t i = 0; i < 2 * n; ++i) {
    if (kv[i].is_error()) return kv[i];
  }
  Value* keys = arena.NewArray<Value>(n);
  Value* values = arena.NewArray<Value>(n);
  for (uint32_t i = 0; i < n; ++i) {
    Value k = kv[2 * i];
    switch (k.kind) {
      case Kind::kBool:
      case Kind::kInt:
      case Kind::kUint:
      case Kind::kString:
        break;
      default:
        return MakeError(arena, ErrorCode::kInvalidArgument,
                         absl::StrCat("unsupported key type: ", TypeNameOf(k)));
    }
    // Literal maps are small; a quadratic duplicate check beats hashing.
    for (uint32_t j = 0; j < i; ++j) {
      if (ValuesEqual(ctx, keys[j], k)) {
        return MakeError(arena, ErrorCode::kInvalidArgument,
                         "Failed with repeated key");
      }
    }
    keys[i] = k;
    values[i] = kv[2 * i + 1];
  }
  return MakeMap(arena, keys, values, n);
}

namespace {

// Unwraps an optional element: *keep = false for none.
Value UnwrapOptional(Arena& arena, Value v, bool* keep) {
  *keep = true;
  if (v.is_error()) return v;
  if (v.kind != Kind::kOptional) {
    return MakeError(arena, ErrorCode::kNoMatchingOverload,
                     absl::StrCat("optional entry needs an optional value, "
                                  "got ",
                                  TypeNameOf(v)));
  }
  if (!v.opt->has_value) {
    *keep = false;
    return v;
  }
  return v.opt->value;
}

bool IsOptionalPosition(Value layout, uint32_t i) {
  for (uint32_t j = 1; j < layout.list->size; ++j) {
    if (layout.list->items[j].i == static_cast<int64_t>(i)) return true;
  }
  return false;
}

}  // namespace

Value BuildListOpt(CallContext& ctx, const Value* items, Value layout) {
  Arena& arena = *ctx.arena;
  const uint32_t n = static_cast<uint32_t>(layout.list->items[0].i);
  Value* out = arena.NewArray<Value>(n);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {
    Value v = items[i];
    bool keep = true;
    if (IsOptionalPosition(layout, i)) v = UnwrapOptional(arena, v, &keep);
    if (v.is_error()) return v;
    if (keep) out[m++] = v;
  }
  return MakeList(arena, out, m);
}

Value BuildMapOpt(CallContext& ctx, const Value* kv, Value layout) {
  Arena& arena = *ctx.arena;
  const uint32_t n = static_cast<uint32_t>(layout.list->items[0].i);
  Value* out = arena.NewArray<Value>(2 * n);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {
    Value k = kv[2 * i];
    Value v = kv[2 * i + 1];
    bool keep = true;
    if (k.is_error()) return k;
    if (IsOptionalPosition(layout, i)) v = UnwrapOptional(arena, v, &keep);
    if (v.is_error()) return v;
    if (keep) {
      out[2 * m] = k;
      out[2 * m + 1] = v;
      ++m;
    }
  }
  return BuildMap(ctx, out, m);
}

Value SelectByName(Arena& arena, Value v, absl::string_view name) {
  switch (v.kind) {
    case Kind::kError:
      return v;
    case Kind::kOptional:
      // Optional chaining: `o.f` on an optional is `o.?f` on its value.
      return OptSelect(arena, v, name);
    case Kind::kMessage: {
      const FieldInfo* f = v.msg->type->FindField(name);
      if (f == nullptr) {
        return MakeError(
            arena, ErrorCode::kNoSuchField,
            absl::StrCat("no such field '", name, "' on ", TypeNameOf(v)));
      }
      return GetField(arena, *v.msg, *f);
    }
    case Kind::kMap: {
      bool found = false;
      Value r = MapFind(arena, *v.map, Value::String(name), &found);
      if (!found) {
        return MakeError(arena, ErrorCode::kNoSuchKey,
                         absl::StrCat("no such key: '", name, "'"));
      }
      return r;
    }
    default:
      return MakeError(
          arena, ErrorCode::kNoSuchField,
          absl::StrCat("type '", TypeNameOf(v),
                       "' does not support field selection ('", name, "')"));
  }
}

Value HasByName(Arena& arena, Value v, absl::string_view name) {
  switch (v.kind) {
    case Kind::kError:
      return v;
    case Kind::kOptional:
      if (!v.opt->has_value) return Value::Bool(false);
      return HasByName(arena, v.opt->value, name);
    case Kind::kMessage: {
      const FieldInfo* f = v.msg->type->FindField(name);
      if (f == nullptr) {
        return MakeError(
            arena, ErrorCode::kNoSuchField,
            absl::StrCat("no such field '", name, "' on ", TypeNameOf(v)));
      }
      return TestField(arena, *v.msg, *f);
    }
    case Kind::kMap: {
      bool found = false;
      Value r = MapFind(arena, *v.map, Value::String(name), &found);
      if (found && r.is_error()) return r;
      return Value::Bool(found);
    }
    default:
      return MakeError(arena, ErrorCode::kNoSuchField,
                       absl::StrCat("has() on type '", TypeNameOf(v),
                                    "' which has no fields ('", name, "')"));
  }
}

}  // namespace vm_internal

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
const char* VmDispatchKind() { return "computed-goto"; }
#endif

Value Run(const Program& program, const Value* vars, Arena& arena,
          EvalBudget& budget) {
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
  const uint32_t nregs = program.num_registers;
  Value* r = nregs <= kStackRegisters
                 ? reinterpret_cast<Value*>(stack_regs)
                 : static_cast<Value*>(
                       arena.Allocate(sizeof(Value) * nregs, alignof(Value)));
  const size_t nvars = program.var_names.size();
  for (size_t i = 0; i < nvars; ++i) r[i] = vars[i];
  // Only what this program uses is cleared (a few cache lines at most), so
  // a register read before any write (a malformed program that slipped past
  // VerifyProgram) sees null, not garbage.
  if (nregs > nvars) {
    std::memset(static_cast<void*>(r + nvars), 0,
                sizeof(Value) * (nregs - nvars));
  }

  const Instr* const code = program.code.data();
  if (program.code.empty()) {
    return StaticError(ErrorCode::kGeneric, "empty program");
  }
  const Instr* ip = code;
  const Value* const K = program.constants.data();
  const FieldRef* const F = program.fields.data();
  CallContext ctx{&arena, budget.host};
  const int64_t initial_instructions = budget.instructions;
  const int64_t initial_iterations = budget.iterations;
  uint32_t loops = 0;

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
      return out;
    }
    VM_CASE(JUMP) VM_JUMP(ip->c);
    VM_CASE(LOOP) {
      const int64_t body = (ip - code) - ip->c + 1;
      budget.instructions -= body;
      if (budget.instructions < 0) {
        return VmError(arena, ErrorCode::kBudgetExceeded,
                       absl::StrCat("instruction budget of ",
                                    initial_instructions, " exhausted"),
                       PC);
      }
      if (budget.cancelled != nullptr &&
          budget.cancelled->load(std::memory_order_relaxed)) {
        return VmError(arena, ErrorCode::kCancelled, "evaluation cancelled",
                       PC);
      }
      // Reading the clock costs more than a loop body: sample it.
      if ((++loops & 255) == 0 && budget.deadline != absl::InfiniteFuture() &&
          absl::Now() > budget.deadline) {
        return VmError(arena, ErrorCode::kDeadlineExceeded,
                       "evaluation deadline exceeded", PC);
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
        return VmError(arena, ErrorCode::kBudgetExceeded,
                       absl::StrCat("comprehension iteration limit of ",
                                    initial_iterations, " exhausted"),
                       PC);
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
      r[ip->a] = IndexValue(ctx, r[ip->b], K[ip->c]);
      VM_NEXT();
    }
    VM_CASE(CONTAINS_KEY_CONST) {
      r[ip->a] = In(ctx, K[ip->c], r[ip->b]);
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
  }
#undef PC
  // Unreachable: every program ends in RETURN (the compiler guarantees it).
  return StaticError(ErrorCode::kGeneric, "internal: fell off the program");
}

}  // namespace onus::engine
