// Importing inventory in the providers' own JSON shapes into a Snapshot.
//
// Accepted documents (docs/schemas.md, "Importing provider JSON"):
//   - AWS CLI `--output json` responses: an object whose keys name the lists
//     (`{"SecurityGroups": [...]}`, `{"Reservations": [{"Instances": [...]}]}`,
//     ...), or a single described object (`{"KeyMetadata": {...}}`,
//     `{"Role": {...}}`), or sts get-caller-identity (`{"Account": ...}`).
//   - GCP Cloud Asset Inventory exports: newline-delimited JSON, one asset per
//     line (or a JSON array of assets).
//   - Azure Resource Graph rows: a JSON array, `{"data": [...]}` as
//     `az graph query` prints it, or an ARM list `{"value": [...]}`.
// Each element of a known type parses with protobuf's JSON parser (unknown
// keys ignored) into its schema under proto/onus/; unknown types become a
// schemaless Struct payload whose type is the provider's own type name, and
// a warning counts them. Elements with the same resource id are merged key
// by key (later files win), which is how separate API calls describing one
// resource are combined.
#ifndef ONUS_ENGINE_IMPORTER_H_
#define ONUS_ENGINE_IMPORTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine {

enum class ImportProvider { kAuto, kAws, kGcp, kAzure };

// "auto", "aws", "gcp", "azure".
absl::StatusOr<ImportProvider> ParseImportProvider(absl::string_view word);

struct ImportOptions {
  // kAuto sniffs each document's shape.
  ImportProvider provider = ImportProvider::kAuto;
  // Account for resources whose JSON does not name one (AWS list-buckets,
  // describe-volumes). Without it the only account the import saw is used
  // (e.g. from an sts get-caller-identity file); none or several is an
  // error naming the resource.
  std::string account;
  // Region for AWS resources whose JSON does not say (no ARN, no zone).
  std::string region;
  // Snapshot.id; empty: "import".
  std::string snapshot_id;
  // Snapshot.collected_at (policies see it as `now`); InfiniteFuture: the
  // time of the import.
  absl::Time collected_at = absl::InfiniteFuture();
};

// Accumulates documents, then builds one Snapshot.
class Importer {
 public:
  explicit Importer(ImportOptions options);
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  // One document; `name` (a file name) prefixes errors and warnings.
  absl::Status AddDocument(absl::string_view name, absl::string_view contents);
  // A file, or every *.json / *.jsonl / *.ndjson file under a directory
  // (sorted by path, so results do not depend on the file system).
  absl::Status AddPath(absl::string_view path);

  // Resolves accounts, converts every element into its typed payload and
  // returns the snapshot (resources in first-seen order). Call once.
  absl::StatusOr<onus::v1::Snapshot> Finish();

  // Human-readable notes: unknown types (with counts), ignored keys,
  // merged duplicates. Complete after Finish().
  const std::vector<std::string>& warnings() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Convenience: one document.
absl::StatusOr<onus::v1::Snapshot> ImportProviderJson(
    absl::string_view name, absl::string_view contents,
    const ImportOptions& options, std::vector<std::string>* warnings = nullptr);

// Convenience: files and directories.
absl::StatusOr<onus::v1::Snapshot> ImportProviderPaths(
    const std::vector<std::string>& paths, const ImportOptions& options,
    std::vector<std::string>* warnings = nullptr);

// True when `contents` (of a .json/.jsonl/.ndjson file) is not an
// onus.v1.Snapshot in JSON: a list, newline-delimited objects, or an object
// that does not parse strictly as a Snapshot (provider documents fail at
// their first key, so this is cheap for them).
bool LooksLikeProviderJson(absl::string_view contents);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_IMPORTER_H_
