// The end-to-end CSPM comparison (docs/performance.md, "End-to-end CSPM
// workload"): generates genInventory(N, 42), encodes it as an onus.v1
// snapshot, checks every contender's fail counts against the hand-written
// reference, and prints median time per pass, rule-evaluations/s and ratios.
//
//   cspm_bench [--n=100000] [--passes=5] [--threads=2] [--node] [--stream]
//              [--json] [--shared_bench=../shared/bench]
//              [--work_dir=benchmarks/cspm/.work]
//
// Contenders: the Onus engine (engine_adapter.h; reported as "not available
// yet" until integrated - never replaced by another number), (a) protobuf
// DynamicMessage parse, (b) hand-written C++ over generated classes, and
// with --node, (c) the hand-written JavaScript baseline and
// @marcbachmann/cel-js 8.0.0 run by Node on the same inventory.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "baselines.h"
#include "engine_adapter.h"
#include "generator.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "lang/status_macros.h"
#include "rules.h"
#include "snapshot_codec.h"

ABSL_FLAG(int64_t, n, 100000, "resources to generate (genInventory(n, 42))");
ABSL_FLAG(int, passes, 5, "timed passes per contender (median reported)");
ABSL_FLAG(int, threads, 2, "threads of the multi-thread runs");
ABSL_FLAG(bool, node, false,
          "also run the Node peers (hand-written JS, @marcbachmann/cel-js)");
ABSL_FLAG(bool, stream, false,
          "also write the StreamItem form and measure streamed evaluation "
          "(time, peak RSS) in child processes");
ABSL_FLAG(bool, json, false, "also print one RESULT_JSON line");
ABSL_FLAG(bool, engine_only, false,
          "time only the engine rows (1 and N threads, scan): quick runs "
          "while working on the engine");
ABSL_FLAG(std::string, shared_bench, "../shared/bench",
          "folder of the workload's .mjs files (relative to the repo root)");
ABSL_FLAG(std::string, work_dir, "benchmarks/cspm/.work",
          "scratch folder: npm packages, copied .mjs files, stream files");
ABSL_FLAG(std::string, read_stream, "",
          "child mode: evaluate this StreamItem file and print STREAM_RESULT");
ABSL_FLAG(std::string, stream_runner, "handwritten",
          "child mode: 'engine' or 'handwritten'");

namespace onus::bench::cspm {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

// /work/shared/bench/README.md: the answer every engine agrees on.
constexpr FailCounts kReadmeCounts100k = {16172, 5875, 15103, 20612, 5716,
                                          4439,  4803, 5446,  14679, 6335};

double PeakRssMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

// Relative paths are relative to the repo root; under `bazel run` the
// working directory is the runfiles tree, so resolve against the workspace.
std::string RepoPath(const std::string& p) {
  const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (p.empty() || p[0] == '/' || ws == nullptr) return p;
  return absl::StrCat(ws, "/", p);
}

// One line of the results table.
struct Row {
  Row(std::string k, std::string l, std::string why_unavailable = "")
      : key(std::move(k)),
        label(std::move(l)),
        note(std::move(why_unavailable)) {}

  std::string key;    // stable id for JSON and ratios
  std::string label;  // what the line measures
  bool available = false;
  std::string note;  // why not available, or a remark
  double median_ms = 0;
  std::vector<double> pass_ms;
  std::optional<bool> counts_match;  // nullopt: does not evaluate rules
  double peak_rss_mb = 0;            // stream rows only
};

double RuleEvalsPerSec(const Row& r, int64_t evals) {
  return r.median_ms > 0 ? static_cast<double>(evals) / (r.median_ms / 1e3) : 0;
}

double Median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const size_t m = xs.size() / 2;
  return xs.size() % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

// Runs one untimed warm-up pass whose result is checked, then `passes` timed
// passes. `pass` returns the fail counts (or nullopt for parse-only rows).
using PassFn = std::function<absl::StatusOr<std::optional<FailCounts>>()>;

struct RowSpec {
  std::string key;
  std::string label;
  PassFn pass;
};

// Times rows whose passes alternate (pass 1 of every row, then pass 2, ...):
// on a shared machine a burst of other work then lands on all of them
// alike, so ratios between them (1 vs N threads) stay meaningful.
std::vector<Row> TimeRows(std::vector<RowSpec> specs, int passes,
                          const FailCounts& reference) {
  std::vector<Row> rows;
  std::vector<bool> live;
  for (RowSpec& spec : specs) {
    Row row(spec.key, spec.label);
    absl::StatusOr<std::optional<FailCounts>> first = spec.pass();
    if (!first.ok()) {
      row.note = std::string(first.status().ToString());
    } else if (first->has_value()) {
      row.counts_match = **first == reference;
      if (!*row.counts_match) {
        row.note =
            absl::StrCat("WRONG fail counts: ", FormatFailCounts(**first));
      }
    }
    live.push_back(first.ok());
    rows.push_back(std::move(row));
  }
  for (int p = 0; p < passes; ++p) {
    for (size_t i = 0; i < specs.size(); ++i) {
      if (!live[i]) continue;
      const absl::Time t0 = absl::Now();
      absl::StatusOr<std::optional<FailCounts>> r = specs[i].pass();
      const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
      if (!r.ok()) {
        rows[i].note = std::string(r.status().ToString());
        rows[i].pass_ms.clear();
        live[i] = false;
        continue;
      }
      rows[i].pass_ms.push_back(ms);
    }
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!live[i]) continue;
    rows[i].available = true;
    rows[i].median_ms = Median(rows[i].pass_ms);
  }
  return rows;
}

Row TimeRow(std::string key, std::string label, int passes,
            const FailCounts& reference, const PassFn& pass) {
  return std::move(
      TimeRows({{std::move(key), std::move(label), pass}}, passes, reference)
          .front());
}

// ---------- Node peers ----------

absl::StatusOr<std::string> RunCommand(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return absl::InternalError(absl::StrCat("popen: ", cmd));
  std::string out;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, got);
  const int rc = pclose(p);
  if (rc != 0) {
    // Keep the tail: that is where node or npm say what went wrong.
    const size_t keep = std::min<size_t>(out.size(), 600);
    return absl::InternalError(absl::StrCat(
        "`", cmd, "` exited with ", rc, ": ", out.substr(out.size() - keep)));
  }
  return out;
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

// Copies the workload's .mjs files next to a node_modules holding
// @marcbachmann/cel-js 8.0.0: Node resolves packages from the importing
// file's folder, and the shared folder is read-only.
absl::Status PrepareNodeDir(const std::string& shared, const std::string& work,
                            const std::vector<std::string>& scripts) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", work, ": ", ec.message()));
  }
  std::vector<std::string> files = scripts;
  files.push_back("common.mjs");
  for (const std::string& f : files) {
    fs::copy_file(fs::path(shared) / f, fs::path(work) / f,
                  fs::copy_options::overwrite_existing, ec);
    if (ec) {
      return absl::NotFoundError(
          absl::StrCat("cannot copy ", shared, "/", f,
                       " (set --shared_bench): ", ec.message()));
    }
  }
  if (!fs::exists(fs::path(work) /
                  "node_modules/@marcbachmann/cel-js/package.json")) {
    std::fprintf(stderr, "installing @marcbachmann/cel-js@8.0.0 in %s\n",
                 work.c_str());
    ONUS_RETURN_IF_ERROR(
        RunCommand(absl::StrCat("cd ", Quote(work),
                                " && npm install --no-audit --no-fund "
                                "@marcbachmann/cel-js@8.0.0 2>&1"))
            .status());
  }
  return absl::OkStatus();
}

double NumberField(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? 0 : it->second.number_value();
}

Row RunNodePeer(const std::string& key, const std::string& label,
                const std::string& script, const std::string& work, int64_t n,
                int passes, const FailCounts& reference) {
  Row row(key, label);
  absl::StatusOr<std::string> out = RunCommand(
      absl::StrCat("cd ", Quote(work), " && N=", n, " PASSES=", passes,
                   " LAT_SAMPLE=100 node ", Quote(script), " 2>&1"));
  if (!out.ok()) {
    row.note = std::string(out.status().message());
    return row;
  }
  std::string json;
  for (absl::string_view line : absl::StrSplit(*out, '\n')) {
    if (absl::ConsumePrefix(&line, "RESULT_JSON ")) json = std::string(line);
  }
  Struct result;
  if (json.empty() ||
      !google::protobuf::util::JsonStringToMessage(json, &result).ok()) {
    row.note = absl::StrCat("no RESULT_JSON line from ", script);
    return row;
  }
  row.available = true;
  row.median_ms = NumberField(result, "median_pass_ms");
  for (const Value& v : result.fields().at("pass_ms").list_value().values()) {
    row.pass_ms.push_back(v.number_value());
  }
  // Compare Node's counts with ours too: a cross-language check of the
  // generator at any N, not only the README's N=100000.
  const Struct& counts = result.fields().at("fail_counts").struct_value();
  FailCounts got{};
  for (int i = 0; i < kNumRules; ++i) {
    got[i] = static_cast<int64_t>(
        NumberField(counts, std::string(CspmRules()[i].id)));
  }
  row.counts_match = got == reference;
  if (!*row.counts_match) {
    row.note = absl::StrCat("WRONG fail counts: ", FormatFailCounts(got));
  }
  return row;
}

// ---------- streamed evaluation (child process) ----------

// This binary's path, resolved before any popen: inside the child shell
// /proc/self/exe would name the shell.
std::string& SelfExe() {
  static std::string* self = new std::string;
  return *self;
}

int StreamChild(const std::string& path, const std::string& runner) {
  const absl::Time t0 = absl::Now();
  absl::StatusOr<FailCounts> counts;
  if (runner == "engine") {
    absl::StatusOr<std::unique_ptr<EngineSession>> session =
        EngineCompile(CspmRules());
    counts = session.ok() ? (*session)->RunStream(path, 1)
                          : absl::StatusOr<FailCounts>(session.status());
  } else {
    counts = HandWrittenStream(path);
  }
  const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
  Struct out;
  auto& f = *out.mutable_fields();
  f["ok"].set_bool_value(counts.ok());
  f["error"].set_string_value(counts.ok() ? "" : counts.status().ToString());
  f["ms"].set_number_value(ms);
  f["peak_rss_mb"].set_number_value(PeakRssMb());
  if (counts.ok()) {
    for (int64_t c : *counts) {
      f["counts"].mutable_list_value()->add_values()->set_number_value(
          static_cast<double>(c));
    }
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(out, &json);
  std::printf("STREAM_RESULT %s\n", json.c_str());
  return counts.ok() ? 0 : 1;
}

Row RunStreamChild(const std::string& key, const std::string& label,
                   const std::string& path, const std::string& runner,
                   const FailCounts& reference) {
  Row row(key, label);
  // The child's output is parsed even when it exits non-zero (engine not
  // available), so do not treat the exit status as fatal here.
  absl::StatusOr<std::string> out =
      RunCommand(absl::StrCat(Quote(SelfExe()), " --read_stream=", Quote(path),
                              " --stream_runner=", runner, " 2>&1; true"));
  if (!out.ok()) {
    row.note = std::string(out.status().message());
    return row;
  }
  std::string json;
  for (absl::string_view line : absl::StrSplit(*out, '\n')) {
    if (absl::ConsumePrefix(&line, "STREAM_RESULT ")) json = std::string(line);
  }
  Struct result;
  if (json.empty() ||
      !google::protobuf::util::JsonStringToMessage(json, &result).ok()) {
    row.note = absl::StrCat("child printed no STREAM_RESULT: ", *out);
    return row;
  }
  const auto& f = result.fields();
  if (!f.at("ok").bool_value()) {
    row.note = f.at("error").string_value();
    return row;
  }
  row.available = true;
  row.median_ms = f.at("ms").number_value();
  row.pass_ms = {row.median_ms};
  row.peak_rss_mb = f.at("peak_rss_mb").number_value();
  FailCounts got{};
  const auto& list = f.at("counts").list_value();
  for (int i = 0; i < kNumRules && i < list.values_size(); ++i) {
    got[i] = static_cast<int64_t>(list.values(i).number_value());
  }
  row.counts_match = got == reference;
  if (!*row.counts_match) {
    row.note = absl::StrCat("WRONG fail counts: ", FormatFailCounts(got));
  }
  return row;
}

// ---------- report ----------

const Row* Find(const std::vector<Row>& rows, absl::string_view key) {
  for (const Row& r : rows) {
    if (r.key == key && r.available) return &r;
  }
  return nullptr;
}

std::string Rate(double per_sec) {
  if (per_sec >= 1e6) return absl::StrFormat("%.2f M", per_sec / 1e6);
  return absl::StrFormat("%.1f k", per_sec / 1e3);
}

// "how many times faster the engine is": contender time / engine time.
std::string Ratio(const Row& r, const Row* base) {
  if (!r.available || base == nullptr || base->median_ms <= 0) return "-";
  return absl::StrFormat("%.2fx", r.median_ms / base->median_ms);
}

void PrintTable(const std::vector<Row>& rows, int64_t evals) {
  const Row* engine = Find(rows, "engine_1t");
  const Row* b = Find(rows, "b_handwritten");
  std::printf("\n%-56s %9s %9s %13s %9s %9s  %s\n", "contender", "ms/pass",
              "best ms", "rule-evals/s", "vs engine", "vs (b)", "counts");
  for (const Row& r : rows) {
    if (!r.available) {
      std::printf(
          "%-58s %s\n", r.label.c_str(),
          r.key.rfind("engine", 0) == 0
              ? absl::StrCat("engine: not available yet (", r.note, ")").c_str()
              : absl::StrCat("not available: ", r.note).c_str());
      continue;
    }
    std::string counts = !r.counts_match.has_value() ? "(parse only)"
                         : *r.counts_match           ? "match"
                                                     : r.note;
    if (r.peak_rss_mb > 0) {
      absl::StrAppendFormat(&counts, ", peak RSS %.0f MB", r.peak_rss_mb);
    }
    const double best = *std::min_element(r.pass_ms.begin(), r.pass_ms.end());
    std::printf("%-56s %9.1f %9.1f %13s %9s %9s  %s\n", r.label.c_str(),
                r.median_ms, best, Rate(RuleEvalsPerSec(r, evals)).c_str(),
                Ratio(r, engine).c_str(), Ratio(r, b).c_str(), counts.c_str());
  }
  std::printf(
      "(ms/pass and rule-evals/s: median pass; best ms: fastest pass; \"vs X\" "
      "= this line's median / X's median: above 1.00x X is faster)\n");
}

void PrintTargets(const std::vector<Row>& rows, int64_t evals, bool stream_run,
                  int threads) {
  const Row* e1 = Find(rows, "engine_1t");
  const Row* en = Find(rows, "engine_nt");
  const Row* a = Find(rows, "a_dynamic");
  const Row* b = Find(rows, "b_handwritten");
  const Row* cel = Find(rows, "c_marcbachmann");
  const Row* es = Find(rows, "stream_engine");
  std::printf("\ntargets (single thread unless stated):\n");
  auto line = [](const char* what, const std::string& verdict) {
    std::printf("  %-52s %s\n", what, verdict.c_str());
  };
  auto verdict = [](bool ok, std::string detail) {
    return absl::StrCat(ok ? "MET    " : "MISSED ", detail);
  };
  const std::string pending = "pending (engine not integrated)";
  if (e1 == nullptr) {
    line(">= 10 M rule-evals/s end to end", pending);
    line("engine time <= 1.5x (b) hand-written C++", pending);
    line("engine time < (a) DynamicMessage parse", pending);
    line(">= 10x @marcbachmann/cel-js", pending);
    line(absl::StrCat("--threads=", threads, " >= 1.8x single thread").c_str(),
         pending);
  } else {
    const double rate = RuleEvalsPerSec(*e1, evals);
    line(">= 10 M rule-evals/s end to end", verdict(rate >= 10e6, Rate(rate)));
    line("engine time <= 1.5x (b) hand-written C++",
         b ? verdict(
                 e1->median_ms <= 1.5 * b->median_ms,
                 absl::StrFormat("%.2fx of (b)", e1->median_ms / b->median_ms))
           : "(b) not available");
    line("engine time < (a) DynamicMessage parse",
         a ? verdict(
                 e1->median_ms < a->median_ms,
                 absl::StrFormat("%.2fx of (a)", e1->median_ms / a->median_ms))
           : "(a) not available");
    line(">= 10x @marcbachmann/cel-js",
         cel ? verdict(cel->median_ms >= 10 * e1->median_ms,
                       absl::StrFormat("%.1fx", cel->median_ms / e1->median_ms))
             : "not run (use --node)");
    line(absl::StrCat("--threads=", threads, " >= 1.8x single thread").c_str(),
         en             ? verdict(e1->median_ms >= 1.8 * en->median_ms,
                                  absl::StrFormat("%.2fx", e1->median_ms / en->median_ms))
         : threads == 1 ? "not run (use --threads=2)"
                        : "not available");
  }
  if (stream_run) {
    line("streamed input: peak RSS < 300 MB (1,000,000 resources)",
         es ? verdict(es->peak_rss_mb < 300,
                      absl::StrFormat("%.0f MB", es->peak_rss_mb))
            : pending);
  }
}

std::string ToJson(const std::vector<Row>& rows, int64_t n, int64_t evals,
                   int64_t snapshot_bytes, int64_t payload_bytes) {
  Struct out;
  auto& f = *out.mutable_fields();
  f["workload"].set_string_value("cspm-v1");
  f["resources"].set_number_value(static_cast<double>(n));
  f["rule_evals"].set_number_value(static_cast<double>(evals));
  f["snapshot_bytes"].set_number_value(static_cast<double>(snapshot_bytes));
  f["payload_bytes"].set_number_value(static_cast<double>(payload_bytes));
  f["peak_rss_mb"].set_number_value(PeakRssMb());
  Struct* contenders = f["contenders"].mutable_struct_value();
  for (const Row& r : rows) {
    Struct& c = *(*contenders->mutable_fields())[r.key].mutable_struct_value();
    auto& cf = *c.mutable_fields();
    cf["label"].set_string_value(r.label);
    cf["available"].set_bool_value(r.available);
    if (!r.note.empty()) cf["note"].set_string_value(r.note);
    if (!r.available) continue;
    cf["median_ms"].set_number_value(r.median_ms);
    cf["rule_evals_per_sec"].set_number_value(RuleEvalsPerSec(r, evals));
    for (double ms : r.pass_ms) {
      cf["pass_ms"].mutable_list_value()->add_values()->set_number_value(ms);
    }
    if (r.counts_match.has_value()) {
      cf["counts_match"].set_bool_value(*r.counts_match);
    }
    if (r.peak_rss_mb > 0) cf["peak_rss_mb"].set_number_value(r.peak_rss_mb);
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(out, &json);
  return json;
}

int Main() {
  const int64_t n = absl::GetFlag(FLAGS_n);
  const int passes = std::max(1, absl::GetFlag(FLAGS_passes));
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  if (n < 1) {
    std::fprintf(stderr, "--n must be at least 1\n");
    return 2;
  }
  const std::string work = RepoPath(absl::GetFlag(FLAGS_work_dir));
  const std::string shared = RepoPath(absl::GetFlag(FLAGS_shared_bench));

  const absl::Time g0 = absl::Now();
  const EncodedWorkload w = EncodeSnapshot(n);
  const double gen_ms = absl::ToDoubleMilliseconds(absl::Now() - g0);
  const int64_t evals = CountRuleEvals(n);
  absl::PrintF(
      "CSPM workload v1: N=%d resources, %d rule evaluations per pass, "
      "snapshot %.1f MB (payloads %.1f MB), generated+encoded in %.0f ms\n",
      n, evals, w.snapshot.size() / 1e6, w.payload_bytes / 1e6, gen_ms);
  std::printf("reference fail counts (hand-written C++): %s\n",
              FormatFailCounts(w.reference).c_str());
  bool all_ok = true;
  if (n == 100000) {
    const bool readme = w.reference == kReadmeCounts100k;
    all_ok &= readme;
    std::printf("reference vs /work/shared/bench/README.md at N=100000: %s\n",
                readme ? "match" : "MISMATCH");
  }
  // Figures on a shared 2-core machine swing with other work: say how busy
  // it was so a reader can judge them.
  double load[1] = {0};
  getloadavg(load, 1);
  std::printf(
      "timing: median of %d passes after one checked warm-up pass; "
      "load average at start %.2f on %u cores\n",
      passes, load[0], std::thread::hardware_concurrency());
  std::fflush(stdout);

  std::vector<Row> rows;
  const FailCounts& ref = w.reference;
  // The engine, end to end from snapshot bytes (compiled once).
  absl::StatusOr<std::unique_ptr<EngineSession>> session =
      EngineCompile(CspmRules());
  if (!session.ok()) {
    for (int t : {1, threads}) {
      rows.push_back(Row(t == 1 ? "engine_1t" : "engine_nt",
                         absl::StrCat("engine: Onus, ", t, " thread"),
                         std::string(session.status().message())));
      if (threads == 1) break;
    }
  } else {
    std::vector<RowSpec> specs;
    for (int t : {1, threads}) {
      specs.push_back({t == 1 ? "engine_1t" : "engine_nt",
                       absl::StrCat("engine: Onus, snapshot bytes -> counts, ",
                                    t, " thread", t > 1 ? "s" : ""),
                       [&, t]() -> absl::StatusOr<std::optional<FailCounts>> {
                         ONUS_ASSIGN_OR_RETURN(FailCounts c,
                                               (*session)->Run(w.snapshot, t));
                         return std::optional<FailCounts>(c);
                       }});
      if (threads == 1) break;
    }
    specs.push_back({"engine_scan",
                     "engine: snapshot scan only (part of the above)",
                     [&]() -> absl::StatusOr<std::optional<FailCounts>> {
                       ONUS_RETURN_IF_ERROR((*session)->ScanOnly(w.snapshot));
                       return std::optional<FailCounts>();
                     }});
    specs.push_back(
        {"engine_serial",
         "engine: its serial part, finding resources (part of the above)",
         [&]() -> absl::StatusOr<std::optional<FailCounts>> {
           ONUS_RETURN_IF_ERROR((*session)->SerialPartOnly(w.snapshot));
           return std::optional<FailCounts>();
         }});
    for (Row& r : TimeRows(std::move(specs), passes, ref)) {
      rows.push_back(std::move(r));
    }
    const Row* one = Find(rows, "engine_1t");
    const Row* many = Find(rows, "engine_nt");
    if (one != nullptr && many != nullptr && one->available &&
        many->available) {
      // The ratio of each pair of back-to-back passes: steadier than the
      // ratio of medians when other work comes and goes.
      std::vector<double> ratios;
      for (size_t p = 0; p < one->pass_ms.size(); ++p) {
        ratios.push_back(one->pass_ms[p] / many->pass_ms[p]);
      }
      absl::PrintF("engine %d threads vs 1, median of per-pass ratios: %.2fx\n",
                   threads, Median(ratios));
    }
  }
  std::fflush(stdout);
  const bool baselines = !absl::GetFlag(FLAGS_engine_only);

  if (baselines) {
    rows.push_back(TimeRow(
        "a_dynamic", "(a) DynamicMessage parse of the snapshot, no rules",
        passes, ref, [&]() -> absl::StatusOr<std::optional<FailCounts>> {
          ONUS_RETURN_IF_ERROR(DynamicParseSnapshot(w.snapshot).status());
          return std::optional<FailCounts>();
        }));
    rows.push_back(TimeRow(
        "b_handwritten", "(b) hand-written C++, generated classes, parse incl.",
        passes, ref, [&]() -> absl::StatusOr<std::optional<FailCounts>> {
          ONUS_ASSIGN_OR_RETURN(FailCounts c, HandWrittenSnapshot(w.snapshot));
          return std::optional<FailCounts>(c);
        }));
    rows.push_back(
        TimeRow("b1_handwritten_full_parse",
                "(b1) as (b), envelope parsed by generated classes too", passes,
                ref, [&]() -> absl::StatusOr<std::optional<FailCounts>> {
                  ONUS_ASSIGN_OR_RETURN(
                      FailCounts c, HandWrittenSnapshotFullParse(w.snapshot));
                  return std::optional<FailCounts>(c);
                }));
    {
      // Payload-only floors, comparable with the workload README's C++ table.
      absl::StatusOr<std::vector<Payload>> payloads =
          ExtractPayloads(w.snapshot);
      if (!payloads.ok()) {
        std::fprintf(stderr, "%s\n", payloads.status().ToString().c_str());
        return 1;
      }
      rows.push_back(TimeRow(
          "a0_dynamic_payloads", "(a0) DynamicMessage parse, payloads only",
          passes, ref, [&]() -> absl::StatusOr<std::optional<FailCounts>> {
            ONUS_RETURN_IF_ERROR(DynamicParsePayloads(*payloads).status());
            return std::optional<FailCounts>();
          }));
      for (int t : {1, threads}) {
        rows.push_back(TimeRow(
            t == 1 ? "b0_payloads_1t" : "b0_payloads_nt",
            absl::StrCat("(b0) hand-written C++, payloads only, ", t, " thread",
                         t > 1 ? "s" : ""),
            passes, ref, [&, t]() -> absl::StatusOr<std::optional<FailCounts>> {
              ONUS_ASSIGN_OR_RETURN(FailCounts c,
                                    HandWrittenPayloads(*payloads, t));
              return std::optional<FailCounts>(c);
            }));
        if (threads == 1) break;
      }
    }
  }  // baselines
  std::fflush(stdout);

  if (baselines && absl::GetFlag(FLAGS_node)) {
    const std::vector<std::string> scripts = {"bench_native_js.mjs",
                                              "bench_marcbachmann_cel.mjs"};
    absl::Status prep = PrepareNodeDir(shared, work, scripts);
    if (!prep.ok()) {
      rows.push_back(Row("c_native_js", "(c) hand-written JavaScript (Node)",
                         std::string(prep.message())));
      rows.push_back(Row("c_marcbachmann", "(c) @marcbachmann/cel-js 8.0.0",
                         std::string(prep.message())));
    } else {
      rows.push_back(RunNodePeer("c_native_js",
                                 "(c) hand-written JavaScript (Node)",
                                 scripts[0], work, n, passes, ref));
      rows.push_back(RunNodePeer("c_marcbachmann",
                                 "(c) @marcbachmann/cel-js 8.0.0 (Node)",
                                 scripts[1], work, n, passes, ref));
    }
  }

  const bool stream_run = baselines && absl::GetFlag(FLAGS_stream);
  if (stream_run) {
    std::error_code ec;
    std::filesystem::create_directories(work, ec);
    const std::string path = absl::StrCat(work, "/cspm_", n, ".stream");
    absl::StatusOr<EncodedWorkload> sw = WriteStreamFile(n, path);
    if (!sw.ok()) {
      std::fprintf(stderr, "%s\n", sw.status().ToString().c_str());
      return 1;
    }
    std::printf("stream file: %s (%.1f MB)\n", path.c_str(),
                std::filesystem::file_size(path, ec) / 1e6);
    rows.push_back(RunStreamChild("stream_engine",
                                  "engine: streamed StreamItem file, 1 thread",
                                  path, "engine", ref));
    rows.push_back(
        RunStreamChild("stream_handwritten",
                       "(b) streamed StreamItem file, hand-written, 1 pass",
                       path, "handwritten", ref));
  }

  PrintTable(rows, evals);
  PrintTargets(rows, evals, stream_run, threads);
  std::printf("\npeak RSS of this process: %.0f MB\n", PeakRssMb());
  for (const Row& r : rows) {
    if (r.counts_match.has_value() && !*r.counts_match) all_ok = false;
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("RESULT_JSON %s\n",
                ToJson(rows, n, evals, static_cast<int64_t>(w.snapshot.size()),
                       w.payload_bytes)
                    .c_str());
  }
  if (!all_ok) std::printf("RESULT MISMATCH: see the counts column\n");
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace onus::bench::cspm

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::error_code ec;
  onus::bench::cspm::SelfExe() =
      std::filesystem::read_symlink("/proc/self/exe", ec).string();
  const std::string stream = absl::GetFlag(FLAGS_read_stream);
  if (!stream.empty()) {
    return onus::bench::cspm::StreamChild(stream,
                                          absl::GetFlag(FLAGS_stream_runner));
  }
  return onus::bench::cspm::Main();
}
