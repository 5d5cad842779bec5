#include "engine_adapter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/evaluator.h"
#include "engine/inventory.h"
#include "engine/inventory_scan.h"
#include "engine/policy_pack.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "lang/diagnostics.h"
#include "lang/frontend.h"
#include "lang/status_macros.h"

namespace onus::bench::cspm {
namespace {

constexpr absl::string_view kPackage = "cspm";
// Resources per evaluation batch of a stream: enough to amortise starting
// the evaluator, small enough that memory stays flat (~2 MB of items).
constexpr size_t kStreamBatch = 8192;

absl::string_view Domain(Group g) {
  switch (g) {
    case Group::kS3Buckets:
      return "data_protection";
    case Group::kSecurityGroups:
      return "network";
    case Group::kIamUsers:
      return "identity";
  }
  return "";
}

// The rules as one .onus file: one policy per rule over its group's message
// type, bound to `r` as the CEL text expects.
std::string PolicySource(const Rules& rules) {
  std::string src = absl::StrCat("package ", kPackage, ";\n");
  for (const Rule& r : rules) {
    absl::StrAppend(&src, "\npolicy ", r.id, " {\n", "  title    = \"CSPM ",
                    r.id, "\"\n", "  severity = high\n",
                    "  owner    = customer\n", "  service  = [iaas]\n",
                    "  domain   = ", Domain(r.group), "\n",
                    "  resource = ", GroupMessageName(r.group), " as r\n",
                    "  require  = ", r.cel, "\n}\n");
  }
  return src;
}

class OnusSession : public EngineSession {
 public:
  OnusSession(std::unique_ptr<engine::PolicyPack> pack, const Rules& rules)
      : pack_(std::move(pack)), rules_(rules) {}

  absl::StatusOr<FailCounts> Run(const std::string& snapshot_bytes,
                                 int threads) override {
    // Scan and evaluation in one parallel pass (engine::EvaluateSnapshot):
    // the same result as FromSnapshotBytes + Evaluate, without the scan as
    // a serial phase.
    ONUS_ASSIGN_OR_RETURN(
        onus::v1::Report report,
        engine::EvaluateSnapshot(*pack_, snapshot_bytes, Options(threads)));
    FailCounts counts{};
    ONUS_RETURN_IF_ERROR(AddFailCounts(report, &counts));
    return counts;
  }

  absl::Status ScanOnly(const std::string& snapshot_bytes) override {
    return engine::Inventory::FromSnapshotBytes(snapshot_bytes).status();
  }

  absl::Status SerialPartOnly(const std::string& snapshot_bytes) override {
    return engine::InventoryScan::Frame(snapshot_bytes).status();
  }

  absl::StatusOr<FailCounts> RunStream(const std::string& path,
                                       int threads) override;

 private:
  static engine::EvalOptions Options(int threads) {
    engine::EvalOptions opts;
    opts.threads = threads;
    opts.detail = engine::FindingDetail::kCountsOnly;
    opts.evidence = false;
    return opts;
  }

  // Evaluates `inv` counting only, and adds each rule's FAILs to `counts`.
  absl::Status Evaluate(const engine::Inventory& inv, int threads,
                        FailCounts* counts) const {
    ONUS_ASSIGN_OR_RETURN(onus::v1::Report report,
                          engine::Evaluate(*pack_, inv, Options(threads)));
    return AddFailCounts(report, counts);
  }

  // An ERROR outcome is an error here: a benchmark must not count it as a
  // pass (or a fail) silently.
  absl::Status AddFailCounts(const onus::v1::Report& report,
                             FailCounts* counts) const {
    for (const onus::v1::PolicyCounts& pc : report.summary().by_policy()) {
      absl::string_view id = pc.policy_id();
      if (!absl::ConsumePrefix(&id, kPackage) ||
          !absl::ConsumePrefix(&id, ".")) {
        return absl::InternalError(
            absl::StrCat("engine reported unknown policy ", pc.policy_id()));
      }
      int index = -1;
      for (size_t i = 0; i < rules_.size(); ++i) {
        if (rules_[i].id == id) index = static_cast<int>(i);
      }
      if (index < 0 || index >= kNumRules) {
        return absl::InternalError(
            absl::StrCat("engine reported unknown policy ", pc.policy_id()));
      }
      if (pc.counts().error() > 0) {
        return absl::InternalError(absl::StrCat("rule ", id, ": ",
                                                pc.counts().error(),
                                                " evaluations ended in ERROR"));
      }
      (*counts)[index] += static_cast<int64_t>(pc.counts().fail());
    }
    return absl::OkStatus();
  }

  std::unique_ptr<engine::PolicyPack> pack_;
  Rules rules_;
};

// Reads the length-delimited StreamItem file in batches: the raw items of a
// batch are kept (the inventory holds views into them), evaluated, dropped.
absl::StatusOr<FailCounts> OnusSession::RunStream(const std::string& path,
                                                  int threads) {
  using ::google::protobuf::io::CodedInputStream;
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  google::protobuf::io::FileInputStream file(fd);
  file.SetCloseOnDelete(true);
  FailCounts counts{};
  std::vector<std::string> items;
  items.reserve(kStreamBatch);
  uint64_t index = 0;
  bool eof = false;
  while (!eof) {
    items.clear();
    engine::Inventory inv;
    while (items.size() < kStreamBatch) {
      // A CodedInputStream per item keeps its 2 GB byte limit per item.
      CodedInputStream in(&file);
      uint32_t len;
      if (!in.ReadVarint32(&len)) {
        if (in.CurrentPosition() != 0) {
          return absl::DataLossError(
              absl::StrCat(path, ": item ", index, " has a cut length prefix"));
        }
        eof = true;  // clean end: no byte of a next item was read
        break;
      }
      std::string item;
      if (!in.ReadString(&item, static_cast<int>(len))) {
        return absl::DataLossError(
            absl::StrCat(path, ": item ", index, " is truncated"));
      }
      ++index;
      // StreamItem: 1 header, 2 resource, 3 account_complete.
      CodedInputStream parse(reinterpret_cast<const uint8_t*>(item.data()),
                             static_cast<int>(item.size()));
      const uint32_t tag = parse.ReadTag();
      if (tag != ((2u << 3) | 2u)) continue;  // not a resource
      uint32_t rlen;
      if (!parse.ReadVarint32(&rlen) ||
          parse.CurrentPosition() + static_cast<int64_t>(rlen) >
              static_cast<int64_t>(item.size())) {
        return absl::DataLossError(
            absl::StrCat(path, ": item ", index - 1, " is malformed"));
      }
      const int at = parse.CurrentPosition();
      items.push_back(std::move(item));
      absl::StatusOr<engine::ResourceView> view = engine::ParseResourceView(
          absl::string_view(items.back()).substr(at, rlen));
      if (!view.ok()) {
        return absl::DataLossError(absl::StrCat(path, ": item ", index - 1,
                                                ": ", view.status().message()));
      }
      inv.Add(*std::move(view));
    }
    if (!inv.resources().empty()) {
      ONUS_RETURN_IF_ERROR(Evaluate(inv, threads, &counts));
    }
  }
  return counts;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EngineSession>> EngineCompile(
    const Rules& rules) {
  lang::DiagnosticList diags;
  absl::StatusOr<lang::PolicySet> set = lang::LoadPolicySources(
      {{"cspm_rules.onus", PolicySource(rules)}}, {}, diags);
  if (!set.ok()) return set.status();
  ONUS_ASSIGN_OR_RETURN(std::unique_ptr<engine::PolicyPack> pack,
                        engine::PolicyPack::Compile(*std::move(set), diags));
  if (diags.has_errors()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the CSPM rules do not compile:\n", diags.Render()));
  }
  if (pack->policies().size() != rules.size()) {
    return absl::InternalError(
        absl::StrCat("compiled ", pack->policies().size(), " policies from ",
                     rules.size(), " rules"));
  }
  return std::unique_ptr<EngineSession>(
      new OnusSession(std::move(pack), rules));
}

absl::StatusOr<FailCounts> EngineRun(const std::string& snapshot_bytes,
                                     const Rules& rules, int threads) {
  ONUS_ASSIGN_OR_RETURN(std::unique_ptr<EngineSession> session,
                        EngineCompile(rules));
  return session->Run(snapshot_bytes, threads);
}

}  // namespace onus::bench::cspm
