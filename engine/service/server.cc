#include "engine/service/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "engine/evaluator.h"
#include "engine/inventory.h"
#include "engine/service/bundle_internal.h"
#include "engine/service/metrics.h"
#include "engine/service/metrics_http.h"
#include "engine/service/resource_wire.h"
#include "engine/waivers.h"
#include "google/protobuf/io/coded_stream.h"
#include "lang/status_macros.h"
#include "onus/internal/service_wire.pb.h"
#include "onus/v1/service.grpc.pb.h"

namespace onus::engine {

using service_internal::AppendResourceRecord;
using service_internal::Bundle;
using service_internal::CompileBundle;
using service_internal::CompileResult;
using service_internal::ResourceEnvelope;

// ---------------------------------------------------------------- tokens

absl::StatusOr<TokenTable> TokenTable::Parse(absl::string_view text,
                                             absl::string_view file_name) {
  TokenTable t;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_no, ": expected `TOKEN ROLE`, got ",
                       parts.size(), " field(s)"));
    }
    Role role;
    if (parts[1] == "evaluate") {
      role = Role::kEvaluate;
    } else if (parts[1] == "admin") {
      role = Role::kAdmin;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_no, ": unknown role `", parts[1],
                       "` (expected evaluate or admin)"));
    }
    if (parts[0].size() < 16) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_name, ":", line_no,
          ": token shorter than 16 characters (too easy to guess)"));
    }
    t.entries_.emplace_back(std::string(parts[0]), role);
  }
  if (t.entries_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name,
                     ": no tokens (an empty file would lock "
                     "every caller out)"));
  }
  return t;
}

absl::StatusOr<TokenTable> TokenTable::Load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream ss;
  ss << f.rdbuf();
  return Parse(ss.str(), path);
}

Role TokenTable::Lookup(absl::string_view token) const {
  // Compare against every entry whatever matches, so timing reveals
  // neither which token nor how much of it matched. Lengths are not
  // secret.
  Role found = Role::kNone;
  for (const auto& [t, role] : entries_) {
    bool eq = t.size() == token.size() &&
              CRYPTO_memcmp(t.data(), token.data(), t.size()) == 0;
    if (eq) found = role;
  }
  return found;
}

bool IsLoopbackAddress(absl::string_view listen) {
  if (absl::StartsWith(listen, "unix:")) return true;
  absl::string_view host = listen;
  if (absl::StartsWith(host, "[")) {
    size_t close = host.find(']');
    if (close == absl::string_view::npos) return false;
    host = host.substr(1, close - 1);
  } else {
    size_t colon = host.rfind(':');
    if (colon != absl::string_view::npos) host = host.substr(0, colon);
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

std::string JsonEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out;
}

FindingDetail ToDetail(onus::v1::EvaluateOptions::Detail d) {
  switch (d) {
    case onus::v1::EvaluateOptions::ALL:
      return FindingDetail::kAll;
    case onus::v1::EvaluateOptions::COUNTS_ONLY:
      return FindingDetail::kCountsOnly;
    default:
      return FindingDetail::kNonPassing;
  }
}

void AddCounts(const onus::v1::OutcomeCounts& a, onus::v1::OutcomeCounts* b) {
  b->set_pass(b->pass() + a.pass());
  b->set_fail(b->fail() + a.fail());
  b->set_error(b->error() + a.error());
  b->set_not_applicable(b->not_applicable() + a.not_applicable());
  b->set_waived(b->waived() + a.waived());
}

// Checks one serialized resource of a request (engine/service/
// resource_wire.h). `field` and `index` name it ("resources", 3 ->
// resources[3]; "item", 3 -> item 3 resource); the text is built only for
// an error.
absl::Status CheckResource(absl::string_view bytes, absl::string_view field,
                           int64_t index, ResourceEnvelope* env) {
  return service_internal::CheckResourceBytes(
      bytes,
      [&] {
        return field == "item" ? absl::StrCat("item ", index, " resource")
                               : absl::StrCat(field, "[", index, "]");
      },
      env);
}

// Sync gRPC handlers learn of a client's cancel only by asking; the VM
// reads an atomic flag. One poller thread per server bridges the two: calls
// register for as long as their evaluation runs, and every 20 ms the
// poller asks each registered call whether its client cancelled. (A thread
// per call, as before, cost more than evaluating one resource.)
class CancelPoller {
 public:
  struct Entry {
    grpc::ServerContextBase* ctx = nullptr;
    std::atomic<bool> cancelled{false};
    Entry* prev = nullptr;
    Entry* next = nullptr;
  };

  // Registers `ctx` for its lifetime.
  class Watch {
   public:
    Watch(CancelPoller* p, grpc::ServerContextBase* ctx) : poller_(p) {
      entry_.ctx = ctx;
      poller_->Add(&entry_);
    }
    ~Watch() { poller_->Remove(&entry_); }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    const std::atomic<bool>* flag() const { return &entry_.cancelled; }
    bool cancelled() const { return entry_.cancelled.load(); }

   private:
    CancelPoller* poller_;
    Entry entry_;
  };

  CancelPoller() : thread_([this] { Run(); }) {}
  ~CancelPoller() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

 private:
  void Add(Entry* e) {
    absl::MutexLock lock(&mu_);
    e->next = head_;
    if (head_ != nullptr) head_->prev = e;
    head_ = e;
  }
  void Remove(Entry* e) {
    absl::MutexLock lock(&mu_);
    if (e->prev != nullptr) e->prev->next = e->next;
    if (e->next != nullptr) e->next->prev = e->prev;
    if (head_ == e) head_ = e->next;
  }
  void Run() {
    absl::MutexLock lock(&mu_);
    while (!mu_.AwaitWithTimeout(absl::Condition(&stop_),
                                 absl::Milliseconds(20))) {
      for (Entry* e = head_; e != nullptr; e = e->next) {
        if (!e->cancelled.load(std::memory_order_relaxed) &&
            e->ctx->IsCancelled()) {
          e->cancelled.store(true);
        }
      }
    }
  }

  absl::Mutex mu_;
  Entry* head_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

// Call log lines are formatted on the call's thread and written by one
// writer thread every 50 ms (sooner when 64 KB are pending), so no call
// waits on the log's I/O or on another call's write.
class LogWriter {
 public:
  explicit LogWriter(std::ostream* out)
      : out_(out), thread_([this] { Run(); }) {}
  ~LogWriter() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }
  void Append(absl::string_view line) {
    absl::MutexLock lock(&mu_);
    pending_.append(line.data(), line.size());
  }

 private:
  static constexpr size_t kEagerBytes = 64 << 10;
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || pending_.size() >= kEagerBytes;
  }
  void Run() {
    std::string batch;
    for (bool stop = false; !stop;) {
      mu_.LockWhenWithTimeout(absl::Condition(this, &LogWriter::Ready),
                              absl::Milliseconds(50));
      batch.swap(pending_);
      stop = stop_;
      mu_.Unlock();
      if (!batch.empty()) {
        out_->write(batch.data(), static_cast<std::streamsize>(batch.size()));
        out_->flush();
        batch.clear();
      }
    }
  }

  std::ostream* out_;
  absl::Mutex mu_;
  std::string pending_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last
};

// RFC 3339 UTC with microseconds, e.g. 2026-11-24T09:31:02.123456Z, without
// absl::FormatTime's general (and slower) formatter.
void AppendUtc(absl::Time t, std::string* out) {
  int64_t us = absl::ToUnixMicros(t);
  time_t secs = static_cast<time_t>(us / 1'000'000);
  tm utc;
  gmtime_r(&secs, &utc);
  char buf[40];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                        utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                        utc.tm_hour, utc.tm_min, utc.tm_sec,
                        static_cast<int>(us % 1'000'000));
  out->append(buf, static_cast<size_t>(std::max(0, n)));
}

PolicyListing ToListing(onus::v1::EvaluateOptions::PolicyListing l) {
  switch (l) {
    case onus::v1::EvaluateOptions::ALL_POLICIES:
      return PolicyListing::kAll;
    case onus::v1::EvaluateOptions::NO_POLICIES:
      return PolicyListing::kNone;
    default:
      return PolicyListing::kEvaluated;
  }
}

// Name, size and modification time (ns) of every regular file under
// `paths` (directories walked recursively), sorted: what the bundle watcher
// compares between looks. Unreadable paths appear with size -1.
std::string FilesSignature(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> parts;
  auto add = [&parts](const std::string& f) {
    struct stat st;
    if (stat(f.c_str(), &st) != 0) {
      parts.push_back(absl::StrCat(f, "\t-1"));
      return;
    }
    parts.push_back(absl::StrCat(f, "\t", st.st_size, "\t", st.st_mtim.tv_sec,
                                 ".", st.st_mtim.tv_nsec, "\t", st.st_ino));
  };
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      add(p);
      continue;
    }
    for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::error_code fe;
      if (it->is_regular_file(fe)) add(it->path().string());
    }
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, "\n");
}

// Appends the tag of length-delimited field `number` and `size` to `out`.
void AppendHeader(uint32_t number, size_t size, std::string* out) {
  uint8_t head[5 + 5];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      (number << 3) | 2, head);
  end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(size), end);
  out->append(reinterpret_cast<const char*>(head),
              static_cast<size_t>(end - head));
}

// A ByteBuffer that takes `bytes` over: gRPC sends them without a copy.
grpc::ByteBuffer OwningBuffer(std::string* bytes) {
  grpc::Slice slice(
      bytes->data(), bytes->size(),
      [](void* s) { delete static_cast<std::string*>(s); }, bytes);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer MessageBuffer(const google::protobuf::MessageLite& m) {
  return OwningBuffer(new std::string(m.SerializeAsString()));
}

void CountOutcomes(ServiceMetrics& m, const onus::v1::OutcomeCounts& c) {
  m.AddOutcomes(OutcomeSlot::kPass, c.pass());
  m.AddOutcomes(OutcomeSlot::kFail, c.fail());
  m.AddOutcomes(OutcomeSlot::kError, c.error());
  m.AddOutcomes(OutcomeSlot::kNotApplicable, c.not_applicable());
  m.AddOutcomes(OutcomeSlot::kWaived, c.waived());
}

}  // namespace

// ---------------------------------------------------------------- service

// A fixed set of threads running submitted work in order; the destructor
// finishes what was submitted.
class WorkerPool {
 public:
  explicit WorkerPool(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~WorkerPool() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }
  void Submit(std::function<void()> f) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(f));
  }

 private:
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || !queue_.empty();
  }
  void Run() {
    for (;;) {
      mu_.LockWhen(absl::Condition(this, &WorkerPool::Ready));
      if (queue_.empty()) {  // stopping, nothing left
        mu_.Unlock();
        return;
      }
      std::function<void()> f = std::move(queue_.front());
      queue_.pop_front();
      mu_.Unlock();
      f();
    }
  }

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

using onus::internal::EvaluateRequestWire;
using onus::internal::EvaluateStreamRequestWire;
using onus::internal::StreamItemWire;
using StreamRW =
    grpc::ServerReaderWriter<grpc::ByteBuffer, EvaluateStreamRequestWire>;

// Method indexes in proto/onus/v1/service.proto's `service Evaluator`.
constexpr int kEvaluateMethod = 0;
constexpr int kEvaluateStreamMethod = 1;

struct EvaluationServer::Impl final : public onus::v1::Evaluator::Service {
  // Evaluate and EvaluateStream read their requests as the wire views of
  // proto/onus/internal/service_wire.proto (the same bytes, resources
  // left serialized): the handlers the generated base class registered for
  // them are replaced by handlers of the same kind (callback unary, sync
  // bidi) typed on those views. Both answer with the bytes of their
  // onus.v1 responses, some of which they write themselves (ResponseBytes,
  // EvaluateAccount's finding batches).
  Impl() {
    MarkMethodCallback(
        kEvaluateMethod,
        new grpc::internal::CallbackUnaryHandler<EvaluateRequestWire,
                                                 grpc::ByteBuffer>(
            [this](grpc::CallbackServerContext* ctx,
                   const EvaluateRequestWire* req, grpc::ByteBuffer* resp) {
              return HandleEvaluate(ctx, req, resp);
            }));
    MarkMethodStreamed(
        kEvaluateStreamMethod,
        new grpc::internal::BidiStreamingHandler<
            Impl, EvaluateStreamRequestWire, grpc::ByteBuffer>(
            [](Impl* impl, grpc::ServerContext* ctx, StreamRW* stream) {
              return impl->HandleStream(ctx, stream);
            },
            this));
  }

  ServerOptions options;
  absl::Time started_at = absl::Now();
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  mutable absl::Mutex bundle_mu;
  std::shared_ptr<const Bundle> bundle ABSL_GUARDED_BY(bundle_mu);
  // Serialises LoadBundle calls so versions are assigned in swap order.
  absl::Mutex load_mu;
  uint64_t next_version ABSL_GUARDED_BY(load_mu) = 1;

  ServiceMetrics metrics;
  std::unique_ptr<MetricsHttpServer> metrics_http;
  CancelPoller cancel_poller;  // streams (sync API)
  // Evaluate calls being handled (the callback API has no thread quota).
  std::atomic<int> evaluate_in_flight{0};
  // Evaluate calls too large to run on a gRPC thread.
  std::unique_ptr<WorkerPool> workers = std::make_unique<WorkerPool>(
      static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  std::unique_ptr<LogWriter> log_writer;  // null without options.log
  // Bundle file watcher (options.watch_interval); joined by Shutdown.
  absl::Notification stop_watch;
  std::thread watcher;
  std::once_flag shutdown_once;

  std::shared_ptr<const Bundle> Current() const {
    absl::MutexLock lock(&bundle_mu);
    return bundle;
  }

  // Swaps in `b` (callers hold load_mu, or are starting the server).
  void Install(std::shared_ptr<const Bundle> b) {
    metrics.SetBundle(b->version(), b->digest_hex(), b->kind(), b->loaded_at());
    absl::MutexLock lock(&bundle_mu);
    bundle = std::move(b);
  }

  // Looks at the policy files every watch_interval; `last` is their
  // signature when the running bundle was compiled.
  void WatchLoop(std::string last) {
    while (!stop_watch.WaitForNotificationWithTimeout(options.watch_interval)) {
      std::string now = FilesSignature(options.policy_paths);
      if (now == last) continue;
      // Compared with the last attempt, not the last success: a broken
      // bundle is tried once, then again only when the files change.
      last = std::move(now);
      ReloadFromDisk();
    }
  }

  void ReloadFromDisk() {
    absl::MutexLock load_lock(&load_mu);
    CompileResult r = CompileBundle(options.policy_paths, {}, next_version);
    std::string status = "OK", message;
    if (r.bundle == nullptr) {
      status = r.status.ok() ? "INVALID_ARGUMENT"
                             : absl::StatusCodeToString(r.status.code());
      message = r.status.ok()
                    ? absl::StrCat(r.errors, " error(s) in the policies")
                    : std::string(r.status.message());
      for (const auto& d : r.diagnostics) {
        if (d.severity() != onus::v1::Diagnostic::ERROR) continue;
        absl::StrAppend(&message, "; ", d.file(), ":", d.line(), ":",
                        d.column(), ": ", d.message());
        break;
      }
      metrics.BundleReloaded(false);
    } else {
      ++next_version;
      Install(r.bundle);
      metrics.BundleReloaded(true);
    }
    if (log_writer != nullptr) {
      std::string line = "{\"time\":\"";
      AppendUtc(absl::Now(), &line);
      absl::StrAppend(&line, "\",\"event\":\"reload\",\"status\":\"", status,
                      "\",\"message\":\"", JsonEscape(message),
                      "\",\"bundle_version\":", Current()->version(), "}\n");
      log_writer->Append(line);
    }
  }

  // Per call: the metrics (in flight, status, latency) and one JSON log
  // line, both recorded when the call returns.
  struct CallLog {
    CallLog(Impl* i, Method m, grpc::ServerContextBase* c)
        : impl(i), method(m), ctx(c) {
      impl->metrics.CallStarted(method);
    }
    Impl* impl;
    Method method;
    grpc::ServerContextBase* ctx;
    absl::Time start = absl::Now();
    uint64_t resources = 0, findings = 0, bundle_version = 0;
    grpc::Status Finish(grpc::Status s) {
      const absl::Time end = absl::Now();
      impl->metrics.CallFinished(method, static_cast<int>(s.error_code()),
                                 end - start);
      if (impl->log_writer == nullptr) return s;
      std::string line;
      line.reserve(256);
      line += "{\"time\":\"";
      AppendUtc(end, &line);
      absl::StrAppend(
          &line, "\",\"method\":\"", MethodName(method), "\",\"peer\":\"",
          JsonEscape(ctx->peer()), "\",\"status\":\"",
          absl::StatusCodeToString(
              static_cast<absl::StatusCode>(s.error_code())),
          "\",\"message\":\"", JsonEscape(s.error_message()),
          "\",\"duration_ms\":",
          absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(end - start)),
          ",\"resources\":", resources, ",\"findings\":", findings,
          ",\"bundle_version\":", bundle_version, "}\n");
      impl->log_writer->Append(line);
      return s;
    }
  };

  absl::Status Authorize(grpc::ServerContextBase* ctx, Role need) const {
    if (options.tokens == nullptr) {
      if (need == Role::kAdmin) {
        return absl::PermissionDeniedError(
            "LoadBundle needs an admin token; the server runs without "
            "--tokens");
      }
      return absl::OkStatus();
    }
    const auto& md = ctx->client_metadata();
    auto it = md.find("authorization");
    if (it == md.end()) {
      return absl::UnauthenticatedError(
          "missing bearer token (metadata `authorization: Bearer TOKEN`)");
    }
    absl::string_view value(it->second.data(), it->second.size());
    if (!absl::ConsumePrefix(&value, "Bearer ")) {
      return absl::UnauthenticatedError(
          "`authorization` metadata must be `Bearer TOKEN`");
    }
    Role role = options.tokens->Lookup(value);
    if (role == Role::kNone) return absl::UnauthenticatedError("invalid token");
    if (static_cast<int>(role) < static_cast<int>(need)) {
      return absl::PermissionDeniedError(
          "this token's role is `evaluate`; the call needs `admin`");
    }
    return absl::OkStatus();
  }

  absl::Time DeadlineOf(grpc::ServerContextBase* ctx) const {
    auto d = ctx->deadline();
    if (d == std::chrono::system_clock::time_point::max()) {
      return absl::Now() + options.limits.default_deadline;
    }
    return absl::FromChrono(d);
  }

  struct PreparedOptions {
    std::shared_ptr<const PolicyPack> pack;
    std::unique_ptr<Waivers> waivers;
    EvalOptions eval;
    // What the client asked for; streams evaluate with every policy listed
    // (per-account counts merge by index) and apply this at the end.
    PolicyListing listing = PolicyListing::kEvaluated;
    bool batch_findings = false;  // EvaluateStream
  };

  absl::StatusOr<PreparedOptions> Prepare(const Bundle& b,
                                          const onus::v1::EvaluateOptions& o,
                                          absl::Time deadline) const {
    PreparedOptions p;
    ONUS_ASSIGN_OR_RETURN(p.pack, b.Select(o.selection()));
    if (!o.waivers().waivers().empty()) {
      absl::StatusOr<Waivers> w = Waivers::FromProto(o.waivers());
      if (!w.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("options.waivers: ", w.status().message()));
      }
      p.waivers = std::make_unique<Waivers>(*std::move(w));
      p.eval.waivers = p.waivers.get();
    }
    p.eval.threads = options.limits.threads_per_call;
    p.eval.detail = ToDetail(o.detail());
    p.eval.instruction_budget = options.limits.instruction_budget;
    p.eval.deadline = deadline;
    p.eval.evidence = !o.disable_evidence();
    p.eval.engine_version = options.version;
    p.listing = ToListing(o.policy_listing());
    p.batch_findings = o.batch_findings();
    p.eval.report_policies = p.listing;
    p.eval.summary_by_policy = p.listing;
    return p;
  }

  absl::Status CheckDeadline(absl::Time deadline, uint64_t resources) const {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("evaluation did not finish before the deadline (",
                       resources, " resource(s) in the request)"));
    }
    return absl::OkStatus();
  }

  // --- Evaluate

  // Evaluate runs on the callback API: no thread per call. A request of at
  // most kInlineResources resources is evaluated on the gRPC thread that
  // received it (microseconds per resource); a larger one goes to the
  // worker pool so it cannot hold up gRPC's own threads.
  static constexpr int kInlineResources = 64;

  class EvaluateReactor final : public grpc::ServerUnaryReactor {
   public:
    EvaluateReactor(Impl* impl, grpc::CallbackServerContext* ctx,
                    const EvaluateRequestWire* req, grpc::ByteBuffer* resp)
        : impl_(impl),
          ctx_(ctx),
          req_(req),
          resp_(resp),
          log_(impl, Method::kEvaluate, ctx) {}
    void Run() {
      grpc::Status s =
          ToGrpc(impl_->DoEvaluate(ctx_, *req_, resp_, &cancelled_, &log_));
      impl_->evaluate_in_flight.fetch_sub(1, std::memory_order_relaxed);
      Finish(log_.Finish(s));
    }
    // Refused before any work (too many calls in flight).
    void Refuse(grpc::Status s) {
      impl_->evaluate_in_flight.fetch_sub(1, std::memory_order_relaxed);
      Finish(log_.Finish(s));
    }
    void OnCancel() override { cancelled_.store(true); }
    void OnDone() override { delete this; }

   private:
    Impl* impl_;
    grpc::CallbackServerContext* ctx_;
    const EvaluateRequestWire* req_;
    grpc::ByteBuffer* resp_;
    std::atomic<bool> cancelled_{false};
    CallLog log_;
  };

  grpc::ServerUnaryReactor* HandleEvaluate(grpc::CallbackServerContext* ctx,
                                           const EvaluateRequestWire* req,
                                           grpc::ByteBuffer* resp) {
    const bool refuse =
        evaluate_in_flight.fetch_add(1, std::memory_order_relaxed) >=
        options.limits.max_threads;
    if (!refuse && req->snapshot().resources_size() + req->resources_size() <=
                       kInlineResources) {
      // Evaluated here and finished with gRPC's default reactor: its end
      // of call runs inline, where a reactor of our own has it scheduled
      // on gRPC's executor thread (a thread wakeup per call). No cancel
      // can reach the evaluation: it is over before this returns.
      CallLog log(this, Method::kEvaluate, ctx);
      const std::atomic<bool> not_cancelled{false};
      grpc::Status s =
          ToGrpc(DoEvaluate(ctx, *req, resp, &not_cancelled, &log));
      evaluate_in_flight.fetch_sub(1, std::memory_order_relaxed);
      grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
      reactor->Finish(log.Finish(s));
      return reactor;
    }
    auto* reactor = new EvaluateReactor(this, ctx, req, resp);
    if (refuse) {
      reactor->Refuse(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("more than ", options.limits.max_threads,
                       " Evaluate calls at once (--max-threads)")));
    } else {
      workers->Submit([reactor] { reactor->Run(); });
    }
    return reactor;
  }

  absl::Status DoEvaluate(grpc::ServerContextBase* ctx,
                          const EvaluateRequestWire& req,
                          grpc::ByteBuffer* resp,
                          const std::atomic<bool>* cancelled, CallLog* log) {
    if (cancelled->load()) return absl::CancelledError("client cancelled");
    ONUS_RETURN_IF_ERROR(Authorize(ctx, Role::kEvaluate));
    std::shared_ptr<const Bundle> b = Current();
    log->bundle_version = b->version();
    uint64_t n = req.snapshot().resources_size() + req.resources_size();
    log->resources = n;
    if (static_cast<int64_t>(n) > options.limits.max_resources_per_request) {
      return absl::ResourceExhaustedError(
          absl::StrCat("request carries ", n, " resources; the limit is ",
                       options.limits.max_resources_per_request,
                       " (split the inventory or use EvaluateStream)"));
    }
    ResourceEnvelope env;
    for (int i = 0; i < req.snapshot().resources_size(); ++i) {
      ONUS_RETURN_IF_ERROR(CheckResource(req.snapshot().resources(i),
                                         "snapshot.resources", i, &env));
    }
    for (int i = 0; i < req.resources_size(); ++i) {
      ONUS_RETURN_IF_ERROR(
          CheckResource(req.resources(i), "resources", i, &env));
    }
    absl::Time deadline = DeadlineOf(ctx);
    ONUS_ASSIGN_OR_RETURN(PreparedOptions prep,
                          Prepare(*b, req.options(), deadline));
    // The policies' metadata is added by ResponseBytes, from the bundle's
    // serialized copies.
    prep.eval.report_policies = PolicyListing::kNone;
    // Resources of a Snapshot are field 5; the inline resources' bytes
    // become more field-5 records.
    std::string bytes = req.snapshot().SerializeAsString();
    for (const std::string& r : req.resources()) {
      AppendResourceRecord(r, &bytes);
    }
    absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
    if (!inv.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("snapshot: ", inv.status().message()));
    }
    prep.eval.cancelled = cancelled;
    absl::StatusOr<onus::v1::Report> report =
        engine::Evaluate(*prep.pack, *inv, prep.eval);
    if (!report.ok()) return report.status();
    ONUS_RETURN_IF_ERROR(CheckDeadline(deadline, n));
    if (cancelled->load()) return absl::CancelledError("client cancelled");
    report->mutable_summary()->set_bundle_digest(b->digest_raw());
    log->findings = report->findings_size();
    metrics.AddResources(n);
    CountOutcomes(metrics, report->summary().totals());
    return ResponseBytes(*b, prep.listing, *report, resp);
  }

  // The bytes of the onus.v1.EvaluateResponse {report, bundle} that
  // protobuf would write, `report` completed with the metadata of the
  // policies `listing` describes (Report.policies, field 6: last, so
  // appended to the report's own fields). Those policies are the ones its
  // summary lists by policy (the same rule, the same pack order). The
  // metadata and the BundleRef are copied from the bundle's serialized
  // ones: a one-resource report lists about ten policies, and copying,
  // serializing and freeing their messages cost more than evaluating.
  static absl::Status ResponseBytes(const Bundle& b, PolicyListing listing,
                                    const onus::v1::Report& report,
                                    grpc::ByteBuffer* resp) {
    using google::protobuf::io::CodedOutputStream;
    std::vector<const std::string*> metadata;
    size_t policies_size = 0;
    if (listing != PolicyListing::kNone) {
      metadata.reserve(report.summary().by_policy_size());
      for (const onus::v1::PolicyCounts& pc : report.summary().by_policy()) {
        const std::string* m = b.metadata_bytes(pc.policy_id());
        if (m == nullptr) {
          return absl::InternalError(absl::StrCat(
              "policy ", pc.policy_id(), " of pack without its metadata"));
        }
        metadata.push_back(m);
        policies_size +=
            1 + CodedOutputStream::VarintSize32(m->size()) + m->size();
      }
    }
    const size_t own_size = report.ByteSizeLong();  // caches the sizes
    const size_t report_size = own_size + policies_size;
    const std::string& ref = b.ref_bytes();
    auto* out = new std::string;
    out->reserve(2 * (1 + 5) + report_size + ref.size());
    AppendHeader(1, report_size, out);  // EvaluateResponse.report
    const size_t at = out->size();
    out->resize(at + own_size);
    report.SerializeWithCachedSizesToArray(
        reinterpret_cast<uint8_t*>(out->data() + at));
    for (const std::string* m : metadata) {
      AppendHeader(6, m->size(), out);  // Report.policies
      out->append(*m);
    }
    AppendHeader(2, ref.size(), out);  // EvaluateResponse.bundle
    out->append(ref);
    *resp = OwningBuffer(out);
    return absl::OkStatus();
  }

  // --- EvaluateStream

  struct StreamState {
    onus::v1::SnapshotHeader header;
    bool have_header = false;
    // Per account: serialized Snapshot records (field 5) of its resources.
    std::vector<std::string> order;
    absl::flat_hash_map<std::string, std::pair<std::string, uint64_t>> pending;
    absl::flat_hash_map<std::string, bool> done;
    onus::v1::RunSummary summary;
    uint64_t resources = 0, findings = 0;
  };

  // One account's resources, taken out of the stream's state.
  struct AccountJob {
    std::string account;
    std::string records;  // serialized Snapshot.resources records
    uint64_t count = 0;
    uint64_t stream_resources = 0;  // resources in the stream so far
  };

  // Writes one serialized onus.v1.EvaluateStreamResponse.
  using WriteFn = std::function<bool(const grpc::ByteBuffer&)>;

  // Accounts marked complete are evaluated (and their findings written) on
  // a thread of the stream's own while the handler goes on reading the
  // next ones: reading and evaluating overlap. At most kMaxQueued accounts
  // wait, so memory stays bounded; the first error stops the pipeline and
  // is returned by the next Submit or by Finish. A thread of its own, not a
  // pool's: a client that stops reading blocks only its own stream.
  class AccountPipeline {
   public:
    using EvalFn = std::function<absl::Status(AccountJob)>;
    explicit AccountPipeline(EvalFn eval) : eval_(std::move(eval)) {}
    // Without Finish (the handler is returning an error): accounts still
    // queued are dropped; one being evaluated completes.
    ~AccountPipeline() {
      {
        absl::MutexLock lock(&mu_);
        if (err_.ok()) err_ = absl::AbortedError("stream ended early");
      }
      (void)Finish();
    }

    absl::Status Submit(AccountJob job) {
      absl::MutexLock lock(&mu_);
      if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
      mu_.Await(absl::Condition(this, &AccountPipeline::HasRoom));
      if (!err_.ok()) return err_;
      queue_.push_back(std::move(job));
      return absl::OkStatus();
    }
    // The first error so far (OK while all is well); does not wait.
    absl::Status Error() {
      absl::MutexLock lock(&mu_);
      return err_;
    }
    // Waits until every submitted account is done (or the first error)
    // and stops the thread; idempotent.
    absl::Status Finish() {
      {
        absl::MutexLock lock(&mu_);
        stop_ = true;
      }
      if (thread_.joinable()) thread_.join();
      absl::MutexLock lock(&mu_);
      return err_;
    }

   private:
    static constexpr size_t kMaxQueued = 2;
    bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return queue_.size() < kMaxQueued || !err_.ok();
    }
    bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !queue_.empty() || stop_;
    }
    void Run() {
      for (;;) {
        mu_.LockWhen(absl::Condition(this, &AccountPipeline::HasWork));
        if (queue_.empty() || !err_.ok()) {  // stopping, or failed
          queue_.clear();
          mu_.Unlock();
          if (Stopping()) return;
          continue;
        }
        AccountJob job = std::move(queue_.front());
        queue_.pop_front();
        mu_.Unlock();
        absl::Status s = eval_(std::move(job));
        absl::MutexLock lock(&mu_);
        if (!s.ok() && err_.ok()) err_ = s;
      }
    }
    bool Stopping() {
      absl::MutexLock lock(&mu_);
      return stop_;
    }

    EvalFn eval_;
    absl::Mutex mu_;
    std::deque<AccountJob> queue_ ABSL_GUARDED_BY(mu_);
    absl::Status err_ ABSL_GUARDED_BY(mu_);
    bool stop_ ABSL_GUARDED_BY(mu_) = false;
    std::thread thread_;
  };

  static AccountJob TakeAccount(StreamState& st, const std::string& account) {
    AccountJob job;
    job.account = account;
    job.stream_resources = st.resources;
    auto it = st.pending.find(account);
    if (it != st.pending.end()) {
      job.records = std::move(it->second.first);
      job.count = it->second.second;
      st.pending.erase(it);
    }
    st.done[account] = true;
    return job;
  }

  // Evaluates one account's resources and writes its findings, then an
  // AccountDone. Reads only st.header; writes only st.summary and
  // st.findings (so it may run beside the thread reading the stream).
  absl::Status FlushAccount(StreamState& st, const std::string& account,
                            const Bundle& b, const PreparedOptions& prep,
                            const WriteFn& write, absl::Time deadline) {
    return EvaluateAccount(TakeAccount(st, account), st, b, prep, write,
                           deadline);
  }

  absl::Status EvaluateAccount(AccountJob job, StreamState& st, const Bundle& b,
                               const PreparedOptions& prep,
                               const WriteFn& write, absl::Time deadline) {
    const std::string& account = job.account;
    const uint64_t count = job.count;
    onus::v1::Snapshot head;
    head.set_id(st.header.id());
    *head.mutable_collected_at() = st.header.collected_at();
    *head.mutable_source() = st.header.source();
    for (const onus::v1::Account& a : st.header.accounts()) {
      if (a.id() == account) *head.add_accounts() = a;
    }
    // The header's fields after the resources: a Snapshot's fields may
    // come in any order, and appending copies only the header.
    std::string& snapshot = job.records;
    head.AppendToString(&snapshot);
    absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(snapshot);
    if (!inv.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("account \"", account, "\": ", inv.status().message()));
    }
    ONUS_ASSIGN_OR_RETURN(onus::v1::Report report,
                          engine::Evaluate(*prep.pack, *inv, prep.eval));
    ONUS_RETURN_IF_ERROR(CheckDeadline(deadline, job.stream_resources));
    if (prep.eval.cancelled != nullptr && prep.eval.cancelled->load()) {
      return absl::CancelledError("client cancelled");
    }
    if (prep.batch_findings) {
      // Batches of about kBatchBytes: well under any message limit, and
      // large enough that the per-message cost vanishes. Each message
      // (EvaluateStreamResponse{bundle, findings}) is written here, the
      // findings serialized straight from the report and the BundleRef
      // copied from the bundle's serialized one: no response message to
      // move them into, size twice and free.
      constexpr size_t kBatchBytes = 1 << 20;
      const auto& findings = report.findings();
      const std::string& ref = b.ref_bytes();
      for (int begin = 0; begin < findings.size();) {
        size_t batch = 0;
        int end = begin;
        while (end < findings.size() && batch < kBatchBytes) {
          const size_t n = findings[end++].ByteSizeLong();  // caches sizes
          batch +=
              1 + google::protobuf::io::CodedOutputStream::VarintSize64(n) + n;
        }
        auto* out = new std::string;
        out->reserve(2 * 10 + ref.size() + batch);
        AppendHeader(4, ref.size(), out);  // EvaluateStreamResponse.bundle
        out->append(ref);
        AppendHeader(5, batch, out);  // EvaluateStreamResponse.findings
        for (int i = begin; i < end; ++i) {
          const size_t n = static_cast<size_t>(findings[i].GetCachedSize());
          AppendHeader(1, n, out);  // FindingBatch.findings
          const size_t at = out->size();
          out->resize(at + n);
          findings[i].SerializeWithCachedSizesToArray(
              reinterpret_cast<uint8_t*>(out->data() + at));
        }
        if (!write(OwningBuffer(out))) {
          return absl::CancelledError("client went away");
        }
        st.findings += static_cast<uint64_t>(end - begin);
        begin = end;
      }
    } else {
      onus::v1::EvaluateStreamResponse msg;
      b.FillRef(msg.mutable_bundle());
      for (onus::v1::Finding& f : *report.mutable_findings()) {
        *msg.mutable_finding() = std::move(f);
        if (!write(MessageBuffer(msg))) {
          return absl::CancelledError("client went away");
        }
        ++st.findings;
      }
    }
    onus::v1::EvaluateStreamResponse done;
    b.FillRef(done.mutable_bundle());
    done.mutable_account_done()->set_account(account);
    done.mutable_account_done()->set_resources(count);
    *done.mutable_account_done()->mutable_counts() = report.summary().totals();
    if (!write(MessageBuffer(done))) {
      return absl::CancelledError("client went away");
    }
    metrics.AddResources(count);
    CountOutcomes(metrics, report.summary().totals());
    // Totals over all accounts.
    auto* s = &st.summary;
    AddCounts(report.summary().totals(), s->mutable_totals());
    s->set_resources_evaluated(s->resources_evaluated() +
                               report.summary().resources_evaluated());
    if (s->by_policy_size() == 0) {
      *s->mutable_by_policy() = report.summary().by_policy();
    } else {
      for (int i = 0;
           i < s->by_policy_size() && i < report.summary().by_policy_size();
           ++i) {
        AddCounts(report.summary().by_policy(i).counts(),
                  s->mutable_by_policy(i)->mutable_counts());
      }
    }
    for (const auto& w : report.summary().expired_waivers()) {
      bool seen = false;
      for (const auto& have : s->expired_waivers()) seen |= have.id() == w.id();
      if (!seen) *s->add_expired_waivers() = w;
    }
    return absl::OkStatus();
  }

  grpc::Status HandleStream(grpc::ServerContext* ctx, StreamRW* stream) {
    CallLog log(this, Method::kEvaluateStream, ctx);
    StreamState st;
    grpc::Status s = ToGrpc(DoStream(ctx, stream, &st, &log));
    log.resources = st.resources;
    log.findings = st.findings;
    return log.Finish(s);
  }

  absl::Status DoStream(grpc::ServerContext* ctx, StreamRW* stream,
                        StreamState* stp, CallLog* log) {
    StreamState& st = *stp;
    ONUS_RETURN_IF_ERROR(Authorize(ctx, Role::kEvaluate));
    std::shared_ptr<const Bundle> b = Current();
    log->bundle_version = b->version();
    absl::Time deadline = DeadlineOf(ctx);
    absl::Time started = absl::Now();
    EvaluateStreamRequestWire req;
    std::unique_ptr<PreparedOptions> prep;
    CancelPoller::Watch watch(&cancel_poller, ctx);
    uint64_t items_seen = 0;
    // One message per finding. (WriteOptions::set_buffer_hint would
    // coalesce them, but the sync API may then hold a message forever.)
    WriteFn write = [stream](const grpc::ByteBuffer& m) {
      return stream->Write(m);
    };
    // Per-account reports list every policy (the summary merges their
    // counts by index) and no metadata; the client's listing is applied to
    // the summary at the end.
    auto for_stream = [&watch](PreparedOptions& p) {
      p.eval.cancelled = watch.flag();
      p.eval.report_policies = PolicyListing::kNone;
      p.eval.summary_by_policy = PolicyListing::kAll;
    };
    AccountPipeline pipeline([&](AccountJob job) {
      return EvaluateAccount(std::move(job), st, *b, *prep, write, deadline);
    });
    // One StreamItem; `item` counts items from 1 for error messages.
    auto handle = [&](const StreamItemWire& it, uint64_t item) -> absl::Status {
      switch (it.item_case()) {
        case StreamItemWire::kHeader:
          // (Also after an account was complete: its evaluation reads the
          // header.)
          if (st.have_header || st.resources > 0 || !st.done.empty()) {
            return absl::InvalidArgumentError(absl::StrCat(
                "item ", item, ": a header must be the first item"));
          }
          st.header = it.header();
          st.have_header = true;
          return absl::OkStatus();
        case StreamItemWire::kResource: {
          ResourceEnvelope r;
          ONUS_RETURN_IF_ERROR(CheckResource(it.resource(), "item", item, &r));
          if (st.done.contains(r.account)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "item ", item, " resource (id \"", r.id, "\"): account \"",
                r.account, "\" was already marked complete"));
          }
          if (static_cast<int64_t>(++st.resources) >
              options.limits.max_resources_per_request) {
            return absl::ResourceExhaustedError(
                absl::StrCat("stream carries more than ",
                             options.limits.max_resources_per_request,
                             " resources (the per-request limit)"));
          }
          auto slot = st.pending.find(r.account);
          if (slot == st.pending.end()) {
            slot = st.pending.try_emplace(std::string(r.account)).first;
            st.order.push_back(slot->first);
          }
          AppendResourceRecord(it.resource(), &slot->second.first);
          ++slot->second.second;
          return absl::OkStatus();
        }
        case StreamItemWire::kAccountComplete: {
          const auto& ac = it.account_complete();
          if (st.done.contains(ac.account())) {
            return absl::InvalidArgumentError(
                absl::StrCat("item ", item, ": account \"", ac.account(),
                             "\" marked complete twice"));
          }
          auto p = st.pending.find(ac.account());
          uint64_t got = p == st.pending.end() ? 0 : p->second.second;
          if (ac.resource_count() != 0 && ac.resource_count() != got) {
            return absl::InvalidArgumentError(
                absl::StrCat("item ", item, ": account \"", ac.account(),
                             "\" complete with ", ac.resource_count(),
                             " resource(s), but the stream carried ", got));
          }
          return pipeline.Submit(TakeAccount(st, ac.account()));
        }
        default:
          return absl::InvalidArgumentError(
              absl::StrCat("item ", item, ": field `item` is not set"));
      }
      return absl::OkStatus();
    };
    while (stream->Read(&req)) {
      if (prep == nullptr) {
        ONUS_ASSIGN_OR_RETURN(PreparedOptions p,
                              Prepare(*b, req.options(), deadline));
        prep = std::make_unique<PreparedOptions>(std::move(p));
        for_stream(*prep);
      }
      if (req.has_item() || req.items().empty()) {
        // An empty message is an item without its field set.
        ONUS_RETURN_IF_ERROR(handle(req.item(), ++items_seen));
      }
      for (const StreamItemWire& it : req.items()) {
        ONUS_RETURN_IF_ERROR(handle(it, ++items_seen));
      }
      ONUS_RETURN_IF_ERROR(pipeline.Error());
      if (ctx->IsCancelled()) return absl::CancelledError("client cancelled");
    }
    ONUS_RETURN_IF_ERROR(pipeline.Finish());
    if (prep == nullptr) {
      ONUS_ASSIGN_OR_RETURN(PreparedOptions p,
                            Prepare(*b, onus::v1::EvaluateOptions(), deadline));
      prep = std::make_unique<PreparedOptions>(std::move(p));
      for_stream(*prep);
    }
    // Accounts never marked complete, then accounts of the header with no
    // resources (their account-level policies still run).
    for (const std::string& a : st.order) {
      if (st.done.contains(a)) continue;
      ONUS_RETURN_IF_ERROR(FlushAccount(st, a, *b, *prep, write, deadline));
    }
    for (const onus::v1::Account& a : st.header.accounts()) {
      if (st.done.contains(a.id())) continue;
      ONUS_RETURN_IF_ERROR(
          FlushAccount(st, a.id(), *b, *prep, write, deadline));
    }
    onus::v1::EvaluateStreamResponse last;
    b->FillRef(last.mutable_bundle());
    *last.mutable_summary() = std::move(st.summary);
    auto* by_policy = last.mutable_summary()->mutable_by_policy();
    by_policy->erase(std::remove_if(by_policy->begin(), by_policy->end(),
                                    [&](const onus::v1::PolicyCounts& pc) {
                                      const auto& c = pc.counts();
                                      return !Lists(
                                          prep->listing,
                                          c.pass() + c.fail() + c.error() +
                                              c.not_applicable() + c.waived());
                                    }),
                     by_policy->end());
    last.mutable_summary()->set_policies(prep->pack->policies().size());
    last.mutable_summary()->set_bundle_digest(b->digest_raw());
    auto ts = [](absl::Time t, google::protobuf::Timestamp* out) {
      int64_t s = absl::ToUnixSeconds(t);
      out->set_seconds(s);
      out->set_nanos(static_cast<int32_t>(
          absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
    };
    ts(started, last.mutable_summary()->mutable_started());
    ts(absl::Now(), last.mutable_summary()->mutable_finished());
    if (!stream->Write(MessageBuffer(last))) {
      return absl::CancelledError("client went away");
    }
    return absl::OkStatus();
  }

  // --- Check / ListPolicies / GetInfo / LoadBundle

  static absl::Status SourcesFromRequest(
      const google::protobuf::RepeatedPtrField<onus::v1::SourceFile>& in,
      int max_sources, service_internal::SourceList* out) {
    if (in.empty()) {
      return absl::InvalidArgumentError("sources: no source files");
    }
    if (in.size() > max_sources) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "sources: ", in.size(), " files; the limit is ", max_sources));
    }
    absl::flat_hash_map<std::string, bool> seen;
    for (int i = 0; i < in.size(); ++i) {
      if (in[i].name().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("sources[", i, "]: field `name` is empty"));
      }
      if (!seen.emplace(in[i].name(), true).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "sources[", i, "]: duplicate name \"", in[i].name(), "\""));
      }
      out->emplace_back(in[i].name(), in[i].text());
    }
    return absl::OkStatus();
  }

  grpc::Status Check(grpc::ServerContext* ctx,
                     const onus::v1::CheckRequest* req,
                     onus::v1::CheckResponse* resp) override {
    CallLog log(this, Method::kCheck, ctx);
    absl::Status s = [&]() -> absl::Status {
      ONUS_RETURN_IF_ERROR(Authorize(ctx, Role::kEvaluate));
      std::shared_ptr<const Bundle> b = Current();
      log.bundle_version = b->version();
      b->FillRef(resp->mutable_bundle());
      service_internal::SourceList sources;
      ONUS_RETURN_IF_ERROR(SourcesFromRequest(
          req->sources(), options.limits.max_sources, &sources));
      CompileResult r = CompileBundle({}, sources, 0);
      for (auto& d : r.diagnostics) *resp->add_diagnostics() = std::move(d);
      for (auto& p : r.policies) *resp->add_policies() = std::move(p);
      resp->set_ok(r.status.ok() && r.errors == 0);
      // Bad policies are the answer, not a failed call; only a compiler
      // that could not run at all fails the call.
      if (!r.status.ok() && resp->diagnostics().empty()) return r.status;
      return absl::OkStatus();
    }();
    return log.Finish(ToGrpc(s));
  }

  grpc::Status ListPolicies(grpc::ServerContext* ctx,
                            const onus::v1::ListPoliciesRequest* req,
                            onus::v1::ListPoliciesResponse* resp) override {
    CallLog log(this, Method::kListPolicies, ctx);
    absl::Status s = Authorize(ctx, Role::kEvaluate);
    if (s.ok()) {
      std::shared_ptr<const Bundle> b = Current();
      log.bundle_version = b->version();
      for (const CompiledPolicy& p : b->pack().policies()) {
        if (service_internal::SelectorMatches(req->selection(), p.meta)) {
          *resp->add_policies() = p.meta;
        }
      }
      b->FillRef(resp->mutable_bundle());
    }
    return log.Finish(ToGrpc(s));
  }

  grpc::Status GetInfo(grpc::ServerContext* ctx,
                       const onus::v1::GetInfoRequest*,
                       onus::v1::GetInfoResponse* resp) override {
    CallLog log(this, Method::kGetInfo, ctx);
    absl::Status s = Authorize(ctx, Role::kEvaluate);
    if (s.ok()) {
      std::shared_ptr<const Bundle> b = Current();
      log.bundle_version = b->version();
      resp->set_version(options.version);
      b->FillRef(resp->mutable_bundle());
      resp->mutable_started_at()->set_seconds(absl::ToUnixSeconds(started_at));
      resp->set_max_resources_per_request(
          options.limits.max_resources_per_request);
      resp->set_max_message_bytes(options.limits.max_message_bytes);
      resp->set_instruction_budget(options.limits.instruction_budget);
    }
    return log.Finish(ToGrpc(s));
  }

  grpc::Status LoadBundle(grpc::ServerContext* ctx,
                          const onus::v1::LoadBundleRequest* req,
                          onus::v1::LoadBundleResponse* resp) override {
    CallLog log(this, Method::kLoadBundle, ctx);
    absl::Status s = Authorize(ctx, Role::kAdmin);
    if (!s.ok()) return log.Finish(ToGrpc(s));
    const bool compiled = !req->bundle().empty();
    service_internal::SourceList sources;
    if (compiled && !req->sources().empty()) {
      s = absl::InvalidArgumentError("set `sources` or `bundle`, not both");
    } else if (!compiled) {
      s = SourcesFromRequest(req->sources(), options.limits.max_sources,
                             &sources);
      if (!s.ok() && req->sources().empty()) {
        s = absl::InvalidArgumentError(
            "no `sources` and no `bundle`: nothing to load");
      }
    }
    if (!s.ok()) return log.Finish(ToGrpc(s));
    absl::MutexLock load_lock(&load_mu);
    CompileResult r = compiled
                          ? service_internal::LoadCompiledBundle(
                                req->bundle(), "request bundle", next_version)
                          : CompileBundle({}, sources, next_version);
    for (auto& d : r.diagnostics) *resp->add_diagnostics() = std::move(d);
    if (r.bundle == nullptr) {
      std::shared_ptr<const Bundle> b = Current();
      log.bundle_version = b->version();
      resp->set_loaded(false);
      b->FillRef(resp->mutable_bundle());
      std::string first;
      for (const auto& d : resp->diagnostics()) {
        if (d.severity() != onus::v1::Diagnostic::ERROR) continue;
        first = absl::StrFormat("; first: %s:%d:%d: %s", d.file(), d.line(),
                                d.column(), d.message());
        break;
      }
      std::string msg =
          r.status.ok()
              ? absl::StrCat("bundle not loaded: ", r.errors,
                             " error(s) in the sources", first)
              : absl::StrCat("bundle not loaded: ", r.status.message(), first);
      return log.Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, msg,
                                     resp->SerializeAsString()));
    }
    ++next_version;
    Install(r.bundle);
    log.bundle_version = r.bundle->version();
    resp->set_loaded(true);
    r.bundle->FillRef(resp->mutable_bundle());
    return log.Finish(grpc::Status::OK);
  }
};

// ---------------------------------------------------------------- server

EvaluationServer::EvaluationServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

EvaluationServer::~EvaluationServer() { Shutdown(absl::ZeroDuration()); }

int EvaluationServer::port() const { return impl_->port; }

uint64_t EvaluationServer::bundle_version() const {
  return impl_->Current()->version();
}

int EvaluationServer::metrics_port() const {
  return impl_->metrics_http == nullptr ? 0 : impl_->metrics_http->port();
}

std::string EvaluationServer::MetricsText() const {
  return impl_->metrics.Render();
}

void EvaluationServer::Shutdown(absl::Duration grace) {
  std::call_once(impl_->shutdown_once, [&] {
    // No reload during or after shutdown.
    impl_->stop_watch.Notify();
    if (impl_->watcher.joinable()) impl_->watcher.join();
    impl_->server->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    impl_->server->Wait();
    impl_->workers.reset();  // nothing left: every call has finished
    // Scrapes keep working while calls drain; the last log lines are
    // written before Shutdown returns.
    if (impl_->metrics_http != nullptr) impl_->metrics_http->Stop();
    impl_->log_writer.reset();
  });
}

void EvaluationServer::Wait() { impl_->server->Wait(); }

absl::StatusOr<std::unique_ptr<EvaluationServer>> EvaluationServer::Start(
    const ServerOptions& options) {
  // Debian's Abseil is built without NDEBUG, so absl::Mutex (ours and
  // gRPC's) records a stack trace for deadlock detection on every lock, a
  // debugging aid that costs more than a one-resource evaluation. The
  // server's lock order is simple enough not to need it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  bool tls = !options.tls_cert_pem.empty() || !options.tls_key_pem.empty();
  if (tls && (options.tls_cert_pem.empty() || options.tls_key_pem.empty())) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate and a key (--tls-cert, --tls-key)");
  }
  if (!tls && !options.tls_client_ca_pem.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-ca needs --tls-cert and --tls-key");
  }
  if (tls && options.plaintext) {
    return absl::InvalidArgumentError("choose TLS or --plaintext, not both");
  }
  if (!tls && !options.plaintext) {
    return absl::InvalidArgumentError(
        "no TLS certificate: pass --tls-cert/--tls-key, or --plaintext to "
        "serve without encryption");
  }
  if (options.plaintext && !options.allow_remote_plaintext &&
      !IsLoopbackAddress(options.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing plaintext on non-loopback address ", options.listen,
        " (use TLS, or --allow-remote-plaintext behind a trusted proxy)"));
  }

  // Taken before compiling, so a change made meanwhile is seen by the
  // first look of the watcher.
  std::string signature = options.watch_interval > absl::ZeroDuration() &&
                                  !options.policy_paths.empty()
                              ? FilesSignature(options.policy_paths)
                              : std::string();
  CompileResult r =
      CompileBundle(options.policy_paths, options.policy_sources, 1);
  if (r.bundle == nullptr) {
    std::string msg = r.status.ok()
                          ? absl::StrCat(r.errors, " error(s) in the policies")
                          : std::string(r.status.message());
    for (const auto& d : r.diagnostics) {
      if (d.severity() != onus::v1::Diagnostic::ERROR) continue;
      absl::StrAppend(&msg, "\n", d.file(), ":", d.line(), ":", d.column(),
                      ": error[", d.code(), "]: ", d.message());
    }
    return absl::InvalidArgumentError(msg);
  }
  impl->Install(r.bundle);
  {
    absl::MutexLock lock(&impl->load_mu);
    impl->next_version = 2;
  }
  if (!options.metrics_listen.empty()) {
    MetricsHttpOptions mo;
    mo.listen = options.metrics_listen;
    mo.allow_remote = options.allow_remote_metrics;
    Impl* p = impl.get();
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http =
        MetricsHttpServer::Start(mo, [p] { return p->metrics.Render(); });
    if (!http.ok()) return http.status();
    impl->metrics_http = *std::move(http);
  }
  if (options.log != nullptr) {
    impl->log_writer = std::make_unique<LogWriter>(options.log);
  }

  std::shared_ptr<grpc::ServerCredentials> creds;
  if (tls) {
    grpc::SslServerCredentialsOptions ssl(
        options.tls_client_ca_pem.empty()
            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = options.tls_client_ca_pem;
    ssl.pem_key_cert_pairs.push_back(
        {options.tls_key_pem, options.tls_cert_pem});
    creds = grpc::SslServerCredentials(ssl);
  } else {
    creds = grpc::InsecureServerCredentials();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &impl->port);
  builder.RegisterService(impl.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(
      std::min<int64_t>(options.limits.max_message_bytes, INT32_MAX)));
  builder.SetMaxSendMessageSize(static_cast<int>(
      std::min<int64_t>(options.limits.max_message_bytes, INT32_MAX)));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.limits.max_concurrent_streams);
  grpc::ResourceQuota quota("onus-serve");
  quota.SetMaxThreads(std::max(2, options.limits.max_threads));
  builder.SetResourceQuota(quota);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen,
                     " (address in use, or not a valid host:port?)"));
  }
  if (options.watch_interval > absl::ZeroDuration() &&
      !options.policy_paths.empty()) {
    Impl* p = impl.get();
    impl->watcher = std::thread(
        [p, sig = std::move(signature)]() mutable { p->WatchLoop(sig); });
  }
  return std::unique_ptr<EvaluationServer>(
      new EvaluationServer(std::move(impl)));
}

}  // namespace onus::engine
