// Protobuf's JSON printer with a stable output: map entries (and so the
// fields of a google.protobuf.Struct) in key order. MessageToJsonString
// prints them in the order of protobuf's hash map, which changes from
// process to process, so two runs of one command wrote different bytes for
// the same document (a SARIF file, a JSON snapshot).
#ifndef ONUS_ENGINE_JSON_PRINT_H_
#define ONUS_ENGINE_JSON_PRINT_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"

namespace onus::engine {

// As google::protobuf::util::MessageToJsonString (types resolved in the
// message's own descriptor pool), but deterministic. *out is replaced.
absl::Status PrintJson(const google::protobuf::Message& message,
                       const google::protobuf::util::JsonPrintOptions& options,
                       std::string* out);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_JSON_PRINT_H_
