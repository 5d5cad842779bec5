// `onus`: a temporary command-line entry point so `make demo` has something
// to run until the evaluator lands. It loads and validates an inventory
// snapshot and prints what is in it.
//
//   onus version
//   onus eval --input FILE [--format auto|binary|text|json|stream]
//
// Exit codes: 0 ok, 2 usage or input error (the message says which).
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/snapshot_io.h"
#include "google/protobuf/descriptor.h"
#include "onus/v1/snapshot.pb.h"

namespace {

constexpr char kVersion[] = "0.1.0-dev";
constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

constexpr char kUsage[] =
    "usage:\n"
    "  onus version\n"
    "  onus eval --input FILE [--format auto|binary|text|json|stream]\n"
    "\n"
    "eval loads an inventory snapshot (onus.v1.Snapshot as binary, text\n"
    "format or JSON, or a StreamItem stream), validates it and prints a\n"
    "summary: resources per provider, per account and per type.\n";

int Usage(absl::string_view error) {
  if (!error.empty()) {
    std::fprintf(stderr, "onus: %.*s\n\n", static_cast<int>(error.size()),
                 error.data());
  }
  std::fputs(kUsage, error.empty() ? stdout : stderr);
  return error.empty() ? kExitOk : kExitUsage;
}

bool ParseFormat(absl::string_view s, onus::engine::SnapshotFormat* f) {
  using onus::engine::SnapshotFormat;
  for (SnapshotFormat c :
       {SnapshotFormat::kAuto, SnapshotFormat::kBinary, SnapshotFormat::kText,
        SnapshotFormat::kJson, SnapshotFormat::kStream}) {
    if (s == onus::engine::SnapshotFormatName(c)) {
      *f = c;
      return true;
    }
  }
  return false;
}

const char* ProviderName(onus::v1::Provider p) {
  switch (p) {
    case onus::v1::AWS:
      return "aws";
    case onus::v1::GCP:
      return "gcp";
    case onus::v1::AZURE:
      return "azure";
    case onus::v1::OTHER:
      return "other";
    default:
      return "unspecified";
  }
}

void PrintSummary(const onus::v1::Snapshot& s) {
  std::printf("snapshot   %s\n", s.id().c_str());
  if (s.has_collected_at()) {
    absl::Time t = absl::FromUnixSeconds(s.collected_at().seconds()) +
                   absl::Nanoseconds(s.collected_at().nanos());
    std::printf(
        "collected  %s\n",
        absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone()).c_str());
  }
  if (s.has_source()) {
    std::printf("source     %s %s\n", s.source().name().c_str(),
                s.source().version().c_str());
  }
  std::printf("resources  %d in %d accounts\n\n", s.resources_size(),
              s.accounts_size());

  std::map<std::string, int> per_provider;
  std::map<std::pair<std::string, std::string>, int> per_account;
  std::map<std::string, std::map<std::string, int>> per_type;  // type->prov
  for (const auto& r : s.resources()) {
    ++per_provider[ProviderName(r.provider())];
    ++per_account[{ProviderName(r.provider()), r.account()}];
    ++per_type[r.type()][ProviderName(r.provider())];
  }

  std::printf("%-12s %9s\n", "PROVIDER", "RESOURCES");
  for (const auto& [p, n] : per_provider)
    std::printf("%-12s %9d\n", p.c_str(), n);

  std::printf("\n%-8s %-38s %-20s %9s\n", "PROVIDER", "ACCOUNT", "NAME",
              "RESOURCES");
  for (const auto& a : s.accounts()) {
    auto it = per_account.find({ProviderName(a.provider()), a.id()});
    int n = it == per_account.end() ? 0 : it->second;
    std::printf("%-8s %-38s %-20s %9d\n", ProviderName(a.provider()),
                a.id().c_str(), a.name().c_str(), n);
  }

  std::printf("\n%-46s %9s\n", "TYPE", "RESOURCES");
  for (const auto& [type, provs] : per_type) {
    int n = 0;
    for (const auto& [p, c] : provs) n += c;
    std::printf("%-46s %9d\n", type.c_str(), n);
  }
}

int Eval(const std::vector<absl::string_view>& args) {
  std::string input;
  onus::engine::SnapshotFormat format = onus::engine::SnapshotFormat::kAuto;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view a = args[i];
    absl::string_view value;
    absl::string_view flag = a;
    size_t eq = a.find('=');
    bool inline_value = eq != absl::string_view::npos;
    if (inline_value) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (flag != "--input" && flag != "--format") {
      return Usage(absl::StrFormat("eval: unknown argument '%s'", a));
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        return Usage(absl::StrFormat("eval: %s needs a value", flag));
      }
      value = args[++i];
    }
    if (flag == "--input") {
      input = std::string(value);
    } else if (!ParseFormat(value, &format)) {
      return Usage(absl::StrFormat("eval: unknown --format '%s'", value));
    }
  }
  if (input.empty()) return Usage("eval: --input FILE is required");

  auto snapshot = onus::engine::LoadSnapshot(input, format);
  if (!snapshot.ok()) {
    std::fprintf(stderr, "onus: %s\n",
                 std::string(snapshot.status().message()).c_str());
    return kExitUsage;
  }
  absl::Status valid = onus::engine::ValidateSnapshot(*snapshot);
  if (!valid.ok()) {
    std::fprintf(stderr, "onus: %s: invalid snapshot:\n%s\n", input.c_str(),
                 std::string(valid.message()).c_str());
    return kExitUsage;
  }
  PrintSummary(*snapshot);
  std::printf(
      "\npolicy evaluation: not available in this build (inventory summary "
      "only)\n");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<absl::string_view> args(argv + 1, argv + argc);
  if (args.empty()) return Usage("missing command");
  absl::string_view cmd = args[0];
  std::vector<absl::string_view> rest(args.begin() + 1, args.end());
  if (cmd == "help" || cmd == "--help" || cmd == "-h") return Usage("");
  if (cmd == "version" || cmd == "--version") {
    if (!rest.empty()) return Usage("version takes no arguments");
    std::printf(
        "onus %s (protobuf %s)\n", kVersion,
        google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION)
            .c_str());
    return kExitOk;
  }
  if (cmd == "eval") return Eval(rest);
  return Usage(absl::StrFormat("unknown command '%s'", cmd));
}
