#include "engine/value.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"

namespace onus::engine {

// ---------------------------------------------------------------------------
// Arena

Arena::~Arena() = default;

void* Arena::AllocateSlow(size_t bytes, size_t align) {
  // Large requests get a block of their own so one big list does not waste
  // the rest of a standard block.
  size_t need = bytes + align;
  size_t cap = std::max(block_size_, need);
  if (cur_ != nullptr) used_before_ += pos_;
  blocks_.emplace_back(new char[cap]);
  block_caps_.push_back(cap);
  cur_ = blocks_.back().get();
  cap_ = cap;
  uintptr_t base = reinterpret_cast<uintptr_t>(cur_);
  size_t p = ((base + align - 1) & ~(uintptr_t{align} - 1)) - base;
  pos_ = p + bytes;
  return cur_ + p;
}

void Arena::Reset() {
  if (blocks_.empty()) return;
  // Keep the first block: the common case is one block per evaluation.
  blocks_.resize(1);
  block_caps_.resize(1);
  cur_ = blocks_[0].get();
  cap_ = block_caps_[0];
  pos_ = 0;
  used_before_ = 0;
}

size_t Arena::bytes_used() const { return used_before_ + pos_; }

// ---------------------------------------------------------------------------
// Kinds and types

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kNull:
      return "null_type";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint:
      return "uint";
    case Kind::kDouble:
      return "double";
    case Kind::kString:
      return "string";
    case Kind::kBytes:
      return "bytes";
    case Kind::kTimestamp:
      return "google.protobuf.Timestamp";
    case Kind::kDuration:
      return "google.protobuf.Duration";
    case Kind::kList:
      return "list";
    case Kind::kMap:
      return "map";
    case Kind::kMessage:
      return "message";
    case Kind::kType:
      return "type";
    case Kind::kOptional:
      return "optional_type";
    case Kind::kError:
      return "error";
    case Kind::kOpaque:
      return "opaque";
  }
  return "unknown";
}

namespace {

constexpr int kNumKinds = static_cast<int>(Kind::kOpaque) + 1;

struct BuiltinTypes {
  TypeObj types[kNumKinds];
  BuiltinTypes() {
    for (int k = 0; k < kNumKinds; ++k) {
      types[k].kind = static_cast<Kind>(k);
      types[k].name = KindName(static_cast<Kind>(k));
    }
  }
};

const BuiltinTypes& Types() {
  static const BuiltinTypes* t = new BuiltinTypes();
  return *t;
}

}  // namespace

const TypeObj* BuiltinType(Kind k) {
  int i = static_cast<int>(k);
  if (i < 0 || i >= kNumKinds) return nullptr;
  return &Types().types[i];
}

const TypeObj* TypeOfType() { return BuiltinType(Kind::kType); }
const TypeObj* NullType() { return BuiltinType(Kind::kNull); }

// ---------------------------------------------------------------------------
// Constructors

Value MakeError(Arena& arena, ErrorCode code, absl::string_view message) {
  char* text = static_cast<char*>(arena.Allocate(message.size() + 1, 1));
  if (!message.empty()) std::memcpy(text, message.data(), message.size());
  text[message.size()] = '\0';
  ErrorObj* e = arena.New<ErrorObj>();
  e->code = code;
  e->message = text;
  e->message_len = static_cast<uint32_t>(message.size());
  return Value::Error(e);
}

Value StaticError(ErrorCode code, const char* message) {
  // Interned per (code, message pointer): the message is a string literal,
  // so after the first call an error costs a lookup and no allocation. The
  // objects live for the process, like the literals they point to.
  static absl::Mutex* mu = new absl::Mutex();
  static auto* table =
      new absl::flat_hash_map<std::pair<int, const char*>, const ErrorObj*>();
  absl::MutexLock lock(mu);
  const ErrorObj*& slot = (*table)[{static_cast<int>(code), message}];
  if (slot == nullptr) {
    ErrorObj* e = new ErrorObj();
    e->code = code;
    e->message = message;
    e->message_len = static_cast<uint32_t>(std::strlen(message));
    slot = e;
  }
  return Value::Error(slot);
}

Value MakeList(Arena& arena, const Value* items, uint32_t n) {
  Value* copy = arena.NewArray<Value>(n);
  if (n) std::memcpy(static_cast<void*>(copy), items, sizeof(Value) * n);
  ListObj* l = arena.New<ListObj>();
  l->rep = ListRep::kArray;
  l->size = n;
  l->items = copy;
  return Value::List(l);
}

namespace {

// Maps with at most this many entries are scanned linearly: for small maps a
// scan of 16-byte keys beats hashing.
constexpr uint32_t kLinearMapLimit = 8;

// Hash consistent with CEL key equality: numerically equal int, uint and
// double keys hash alike.
size_t KeyHash(const Value& k) {
  switch (k.kind) {
    case Kind::kBool:
      return absl::HashOf(uint8_t{1}, k.b);
    case Kind::kInt:
      return absl::HashOf(uint8_t{2}, static_cast<uint64_t>(k.i));
    case Kind::kUint:
      // Values that fit in int64 hash as ints so 1u finds 1.
      if (k.u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return absl::HashOf(uint8_t{2}, k.u);
      }
      return absl::HashOf(uint8_t{3}, k.u);
    case Kind::kDouble: {
      double d = k.d;
      if (d == std::trunc(d)) {
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
          return absl::HashOf(uint8_t{2},
                              static_cast<uint64_t>(static_cast<int64_t>(d)));
        }
        if (d >= 0 && d < 18446744073709551616.0) {
          return absl::HashOf(uint8_t{3}, static_cast<uint64_t>(d));
        }
      }
      return absl::HashOf(uint8_t{4}, d);
    }
    case Kind::kString:
      return absl::HashOf(uint8_t{5}, k.string_view());
    default:
      return absl::HashOf(static_cast<uint8_t>(k.kind), k.u);
  }
}

bool NumEq(const Value& a, const Value& b) {
  switch (a.kind) {
    case Kind::kInt:
      if (b.kind == Kind::kInt) return a.i == b.i;
      if (b.kind == Kind::kUint) return a.i >= 0 && uint64_t(a.i) == b.u;
      if (b.kind == Kind::kDouble) {
        return b.d >= -9223372036854775808.0 && b.d < 9223372036854775808.0 &&
               b.d == std::trunc(b.d) && int64_t(b.d) == a.i;
      }
      return false;
    case Kind::kUint:
      if (b.kind == Kind::kUint) return a.u == b.u;
      if (b.kind == Kind::kInt) return b.i >= 0 && uint64_t(b.i) == a.u;
      if (b.kind == Kind::kDouble) {
        return b.d >= 0 && b.d < 18446744073709551616.0 &&
               b.d == std::trunc(b.d) && uint64_t(b.d) == a.u;
      }
      return false;
    case Kind::kDouble:
      if (b.kind == Kind::kDouble) return a.d == b.d;
      return NumEq(b, a);
    default:
      return false;
  }
}

bool IsNumber(Kind k) {
  return k == Kind::kInt || k == Kind::kUint || k == Kind::kDouble;
}

bool KeyEq(const Value& a, const Value& b) {
  if (a.kind == Kind::kString && b.kind == Kind::kString) {
    if (a.len != b.len) return false;
    if (a.len == 0 || a.str == b.str) return true;
    // Keys often share a prefix ("tag-key-1", "tag-key-2"): the last byte
    // rejects most mismatches before the memcmp call.
    if (a.str[a.len - 1] != b.str[a.len - 1]) return false;
    return std::memcmp(a.str, b.str, a.len) == 0;
  }
  if (IsNumber(a.kind) && IsNumber(b.kind)) return NumEq(a, b);
  if (a.kind == Kind::kBool && b.kind == Kind::kBool) return a.b == b.b;
  return false;
}

}  // namespace

Value MakeMap(Arena& arena, const Value* keys, const Value* values,
              uint32_t n) {
  Value* k = arena.NewArray<Value>(n);
  Value* v = arena.NewArray<Value>(n);
  if (n) {
    std::memcpy(static_cast<void*>(k), keys, sizeof(Value) * n);
    std::memcpy(static_cast<void*>(v), values, sizeof(Value) * n);
  }
  MapObj* m = arena.New<MapObj>();
  m->rep = MapRep::kArray;
  m->size = n;
  m->keys = k;
  m->values = v;
  if (n > kLinearMapLimit) {
    // Power-of-two capacity at most half full: short probe sequences.
    uint32_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    uint32_t* index = arena.NewArray<uint32_t>(cap);
    for (uint32_t i = 0; i < n; ++i) {
      size_t h = KeyHash(k[i]) & (cap - 1);
      while (index[h] != 0) h = (h + 1) & (cap - 1);
      index[h] = i + 1;
    }
    m->index = index;
    m->index_cap = cap;
  }
  return Value::Map(m);
}

const Value* ArrayMapFind(const MapObj& map, Value key) {
  if (map.index != nullptr) {
    uint32_t mask = map.index_cap - 1;
    size_t h = KeyHash(key) & mask;
    while (uint32_t e = map.index[h]) {
      if (KeyEq(map.keys[e - 1], key)) return &map.values[e - 1];
      h = (h + 1) & mask;
    }
    return nullptr;
  }
  if (key.kind == Kind::kString) {
    // The common case (tags, labels, JSON objects): a tight loop with no
    // call per entry.
    const uint32_t n = key.len;
    for (uint32_t i = 0; i < map.size; ++i) {
      const Value& k = map.keys[i];
      if (k.kind != Kind::kString || k.len != n) continue;
      if (n == 0 || k.str == key.str ||
          (k.str[n - 1] == key.str[n - 1] &&
           std::memcmp(k.str, key.str, n) == 0)) {
        return &map.values[i];
      }
    }
    return nullptr;
  }
  for (uint32_t i = 0; i < map.size; ++i) {
    if (KeyEq(map.keys[i], key)) return &map.values[i];
  }
  return nullptr;
}

Value MakeOptional(Arena& arena, bool has_value, Value v) {
  OptionalObj* o = arena.New<OptionalObj>();
  o->has_value = has_value;
  if (has_value) o->value = v;
  return Value::Optional(o);
}

Value NewString(Arena& arena, absl::string_view s) {
  return Value::String(arena.CopyString(s));
}

}  // namespace onus::engine
