// Wire-backed lists, maps and messages are decoded by engine/message_type.
#include "engine/builtins/list_access.h"

#include <memory>

#include "engine/message_type.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"

namespace onus::engine {

Value ListElementSlow(Arena& arena, const ListObj& l, uint32_t i) {
  return ListGet(arena, l, i);
}

Value MapLookupSlow(Arena& arena, const MapObj& m, Value key, bool* found) {
  return MapFind(arena, m, key, found);
}

Value MapContainsSlow(Arena& arena, const MapObj& m, Value key) {
  return MapContains(arena, m, key);
}

Value MapKey(Arena& arena, const MapObj& m, uint32_t i) {
  if (m.rep == MapRep::kArray) return m.keys[i];
  return MapKeyAt(arena, m, i);
}

Value MapValue(Arena& arena, const MapObj& m, uint32_t i) {
  if (m.rep == MapRep::kArray) return m.values[i];
  return MapValueAt(arena, m, i);
}

bool MessagesEqual(const MessageObj& a, const MessageObj& b) {
  if (a.type != b.type) {
    if (a.type == nullptr || b.type == nullptr) return false;
    if (a.type->descriptor()->full_name() !=
        b.type->descriptor()->full_name()) {
      return false;
    }
  }
  // Full protobuf equality, not byte equality: field order on the wire may
  // differ, and NaN fields must make messages unequal.
  auto ma = ToDynamicMessage(a);
  auto mb = ToDynamicMessage(b);
  if (!ma.ok() || !mb.ok()) return false;
  // MessageDifferencer unpacks google.protobuf.Any fields before comparing,
  // as cel-go does.
  google::protobuf::util::MessageDifferencer d;
  d.set_message_field_comparison(
      google::protobuf::util::MessageDifferencer::EQUAL);
  return d.Compare(**ma, **mb);
}

const char* MessageTypeName(const MessageObj& m) {
  if (m.type == nullptr) return "message";
  return m.type->descriptor()->full_name().c_str();
}

const TypeObj* MessageTypeValue(const MessageObj& m) {
  if (m.type == nullptr) return BuiltinType(Kind::kMessage);
  return m.type->type_value();
}

std::string MessageDebugString(const MessageObj& m) {
  std::string out = MessageTypeName(m);
  auto msg = ToDynamicMessage(m);
  if (!msg.ok()) return out + "{<malformed>}";
  google::protobuf::TextFormat::Printer p;
  p.SetSingleLineMode(true);
  std::string text;
  p.PrintToString(**msg, &text);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return out + "{" + text + "}";
}

}  // namespace onus::engine
