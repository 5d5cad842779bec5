// Per-resource costs behind the end-to-end baselines (Google Benchmark):
// (a) DynamicMessage parse of one payload, (b) generated-class parse plus the
// hand-written rules, per group, and the zero-copy envelope walk per
// resource. Payloads cycle through 10,000 generated resources so branch
// predictors see the workload's real mix.
//
//   bazel run -c opt //benchmarks/cspm:baselines_benchmark
#include <memory>
#include <vector>

#include "baselines.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "rules.h"
#include "snapshot_codec.h"

namespace onus::bench::cspm {
namespace {

constexpr int kResources = 10000;

const std::string& Snapshot() {
  static const std::string* s =
      new std::string(EncodeSnapshot(kResources).snapshot);
  return *s;
}

// The payloads of one group.
const std::vector<std::string>& GroupPayloads(Group g) {
  static std::vector<std::string>* by_group = [] {
    auto* out = new std::vector<std::string>[kNumGroups];
    auto payloads = ExtractPayloads(Snapshot());
    if (payloads.ok()) {
      for (Payload& p : *payloads) {
        out[static_cast<int>(p.group)].push_back(std::move(p.bytes));
      }
    }
    return out;
  }();
  return by_group[static_cast<int>(g)];
}

Group ArgGroup(const benchmark::State& state) {
  return static_cast<Group>(state.range(0));
}

void BM_DynamicParse(benchmark::State& state) {
  const Group g = ArgGroup(state);
  const std::vector<std::string>& payloads = GroupPayloads(g);
  google::protobuf::DynamicMessageFactory factory;
  const google::protobuf::Descriptor* d =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          std::string(GroupMessageName(g)));
  std::unique_ptr<google::protobuf::Message> msg(
      factory.GetPrototype(d)->New());
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& p = payloads[i++ % payloads.size()];
    bytes += p.size();
    if (!msg->ParseFromString(p)) state.SkipWithError("parse failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel(std::string(GroupName(g)));
}
BENCHMARK(BM_DynamicParse)->DenseRange(0, 2)->ArgName("group");

template <typename M, void (*Check)(const M&, FailCounts*)>
void HandWritten(benchmark::State& state) {
  const Group g = ArgGroup(state);
  const std::vector<std::string>& payloads = GroupPayloads(g);
  M msg;
  FailCounts fails{};
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& p = payloads[i++ % payloads.size()];
    bytes += p.size();
    if (!msg.ParseFromString(p)) state.SkipWithError("parse failed");
    Check(msg, &fails);
  }
  benchmark::DoNotOptimize(fails);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel(std::string(GroupName(g)));
}

void BM_HandWritten(benchmark::State& state) {
  switch (ArgGroup(state)) {
    case Group::kS3Buckets:
      return HandWritten<S3Bucket, CheckS3Bucket>(state);
    case Group::kSecurityGroups:
      return HandWritten<SecurityGroup, CheckSecurityGroup>(state);
    case Group::kIamUsers:
      return HandWritten<IamUser, CheckIamUser>(state);
  }
}
BENCHMARK(BM_HandWritten)->DenseRange(0, 2)->ArgName("group");

// The zero-copy walk over the onus.v1 envelope that (b) does before parsing.
void BM_EnvelopeWalk(benchmark::State& state) {
  const std::string& snap = Snapshot();
  int64_t seen = 0;
  for (auto _ : state) {
    absl::Status s = ForEachPayload(snap, [&](Group, absl::string_view p) {
      seen += static_cast<int64_t>(p.size());
      return absl::OkStatus();
    });
    if (!s.ok()) state.SkipWithError("walk failed");
  }
  benchmark::DoNotOptimize(seen);
  state.SetItemsProcessed(state.iterations() * kResources);  // resources
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(snap.size()));
}
BENCHMARK(BM_EnvelopeWalk);

}  // namespace
}  // namespace onus::bench::cspm
