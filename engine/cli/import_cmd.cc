// onus import --output SNAPSHOT [--provider aws|gcp|azure|auto]
//             [--account ID] [--region R] [--id ID] PATH...
//
// Provider JSON (AWS CLI responses, GCP Cloud Asset Inventory exports,
// Azure Resource Graph rows; engine/importer.h) -> one validated snapshot,
// written in the format its extension names (engine/snapshot_io.h).
#include "absl/strings/str_cat.h"
#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/importer.h"
#include "engine/snapshot_io.h"

namespace onus::cli {

int RunImport(const std::vector<std::string>& argv, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<Args> args = ParseArgs(argv, {{"provider", true},
                                               {"account", true},
                                               {"region", true},
                                               {"id", true},
                                               {"output", true}});
  if (!args.ok()) {
    err << "onus import: " << args.status().message() << "\n";
    return kExitUsage;
  }
  if (args->positional.empty() || !args->Has("output")) {
    err << "onus import: usage: onus import --output SNAPSHOT "
           "[--provider aws|gcp|azure|auto] [--account ID] [--region R] "
           "PATH...\n";
    return kExitUsage;
  }
  absl::StatusOr<engine::ImportProvider> provider =
      engine::ParseImportProvider(args->Get("provider", "auto"));
  if (!provider.ok()) {
    err << "onus import: --provider: " << provider.status().message() << "\n";
    return kExitUsage;
  }
  engine::ImportOptions opts;
  opts.provider = *provider;
  opts.account = args->Get("account");
  opts.region = args->Get("region");
  opts.snapshot_id = args->Get("id");

  engine::Importer importer(opts);
  for (const std::string& path : args->positional) {
    absl::Status st = importer.AddPath(path);
    if (!st.ok()) {
      err << "onus import: " << st.message() << "\n";
      return kExitUsage;
    }
  }
  absl::StatusOr<onus::v1::Snapshot> snap = importer.Finish();
  for (const std::string& w : importer.warnings()) {
    err << "onus import: warning: " << w << "\n";
  }
  if (!snap.ok()) {
    err << "onus import: " << snap.status().message() << "\n";
    return kExitUsage;
  }
  absl::Status valid = engine::ValidateSnapshot(*snap);
  if (!valid.ok()) {
    err << "onus import: " << valid.message() << "\n";
    return kExitUsage;
  }
  std::string output = args->Get("output");
  absl::Status saved = engine::SaveSnapshot(*snap, output);
  if (!saved.ok()) {
    err << "onus import: " << saved.message() << "\n";
    return kExitUsage;
  }
  int typed = 0;
  for (const onus::v1::Resource& r : snap->resources()) {
    if (r.has_typed()) ++typed;
  }
  out << "imported " << snap->resources_size() << " resources (" << typed
      << " typed, " << snap->resources_size() - typed << " schemaless) in "
      << snap->accounts_size() << " account(s) -> " << output << "\n";
  return kExitClean;
}

}  // namespace onus::cli
