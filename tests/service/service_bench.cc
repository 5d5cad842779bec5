// Load and memory check of the evaluation service, in one process: a server
// on a free loopback port, then
//   1. unary Evaluate from --clients threads, --calls calls in all, each
//      with --resources buckets: p50/p99 latency and throughput;
//   2. with --stream N: one EvaluateStream of N buckets over accounts of
//      --account-size resources, each marked complete, generated on the fly
//      (the client holds one resource at a time). Prints the process's peak
//      RSS; fails when it grows by more than --max-rss-growth-mb.
// Not a test target (the 1,000,000-resource run takes minutes):
//   bazel run -c opt //tests/service:service_bench -- --stream 1000000
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "tests/service/test_util.h"

namespace onus::engine::testing {
namespace {

int64_t PeakRssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      int64_t kb = 0;
      std::sscanf(line.c_str(), "VmHWM: %ld", &kb);
      return kb;
    }
  }
  return -1;
}

int Main(int argc, char** argv) {
  std::map<std::string, int64_t> flags = {
      {"calls", 200}, {"resources", 1000},     {"clients", 2},
      {"stream", 0},  {"account-size", 10000}, {"max-rss-growth-mb", 512},
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || i + 1 >= argc || !flags.count(a.substr(2)) ||
        !absl::SimpleAtoi(argv[i + 1], &flags[a.substr(2)]) ||
        flags[a.substr(2)] < 0) {
      std::fprintf(stderr,
                   "usage: service_bench [--calls N] [--resources N] "
                   "[--clients N] [--stream N] [--account-size N] "
                   "[--max-rss-growth-mb N]\n");
      return 2;
    }
    ++i;
  }
  ServerOptions o = LoopbackOptions();
  o.limits.max_resources_per_request =
      std::max<int64_t>(flags["stream"], flags["resources"] * 2 + 1);
  o.limits.default_deadline = absl::Hours(1);
  auto server = StartOrDie(o);
  if (server == nullptr) return 1;
  int port = server->port();

  // 1. Unary.
  if (flags["calls"] > 0) {
    onus::v1::EvaluateRequest req;
    *req.mutable_snapshot() =
        MakeSnapshot(static_cast<int>(flags["resources"] / 2));
    std::vector<std::vector<double>> lat(flags["clients"]);
    std::atomic<int64_t> next{0}, failed{0};
    absl::Time start = absl::Now();
    std::vector<std::thread> threads;
    for (int c = 0; c < flags["clients"]; ++c) {
      threads.emplace_back([&, c] {
        auto stub = Connect(port);
        while (next.fetch_add(1) < flags["calls"]) {
          grpc::ClientContext ctx;
          Bound(&ctx, 600);
          onus::v1::EvaluateResponse resp;
          absl::Time t0 = absl::Now();
          if (!stub->Evaluate(&ctx, req, &resp).ok()) ++failed;
          lat[c].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        }
      });
    }
    for (auto& t : threads) t.join();
    double secs = absl::ToDoubleSeconds(absl::Now() - start);
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) {
      return all.empty() ? 0
                         : all[std::min(all.size() - 1,
                                        static_cast<size_t>(p * all.size()))];
    };
    std::printf(
        "unary: %zu calls x %d resources, %ld clients: p50 %.2f ms, p99 %.2f "
        "ms, %.1f calls/s, %.0f resources/s, %ld failed\n",
        all.size(), req.snapshot().resources_size(), flags["clients"],
        pct(0.50), pct(0.99), all.size() / secs,
        all.size() * req.snapshot().resources_size() / secs, failed.load());
    if (failed > 0) return 1;
  }

  // 2. Stream.
  if (flags["stream"] > 0) {
    int64_t rss_before = PeakRssKb();
    auto stub = Connect(port);
    grpc::ClientContext ctx;
    Bound(&ctx, 3600);
    auto stream = stub->EvaluateStream(&ctx);
    std::atomic<int64_t> findings{0}, accounts{0};
    onus::v1::RunSummary summary;
    std::thread reader([&] {
      onus::v1::EvaluateStreamResponse m;
      while (stream->Read(&m)) {
        if (m.has_finding()) ++findings;
        if (m.has_account_done()) ++accounts;
        if (m.has_summary()) summary = m.summary();
      }
    });
    absl::Time start = absl::Now();
    onus::v1::EvaluateStreamRequest item;
    int64_t n = flags["stream"],
            per = std::max<int64_t>(1, flags["account-size"]);
    bool ok = true;
    for (int64_t i = 0; i < n && ok; ++i) {
      std::string acct = absl::StrCat(100000000000 + i / per);
      *item.mutable_item()->mutable_resource() =
          Bucket(acct, static_cast<int>(i % per), i % 3 != 0);
      ok = stream->Write(item);
      if (ok && (i % per == per - 1 || i == n - 1)) {
        auto* ac = item.mutable_item()->mutable_account_complete();
        ac->set_account(acct);
        ac->set_resource_count(i % per + 1);
        ok = stream->Write(item);
      }
    }
    stream->WritesDone();
    reader.join();
    grpc::Status s = stream->Finish();
    double secs = absl::ToDoubleSeconds(absl::Now() - start);
    int64_t growth_mb = (PeakRssKb() - rss_before) / 1024;
    std::printf(
        "stream: %ld resources, %ld accounts, %ld findings, %.1f s, %.0f "
        "resources/s; peak RSS %ld MB (+%ld MB during the stream); %s\n",
        n, accounts.load(), findings.load(), secs, n / secs, PeakRssKb() / 1024,
        growth_mb, s.ok() ? "OK" : s.error_message().c_str());
    if (!s.ok() || summary.resources_evaluated() != static_cast<uint64_t>(n)) {
      return 1;
    }
    if (growth_mb > flags["max-rss-growth-mb"]) {
      std::printf("FAIL: memory grew by more than %ld MB\n",
                  flags["max-rss-growth-mb"]);
      return 1;
    }
  }
  server->Shutdown(absl::Seconds(5));
  return 0;
}

}  // namespace
}  // namespace onus::engine::testing

int main(int argc, char** argv) {
  return onus::engine::testing::Main(argc, argv);
}
