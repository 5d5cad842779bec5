// The issue's service performance targets, measured against a real server on
// loopback with the built-in pack (policies/) and the Acme sample resources
// (tests/data/acme), one resource per unary call:
//
//   1. open loop: Evaluate sent at a fixed --rate for --seconds; latency is
//      measured from each call's intended send time, so a stall delays the
//      calls behind it in the figures too (no coordinated omission).
//      Target: p99 < 1 ms at 1,000 requests/s.
//   2. closed loop: --clients calls kept in flight with the callback API
//      (a cheap load generator: client and server share the machine).
//      Target: >= 20,000 requests/s.
//   3. EvaluateStream of --stream-resources resources (accounts of about
//      --account-size resources, each marked complete) against the
//      in-process engine (engine::Evaluate, one thread) on the same
//      resources: once with one item per message and one message per
//      finding, then (median of 3) with --stream-batch items per message and
//      findings batched. Target: stream >= 70% of the engine (batched).
//      The engine starts from snapshot bytes in memory, so the stream client
//      starts from its request messages serialized before the clock starts;
//      it sends them over a real stream and parses every answer.
//
// Every closed-loop run also prints the process's CPU time per call
// (client and server): a figure that holds when other work shares the
// machine, unlike requests/s. With --target and --server-pid (an `onus
// serve` on this machine), it also prints the server process's CPU per
// call: what the server alone needs, whatever the client costs. --open-method
// getinfo runs the open loop with GetInfo, a call with no evaluation: the
// transport's own latency.
//
// The load generator's channels have gRPC's retry support off (it sets no
// retry policy; --client-retries 1 keeps it).
//
// Each target line ends in MET or MISSED. The server runs in this process
// (logging its JSON call lines to /dev/null, as `onus serve` does to
// stderr) unless --target HOST:PORT names a running plaintext server.
//
//   make service-bench   (or: bazel build -c opt //tests/service:unary_bench
//                         && bazel-bin/tests/service/unary_bench; run it
//                         from the workspace root)
//
// --smoke (the test target unary_bench_smoke_test) runs every phase briefly
// and checks only that calls succeeded and counts are consistent; it has
// no timing bounds. Exit status: 0 when every call succeeded (targets
// missed do not fail the run), 1 otherwise.
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "engine/evaluator.h"
#include "engine/inventory.h"
#include "engine/policy_pack.h"
#include "engine/service/server.h"
#include "engine/snapshot_io.h"
#include "onus/v1/service.grpc.pb.h"

namespace onus::engine::bench {
namespace {

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void SleepUntilNs(int64_t t) {
  timespec ts;
  ts.tv_sec = t / 1'000'000'000;
  ts.tv_nsec = t % 1'000'000'000;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

// Latencies recorded from gRPC's callback threads into preallocated slots.
class Recorder {
 public:
  explicit Recorder(size_t capacity) : ns_(capacity) {}
  void Add(int64_t ns) {
    size_t i = n_.fetch_add(1, std::memory_order_relaxed);
    if (i < ns_.size()) ns_[i] = ns;
  }
  // Sorted copy of what was recorded.
  std::vector<int64_t> Sorted() const {
    std::vector<int64_t> v(ns_.begin(),
                           ns_.begin() + std::min(ns_.size(), n_.load()));
    std::sort(v.begin(), v.end());
    return v;
  }

 private:
  std::vector<int64_t> ns_;
  std::atomic<size_t> n_{0};
};

double PctMs(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i =
      std::min(sorted.size() - 1,
               static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[i]) / 1e6;
}

// CPU time (user + system) of the whole process, in seconds: client and
// server together, whatever else runs on the machine.
double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds (user + system) of process `pid` from /proc/PID/stat, or -1.
double PidCpuSeconds(int64_t pid) {
  std::ifstream f(absl::StrCat("/proc/", pid, "/stat"));
  std::string s((std::istreambuf_iterator<char>(f)),
                std::istreambuf_iterator<char>());
  size_t paren = s.rfind(')');
  if (paren == std::string::npos) return -1;
  std::vector<std::string> fields =
      absl::StrSplit(s.substr(paren + 2), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  int64_t ut = 0, st = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &ut) ||
      !absl::SimpleAtoi(fields[12], &st)) {
    return -1;
  }
  return static_cast<double>(ut + st) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

const char* Verdict(bool met) { return met ? "MET" : "MISSED"; }

double LoadAverage() {
  std::ifstream f("/proc/loadavg");
  double l = -1;
  f >> l;
  return l;
}

struct Flags {
  std::map<std::string, std::string> v = {
      {"seconds", "10"},
      {"rate", "1000"},
      {"clients", "64"},
      {"channels", "1"},
      {"stream-resources", "100000"},
      {"account-size", "1000"},
      {"policies", "policies"},
      {"input", "tests/data/acme/snapshot.textproto"},
      {"target", ""},
      {"phases", "engine,open,closed,stream"},
      {"log", "1"},
      {"server-threads", ""},
      {"open-method", "evaluate"},
      {"stream-batch", "256"},
      {"server-pid", "0"},
      {"client-retries", "0"},
  };
  bool smoke = false;
  int64_t Int(const std::string& k) const {
    int64_t x = 0;
    (void)absl::SimpleAtoi(v.at(k), &x);
    return x;
  }
  bool Phase(const std::string& p) const {
    return absl::StrContains(absl::StrCat(",", v.at("phases"), ","),
                             absl::StrCat(",", p, ","));
  }
};

// --client-retries (0 by default): whether the load generator's channels
// keep gRPC's retry support. It sets no retry policy, so the retry layer
// only costs it CPU per call (about 5 us in the closed loop, measured),
// which it takes from the server it shares the machine with.
bool client_retries = false;

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, int i) {
  grpc::ChannelArguments args;
  // Distinct arguments give each channel its own connection.
  args.SetInt("onus.bench.channel", i);
  if (!client_retries) args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

// One resource per request, cycling through the sample's resources.
std::vector<onus::v1::EvaluateRequest> MakeRequests(
    const onus::v1::Snapshot& snap) {
  std::vector<onus::v1::EvaluateRequest> reqs;
  for (const onus::v1::Resource& r : snap.resources()) {
    onus::v1::EvaluateRequest q;
    *q.add_resources() = r;
    reqs.push_back(std::move(q));
  }
  return reqs;
}

struct CallTotals {
  std::atomic<int64_t> ok{0}, failed{0}, resources{0};
  std::string first_error;
  absl::Mutex mu;
  void Done(const grpc::Status& s, const onus::v1::EvaluateResponse& resp) {
    if (s.ok()) {
      ok.fetch_add(1, std::memory_order_relaxed);
      resources.fetch_add(
          static_cast<int64_t>(resp.report().summary().resources_evaluated()),
          std::memory_order_relaxed);
    } else {
      failed.fetch_add(1, std::memory_order_relaxed);
      absl::MutexLock l(&mu);
      if (first_error.empty()) {
        first_error = absl::StrCat(s.error_code(), ": ", s.error_message());
      }
    }
  }
};

// One call in flight. The response is parsed into an arena whose first
// block is part of the call object: a one-resource report fits in it, so
// parsing allocates nothing and freeing the call frees the whole response
// at once (a client's choice, as the server's answer is the same bytes).
struct AsyncCall {
  AsyncCall() : arena(ArenaWithBlock(block, sizeof(block))) {}
  static google::protobuf::ArenaOptions ArenaWithBlock(char* b, size_t n) {
    google::protobuf::ArenaOptions o;
    o.initial_block = b;
    o.initial_block_size = n;
    return o;
  }
  alignas(16) char block[8192];
  grpc::ClientContext ctx;
  google::protobuf::Arena arena;
  onus::v1::EvaluateResponse& resp =
      *google::protobuf::Arena::CreateMessage<onus::v1::EvaluateResponse>(
          &arena);
  onus::v1::GetInfoResponse info;
  int64_t start_ns = 0;
};

// --- 1. open loop

bool OpenLoop(const Flags& f, const std::string& target,
              const std::vector<onus::v1::EvaluateRequest>& reqs) {
  const int64_t rate = std::max<int64_t>(1, f.Int("rate"));
  const int64_t seconds = std::max<int64_t>(1, f.Int("seconds"));
  const int64_t total = rate * seconds;
  const int64_t warmup = std::min<int64_t>(rate, total / 5);
  auto stub = onus::v1::Evaluator::NewStub(NewChannel(target, 1000));
  Recorder rec(static_cast<size_t>(total));
  CallTotals totals;
  std::atomic<int64_t> outstanding{0};
  absl::Notification all_done;
  // Warm-up calls (connection, selection caches) are not recorded.
  for (int64_t i = 0; i < warmup; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    onus::v1::EvaluateResponse resp;
    grpc::Status s = stub->Evaluate(&ctx, reqs[i % reqs.size()], &resp);
    if (!s.ok()) {
      std::printf("open loop: warm-up call failed: %s\n",
                  s.error_message().c_str());
      return false;
    }
  }
  // --open-method getinfo: the same schedule with GetInfo, a call that does
  // no evaluation (the transport's own latency on this machine).
  const bool getinfo = f.v.at("open-method") == "getinfo";
  const onus::v1::GetInfoRequest info_req;
  const int64_t interval = 1'000'000'000 / rate;
  const int64_t t0 = NowNs() + 1'000'000;
  int64_t max_lag = 0;
  outstanding = 1;  // the sender's own reference
  // Wake at the intended time, not up to 50 us later (the default slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  for (int64_t i = 0; i < total; ++i) {
    const int64_t intended = t0 + i * interval;
    SleepUntilNs(intended);
    max_lag = std::max(max_lag, NowNs() - intended);
    auto* call = new AsyncCall;
    call->start_ns = intended;
    call->ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
    outstanding.fetch_add(1, std::memory_order_relaxed);
    auto done = [&, call](grpc::Status s) {
      rec.Add(NowNs() - call->start_ns);
      totals.Done(s, call->resp);
      delete call;
      if (outstanding.fetch_sub(1) == 1) all_done.Notify();
    };
    if (getinfo) {
      stub->async()->GetInfo(&call->ctx, &info_req, &call->info, done);
    } else {
      stub->async()->Evaluate(&call->ctx, &reqs[i % reqs.size()], &call->resp,
                              done);
    }
  }
  const double send_secs = static_cast<double>(NowNs() - t0) / 1e9;
  if (outstanding.fetch_sub(1) == 1) all_done.Notify();
  all_done.WaitForNotificationWithTimeout(absl::Seconds(60));
  std::vector<int64_t> lat = rec.Sorted();
  double p99 = PctMs(lat, 0.99);
  std::printf(
      "open loop (%s): %ld calls at %ld/s over %.2f s (sender max lag %.3f "
      "ms): "
      "p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms; %ld ok, %ld "
      "failed\n",
      getinfo ? "GetInfo" : "Evaluate", total, rate, send_secs,
      static_cast<double>(max_lag) / 1e6, PctMs(lat, 0.50), p99,
      PctMs(lat, 0.999),
      lat.empty() ? 0.0 : static_cast<double>(lat.back()) / 1e6,
      totals.ok.load(), totals.failed.load());
  if (!f.smoke && !getinfo) {
    std::printf("target: p99 < 1 ms at %ld requests/s: %.3f ms %s\n", rate, p99,
                Verdict(p99 < 1.0 && rate >= 1000));
  }
  if (totals.failed > 0) {
    std::printf("open loop: first error: %s\n", totals.first_error.c_str());
  }
  bool consistent = totals.ok + totals.failed == total &&
                    static_cast<int64_t>(lat.size()) == total &&
                    totals.resources >= 0;
  if (!consistent) std::printf("open loop: inconsistent counts\n");
  return totals.failed == 0 && consistent;
}

// --- 2. closed loop

class ClosedLoop {
 public:
  ClosedLoop(const Flags& f, const std::string& target,
             const std::vector<onus::v1::EvaluateRequest>& reqs)
      : reqs_(reqs),
        rec_capacity_(std::max<int64_t>(1, f.Int("seconds")) * 200'000),
        rec_(static_cast<size_t>(rec_capacity_)) {
    int channels = static_cast<int>(std::max<int64_t>(1, f.Int("channels")));
    for (int i = 0; i < channels; ++i) {
      stubs_.push_back(onus::v1::Evaluator::NewStub(NewChannel(target, i)));
    }
  }

  bool Run(const Flags& f) {
    const int clients =
        static_cast<int>(std::max<int64_t>(1, f.Int("clients")));
    const int64_t seconds = std::max<int64_t>(1, f.Int("seconds"));
    // One second of warm-up (connections, thread pools), then measure.
    warm_until_ns_ = NowNs() + 1'000'000'000;
    stop_ns_ = warm_until_ns_ + seconds * 1'000'000'000;
    running_ = clients;
    for (int c = 0; c < clients; ++c) Start(c, c);
    // CPU over the measured window, for a figure that does not depend on
    // what else shares the machine.
    SleepUntilNs(warm_until_ns_);
    const double cpu0 = ProcessCpuSeconds();
    const int64_t server_pid = f.Int("server-pid");
    const double server_cpu0 = server_pid > 0 ? PidCpuSeconds(server_pid) : -1;
    const int64_t calls0 = totals_.ok.load() + totals_.failed.load();
    SleepUntilNs(stop_ns_);
    const double cpu = ProcessCpuSeconds() - cpu0;
    const double server_cpu =
        server_pid > 0 ? PidCpuSeconds(server_pid) - server_cpu0 : -1;
    const int64_t window_calls =
        totals_.ok.load() + totals_.failed.load() - calls0;
    bool finished = done_.WaitForNotificationWithTimeout(
        absl::Seconds(static_cast<double>(seconds) + 60));
    const double secs =
        static_cast<double>(last_ns_.load() - warm_until_ns_) / 1e9;
    std::vector<int64_t> lat = rec_.Sorted();
    const double rps =
        static_cast<double>(measured_.load()) / std::max(secs, 1e-9);
    std::printf(
        "closed loop: %d clients over %zu channel(s), %.2f s: %ld calls, %.0f "
        "requests/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms; %ld ok, %ld "
        "failed\n",
        clients, stubs_.size(), secs, measured_.load(), rps, PctMs(lat, 0.50),
        PctMs(lat, 0.99), PctMs(lat, 0.999), totals_.ok.load(),
        totals_.failed.load());
    const double cpu_us =
        cpu * 1e6 / static_cast<double>(std::max<int64_t>(1, window_calls));
    std::printf(
        "closed loop: CPU %.1f us per call (this process: %s; %.2f cores "
        "busy), i.e. %.0f calls/s if this process had 2 cores to itself\n",
        cpu_us, f.v.at("target").empty() ? "client and server" : "client only",
        cpu / static_cast<double>(seconds), 2e6 / cpu_us);
    if (server_cpu0 >= 0 && server_cpu >= 0) {
      const double server_us =
          server_cpu * 1e6 /
          static_cast<double>(std::max<int64_t>(1, window_calls));
      std::printf(
          "closed loop: server process %ld: CPU %.1f us per call (%.2f cores "
          "busy), i.e. %.0f calls/s on 2 cores of its own\n",
          server_pid, server_us, server_cpu / static_cast<double>(seconds),
          2e6 / server_us);
    }
    if (!f.smoke) {
      std::printf("target: >= 20,000 requests/s with 64 clients: %.0f %s\n",
                  rps, Verdict(rps >= 20000 && clients == 64));
    }
    if (totals_.failed > 0) {
      std::printf("closed loop: first error: %s\n",
                  totals_.first_error.c_str());
    }
    bool consistent = finished && totals_.ok + totals_.failed == issued_ &&
                      measured_ <= issued_ &&
                      static_cast<int64_t>(lat.size()) ==
                          std::min<int64_t>(measured_, rec_capacity());
    if (!consistent) std::printf("closed loop: inconsistent counts\n");
    return totals_.failed == 0 && consistent && measured_ > 0;
  }

 private:
  int64_t rec_capacity() const { return rec_capacity_; }

  void Start(int client, int64_t n) {
    auto* call = new AsyncCall;
    call->start_ns = NowNs();
    call->ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
    issued_.fetch_add(1, std::memory_order_relaxed);
    stubs_[client % stubs_.size()]->async()->Evaluate(
        &call->ctx, &reqs_[n % reqs_.size()], &call->resp,
        [this, call, client, n](grpc::Status s) {
          const int64_t end = NowNs();
          totals_.Done(s, call->resp);
          if (call->start_ns >= warm_until_ns_ && end <= stop_ns_) {
            rec_.Add(end - call->start_ns);
            measured_.fetch_add(1, std::memory_order_relaxed);
            int64_t prev = last_ns_.load(std::memory_order_relaxed);
            while (prev < end && !last_ns_.compare_exchange_weak(prev, end)) {
            }
          }
          delete call;
          // Starting the next call from the reaction is allowed by the
          // callback API (it does not block).
          if (end < stop_ns_ && s.ok()) {
            Start(client, n + 64);
          } else if (running_.fetch_sub(1) == 1) {
            done_.Notify();
          }
        });
  }

  const std::vector<onus::v1::EvaluateRequest>& reqs_;
  const int64_t rec_capacity_;
  Recorder rec_;
  std::vector<std::unique_ptr<onus::v1::Evaluator::Stub>> stubs_;
  CallTotals totals_;
  std::atomic<int64_t> issued_{0}, measured_{0}, last_ns_{0};
  std::atomic<int> running_{0};
  int64_t warm_until_ns_ = 0, stop_ns_ = 0;
  absl::Notification done_;
};

// --- 0. what one call costs the engine, without gRPC

// Per call: the request's resource as snapshot bytes, inventory, Evaluate
// with the service's defaults, the report serialized. Shows how much of a
// call's time is evaluation and how much is transport.
void EngineOnly(const Flags& f, const onus::v1::Snapshot& sample) {
  lang::DiagnosticList diags;
  absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
      PolicyPack::Load({f.v.at("policies")}, lang::FrontendOptions(), diags);
  if (!pack.ok() || diags.has_errors()) return;
  std::vector<std::string> one;
  for (const onus::v1::Resource& r : sample.resources()) {
    onus::v1::Snapshot s;
    *s.add_resources() = r;
    one.push_back(s.SerializeAsString());
  }
  EvalOptions o;
  o.detail = FindingDetail::kNonPassing;
  o.report_policies = PolicyListing::kEvaluated;
  o.summary_by_policy = PolicyListing::kEvaluated;
  const int64_t calls = f.smoke ? 2000 : 50000;
  size_t bytes = 0;
  const int64_t t0 = NowNs();
  for (int64_t i = 0; i < calls; ++i) {
    absl::StatusOr<Inventory> inv =
        Inventory::FromSnapshotBytes(one[i % one.size()]);
    absl::StatusOr<onus::v1::Report> report = Evaluate(**pack, *inv, o);
    bytes += report->SerializeAsString().size();
  }
  const double us =
      static_cast<double>(NowNs() - t0) / 1e3 / static_cast<double>(calls);
  std::printf(
      "engine only: %ld one-resource evaluations, %.1f us each (%.0f/s on "
      "one core), report %.0f bytes on average\n",
      calls, us, 1e6 / us, static_cast<double>(bytes) / calls);
}

// --- 3. stream vs engine

// `n` resources: the sample's resources repeated (ids suffixed with the
// copy), every `account_size` of them in accounts of their own (account ids
// suffixed with the group) so every account can be marked complete. The
// sample spreads over a few accounts, so an account holds about
// account_size / (the sample's accounts) resources.
onus::v1::Snapshot Replicate(const onus::v1::Snapshot& snap, int64_t n,
                             int64_t account_size) {
  onus::v1::Snapshot out;
  out.set_id("bench");
  *out.mutable_collected_at() = snap.collected_at();
  for (int64_t i = 0; i < n; ++i) {
    const onus::v1::Resource& r = snap.resources(i % snap.resources_size());
    int64_t copy = i / snap.resources_size();
    onus::v1::Resource* c = out.add_resources();
    *c = r;
    c->set_id(absl::StrCat(r.id(), "#", copy));
    c->set_account(absl::StrCat(r.account(), "-", i / account_size));
  }
  // Group by account so each account's resources are contiguous.
  std::stable_sort(
      out.mutable_resources()->begin(), out.mutable_resources()->end(),
      [](const onus::v1::Resource& a, const onus::v1::Resource& b) {
        return a.account() < b.account();
      });
  return out;
}

struct StreamRun {
  double secs = 0;
  double cpu_secs = 0;  // this process (client, and server unless --target)
  double server_cpu_secs = -1;  // with --server-pid
  int64_t findings = 0, accounts = 0, messages = 0;
  onus::v1::RunSummary summary;
  grpc::Status status;
};

// The request messages that send `snap` over EvaluateStream, each account
// marked complete, serialized: `batch` items per message (1: the `item`
// field only) and, when batch > 1, findings asked for in batches.
std::vector<grpc::ByteBuffer> StreamRequests(const onus::v1::Snapshot& snap,
                                             int batch) {
  std::vector<grpc::ByteBuffer> out;
  onus::v1::EvaluateStreamRequest req;
  if (batch > 1) req.mutable_options()->set_batch_findings(true);
  auto flush = [&] {
    auto* bytes = new std::string(req.SerializeAsString());
    grpc::Slice slice(
        bytes->data(), bytes->size(),
        [](void* p) { delete static_cast<std::string*>(p); }, bytes);
    out.emplace_back(&slice, 1);
    req.Clear();
  };
  auto add = [&](const onus::v1::StreamItem& it) {
    if (batch <= 1) {
      *req.mutable_item() = it;
      flush();
      return;
    }
    *req.add_items() = it;
    if (req.items_size() >= batch) flush();
  };
  int64_t in_account = 0;
  onus::v1::StreamItem it;
  for (int i = 0; i < snap.resources_size(); ++i) {
    const onus::v1::Resource& r = snap.resources(i);
    *it.mutable_resource() = r;
    add(it);
    ++in_account;
    bool last = i + 1 == snap.resources_size() ||
                snap.resources(i + 1).account() != r.account();
    if (last) {
      auto* ac = it.mutable_account_complete();
      ac->set_account(r.account());
      ac->set_resource_count(static_cast<uint64_t>(in_account));
      add(it);
      in_account = 0;
    }
  }
  if (req.items_size() > 0) flush();
  return out;
}

// Sends `requests` (StreamRequests) over EvaluateStream and reads every
// answer. The requests are serialized before the clock starts, as the
// engine run starts from snapshot bytes already in memory; every byte still
// goes through a real gRPC stream on loopback. Answers are parsed in full,
// each message into an arena of its own (freed at once).
StreamRun RunStream(const std::string& target,
                    const std::vector<grpc::ByteBuffer>& requests, int batch,
                    int64_t server_pid) {
  StreamRun out;
  std::shared_ptr<grpc::Channel> channel = NewChannel(target, 2000 + batch);
  const grpc::internal::RpcMethod method(
      "/onus.v1.Evaluator/EvaluateStream",
      grpc::internal::RpcMethod::BIDI_STREAMING);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
  int64_t t0 = NowNs();
  const double cpu0 = ProcessCpuSeconds();
  const double server_cpu0 = server_pid > 0 ? PidCpuSeconds(server_pid) : -1;
  // The generated stub's stream with the request side typed as bytes.
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer,
                                           onus::v1::EvaluateStreamResponse>>
      stream(grpc::internal::ClientReaderWriterFactory<
             grpc::ByteBuffer,
             onus::v1::EvaluateStreamResponse>::Create(channel.get(), method,
                                                       &ctx));
  std::thread reader([&] {
    for (;;) {
      google::protobuf::Arena arena;
      auto* m = google::protobuf::Arena::CreateMessage<
          onus::v1::EvaluateStreamResponse>(&arena);
      if (!stream->Read(m)) break;
      ++out.messages;
      if (m->has_finding()) ++out.findings;
      if (m->has_findings()) out.findings += m->findings().findings_size();
      if (m->has_account_done()) ++out.accounts;
      if (m->has_summary()) out.summary = m->summary();
    }
  });
  for (const grpc::ByteBuffer& r : requests) {
    if (!stream->Write(r)) break;
  }
  stream->WritesDone();
  reader.join();
  out.status = stream->Finish();
  out.secs = static_cast<double>(NowNs() - t0) / 1e9;
  out.cpu_secs = ProcessCpuSeconds() - cpu0;
  if (server_cpu0 >= 0)
    out.server_cpu_secs = PidCpuSeconds(server_pid) - server_cpu0;
  return out;
}

bool StreamVsEngine(const Flags& f, const std::string& target,
                    const onus::v1::Snapshot& sample) {
  const int64_t n = std::max<int64_t>(1, f.Int("stream-resources"));
  onus::v1::Snapshot snap =
      Replicate(sample, n, std::max<int64_t>(1, f.Int("account-size")));
  const int batch =
      static_cast<int>(std::max<int64_t>(2, f.Int("stream-batch")));

  // In-process engine: snapshot bytes -> inventory -> report, one thread,
  // the server's default detail (non-passing findings), median of 3.
  lang::DiagnosticList diags;
  absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
      PolicyPack::Load({f.v.at("policies")}, lang::FrontendOptions(), diags);
  if (!pack.ok() || diags.has_errors()) {
    std::printf("stream: cannot load %s\n", f.v.at("policies").c_str());
    return false;
  }
  const std::string bytes = snap.SerializeAsString();
  uint64_t engine_resources = 0, engine_fail = 0;
  auto engine_run = [&]() -> double {
    int64_t t0 = NowNs();
    absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
    if (!inv.ok()) return -1;
    EvalOptions o;
    o.detail = FindingDetail::kNonPassing;
    absl::StatusOr<onus::v1::Report> report = Evaluate(**pack, *inv, o);
    if (!report.ok()) return -1;
    engine_resources = report->summary().resources_evaluated();
    engine_fail = report->summary().totals().fail();
    return static_cast<double>(NowNs() - t0) / 1e9;
  };
  bool consistent = true;
  auto same_as_engine = [&](const StreamRun& r) {
    const bool same = r.status.ok() &&
                      r.summary.resources_evaluated() == engine_resources &&
                      r.summary.totals().fail() == engine_fail &&
                      static_cast<uint64_t>(r.findings) >= engine_fail;
    if (!same) {
      std::printf(
          "stream: results differ from the engine (resources %lu vs %lu, "
          "fail %lu vs %lu): %s\n",
          r.summary.resources_evaluated(), engine_resources,
          r.summary.totals().fail(), engine_fail,
          r.status.error_message().c_str());
    }
    consistent &= same;
  };
  const bool target_given = !f.v.at("target").empty();
  auto describe = [&](const StreamRun& r, const char* how, double engine_s) {
    std::printf(
        "stream (%s): %ld resources, %ld accounts, %ld findings, %ld "
        "messages back, in %.2f s: %.0f resources/s; engine (1 thread, just "
        "before) %.3f s, %.0f resources/s: stream at %.0f%% of the engine; "
        "CPU %.2f us per resource (this process: %s, %.2f cores busy)\n",
        how, n, r.accounts, r.findings, r.messages, r.secs,
        static_cast<double>(n) / r.secs, engine_s,
        static_cast<double>(n) / engine_s, engine_s / r.secs * 100,
        r.cpu_secs * 1e6 / static_cast<double>(n),
        target_given ? "client only" : "client and server",
        r.cpu_secs / r.secs);
    if (r.server_cpu_secs >= 0) {
      // The engine run is one thread busy all along: its time is its CPU.
      std::printf(
          "stream (%s): server process CPU %.2f us per resource, the engine "
          "%.2f us: the server needs %.2fx the engine's CPU\n",
          how, r.server_cpu_secs * 1e6 / static_cast<double>(n),
          engine_s * 1e6 / static_cast<double>(n),
          r.server_cpu_secs / engine_s);
    }
  };

  // Each stream run is paired with an engine run just before it, so both
  // see the same machine; the target's figure is the median ratio of 3
  // batched pairs. The one-item stream (for comparison) runs once.
  const std::vector<grpc::ByteBuffer> one_item = StreamRequests(snap, 1);
  const std::vector<grpc::ByteBuffer> batched = StreamRequests(snap, batch);
  double engine_s = engine_run();
  if (engine_s < 0) return false;
  StreamRun one = RunStream(target, one_item, 1, f.Int("server-pid"));
  same_as_engine(one);
  describe(one, "one item per message", engine_s);
  std::vector<double> ratios;
  const std::string how =
      absl::StrCat(batch, " items per message, findings batched");
  for (int rep = 0; rep < (f.smoke ? 1 : 3) && consistent; ++rep) {
    engine_s = engine_run();
    if (engine_s < 0) return false;
    StreamRun r = RunStream(target, batched, batch, f.Int("server-pid"));
    same_as_engine(r);
    describe(r, how.c_str(), engine_s);
    ratios.push_back(engine_s / r.secs);
  }
  std::sort(ratios.begin(), ratios.end());
  const double batched_ratio = ratios.empty() ? 0 : ratios[ratios.size() / 2];
  if (!f.smoke) {
    std::printf(
        "target: EvaluateStream >= 70%% of the engine (batched, median of "
        "%zu): %.0f%% %s\n",
        ratios.size(), batched_ratio * 100, Verdict(batched_ratio >= 0.70));
  }
  return consistent;
}

int Main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--smoke") {
      f.smoke = true;
      continue;
    }
    if (a.rfind("--", 0) != 0 || i + 1 >= argc || !f.v.count(a.substr(2))) {
      std::fprintf(
          stderr,
          "usage: unary_bench [--seconds N] [--rate N] [--clients N] "
          "[--channels N] [--stream-resources N] [--policies DIR] [--input "
          "SNAPSHOT] [--target HOST:PORT] [--phases engine,open,closed,stream] "
          "[--log 0|1] [--server-threads N] [--open-method evaluate|getinfo] "
          "[--stream-batch N] [--server-pid PID] [--client-retries 0|1] "
          "[--smoke]\n");
      return 2;
    }
    f.v[a.substr(2)] = argv[++i];
  }
  client_retries = f.Int("client-retries") != 0;
  std::printf("load average at start: %.2f; %u cores\n", LoadAverage(),
              std::thread::hardware_concurrency());
  absl::StatusOr<onus::v1::Snapshot> sample = LoadSnapshot(f.v["input"]);
  if (!sample.ok() || sample->resources_size() == 0) {
    std::printf("cannot load %s: %s\n", f.v["input"].c_str(),
                sample.status().ToString().c_str());
    return 1;
  }
  std::vector<onus::v1::EvaluateRequest> reqs = MakeRequests(*sample);

  std::unique_ptr<EvaluationServer> server;
  std::ofstream devnull("/dev/null");
  std::string target = f.v["target"];
  if (target.empty()) {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.plaintext = true;
    o.policy_paths = {f.v["policies"]};
    o.log = f.Int("log") != 0 ? &devnull : nullptr;
    o.limits.default_deadline = absl::Hours(1);
    if (!f.v["server-threads"].empty()) {
      o.limits.max_threads = static_cast<int>(f.Int("server-threads"));
    }
    absl::StatusOr<std::unique_ptr<EvaluationServer>> s =
        EvaluationServer::Start(o);
    if (!s.ok()) {
      std::printf("server: %s\n", s.status().ToString().c_str());
      return 1;
    }
    server = *std::move(s);
    target = absl::StrCat("127.0.0.1:", server->port());
  }
  std::printf(
      "server %s, %zu distinct one-resource requests, client retries %s\n",
      target.c_str(), reqs.size(), client_retries ? "on" : "off");

  bool ok = true;
  if (f.Phase("engine")) EngineOnly(f, *sample);
  if (f.Phase("open")) ok &= OpenLoop(f, target, reqs);
  if (f.Phase("closed")) {
    ClosedLoop c(f, target, reqs);
    ok &= c.Run(f);
  }
  if (f.Phase("stream")) ok &= StreamVsEngine(f, target, *sample);
  if (server != nullptr) server->Shutdown(absl::Seconds(5));
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace onus::engine::bench

int main(int argc, char** argv) {
  return onus::engine::bench::Main(argc, argv);
}
