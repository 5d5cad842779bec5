// Inline fast paths shared by the VM loop (vm.cc) and the operation
// helpers the compiler also uses for constant folding (vm_ops.cc).
#ifndef ONUS_ENGINE_VM_INLINE_H_
#define ONUS_ENGINE_VM_INLINE_H_

#include <cstring>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/builtins/ops.h"
#include "engine/message_type.h"
#include "engine/message_type_internal.h"
#include "engine/vm_internal.h"

namespace onus::engine::vm_internal {

// Errors raised by the VM itself carry the instruction that raised them.
inline Value VmError(Arena& arena, ErrorCode code, absl::string_view message,
                     int pc) {
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

inline const char* TypeNameOf(Value v) {
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

// Element i (< size) of a list. `items` is set for arrays and for repeated
// message fields whose element views are shared (ListObj), the lists that
// comprehensions walk on the hot path, so neither takes a call.
inline Value ListElem(Arena& arena, const ListObj& l, uint32_t i) {
  return l.items != nullptr ? l.items[i] : ListGet(arena, l, i);
}

// Equality fast path: same-kind scalars and strings inline. Always
// inlined (the compiler outlined it, and a call plus the Values passed in
// memory cost as much as the comparison in BR_EQ_CONST); everything else is
// one call to Equals.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline Value EqualsFast(CallContext& ctx, Value a,
                                                     Value b) {
  if (a.kind == b.kind) {
    if (a.kind == Kind::kString) {
      return Value::Bool(a.len == b.len && SameBytes(a.str, b.str, a.len));
    }
    if (a.kind == Kind::kInt || a.kind == Kind::kUint) {
      return Value::Bool(a.i == b.i);
    }
    if (a.kind == Kind::kBool) return Value::Bool(a.b == b.b);
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
      if (e.len == v.len && SameBytes(e.str, v.str, v.len)) {
        return Value::Bool(true);
      }
    }
    return Value::Bool(false);
  }
  return In(ctx, v, container);
}

// `k in m` with a constant key (CONTAINS_KEY_CONST, BR_CONTAINS_KEY_CONST):
// a protobuf map field (tags, labels) goes straight to its lookup instead of
// through In's dispatch on the container.
inline Value ContainsKeyConst(CallContext& ctx, Value key, Value container) {
  if (container.kind == Kind::kMap && container.map->rep == MapRep::kMapField &&
      !key.is_error()) {
    return MapContains(*ctx.arena, *container.map, key);
  }
  return In(ctx, key, container);
}

// Always inlined into the field instructions: an outlined copy put a second
// call in front of GetField's.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline Value FieldOf(Arena& arena, Value v,
                                                  const FieldRef& f) {
  if (v.kind == Kind::kMessage && v.msg->type == f.owner) {
    return internal::ReadOwnField(arena, *v.msg, *f.field);
  }
  return vm_internal::SelectByName(arena, v, f.name);
}

inline Value OptSelect(Arena& arena, Value v, absl::string_view name) {
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
inline Value IndexValue(CallContext& ctx, Value c, Value k) {
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

// `m[k]` with a constant key (INDEX_CONST): a key present in a protobuf map
// field is looked up directly; anything else (absent keys, which are
// errors, optionals, lists) takes IndexValue.
inline Value IndexConst(CallContext& ctx, Value container, Value key) {
  if (container.kind == Kind::kMap && container.map->rep == MapRep::kMapField &&
      !key.is_error()) {
    bool found;
    Value v = MapFind(*ctx.arena, *container.map, key, &found);
    if (found) return v;
  }
  return IndexValue(ctx, container, key);
}

// Appends to a comprehension accumulator in amortised O(1): the register's
// Value::aux records log2(capacity)+1 of an items buffer this VM owns, so
// `@result + [x]` does not copy the list every iteration.
inline Value AppendToAccumulator(Arena& arena, Value acc, Value e) {
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

}  // namespace onus::engine::vm_internal

#endif  // ONUS_ENGINE_VM_INLINE_H_
