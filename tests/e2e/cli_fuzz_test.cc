// Mutation campaign over the `onus` subcommands: every input form the CLI
// reads (binary snapshot, stream, text format, JSON, provider JSON, policy
// sources, waivers) is damaged at random, and each run must end with a
// documented exit code, never a crash: 0 or 1 with a report whose counts add
// up, or 2 with an error that names the input.
//
// The default is a smoke campaign for `make test`; ONUS_FUZZ_ITERS=N runs N
// mutations per input form (`make fuzz` runs it under AddressSanitizer and
// UndefinedBehaviorSanitizer).
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/cli/commands.h"
#include "engine/snapshot_io.h"
#include "engine/wire_internal.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "onus/v1/report.pb.h"
#include "onus/v1/snapshot.pb.h"
#include "tests/e2e/cli_test_util.h"

namespace onus::cli {
namespace {

constexpr char kSample[] = "tests/data/acme/snapshot.textproto";

using testing::Invoke;
using testing::ReadFile;
using testing::Result;
using testing::TempPath;
using testing::WriteFile;

int Iterations(int smoke) {
  if (const char* e = std::getenv("ONUS_FUZZ_ITERS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  return smoke;
}

// One random damage: bytes overwritten, a cut, bytes inserted, a slice
// repeated, or a slice removed. Structure-aware enough to reach deep into
// the readers (most mutations keep most of the input intact).
std::string Mutate(const std::string& in, std::mt19937& rng) {
  std::string s = in;
  if (s.empty()) s = "x";
  auto at = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  switch (rng() % 6) {
    case 0:
    case 1: {
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < edits; ++k) {
        s[at(s.size())] = static_cast<char>(rng());
      }
      break;
    }
    case 2:
      s.resize(at(s.size()));
      break;
    case 3: {
      std::string junk;
      const size_t n = 1 + at(8);
      for (size_t k = 0; k < n; ++k) junk.push_back(static_cast<char>(rng()));
      s.insert(at(s.size() + 1), junk);
      break;
    }
    case 4: {
      const size_t from = at(s.size());
      const size_t len = 1 + at(std::min<size_t>(64, s.size() - from));
      s.insert(at(s.size() + 1), s.substr(from, len));
      break;
    }
    default: {
      const size_t from = at(s.size());
      s.erase(from, 1 + at(std::min<size_t>(64, s.size() - from)));
      break;
    }
  }
  return s;
}

// For text inputs, half of the damage stays inside the syntax: a letter of
// a quoted string or a digit replaced (by ASCII, `*` for globs, or a
// two-byte UTF-8 letter), so that the checks behind the parser run too.
std::string MutateText(const std::string& in, std::mt19937& rng) {
  if (rng() % 2 == 0) return Mutate(in, rng);
  std::vector<size_t> spots;
  bool quoted = false;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '"') {
      quoted = !quoted;
    } else if (quoted || (in[i] >= '0' && in[i] <= '9')) {
      spots.push_back(i);
    }
  }
  if (spots.empty()) return Mutate(in, rng);
  static const char* const kReplacements[] = {"a", "z", "*", ".",        "-",
                                              "_", "0", "9", "\xc3\xa9", ""};
  std::string s = in;
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int k = 0; k < edits; ++k) {
    const size_t at = spots[rng() % spots.size()];
    if (at >= s.size() || s[at] == '"') continue;
    const bool digit = s[at] >= '0' && s[at] <= '9';
    s.replace(at, 1,
              digit ? std::string(1, static_cast<char>('0' + rng() % 10))
                    : std::string(kReplacements[rng() % 10]));
  }
  return s;
}

// A report from a run that ended 0 or 1 must be whole: every finding
// counted once in the totals, the per-policy counts adding up to them.
void ExpectConsistentReport(const std::string& json, const std::string& what) {
  // Damaged strings must be rejected on input, not copied into reports.
  EXPECT_TRUE(engine::wire::ValidUtf8(json))
      << what << ": the report is not valid UTF-8";
  onus::v1::Report r;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &r).ok())
      << what << ": the report is not valid JSON of onus.v1.Report";
  const onus::v1::OutcomeCounts& t = r.summary().totals();
  const uint64_t total =
      t.pass() + t.fail() + t.error() + t.not_applicable() + t.waived();
  EXPECT_EQ(total, static_cast<uint64_t>(r.findings_size())) << what;
  uint64_t by_policy = 0;
  for (const auto& pc : r.summary().by_policy()) {
    by_policy += pc.counts().pass() + pc.counts().fail() + pc.counts().error() +
                 pc.counts().not_applicable() + pc.counts().waived();
  }
  EXPECT_EQ(by_policy, total) << what;
}

// Runs `onus eval` on `bytes` written to `name` and checks the outcome.
// Returns the exit code.
int EvalDamaged(const std::string& name, const std::string& bytes,
                const std::vector<std::string>& extra, int iter) {
  const std::string path = TempPath(name);
  WriteFile(path, bytes);
  std::vector<std::string> args = {"--policies", "policies", "--input",
                                   path,         "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  Result r = Invoke(RunEval, args);
  const std::string what = absl::StrCat(name, " mutation ", iter);
  EXPECT_TRUE(r.code == 0 || r.code == 1 || r.code == 2)
      << what << ": exit " << r.code;
  if (r.code == 2) {
    EXPECT_TRUE(absl::StrContains(r.err, name))
        << what << ": the error does not name the input: " << r.err;
  } else {
    ExpectConsistentReport(r.out, what);
  }
  return r.code;
}

class CliFuzzTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<onus::v1::Snapshot> s = engine::LoadSnapshot(kSample);
    ASSERT_TRUE(s.ok()) << s.status();
    snapshot_ = new onus::v1::Snapshot(*std::move(s));
  }
  static onus::v1::Snapshot* snapshot_;
};
onus::v1::Snapshot* CliFuzzTest::snapshot_ = nullptr;

// Each campaign also counts how many damaged inputs were still accepted:
// a campaign where every input is rejected at the first byte would test
// nothing of the readers behind it.
struct Tally {
  int accepted = 0;
  int rejected = 0;
  void Add(int code) { (code == 2 ? rejected : accepted)++; }
};

TEST_F(CliFuzzTest, DamagedBinarySnapshots) {
  std::mt19937 rng(101);
  const std::string bin = snapshot_->SerializeAsString();
  Tally t;
  const int n = Iterations(40);
  for (int i = 0; i < n; ++i) {
    t.Add(EvalDamaged("damaged.pb", Mutate(bin, rng), {}, i));
  }
  EXPECT_GT(t.accepted, 0);
  EXPECT_GT(t.rejected, 0);
}

TEST_F(CliFuzzTest, DamagedStreams) {
  std::mt19937 rng(102);
  absl::StatusOr<std::string> stream =
      engine::SerializeSnapshot(*snapshot_, engine::SnapshotFormat::kStream);
  ASSERT_TRUE(stream.ok()) << stream.status();
  Tally t;
  const int n = Iterations(40);
  for (int i = 0; i < n; ++i) {
    t.Add(EvalDamaged("damaged.stream", Mutate(*stream, rng), {}, i));
  }
  EXPECT_GT(t.accepted, 0);
  EXPECT_GT(t.rejected, 0);
}

TEST_F(CliFuzzTest, DamagedTextAndJsonSnapshots) {
  std::mt19937 rng(103);
  const std::string text = ReadFile(kSample);
  std::string json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(*snapshot_, &json).ok());
  Tally t;
  const int n = Iterations(30);
  for (int i = 0; i < n; ++i) {
    t.Add(EvalDamaged("damaged.textproto", MutateText(text, rng), {}, i));
    t.Add(EvalDamaged("damaged.json", Mutate(json, rng), {}, i));
  }
  EXPECT_GT(t.accepted, 0);
  EXPECT_GT(t.rejected, 0);
}

TEST_F(CliFuzzTest, DamagedProviderJson) {
  std::mt19937 rng(104);
  struct Sample {
    const char* path;
    const char* provider;
  };
  const Sample samples[] = {
      {"engine/testdata/import/aws/ec2_describe_security_groups.json", "aws"},
      {"engine/testdata/import/aws/iam_list_users.json", "aws"},
      {"engine/testdata/import/aws/s3_bucket_details.json", "aws"},
      {"engine/testdata/import/gcp/cloud_asset_export.jsonl", "gcp"},
      {"engine/testdata/import/azure/resource_graph.json", "azure"},
  };
  Tally t;
  const int n = Iterations(12);
  for (const Sample& s : samples) {
    const std::string original = ReadFile(s.path);
    ASSERT_FALSE(original.empty()) << s.path;
    for (int i = 0; i < n; ++i) {
      t.Add(EvalDamaged(absl::StrCat("damaged_", s.provider, ".json"),
                        Mutate(original, rng), {"--input-format", s.provider},
                        i));
    }
  }
  EXPECT_GT(t.accepted, 0);
  EXPECT_GT(t.rejected, 0);
}

TEST_F(CliFuzzTest, DamagedWaivers) {
  std::mt19937 rng(105);
  const std::string waivers =
      "waivers { id: \"W-OLD\" policies: \"aws\" reason: \"r\" owner: \"o\" "
      "expires { seconds: 1000 } }\n"
      "waivers { id: \"W-DEV\" policies: \"aws.*\" resources: \"arn:*\" "
      "accounts: \"444455556666\" tags { key: \"env\" value: \"dev\" } "
      "reason: \"r\" owner: \"o\" ticket: \"T-1\" "
      "expires { seconds: 4102444800 } }\n";
  const std::string input = TempPath("waivers_input.pb");
  WriteFile(input, snapshot_->SerializeAsString());
  Tally t;
  const int n = Iterations(30);
  for (int i = 0; i < n; ++i) {
    const std::string path = TempPath("damaged_waivers.textproto");
    WriteFile(path, MutateText(waivers, rng));
    Result r = Invoke(RunEval, {"--policies", "policies", "--input", input,
                                "--waivers", path, "--format", "json"});
    const std::string what = absl::StrCat("waivers mutation ", i);
    ASSERT_TRUE(r.code == 0 || r.code == 2) << what << ": exit " << r.code;
    if (r.code == 2) {
      EXPECT_TRUE(absl::StrContains(r.err, "damaged_waivers.textproto"))
          << what << ": " << r.err;
    } else {
      ExpectConsistentReport(r.out, what);
    }
    t.Add(r.code);
  }
  EXPECT_GT(t.accepted, 0);
  EXPECT_GT(t.rejected, 0);
}

// Damaged policy sources through check, explain, fmt and eval: diagnostics
// (exit 1 or 2) that point into the damaged file, never a crash; a source
// that still compiles must evaluate.
TEST_F(CliFuzzTest, DamagedPolicySources) {
  std::mt19937 rng(106);
  const char* sources[] = {"policies/aws/s3.onus", "policies/aws/iam.onus",
                           "policies/gcp/storage.onus",
                           "policies/azure/network.onus"};
  const std::string input = TempPath("policies_input.pb");
  WriteFile(input, snapshot_->SerializeAsString());
  int compiled = 0, diagnosed = 0;
  const int n = Iterations(15);
  for (const char* src : sources) {
    const std::string original = ReadFile(src);
    ASSERT_FALSE(original.empty()) << src;
    for (int i = 0; i < n; ++i) {
      const std::string path = TempPath("damaged.onus");
      WriteFile(path, MutateText(original, rng));
      const std::string what = absl::StrCat(src, " mutation ", i);
      Result check = Invoke(RunCheck, {path});
      ASSERT_TRUE(check.code == 0 || check.code == 1 || check.code == 2)
          << what << ": exit " << check.code;
      if (check.code != 0) {
        ++diagnosed;
        EXPECT_TRUE(absl::StrContains(check.out + check.err, "damaged.onus:"))
            << what << ": no file:line:col in " << check.out << check.err;
      } else {
        ++compiled;
        Result ev = Invoke(RunEval, {"--policies", path, "--input", input,
                                     "--format", "json"});
        if (ev.code == 2) {
          // A damaged file can still compile with no policy left in it.
          EXPECT_TRUE(absl::StrContains(ev.err, "no policies")) << what;
        } else {
          ASSERT_TRUE(ev.code == 0 || ev.code == 1) << what << ": " << ev.err;
          ExpectConsistentReport(ev.out, what);
        }
      }
      Result ex = Invoke(RunExplain, {path});
      EXPECT_TRUE(ex.code == 0 || ex.code == 1 || ex.code == 2) << what;
      Result fmt = Invoke(RunFmt, {path});
      EXPECT_TRUE(fmt.code == 0 || fmt.code == 1 || fmt.code == 2) << what;
    }
  }
  EXPECT_GT(compiled, 0);
  EXPECT_GT(diagnosed, 0);
}

}  // namespace
}  // namespace onus::cli
