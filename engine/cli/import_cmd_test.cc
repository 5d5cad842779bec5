// `onus import` and `onus eval` over provider JSON, through the command
// functions (the same code main() runs).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/snapshot_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onus::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kData[] = "engine/testdata/import/";

struct Result {
  int code;
  std::string out, err;
};

Result Invoke(int (*cmd)(const std::vector<std::string>&, std::ostream&,
                         std::ostream&),
              const std::vector<std::string>& argv) {
  std::ostringstream out, err;
  int code = cmd(argv, out, err);
  return {code, out.str(), err.str()};
}

std::string Tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

std::string D(const std::string& rel) { return absl::StrCat(kData, rel); }

TEST(ImportCmdTest, WritesAValidSnapshot) {
  std::string out = Tmp("imported.textproto");
  Result r = Invoke(RunImport, {"--region", "us-east-1", "--output", out,
                                D("aws"), D("gcp"), D("azure")});
  ASSERT_EQ(r.code, kExitClean) << r.err;
  EXPECT_THAT(r.out, HasSubstr("imported 18 resources (14 typed, 4 "
                               "schemaless) in 3 account(s)"));
  EXPECT_THAT(r.err, HasSubstr("`aws:things`"));
  absl::StatusOr<onus::v1::Snapshot> snap = engine::LoadSnapshot(out);
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_TRUE(engine::ValidateSnapshot(*snap).ok());
  EXPECT_EQ(snap->resources_size(), 18);
}

TEST(ImportCmdTest, UsageAndInputErrors) {
  Result r = Invoke(RunImport, {D("aws")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--output"));
  r = Invoke(RunImport,
             {"--provider", "oracle", "--output", Tmp("x.pb"), D("aws")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("oracle"));
  r = Invoke(RunImport,
             {"--output", Tmp("x.pb"), D("bad/object_for_list.json")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("object_for_list.json: SecurityGroups"));
  r = Invoke(RunImport,
             {"--output", Tmp("x.pb"), D("aws/s3api_list_buckets.json")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--account"));
  r = Invoke(RunImport, {"--provider", "gcp", "--output", Tmp("x.pb"),
                         D("azure/resource_graph.json")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("provider is gcp"));
}

TEST(ImportCmdTest, EvalReadsProviderJsonDirectly) {
  Result r =
      Invoke(RunEval, {"--policies", "policies", "--input", D("aws"), "--input",
                       D("gcp/cloud_asset_export.jsonl"), "--input",
                       D("azure/resource_graph.json"), "--format", "csv"});
  ASSERT_EQ(r.code, kExitClean) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sg-0import000000001"));
  EXPECT_THAT(r.out, HasSubstr("acme-import-exports"));
  EXPECT_THAT(r.out, HasSubstr("acmeimport"));
  EXPECT_THAT(r.out, Not(HasSubstr(",ERROR,")));
  EXPECT_THAT(r.err, HasSubstr("warning"));

  // Forced formats check the shape instead of guessing.
  r = Invoke(RunEval, {"--policies", "policies", "--input-format", "aws",
                       "--input", D("azure/resource_graph.json")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("provider is aws"));
  r = Invoke(RunEval, {"--policies", "policies", "--input-format", "snapshot",
                       "--input", D("azure/resource_graph.json")});
  EXPECT_EQ(r.code, kExitUsage);
  r = Invoke(RunEval, {"--policies", "policies", "--input-format", "yaml",
                       "--input", D("azure/resource_graph.json")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--input-format"));
}

TEST(ImportCmdTest, EvalMergesASnapshotWithProviderJson) {
  // An imported snapshot plus more provider JSON in one run.
  std::string snap = Tmp("aws_only.pb");
  Result r =
      Invoke(RunImport, {"--region", "us-east-1", "--output", snap, D("aws")});
  ASSERT_EQ(r.code, kExitClean) << r.err;
  absl::StatusOr<LoadedInput> in =
      LoadInputs({snap, D("gcp/cloud_asset_export.jsonl")}, "auto", std::cerr);
  ASSERT_TRUE(in.ok()) << in.status();
  // 11 AWS + 4 GCP resources.
  EXPECT_EQ(in->inventory->resources().size(), 15u);
  // Files without a telling extension are sniffed: binary snapshot bytes
  // stay a snapshot, JSON that is not a Snapshot is provider JSON.
  std::string noext = Tmp("snapshot_without_extension");
  {
    std::ifstream from(snap, std::ios::binary);
    std::ofstream to(noext, std::ios::binary);
    to << from.rdbuf();
  }
  std::string provider_noext = Tmp("users_without_extension");
  {
    std::ifstream from(D("aws/iam_list_users.json"), std::ios::binary);
    std::ofstream to(provider_noext, std::ios::binary);
    to << from.rdbuf();
  }
  in = LoadInputs({noext}, "auto", std::cerr);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->inventory->resources().size(), 11u);
  in = LoadInputs({provider_noext}, "auto", std::cerr);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->inventory->resources().size(), 2u);

  // The same snapshot twice repeats every id: an input error, not a merge.
  in = LoadInputs({snap, snap}, "auto", std::cerr);
  EXPECT_FALSE(in.ok());
}

}  // namespace
}  // namespace onus::cli
