// The gRPC evaluation service (proto/onus/v1/service.proto, docs/api.md).
//
//   ServerOptions opts;
//   opts.policy_paths = {"policies"};
//   opts.listen = "127.0.0.1:0";
//   opts.plaintext = true;
//   auto server = EvaluationServer::Start(opts);
//   int port = (*server)->port();
//   ...
//   (*server)->Shutdown(absl::Seconds(5));
//
// The policy bundle is held in a shared_ptr swapped under a mutex: calls in
// flight keep the bundle they started with, and LoadBundle replaces it
// atomically (or not at all). `policy_paths` may name one compiled bundle
// (`onus compile` output, .onusb) instead of sources.
#ifndef ONUS_ENGINE_SERVICE_SERVER_H_
#define ONUS_ENGINE_SERVICE_SERVER_H_

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace onus::engine {

enum class Role { kNone = 0, kEvaluate = 1, kAdmin = 2 };

// Bearer tokens: one `TOKEN ROLE` pair per line (ROLE: evaluate | admin);
// blank lines and lines starting with '#' are skipped. Errors name the line.
class TokenTable {
 public:
  static absl::StatusOr<TokenTable> Parse(absl::string_view text,
                                          absl::string_view file_name);
  static absl::StatusOr<TokenTable> Load(const std::string& path);
  // Constant-time in the token contents: every entry is compared.
  Role Lookup(absl::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, Role>> entries_;
};

struct ServerLimits {
  int64_t max_message_bytes = 64 << 20;
  int64_t max_resources_per_request = 1'000'000;
  int max_concurrent_streams = 100;
  // Per (policy, resource) pair, passed to the VM.
  int64_t instruction_budget = 1'000'000;
  // For calls that carry no deadline.
  absl::Duration default_deadline = absl::Seconds(60);
  int max_sources = 10'000;
  // Evaluator threads per call.
  int threads_per_call = 1;
  // Server threads (calls handled at once); beyond it new calls get
  // RESOURCE_EXHAUSTED instead of queueing without bound.
  int max_threads = 64;
};

struct ServerOptions {
  // Initial bundle: files/directories on disk, or in-memory sources when
  // `policy_paths` is empty.
  std::vector<std::string> policy_paths;
  std::vector<std::pair<std::string, std::string>> policy_sources;
  // Non-zero: every `watch_interval`, the files under `policy_paths`
  // (name, size, modification time) are compared with the last look; on a
  // change they are compiled (or the .onusb loaded) and swapped in like a
  // LoadBundle. A failure keeps the running bundle, is logged, and counts
  // in onus_bundle_reloads_total{result="failed"}. Replace files by rename
  // so a half-written file is never read.
  absl::Duration watch_interval = absl::ZeroDuration();

  std::string listen = "127.0.0.1:7070";  // port 0 picks a free port
  // Plaintext must be asked for, and is refused on non-loopback addresses
  // unless allow_remote_plaintext.
  bool plaintext = false;
  bool allow_remote_plaintext = false;
  // PEM contents (not paths). Certificate and key enable TLS; a client CA
  // also requires and verifies client certificates (mTLS).
  std::string tls_cert_pem, tls_key_pem, tls_client_ca_pem;
  // Null: no authentication; every caller may evaluate and nobody may
  // LoadBundle.
  std::shared_ptr<const TokenTable> tokens;
  ServerLimits limits;
  // One JSON line per call, written by a background thread (at most 50 ms
  // after the call); null for none.
  std::ostream* log = &std::cerr;
  // Prometheus metrics over plain HTTP (GET /metrics), e.g.
  // "127.0.0.1:9464"; port 0 picks a free port; empty: no endpoint.
  // Refused on non-loopback addresses unless allow_remote_metrics.
  std::string metrics_listen;
  bool allow_remote_metrics = false;
  std::string version = "dev";
};

class EvaluationServer {
 public:
  // Loads the initial bundle and starts listening. Policy errors come back
  // as INVALID_ARGUMENT with the rendered diagnostics.
  static absl::StatusOr<std::unique_ptr<EvaluationServer>> Start(
      const ServerOptions& options);
  ~EvaluationServer();

  int port() const;
  // The metrics endpoint's port; 0 when there is none.
  int metrics_port() const;
  // What GET /metrics answers (docs/api.md), also without an endpoint.
  std::string MetricsText() const;
  uint64_t bundle_version() const;
  // Stops accepting calls, lets calls in flight finish until `grace` has
  // passed, then cancels the rest. Idempotent.
  void Shutdown(absl::Duration grace);
  // Blocks until Shutdown.
  void Wait();

  struct Impl;

 private:
  explicit EvaluationServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1, localhost and unix: addresses.
bool IsLoopbackAddress(absl::string_view listen);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_SERVICE_SERVER_H_
