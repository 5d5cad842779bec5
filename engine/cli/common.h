// Pieces shared by the `onus` subcommands.
#ifndef ONUS_ENGINE_CLI_COMMON_H_
#define ONUS_ENGINE_CLI_COMMON_H_

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/inventory.h"
#include "engine/large_alloc.h"
#include "engine/policy_pack.h"
#include "onus/v1/policy.pb.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::cli {

inline constexpr char kVersion[] = "0.1.0";

// Documented exit codes (docs/cli.md).
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;  // or diagnostics for check/test
inline constexpr int kExitUsage = 2;     // usage or input error

// Loads and compiles .onus files/directories; diagnostics go to `err`.
// Errors in any policy make this fail (a pack is all or nothing).
absl::StatusOr<std::unique_ptr<engine::PolicyPack>> LoadPack(
    const std::vector<std::string>& paths, std::ostream& err);

// Exit status of compile, explain or test when LoadPack failed: errors in
// the policies are what these commands report on (kExitFindings, as for
// check); an unreadable path or a damaged bundle is an input error
// (kExitUsage). For eval and diff every LoadPack failure is kExitUsage.
int PackLoadExit(const absl::Status& status);

// An input file of zero bytes is an input error, not an inventory with no
// resources: a collector that failed and wrote nothing must not pass a CI
// gate. (A real empty inventory still has a header: id, time, accounts.)
// Checks regular files by size; LoadInput checks piped input once read.
absl::Status RefuseEmptyInput(const std::string& path);

// A snapshot held in memory as binary bytes plus its zero-copy index.
struct LoadedInput {
  // The serialized snapshot the inventory's views point into (large-block
  // memory: a 1,000,000-resource snapshot is hundreds of MB).
  engine::LargeBuffer bytes;
  std::unique_ptr<engine::Inventory> inventory;
};

// Binary snapshots are scanned as they are; text format, JSON and streams
// are parsed with the schemas, validated and re-encoded once.
absl::StatusOr<LoadedInput> LoadInput(const std::string& path);
absl::StatusOr<LoadedInput> InputFromSnapshot(
    const onus::v1::Snapshot& snapshot);
// Several inputs (files or directories) merged into one snapshot.
// `input_format`: "auto" (snapshots by extension; .json that is not a
// Snapshot and .jsonl/.ndjson are provider JSON, engine/importer.h),
// "snapshot", or a provider ("aws", "gcp", "azure"). Import warnings go to
// `err`. A single binary snapshot keeps the zero-copy path of LoadInput.
absl::StatusOr<LoadedInput> LoadInputs(const std::vector<std::string>& paths,
                                       absl::string_view input_format,
                                       std::ostream& err);

// "info", "low", "medium", "high", "critical".
absl::StatusOr<onus::v1::Severity> ParseSeverity(absl::string_view word);

bool StderrIsTty();
bool StdoutIsTty();

}  // namespace onus::cli

#endif  // ONUS_ENGINE_CLI_COMMON_H_
