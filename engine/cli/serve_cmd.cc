// onus serve --policies DIR [--listen HOST:PORT] [--tokens FILE]
//            [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]
//            [--plaintext [--allow-remote-plaintext]] [--port-file FILE]
//            [--max-resources N] [--max-message-mb N] [--max-streams N]
//            [--max-threads N]
//            [--instruction-budget N] [--default-deadline-s N] [-j N]
//            [--shutdown-grace-s N]
//            [--metrics-listen HOST:PORT [--allow-remote-metrics]]
//            [--metrics-port-file FILE] [--watch-s N]
// --policies may name one compiled bundle (.onusb, from `onus compile`).
// Runs the gRPC evaluation service (engine/service/server.h) until SIGTERM
// or SIGINT, then shuts down gracefully.
#include <signal.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/service/server.h"

namespace onus::cli {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& flag,
                                     const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return absl::NotFoundError(
        absl::StrCat("--", flag, " ", path, ": cannot read"));
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Reads an integer flag into `out` when present.
bool IntFlag(const Args& args, const std::string& name, int64_t min,
             int64_t* out, std::ostream& err) {
  if (!args.Has(name)) return true;
  int64_t v;
  if (!absl::SimpleAtoi(args.Get(name), &v) || v < min) {
    err << "onus serve: --" << name << " must be an integer >= " << min << "\n";
    return false;
  }
  *out = v;
  return true;
}

// Writes `port` to `path` under a temporary name and renames it, so a
// reader never sees a partial number.
bool WritePortFile(const std::string& flag, const std::string& path, int port,
                   std::ostream& err) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << port << "\n";
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err << "onus serve: cannot write --" << flag << " " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace

int RunServe(const std::vector<std::string>& argv, std::ostream& out,
             std::ostream& err) {
  (void)out;
  absl::StatusOr<Args> args =
      ParseArgs(argv, {{"policies", true, true},
                       {"listen", true},
                       {"tokens", true},
                       {"tls-cert", true},
                       {"tls-key", true},
                       {"tls-client-ca", true},
                       {"plaintext", false},
                       {"allow-remote-plaintext", false},
                       {"port-file", true},
                       {"max-resources", true},
                       {"max-message-mb", true},
                       {"max-streams", true},
                       {"max-threads", true},
                       {"instruction-budget", true},
                       {"default-deadline-s", true},
                       {"j", true},
                       {"shutdown-grace-s", true},
                       {"metrics-listen", true},
                       {"allow-remote-metrics", false},
                       {"metrics-port-file", true},
                       {"watch-s", true}});
  if (!args.ok()) {
    err << "onus serve: " << args.status().message() << "\n";
    return kExitUsage;
  }
  engine::ServerOptions opts;
  opts.version = kVersion;
  opts.policy_paths = args->GetAll("policies");
  if (opts.policy_paths.empty()) {
    err << "onus serve: --policies DIR is required\n";
    return kExitUsage;
  }
  opts.listen = args->Get("listen", "127.0.0.1:7070");
  opts.plaintext = args->Has("plaintext");
  opts.allow_remote_plaintext = args->Has("allow-remote-plaintext");
  opts.metrics_listen = args->Get("metrics-listen", "");
  opts.allow_remote_metrics = args->Has("allow-remote-metrics");
  if (args->Has("metrics-port-file") && opts.metrics_listen.empty()) {
    err << "onus serve: --metrics-port-file needs --metrics-listen\n";
    return kExitUsage;
  }
  for (auto [flag, field] :
       {std::pair<const char*, std::string*>{"tls-cert", &opts.tls_cert_pem},
        {"tls-key", &opts.tls_key_pem},
        {"tls-client-ca", &opts.tls_client_ca_pem}}) {
    if (!args->Has(flag)) continue;
    absl::StatusOr<std::string> pem = ReadFile(flag, args->Get(flag));
    if (!pem.ok()) {
      err << "onus serve: " << pem.status().message() << "\n";
      return kExitUsage;
    }
    *field = *std::move(pem);
  }
  if (args->Has("tokens")) {
    absl::StatusOr<engine::TokenTable> tokens =
        engine::TokenTable::Load(args->Get("tokens"));
    if (!tokens.ok()) {
      err << "onus serve: " << tokens.status().message() << "\n";
      return kExitUsage;
    }
    opts.tokens = std::make_shared<engine::TokenTable>(*std::move(tokens));
  }
  int64_t max_mb = opts.limits.max_message_bytes >> 20;
  int64_t streams = opts.limits.max_concurrent_streams;
  int64_t max_threads = opts.limits.max_threads;
  int64_t deadline_s = absl::ToInt64Seconds(opts.limits.default_deadline);
  int64_t threads = opts.limits.threads_per_call;
  int64_t grace_s = 10;
  int64_t watch_s = 0;
  if (!IntFlag(*args, "max-resources", 1,
               &opts.limits.max_resources_per_request, err) ||
      !IntFlag(*args, "max-message-mb", 1, &max_mb, err) ||
      !IntFlag(*args, "max-streams", 1, &streams, err) ||
      !IntFlag(*args, "max-threads", 2, &max_threads, err) ||
      !IntFlag(*args, "instruction-budget", 1000,
               &opts.limits.instruction_budget, err) ||
      !IntFlag(*args, "default-deadline-s", 1, &deadline_s, err) ||
      !IntFlag(*args, "j", 1, &threads, err) ||
      !IntFlag(*args, "shutdown-grace-s", 0, &grace_s, err) ||
      !IntFlag(*args, "watch-s", 1, &watch_s, err)) {
    return kExitUsage;
  }
  opts.limits.max_message_bytes = std::min<int64_t>(max_mb, 2047) << 20;
  opts.limits.max_concurrent_streams = static_cast<int>(streams);
  opts.limits.max_threads = static_cast<int>(max_threads);
  opts.limits.default_deadline = absl::Seconds(deadline_s);
  opts.limits.threads_per_call = static_cast<int>(threads);
  opts.watch_interval = absl::Seconds(watch_s);

  // Block the shutdown signals before gRPC starts its threads, so they all
  // inherit the mask and sigwait below is the only receiver.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  absl::StatusOr<std::unique_ptr<engine::EvaluationServer>> server =
      engine::EvaluationServer::Start(opts);
  if (!server.ok()) {
    err << "onus serve: " << server.status().message() << "\n";
    return kExitUsage;
  }
  int port = (*server)->port();
  if (args->Has("port-file") &&
      !WritePortFile("port-file", args->Get("port-file"), port, err)) {
    return kExitUsage;
  }
  if (args->Has("metrics-port-file") &&
      !WritePortFile("metrics-port-file", args->Get("metrics-port-file"),
                     (*server)->metrics_port(), err)) {
    return kExitUsage;
  }
  err << "onus serve: listening on " << opts.listen << " (port " << port << ", "
      << (opts.plaintext ? "plaintext" : "TLS")
      << (opts.tokens ? ", token auth" : ", no auth") << ", bundle v"
      << (*server)->bundle_version() << ")\n";
  if (!opts.metrics_listen.empty()) {
    err << "onus serve: metrics on http://" << opts.metrics_listen
        << "/metrics (port " << (*server)->metrics_port() << ")\n";
  }
  err << std::flush;
  int sig = 0;
  sigwait(&sigs, &sig);
  err << "onus serve: signal " << sig << ", shutting down (grace " << grace_s
      << "s)\n"
      << std::flush;
  (*server)->Shutdown(absl::Seconds(grace_s));
  return kExitClean;
}

}  // namespace onus::cli
