// Internals of the lazy protobuf view shared by its .cc files.
#ifndef ONUS_ENGINE_MESSAGE_TYPE_INTERNAL_H_
#define ONUS_ENGINE_MESSAGE_TYPE_INTERNAL_H_

#include "engine/message_type.h"
#include "engine/value.h"
#include "google/protobuf/descriptor.h"

namespace onus::engine::internal {

// Records in `arena` where each indexed field of `m` last occurs (see
// MessageObj::index). Called lazily by the reader; NewMessage calls it
// eagerly so that constant messages are never written to later.
// `shared`: the message may be read concurrently (a constant), so readers
// must never write to its index (no sub-message cache).
void BuildIndex(Arena* arena, const MessageObj& m, bool shared = false);

// The conversion of a message type by full name (kNone for plain messages).
FieldConv WktOf(const google::protobuf::Descriptor* d);

}  // namespace onus::engine::internal

#endif  // ONUS_ENGINE_MESSAGE_TYPE_INTERNAL_H_
