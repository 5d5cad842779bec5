// The generated Acme inventory (tests/data/acme/snapshot.textproto) parses
// with the generated pool and has the shape generate.py promises: the
// accounts, the per-account counts of every resource type (the COUNTS table
// in generate.py), payloads that unpack into their declared type, and
// exactly the resource types that have a JSON sample under proto/testdata.
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "onus/v1/snapshot.pb.h"
#include "proto/schema_cases.h"

namespace onus::proto_test {
namespace {

constexpr char kProd[] = "111122223333";
constexpr char kDev[] = "444455556666";
constexpr char kGcp[] = "acme-analytics";
constexpr char kAzure[] = "00000000-1111-2222-3333-444444444444";

onus::v1::Snapshot LoadAcme() {
  std::ifstream in("tests/data/acme/snapshot.textproto");
  std::stringstream ss;
  ss << in.rdbuf();
  onus::v1::Snapshot s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(ss.str(), &s));
  return s;
}

// Mirrors COUNTS in tests/data/acme/generate.py.
const std::map<std::pair<std::string, std::string>, int>& ExpectedCounts() {
  static const auto* m = [] {
    auto* m = new std::map<std::pair<std::string, std::string>, int>;
    auto put = [&](const char* acct,
                   std::initializer_list<std::pair<const char*, int>> types) {
      for (const auto& [t, n] : types) (*m)[{acct, t}] = n;
    };
    put(kProd, {{"onus.aws.Account", 1},
                {"onus.aws.iam.User", 12},
                {"onus.aws.iam.Role", 8},
                {"onus.aws.iam.Policy", 5},
                {"onus.aws.s3.Bucket", 15},
                {"onus.aws.ec2.SecurityGroup", 12},
                {"onus.aws.ec2.Instance", 14},
                {"onus.aws.ec2.Volume", 16},
                {"onus.aws.ec2.Snapshot", 6},
                {"onus.aws.ec2.Vpc", 3},
                {"onus.aws.cloudtrail.Trail", 2},
                {"onus.aws.kms.Key", 4},
                {"onus.aws.rds.DBInstance", 5},
                {"onus.aws.lambda.Function", 8},
                {"onus.aws.logs.LogGroup", 8},
                {"onus.aws.logs.MetricFilter", 5},
                {"onus.aws.cloudwatch.MetricAlarm", 5},
                {"onus.aws.sns.Subscription", 3},
                {"onus.aws.guardduty.Detector", 3},
                {"onus.aws.config.ConfigurationRecorder", 3}});
    put(kDev, {{"onus.aws.Account", 1},
               {"onus.aws.iam.User", 6},
               {"onus.aws.iam.Role", 4},
               {"onus.aws.iam.Policy", 3},
               {"onus.aws.s3.Bucket", 8},
               {"onus.aws.ec2.SecurityGroup", 6},
               {"onus.aws.ec2.Instance", 6},
               {"onus.aws.ec2.Volume", 6},
               {"onus.aws.ec2.Snapshot", 3},
               {"onus.aws.ec2.Vpc", 2},
               {"onus.aws.cloudtrail.Trail", 1},
               {"onus.aws.kms.Key", 2},
               {"onus.aws.rds.DBInstance", 2},
               {"onus.aws.lambda.Function", 4},
               {"onus.aws.logs.LogGroup", 4},
               {"onus.aws.logs.MetricFilter", 1},
               {"onus.aws.cloudwatch.MetricAlarm", 1},
               {"onus.aws.sns.Subscription", 1},
               {"onus.aws.guardduty.Detector", 2},
               {"onus.aws.config.ConfigurationRecorder", 2}});
    put(kGcp, {{"onus.gcp.resourcemanager.Project", 1},
               {"onus.gcp.storage.Bucket", 10},
               {"onus.gcp.compute.Firewall", 10},
               {"onus.gcp.compute.Instance", 10},
               {"onus.gcp.sql.Instance", 4},
               {"onus.gcp.iam.ServiceAccountKey", 8},
               {"onus.gcp.kms.CryptoKey", 5}});
    put(kAzure, {{"onus.azure.storage.StorageAccount", 8},
                 {"onus.azure.network.NetworkSecurityGroup", 8},
                 {"onus.azure.compute.Disk", 12},
                 {"onus.azure.sql.Server", 3},
                 {"onus.azure.keyvault.Vault", 4},
                 {"onus.azure.insights.DiagnosticSetting", 6}});
    return m;
  }();
  return *m;
}

TEST(AcmeSnapshot, ParsesWithTheGeneratedPool) {
  onus::v1::Snapshot s = LoadAcme();
  EXPECT_EQ(s.id(), "acme-2026-11-01");
  EXPECT_GE(s.resources_size(), 200);
  EXPECT_LE(s.resources_size(), 400);
}

TEST(AcmeSnapshot, AccountsAreTwoAwsOneGcpOneAzure) {
  onus::v1::Snapshot s = LoadAcme();
  std::map<onus::v1::Provider, std::set<std::string>> by_provider;
  for (const auto& a : s.accounts()) by_provider[a.provider()].insert(a.id());
  EXPECT_EQ(by_provider[onus::v1::AWS], (std::set<std::string>{kProd, kDev}));
  EXPECT_EQ(by_provider[onus::v1::GCP], std::set<std::string>{kGcp});
  EXPECT_EQ(by_provider[onus::v1::AZURE], std::set<std::string>{kAzure});
}

TEST(AcmeSnapshot, CountsPerAccountAndType) {
  onus::v1::Snapshot s = LoadAcme();
  std::map<std::pair<std::string, std::string>, int> got;
  for (const auto& r : s.resources()) ++got[{r.account(), r.type()}];
  EXPECT_EQ(got, ExpectedCounts());
}

TEST(AcmeSnapshot, PayloadsUnpackIntoTheirDeclaredType) {
  onus::v1::Snapshot s = LoadAcme();
  std::set<std::string> ids;
  for (const auto& r : s.resources()) {
    EXPECT_TRUE(ids.insert(r.id()).second) << "duplicate id " << r.id();
    ASSERT_TRUE(r.has_typed()) << r.id();
    EXPECT_EQ(r.typed().type_url(), "type.googleapis.com/" + r.type());
    const auto* d = google::protobuf::DescriptorPool::generated_pool()
                        ->FindMessageTypeByName(r.type());
    ASSERT_NE(d, nullptr) << r.type();
    std::unique_ptr<google::protobuf::Message> m(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(d)
            ->New());
    ASSERT_TRUE(r.typed().UnpackTo(m.get())) << r.id();
    EXPECT_GT(m->ByteSizeLong(), 0u) << r.id();
    // The provider matches the schema's package.
    const char* prefix = r.provider() == onus::v1::AWS     ? "onus.aws."
                         : r.provider() == onus::v1::GCP   ? "onus.gcp."
                         : r.provider() == onus::v1::AZURE ? "onus.azure."
                                                           : "?";
    EXPECT_TRUE(absl::StartsWith(r.type(), prefix)) << r.id();
  }
}

TEST(AcmeSnapshot, UsesExactlyTheTypesWithJsonSamples) {
  onus::v1::Snapshot s = LoadAcme();
  std::set<std::string> in_snapshot, with_samples;
  for (const auto& r : s.resources()) in_snapshot.insert(r.type());
  for (const auto& c : SchemaCases()) with_samples.insert(c.type);
  EXPECT_EQ(in_snapshot, with_samples);
}

}  // namespace
}  // namespace onus::proto_test
