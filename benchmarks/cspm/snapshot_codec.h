// Encodes the CSPM inventory the way the engine reads inventory: every
// resource is an onus.v1.Resource whose payload is a google.protobuf.Any
// holding the serialized onus.bench.cspm message, either inside one
// onus.v1.Snapshot or as a length-delimited onus.v1.StreamItem stream.
// Payloads are serialized deterministically (map entries sorted) so the
// same N always gives the same bytes.
#ifndef ONUS_BENCHMARKS_CSPM_SNAPSHOT_CODEC_H_
#define ONUS_BENCHMARKS_CSPM_SNAPSHOT_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "generator.h"
#include "google/protobuf/message.h"
#include "rules.h"

namespace onus::bench::cspm {

// The account every generated resource belongs to (the generator's ARNs use
// it too).
inline constexpr absl::string_view kAccountId = "123456789012";
inline constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

// Serialization with sorted map entries.
std::string SerializeDeterministic(const google::protobuf::Message& m);

// The result of generating and encoding N resources.
struct EncodedWorkload {
  std::string snapshot;  // a binary onus.v1.Snapshot
  int64_t resources = 0;
  int64_t payload_bytes = 0;  // sum of the Any payload sizes
  FailCounts reference{};     // hand-written checks over the same resources
};

// Generates genInventory(n, seed) resource by resource (generation order, not
// grouped) into a Snapshot; the reference counts come from the same objects.
EncodedWorkload EncodeSnapshot(int64_t n, uint32_t seed = 42);

// Same resources as a StreamItem stream (header, resources, one
// account_complete) written to `path`, holding one resource at a time.
absl::StatusOr<EncodedWorkload> WriteStreamFile(int64_t n,
                                                const std::string& path,
                                                uint32_t seed = 42);

// Group of a resource from its Any type_url; error for anything else.
absl::StatusOr<Group> GroupFromTypeUrl(absl::string_view type_url);

}  // namespace onus::bench::cspm

#endif  // ONUS_BENCHMARKS_CSPM_SNAPSHOT_CODEC_H_
