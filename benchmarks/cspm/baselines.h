// The "no engine" baselines the Onus engine is measured against, each
// starting from the same bytes the engine gets:
//  (a) protobuf's DynamicMessage parse (reflection-driven, every field
//      materialised, no rule evaluated) - the engine must beat it;
//  (b) the 10 rules hand-written in C++ over the generated classes, parse
//      included - the engine should stay within 1.5x of it.
// The *Payloads variants skip the onus.v1 envelope and parse only the
// resource payloads: the per-resource floor quoted in the workload README.
#ifndef ONUS_BENCHMARKS_CSPM_BASELINES_H_
#define ONUS_BENCHMARKS_CSPM_BASELINES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "generator.h"
#include "rules.h"

namespace onus::bench::cspm {

// One resource payload (serialized onus.bench.cspm message) and its group.
struct Payload {
  Group group;
  std::string bytes;
};

// Calls `fn` with the group and payload bytes (a view into `snapshot`) of
// every resource of a binary onus.v1.Snapshot, in order, walking the
// envelope with CodedInputStream instead of materialising it. A resource
// without a typed payload of a workload type is an error naming its index.
absl::Status ForEachPayload(
    absl::string_view snapshot,
    const std::function<absl::Status(Group, absl::string_view)>& fn);

// The payloads of a binary onus.v1.Snapshot, in snapshot order.
absl::StatusOr<std::vector<Payload>> ExtractPayloads(
    const std::string& snapshot);

// (a) Parses the whole snapshot as a DynamicMessage, then every Any payload
// as a DynamicMessage of its type. Returns the number of payloads parsed.
absl::StatusOr<int64_t> DynamicParseSnapshot(const std::string& snapshot);
// (a0) DynamicMessage parse of every payload alone.
absl::StatusOr<int64_t> DynamicParsePayloads(
    const std::vector<Payload>& payloads);

// (b) The envelope walked by ForEachPayload, each payload parsed into its
// generated class, the hand-written rules run: what a careful hand-written
// C++ program does from the same snapshot bytes.
absl::StatusOr<FailCounts> HandWrittenSnapshot(const std::string& snapshot);
// (b1) Same, but the envelope too is parsed with the generated classes
// (Snapshot::ParseFromString on an arena): the straightforward program.
absl::StatusOr<FailCounts> HandWrittenSnapshotFullParse(
    const std::string& snapshot);
// (b0) The same over pre-extracted payloads, split across `threads`.
absl::StatusOr<FailCounts> HandWrittenPayloads(
    const std::vector<Payload>& payloads, int threads);
// (b) over a length-delimited StreamItem file, one item in memory at a time.
absl::StatusOr<FailCounts> HandWrittenStream(const std::string& path);

}  // namespace onus::bench::cspm

#endif  // ONUS_BENCHMARKS_CSPM_BASELINES_H_
