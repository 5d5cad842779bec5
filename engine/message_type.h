// Lazy protobuf view: how the VM reads CEL values straight out of protobuf
// wire bytes without parsing whole messages.
//
// A MessageType describes one protobuf message type (one per Descriptor,
// process-wide). The compiler resolves `x.f` to a `const FieldInfo*` once;
// at run time GetField() decodes only that field from the MessageObj's wire
// bytes. The first read of a message records, in one pass, where the last
// occurrence of each low-numbered field sits (MessageObj::index, allocated
// in the evaluation Arena), so later reads of the same message are O(1).
//
// Values returned here are views: strings and bytes point into the wire
// bytes, repeated fields are ListObj kRepeatedField views and map fields are
// MapObj kMapField views. The wire bytes must outlive every value read from
// them. A MessageObj (and its index) belongs to one evaluation thread.
//
// Index lifetime: the index (and the sub-message views cached in it) is
// allocated in the Arena passed to the first GetField() on that MessageObj,
// so read a given MessageObj with one Arena, and do not use it after that
// Arena's Reset(). The evaluator's pattern (one arena per resource, root
// view made with MessageFromBytes() in it, every policy of the resource
// evaluated in it) satisfies this. NewMessage() builds a read-only index
// eagerly in its own arena, so constant messages (e.g. in a Program's
// arena) are never written to during evaluation and can be shared by
// threads. Empty messages (size 0) never get an index.
//
// Malformed wire data never crashes and never reads past the buffer: the
// read returns an error value ("malformed protobuf in field x.y").
#ifndef ONUS_ENGINE_MESSAGE_TYPE_H_
#define ONUS_ENGINE_MESSAGE_TYPE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/value.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace onus::engine {

// How a field's (or a message's own) protobuf value maps to a CEL value.
enum class FieldConv : uint8_t {
  kNone,
  kTimestamp,
  kDuration,
  kStruct,
  kValue,
  kListValue,
  kAny,
  kWrapper,  // google.protobuf.*Value: absent -> null
  kEnum,     // -> int
};

class MessageType;

// Which inline case of the field reader (internal::ReadOwnField in
// engine/message_type_internal.h) a field of an indexed message takes;
// kNone: always the out-of-line read.
enum class FastRead : uint8_t {
  kNone,
  kBool,
  kInt,
  kUint,
  kString,
  kChild,  // plain sub-message, cached view
  kList,   // repeated field, cached view
  kMap,    // map field, cached view
};

struct FieldInfo {
  const google::protobuf::FieldDescriptor* fd = nullptr;
  uint32_t number = 0;
  uint8_t wire_type = 0;  // expected on the wire for a non-packed element
  google::protobuf::FieldDescriptor::Type type =
      google::protobuf::FieldDescriptor::TYPE_INT64;
  bool repeated = false;  // repeated and not a map (lists)
  bool is_map = false;
  bool packed_ok = false;  // scalar numeric repeated: packed form accepted
  FieldConv conv = FieldConv::kNone;
  const MessageType* message = nullptr;  // message / group / map-value type
  const FieldInfo* map_key = nullptr;    // map fields: the entry's key field
  const FieldInfo* map_value = nullptr;  // map fields: the entry's value field
  // CEL value when absent: proto2 explicit defaults, proto3 zero values,
  // empty string, null for wrappers and google.protobuf.Value, an empty
  // message view for plain messages, empty list/map for repeated/map fields.
  Value default_value;
  // has() means "present on the wire" (proto2 optional, proto3 optional,
  // message, oneof member); otherwise has() means "not the default".
  bool has_presence = false;
  // Slot in MessageObj::index (fast path), -1 if not indexed.
  int index_slot = -1;
  // Index of the containing oneof in the message, -1 if none (a later
  // occurrence of another member of the same oneof clears this one).
  int oneof = -1;
  // proto2 enum: numbers outside the enum are unknown fields for protobuf,
  // so a singular field holding one reads as its default.
  bool closed_enum = false;
  // google.protobuf.NullValue field: reads as null.
  bool null_enum = false;
  // Plain singular sub-message fields: slot of the cached child view in the
  // parent's index, -1 if not cached.
  int child_slot = -1;
  // Set with index_slot for declared fields outside oneofs.
  FastRead fast_read = FastRead::kNone;
  // The message type this field belongs to (for extensions: the extended
  // type). Reads check it, so a FieldInfo applied to a message of another
  // type is an error value, never a wrong read.
  const MessageType* owner = nullptr;
};

class MessageType {
 public:
  // Process-wide, thread-safe, never freed. Works for generated and dynamic
  // pools (the descriptor's pool must outlive the process's use of it).
  static const MessageType* For(const google::protobuf::Descriptor* d);

  const google::protobuf::Descriptor* descriptor() const { return desc_; }
  // Interned type value with name = full name. Timestamp and Duration use
  // the built-in type values (BuiltinType(kTimestamp) / kDuration).
  const TypeObj* type_value() const { return type_value_; }
  // By proto field name; null if none (dynamic select).
  const FieldInfo* FindField(absl::string_view name) const;
  // Declared fields, then extensions of this message in its pool.
  const FieldInfo* FieldByNumber(int number) const;
  // proto2 extension of this message by full name
  // ("cel.expr.conformance.proto2.int32_ext"), looked up in the message's
  // pool; null if there is none. Reads, has() and construction work as for
  // fields. Thread-safe; the FieldInfo lives for the process.
  const FieldInfo* FindExtension(absl::string_view full_name) const;
  const FieldInfo* ExtensionFor(
      const google::protobuf::FieldDescriptor* ext) const;
  const std::vector<const FieldInfo*>& fields() const { return field_ptrs_; }
  // If this message itself is a well-known type, how it converts.
  FieldConv wkt() const { return wkt_; }

  // Internal (used by the reader): number of index slots the message needs
  // (0 = no index), and the prototype for full parses.
  uint32_t index_size() const { return index_size_; }
  uint32_t child_slots() const { return child_slots_; }
  // Bytes of the index table (internal::BuildIndex), a multiple of 32.
  uint32_t index_bytes() const { return index_bytes_; }
  const google::protobuf::Message* prototype() const { return prototype_; }
  const std::vector<std::vector<const FieldInfo*>>& oneofs() const {
    return oneofs_;
  }

 private:
  friend class MessageTypeRegistry;
  MessageType() = default;

  const google::protobuf::Descriptor* desc_ = nullptr;
  const TypeObj* type_value_ = nullptr;
  FieldConv wkt_ = FieldConv::kNone;
  uint32_t index_size_ = 0;
  uint32_t child_slots_ = 0;
  uint32_t index_bytes_ = 0;
  const google::protobuf::Message* prototype_ = nullptr;
  std::vector<std::unique_ptr<FieldInfo>> fields_;
  std::vector<const FieldInfo*> field_ptrs_;
  absl::flat_hash_map<absl::string_view, const FieldInfo*> by_name_;
  std::vector<std::vector<const FieldInfo*>> oneofs_;
};

// Reads the CEL value of a field. Absent -> f.default_value. Repeated ->
// ListObj view; map -> MapObj view; sub-message -> MessageObj or the
// converted well-known type (Timestamp, Duration, Struct -> map, Value ->
// the dynamic value, ListValue -> list, Any -> the unpacked message,
// wrappers -> primitive or null). Enum -> int. Strings/bytes are views.
// Malformed data -> error value.
Value GetField(Arena& arena, const MessageObj& msg, const FieldInfo& f);

// CEL has(): presence for presence fields; non-default for proto3 scalars;
// non-empty for repeated/map. Malformed data -> false (use TestField to
// see the error).
bool HasField(const MessageObj& msg, const FieldInfo& f);
// Like HasField but returns Bool, or an error value for malformed data.
Value TestField(Arena& arena, const MessageObj& msg, const FieldInfo& f);

// Element access on any list/map representation.
Value ListGet(Arena& arena, const ListObj& list, uint32_t i);
// Heterogeneous numeric keys (1 == 1u == 1.0) per CEL. *found = false and a
// null value when the key is absent; errors (malformed data) come back as
// error values with *found = true.
Value MapFind(Arena& arena, const MapObj& map, Value key, bool* found);
// `key in map` without decoding the value: Bool, or an error value for
// malformed data.
Value MapContains(Arena& arena, const MapObj& map, Value key);
Value MapKeyAt(Arena& arena, const MapObj& map, uint32_t i);
Value MapValueAt(Arena& arena, const MapObj& map, uint32_t i);

// Root view over serialized bytes (applies WKT conversion if the type is a
// well-known type). The bytes must outlive the value.
Value MessageFromBytes(Arena& arena, const MessageType& type,
                       absl::string_view wire);
// Serializes `m` into the arena, then views it.
Value FromMessage(Arena& arena, const google::protobuf::Message& m);
// Full parse of a view (equality, printing, conformance).
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ToDynamicMessage(
    const MessageObj& msg);

// Message literal `T{f: v, ...}`. Checks every value against its field
// (int32 range -> "out of range" error, wrong kind -> error); null for a
// wrapper/message field means unset; lists for repeated and maps for map
// fields. Constructing a WKT yields the converted value
// (google.protobuf.Int64Value{value: 1} -> 1).
Value NewMessage(Arena& arena, const MessageType& type,
                 const FieldInfo* const* fields, const Value* values,
                 uint32_t n);

// Converts a CEL value into `out`, which is a WKT (Timestamp, Duration,
// wrappers, Struct, Value, ListValue, Any) or a message of the same type as
// a message value.
absl::Status ValueToMessage(const Value& v, google::protobuf::Message* out);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_MESSAGE_TYPE_H_
