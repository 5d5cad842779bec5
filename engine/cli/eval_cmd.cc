// onus eval --policies P --input I... [--input-format auto|snapshot|aws|gcp|
//           azure] [--format F] [--output FILE]
//           [--fail-on SEVERITY] [--waivers W] [-j N] [--policy ID]...
//           [--only-failures]
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/evaluator.h"
#include "engine/policy_pack.h"
#include "engine/report/writers.h"
#include "engine/stream_eval.h"

namespace onus::cli {
namespace {

// A progress line on a TTY for long runs: resources done, rate, ETA.
class Progress {
 public:
  Progress(std::ostream& err, uint64_t total, bool enabled)
      : err_(err), total_(total), enabled_(enabled && total > 0) {
    if (enabled_) thread_ = std::thread([this] { Loop(); });
  }
  ~Progress() {
    if (!enabled_) return;
    stop_ = true;
    thread_.join();
    err_ << "\r\x1b[K" << std::flush;
  }
  std::atomic<uint64_t>* counter() { return &done_; }

 private:
  void Loop() {
    auto start = std::chrono::steady_clock::now();
    // Short runs print nothing: the first line appears after 1 s.
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    while (!stop_) {
      double secs = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      uint64_t done = done_.load();
      double rate = done / (secs > 0 ? secs : 1);
      double eta = rate > 0 ? (total_ - done) / rate : 0;
      err_ << absl::StrFormat("\r\x1b[K%d/%d resources, %.0f/s, ETA %.0fs",
                              done, total_, rate, eta)
           << std::flush;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  std::ostream& err_;
  uint64_t total_;
  bool enabled_;
  std::atomic<uint64_t> done_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A single `.stream` input is evaluated as it is read (engine/stream_eval.h)
// instead of being loaded whole. JSON, SARIF and CSV findings are written as
// they come, so memory does not grow with the number of findings either;
// text keeps only the rows it prints; JUnit and HTML render one report at
// the end (use --only-failures for large inputs).
int EvalStreamInput(const engine::PolicyPack& pack, const std::string& path,
                    const engine::EvalOptions& opts,
                    engine::report::Format format,
                    const engine::report::RenderOptions& ropts,
                    const std::string& output,
                    std::optional<onus::v1::Severity> fail_on,
                    std::ostream& out, std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << "onus eval: " << path << ": cannot read\n";
    return kExitUsage;
  }
  if (absl::Status st = RefuseEmptyInput(path); !st.ok()) {
    err << "onus eval: " << st.message() << "\n";
    return kExitUsage;
  }
  std::ofstream file;
  std::ostream* dst = &out;
  if (!output.empty()) {
    file.open(output, std::ios::binary);
    if (!file) {
      err << "onus eval: cannot write " << output << "\n";
      return kExitUsage;
    }
    dst = &file;
  }
  bool failing = false;
  auto note = [&](const onus::v1::Finding& f) {
    if (fail_on.has_value() &&
        (f.outcome() == onus::v1::FAIL || f.outcome() == onus::v1::ERROR) &&
        f.severity() >= *fail_on) {
      failing = true;
    }
  };
  engine::StreamReader reader(&in);
  absl::StatusOr<onus::v1::Report> report;
  // The report lists every policy of the pack (PolicyListing::kAll), in
  // pack order: what SARIF numbers its rules from before any finding.
  std::vector<const onus::v1::PolicyMetadata*> policies;
  for (const engine::CompiledPolicy& p : pack.policies()) {
    policies.push_back(&p.meta);
  }
  if (std::unique_ptr<engine::report::FindingWriter> writer =
          engine::report::NewFindingWriter(format, policies, dst, ropts)) {
    engine::FindingSink sink = [&](const onus::v1::Finding& f) {
      note(f);
      writer->Add(f);
    };
    report = engine::EvaluateStream(pack, reader, opts, &sink);
    if (report.ok()) writer->Finish(*report);
  } else {
    report = engine::EvaluateStream(pack, reader, opts, nullptr);
    if (report.ok()) {
      for (const onus::v1::Finding& f : report->findings()) note(f);
      *dst << engine::report::Render(*report, format, ropts);
    }
  }
  if (!report.ok()) {
    err << "onus eval: " << path << ": " << report.status().message() << "\n";
    return kExitUsage;
  }
  dst->flush();
  if (!*dst) {
    err << "onus eval: cannot write " << output << "\n";
    return kExitUsage;
  }
  return failing ? kExitFindings : kExitClean;
}

}  // namespace

int RunEval(const std::vector<std::string>& argv, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<Args> args = ParseArgs(argv, {{"policies", true, true},
                                               {"input", true, true},
                                               {"input-format", true},
                                               {"format", true},
                                               {"output", true},
                                               {"fail-on", true},
                                               {"waivers", true},
                                               {"j", true},
                                               {"policy", true, true},
                                               {"no-evidence", false},
                                               {"only-failures", false},
                                               {"verbose", false}});
  if (!args.ok()) {
    err << "onus eval: " << args.status().message() << "\n";
    return kExitUsage;
  }
  std::vector<std::string> policies = args->GetAll("policies");
  if (policies.empty()) policies = {"policies"};
  std::vector<std::string> inputs = args->GetAll("input");
  if (inputs.empty() && !args->positional.empty()) inputs = args->positional;
  if (inputs.empty()) {
    err << "onus eval: --input FILE is required (a snapshot: .textproto, "
           ".json, .pb or .stream; or provider JSON, a directory, or several "
           "--input)\n";
    return kExitUsage;
  }
  absl::StatusOr<engine::report::Format> format =
      engine::report::ParseFormat(args->Get("format", "text"));
  if (!format.ok()) {
    err << "onus eval: " << format.status().message() << "\n";
    return kExitUsage;
  }
  std::optional<onus::v1::Severity> fail_on;
  if (args->Has("fail-on")) {
    absl::StatusOr<onus::v1::Severity> s = ParseSeverity(args->Get("fail-on"));
    if (!s.ok()) {
      err << "onus eval: --fail-on: " << s.status().message() << "\n";
      return kExitUsage;
    }
    fail_on = *s;
  }
  int threads = 1;
  if (args->Has("j") && (!absl::SimpleAtoi(args->Get("j"), &threads) ||
                         threads < 1 || threads > 256)) {
    err << "onus eval: -j takes a thread count from 1 to 256\n";
    return kExitUsage;
  }

  absl::StatusOr<std::unique_ptr<engine::PolicyPack>> pack =
      LoadPack(policies, err);
  if (!pack.ok()) {
    err << "onus eval: " << pack.status().message() << "\n";
    return kExitUsage;
  }
  // Waivers are loaded before --policy narrows the pack, so that their
  // patterns are checked against every policy of it.
  engine::Waivers waivers;
  if (args->Has("waivers")) {
    absl::StatusOr<engine::Waivers> w =
        engine::Waivers::Load(args->Get("waivers"));
    if (!w.ok()) {
      err << "onus eval: " << w.status().message() << "\n";
      return kExitUsage;
    }
    waivers = *std::move(w);
    std::vector<std::string> ids;
    for (const engine::CompiledPolicy& p : (*pack)->policies()) {
      ids.push_back(p.meta.id());
    }
    for (const std::string& warning : waivers.UnmatchedPolicies(ids)) {
      err << "onus eval: warning: " << args->Get("waivers") << ": " << warning
          << "\n";
    }
  }
  if (absl::Status st = (*pack)->Select(args->GetAll("policy")); !st.ok()) {
    err << "onus eval: " << st.message() << "\n";
    return kExitUsage;
  }
  if ((*pack)->policies().empty()) {
    err << "onus eval: no policies to evaluate\n";
    return kExitUsage;
  }
  if (inputs.size() == 1 && absl::EndsWith(inputs[0], ".stream") &&
      (args->Get("input-format", "auto") == "auto" ||
       args->Get("input-format", "auto") == "snapshot")) {
    engine::EvalOptions sopts;
    sopts.threads = threads;
    sopts.waivers = &waivers;
    sopts.evidence = !args->Has("no-evidence");
    sopts.engine_version = kVersion;
    sopts.detail = args->Has("only-failures")
                       ? engine::FindingDetail::kNonPassing
                       : engine::FindingDetail::kAll;
    engine::report::RenderOptions ropts;
    ropts.verbose = args->Has("verbose");
    ropts.color = !args->Has("output") && StdoutIsTty();
    return EvalStreamInput(**pack, inputs[0], sopts, *format, ropts,
                           args->Get("output"), fail_on, out, err);
  }
  absl::StatusOr<LoadedInput> loaded =
      LoadInputs(inputs, args->Get("input-format", "auto"), err);
  if (!loaded.ok()) {
    err << "onus eval: " << loaded.status().message() << "\n";
    return kExitUsage;
  }

  engine::EvalOptions opts;
  opts.threads = threads;
  opts.waivers = &waivers;
  opts.evidence = !args->Has("no-evidence");
  opts.engine_version = kVersion;
  opts.detail = args->Has("only-failures") ? engine::FindingDetail::kNonPassing
                                           : engine::FindingDetail::kAll;
  absl::StatusOr<onus::v1::Report> report;
  {
    Progress progress(err, loaded->inventory->resources().size(),
                      StderrIsTty());
    opts.progress = progress.counter();
    report = engine::Evaluate(**pack, *loaded->inventory, opts);
  }
  if (!report.ok()) {
    err << "onus eval: " << report.status().message() << "\n";
    return kExitUsage;
  }

  engine::report::RenderOptions ropts;
  ropts.verbose = args->Has("verbose");
  std::string output = args->Get("output");
  ropts.color = output.empty() && StdoutIsTty();
  std::string rendered = engine::report::Render(*report, *format, ropts);
  if (output.empty()) {
    out << rendered;
  } else {
    std::ofstream f(output, std::ios::binary);
    f << rendered;
    if (!f) {
      err << "onus eval: cannot write " << output << "\n";
      return kExitUsage;
    }
  }

  if (fail_on.has_value()) {
    for (const onus::v1::Finding& f : report->findings()) {
      if ((f.outcome() == onus::v1::FAIL || f.outcome() == onus::v1::ERROR) &&
          f.severity() >= *fail_on) {
        return kExitFindings;
      }
    }
  }
  return kExitClean;
}

}  // namespace onus::cli
