// The evaluator: a compiled policy pack over an inventory -> a report.
//
//   lang::DiagnosticList diags;
//   auto pack = PolicyPack::Load({"policies/"}, {}, diags);
//   auto inv = Inventory::FromSnapshotBytes(bytes);
//   EvalOptions opts;
//   opts.threads = 4;
//   absl::StatusOr<onus::v1::Report> report = Evaluate(**pack, *inv, opts);
//
// Every (policy, resource) pair of a matching type ends as exactly one of
// PASS, FAIL, ERROR, NOT_APPLICABLE or WAIVED:
//   - `when` false -> NOT_APPLICABLE; `when` or `require` an error (missing
//     data, type error, budget exhausted) or not a bool -> ERROR with the
//     reason; `require` true -> PASS; false -> FAIL, or WAIVED when an
//     unexpired waiver covers it (an expired one is reported as such and the
//     finding stays FAIL). Waivers never hide an ERROR.
// Account-level policies (resource type *.Account, *.Project,
// *.Subscription) run once per account: on the account's resource of that
// type, or on an empty one synthesised from the snapshot's account list, and
// `resources(T)` / `lookup(T, id)` see that account's resources.
//
// Findings come out in a deterministic order whatever the thread count:
// snapshot order of resources, then pack order of policies; synthesised
// account resources last.
#ifndef ONUS_ENGINE_EVALUATOR_H_
#define ONUS_ENGINE_EVALUATOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/inventory.h"
#include "engine/policy_pack.h"
#include "engine/waivers.h"
#include "onus/v1/report.pb.h"

namespace onus::engine {

enum class FindingDetail {
  kAll,         // every pair, PASS and NOT_APPLICABLE included
  kNonPassing,  // FAIL, ERROR, WAIVED as findings; the rest only counted
  kCountsOnly,  // no findings, only the summary (benchmarks)
};

// Which policies a report describes, in Report.policies (metadata) and
// RunSummary.by_policy (counts).
enum class PolicyListing {
  kAll,        // every policy of the pack, in pack order
  kEvaluated,  // those evaluated on at least one resource (any outcome)
  kNone,       // none (callers that already hold the pack's metadata)
};

struct EvalOptions {
  int threads = 1;
  FindingDetail detail = FindingDetail::kAll;
  // A one-resource call against a large pack would otherwise carry every
  // policy's metadata (tens of KB) to report a handful of findings; the
  // service defaults to kEvaluated (docs/api.md).
  PolicyListing report_policies = PolicyListing::kAll;
  PolicyListing summary_by_policy = PolicyListing::kAll;
  // Per (policy, resource) pair.
  int64_t instruction_budget = 1'000'000;
  int64_t iteration_budget = 1'000'000;
  absl::Time deadline = absl::InfiniteFuture();
  const std::atomic<bool>* cancelled = nullptr;
  const Waivers* waivers = nullptr;
  // Clock for waiver expiry; the snapshot's time is `now` in policies.
  absl::Time wall_now = absl::Now();
  // Evidence on FAIL (probes); on by default, off for raw speed.
  bool evidence = true;
  // Resources done so far (for progress lines); may be null.
  std::atomic<uint64_t>* progress = nullptr;
  std::string engine_version;
};

absl::StatusOr<onus::v1::Report> Evaluate(const PolicyPack& pack,
                                          const Inventory& inventory,
                                          const EvalOptions& options);

// Inventory::FromSnapshotBytes and Evaluate in one, with the same report
// and the same errors, but with nothing serial beyond finding where the
// resources start: each worker parses the envelopes of a chunk of
// resources and evaluates them while their bytes are in cache (a join
// first has the rest of the snapshot parsed). The fastest way from bytes
// to a report on several threads. When `inventory` is not null it receives
// the scanned inventory (views into `snapshot_bytes`, which must outlive
// it).
absl::StatusOr<onus::v1::Report> EvaluateSnapshot(
    const PolicyPack& pack, absl::string_view snapshot_bytes,
    const EvalOptions& options, Inventory* inventory = nullptr);

// True when a policy of the pack calls resources(T) or lookup(T, id).
bool PackUsesJoins(const PolicyPack& pack);

// Stable fingerprint of a finding: 16 hex digits of FNV-1a 64 over
// "<policy id>\0<resource id>". Stable across runs, versions and machines,
// so `onus diff` and SARIF consumers can match findings.
// Whether a policy with `evaluated` (policy, resource) pairs is listed.
inline bool Lists(PolicyListing listing, uint64_t evaluated) {
  return listing == PolicyListing::kAll ||
         (listing == PolicyListing::kEvaluated && evaluated > 0);
}

std::string Fingerprint(absl::string_view policy_id,
                        absl::string_view resource_id);

// Decodes Resource.tags map entries (engine/inventory.h) into pairs.
std::vector<std::pair<absl::string_view, absl::string_view>> DecodeTags(
    const ResourceView& r);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_EVALUATOR_H_
