#include "engine/cli/common.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/snapshot_io.h"

namespace onus::cli {

absl::StatusOr<std::unique_ptr<engine::PolicyPack>> LoadPack(
    const std::vector<std::string>& paths, std::ostream& err) {
  lang::DiagnosticList diags;
  absl::StatusOr<std::unique_ptr<engine::PolicyPack>> pack =
      engine::PolicyPack::Load(paths, lang::FrontendOptions(), diags);
  if (!diags.empty()) err << diags.Render();
  if (!pack.ok()) return pack.status();
  if (diags.has_errors()) {
    return absl::InvalidArgumentError(
        absl::StrCat(diags.error_count(), " error(s) in the policies"));
  }
  return pack;
}

absl::StatusOr<LoadedInput> InputFromSnapshot(
    const onus::v1::Snapshot& snapshot) {
  LoadedInput in;
  in.bytes = snapshot.SerializeAsString();
  absl::StatusOr<engine::Inventory> inv =
      engine::Inventory::FromSnapshotBytes(in.bytes);
  if (!inv.ok()) return inv.status();
  in.inventory = std::make_unique<engine::Inventory>(*std::move(inv));
  return in;
}

absl::StatusOr<LoadedInput> LoadInput(const std::string& path) {
  engine::SnapshotFormat format = engine::FormatFromExtension(path);
  if (format == engine::SnapshotFormat::kBinary) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
    std::stringstream ss;
    ss << f.rdbuf();
    LoadedInput in;
    in.bytes = ss.str();
    absl::StatusOr<engine::Inventory> inv =
        engine::Inventory::FromSnapshotBytes(in.bytes);
    if (!inv.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", inv.status().message()));
    }
    in.inventory = std::make_unique<engine::Inventory>(*std::move(inv));
    return in;
  }
  absl::StatusOr<onus::v1::Snapshot> snapshot = engine::LoadSnapshot(path);
  if (!snapshot.ok()) return snapshot.status();
  absl::Status valid = engine::ValidateSnapshot(*snapshot);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", valid.message()));
  }
  return InputFromSnapshot(*snapshot);
}

absl::StatusOr<onus::v1::Severity> ParseSeverity(absl::string_view word) {
  onus::v1::Severity s;
  std::string upper = absl::AsciiStrToUpper(word);
  if (upper != "SEVERITY_UNSPECIFIED" && onus::v1::Severity_Parse(upper, &s)) {
    return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown severity `", word,
                   "`: use info, low, medium, high or critical"));
}

bool StderrIsTty() { return isatty(STDERR_FILENO) != 0; }
bool StdoutIsTty() { return isatty(STDOUT_FILENO) != 0; }

}  // namespace onus::cli
