#include "engine/stream_eval.h"

#include <algorithm>
#include <iterator>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "gtest/gtest.h"
#include "onus/aws/account.pb.h"
#include "onus/aws/cloudtrail.pb.h"
#include "onus/aws/s3.pb.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine {
namespace {

using ::testing::HasSubstr;

constexpr char kBucketPolicies[] = R"onus(
package aws.s3;

policy block_public_access {
  title    = "S3 buckets block public access"
  severity = high
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  resource = onus.aws.s3.Bucket as b
  when     = b.name != "website"
  require  = b.public_access_block_configuration.block_public_acls
          && b.versioning.status == "Enabled"
  message  = "bucket {b.name} allows public access"
}

policy account_named {
  title    = "Accounts have an id"
  severity = low
  owner    = customer
  service  = [iaas]
  domain   = identity
  resource = onus.aws.Account as acct
  require  = acct.account != ""
}
)onus";

constexpr char kTrailPolicy[] = R"onus(
package aws.trail;

policy multi_region_trail {
  title    = "A multi-region trail is logging"
  severity = critical
  owner    = customer
  service  = [iaas]
  domain   = logging
  resource = onus.aws.Account as acct
  require  = resources(onus.aws.cloudtrail.Trail).exists(t,
               t.is_multi_region_trail && t.is_logging)
}
)onus";

std::unique_ptr<PolicyPack> Compile(const char* text) {
  lang::DiagnosticList diags;
  auto set = lang::LoadPolicySources({{"p.onus", text}}, {}, diags);
  EXPECT_TRUE(set.ok()) << diags.Render();
  auto pack = PolicyPack::Compile(*std::move(set), diags);
  EXPECT_TRUE(pack.ok()) << pack.status();
  EXPECT_FALSE(diags.has_errors()) << diags.Render();
  return *std::move(pack);
}

onus::v1::Resource MakeResource(const std::string& id, const std::string& type,
                                const std::string& account,
                                const std::string& payload) {
  onus::v1::Resource r;
  r.set_id(id);
  r.set_type(type);
  r.set_provider(onus::v1::AWS);
  r.set_account(account);
  r.mutable_typed()->set_type_url("type.googleapis.com/" + type);
  r.mutable_typed()->set_value(payload);
  return r;
}

onus::v1::Resource Bucket(const std::string& name, const std::string& account,
                          bool good) {
  onus::aws::s3::Bucket b;
  b.set_name(name);
  b.mutable_public_access_block_configuration()->set_block_public_acls(good);
  b.mutable_versioning()->set_status("Enabled");
  return MakeResource("arn:aws:s3:::" + name, "onus.aws.s3.Bucket", account,
                      b.SerializeAsString());
}

onus::v1::Resource Trail(const std::string& account, bool logging) {
  onus::aws::cloudtrail::Trail t;
  t.set_is_multi_region_trail(true);
  t.set_is_logging(logging);
  return MakeResource("trail-" + account, "onus.aws.cloudtrail.Trail", account,
                      t.SerializeAsString());
}

onus::v1::Resource AccountResource(const std::string& account) {
  onus::aws::Account a;
  a.set_account(account);
  return MakeResource(account, "onus.aws.Account", account,
                      a.SerializeAsString());
}

// A snapshot and the same data as a stream: header, resources in snapshot
// order, an account_complete item after the last resource of each account
// (when the accounts are contiguous).
struct Data {
  onus::v1::Snapshot snapshot;
  std::string stream;
};

Data MakeData(const std::vector<std::string>& header_accounts,
              const std::vector<onus::v1::Resource>& resources,
              bool markers = true) {
  Data d;
  d.snapshot.set_id("snap");
  d.snapshot.mutable_collected_at()->set_seconds(1700000000);
  for (const std::string& a : header_accounts) {
    auto* acct = d.snapshot.add_accounts();
    acct->set_provider(onus::v1::AWS);
    acct->set_id(a);
  }
  std::ostringstream out;
  onus::v1::StreamItem header;
  header.mutable_header()->set_id(d.snapshot.id());
  *header.mutable_header()->mutable_collected_at() = d.snapshot.collected_at();
  *header.mutable_header()->mutable_accounts() = d.snapshot.accounts();
  google::protobuf::util::SerializeDelimitedToOstream(header, &out);
  for (size_t i = 0; i < resources.size(); ++i) {
    *d.snapshot.add_resources() = resources[i];
    onus::v1::StreamItem item;
    *item.mutable_resource() = resources[i];
    google::protobuf::util::SerializeDelimitedToOstream(item, &out);
    bool last_of_account = i + 1 == resources.size() ||
                           resources[i + 1].account() != resources[i].account();
    if (markers && last_of_account) {
      onus::v1::StreamItem done;
      done.mutable_account_complete()->set_account(resources[i].account());
      done.mutable_account_complete()->set_provider(onus::v1::AWS);
      google::protobuf::util::SerializeDelimitedToOstream(done, &out);
    }
  }
  d.stream = out.str();
  return d;
}

using Key = std::tuple<std::string, std::string, int>;

std::vector<Key> Keys(const onus::v1::Report& r) {
  std::vector<Key> out;
  for (const auto& f : r.findings()) {
    out.emplace_back(f.policy_id(), f.resource_id(), f.outcome());
  }
  return out;
}

absl::StatusOr<onus::v1::Report> RunStream(const PolicyPack& pack,
                                           const std::string& bytes,
                                           FindingSink* sink = nullptr,
                                           size_t batch = 2) {
  std::istringstream in(bytes);
  StreamReader reader(&in);
  StreamEvalOptions so;
  so.batch_resources = batch;
  EvalOptions opts;
  opts.wall_now = absl::FromUnixSeconds(1700000000);
  return EvaluateStream(pack, reader, opts, sink, so);
}

onus::v1::Report RunSnapshot(const PolicyPack& pack, const Data& d) {
  std::string bytes = d.snapshot.SerializeAsString();
  auto inv = Inventory::FromSnapshotBytes(bytes);
  EXPECT_TRUE(inv.ok()) << inv.status();
  EvalOptions opts;
  opts.wall_now = absl::FromUnixSeconds(1700000000);
  auto report = Evaluate(pack, *inv, opts);
  EXPECT_TRUE(report.ok()) << report.status();
  return *std::move(report);
}

void ExpectSameSummary(const onus::v1::Report& a, const onus::v1::Report& b) {
  EXPECT_EQ(a.summary().totals().DebugString(),
            b.summary().totals().DebugString());
  EXPECT_EQ(a.summary().resources_evaluated(),
            b.summary().resources_evaluated());
  ASSERT_EQ(a.summary().by_policy_size(), b.summary().by_policy_size());
  for (int i = 0; i < a.summary().by_policy_size(); ++i) {
    EXPECT_EQ(a.summary().by_policy(i).DebugString(),
              b.summary().by_policy(i).DebugString());
  }
  ASSERT_EQ(a.summary().by_severity_size(), b.summary().by_severity_size());
  for (int i = 0; i < a.summary().by_severity_size(); ++i) {
    EXPECT_EQ(a.summary().by_severity(i).DebugString(),
              b.summary().by_severity(i).DebugString());
  }
  EXPECT_EQ(a.snapshot_id(), b.snapshot_id());
  EXPECT_EQ(a.collected_at().seconds(), b.collected_at().seconds());
}

std::vector<onus::v1::Resource> MixedResources() {
  return {Bucket("a1", "111", true),
          Bucket("a2", "111", false),
          Bucket("website", "111", false),
          AccountResource("111"),
          Trail("111", true),
          Bucket("b1", "222", false),
          Bucket("b2", "222", true),
          Trail("222", false),
          Bucket("c1", "444", true)};
}

TEST(StreamEvalTest, JoinFreePackMatchesEvaluatorInStreamOrder) {
  auto pack = Compile(kBucketPolicies);
  EXPECT_FALSE(PackUsesJoins(*pack));
  Data d = MakeData({"111", "222", "333"}, MixedResources());
  auto streamed = RunStream(*pack, d.stream);
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  onus::v1::Report whole = RunSnapshot(*pack, d);
  // Batches of 2 keep stream order for resource-level findings; the account
  // resource (kept to the end) comes out with the synthesised accounts 222
  // and 333, which Evaluate() also puts last.
  std::vector<Key> a = Keys(*streamed), b = Keys(whole);
  auto account_level = [](const Key& k) {
    return std::get<0>(k) == "aws.s3.account_named";
  };
  std::vector<Key> a_res, b_res;
  std::copy_if(a.begin(), a.end(), std::back_inserter(a_res),
               [&](const Key& k) { return !account_level(k); });
  std::copy_if(b.begin(), b.end(), std::back_inserter(b_res),
               [&](const Key& k) { return !account_level(k); });
  EXPECT_EQ(a_res.size(), 6u);
  EXPECT_EQ(a_res, b_res);
  std::vector<Key> tail(a.end() - 3, a.end());
  EXPECT_EQ(tail, (std::vector<Key>{{"aws.s3.account_named", "111", 1},
                                    {"aws.s3.account_named", "222", 1},
                                    {"aws.s3.account_named", "333", 1}}));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  ExpectSameSummary(*streamed, whole);
  EXPECT_EQ(streamed->summary().totals().fail(), 2u);  // a2, b1
  EXPECT_EQ(streamed->policies_size(), 2);
}

TEST(StreamEvalTest, JoinPackMatchesEvaluatorAsASet) {
  auto pack = Compile(kTrailPolicy);
  EXPECT_TRUE(PackUsesJoins(*pack));
  Data d = MakeData({"111", "222", "333"}, MixedResources());
  auto streamed = RunStream(*pack, d.stream);
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  onus::v1::Report whole = RunSnapshot(*pack, d);
  std::vector<Key> a = Keys(*streamed), b = Keys(whole);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  ExpectSameSummary(*streamed, whole);
}

TEST(StreamEvalTest, AccountLevelJoinSeesExactlyItsAccount) {
  auto pack = Compile(kTrailPolicy);
  // 111 has a logging trail, 222 a trail that is not logging, 333 is only in
  // the header; 555's good trail must not leak into 222 or 333.
  Data d = MakeData(
      {"111", "222", "333"},
      {AccountResource("111"), Trail("111", true), Bucket("x", "222", true),
       Trail("222", false), Trail("555", true)});
  std::vector<Key> seen;
  FindingSink sink = [&](const onus::v1::Finding& f) {
    seen.emplace_back(f.policy_id(), f.resource_id(), f.outcome());
  };
  auto report = RunStream(*pack, d.stream, &sink);
  ASSERT_TRUE(report.ok()) << report.status();
  // With a sink the report keeps only the summary.
  EXPECT_EQ(report->findings_size(), 0);
  const std::string id = "aws.trail.multi_region_trail";
  std::vector<Key> want = {
      {id, "111", onus::v1::PASS},
      {id, "222", onus::v1::FAIL},  // synthesised at 222's account_complete
      {id, "333", onus::v1::FAIL},  // synthesised at the end
  };
  EXPECT_EQ(seen, want);
  EXPECT_EQ(report->summary().totals().pass(), 1u);
  EXPECT_EQ(report->summary().totals().fail(), 2u);
}

TEST(StreamEvalTest, AccountCompleteReleasesFindingsBeforeLaterAccounts) {
  auto pack = Compile(kTrailPolicy);
  Data d = MakeData({"111"}, {AccountResource("111"), Trail("111", true),
                              Bucket("y", "222", true)});
  // Cut the stream right after 111's account_complete: its finding must be
  // out already when the rest of the stream turns out to be broken.
  onus::v1::StreamItem done;
  done.mutable_account_complete()->set_account("111");
  done.mutable_account_complete()->set_provider(onus::v1::AWS);
  std::string marker;
  {
    std::ostringstream o;
    google::protobuf::util::SerializeDelimitedToOstream(done, &o);
    marker = o.str();
  }
  size_t cut = d.stream.find(marker);
  ASSERT_NE(cut, std::string::npos);
  std::string broken = d.stream.substr(0, cut + marker.size()) + "\x05\x12";
  int delivered = 0;
  FindingSink sink = [&](const onus::v1::Finding& f) {
    EXPECT_EQ(f.resource_id(), "111");
    ++delivered;
  };
  auto report = RunStream(*pack, broken, &sink);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(delivered, 1);
}

TEST(StreamEvalTest, TruncatedStreamNamesItemAndOffset) {
  auto pack = Compile(kBucketPolicies);
  Data d =
      MakeData({"111"}, {Bucket("a", "111", true), Bucket("b", "111", false)},
               /*markers=*/false);
  std::string truncated = d.stream.substr(0, d.stream.size() - 3);
  auto report = RunStream(*pack, truncated);
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.status().message(), HasSubstr("stream item #3"));
  EXPECT_THAT(report.status().message(), HasSubstr("at byte"));
  EXPECT_THAT(report.status().message(), HasSubstr("truncated"));
}

TEST(StreamEvalTest, HeaderAfterResourcesIsAnError) {
  auto pack = Compile(kBucketPolicies);
  std::ostringstream out;
  onus::v1::StreamItem r;
  *r.mutable_resource() = Bucket("a", "111", true);
  google::protobuf::util::SerializeDelimitedToOstream(r, &out);
  onus::v1::StreamItem h;
  h.mutable_header()->set_id("late");
  google::protobuf::util::SerializeDelimitedToOstream(h, &out);
  auto report = RunStream(*pack, out.str());
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.status().message(), HasSubstr("stream item #2"));
  EXPECT_THAT(report.status().message(), HasSubstr("first item"));
}

TEST(StreamEvalTest, StreamWithoutHeaderOrMarkersStillEvaluates) {
  auto pack = Compile(kBucketPolicies);
  std::ostringstream out;
  for (int i = 0; i < 7; ++i) {
    onus::v1::StreamItem r;
    *r.mutable_resource() = Bucket("n" + std::to_string(i), "111", i % 2 == 0);
    google::protobuf::util::SerializeDelimitedToOstream(r, &out);
  }
  auto report = RunStream(*pack, out.str(), nullptr, /*batch=*/3);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->summary().resources_evaluated(), 7u);
  EXPECT_EQ(report->summary().totals().pass(), 4u);
  EXPECT_EQ(report->summary().totals().fail(), 3u);
  ASSERT_EQ(report->findings_size(), 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(report->findings(i).resource_id(),
              "arn:aws:s3:::n" + std::to_string(i));
  }
}

TEST(StreamEvalTest, NonPassingDetailKeepsOnlyFailures) {
  auto pack = Compile(kBucketPolicies);
  Data d = MakeData({}, MixedResources());
  std::istringstream in(d.stream);
  StreamReader reader(&in);
  EvalOptions opts;
  opts.detail = FindingDetail::kNonPassing;
  auto report = EvaluateStream(*pack, reader, opts, nullptr);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->findings_size(), 2);
  for (const auto& f : report->findings()) {
    EXPECT_EQ(f.outcome(), onus::v1::FAIL);
  }
  EXPECT_GT(report->summary().totals().pass(), 0u);
}

}  // namespace
}  // namespace onus::engine
