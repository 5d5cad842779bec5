// Element access for every list and map representation, used by the
// builtins and value_format. kArray lists and maps are read directly; views
// of repeated/map fields in wire bytes are decoded by engine/message_type
// (ListGet, MapFind, MapKeyAt, MapValueAt). This thin layer keeps that
// dependency in one place.
#ifndef ONUS_ENGINE_BUILTINS_LIST_ACCESS_H_
#define ONUS_ENGINE_BUILTINS_LIST_ACCESS_H_

#include <cstdint>
#include <string>

#include "engine/value.h"

namespace onus::engine {

inline Value ElementAt(Arena& arena, const ListObj& l, uint32_t i);
Value ListElementSlow(Arena& arena, const ListObj& l, uint32_t i);

inline Value ElementAt(Arena& arena, const ListObj& l, uint32_t i) {
  if (l.rep == ListRep::kArray) return l.items[i];
  return ListElementSlow(arena, l, i);
}

// Looks `key` up with CEL key equality; *found tells whether it is present.
Value MapLookupSlow(Arena& arena, const MapObj& m, Value key, bool* found);
inline Value MapLookup(Arena& arena, const MapObj& m, Value key, bool* found) {
  if (m.rep == MapRep::kArray) {
    const Value* v = ArrayMapFind(m, key);
    *found = v != nullptr;
    return v ? *v : Value();
  }
  return MapLookupSlow(arena, m, key, found);
}
// `key in m`: Bool, or an error value for malformed wire data. A wire map
// is searched without decoding the value.
Value MapContainsSlow(Arena& arena, const MapObj& m, Value key);
inline Value MapContainsKey(Arena& arena, const MapObj& m, Value key) {
  if (m.rep == MapRep::kArray) {
    return Value::Bool(ArrayMapFind(m, key) != nullptr);
  }
  return MapContainsSlow(arena, m, key);
}
Value MapKey(Arena& arena, const MapObj& m, uint32_t i);
Value MapValue(Arena& arena, const MapObj& m, uint32_t i);

// Protobuf equality of two messages (false when either cannot be decoded).
bool MessagesEqual(const MessageObj& a, const MessageObj& b);
// Full name of a message's type ("onus.aws.s3.Bucket").
const char* MessageTypeName(const MessageObj& m);
// The interned type value of a message.
const TypeObj* MessageTypeValue(const MessageObj& m);
// Text rendering of a message (protobuf text format, one line).
std::string MessageDebugString(const MessageObj& m);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUILTINS_LIST_ACCESS_H_
