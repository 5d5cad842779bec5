// `onus compile` + `onus eval --policies PACK.onusb`, end to end in-process.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/snapshot_io.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "onus/v1/policy.pb.h"
#include "onus/v1/report.pb.h"

namespace onus::cli {
namespace {

using ::testing::HasSubstr;

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

// The JSON report without its wall-clock lines (run start and finish) and
// the bundle digest (only a compiled bundle has one).
std::string WithoutTimes(const std::string& json) {
  std::vector<std::string> kept;
  for (absl::string_view line : absl::StrSplit(json, '\n')) {
    if (absl::StrContains(line, "\"started\"") ||
        absl::StrContains(line, "\"finished\"") ||
        absl::StrContains(line, "\"bundle_digest\"")) {
      continue;
    }
    kept.emplace_back(line);
  }
  return absl::StrJoin(kept, "\n");
}

std::string Eval(const std::string& policies, int* code) {
  std::ostringstream out, err;
  *code = RunEval({"--policies", policies, "--input",
                   "tests/data/acme/snapshot.textproto", "--format", "json"},
                  out, err);
  EXPECT_NE(*code, kExitUsage) << err.str();
  return out.str();
}

TEST(CompileCmd, BundleEvaluatesLikeSources) {
  const std::string pack = TmpPath("builtin.onusb");
  std::ostringstream out, err;
  ASSERT_EQ(RunCompile({"policies", "-o", pack}, out, err), kExitClean)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("policies compiled to"));
  std::ifstream f(pack, std::ios::binary);
  ASSERT_TRUE(f.good());

  int from_sources = -1, from_bundle = -1;
  const std::string want = Eval("policies", &from_sources);
  const std::string got = Eval(pack, &from_bundle);
  EXPECT_EQ(from_sources, from_bundle);
  ASSERT_THAT(want, HasSubstr("\"findings\""));
  EXPECT_TRUE(WithoutTimes(want) == WithoutTimes(got))
      << "reports differ; sizes " << want.size() << " vs " << got.size();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The JSON report's summary.bundleDigest (base64), or "" when absent.
std::string DigestOf(const std::string& json) {
  onus::v1::Report report;
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = false;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(json, &report, o).ok());
  return report.summary().bundle_digest();
}

TEST(CompileCmd, BundleDigestInTheRunSummary) {
  const std::string pack = TmpPath("digest.onusb");
  std::ostringstream out, err;
  ASSERT_EQ(RunCompile({"policies", "-o", pack}, out, err), kExitClean)
      << err.str();
  onus::v1::Bundle bundle;
  ASSERT_TRUE(bundle.ParseFromString(ReadAll(pack)));
  ASSERT_EQ(bundle.digest().size(), 32u);

  int code = -1;
  EXPECT_EQ(DigestOf(Eval(pack, &code)), bundle.digest());
  // Sources have no Bundle.digest.
  EXPECT_EQ(DigestOf(Eval("policies", &code)), "");

  // The streamed-input path fills it too.
  absl::StatusOr<onus::v1::Snapshot> snap =
      engine::LoadSnapshot("tests/data/acme/snapshot.textproto");
  ASSERT_TRUE(snap.ok()) << snap.status();
  const std::string stream = TmpPath("acme.stream");
  ASSERT_TRUE(engine::SaveSnapshot(*snap, stream).ok());
  std::ostringstream sout, serr;
  ASSERT_NE(RunEval({"--policies", pack, "--input", stream, "--format", "json"},
                    sout, serr),
            kExitUsage)
      << serr.str();
  EXPECT_EQ(DigestOf(sout.str()), bundle.digest());
}

TEST(CompileCmd, CorruptBundleIsAnInputError) {
  const std::string pack = TmpPath("corrupt.onusb");
  std::ostringstream out, err;
  ASSERT_EQ(RunCompile({"policies", "-o", pack}, out, err), kExitClean);
  std::string bytes;
  {
    std::ifstream in(pack, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  bytes[bytes.size() / 2] ^= 0x20;
  {
    std::ofstream o(pack, std::ios::binary | std::ios::trunc);
    o << bytes;
  }
  std::ostringstream eout, eerr;
  int code = RunEval(
      {"--policies", pack, "--input", "tests/data/acme/snapshot.textproto"},
      eout, eerr);
  EXPECT_EQ(code, kExitUsage);
  EXPECT_THAT(eerr.str(), HasSubstr(pack));
}

TEST(CompileCmd, UsageErrors) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCompile({"policies"}, out, err), kExitUsage);  // no -o
  EXPECT_THAT(err.str(), HasSubstr("usage"));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunCompile({"x.onusb", "-o", TmpPath("y.onusb")}, out2, err2),
            kExitUsage);
  EXPECT_THAT(err2.str(), HasSubstr("already a compiled bundle"));
}

}  // namespace
}  // namespace onus::cli
