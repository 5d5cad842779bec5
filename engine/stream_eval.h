// Streaming evaluation: a policy pack over a length-delimited StreamItem
// stream (proto/onus/v1/snapshot.proto) in memory bounded by a batch, not by
// the inventory.
//
//   std::ifstream in("inventory.stream", std::ios::binary);
//   StreamReader reader(&in);
//   FindingSink sink = [&](const onus::v1::Finding& f) { Print(f); };
//   absl::StatusOr<onus::v1::Report> report =
//       EvaluateStream(pack, reader, options, &sink);
//
// How resources are held:
//   - Packs without joins (no policy calls resources(T) or lookup(T, id)):
//     resources are evaluated in batches of `batch_resources` as they arrive
//     and then dropped. Only resources of account-level types (one per
//     account, e.g. onus.aws.Account) are kept to the end of the stream, so
//     that accounts listed in the header but never sent get their
//     synthesised account resource exactly as Evaluate() does.
//   - Packs with joins: a join may read any resource of the same account,
//     so every resource of an account is kept until its `account_complete`
//     item (or the end of the stream) and the account is then evaluated as
//     one inventory. Memory is bounded by the largest account; a stream
//     without account_complete markers is held whole. lookup(T, id) sees the
//     resources of the current account only (Evaluate() sees the snapshot).
//
// Outcomes and counts are those of Evaluate() on the same data. Findings
// come out in a deterministic order: batch by batch in stream order, then
// (joins) account by account at completion, then the account-level
// resources kept to the end and the synthesised accounts.
#ifndef ONUS_ENGINE_STREAM_EVAL_H_
#define ONUS_ENGINE_STREAM_EVAL_H_

#include <cstddef>
#include <functional>

#include "absl/status/statusor.h"
#include "engine/evaluator.h"
#include "engine/inventory.h"
#include "engine/policy_pack.h"
#include "onus/v1/report.pb.h"

namespace onus::engine {

// Receives each finding as soon as its batch or account is evaluated.
using FindingSink = std::function<void(const onus::v1::Finding&)>;

struct StreamEvalOptions {
  // Resources (and serialized bytes) per batch of a pack without joins.
  size_t batch_resources = 4096;
  size_t batch_bytes = 16 << 20;
};

// Evaluates the whole stream. options.detail selects the findings; with a
// `sink` they go to the sink only (the returned report then carries the
// summary and policies but no findings, so memory stays constant), without
// one they are collected in the report. A malformed or truncated stream
// fails with the reader's error (item number and byte offset); findings
// already passed to the sink stand.
absl::StatusOr<onus::v1::Report> EvaluateStream(
    const PolicyPack& pack, StreamReader& reader, const EvalOptions& options,
    FindingSink* sink, const StreamEvalOptions& stream_options = {});

}  // namespace onus::engine

#endif  // ONUS_ENGINE_STREAM_EVAL_H_
