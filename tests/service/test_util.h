// Shared pieces of the evaluation service tests: policy sources, snapshot
// builders and a server started on a free loopback port.
#ifndef ONUS_TESTS_SERVICE_TEST_UTIL_H_
#define ONUS_TESTS_SERVICE_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/service/server.h"
#include "gtest/gtest.h"
#include "onus/aws/cloudtrail.pb.h"
#include "onus/aws/s3.pb.h"
#include "onus/v1/service.grpc.pb.h"

namespace onus::engine::testing {

inline constexpr char kS3Policies[] = R"onus(
package aws.s3;

policy versioning {
  title    = "S3 buckets keep versions"
  severity = high
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  frameworks = ["cis-aws-7.0:3.1.4"]
  resource = onus.aws.s3.Bucket as b
  require  = b.versioning.status == "Enabled"
  message  = "bucket {b.name} is not versioned"
}

policy named {
  title    = "S3 buckets have names"
  severity = low
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  resource = onus.aws.s3.Bucket as b
  require  = b.name != ""
}
)onus";

inline constexpr char kAccountPolicies[] = R"onus(
package aws.account;

policy multi_region_trail {
  title    = "A multi-region trail is logging"
  severity = critical
  owner    = customer
  service  = [iaas]
  domain   = logging
  resource = onus.aws.Account as acct
  require  = resources(onus.aws.cloudtrail.Trail).exists(t,
               t.is_multi_region_trail && t.is_logging)
}
)onus";

// 10^5 comprehension steps per bucket: however fast the VM, a request of
// thousands of buckets runs far past any deadline a test sets.
inline constexpr char kSlowPolicy[] = R"onus(
package slow;
policy nested {
  title    = "slow"
  severity = low
  owner    = customer
  service  = [iaas]
  domain   = logging
  resource = onus.aws.s3.Bucket as b
  require  = [1,2,3,4,5,6,7,8,9,10].all(i, [1,2,3,4,5,6,7,8,9,10].all(j,
               [1,2,3,4,5,6,7,8,9,10].all(k, [1,2,3,4,5,6,7,8,9,10].all(l,
               [1,2,3,4,5,6,7,8,9,10].all(m,
               b.name != "x" || i + j + k + l + m > 0)))))
}
)onus";

inline onus::v1::Resource Bucket(const std::string& account, int i,
                                 bool versioned) {
  onus::aws::s3::Bucket b;
  b.set_name(absl::StrCat("bucket-", account, "-", i));
  if (versioned) b.mutable_versioning()->set_status("Enabled");
  onus::v1::Resource r;
  r.set_id(absl::StrCat("arn:aws:s3:::", b.name()));
  r.set_type("onus.aws.s3.Bucket");
  r.set_provider(onus::v1::AWS);
  r.set_account(account);
  r.set_region("us-east-1");
  r.mutable_typed()->set_type_url("type.googleapis.com/onus.aws.s3.Bucket");
  r.mutable_typed()->set_value(b.SerializeAsString());
  return r;
}

inline onus::v1::Resource Trail(const std::string& account) {
  onus::aws::cloudtrail::Trail t;
  t.set_name("main");
  t.set_is_multi_region_trail(true);
  t.set_is_logging(true);
  onus::v1::Resource r;
  r.set_id(
      absl::StrCat("arn:aws:cloudtrail:us-east-1:", account, ":trail/main"));
  r.set_type("onus.aws.cloudtrail.Trail");
  r.set_provider(onus::v1::AWS);
  r.set_account(account);
  r.mutable_typed()->set_type_url(
      "type.googleapis.com/onus.aws.cloudtrail.Trail");
  r.mutable_typed()->set_value(t.SerializeAsString());
  return r;
}

// `n` buckets per account, every third one unversioned; account "111" has a
// logging trail, "222" none.
inline onus::v1::Snapshot MakeSnapshot(int n) {
  onus::v1::Snapshot s;
  s.set_id("snap-1");
  s.mutable_collected_at()->set_seconds(1'700'000'000);
  for (const char* id : {"111", "222"}) {
    auto* a = s.add_accounts();
    a->set_provider(onus::v1::AWS);
    a->set_id(id);
  }
  for (const char* id : {"111", "222"}) {
    for (int i = 0; i < n; ++i) *s.add_resources() = Bucket(id, i, i % 3 != 0);
  }
  *s.add_resources() = Trail("111");
  return s;
}

inline std::vector<std::pair<std::string, std::string>> DefaultSources() {
  return {{"s3.onus", kS3Policies}, {"account.onus", kAccountPolicies}};
}

inline ServerOptions LoopbackOptions() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.plaintext = true;
  o.policy_sources = DefaultSources();
  o.log = nullptr;
  return o;
}

// A server whose only policy is kSlowPolicy, with an instruction budget
// far above what `deadline` allows: the deadline (or a cancellation) is
// what stops the VM.
inline ServerOptions SlowServerOptions(
    absl::Duration deadline, int64_t instruction_budget = 100'000'000'000) {
  ServerOptions o = LoopbackOptions();
  o.policy_sources = {{"slow.onus", kSlowPolicy}};
  o.limits.instruction_budget = instruction_budget;
  o.limits.default_deadline = deadline;
  return o;
}

inline std::unique_ptr<EvaluationServer> StartOrDie(const ServerOptions& o) {
  absl::StatusOr<std::unique_ptr<EvaluationServer>> s =
      EvaluationServer::Start(o);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

inline std::unique_ptr<onus::v1::Evaluator::Stub> Connect(
    int port, std::shared_ptr<grpc::ChannelCredentials> creds =
                  grpc::InsecureChannelCredentials()) {
  return onus::v1::Evaluator::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), creds));
}

// Every test call is bounded.
inline void Bound(grpc::ClientContext* ctx, int seconds = 30) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(seconds));
}

// One bounded EvaluateStream call: writes each of `requests`, closes the
// sending side and reads every answer; *summary gets the final RunSummary.
inline grpc::Status StreamSummary(
    onus::v1::Evaluator::Stub* stub,
    const std::vector<onus::v1::EvaluateStreamRequest>& requests,
    onus::v1::RunSummary* summary) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  auto stream = stub->EvaluateStream(&ctx);
  for (const onus::v1::EvaluateStreamRequest& r : requests) {
    if (!stream->Write(r)) break;  // the status says why
  }
  stream->WritesDone();
  onus::v1::EvaluateStreamResponse m;
  while (stream->Read(&m)) {
    if (m.has_summary()) *summary = m.summary();
  }
  return stream->Finish();
}

}  // namespace onus::engine::testing

#endif  // ONUS_TESTS_SERVICE_TEST_UTIL_H_
