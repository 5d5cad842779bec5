// onus test PATH...: runs the test cases beside policies.
//
// Every `*_test.textproto` / `*_test.txtpb` / `*_test.json` file below the
// given paths is an onus.v1.PolicyTestFile. Each case becomes a snapshot,
// the pack is evaluated over it, and each expectation is compared with the
// finding. Failing cases print the observed outcome and the evidence.
// Coverage: policies no case mentions, and branches never exercised:
// `require` never seen true or never false, `when` never false.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/evaluator.h"
#include "engine/report/writers.h"
#include "engine/snapshot_io.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "onus/v1/policy_test.pb.h"

namespace onus::cli {
namespace {

namespace fs = std::filesystem;

bool IsTestFile(const fs::path& p) {
  std::string name = p.filename().string();
  return absl::EndsWith(name, "_test.textproto") ||
         absl::EndsWith(name, "_test.txtpb") ||
         absl::EndsWith(name, "_test.json");
}

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  explicit FirstError(std::string file) : file_(std::move(file)) {}
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ =
          absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message);
    }
  }
  std::string first_;

 private:
  std::string file_;
};

absl::StatusOr<onus::v1::PolicyTestFile> LoadTestFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream ss;
  ss << f.rdbuf();
  onus::v1::PolicyTestFile file;
  if (absl::EndsWith(path, ".json")) {
    auto st = google::protobuf::util::JsonStringToMessage(ss.str(), &file);
    if (!st.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", std::string(st.message())));
    }
    return file;
  }
  google::protobuf::TextFormat::Parser parser;
  FirstError errors(path);
  parser.RecordErrorsTo(&errors);
  // Any payloads are written by protobuf's serializer, which logs a string
  // that is not UTF-8 to stderr; the case's evaluation reports it instead.
  google::protobuf::LogSilencer quiet;
  if (!parser.ParseFromString(ss.str(), &file)) {
    return absl::InvalidArgumentError(
        errors.first_.empty() ? path + ": invalid test file" : errors.first_);
  }
  return file;
}

// What the tests exercised per policy.
struct Coverage {
  bool mentioned = false;
  bool passed = false;          // require true
  bool failed = false;          // require false
  bool not_applicable = false;  // when false
};

onus::v1::Snapshot CaseSnapshot(const onus::v1::PolicyTestCase& c) {
  onus::v1::Snapshot s;
  s.set_id(c.name());
  if (c.has_now()) {
    *s.mutable_collected_at() = c.now();
  } else {
    s.mutable_collected_at()->set_seconds(1735689600);  // 2025-01-01
  }
  std::set<std::pair<int, std::string>> accounts;
  for (const auto& a : c.accounts()) {
    *s.add_accounts() = a;
    accounts.insert({a.provider(), a.id()});
  }
  for (const auto& r : c.resources()) {
    *s.add_resources() = r;
    if (r.type().empty() && r.has_typed()) {
      std::string url = r.typed().type_url();
      s.mutable_resources(s.resources_size() - 1)
          ->set_type(url.substr(url.rfind('/') + 1));
    }
    if (accounts.insert({r.provider(), r.account()}).second) {
      auto* a = s.add_accounts();
      a->set_provider(r.provider());
      a->set_id(r.account());
    }
  }
  return s;
}

}  // namespace

int RunTest(const std::vector<std::string>& argv, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<Args> args = ParseArgs(argv, {{"verbose", false}});
  if (!args.ok() || args->positional.empty()) {
    err << "onus test: "
        << (args.ok() ? "usage: onus test PATH..." : args.status().message())
        << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<engine::PolicyPack>> pack =
      LoadPack(args->positional, err);
  if (!pack.ok()) {
    err << "onus test: " << pack.status().message() << "\n";
    return PackLoadExit(pack.status());
  }
  std::map<std::string, Coverage> coverage;
  std::map<std::string, const engine::CompiledPolicy*> by_id;
  for (const auto& p : (*pack)->policies()) {
    coverage[p.meta.id()];
    by_id[p.meta.id()] = &p;
  }

  std::vector<std::string> files;
  for (const std::string& root : args->positional) {
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      for (auto it = fs::recursive_directory_iterator(root, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && IsTestFile(it->path())) {
          files.push_back(it->path().string());
        }
      }
    } else if (IsTestFile(root)) {
      files.push_back(root);
    }
  }
  std::sort(files.begin(), files.end());

  int passed = 0, failed = 0;
  for (const std::string& file : files) {
    absl::StatusOr<onus::v1::PolicyTestFile> tf = LoadTestFile(file);
    if (!tf.ok()) {
      err << tf.status().message() << "\n";
      ++failed;
      continue;
    }
    for (const onus::v1::PolicyTestCase& c : tf->tests()) {
      // The checks `eval` applies to a snapshot: a case whose envelope is
      // wrong (a payload of another type, duplicate ids) would otherwise
      // test something other than what it says.
      const onus::v1::Snapshot snapshot = CaseSnapshot(c);
      absl::Status valid = engine::ValidateSnapshot(snapshot);
      absl::StatusOr<LoadedInput> in =
          valid.ok() ? InputFromSnapshot(snapshot) : valid;
      if (!in.ok()) {
        out << "FAIL " << file << ": " << c.name() << ": "
            << in.status().message() << "\n";
        ++failed;
        continue;
      }
      engine::EvalOptions opts;
      opts.engine_version = kVersion;
      absl::StatusOr<onus::v1::Report> report =
          engine::Evaluate(**pack, *in->inventory, opts);
      if (!report.ok()) {
        out << "FAIL " << file << ": " << c.name() << ": "
            << report.status().message() << "\n";
        ++failed;
        continue;
      }
      for (const onus::v1::Finding& f : report->findings()) {
        Coverage& cov = coverage[f.policy_id()];
        cov.passed |= f.outcome() == onus::v1::PASS;
        cov.failed |= f.outcome() == onus::v1::FAIL;
        cov.not_applicable |= f.outcome() == onus::v1::NOT_APPLICABLE;
      }
      bool case_ok = true;
      std::string detail;
      if (c.expect().empty()) {
        case_ok = false;
        detail = "  the case has no `expect`\n";
      }
      for (const onus::v1::Expectation& e : c.expect()) {
        if (!by_id.count(e.policy())) {
          case_ok = false;
          std::vector<std::string> ids;
          for (const auto& [id, policy] : by_id) ids.push_back(id);
          std::string hint = lang::DidYouMean(e.policy(), ids);
          absl::StrAppend(
              &detail, "  unknown policy `", e.policy(), "`",
              hint.empty() ? "" : absl::StrCat("; did you mean `", hint, "`?"),
              "\n");
          continue;
        }
        coverage[e.policy()].mentioned = true;
        std::vector<const onus::v1::Finding*> matches;
        for (const onus::v1::Finding& f : report->findings()) {
          if (f.policy_id() == e.policy() &&
              (e.resource().empty() || f.resource_id() == e.resource())) {
            matches.push_back(&f);
          }
        }
        std::string what = absl::StrCat(
            e.policy(), e.resource().empty() ? "" : " on " + e.resource());
        if (matches.size() != 1) {
          case_ok = false;
          absl::StrAppend(&detail, "  ", what, ": ",
                          matches.empty()
                              ? "no finding (does the resource type match?)"
                              : "several findings; name the resource",
                          "\n");
          continue;
        }
        const onus::v1::Finding& f = *matches[0];
        bool ok = f.outcome() == e.outcome() &&
                  (e.message().empty() ||
                   absl::StrContains(f.message(), e.message()));
        if (!ok) {
          case_ok = false;
          absl::StrAppend(&detail, "  ", what, ": expected ",
                          engine::report::OutcomeName(e.outcome()), ", got ",
                          engine::report::OutcomeName(f.outcome()), "\n");
          if (!f.message().empty()) {
            absl::StrAppend(&detail, "    message: ", f.message(), "\n");
          }
          if (!e.message().empty()) {
            absl::StrAppend(&detail,
                            "    expected message containing: ", e.message(),
                            "\n");
          }
          if (!f.error_reason().empty()) {
            absl::StrAppend(&detail, "    error: ", f.error_reason(), "\n");
          }
          if (!f.evidence().expression().empty()) {
            absl::StrAppend(&detail, "    because: ", f.evidence().expression(),
                            "\n");
            for (const auto& ov : f.evidence().observed()) {
              absl::StrAppend(&detail, "      ", ov.expression(), " = ",
                              ov.value(), "\n");
            }
          }
        }
      }
      if (case_ok) {
        ++passed;
        if (args->Has("verbose"))
          out << "ok   " << file << ": " << c.name() << "\n";
      } else {
        ++failed;
        out << "FAIL " << file << ": " << c.name() << "\n" << detail;
      }
    }
  }

  // Coverage report.
  int untested = 0, partial = 0;
  for (const auto& [id, cov] : coverage) {
    const engine::CompiledPolicy* p = by_id[id];
    if (!cov.mentioned) {
      out << "coverage: policy " << id << " has no test\n";
      ++untested;
      continue;
    }
    std::vector<std::string> gaps;
    if (!cov.passed) gaps.push_back("`require` never true");
    if (!cov.failed) gaps.push_back("`require` never false");
    if (p != nullptr && p->when.has_value() && !cov.not_applicable) {
      gaps.push_back("`when` never false");
    }
    if (!gaps.empty()) {
      ++partial;
      out << "coverage: policy " << id << ": " << absl::StrJoin(gaps, ", ")
          << "\n";
    }
  }
  out << absl::StrFormat(
      "%d passed, %d failed (%d test files, %d policies, %d without tests, "
      "%d with unexercised branches)\n",
      passed, failed, files.size(), coverage.size(), untested, partial);
  return failed > 0 ? kExitFindings : kExitClean;
}

}  // namespace onus::cli
