// Counters of the evaluation service, rendered in the Prometheus text
// exposition format 0.0.4 (docs/api.md lists every metric).
//
//   ServiceMetrics m;
//   m.CallStarted(Method::kEvaluate);
//   ...
//   m.CallFinished(Method::kEvaluate, /*grpc_code=*/0, elapsed);
//   std::string text = m.Render();
//
// Calls update relaxed atomics in fixed per-method arrays: no lock and no
// allocation on the call path. Only the bundle identity (changed by a load)
// and Render() take a mutex.
#ifndef ONUS_ENGINE_SERVICE_METRICS_H_
#define ONUS_ENGINE_SERVICE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace onus::engine {

// The service's methods, in proto order.
enum class Method : int {
  kEvaluate,
  kEvaluateStream,
  kCheck,
  kListPolicies,
  kGetInfo,
  kLoadBundle,
};
inline constexpr int kNumMethods = 6;
const char* MethodName(Method m);

// Outcomes of (policy, resource) pairs, as onus.v1.Outcome minus UNSPECIFIED.
enum class OutcomeSlot : int { kPass, kFail, kError, kNotApplicable, kWaived };
inline constexpr int kNumOutcomes = 5;

class ServiceMetrics {
 public:
  // Upper bounds of the latency histogram, in seconds: 100 us to 10 s.
  static constexpr std::array<double, 16> kLatencyBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  // gRPC status codes 0 (OK) .. 16 (UNAUTHENTICATED).
  static constexpr int kNumCodes = 17;

  ServiceMetrics();

  void CallStarted(Method m);
  // `grpc_code` outside 0..16 is counted as UNKNOWN (2).
  void CallFinished(Method m, int grpc_code, absl::Duration elapsed);
  void AddResources(uint64_t n);
  void AddOutcomes(OutcomeSlot o, uint64_t n);
  // The bundle now serving; `source` is "sources" or "compiled".
  void SetBundle(uint64_t version, const std::string& digest_hex,
                 const std::string& source, absl::Time loaded_at);
  // A reload of watched policy files (ServerOptions::watch_interval).
  void BundleReloaded(bool ok);

  // The exposition text, ending in a newline.
  std::string Render() const;

 private:
  static constexpr int kNumBuckets = kLatencyBounds.size() + 1;  // + +Inf
  struct alignas(64) PerMethod {
    std::atomic<int64_t> in_flight{0};
    std::array<std::atomic<uint64_t>, kNumCodes> by_code{};
    // Not cumulative here; Render() accumulates.
    std::array<std::atomic<uint64_t>, kNumBuckets> buckets{};
    std::atomic<uint64_t> sum_ns{0};
  };
  std::array<PerMethod, kNumMethods> methods_;
  alignas(64) std::atomic<uint64_t> resources_{0};
  std::array<std::atomic<uint64_t>, kNumOutcomes> outcomes_{};
  std::atomic<uint64_t> reloads_ok_{0}, reloads_failed_{0};
  std::array<int64_t, kLatencyBounds.size()> bounds_ns_;
  double process_start_seconds_;

  mutable absl::Mutex mu_;
  uint64_t bundle_version_ ABSL_GUARDED_BY(mu_) = 0;
  std::string bundle_digest_ ABSL_GUARDED_BY(mu_);
  std::string bundle_source_ ABSL_GUARDED_BY(mu_);
  double bundle_loaded_seconds_ ABSL_GUARDED_BY(mu_) = 0;
};

// Seconds since the Unix epoch at which this process started (from
// /proc/self/stat and the boot time in /proc/stat), or the time of the
// first call when /proc cannot tell.
double ProcessStartSeconds();

}  // namespace onus::engine

#endif  // ONUS_ENGINE_SERVICE_METRICS_H_
