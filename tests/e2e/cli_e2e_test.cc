// End-to-end tests of the onus subcommands on the bundled Acme inventory and
// the built-in policy pack: every subcommand, every output format, malformed
// inputs, waivers, diff and the documented exit codes.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/cli/commands.h"
#include "engine/report/writers.h"
#include "engine/snapshot_io.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "onus/v1/report.pb.h"
#include "tests/e2e/cli_test_util.h"

namespace onus::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSample[] = "tests/data/acme/snapshot.textproto";

using testing::Invoke;
using testing::Result;
using testing::TempPath;
using testing::WriteFile;

onus::v1::Report ParseReport(const std::string& json) {
  onus::v1::Report r;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &r).ok());
  return r;
}

// Writes `s` as a StreamItem stream file (an input evaluated as it is read)
// under `name`; returns its path.
std::string WriteStreamFile(const onus::v1::Snapshot& s,
                            const std::string& name) {
  absl::StatusOr<std::string> stream =
      engine::SerializeSnapshot(s, engine::SnapshotFormat::kStream);
  EXPECT_TRUE(stream.ok()) << stream.status();
  const std::string path = TempPath(name);
  WriteFile(path, stream.ok() ? *stream : "");
  return path;
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result r = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                "--format", "json"});
    ASSERT_EQ(r.code, 0) << r.err;
    report_ = new onus::v1::Report(ParseReport(r.out));
  }
  static onus::v1::Report* report_;
};
onus::v1::Report* CliTest::report_ = nullptr;

TEST_F(CliTest, JsonReportIsConsistentAndHasNoErrorsOnTheSample) {
  const auto& t = report_->summary().totals();
  EXPECT_GT(t.pass(), 0u);
  EXPECT_GT(t.fail(), 0u);
  // The sample is well-formed: an ERROR there would be a policy bug.
  EXPECT_EQ(t.error(), 0u);
  EXPECT_EQ(t.pass() + t.fail() + t.error() + t.not_applicable() + t.waived(),
            static_cast<uint64_t>(report_->findings_size()));
  EXPECT_GE(report_->policies_size(), 25);
  for (const auto& f : report_->findings()) {
    EXPECT_EQ(f.fingerprint().size(), 16u);
    if (f.outcome() == onus::v1::FAIL) {
      EXPECT_FALSE(f.message().empty()) << f.policy_id();
      EXPECT_FALSE(f.evidence().expression().empty()) << f.policy_id();
    }
  }
}

// For a streamed input the JSON report puts findings first, one per line
// (printed in batches and cut apart again): every line of the array is one
// whole finding, in the order of the report, and the whole output is still
// one JSON report.
TEST_F(CliTest, StreamedJsonFindingsAreOnePerLine) {
  absl::StatusOr<onus::v1::Snapshot> s = engine::LoadSnapshot(kSample);
  ASSERT_TRUE(s.ok()) << s.status();
  // Ids with JSON's structural characters, quotes and backslashes (escaped
  // inside strings, where the cut must not happen), on resources that fail.
  int renamed = 0;
  for (onus::v1::Resource& res : *s->mutable_resources()) {
    for (const auto& f : report_->findings()) {
      if (f.outcome() == onus::v1::FAIL && f.resource_id() == res.id() &&
          renamed < 5) {
        res.set_id(
            absl::StrCat("x\\\"},{\"y\":[1,2]}],\\", renamed++, res.id()));
        break;
      }
    }
  }
  ASSERT_EQ(renamed, 5);
  const std::string path = WriteStreamFile(*s, "sample.stream");
  Result r = Invoke(
      RunEval, {"--policies", "policies", "--input", path, "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const onus::v1::Report report = ParseReport(r.out);
  ASSERT_GT(report.findings_size(), 600);  // several print batches
  EXPECT_EQ(report.findings_size(), report_->findings_size());
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  ASSERT_GT(lines.size(), static_cast<size_t>(report.findings_size()) + 2);
  ASSERT_EQ(lines[0], "{");
  ASSERT_EQ(lines[1], "\"findings\": [");
  for (int i = 0; i < report.findings_size(); ++i) {
    absl::string_view line = lines[2 + i];
    if (i + 1 < report.findings_size()) {
      ASSERT_TRUE(absl::ConsumeSuffix(&line, ",")) << i << ": " << line;
    }
    onus::v1::Finding f;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(std::string(line), &f).ok())
        << i << ": " << line;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        f, report.findings(i)))
        << i;
  }
  EXPECT_EQ(lines[2 + report.findings_size()].substr(0, 2), "],");
}

// SARIF, CSV and text of a streamed input are written as findings arrive
// (text keeps its rows); the bytes are those of the same report rendered
// whole (the findings taken
// from the streamed JSON report), so the pack's policies gave SARIF's rule
// numbers in the report's order.
TEST_F(CliTest, StreamedSarifCsvAndTextAreTheWholeReportsOutput) {
  absl::StatusOr<onus::v1::Snapshot> s = engine::LoadSnapshot(kSample);
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string path = WriteStreamFile(*s, "sample_formats.stream");
  Result json = Invoke(
      RunEval, {"--policies", "policies", "--input", path, "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const onus::v1::Report report = ParseReport(json.out);
  ASSERT_GT(report.summary().totals().fail(), 256u);  // two SARIF batches
  for (engine::report::Format f :
       {engine::report::Format::kSarif, engine::report::Format::kCsv,
        engine::report::Format::kText}) {
    Result r = Invoke(RunEval, {"--policies", "policies", "--input", path,
                                "--format", engine::report::FormatName(f)});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, engine::report::Render(report, f))
        << engine::report::FormatName(f);
  }
}

TEST_F(CliTest, TextShowsEvidenceAndSummary) {
  Result r = Invoke(RunEval, {"--policies", "policies", "--input", kSample});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("because: "));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat(report_->summary().totals().fail(),
                                            " fail")));
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b[")));  // not a TTY: no colour
}

TEST_F(CliTest, FailOnSetsTheExitCode) {
  EXPECT_EQ(Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                             "--fail-on", "low"})
                .code,
            1);
  // Every FAIL waived: nothing remains at any severity.
  std::string waivers = TempPath("all.textproto");
  WriteFile(waivers,
            "waivers { id: \"W-ALL\" policies: \"*\" reason: \"test\" "
            "owner: \"qa\" ticket: \"T-1\" expires { seconds: 4102444800 } }");
  Result r = Invoke(RunEval,
                    {"--policies", "policies", "--input", kSample, "--fail-on",
                     "info", "--waivers", waivers, "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  onus::v1::Report waived = ParseReport(r.out);
  EXPECT_EQ(waived.summary().totals().fail(), 0u);
  EXPECT_EQ(waived.summary().totals().waived(),
            report_->summary().totals().fail());
}

TEST_F(CliTest, ExpiredAndScopedWaivers) {
  std::string waivers = TempPath("scoped.textproto");
  WriteFile(waivers,
            "waivers { id: \"W-OLD\" policies: \"aws\" reason: \"r\" owner: "
            "\"o\" expires { seconds: 1000 } }\n"
            "waivers { id: \"W-DEV\" policies: \"aws\" accounts: "
            "\"444455556666\" reason: \"r\" owner: \"o\" expires { seconds: "
            "4102444800 } }\n");
  Result r = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                              "--waivers", waivers, "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  onus::v1::Report rep = ParseReport(r.out);
  ASSERT_EQ(rep.summary().expired_waivers_size(), 1);
  EXPECT_EQ(rep.summary().expired_waivers(0).id(), "W-OLD");
  int waived = 0, expired_marked = 0;
  for (const auto& f : rep.findings()) {
    if (f.outcome() == onus::v1::WAIVED) {
      ++waived;
      EXPECT_EQ(f.account(), "444455556666");
      EXPECT_EQ(f.waiver().id(), "W-DEV");
    }
    if (f.outcome() == onus::v1::FAIL && f.waiver().expired()) ++expired_marked;
  }
  EXPECT_GT(waived, 0);
  EXPECT_GT(expired_marked, 0);
  EXPECT_EQ(r.err, "");  // both patterns name a package of the pack
  // A mistyped policy id: the waiver cannot apply, and stderr says so
  // (a warning: the run and its exit status are unchanged).
  WriteFile(waivers,
            "waivers { id: \"W-TYPO\" policies: \"aws.s3.block_public_acess\" "
            "reason: \"r\" owner: \"o\" expires { seconds: 4102444800 } }\n");
  Result typo = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                 "--waivers", waivers});
  EXPECT_EQ(typo.code, 0) << typo.err;
  EXPECT_THAT(
      typo.err,
      HasSubstr("warning: " + waivers +
                ": waiver #1 \"W-TYPO\": policies: "
                "\"aws.s3.block_public_acess\" matches no policy in "
                "the pack; did you mean `aws.s3.block_public_access`?"));
  // An invalid waiver file is an input error naming the field.
  WriteFile(waivers, "waivers { id: \"W-X\" policies: \"aws\" }");
  Result bad = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                "--waivers", waivers});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("expires"));
}

TEST_F(CliTest, EveryFormatAgreesWithTheJsonReport) {
  const auto& t = report_->summary().totals();
  Result sarif = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                  "--format", "sarif"});
  google::protobuf::Struct doc;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(sarif.out, &doc).ok());
  EXPECT_EQ(doc.fields().at("version").string_value(), "2.1.0");
  const auto& run =
      doc.fields().at("runs").list_value().values(0).struct_value();
  EXPECT_EQ(run.fields().at("results").list_value().values_size(),
            static_cast<int>(t.fail() + t.error() + t.waived()));

  Result junit = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                  "--format", "junit"});
  EXPECT_THAT(junit.out,
              HasSubstr(absl::StrCat("failures=\"", t.fail(), "\"")));

  Result csv = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                "--format", "csv"});
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'),
            report_->findings_size() + 1);

  Result html = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                 "--format", "html"});
  EXPECT_THAT(html.out, HasSubstr(absl::StrCat("<b id=\"count-fail\">",
                                               t.fail(), "</b>")));
  EXPECT_THAT(html.out, HasSubstr(absl::StrCat("<b id=\"count-pass\">",
                                               t.pass(), "</b>")));
}

TEST_F(CliTest, ThreadCountDoesNotChangeTheOutput) {
  Result one = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                "--format", "csv", "-j", "1"});
  Result four = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                 "--format", "csv", "-j", "4"});
  EXPECT_EQ(one.out, four.out);
}

TEST_F(CliTest, MalformedInputsAreInputErrorsNeverCrashes) {
  absl::StatusOr<onus::v1::Snapshot> s = engine::LoadSnapshot(kSample);
  ASSERT_TRUE(s.ok());
  std::string bin = s->SerializeAsString();
  std::string truncated = TempPath("truncated.pb");
  WriteFile(truncated, bin.substr(0, bin.size() / 2 + 3));
  Result r = Invoke(RunEval, {"--policies", "policies", "--input", truncated});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("truncated.pb"));

  std::string wrong = TempPath("wrong.json");
  WriteFile(wrong, "{\"resources\": 5}");
  r = Invoke(RunEval, {"--policies", "policies", "--input", wrong});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("wrong.json"));

  std::string unknown = TempPath("unknown.textproto");
  WriteFile(unknown,
            "accounts { provider: AWS id: \"1\" }\n"
            "resources { id: \"x\" type: \"acme.Nope\" provider: AWS "
            "account: \"1\" typed { type_url: "
            "\"type.googleapis.com/acme.Nope\" value: \"\\x0a\\x01a\" } }");
  r = Invoke(RunEval, {"--policies", "policies", "--input", unknown});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("acme.Nope"));

  // A 4 MiB bucket name is data, not a reason to fail.
  onus::v1::Snapshot big;
  auto* a = big.add_accounts();
  a->set_provider(onus::v1::AWS);
  a->set_id("1");
  auto* res = big.add_resources();
  res->set_id("arn:aws:s3:::huge");
  res->set_type("onus.aws.s3.Bucket");
  res->set_provider(onus::v1::AWS);
  res->set_account("1");
  res->mutable_typed()->set_type_url("type.googleapis.com/onus.aws.s3.Bucket");
  res->mutable_typed()->set_value(std::string("\x0a\x80\x80\x80\x02", 5) +
                                  std::string(4 << 20, 'b'));
  std::string huge = TempPath("huge.pb");
  WriteFile(huge, big.SerializeAsString());
  r = Invoke(RunEval,
             {"--policies", "policies", "--input", huge, "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out).summary().totals().error(), 0u);
}

// A zero-byte input, as a collector that failed would leave, must not pass
// a CI gate as an inventory with no resources, in any form or command; an
// empty inventory that says so (a header, no resources) is fine.
TEST_F(CliTest, EmptyInputFilesAreInputErrors) {
  for (const char* name : {"empty.pb", "empty.textproto", "empty.json",
                           "empty.stream", "empty_aws.json"}) {
    SCOPED_TRACE(name);
    const std::string path = TempPath(name);
    WriteFile(path, "");
    Result r = Invoke(RunEval, {"--policies", "policies", "--input", path,
                                "--fail-on", "high"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat(name, ": the input is empty")));
    r = Invoke(RunDiff, {path, kSample, "--policies", "policies"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(name));
  }
  const std::string dir = TempPath("empty_in_dir");
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  WriteFile(dir + "/a.json", "");
  Result r = Invoke(RunEval, {"--policies", "policies", "--input", dir});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("a.json: the input is empty"));

  // Through a pipe, where there is no size to look at.
  const std::string fifo = TempPath("empty_pipe.pb");
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream out(fifo, std::ios::binary); });
  r = Invoke(RunEval, {"--policies", "policies", "--input", fifo});
  writer.join();
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("empty_pipe.pb: the input is empty"));

  const std::string header = TempPath("header_only.textproto");
  WriteFile(header, "id: \"empty-account\"\n");
  r = Invoke(RunEval, {"--policies", "policies", "--input", header});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 resources"));
}

// Binary snapshots are read in one piece of their size; a pipe (no size)
// must give the same report, and an unreadable path an input error.
TEST_F(CliTest, BinarySnapshotFromFileOrPipeGivesOneReport) {
  absl::StatusOr<onus::v1::Snapshot> s = engine::LoadSnapshot(kSample);
  ASSERT_TRUE(s.ok());
  const std::string bin = s->SerializeAsString();
  const std::string file = TempPath("sample.pb");
  WriteFile(file, bin);
  Result from_file = Invoke(
      RunEval, {"--policies", "policies", "--input", file, "--format", "csv"});
  ASSERT_LE(from_file.code, 1) << from_file.err;

  const std::string fifo = TempPath("pipe.pb");
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    out.write(bin.data(), static_cast<std::streamsize>(bin.size()));
  });
  Result from_pipe = Invoke(
      RunEval, {"--policies", "policies", "--input", fifo, "--format", "csv"});
  writer.join();
  EXPECT_EQ(from_pipe.code, from_file.code) << from_pipe.err;
  EXPECT_EQ(from_pipe.out, from_file.out);
  EXPECT_GT(std::count(from_file.out.begin(), from_file.out.end(), '\n'), 1);

  Result missing = Invoke(RunEval, {"--policies", "policies", "--input",
                                    TempPath("no-such-file.pb")});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no-such-file.pb"));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Invoke(RunEval, {"--nope"}).code, 2);
  EXPECT_EQ(Invoke(RunEval, {"--policies", "policies"}).code, 2);
  EXPECT_EQ(Invoke(RunEval, {"--input", kSample, "--format", "yaml"}).code, 2);
  EXPECT_EQ(Invoke(RunEval, {"--input", kSample, "--fail-on", "severe"}).code,
            2);
  EXPECT_EQ(Invoke(RunCheck, {}).code, 2);
  EXPECT_EQ(Invoke(RunDiff, {"one"}).code, 2);
  // A mistyped --policy must not drop the policy from a gate unnoticed.
  Result typo = Invoke(RunEval, {"--policies", "policies", "--input", kSample,
                                 "--policy", "aws.s3.versioning_enabld"});
  EXPECT_EQ(typo.code, 2);
  EXPECT_THAT(typo.err, HasSubstr("did you mean `aws.s3.versioning_enabled`"));
  EXPECT_EQ(Invoke(RunExplain, {"policies", "--policy", "nope"}).code, 2);
}

// Commands that report on policies (check, compile, explain, test) exit 1
// for errors in the policies, their findings, and 2 for a path they cannot
// read or a damaged bundle, like every other input error.
TEST_F(CliTest, PolicyCommandsTellPolicyErrorsFromInputErrors) {
  const std::string bad = TempPath("bad_policy.onus");
  WriteFile(bad,
            "policy p {\n  resource = onus.aws.s3.Bucket as b\n"
            "  require = b.nam == ''\n}\n");
  const std::string missing = TempPath("no_such_dir");
  // A directory without policies: exit 2, not "0 policies compiled" and 0.
  const std::string empty = TempPath("no_policies_dir");
  std::filesystem::create_directories(empty);
  WriteFile(empty + "/notes.txt", "not a policy");
  const std::string damaged = TempPath("damaged.onusb");
  WriteFile(damaged, "not a bundle");
  const std::string out = TempPath("unused.onusb");
  struct Command {
    const char* name;
    int (*run)(const std::vector<std::string>&, std::ostream&, std::ostream&);
    std::vector<std::string> extra;
  };
  for (const Command& c :
       std::vector<Command>{{"check", RunCheck, {}},
                            {"compile", RunCompile, {"-o", out}},
                            {"explain", RunExplain, {}},
                            {"test", RunTest, {}}}) {
    SCOPED_TRACE(c.name);
    auto args = [&](const std::string& path) {
      std::vector<std::string> a = {path};
      a.insert(a.end(), c.extra.begin(), c.extra.end());
      return a;
    };
    Result r = Invoke(c.run, args(bad));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("bad_policy.onus:3:"));
    r = Invoke(c.run, args(missing));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("no_such_dir"));
    r = Invoke(c.run, args(empty));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("no_policies_dir: no .onus policy files"));
  }
  Result r = Invoke(RunEval, {"--policies", empty, "--input", kSample});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no_policies_dir: no .onus policy files"));
  // A damaged bundle (compile refuses any bundle as its input).
  for (auto run : {RunExplain, RunTest}) {
    Result r = Invoke(run, {damaged});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("damaged.onusb"));
  }
}

TEST_F(CliTest, CheckReportsTyposWithLocationAndSuggestion) {
  std::string dir = TempPath("badpol");
  std::string mk = "mkdir -p " + dir;
  ASSERT_EQ(std::system(mk.c_str()), 0);
  WriteFile(dir + "/p.onus",
            "package t;\npolicy p {\n  resource = onus.aws.s3.Bucket as b\n"
            "  require = b.versioning.statuss == \"Enabled\"\n}\n");
  Result r = Invoke(RunCheck, {dir});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("p.onus:4:26: error[E0102]"));
  EXPECT_THAT(r.err, HasSubstr("did you mean `status`?"));
  EXPECT_EQ(Invoke(RunCheck, {"policies"}).code, 0);
}

TEST_F(CliTest, TestRunsTheBuiltInPackCases) {
  Result r = Invoke(RunTest, {"policies"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr(" 0 failed"));
  EXPECT_THAT(r.out, HasSubstr("0 without tests"));
}

// A policy author's loop: `onus test` must say which case failed, what it
// observed (outcome, message, evidence) and what it expected, point at a
// mistyped policy id, and report coverage gaps; text and JSON test files.
TEST_F(CliTest, TestReportsFailingCasesWithEvidenceAndCoverage) {
  const std::string dir = TempPath("authoring");
  ASSERT_EQ(std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str()), 0);
  WriteFile(dir + "/t.onus", R"(package t;
policy versioned {
  severity = high
  resource = onus.aws.s3.Bucket as b
  when     = b.name != "scratch"
  require  = b.versioning.status == "Enabled"
  message  = "bucket {b.name} has versioning {b.versioning.status}"
}
policy untested {
  resource = onus.aws.s3.Bucket as b
  require  = b.name != ""
}
)");
  auto bucket = [](const std::string& name, const std::string& status) {
    return absl::StrCat(
        "  resources { id: \"arn:aws:s3:::", name,
        "\" type: \"onus.aws.s3.Bucket\" provider: AWS account: \"1\"\n"
        "    typed { [type.googleapis.com/onus.aws.s3.Bucket] { name: \"",
        name, "\" versioning { status: \"", status, "\" } } } }\n");
  };
  WriteFile(
      dir + "/t_test.textproto",
      absl::StrCat(
          "tests { name: \"enabled passes\"\n", bucket("good", "Enabled"),
          "  expect { policy: \"t.versioned\" outcome: PASS } }\n",
          "tests { name: \"wrong outcome\"\n", bucket("bad", "Suspended"),
          "  expect { policy: \"t.versioned\" outcome: PASS } }\n",
          "tests { name: \"wrong message\"\n", bucket("bad", "Suspended"),
          "  expect { policy: \"t.versioned\" outcome: FAIL message: "
          "\"is off\" } }\n",
          "tests { name: \"typo\"\n", bucket("good", "Enabled"),
          "  expect { policy: \"t.versiond\" outcome: PASS } }\n",
          "tests { name: \"other resource\"\n", bucket("good", "Enabled"),
          "  expect { policy: \"t.versioned\" resource: \"arn:aws:s3:::gone\" "
          "outcome: PASS } }\n",
          "tests { name: \"nothing expected\"\n", bucket("good", "Enabled"),
          "}\n",
          // Envelopes eval would refuse: the case fails, naming the problem.
          "tests { name: \"twice\"\n", bucket("good", "Enabled"),
          bucket("good", "Enabled"),
          "  expect { policy: \"t.versioned\" outcome: PASS } }\n",
          "tests { name: \"other payload\"\n",
          "  resources { id: \"i\" type: \"onus.aws.s3.Bucket\" provider: AWS "
          "account: \"1\"\n    typed { "
          "[type.googleapis.com/onus.aws.ec2.Instance] { } } }\n",
          "  expect { policy: \"t.versioned\" outcome: FAIL } }\n"));
  WriteFile(dir + "/u_test.json", R"({"tests": [{
    "name": "json form",
    "resources": [{"id": "arn:aws:s3:::j", "type": "onus.aws.s3.Bucket",
      "provider": "AWS", "account": "1",
      "typed": {"@type": "type.googleapis.com/onus.aws.s3.Bucket",
                "name": "j", "versioning": {"status": "Enabled"}}}],
    "expect": [{"policy": "t.versioned", "outcome": "PASS"}]}]})");

  Result r = Invoke(RunTest, {dir});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const std::string& o = r.out;
  EXPECT_THAT(o, Not(HasSubstr("enabled passes")));
  EXPECT_THAT(o, Not(HasSubstr("json form")));
  EXPECT_THAT(o, HasSubstr("t_test.textproto: wrong outcome\n"
                           "  t.versioned: expected pass, got fail\n"
                           "    message: bucket bad has versioning "
                           "Suspended\n"
                           "    because: b.versioning.status == \"Enabled\""));
  EXPECT_THAT(o, HasSubstr("\n      b.versioning.status = \"Suspended\"\n"));
  EXPECT_THAT(o, HasSubstr("t_test.textproto: wrong message\n"
                           "  t.versioned: expected fail, got fail\n"));
  EXPECT_THAT(o, HasSubstr("    expected message containing: is off\n"));
  EXPECT_THAT(o, HasSubstr("unknown policy `t.versiond`; did you mean "
                           "`t.versioned`?"));
  EXPECT_THAT(o, HasSubstr("t.versioned on arn:aws:s3:::gone: no finding"));
  EXPECT_THAT(o, HasSubstr("nothing expected\n  the case has no `expect`"));
  EXPECT_THAT(o, HasSubstr("coverage: policy t.untested has no test\n"));
  EXPECT_THAT(o, HasSubstr("coverage: policy t.versioned: `when` never "
                           "false\n"));
  EXPECT_THAT(o, HasSubstr("t_test.textproto: twice: resource "
                           "\"arn:aws:s3:::good\": duplicate id\n"));
  EXPECT_THAT(o, HasSubstr("t_test.textproto: other payload: resource \"i\": "
                           "field 'typed.type_url' is \"type.googleapis.com/"
                           "onus.aws.ec2.Instance\", expected"));
  EXPECT_THAT(o, HasSubstr("2 passed, 7 failed (2 test files, 2 policies, 1 "
                           "without tests, 1 with unexercised branches)"));

  // A damaged test file is a failure naming the file and position.
  WriteFile(dir + "/v_test.textproto", "tests { name: \"x\" expect { ");
  r = Invoke(RunTest, {dir});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("v_test.textproto:1:"));
  EXPECT_THAT(r.out, HasSubstr("2 passed, 8 failed (3 test files"));
}

TEST_F(CliTest, ExplainPrintsBytecodeWithSourcePositions) {
  Result r = Invoke(RunExplain, {"policies/aws/s3.onus", "--policy",
                                 "aws.s3.versioning_enabled"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("policy aws.s3.versioning_enabled"));
  EXPECT_THAT(r.out, HasSubstr("s3.onus:"));
}

TEST_F(CliTest, DiffReportsNewAndResolvedFindingsByFingerprint) {
  absl::StatusOr<onus::v1::Snapshot> s = engine::LoadSnapshot(kSample);
  ASSERT_TRUE(s.ok());
  std::string old_path = TempPath("old.pb");
  WriteFile(old_path, s->SerializeAsString());
  // The new snapshot drops every S3 bucket: their findings are resolved.
  onus::v1::Snapshot next = *s;
  next.clear_resources();
  for (const auto& r : s->resources()) {
    if (r.type() != "onus.aws.s3.Bucket") *next.add_resources() = r;
  }
  std::string new_path = TempPath("new.pb");
  WriteFile(new_path, next.SerializeAsString());
  Result r = Invoke(RunDiff, {old_path, new_path, "--policies", "policies"});
  EXPECT_EQ(r.code, 0) << r.err;  // nothing new
  EXPECT_THAT(r.out, HasSubstr("resolved"));
  EXPECT_THAT(r.out, HasSubstr("0 new"));
  Result back = Invoke(RunDiff, {new_path, old_path, "--policies", "policies"});
  EXPECT_EQ(back.code, 1);  // the buckets' failures are new
  EXPECT_THAT(back.out, HasSubstr("new "));
}

}  // namespace
}  // namespace onus::cli
