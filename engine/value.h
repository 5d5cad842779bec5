// Runtime values of the Onus VM.
//
// A Value is 16 bytes and trivially copyable: a kind tag, a 32-bit length and
// an 8-byte payload. Scalars are inline. Strings and bytes are (pointer,
// length) views: into the resource's wire bytes, into the program's
// constants, or into the evaluation Arena. Everything else (lists, maps,
// messages, errors, optionals) points to an immutable object in an Arena.
//
// Lifetime rule: a Value never owns anything. Objects created while
// evaluating live in the evaluation's Arena, which the engine resets after
// each resource; constants live in the Program's Arena. There is no
// reference counting and no per-instruction heap allocation from malloc.
//
// Messages are lazy views over protobuf wire bytes plus a MessageType that
// maps field numbers to how they decode (engine/message_type.h). Nothing is
// parsed until a field is read.
#ifndef ONUS_ENGINE_VALUE_H_
#define ONUS_ENGINE_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace onus::engine {

class Arena;
class MessageType;
struct ListObj;
struct MapObj;
struct MessageObj;
struct ErrorObj;
struct TypeObj;
struct OptionalObj;
struct OpaqueObj;

enum class Kind : uint8_t {
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kTimestamp,  // i = seconds since Unix epoch, len = nanos [0, 1e9)
  kDuration,   // i = seconds, len = nanos as int32 with the sign of seconds
  kList,
  kMap,
  kMessage,
  kType,      // a type value: int, string, onus.aws.s3.Bucket, ...
  kOptional,  // optional_type (CEL optionals)
  kError,     // an evaluation error travelling as a value (CEL semantics)
  // Added by the builtins library: extension types that are neither
  // primitives nor protobuf messages (net.IP, net.CIDR). See OpaqueObj.
  kOpaque,
};

const char* KindName(Kind k);

// Equality of n bytes, sizeof(Word) <= n <= 2 * sizeof(Word): the first
// and the last Word, which overlap when n is not a multiple of it.
template <typename Word>
inline bool SameEnds(const char* x, const char* y, uint32_t n) {
  Word x0, y0, x1, y1;
  std::memcpy(&x0, x, sizeof(Word));
  std::memcpy(&y0, y, sizeof(Word));
  std::memcpy(&x1, x + n - sizeof(Word), sizeof(Word));
  std::memcpy(&y1, y + n - sizeof(Word), sizeof(Word));
  return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

// a[0, n) == b[0, n). Short strings (ids, CIDRs, enum-like values, tag
// keys), the common case in rules, are compared with a few overlapping
// loads instead of a call to memcmp.
inline bool SameBytes(const void* a, const void* b, uint32_t n) {
  const char* x = static_cast<const char*>(a);
  const char* y = static_cast<const char*>(b);
  if (n > 16) return std::memcmp(x, y, n) == 0;
  if (n >= 8) return SameEnds<uint64_t>(x, y, n);
  if (n >= 4) return SameEnds<uint32_t>(x, y, n);
  // n <= 3: bytes 0, n / 2 and n - 1 are all of them.
  return n == 0 ||
         (x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1]);
}

struct Value {
  Kind kind = Kind::kNull;
  uint8_t flags = 0;  // reserved for the VM (e.g. "from wire", "interned")
  uint16_t aux = 0;
  uint32_t len = 0;
  union {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    const char* str;  // kString, kBytes: not NUL-terminated
    const ListObj* list;
    const MapObj* map;
    const MessageObj* msg;
    const TypeObj* type;
    const OptionalObj* opt;
    const ErrorObj* err;
    const OpaqueObj* opaque;  // kOpaque
  };

  Value() : i(0) {}

  static Value Null() { return Value(); }
  static Value Bool(bool v) {
    Value x;
    x.kind = Kind::kBool;
    x.b = v;
    return x;
  }
  static Value Int(int64_t v) {
    Value x;
    x.kind = Kind::kInt;
    x.i = v;
    return x;
  }
  static Value Uint(uint64_t v) {
    Value x;
    x.kind = Kind::kUint;
    x.u = v;
    return x;
  }
  static Value Double(double v) {
    Value x;
    x.kind = Kind::kDouble;
    x.d = v;
    return x;
  }
  // The bytes must outlive the value (wire buffer, program or arena).
  static Value String(absl::string_view s) {
    Value x;
    x.kind = Kind::kString;
    x.str = s.data();
    x.len = static_cast<uint32_t>(s.size());
    return x;
  }
  static Value Bytes(absl::string_view s) {
    Value x = String(s);
    x.kind = Kind::kBytes;
    return x;
  }
  static Value Timestamp(int64_t seconds, int32_t nanos) {
    Value x;
    x.kind = Kind::kTimestamp;
    x.i = seconds;
    x.len = static_cast<uint32_t>(nanos);
    return x;
  }
  static Value Duration(int64_t seconds, int32_t nanos) {
    Value x;
    x.kind = Kind::kDuration;
    x.i = seconds;
    x.len = static_cast<uint32_t>(nanos);
    return x;
  }
  static Value List(const ListObj* l) {
    Value x;
    x.kind = Kind::kList;
    x.list = l;
    return x;
  }
  static Value Map(const MapObj* m) {
    Value x;
    x.kind = Kind::kMap;
    x.map = m;
    return x;
  }
  static Value Message(const MessageObj* m) {
    Value x;
    x.kind = Kind::kMessage;
    x.msg = m;
    return x;
  }
  static Value Type(const TypeObj* t) {
    Value x;
    x.kind = Kind::kType;
    x.type = t;
    return x;
  }
  static Value Optional(const OptionalObj* o) {
    Value x;
    x.kind = Kind::kOptional;
    x.opt = o;
    return x;
  }
  static Value Error(const ErrorObj* e) {
    Value x;
    x.kind = Kind::kError;
    x.err = e;
    return x;
  }

  static Value Opaque(const OpaqueObj* o) {
    Value x;
    x.kind = Kind::kOpaque;
    x.opaque = o;
    return x;
  }

  bool is_error() const { return kind == Kind::kError; }
  absl::string_view string_view() const { return absl::string_view(str, len); }
  int32_t nanos() const { return static_cast<int32_t>(len); }
};

static_assert(sizeof(Value) == 16, "Value must stay 16 bytes");

// ---------------------------------------------------------------------------
// Arena: bump allocation in large blocks; Reset() frees everything at once.
// Objects allocated here must be trivially destructible, or registered with
// OwnDestructor (rare: e.g. a std::string holding a formatted message).
class Arena {
 public:
  explicit Arena(size_t block_size = 64 * 1024) : block_size_(block_size) {}
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  void* Allocate(size_t bytes, size_t align = alignof(std::max_align_t)) {
    size_t p = (pos_ + align - 1) & ~(align - 1);
    if (p + bytes > cap_) return AllocateSlow(bytes, align);
    pos_ = p + bytes;
    return cur_ + p;
  }
  template <typename T, typename... Args>
  T* New(Args&&... args) {
    static_assert(std::is_trivially_destructible<T>::value,
                  "arena objects must be trivially destructible");
    return new (Allocate(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
  }
  template <typename T>
  T* NewArray(size_t n) {
    static_assert(std::is_trivially_destructible<T>::value, "");
    T* p = static_cast<T*>(Allocate(sizeof(T) * (n ? n : 1), alignof(T)));
    for (size_t k = 0; k < n; ++k) new (p + k) T();
    return p;
  }
  // Copies bytes into the arena; the view stays valid until Reset().
  absl::string_view CopyString(absl::string_view s) {
    char* p = static_cast<char*>(Allocate(s.size() ? s.size() : 1, 1));
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return absl::string_view(p, s.size());
  }
  // Frees every allocation; keeps the first block for reuse.
  void Reset();
  size_t bytes_used() const;

 private:
  void* AllocateSlow(size_t bytes, size_t align);
  size_t block_size_;
  char* cur_ = nullptr;
  size_t pos_ = 0;
  size_t cap_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<size_t> block_caps_;
  size_t used_before_ = 0;
};

// ---------------------------------------------------------------------------
// Heap objects. All are immutable once built and live in an Arena.

// Lists. A list is either materialised (an array of Values) or a view of a
// repeated field inside a message's wire bytes (decoded element by element;
// element offsets are recorded once when the view is made).
enum class ListRep : uint8_t { kArray, kRepeatedField };

struct ListObj {
  ListRep rep = ListRep::kArray;
  uint32_t size = 0;
  // kArray: the elements. kRepeatedField: null, or the elements already
  // decoded (a repeated sub-message field read by several rules of one
  // resource is decoded once; ListGet then returns items[i]). Code that
  // treats `items` as the whole list must check `rep == kArray` first.
  const Value* items = nullptr;
  // kRepeatedField: element i is decoded from `offsets[i]` in `data`.
  const uint8_t* data = nullptr;
  const uint32_t* offsets = nullptr;
  const void* field = nullptr;  // const FieldInfo* (engine/message_type.h)
};

// Maps. Keys are bool, int, uint or string (CEL). A map is materialised
// (parallel key/value arrays, linear or hashed lookup) or a view of a
// protobuf map field (entry offsets recorded once).
enum class MapRep : uint8_t { kArray, kMapField };

struct MapObj {
  MapRep rep = MapRep::kArray;
  uint32_t size = 0;
  // kArray: keys[i] -> values[i]; `index` is an optional open-addressing
  // hash index (capacity index_cap, entries are i+1, 0 = empty) built for
  // large maps.
  const Value* keys = nullptr;
  const Value* values = nullptr;
  const uint32_t* index = nullptr;
  uint32_t index_cap = 0;
  // kMapField
  const uint8_t* data = nullptr;
  const uint32_t* offsets = nullptr;  // offset of each entry's bytes
  const uint32_t* lengths = nullptr;  // length of each entry's bytes
  // Where each entry's key value starts (offset + 1; 0: no key, the zero
  // key; kMalformedEntry: the entry's bytes do not parse), noted when the
  // view is made so that lookups compare keys without parsing entries.
  const uint32_t* key_at = nullptr;
  // Where each entry's value starts (offset + 1) when the entry is one key
  // and one value in that order, the shape protobuf writes; 0: the lookup
  // scans the entry for its last value.
  const uint32_t* value_at = nullptr;
  const void* field = nullptr;  // const FieldInfo*
  static constexpr uint32_t kMalformedEntry = 0xffffffffu;
};

// A message: wire bytes + type. `index` is filled lazily by the field reader
// (engine/message_type.h) with the offset of the last occurrence of each
// indexed field, so repeated reads of the same message cost O(1).
struct MessageObj {
  const uint8_t* data = nullptr;
  uint32_t size = 0;
  const MessageType* type = nullptr;
  mutable const uint32_t* index = nullptr;
};

enum class ErrorCode : uint8_t {
  kGeneric,
  kNoSuchField,
  kNoSuchKey,
  kNoMatchingOverload,
  kDivisionByZero,
  kOverflow,
  kOutOfRange,
  kInvalidArgument,
  kBudgetExceeded,
  kCancelled,
  kDeadlineExceeded,
  kTypeMismatch,
  kUnknownIdentifier,
};

struct ErrorObj {
  ErrorCode code = ErrorCode::kGeneric;
  const char* message = nullptr;  // arena- or static-owned, NUL-terminated
  uint32_t message_len = 0;
  int32_t pc = -1;  // instruction that raised it (for the span), -1 unknown
  absl::string_view text() const { return {message, message_len}; }
};

struct OptionalObj {
  bool has_value = false;
  Value value;
};

// An extension value (net.IP, net.CIDR, ...): an immutable byte payload plus
// its interned type (TypeObj with kind kOpaque and the type's name). Two
// opaque values are equal when their types and payload bytes are equal, so
// a type must choose a canonical payload encoding. `format` renders the value
// for string() and evidence.
struct OpaqueObj {
  const TypeObj* type = nullptr;
  const uint8_t* data = nullptr;
  uint32_t size = 0;
  void (*format)(const OpaqueObj& self, std::string* out) = nullptr;
};

// Type values are interned for the life of the process (TypeObj::Get*).
struct TypeObj {
  Kind kind = Kind::kNull;               // the kind this type describes
  const MessageType* message = nullptr;  // for message types
  const char* name = nullptr;  // "int", "google.protobuf.Timestamp", ...
};

// Interned type values for the built-in kinds and `type` itself.
const TypeObj* BuiltinType(Kind k);
const TypeObj* TypeOfType();
const TypeObj* NullType();

// ---------------------------------------------------------------------------
// Helpers shared by builtins and VM.

// Builds an error value in `arena`. The message is copied.
Value MakeError(Arena& arena, ErrorCode code, absl::string_view message);
// Errors with static messages: no copy.
Value StaticError(ErrorCode code, const char* message);

Value MakeList(Arena& arena, const Value* items, uint32_t n);
Value MakeMap(Arena& arena, const Value* keys, const Value* values, uint32_t n);
Value MakeOptional(Arena& arena, bool has_value, Value v);
Value NewString(Arena& arena, absl::string_view s);

// Key lookup in a kArray map (linear scan, or the hash index built by
// MakeMap). Keys compare with CEL equality, so int, uint and double keys
// with the same numeric value find each other (1 == 1u == 1.0). Returns the
// value slot or null when absent. MapFind (engine/message_type.h) handles
// every map representation and forwards kArray maps here.
const Value* ArrayMapFind(const MapObj& map, Value key);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_VALUE_H_
