// The service's checks of one serialized onus.v1.Resource, made on its wire
// bytes.
//
// The server receives resources as bytes (proto/onus/internal/
// service_wire.proto) and appends them to the inventory it evaluates as
// they are: parsing each into an onus.v1.Resource message only to
// serialize it again cost more than evaluating it. What protobuf's parser
// checked on the way in is checked here instead, for the fields the
// service reads or echoes into findings: the envelope's wire framing, UTF-8
// in its strings (id, type, account, region, tag keys and values,
// typed.type_url), a `schemaless` Struct's framing and strings, and the
// service's own rules (id and type set, a payload, typed.type_url naming
// the type). A `typed` payload stays unparsed, as protobuf left it (an
// Any's value is bytes): the engine decodes what a policy reads.
// Stricter than protobuf in one way: a known field of the wrong wire type
// is refused (protobuf would keep it as an unknown field and the engine
// would then find the resource malformed).
#ifndef ONUS_ENGINE_SERVICE_RESOURCE_WIRE_H_
#define ONUS_ENGINE_SERVICE_RESOURCE_WIRE_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace onus::engine::service_internal {

// What the service needs to know of a resource: views into its bytes.
struct ResourceEnvelope {
  absl::string_view id;
  absl::string_view type;
  absl::string_view account;
};

// Checks `bytes` as described above; INVALID_ARGUMENT naming the resource
// (`where()`, e.g. "item 3 resource" or "resources[2]", called only for an
// error) and the field otherwise. Fills `out` when OK.
absl::Status CheckResourceBytes(absl::string_view bytes,
                                absl::FunctionRef<std::string()> where,
                                ResourceEnvelope* out);

// Appends `resource` (a serialized onus.v1.Resource) to `snapshot` as one
// more Snapshot.resources record (field 5).
void AppendResourceRecord(absl::string_view resource, std::string* snapshot);

}  // namespace onus::engine::service_internal

#endif  // ONUS_ENGINE_SERVICE_RESOURCE_WIRE_H_
