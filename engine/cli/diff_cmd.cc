// onus diff OLD NEW [--policies P]...: findings new, resolved and unchanged
// between two snapshots (evaluated with the same pack) or two JSON reports,
// matched by fingerprint. Exit 1 when NEW has findings OLD did not.
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/evaluator.h"
#include "engine/report/writers.h"
#include "google/protobuf/util/json_util.h"

namespace onus::cli {
namespace {

// A JSON file that parses as a Report is used as is; anything else is a
// snapshot to evaluate.
absl::StatusOr<onus::v1::Report> ReportFor(const std::string& path,
                                           const engine::PolicyPack* pack) {
  if (absl::EndsWith(path, ".json")) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    onus::v1::Report r;
    google::protobuf::util::JsonParseOptions opts;
    if (google::protobuf::util::JsonStringToMessage(ss.str(), &r, opts).ok() &&
        (r.findings_size() > 0 || r.has_summary())) {
      return r;
    }
  }
  if (pack == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a JSON report; give --policies to evaluate snapshots"));
  }
  absl::StatusOr<LoadedInput> in = LoadInput(path);
  if (!in.ok()) return in.status();
  engine::EvalOptions opts;
  opts.detail = engine::FindingDetail::kNonPassing;
  opts.engine_version = kVersion;
  return engine::Evaluate(*pack, *in->inventory, opts);
}

bool Open(const onus::v1::Finding& f) {
  return f.outcome() == onus::v1::FAIL || f.outcome() == onus::v1::ERROR;
}

}  // namespace

int RunDiff(const std::vector<std::string>& argv, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<Args> args = ParseArgs(argv, {{"policies", true, true}});
  if (!args.ok() || args->positional.size() != 2) {
    err << "onus diff: "
        << (args.ok() ? "usage: onus diff OLD NEW [--policies P]"
                      : args.status().message())
        << "\n";
    return kExitUsage;
  }
  std::unique_ptr<engine::PolicyPack> pack;
  if (args->Has("policies")) {
    absl::StatusOr<std::unique_ptr<engine::PolicyPack>> p =
        LoadPack(args->GetAll("policies"), err);
    if (!p.ok()) {
      err << "onus diff: " << p.status().message() << "\n";
      return kExitUsage;
    }
    pack = *std::move(p);
  }
  absl::StatusOr<onus::v1::Report> old_r =
      ReportFor(args->positional[0], pack.get());
  absl::StatusOr<onus::v1::Report> new_r =
      ReportFor(args->positional[1], pack.get());
  if (!old_r.ok() || !new_r.ok()) {
    err << "onus diff: "
        << (!old_r.ok() ? old_r.status() : new_r.status()).message() << "\n";
    return kExitUsage;
  }
  std::map<std::string, const onus::v1::Finding*> before, after;
  for (const auto& f : old_r->findings()) {
    if (Open(f)) before[f.fingerprint()] = &f;
  }
  for (const auto& f : new_r->findings()) {
    if (Open(f)) after[f.fingerprint()] = &f;
  }
  int added = 0, resolved = 0, unchanged = 0;
  auto line = [&](const char* tag, const onus::v1::Finding& f) {
    out << absl::StrFormat("%-9s %-8s %-40s %s\n", tag,
                           engine::report::SeverityName(f.severity()),
                           f.policy_id(), f.resource_id());
  };
  for (const auto& [fp, f] : after) {
    if (!before.count(fp)) {
      line("new", *f);
      ++added;
    }
  }
  for (const auto& [fp, f] : before) {
    if (!after.count(fp)) {
      line("resolved", *f);
      ++resolved;
    } else {
      ++unchanged;
    }
  }
  out << absl::StrFormat("%d new, %d resolved, %d unchanged\n", added, resolved,
                         unchanged);
  return added > 0 ? kExitFindings : kExitClean;
}

}  // namespace onus::cli
