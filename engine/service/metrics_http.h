// A minimal HTTP/1.1 responder for the Prometheus scrape endpoint: GET (or
// HEAD) /metrics answers 200 with the text `render` returns; other paths
// 404, other methods 405, malformed requests 400, requests whose head is
// larger than `max_request_bytes` 431, requests not complete within
// `request_timeout` 408. Every response closes its connection.
//
// One thread multiplexes up to `max_connections` connections with poll(),
// so a slow or silent client holds one slot for at most `request_timeout`;
// beyond that many, new connections wait in the listen backlog until a slot
// frees. Nothing here is specific to metrics but the path.
#ifndef ONUS_ENGINE_SERVICE_METRICS_HTTP_H_
#define ONUS_ENGINE_SERVICE_METRICS_HTTP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace onus::engine {

struct MetricsHttpOptions {
  // HOST:PORT; HOST an IPv4 address, [IPv6] or a name; port 0 picks one.
  std::string listen;
  // Plain HTTP: refused on non-loopback addresses unless this is set.
  bool allow_remote = false;
  size_t max_request_bytes = 8 << 10;
  absl::Duration request_timeout = absl::Seconds(5);
  int max_connections = 16;
};

class MetricsHttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const MetricsHttpOptions& options, std::function<std::string()> render);
  ~MetricsHttpServer();  // Stop()

  int port() const { return port_; }
  // Closes the listener and every connection; idempotent.
  void Stop();

 private:
  MetricsHttpServer() = default;
  void Loop();

  MetricsHttpOptions options_;
  std::function<std::string()> render_;
  int listen_fd_ = -1;
  int wake_fd_[2] = {-1, -1};  // a pipe: Stop() writes, the loop wakes
  int port_ = 0;
  std::thread thread_;
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_SERVICE_METRICS_HTTP_H_
