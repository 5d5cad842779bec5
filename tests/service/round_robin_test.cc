// Scale-out as docs/deployment.md describes it: several stateless servers
// (here on 127.0.0.1, 127.0.0.2 and 127.0.0.3) and one client channel with
// gRPC's own round_robin policy. Every server must take a share of the
// calls, and every answer must be the same.
#include <sstream>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/test_util.h"

namespace onus::engine::testing {
namespace {

TEST(RoundRobin, OneClientSpreadsCallsOverServers) {
  constexpr int kServers = 3;
  constexpr int kCalls = 30;
  std::vector<std::ostringstream> logs(kServers);
  std::vector<std::unique_ptr<EvaluationServer>> servers;
  std::vector<std::string> addrs;
  for (int i = 0; i < kServers; ++i) {
    ServerOptions o = LoopbackOptions();
    std::string host = absl::StrCat("127.0.0.", i + 1);
    o.listen = host + ":0";
    o.log = &logs[i];
    servers.push_back(StartOrDie(o));
    ASSERT_NE(servers.back(), nullptr);
    addrs.push_back(absl::StrCat(host, ":", servers.back()->port()));
  }
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  auto channel = grpc::CreateCustomChannel(
      absl::StrCat("ipv4:", absl::StrJoin(addrs, ",")),
      grpc::InsecureChannelCredentials(), args);
  auto stub = onus::v1::Evaluator::NewStub(channel);
  onus::v1::EvaluateRequest req;
  *req.mutable_snapshot() = MakeSnapshot(5);
  std::string digest;
  for (int i = 0; i < kCalls; ++i) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    ctx.set_wait_for_ready(true);  // until round_robin has connected
    onus::v1::EvaluateResponse resp;
    grpc::Status s = stub->Evaluate(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (digest.empty()) digest = resp.bundle().digest();
    // Same sources on every server: same digest, same results.
    EXPECT_EQ(resp.bundle().digest(), digest);
    EXPECT_EQ(resp.report().summary().totals().fail(), 5u);
  }
  // Log lines are written by a background thread; Shutdown writes the last
  // ones before it returns.
  for (auto& s : servers) s->Shutdown(absl::Seconds(5));
  int total = 0;
  for (int i = 0; i < kServers; ++i) {
    std::string log = logs[i].str();
    int n = static_cast<int>(std::count(log.begin(), log.end(), '\n'));
    // Round robin over ready subchannels: each server gets some calls.
    EXPECT_GE(n, 1) << addrs[i];
    total += n;
  }
  EXPECT_EQ(total, kCalls);
}

}  // namespace
}  // namespace onus::engine::testing
