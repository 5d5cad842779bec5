#include "engine/service/metrics.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace onus::engine {
namespace {

constexpr const char* kCodeNames[ServiceMetrics::kNumCodes] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

constexpr const char* kOutcomeNames[kNumOutcomes] = {
    "pass", "fail", "error", "not_applicable", "waived"};

// Label values may hold any UTF-8; the format escapes \, " and newline.
std::string LabelValue(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Family(std::string* out, absl::string_view name, absl::string_view type,
            absl::string_view help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type,
                  "\n");
}

std::string Seconds(double s) { return absl::StrFormat("%.9g", s); }

double ReadProcessStart() {
  // Field 22 of /proc/self/stat: start time in clock ticks after boot. The
  // command name (field 2) may hold spaces, so split after its ')'.
  std::ifstream stat("/proc/self/stat");
  std::stringstream ss;
  ss << stat.rdbuf();
  std::string s = ss.str();
  size_t paren = s.rfind(')');
  if (paren == std::string::npos) return -1;
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(s).substr(paren + 1), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state), so field 22 is fields[19].
  uint64_t ticks = 0;
  if (fields.size() < 20 || !absl::SimpleAtoi(fields[19], &ticks)) return -1;
  std::ifstream proc_stat("/proc/stat");
  std::string line;
  uint64_t btime = 0;
  while (std::getline(proc_stat, line)) {
    if (line.rfind("btime ", 0) == 0 &&
        absl::SimpleAtoi(absl::string_view(line).substr(6), &btime)) {
      break;
    }
  }
  long hz = sysconf(_SC_CLK_TCK);
  if (btime == 0 || hz <= 0) return -1;
  return static_cast<double>(btime) +
         static_cast<double>(ticks) / static_cast<double>(hz);
}

}  // namespace

const char* MethodName(Method m) {
  switch (m) {
    case Method::kEvaluate:
      return "Evaluate";
    case Method::kEvaluateStream:
      return "EvaluateStream";
    case Method::kCheck:
      return "Check";
    case Method::kListPolicies:
      return "ListPolicies";
    case Method::kGetInfo:
      return "GetInfo";
    case Method::kLoadBundle:
      return "LoadBundle";
  }
  return "unknown";
}

double ProcessStartSeconds() {
  static const double start = [] {
    double s = ReadProcessStart();
    return s > 0 ? s : absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  }();
  return start;
}

ServiceMetrics::ServiceMetrics()
    : process_start_seconds_(ProcessStartSeconds()) {
  for (size_t i = 0; i < kLatencyBounds.size(); ++i) {
    bounds_ns_[i] = static_cast<int64_t>(kLatencyBounds[i] * 1e9 + 0.5);
  }
}

void ServiceMetrics::CallStarted(Method m) {
  methods_[static_cast<int>(m)].in_flight.fetch_add(1,
                                                    std::memory_order_relaxed);
}

void ServiceMetrics::CallFinished(Method m, int grpc_code,
                                  absl::Duration elapsed) {
  PerMethod& pm = methods_[static_cast<int>(m)];
  pm.in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (grpc_code < 0 || grpc_code >= kNumCodes) grpc_code = 2;  // UNKNOWN
  pm.by_code[grpc_code].fetch_add(1, std::memory_order_relaxed);
  int64_t ns = std::max<int64_t>(0, absl::ToInt64Nanoseconds(elapsed));
  size_t b = 0;
  while (b < bounds_ns_.size() && ns > bounds_ns_[b]) ++b;
  pm.buckets[b].fetch_add(1, std::memory_order_relaxed);
  pm.sum_ns.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

void ServiceMetrics::AddResources(uint64_t n) {
  resources_.fetch_add(n, std::memory_order_relaxed);
}

void ServiceMetrics::AddOutcomes(OutcomeSlot o, uint64_t n) {
  if (n == 0) return;
  outcomes_[static_cast<int>(o)].fetch_add(n, std::memory_order_relaxed);
}

void ServiceMetrics::SetBundle(uint64_t version, const std::string& digest_hex,
                               const std::string& source,
                               absl::Time loaded_at) {
  absl::MutexLock lock(&mu_);
  bundle_version_ = version;
  bundle_digest_ = digest_hex;
  bundle_source_ = source;
  bundle_loaded_seconds_ = absl::ToDoubleSeconds(loaded_at - absl::UnixEpoch());
}

void ServiceMetrics::BundleReloaded(bool ok) {
  (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
}

std::string ServiceMetrics::Render() const {
  std::string out;
  out.reserve(16 << 10);
  auto load = [](const std::atomic<uint64_t>& a) {
    return a.load(std::memory_order_relaxed);
  };

  Family(&out, "onus_rpc_requests_total", "counter",
         "Calls of onus.v1.Evaluator finished, by method and gRPC status "
         "code.");
  for (int m = 0; m < kNumMethods; ++m) {
    const char* name = MethodName(static_cast<Method>(m));
    for (int c = 0; c < kNumCodes; ++c) {
      uint64_t v = load(methods_[m].by_code[c]);
      // OK is always present so every method has a series from the start.
      if (v == 0 && c != 0) continue;
      absl::StrAppend(&out, "onus_rpc_requests_total{method=\"", name,
                      "\",code=\"", kCodeNames[c], "\"} ", v, "\n");
    }
  }
  Family(&out, "onus_rpc_errors_total", "counter",
         "Calls finished with a status other than OK, by method.");
  for (int m = 0; m < kNumMethods; ++m) {
    uint64_t errors = 0;
    for (int c = 1; c < kNumCodes; ++c) errors += load(methods_[m].by_code[c]);
    absl::StrAppend(&out, "onus_rpc_errors_total{method=\"",
                    MethodName(static_cast<Method>(m)), "\"} ", errors, "\n");
  }
  Family(&out, "onus_rpc_duration_seconds", "histogram",
         "Time from a call's arrival in its handler to its status, by "
         "method.");
  for (int m = 0; m < kNumMethods; ++m) {
    const char* name = MethodName(static_cast<Method>(m));
    uint64_t cumulative = 0;
    for (int b = 0; b < kNumBuckets; ++b) {
      cumulative += load(methods_[m].buckets[b]);
      std::string le = b < static_cast<int>(kLatencyBounds.size())
                           ? absl::StrCat(kLatencyBounds[b])
                           : "+Inf";
      absl::StrAppend(&out, "onus_rpc_duration_seconds_bucket{method=\"", name,
                      "\",le=\"", le, "\"} ", cumulative, "\n");
    }
    absl::StrAppend(
        &out, "onus_rpc_duration_seconds_sum{method=\"", name, "\"} ",
        Seconds(static_cast<double>(load(methods_[m].sum_ns)) / 1e9), "\n",
        "onus_rpc_duration_seconds_count{method=\"", name, "\"} ", cumulative,
        "\n");
  }
  Family(&out, "onus_rpc_in_flight", "gauge",
         "Calls being handled now, by method.");
  for (int m = 0; m < kNumMethods; ++m) {
    absl::StrAppend(&out, "onus_rpc_in_flight{method=\"",
                    MethodName(static_cast<Method>(m)), "\"} ",
                    methods_[m].in_flight.load(std::memory_order_relaxed),
                    "\n");
  }
  Family(&out, "onus_resources_evaluated_total", "counter",
         "Resources evaluated by Evaluate and EvaluateStream (calls or "
         "accounts whose evaluation completed).");
  absl::StrAppend(&out, "onus_resources_evaluated_total ", load(resources_),
                  "\n");
  Family(&out, "onus_findings_total", "counter",
         "(policy, resource) pairs evaluated, by outcome; passing pairs are "
         "counted even when the report does not list them.");
  for (int o = 0; o < kNumOutcomes; ++o) {
    absl::StrAppend(&out, "onus_findings_total{outcome=\"", kOutcomeNames[o],
                    "\"} ", load(outcomes_[o]), "\n");
  }
  {
    absl::MutexLock lock(&mu_);
    Family(&out, "onus_bundle_version", "gauge",
           "Version of the policy bundle serving (1 at start, +1 per load).");
    absl::StrAppend(&out, "onus_bundle_version ", bundle_version_, "\n");
    Family(&out, "onus_bundle_info", "gauge",
           "The policy bundle serving, as labels (digest as in BundleRef; "
           "source: sources or compiled); always 1.");
    absl::StrAppend(&out, "onus_bundle_info{digest=\"",
                    LabelValue(bundle_digest_), "\",source=\"",
                    LabelValue(bundle_source_), "\",version=\"",
                    bundle_version_, "\"} 1\n");
    Family(&out, "onus_bundle_loaded_timestamp_seconds", "gauge",
           "When the serving bundle was loaded, in seconds since the Unix "
           "epoch.");
    absl::StrAppend(&out, "onus_bundle_loaded_timestamp_seconds ",
                    absl::StrFormat("%.3f", bundle_loaded_seconds_), "\n");
  }
  Family(&out, "onus_bundle_reloads_total", "counter",
         "Reloads of watched policy files (--watch-s), by result; a failed "
         "reload keeps the running bundle.");
  absl::StrAppend(&out, "onus_bundle_reloads_total{result=\"ok\"} ",
                  load(reloads_ok_), "\n",
                  "onus_bundle_reloads_total{result=\"failed\"} ",
                  load(reloads_failed_), "\n");
  Family(&out, "process_start_time_seconds", "gauge",
         "Start time of the process since unix epoch in seconds.");
  absl::StrAppend(&out, "process_start_time_seconds ",
                  absl::StrFormat("%.2f", process_start_seconds_), "\n");
  return out;
}

}  // namespace onus::engine
