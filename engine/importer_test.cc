#include "engine/importer.h"

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/evaluator.h"
#include "engine/inventory.h"
#include "engine/policy_pack.h"
#include "engine/snapshot_io.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "onus/aws/ec2.pb.h"
#include "onus/aws/s3.pb.h"
#include "onus/gcp/storage.pb.h"
#include "onus/v1/report.pb.h"

namespace onus::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kData[] = "engine/testdata/import/";

std::string Data(absl::string_view rel) { return absl::StrCat(kData, rel); }

const onus::v1::Resource* Find(const onus::v1::Snapshot& s,
                               absl::string_view id) {
  for (const auto& r : s.resources()) {
    if (r.id() == id) return &r;
  }
  return nullptr;
}

std::string Ids(const onus::v1::Snapshot& s) {
  std::vector<std::string> ids;
  for (const auto& r : s.resources()) ids.push_back(r.id());
  return absl::StrJoin(ids, "\n");
}

TEST(ImporterTest, AwsDirectoryMergesCallsAndDerivesEnvelope) {
  ImportOptions opts;
  opts.region = "us-east-1";
  std::vector<std::string> warnings;
  absl::StatusOr<onus::v1::Snapshot> snap =
      ImportProviderPaths({Data("aws")}, opts, &warnings);
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_TRUE(ValidateSnapshot(*snap).ok()) << ValidateSnapshot(*snap);
  // 1 account + 2 buckets (two files merged) + 2 SGs + 2 instances +
  // 2 users + 2 unknown IoT things.
  EXPECT_THAT(snap->resources(), SizeIs(11)) << Ids(*snap);
  ASSERT_THAT(snap->accounts(), SizeIs(1));
  EXPECT_EQ(snap->accounts(0).id(), "111122223333");
  EXPECT_EQ(snap->accounts(0).provider(), onus::v1::AWS);

  const onus::v1::Resource* acct =
      Find(*snap, "arn:aws:iam::111122223333:root");
  ASSERT_NE(acct, nullptr);
  EXPECT_EQ(acct->type(), "onus.aws.Account");

  // list-buckets has no account: the one the sts call named is used.
  const onus::v1::Resource* logs = Find(*snap, "arn:aws:s3:::acme-import-logs");
  ASSERT_NE(logs, nullptr) << Ids(*snap);
  EXPECT_EQ(logs->type(), "onus.aws.s3.Bucket");
  EXPECT_EQ(logs->account(), "111122223333");
  EXPECT_EQ(logs->region(), "eu-west-1");
  EXPECT_EQ(logs->tags().at("env"), "prod");
  EXPECT_EQ(logs->tags().at("team"), "sre");
  onus::aws::s3::Bucket bucket;
  ASSERT_TRUE(logs->typed().UnpackTo(&bucket));
  EXPECT_EQ(bucket.name(), "acme-import-logs");
  EXPECT_TRUE(bucket.has_creation_date());  // from list-buckets
  ASSERT_EQ(bucket.server_side_encryption_configuration().rules_size(), 1);
  EXPECT_EQ(bucket.server_side_encryption_configuration()
                .rules(0)
                .apply_server_side_encryption_by_default()
                .sse_algorithm(),
            "aws:kms");  // from the second file

  const onus::v1::Resource* sg = Find(
      *snap,
      "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0import000000001");
  ASSERT_NE(sg, nullptr);
  EXPECT_EQ(sg->tags().at("Name"), "open-ssh");
  onus::aws::ec2::SecurityGroup group;
  ASSERT_TRUE(sg->typed().UnpackTo(&group));
  ASSERT_EQ(group.ip_permissions_size(), 1);
  EXPECT_EQ(group.ip_permissions(0).from_port(), 22);
  EXPECT_EQ(group.ip_permissions(0).ip_ranges(0).cidr_ip(), "0.0.0.0/0");
  // No ARN in the JSON: synthesised from --region and OwnerId.
  EXPECT_NE(Find(*snap,
                 "arn:aws:ec2:us-east-1:111122223333:security-group/"
                 "sg-0import000000002"),
            nullptr);

  const onus::v1::Resource* inst = Find(
      *snap, "arn:aws:ec2:us-east-1:111122223333:instance/i-0import0000000002");
  ASSERT_NE(inst, nullptr) << Ids(*snap);
  EXPECT_EQ(inst->type(), "onus.aws.ec2.Instance");
  EXPECT_EQ(inst->region(), "us-east-1");  // from us-east-1c

  const onus::v1::Resource* user =
      Find(*snap, "arn:aws:iam::111122223333:user/importer");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->region(), "global");
  EXPECT_EQ(user->tags().at("team"), "platform");

  const onus::v1::Resource* thing =
      Find(*snap, "arn:aws:iot:us-east-1:111122223333:thing/sensor-1");
  ASSERT_NE(thing, nullptr);
  EXPECT_EQ(thing->type(), "aws:things");
  ASSERT_TRUE(thing->has_schemaless());
  EXPECT_EQ(thing->schemaless().fields().at("thingName").string_value(),
            "sensor-1");

  std::string all = absl::StrJoin(warnings, "\n");
  EXPECT_THAT(all, HasSubstr("2 resources of type `aws:things`"));
  EXPECT_THAT(all, HasSubstr("merged"));
}

TEST(ImporterTest, AwsWithoutAccountNeedsOption) {
  absl::StatusOr<onus::v1::Snapshot> snap =
      ImportProviderPaths({Data("aws/s3api_list_buckets.json")}, {});
  ASSERT_FALSE(snap.ok());
  EXPECT_THAT(snap.status().message(), HasSubstr("--account"));
  EXPECT_THAT(snap.status().message(), HasSubstr("s3api_list_buckets.json"));

  ImportOptions opts;
  opts.account = "444455556666";
  snap = ImportProviderPaths({Data("aws/s3api_list_buckets.json")}, opts);
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_THAT(snap->resources(), SizeIs(2));
  EXPECT_EQ(snap->resources(0).account(), "444455556666");
  EXPECT_EQ(snap->resources(1).region(), "us-east-1");
}

TEST(ImporterTest, AwsIdsAccountsAndRegionsWithoutArns) {
  absl::StatusOr<onus::v1::Snapshot> snap = ImportProviderJson(
      "mixed.json",
      R"({"Reservations": [{"OwnerId": "111122223333", "Instances": [
             {"InstanceId": "i-1", "Placement": {"AvailabilityZone": "us-west-2-lax-1a"}}]}],
          "Subscriptions": [
             {"SubscriptionArn": "PendingConfirmation", "Protocol": "email",
              "Endpoint": "sec@acme.example",
              "TopicArn": "arn:aws:sns:eu-west-1:444455556666:alerts"}],
          "Volumes": [{"VolumeId": "vol-1", "AvailabilityZone": "eu-west-1b"}],
          "logGroups": [{"logGroupName": "/a",
              "arn": "arn:aws:logs:eu-west-1:444455556666:log-group:/a:*"}]})",
      {});
  ASSERT_FALSE(snap.ok());  // the volume names no account, and two are seen
  EXPECT_THAT(std::string(snap.status().message()),
              HasSubstr("Volumes[0]: cannot tell the account"));
  EXPECT_THAT(std::string(snap.status().message()), HasSubstr("several"));

  ImportOptions opts;
  opts.account = "999988887777";
  snap = ImportProviderJson("mixed.json",
                            R"({"Volumes": [{"VolumeId": "vol-1",
                                 "AvailabilityZone": "eu-west-1b"}],
                                "Subscriptions": [
             {"SubscriptionArn": "PendingConfirmation", "Protocol": "email",
              "Endpoint": "sec@acme.example",
              "TopicArn": "arn:aws:sns:eu-west-1:444455556666:alerts"}],
                                "Reservations": [{"OwnerId": "111122223333",
                                  "Instances": [{"InstanceId": "i-1",
                                  "Placement": {"AvailabilityZone":
                                  "us-west-2-lax-1a"}}]}],
          "logGroups": [{"logGroupName": "/a",
              "arn": "arn:aws:logs:eu-west-1:444455556666:log-group:/a:*"}]})",
                            opts);
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_TRUE(ValidateSnapshot(*snap).ok()) << ValidateSnapshot(*snap);
  const onus::v1::Resource* inst =
      Find(*snap, "arn:aws:ec2:us-west-2:111122223333:instance/i-1");
  ASSERT_NE(inst, nullptr) << Ids(*snap);
  EXPECT_EQ(inst->region(), "us-west-2");
  const onus::v1::Resource* sub = Find(
      *snap,
      "arn:aws:sns:eu-west-1:444455556666:alerts:pending/sec@acme.example");
  ASSERT_NE(sub, nullptr) << Ids(*snap);
  EXPECT_EQ(sub->account(), "444455556666");
  EXPECT_EQ(sub->region(), "eu-west-1");
  const onus::v1::Resource* vol =
      Find(*snap, "arn:aws:ec2:eu-west-1:999988887777:volume/vol-1");
  ASSERT_NE(vol, nullptr) << Ids(*snap);
  EXPECT_EQ(vol->account(), "999988887777");
  EXPECT_NE(Find(*snap, "arn:aws:logs:eu-west-1:444455556666:log-group:/a"),
            nullptr)
      << Ids(*snap);
  EXPECT_THAT(snap->accounts(), SizeIs(3));
}

TEST(ImporterTest, GcpAssetLines) {
  std::vector<std::string> warnings;
  absl::StatusOr<onus::v1::Snapshot> snap = ImportProviderPaths(
      {Data("gcp/cloud_asset_export.jsonl")}, {}, &warnings);
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_TRUE(ValidateSnapshot(*snap).ok()) << ValidateSnapshot(*snap);
  ASSERT_THAT(snap->resources(), SizeIs(4));
  ASSERT_THAT(snap->accounts(), SizeIs(1));
  // The bucket's name has no project; its ancestors give the number, and
  // the Project asset maps the number to the id.
  EXPECT_EQ(snap->accounts(0).id(), "acme-import");
  const onus::v1::Resource* b =
      Find(*snap, "//storage.googleapis.com/acme-import-exports");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->type(), "onus.gcp.storage.Bucket");
  EXPECT_EQ(b->provider(), onus::v1::GCP);
  EXPECT_EQ(b->account(), "acme-import");
  EXPECT_EQ(b->region(), "eu");
  EXPECT_EQ(b->tags().at("team"), "analytics");
  onus::gcp::storage::Bucket bucket;
  ASSERT_TRUE(b->typed().UnpackTo(&bucket));
  ASSERT_EQ(bucket.iam_policy().bindings_size(), 1);
  EXPECT_EQ(bucket.iam_policy().bindings(0).members(0), "allUsers");

  const onus::v1::Resource* fw = Find(*snap,
                                      "//compute.googleapis.com/projects/"
                                      "acme-import/global/firewalls/allow-ssh");
  ASSERT_NE(fw, nullptr);
  EXPECT_EQ(fw->type(), "onus.gcp.compute.Firewall");
  EXPECT_EQ(fw->region(), "global");

  const onus::v1::Resource* topic =
      Find(*snap, "//pubsub.googleapis.com/projects/acme-import/topics/events");
  ASSERT_NE(topic, nullptr);
  EXPECT_EQ(topic->type(), "pubsub.googleapis.com/Topic");
  EXPECT_TRUE(topic->has_schemaless());
  EXPECT_EQ(topic->tags().at("env"), "prod");
  EXPECT_THAT(absl::StrJoin(warnings, "\n"),
              HasSubstr("1 resource of type `pubsub.googleapis.com/Topic`"));
}

TEST(ImporterTest, AzureResourceGraphRows) {
  std::vector<std::string> warnings;
  ImportOptions opts;
  opts.provider = ImportProvider::kAzure;
  absl::StatusOr<onus::v1::Snapshot> snap =
      ImportProviderPaths({Data("azure/resource_graph.json")}, opts, &warnings);
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_TRUE(ValidateSnapshot(*snap).ok()) << ValidateSnapshot(*snap);
  ASSERT_THAT(snap->resources(), SizeIs(3));
  EXPECT_EQ(snap->resources(0).type(), "onus.azure.storage.StorageAccount");
  EXPECT_EQ(snap->resources(0).account(),
            "00000000-aaaa-bbbb-cccc-000000000001");
  EXPECT_EQ(snap->resources(0).region(), "northeurope");
  EXPECT_EQ(snap->resources(0).tags().at("owner"), "data");
  EXPECT_EQ(snap->resources(1).type(),
            "onus.azure.network.NetworkSecurityGroup");
  EXPECT_EQ(snap->resources(2).type(), "microsoft.web/sites");
  EXPECT_TRUE(snap->resources(2).has_schemaless());
  EXPECT_THAT(absl::StrJoin(warnings, "\n"), HasSubstr("microsoft.web/sites"));
}

TEST(ImporterTest, SingleRowsAndArraysAreSniffed) {
  absl::StatusOr<onus::v1::Snapshot> snap = ImportProviderJson(
      "row.json",
      R"([{"id": "/subscriptions/s1/resourceGroups/g/providers/Microsoft.Compute/disks/d1",
           "type": "Microsoft.Compute/disks", "location": "westus",
           "properties": {"diskSizeGB": 32}},
          {"name": "//storage.googleapis.com/b1", "assetType": "storage.googleapis.com/Bucket",
           "resource": {"data": {"name": "b1"}, "location": "us"},
           "ancestors": ["projects/42"]}])",
      {});
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_THAT(snap->resources(), SizeIs(2));
  EXPECT_EQ(snap->resources(0).type(), "onus.azure.compute.Disk");
  EXPECT_EQ(snap->resources(0).account(), "s1");
  EXPECT_EQ(snap->resources(1).type(), "onus.gcp.storage.Bucket");
  EXPECT_EQ(snap->resources(1).account(), "42");  // no Project asset to map
  EXPECT_THAT(snap->accounts(), SizeIs(2));
}

TEST(ImporterTest, ProviderMismatchIsAnError) {
  ImportOptions opts;
  opts.provider = ImportProvider::kAws;
  absl::StatusOr<onus::v1::Snapshot> snap =
      ImportProviderPaths({Data("azure/resource_graph.json")}, opts);
  ASSERT_FALSE(snap.ok());
  EXPECT_THAT(snap.status().message(), HasSubstr("looks like azure"));
  opts.provider = ImportProvider::kGcp;
  snap = ImportProviderPaths({Data("aws/iam_list_users.json")}, opts);
  ASSERT_FALSE(snap.ok());
  EXPECT_THAT(snap.status().message(), HasSubstr("provider is gcp"));
  opts.provider = ImportProvider::kAws;
  snap = ImportProviderPaths({Data("gcp/cloud_asset_export.jsonl")}, opts);
  ASSERT_FALSE(snap.ok());
  EXPECT_THAT(snap.status().message(), HasSubstr("provider is aws"));
}

TEST(ImporterTest, MalformedAndWrongShapesNameFileAndPlace) {
  struct Case {
    const char* file;
    std::vector<const char*> want;
  } cases[] = {
      {"bad/truncated.json", {"truncated.json", "invalid JSON"}},
      {"bad/object_for_list.json",
       {"object_for_list.json",
        "SecurityGroups: expected a list of objects, "
        "got an object"}},
      {"bad/bad_field.json",
       {"bad_field.json", "SecurityGroups[0]", "sg-1",
        "ip_permissions[0].from_port", "twenty-two"}},
      {"bad/list_for_object.json",
       {"Reservations[0].Instances[0]", "Placement"}},
  };
  ImportOptions opts;
  opts.region = "us-east-1";
  for (const Case& c : cases) {
    absl::StatusOr<onus::v1::Snapshot> snap =
        ImportProviderPaths({Data(c.file)}, opts);
    ASSERT_FALSE(snap.ok()) << c.file;
    for (const char* w : c.want) {
      EXPECT_THAT(std::string(snap.status().message()), HasSubstr(w)) << c.file;
    }
  }
}

TEST(ImporterTest, HostileDocuments) {
  struct Case {
    std::string text;
    const char* want;
  } cases[] = {
      {"", "empty document"},
      {"   \n ", "empty document"},
      {"42", "expected a JSON object or list"},
      {std::string(200000, '['), "nested deeper than"},
      {absl::StrCat("{\"Buckets\": ", std::string(70, '['),
                    std::string(70, ']'), "}"),
       "nested deeper than"},
      {"[1, 2]", "[0]: expected an object, got a number"},
      {"[{\"foo\": 1}]", "neither a GCP asset"},
      {"{\"Users\": [\"alice\"]}", "Users[0]: expected an object"},
      {"{\"name\": \"//x\", \"assetType\": \"a/B\"}\n{not json}\n", "x.json:2"},
      {"{\"Role\": [{}]}", "Role: expected an object, got a list"},
      // Pretty-printed and broken: the document's error, not line 1's.
      {"{\n  \"Users\": [\n    {\"UserName\": }\n  ]\n}\n",
       "x.json: invalid JSON"},
      {"{\"Users\": [{\"Path\": \"/\"}]}", "without `UserName`"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<onus::v1::Snapshot> snap =
        ImportProviderJson("x.json", c.text, {});
    ASSERT_FALSE(snap.ok()) << c.text.substr(0, 80);
    EXPECT_THAT(std::string(snap.status().message()), HasSubstr(c.want))
        << c.text.substr(0, 80);
  }
}

TEST(ImporterTest, UnknownScalarKeysAreReportedNotDropped) {
  std::vector<std::string> warnings;
  absl::StatusOr<onus::v1::Snapshot> snap = ImportProviderJson(
      "x.json",
      R"({"DetectorIds": ["abc"], "Status": "ENABLED", "NextToken": "t"})", {},
      &warnings);
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_THAT(snap->resources(), IsEmpty());
  std::string all = absl::StrJoin(warnings, "\n");
  EXPECT_THAT(all, HasSubstr("`DetectorIds`"));
  EXPECT_THAT(all, HasSubstr("`Status`"));
  EXPECT_THAT(all, testing::Not(HasSubstr("NextToken")));
  EXPECT_THAT(all, HasSubstr("no resources found"));
}

TEST(ImporterTest, SnapshotJsonIsNotProviderJson) {
  EXPECT_FALSE(LooksLikeProviderJson(
      R"({"id": "s1", "accounts": [{"provider": "AWS", "id": "1"}]})"));
  EXPECT_TRUE(LooksLikeProviderJson(R"({"SecurityGroups": []})"));
  EXPECT_TRUE(
      LooksLikeProviderJson(R"({"id": "/subscriptions/x", "type": "t"})"));
  EXPECT_TRUE(LooksLikeProviderJson("[]"));
  // Broken snapshots stay snapshots, so their error is a snapshot error.
  EXPECT_FALSE(LooksLikeProviderJson(R"({"resources": 5})"));
  EXPECT_FALSE(LooksLikeProviderJson(R"({"accounts": [{"provider": )"));
  EXPECT_TRUE(LooksLikeProviderJson(R"({"Buckets": [{"Name": )"));
}

TEST(ImporterTest, FiftyThousandSecurityGroupsInSeconds) {
  std::string doc = "{\"SecurityGroups\": [";
  for (int i = 0; i < 50000; ++i) {
    if (i > 0) doc += ",";
    absl::StrAppend(
        &doc, "{\"GroupId\": \"sg-", i, "\", \"GroupName\": \"g", i,
        "\", \"OwnerId\": \"111122223333\", \"VpcId\": \"vpc-1\", "
        "\"SecurityGroupArn\": \"arn:aws:ec2:us-east-1:111122223333:"
        "security-group/sg-",
        i, "\", \"IpPermissions\": [{\"IpProtocol\": \"tcp\", \"FromPort\": ",
        i % 1000, ", \"ToPort\": ", i % 1000,
        ", \"IpRanges\": [{\"CidrIp\": \"10.0.0.0/8\"}]}], "
        "\"Tags\": [{\"Key\": \"n\", \"Value\": \"",
        i, "\"}]}");
  }
  doc += "]}";
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<onus::v1::Snapshot> snap =
      ImportProviderJson("big.json", doc, {});
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_THAT(snap->resources(), SizeIs(50000));
  EXPECT_EQ(snap->resources(49999).tags().at("n"), "49999");
  onus::aws::ec2::SecurityGroup sg;
  ASSERT_TRUE(snap->resources(777).typed().UnpackTo(&sg));
  EXPECT_EQ(sg.ip_permissions(0).from_port(), 777);
  // Seconds on a loaded 2-core machine; minutes would mean something
  // quadratic.
  EXPECT_LT(secs, 60.0);
  std::cerr << "imported 50000 security groups in " << secs << " s ("
            << doc.size() / 1e6 << " MB)\n";
}

// Imported inventory evaluates with the built-in pack: findings follow the
// data, and nothing ends as ERROR because of the import.
TEST(ImporterTest, ImportedSnapshotEvaluatesWithBuiltInPack) {
  ImportOptions opts;
  opts.region = "us-east-1";
  absl::StatusOr<onus::v1::Snapshot> snap =
      ImportProviderPaths({Data("aws"), Data("gcp"), Data("azure")}, opts);
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_TRUE(ValidateSnapshot(*snap).ok()) << ValidateSnapshot(*snap);

  lang::DiagnosticList diags;
  absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
      PolicyPack::Load({"policies"}, lang::FrontendOptions(), diags);
  ASSERT_TRUE(pack.ok()) << pack.status();
  ASSERT_FALSE((*pack)->policies().empty());

  std::string bytes = snap->SerializeAsString();
  absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EvalOptions eopts;
  eopts.detail = FindingDetail::kAll;
  absl::StatusOr<onus::v1::Report> report = Evaluate(**pack, *inv, eopts);
  ASSERT_TRUE(report.ok()) << report.status();

  int pass = 0, fail = 0;
  bool open_ssh_fails = false, gcp_public_bucket_fails = false;
  for (const onus::v1::Finding& f : report->findings()) {
    EXPECT_NE(f.outcome(), onus::v1::ERROR)
        << f.policy_id() << " on " << f.resource_id() << ": "
        << f.error_reason();
    if (f.outcome() == onus::v1::PASS) ++pass;
    if (f.outcome() != onus::v1::FAIL) continue;
    ++fail;
    if (f.resource_id() ==
        "arn:aws:ec2:us-east-1:111122223333:security-group/"
        "sg-0import000000001") {
      open_ssh_fails = true;
    }
    if (f.resource_id() == "//storage.googleapis.com/acme-import-exports") {
      gcp_public_bucket_fails = true;
    }
  }
  EXPECT_GT(pass, 0);
  EXPECT_GT(fail, 0);
  EXPECT_TRUE(open_ssh_fails);
  EXPECT_TRUE(gcp_public_bucket_fails);
}

}  // namespace
}  // namespace onus::engine
