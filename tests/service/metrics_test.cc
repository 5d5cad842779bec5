// The Prometheus endpoint end to end: real calls on a loopback server, then
// GET /metrics over a real socket; counters must move by exactly what the
// calls did. Also: the HTTP responder's answers to bad requests (it must
// keep serving), and the loopback-only default.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "engine/service/metrics_http.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/test_util.h"

namespace onus::engine::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A connected TCP socket to 127.0.0.1:port with 10 s send/receive
// timeouts, or -1.
int Dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Sends `request` as is and returns everything the server answers until
// it closes the connection.
std::string Http(int port, absl::string_view request) {
  int fd = Dial(port);
  if (fd < 0) return "connect failed";
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n =
        send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string out = ReadAll(fd);
  close(fd);
  return out;
}

std::string Get(int port, absl::string_view path) {
  return Http(
      port, absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
}

// Sample lines of an exposition ("name{labels}" -> value); comments
// skipped. Fails the test on a line that is not `series value`.
std::map<std::string, double> Samples(absl::string_view body) {
  std::map<std::string, double> out;
  for (absl::string_view line : absl::StrSplit(body, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    size_t sp = line.rfind(' ');
    double v = 0;
    if (sp == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(sp + 1), &v)) {
      ADD_FAILURE() << "bad sample line: " << line;
      continue;
    }
    out[std::string(line.substr(0, sp))] = v;
  }
  return out;
}

std::map<std::string, double> Scrape(int port) {
  std::string resp = Get(port, "/metrics");
  EXPECT_THAT(resp, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(resp, HasSubstr("Content-Type: text/plain; version=0.0.4; "
                              "charset=utf-8\r\n"));
  size_t body = resp.find("\r\n\r\n");
  if (body == std::string::npos) return {};
  return Samples(absl::string_view(resp).substr(body + 4));
}

double At(const std::map<std::string, double>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o = LoopbackOptions();
    o.metrics_listen = "127.0.0.1:0";
    server_ = StartOrDie(o);
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(server_->metrics_port(), 0);
    stub_ = Connect(server_->port());
  }
  int port() const { return server_->metrics_port(); }
  std::unique_ptr<EvaluationServer> server_;
  std::unique_ptr<onus::v1::Evaluator::Stub> stub_;
};

TEST_F(MetricsTest, CountersMoveByExactlyWhatTheCallsDid) {
  const std::map<std::string, double> before = Scrape(port());
  // Every method has an OK series from the start, all at zero.
  EXPECT_EQ(
      before.count("onus_rpc_requests_total{method=\"Evaluate\",code=\"OK\"}"),
      1u);
  EXPECT_EQ(At(before, "onus_bundle_version"), 1);
  EXPECT_EQ(At(before, "onus_rpc_duration_seconds_count{method=\"Evaluate\"}"),
            0);

  // 3 good Evaluate calls, 2 bad ones, 1 stream, 1 GetInfo, 1 LoadBundle
  // refused (no --tokens: PERMISSION_DENIED).
  constexpr int kGood = 3;
  uint64_t resources = 0;
  onus::v1::OutcomeCounts outcomes;
  auto add = [&outcomes](const onus::v1::OutcomeCounts& t) {
    outcomes.set_pass(outcomes.pass() + t.pass());
    outcomes.set_fail(outcomes.fail() + t.fail());
    outcomes.set_not_applicable(outcomes.not_applicable() + t.not_applicable());
    outcomes.set_error(outcomes.error() + t.error());
    outcomes.set_waived(outcomes.waived() + t.waived());
  };
  for (int i = 0; i < kGood; ++i) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::EvaluateRequest req;
    *req.mutable_snapshot() = MakeSnapshot(i + 1);
    onus::v1::EvaluateResponse resp;
    ASSERT_TRUE(stub_->Evaluate(&ctx, req, &resp).ok());
    resources += req.snapshot().resources_size();
    add(resp.report().summary().totals());
  }
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::EvaluateRequest req;
    req.add_resources()->set_id("no-type");
    onus::v1::EvaluateResponse resp;
    ASSERT_EQ(stub_->Evaluate(&ctx, req, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    std::vector<onus::v1::EvaluateStreamRequest> items(4);
    for (int i = 0; i < 4; ++i) {
      *items[i].mutable_item()->mutable_resource() = Bucket("333", i, i != 0);
    }
    onus::v1::RunSummary summary;
    ASSERT_TRUE(StreamSummary(stub_.get(), items, &summary).ok());
    resources += 4;
    add(summary.totals());
  }
  std::string digest;
  {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::GetInfoResponse info;
    ASSERT_TRUE(stub_->GetInfo(&ctx, {}, &info).ok());
    digest = info.bundle().digest();
  }
  {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::LoadBundleRequest req;
    req.add_sources()->set_name("s3.onus");
    req.mutable_sources(0)->set_text(kS3Policies);
    onus::v1::LoadBundleResponse resp;
    ASSERT_EQ(stub_->LoadBundle(&ctx, req, &resp).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  const std::map<std::string, double> after = Scrape(port());
  auto delta = [&](const std::string& k) {
    return At(after, k) - At(before, k);
  };
  EXPECT_EQ(delta("onus_rpc_requests_total{method=\"Evaluate\",code=\"OK\"}"),
            kGood);
  EXPECT_EQ(delta("onus_rpc_requests_total{method=\"Evaluate\",code="
                  "\"INVALID_ARGUMENT\"}"),
            2);
  EXPECT_EQ(delta("onus_rpc_errors_total{method=\"Evaluate\"}"), 2);
  EXPECT_EQ(
      delta("onus_rpc_requests_total{method=\"EvaluateStream\",code=\"OK\"}"),
      1);
  EXPECT_EQ(delta("onus_rpc_requests_total{method=\"GetInfo\",code=\"OK\"}"),
            1);
  EXPECT_EQ(delta("onus_rpc_requests_total{method=\"LoadBundle\",code="
                  "\"PERMISSION_DENIED\"}"),
            1);
  EXPECT_EQ(delta("onus_rpc_errors_total{method=\"LoadBundle\"}"), 1);
  EXPECT_EQ(delta("onus_rpc_requests_total{method=\"Check\",code=\"OK\"}"), 0);
  // The histogram saw every call once; buckets are cumulative.
  EXPECT_EQ(delta("onus_rpc_duration_seconds_count{method=\"Evaluate\"}"),
            kGood + 2);
  EXPECT_EQ(
      delta(
          "onus_rpc_duration_seconds_bucket{method=\"Evaluate\",le=\"+Inf\"}"),
      kGood + 2);
  EXPECT_GT(delta("onus_rpc_duration_seconds_sum{method=\"Evaluate\"}"), 0);
  EXPECT_LE(
      At(after,
         "onus_rpc_duration_seconds_bucket{method=\"Evaluate\",le="
         "\"0.0001\"}"),
      At(after,
         "onus_rpc_duration_seconds_bucket{method=\"Evaluate\",le=\"10\"}"));
  EXPECT_EQ(delta("onus_resources_evaluated_total"),
            static_cast<double>(resources));
  EXPECT_EQ(delta("onus_findings_total{outcome=\"pass\"}"), outcomes.pass());
  EXPECT_EQ(delta("onus_findings_total{outcome=\"fail\"}"), outcomes.fail());
  EXPECT_GT(outcomes.fail(), 0u);
  EXPECT_EQ(delta("onus_findings_total{outcome=\"not_applicable\"}"),
            outcomes.not_applicable());
  EXPECT_EQ(delta("onus_findings_total{outcome=\"error\"}"), outcomes.error());
  EXPECT_EQ(delta("onus_findings_total{outcome=\"waived\"}"),
            outcomes.waived());
  for (const char* m : {"Evaluate", "EvaluateStream", "Check", "ListPolicies",
                        "GetInfo", "LoadBundle"}) {
    EXPECT_EQ(At(after, absl::StrCat("onus_rpc_in_flight{method=\"", m, "\"}")),
              0)
        << m;
  }
  // The bundle: version 1 (the refused load changed nothing), the digest
  // as GetInfo reports it.
  EXPECT_EQ(At(after, "onus_bundle_version"), 1);
  EXPECT_EQ(At(after, absl::StrCat("onus_bundle_info{digest=\"", digest,
                                   "\",source=\"sources\",version=\"1\"}")),
            1);
  EXPECT_GT(At(after, "process_start_time_seconds"), 1'700'000'000);
  EXPECT_GT(At(after, "onus_bundle_loaded_timestamp_seconds"),
            At(after, "process_start_time_seconds") - 1);
}

TEST_F(MetricsTest, BadRequestsGetHttpErrorsAndTheEndpointKeepsServing) {
  struct Case {
    std::string request;
    std::string want_status;
  };
  const std::vector<Case> cases = {
      {"GET /other HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404 "},
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404 "},
      {"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
       "HTTP/1.1 405 "},
      {"GET /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},  // no Host
      {"GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 "},
      {"GET /metrics\r\n\r\n", "HTTP/1.1 400 "},
      {"\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", "HTTP/1.1 400 "},
      {std::string("GET /met") + '\0' + "rics HTTP/1.1\r\nHost: x\r\n\r\n",
       "HTTP/1.1 400 "},
      {"\x16\x03\x01\x02\xfc\x03\x03\r\n\r\n",
       "HTTP/1.1 400 "},  // the start of a TLS ClientHello
      {"GET metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + std::string(9000, 'a') +
           "\r\n\r\n",
       "HTTP/1.1 431 "},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n", "HTTP/1.1 400 "},  // cut short
  };
  for (const Case& c : cases) {
    int fd = Dial(port());
    ASSERT_GE(fd, 0);
    send(fd, c.request.data(), c.request.size(), MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    std::string resp = ReadAll(fd);
    close(fd);
    EXPECT_THAT(resp, StartsWith(c.want_status))
        << absl::CEscape(c.request.substr(0, 60));
  }
  // HEAD: headers only. Query strings and the absolute form are fine.
  std::string head = Http(port(), "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(head, ::testing::EndsWith("\r\n\r\n"));
  EXPECT_THAT(Get(port(), "/metrics?x=1"), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(Get(port(), "http://127.0.0.1/metrics"),
              StartsWith("HTTP/1.1 200 OK"));
  // Connections that send nothing and close at once.
  for (int i = 0; i < 20; ++i) close(Dial(port()));
  // Still serving, and the gRPC side is unaffected.
  EXPECT_THAT(Get(port(), "/metrics"), StartsWith("HTTP/1.1 200 OK"));
  grpc::ClientContext ctx;
  Bound(&ctx);
  onus::v1::GetInfoResponse info;
  EXPECT_TRUE(stub_->GetInfo(&ctx, {}, &info).ok());
}

TEST(MetricsHttp, SlowClientsTimeOutAndOthersWaitForASlot) {
  MetricsHttpOptions o;
  o.listen = "127.0.0.1:0";
  o.request_timeout = absl::Milliseconds(400);
  o.max_connections = 2;
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> s =
      MetricsHttpServer::Start(o, [] { return std::string("x 1\n"); });
  ASSERT_TRUE(s.ok()) << s.status();
  const int port = (*s)->port();
  // Two silent clients hold both slots.
  const absl::Time start = absl::Now();
  int a = Dial(port), b = Dial(port);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  send(a, "GET /met", 8, MSG_NOSIGNAL);
  absl::SleepFor(absl::Milliseconds(50));
  // A third waits in the backlog until their timeout frees a slot, then is
  // answered.
  std::string ok = Get(port, "/metrics");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(350));
  EXPECT_THAT(ok, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(ok, ::testing::EndsWith("\r\n\r\nx 1\n"));
  // The silent ones got 408.
  EXPECT_THAT(ReadAll(a), StartsWith("HTTP/1.1 408 "));
  EXPECT_THAT(ReadAll(b), StartsWith("HTTP/1.1 408 "));
  close(a);
  close(b);
  (*s)->Stop();
  (*s)->Stop();  // idempotent
  int late = Dial(port);
  EXPECT_LT(late, 0);
  if (late >= 0) close(late);
}

TEST(MetricsHttp, LoopbackOnlyUnlessAllowedAndAddressesChecked) {
  ServerOptions o = LoopbackOptions();
  o.metrics_listen = "0.0.0.0:0";
  absl::StatusOr<std::unique_ptr<EvaluationServer>> s =
      EvaluationServer::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("non-loopback"));
  for (const char* bad :
       {"127.0.0.1", "127.0.0.1:99999", ":80", "[::1", "127.0.0.1:x"}) {
    MetricsHttpOptions mo;
    mo.listen = bad;
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> m =
        MetricsHttpServer::Start(mo, [] { return std::string(); });
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  MetricsHttpOptions any;
  any.listen = "0.0.0.0:0";
  any.allow_remote = true;
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> m =
      MetricsHttpServer::Start(any, [] { return std::string("y 2\n"); });
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(Get((*m)->port(), "/metrics"), HasSubstr("\r\n\r\ny 2\n"));
  // IPv6 loopback.
  MetricsHttpOptions v6;
  v6.listen = "[::1]:0";
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> m6 =
      MetricsHttpServer::Start(v6, [] { return std::string(); });
  // Some sandboxes have no IPv6; only a refusal for other reasons fails.
  if (!m6.ok()) {
    EXPECT_EQ(m6.status().code(), absl::StatusCode::kUnavailable)
        << m6.status();
  }
}

}  // namespace
}  // namespace onus::engine::testing
