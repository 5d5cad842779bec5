#include "engine/cli/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/importer.h"
#include "engine/snapshot_io.h"

namespace onus::cli {

// Marks LoadPack's status when the policies have diagnostics errors (as
// opposed to a path or bundle that could not be read).
constexpr absl::string_view kPolicyErrorsPayload = "onus.dev/policy-errors";

absl::StatusOr<std::unique_ptr<engine::PolicyPack>> LoadPack(
    const std::vector<std::string>& paths, std::ostream& err) {
  // A compiled bundle (`onus compile`) loads without parsing sources; it
  // is the whole pack, so it cannot be mixed with other paths.
  for (const std::string& p : paths) {
    if (!absl::EndsWith(p, engine::kBundleExtension)) continue;
    if (paths.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          p, ": a compiled bundle cannot be combined with other policy paths"));
    }
    return engine::LoadBundleFile(p);
  }
  lang::DiagnosticList diags;
  absl::StatusOr<std::unique_ptr<engine::PolicyPack>> pack =
      engine::PolicyPack::Load(paths, lang::FrontendOptions(), diags);
  if (!diags.empty()) err << diags.Render();
  if (!pack.ok()) return pack.status();
  if (diags.has_errors()) {
    absl::Status s = absl::InvalidArgumentError(
        absl::StrCat(diags.error_count(), " error(s) in the policies"));
    s.SetPayload(kPolicyErrorsPayload, absl::Cord());
    return s;
  }
  return pack;
}

int PackLoadExit(const absl::Status& status) {
  return status.GetPayload(kPolicyErrorsPayload).has_value() ? kExitFindings
                                                             : kExitUsage;
}

namespace {

// The whole file in one buffer of its size, read with read(2): a stream
// copy would grow a string by doubling (and fault in every page twice).
absl::StatusOr<engine::LargeBuffer> ReadWholeFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  // read(2) of up to `room` bytes, retried when interrupted; -1 on error.
  auto read_some = [fd](char* to, size_t room) {
    ssize_t n;
    do {
      n = read(fd, to, room);
    } while (n < 0 && errno == EINTR);
    return n;
  };
  engine::LargeBuffer buf;
  ssize_t n = 0;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    buf = engine::LargeBuffer(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < buf.size() &&
           (n = read_some(buf.data() + got, buf.size() - got)) > 0) {
      got += static_cast<size_t>(n);
    }
    buf.Shrink(got);  // the file may have shrunk meanwhile
  } else {
    // A pipe or /dev/stdin has no size: read it in pieces, then copy once.
    std::string piped;
    char chunk[1 << 16];
    while ((n = read_some(chunk, sizeof(chunk))) > 0) {
      piped.append(chunk, static_cast<size_t>(n));
    }
    buf = engine::LargeBuffer(piped.size());
    std::memcpy(buf.data(), piped.data(), piped.size());
  }
  const int error = errno;
  close(fd);
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read: ", std::strerror(error)));
  }
  return buf;
}

absl::Status EmptyInputError(const std::string& path) {
  return absl::InvalidArgumentError(
      absl::StrCat(path,
                   ": the input is empty (0 bytes); a snapshot with no "
                   "resources still has a header"));
}

}  // namespace

absl::Status RefuseEmptyInput(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
    return EmptyInputError(path);
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadedInput> InputFromSnapshot(
    const onus::v1::Snapshot& snapshot) {
  LoadedInput in;
  in.bytes = engine::LargeBuffer(snapshot.ByteSizeLong());
  if (!snapshot.SerializeToArray(in.bytes.data(),
                                 static_cast<int>(in.bytes.size()))) {
    return absl::InvalidArgumentError(
        "the snapshot cannot be serialized (over 2 GB?)");
  }
  absl::StatusOr<engine::Inventory> inv =
      engine::Inventory::FromSnapshotBytes(in.bytes.view());
  if (!inv.ok()) return inv.status();
  in.inventory = std::make_unique<engine::Inventory>(*std::move(inv));
  return in;
}

namespace {

// Input errors name the input they come from.
absl::StatusOr<LoadedInput> NameInput(const std::string& name,
                                      absl::StatusOr<LoadedInput> in) {
  if (in.ok()) return in;
  return absl::Status(in.status().code(),
                      absl::StrCat(name, ": ", in.status().message()));
}

}  // namespace

absl::StatusOr<LoadedInput> LoadInput(const std::string& path) {
  engine::SnapshotFormat format = engine::FormatFromExtension(path);
  if (format == engine::SnapshotFormat::kBinary) {
    LoadedInput in;
    absl::StatusOr<engine::LargeBuffer> bytes = ReadWholeFile(path);
    if (!bytes.ok()) return bytes.status();
    if (bytes->size() == 0) return EmptyInputError(path);  // also pipes
    in.bytes = *std::move(bytes);
    absl::StatusOr<engine::Inventory> inv =
        engine::Inventory::FromSnapshotBytes(in.bytes.view());
    if (!inv.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", inv.status().message()));
    }
    in.inventory = std::make_unique<engine::Inventory>(*std::move(inv));
    return in;
  }
  if (absl::Status st = RefuseEmptyInput(path); !st.ok()) return st;
  absl::StatusOr<onus::v1::Snapshot> snapshot = engine::LoadSnapshot(path);
  if (!snapshot.ok()) return snapshot.status();
  absl::Status valid = engine::ValidateSnapshot(*snapshot);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", valid.message()));
  }
  return NameInput(path, InputFromSnapshot(*snapshot));
}

namespace {

// Appends `from` to `into`; accounts listed in both are kept once.
void MergeSnapshot(onus::v1::Snapshot from, onus::v1::Snapshot& into) {
  if (into.id().empty()) into.set_id(from.id());
  if (!into.has_collected_at())
    *into.mutable_collected_at() = from.collected_at();
  if (!into.has_source()) *into.mutable_source() = from.source();
  for (onus::v1::Account& a : *from.mutable_accounts()) {
    bool seen =
        std::any_of(into.accounts().begin(), into.accounts().end(),
                    [&](const onus::v1::Account& b) {
                      return b.provider() == a.provider() && b.id() == a.id();
                    });
    if (!seen) *into.add_accounts() = std::move(a);
  }
  for (onus::v1::Resource& r : *from.mutable_resources()) {
    *into.add_resources() = std::move(r);
  }
}

bool IsSnapshotExtension(const std::string& path) {
  return engine::FormatFromExtension(path) != engine::SnapshotFormat::kAuto &&
         !absl::EndsWith(path, ".json");
}

}  // namespace

absl::StatusOr<LoadedInput> LoadInputs(const std::vector<std::string>& paths,
                                       absl::string_view input_format,
                                       std::ostream& err) {
  bool as_snapshot = input_format == "snapshot";
  engine::ImportOptions iopts;
  if (!as_snapshot) {
    absl::StatusOr<engine::ImportProvider> p =
        engine::ParseImportProvider(input_format);
    if (!p.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--input-format: unknown format `", input_format,
                       "`: use auto, snapshot, aws, gcp or azure"));
    }
    iopts.provider = *p;
  }
  if (paths.size() == 1 && !std::filesystem::is_directory(paths[0]) &&
      (as_snapshot || IsSnapshotExtension(paths[0]))) {
    return LoadInput(paths[0]);
  }

  // Directories expand to their files, sorted.
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
         !ec && it != std::filesystem::recursive_directory_iterator();
         it.increment(ec)) {
      std::string f = it->path().string();
      if (it->is_regular_file(ec) &&
          ((IsSnapshotExtension(f) &&
            iopts.provider == engine::ImportProvider::kAuto) ||
           absl::EndsWith(f, ".json") || absl::EndsWith(f, ".jsonl") ||
           absl::EndsWith(f, ".ndjson"))) {
        found.push_back(f);
      }
    }
    if (ec || found.empty()) {
      return absl::NotFoundError(
          absl::StrCat(p, ": no snapshot or JSON files to read"));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }

  onus::v1::Snapshot merged;
  engine::Importer importer(iopts);
  bool imported = false;
  for (const std::string& f : files) {
    if (absl::Status st = RefuseEmptyInput(f); !st.ok()) return st;
    bool provider =
        !as_snapshot && iopts.provider != engine::ImportProvider::kAuto;
    if (!as_snapshot && !provider && !IsSnapshotExtension(f)) {
      if (absl::EndsWith(f, ".jsonl") || absl::EndsWith(f, ".ndjson")) {
        provider = true;
      } else {
        // .json or no telling extension: JSON that is not a Snapshot is
        // provider JSON; anything else (binary, text format) a snapshot.
        std::ifstream in(f, std::ios::binary);
        if (!in) return absl::NotFoundError(absl::StrCat(f, ": cannot read"));
        std::stringstream ss;
        ss << in.rdbuf();
        std::string contents = ss.str();
        absl::string_view body = absl::StripLeadingAsciiWhitespace(contents);
        bool json = !body.empty() && (body[0] == '{' || body[0] == '[');
        if (json && engine::LooksLikeProviderJson(contents)) {
          absl::Status st = importer.AddDocument(f, contents);
          if (!st.ok()) return st;
          imported = true;
          continue;
        }
        absl::StatusOr<onus::v1::Snapshot> snap =
            engine::ParseSnapshot(contents, engine::SnapshotFormat::kAuto, f);
        if (!snap.ok()) return snap.status();
        MergeSnapshot(*std::move(snap), merged);
        continue;
      }
    }
    if (provider) {
      absl::Status st = importer.AddPath(f);
      if (!st.ok()) return st;
      imported = true;
      continue;
    }
    absl::StatusOr<onus::v1::Snapshot> snap = engine::LoadSnapshot(f);
    if (!snap.ok()) return snap.status();
    MergeSnapshot(*std::move(snap), merged);
  }
  if (imported) {
    absl::StatusOr<onus::v1::Snapshot> snap = importer.Finish();
    for (const std::string& w : importer.warnings()) {
      err << "onus: warning: " << w << "\n";
    }
    if (!snap.ok()) return snap.status();
    MergeSnapshot(*std::move(snap), merged);
  }
  const std::string name = paths.size() == 1 ? paths[0] : "inputs";
  absl::Status valid = engine::ValidateSnapshot(merged);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", valid.message()));
  }
  return NameInput(name, InputFromSnapshot(merged));
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
