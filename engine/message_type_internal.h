// Internals of the lazy protobuf view shared by its .cc files, and the
// inline field read the VM's field instructions use.
#ifndef ONUS_ENGINE_MESSAGE_TYPE_INTERNAL_H_
#define ONUS_ENGINE_MESSAGE_TYPE_INTERNAL_H_

#include <cstdint>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "engine/message_type.h"
#include "engine/value.h"
#include "engine/wire_internal.h"
#include "google/protobuf/descriptor.h"

namespace onus::engine::internal {

// Highest field number kept in MessageObj::index. Resource schemas number
// their fields densely from 1, so 64 covers nearly every field read.
constexpr uint32_t kMaxIndexedField = 64;
// Index entries pack (offset + 1) << 4 | duplicate << 3 | wire type, so the
// index is only used for messages below 2^27 bytes.
constexpr uint32_t kMaxIndexedSize = 1u << 27;
// index[0] states.
constexpr uint32_t kIndexOk = 1;         // built lazily by a reader
constexpr uint32_t kIndexMalformed = 2;  // the message is malformed
constexpr uint32_t kIndexShared = 3;     // built eagerly; read-only
inline bool IndexUsable(uint32_t state) { return (state & 1) != 0; }

// The writable view cache of msg for field f (one pointer per child_slot,
// after the 2n+1 index words, 8-byte aligned), or null: no index yet, a
// shared read-only index, or a field without a slot.
inline const void** ViewCache(const MessageObj& msg, const FieldInfo& f) {
  const uint32_t* idx = msg.index;
  if (f.child_slot < 0 || idx == nullptr || idx[0] != kIndexOk) return nullptr;
  return reinterpret_cast<const void**>(const_cast<uint32_t*>(idx) +
                                        2 * msg.type->index_size() + 2);
}

// Bytes of a message's index table (BuildIndex), rounded up to 32 so that
// it is cleared in whole vector stores. Layout: t[0] the state; then for
// field k (1..n) the pair t[2k-1], t[2k] (FieldInfo::index_slot = 2k-1):
// its last occurrence (value offset + 1, duplicate bit, wire type) and its
// first occurrence's tag offset + 1 (repeated and map views scan only from
// the first to the last one); one address for both words keeps the tag
// loop short. Then, 8-byte aligned, one cached view pointer per
// sub-message, list or map field (FieldInfo::child_slot, ViewCache).
constexpr uint32_t IndexBytes(uint32_t n, uint32_t child_slots) {
  uint32_t words = 2 * n + 1;
  if (child_slots > 0) words = (words + 1) / 2 * 2 + 2 * child_slots;
  return (4 * words + 31) & ~uint32_t{31};
}

// Records in `arena` where each indexed field of `m` last occurs (see
// MessageObj::index). Called lazily by the reader; NewMessage calls it
// eagerly so that constant messages are never written to later.
// `shared`: the message may be read concurrently (a constant), so readers
// must never write to its index (no sub-message cache).
void BuildIndex(Arena* arena, const MessageObj& m, bool shared = false);

// The part of ReadOwnField below that is not inline.
Value ReadOwnFieldOutOfLine(Arena& arena, const MessageObj& msg,
                            const FieldInfo& f);

// GetField for a field of msg's own type (f.owner == msg.type), with the
// common cases inline: the VM's field instructions use it, so that a read
// from an already indexed message costs no call. Those cases are a bool or
// integer of at most two varint bytes (flags, ports, counts), a string
// shorter than 128 bytes of ASCII (ids, names, CIDRs), and a sub-message,
// list or map whose view is already cached. The index pass validated every
// value it recorded, so these reads need no bounds checks; anything else, and
// every first read of a message, goes out of line. GetField is the owner
// check and this.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline Value ReadOwnField(Arena& arena,
                                                       const MessageObj& msg,
                                                       const FieldInfo& f) {
  const uint32_t* idx = msg.index;
  // The first read of a message builds its index here, then takes the
  // inline read (not a chain of out-of-line calls back to this code).
  if (ABSL_PREDICT_FALSE(idx == nullptr) && f.fast_read != FastRead::kNone &&
      msg.size != 0 && msg.size < kMaxIndexedSize) {
    BuildIndex(&arena, msg);
    idx = msg.index;
  }
  if (f.fast_read != FastRead::kNone && idx != nullptr &&
      ABSL_PREDICT_TRUE(IndexUsable(idx[0]))) {
    const uint32_t e = idx[f.index_slot];
    if (e == 0) return f.default_value;
    const uint8_t* const p = msg.data + ((e >> 4) - 1);
    switch (f.fast_read) {
      case FastRead::kBool:
      case FastRead::kInt:
      case FastRead::kUint: {
        if ((e & 7) != wire::kVarint) break;
        uint32_t v = p[0];
        if (v >= 0x80) {
          if (p[1] >= 0x80) break;
          v = (v & 0x7f) | (uint32_t{p[1]} << 7);
        }
        if (f.fast_read == FastRead::kBool) return Value::Bool(v != 0);
        if (f.fast_read == FastRead::kInt) return Value::Int(v);
        return Value::Uint(v);
      }
      case FastRead::kString:
        if ((e & 7) == wire::kLengthDelimited && p[0] < 0x80 &&
            wire::AllAscii(p + 1, p[0])) {
          return Value::String(
              absl::string_view(reinterpret_cast<const char*>(p + 1), p[0]));
        }
        break;
      case FastRead::kChild:
      case FastRead::kList:
      case FastRead::kMap:
        if (const void** cache = ViewCache(msg, f); cache != nullptr) {
          const void* const cached = cache[f.child_slot];
          if (cached != nullptr) {
            if (f.fast_read == FastRead::kChild) {
              return Value::Message(static_cast<const MessageObj*>(cached));
            }
            return f.fast_read == FastRead::kList
                       ? Value::List(static_cast<const ListObj*>(cached))
                       : Value::Map(static_cast<const MapObj*>(cached));
          }
        }
        break;
      default:
        break;
    }
  }
  return ReadOwnFieldOutOfLine(arena, msg, f);
}

// The conversion of a message type by full name (kNone for plain messages).
FieldConv WktOf(const google::protobuf::Descriptor* d);

}  // namespace onus::engine::internal

#endif  // ONUS_ENGINE_MESSAGE_TYPE_INTERNAL_H_
