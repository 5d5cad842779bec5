#include "engine/evaluator.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "lang/large_stack.h"
#include "onus/aws/account.pb.h"
#include "onus/aws/cloudtrail.pb.h"
#include "onus/aws/s3.pb.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicies[] = R"onus(
package aws.s3;

policy block_public_access {
  title    = "S3 buckets block public access"
  severity = high
  owner    = customer
  service  = [iaas, paas]
  domain   = data_protection
  frameworks = ["cis-aws-7.0:3.1.4"]
  resource = onus.aws.s3.Bucket as b
  when     = b.name != "website"
  require  = b.public_access_block_configuration.block_public_acls
          && b.public_access_block_configuration.ignore_public_acls
          && b.versioning.status == "Enabled"
  message  = "bucket {b.name} allows public access"
}

policy policy_is_json {
  title    = "Bucket policies parse"
  severity = low
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  resource = onus.aws.s3.Bucket as b
  require  = b.policy == "" || json.decode(b.policy) != null
}

policy multi_region_trail {
  title    = "A multi-region trail is logging"
  severity = critical
  owner    = customer
  service  = [iaas, paas, saas]
  domain   = logging
  resource = onus.aws.Account as acct
  require  = resources(onus.aws.cloudtrail.Trail).exists(t,
               t.is_multi_region_trail && t.is_logging)
}
)onus";

std::string Bucket(const std::string& name, bool acls, bool versioned,
                   const std::string& policy = "") {
  onus::aws::s3::Bucket b;
  b.set_name(name);
  b.mutable_public_access_block_configuration()->set_block_public_acls(acls);
  b.mutable_public_access_block_configuration()->set_ignore_public_acls(true);
  if (versioned) b.mutable_versioning()->set_status("Enabled");
  b.set_policy(policy);
  return b.SerializeAsString();
}

void AddResource(onus::v1::Snapshot* s, const std::string& id,
                 const std::string& type, const std::string& account,
                 const std::string& payload) {
  auto* r = s->add_resources();
  r->set_id(id);
  r->set_type(type);
  r->set_provider(onus::v1::AWS);
  r->set_account(account);
  r->mutable_typed()->set_type_url("type.googleapis.com/" + type);
  r->mutable_typed()->set_value(payload);
  (*r->mutable_tags())["env"] =
      id == "arn:aws:s3:::tagged" ? "sandbox" : "prod";
}

class EvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lang::DiagnosticList diags;
    auto pack = PolicyPack::Compile(
        *lang::LoadPolicySources({{"s3.onus", kPolicies}}, {}, diags), diags);
    ASSERT_TRUE(pack.ok()) << pack.status();
    ASSERT_FALSE(diags.has_errors()) << diags.Render();
    pack_ = *std::move(pack);
    ASSERT_EQ(pack_->policies().size(), 3u);

    onus::v1::Snapshot s;
    s.set_id("snap");
    s.mutable_collected_at()->set_seconds(1700000000);
    for (const char* a : {"111", "222"}) {
      auto* acct = s.add_accounts();
      acct->set_provider(onus::v1::AWS);
      acct->set_id(a);
    }
    const std::string bucket = "onus.aws.s3.Bucket";
    AddResource(&s, "arn:aws:s3:::good", bucket, "111",
                Bucket("good", true, true));
    AddResource(&s, "arn:aws:s3:::open", bucket, "111",
                Bucket("open", false, true));
    AddResource(&s, "arn:aws:s3:::website", bucket, "111",
                Bucket("website", false, false));
    AddResource(&s, "arn:aws:s3:::badjson", bucket, "111",
                Bucket("badjson", true, true, "{not json"));
    AddResource(&s, "arn:aws:s3:::tagged", bucket, "222",
                Bucket("tagged", false, true));
    onus::aws::cloudtrail::Trail t;
    t.set_is_multi_region_trail(true);
    t.set_is_logging(true);
    AddResource(&s, "arn:aws:cloudtrail:trail/main",
                "onus.aws.cloudtrail.Trail", "111", t.SerializeAsString());
    bytes_ = s.SerializeAsString();
    auto inv = Inventory::FromSnapshotBytes(bytes_);
    ASSERT_TRUE(inv.ok()) << inv.status();
    inv_ = std::make_unique<Inventory>(*std::move(inv));
  }

  const onus::v1::Finding* Find(const onus::v1::Report& r,
                                const std::string& policy,
                                const std::string& resource) {
    for (const auto& f : r.findings()) {
      if (f.policy_id() == policy && f.resource_id() == resource) return &f;
    }
    return nullptr;
  }

  std::unique_ptr<PolicyPack> pack_;
  std::string bytes_;
  std::unique_ptr<Inventory> inv_;
};

TEST_F(EvaluatorTest, EveryPairEndsInExactlyOneOutcome) {
  auto report = Evaluate(*pack_, *inv_, {});
  ASSERT_TRUE(report.ok()) << report.status();
  const auto* good =
      Find(*report, "aws.s3.block_public_access", "arn:aws:s3:::good");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->outcome(), onus::v1::PASS);
  const auto* open =
      Find(*report, "aws.s3.block_public_access", "arn:aws:s3:::open");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->outcome(), onus::v1::FAIL);
  EXPECT_EQ(open->message(), "bucket open allows public access");
  EXPECT_EQ(open->severity(), onus::v1::HIGH);
  EXPECT_EQ(open->fingerprint(),
            Fingerprint("aws.s3.block_public_access", "arn:aws:s3:::open"));
  const auto* site =
      Find(*report, "aws.s3.block_public_access", "arn:aws:s3:::website");
  EXPECT_EQ(site->outcome(), onus::v1::NOT_APPLICABLE);
  // A JSON parse error is an ERROR with a reason, never a pass.
  const auto* bad =
      Find(*report, "aws.s3.policy_is_json", "arn:aws:s3:::badjson");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->outcome(), onus::v1::ERROR);
  EXPECT_FALSE(bad->error_reason().empty());
  // 5 buckets x 2 policies + 2 accounts x 1 account policy.
  EXPECT_EQ(report->findings_size(), 12);
  const auto& t = report->summary().totals();
  EXPECT_EQ(t.pass() + t.fail() + t.error() + t.not_applicable() + t.waived(),
            12u);
}

TEST_F(EvaluatorTest, PolicyListingChoosesWhichPoliciesTheReportDescribes) {
  // One bucket and no account: the two bucket policies run, the account
  // policy does not.
  onus::v1::Snapshot s;
  AddResource(&s, "arn:aws:s3:::one", "onus.aws.s3.Bucket", "111",
              Bucket("one", false, true));
  const std::string bytes = s.SerializeAsString();
  auto inv = Inventory::FromSnapshotBytes(bytes);
  ASSERT_TRUE(inv.ok()) << inv.status();
  auto ids = [](const onus::v1::Report& r) {
    std::vector<std::string> meta, counts;
    for (const auto& p : r.policies()) meta.push_back(p.id());
    for (const auto& c : r.summary().by_policy()) {
      counts.push_back(c.policy_id());
    }
    return std::make_pair(meta, counts);
  };
  const std::vector<std::string> all = {"aws.s3.block_public_access",
                                        "aws.s3.policy_is_json",
                                        "aws.s3.multi_region_trail"};
  const std::vector<std::string> ran = {all[0], all[1]};
  struct Case {
    PolicyListing meta, counts;
    std::vector<std::string> want_meta, want_counts;
  };
  for (const Case& c : std::vector<Case>{
           {PolicyListing::kAll, PolicyListing::kAll, all, all},
           {PolicyListing::kEvaluated, PolicyListing::kEvaluated, ran, ran},
           {PolicyListing::kNone, PolicyListing::kAll, {}, all},
           {PolicyListing::kAll, PolicyListing::kNone, all, {}},
       }) {
    EvalOptions o;
    o.report_policies = c.meta;
    o.summary_by_policy = c.counts;
    auto report = Evaluate(*pack_, *inv, o);
    ASSERT_TRUE(report.ok()) << report.status();
    auto [meta, counts] = ids(*report);
    EXPECT_EQ(meta, c.want_meta);
    EXPECT_EQ(counts, c.want_counts);
    // The listing never changes what is counted.
    EXPECT_EQ(report->summary().totals().fail(), 1u);
    EXPECT_EQ(report->summary().totals().pass(), 1u);
    EXPECT_EQ(report->summary().policies(), 3u);
  }
}

TEST_F(EvaluatorTest, EvidenceNamesTheDecidingConjunctAndObservedValue) {
  auto report = Evaluate(*pack_, *inv_, {});
  const auto* open =
      Find(*report, "aws.s3.block_public_access", "arn:aws:s3:::open");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->evidence().expression(),
            "b.public_access_block_configuration.block_public_acls");
  ASSERT_EQ(open->evidence().observed_size(), 1);
  EXPECT_EQ(open->evidence().observed(0).value(), "false");
  EXPECT_EQ(open->evidence().span().file(), "s3.onus");
  EXPECT_EQ(open->evidence().span().line(), 13u);  // the `require` line
}

TEST_F(EvaluatorTest, AccountLevelPoliciesRunOncePerAccountWithScopedJoins) {
  auto report = Evaluate(*pack_, *inv_, {});
  // Account 111 has a logging multi-region trail; 222 has none. Neither
  // account has an onus.aws.Account resource: both are synthesised.
  const auto* a = Find(*report, "aws.s3.multi_region_trail", "111");
  const auto* b = Find(*report, "aws.s3.multi_region_trail", "222");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->outcome(), onus::v1::PASS);
  EXPECT_EQ(b->outcome(), onus::v1::FAIL);
}

TEST_F(EvaluatorTest, WaiversSuppressFailuresUntilTheyExpire) {
  onus::v1::WaiverFile file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        waivers {
          id: "W-1"
          policies: "aws.s3"
          resources: "arn:aws:s3:::op*"
          reason: "migration"
          owner: "platform"
          ticket: "OPS-1"
          expires { seconds: 4102444800 }
        }
        waivers {
          id: "W-2"
          policies: "aws.s3.block_public_access"
          tags { key: "env" value: "sandbox" }
          reason: "sandbox"
          owner: "dev"
          ticket: "OPS-2"
          expires { seconds: 1000 }
        }
      )pb",
      &file));
  auto waivers = Waivers::FromProto(file);
  ASSERT_TRUE(waivers.ok()) << waivers.status();
  EvalOptions opts;
  opts.waivers = &*waivers;
  auto report = Evaluate(*pack_, *inv_, opts);
  const auto* open =
      Find(*report, "aws.s3.block_public_access", "arn:aws:s3:::open");
  EXPECT_EQ(open->outcome(), onus::v1::WAIVED);
  EXPECT_EQ(open->waiver().id(), "W-1");
  const auto* tagged =
      Find(*report, "aws.s3.block_public_access", "arn:aws:s3:::tagged");
  EXPECT_EQ(tagged->outcome(), onus::v1::FAIL);  // W-2 expired
  EXPECT_TRUE(tagged->waiver().expired());
  ASSERT_EQ(report->summary().expired_waivers_size(), 1);
  EXPECT_EQ(report->summary().expired_waivers(0).id(), "W-2");
  // Errors are never waived, even by a matching waiver.
  const auto* bad =
      Find(*report, "aws.s3.policy_is_json", "arn:aws:s3:::badjson");
  EXPECT_EQ(bad->outcome(), onus::v1::ERROR);
  // A counts-only run (no findings kept) applies the same waivers: the
  // same outcome counts, WAIVED included, and the same expired waiver.
  EvalOptions counts = opts;
  counts.detail = FindingDetail::kCountsOnly;
  auto counted = Evaluate(*pack_, *inv_, counts);
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(counted->findings_size(), 0);
  EXPECT_GT(report->summary().totals().waived(), 0);
  EXPECT_EQ(counted->summary().totals().DebugString(),
            report->summary().totals().DebugString());
  ASSERT_EQ(counted->summary().by_policy_size(),
            report->summary().by_policy_size());
  for (int i = 0; i < report->summary().by_policy_size(); ++i) {
    EXPECT_EQ(counted->summary().by_policy(i).DebugString(),
              report->summary().by_policy(i).DebugString());
  }
  ASSERT_EQ(counted->summary().expired_waivers_size(), 1);
  EXPECT_EQ(counted->summary().expired_waivers(0).id(), "W-2");
}

TEST_F(EvaluatorTest, InvalidWaiversAreRejectedWithTheField) {
  onus::v1::WaiverFile file;
  file.add_waivers()->set_id("W-9");
  file.mutable_waivers(0)->add_policies("x");
  file.mutable_waivers(0)->set_reason("r");
  file.mutable_waivers(0)->set_owner("o");
  auto w = Waivers::FromProto(file);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("`expires`"));
  // The text format parser accepts strings that are not UTF-8; waivers
  // quote theirs in every report, so they are refused, naming the field.
  file.mutable_waivers(0)->mutable_expires()->set_seconds(4102444800);
  ASSERT_TRUE(Waivers::FromProto(file).ok());
  file.mutable_waivers(0)->set_ticket("T-\xff");
  w = Waivers::FromProto(file);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()),
              HasSubstr("waiver #1: field `ticket` is not valid UTF-8"));
  file.mutable_waivers(0)->set_ticket("T-1");
  (*file.mutable_waivers(0)->mutable_tags())["env"] = "\xc3";
  w = Waivers::FromProto(file);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("field `tags`"));
}

// A waiver pattern that matches no policy (a typo) never applies; the CLI
// warns about it with a suggestion. Ids, packages and globs that match are
// not reported.
TEST(WaiverPatterns, UnmatchedPoliciesAreNamedWithASuggestion) {
  onus::v1::WaiverFile file;
  auto* w = file.add_waivers();
  w->set_id("W-1");
  for (const char* p : {"aws.s3.block_public_access", "aws.s3", "aws.*.mfa",
                        "aws.s3.block_public_acess", "nothing.like.this"}) {
    w->add_policies(p);
  }
  w->set_reason("r");
  w->set_owner("o");
  w->mutable_expires()->set_seconds(4102444800);
  absl::StatusOr<Waivers> waivers = Waivers::FromProto(file);
  ASSERT_TRUE(waivers.ok()) << waivers.status();
  EXPECT_THAT(
      waivers->UnmatchedPolicies(
          {"aws.s3.block_public_access", "aws.iam.mfa", "gcp.storage.public"}),
      testing::ElementsAre(
          "waiver #1 \"W-1\": policies: \"aws.s3.block_public_acess\" "
          "matches no policy in the pack; did you mean "
          "`aws.s3.block_public_access`?",
          "waiver #1 \"W-1\": policies: \"nothing.like.this\" matches no "
          "policy in the pack"));
}

TEST_F(EvaluatorTest, OutputOrderIsTheSameForAnyThreadCount) {
  EvalOptions one;
  EvalOptions four;
  four.threads = 4;
  auto a = Evaluate(*pack_, *inv_, one);
  auto b = Evaluate(*pack_, *inv_, four);
  ASSERT_EQ(a->findings_size(), b->findings_size());
  for (int i = 0; i < a->findings_size(); ++i) {
    EXPECT_EQ(a->findings(i).fingerprint(), b->findings(i).fingerprint());
    EXPECT_EQ(a->findings(i).outcome(), b->findings(i).outcome());
  }
}

// The policies above plus a join from every bucket (lookup), so that the
// combined scan and evaluation must have the whole snapshot parsed before
// some resources can be evaluated.
constexpr char kJoinPolicy[] = R"onus(
package aws.joins;

policy bucket_has_trail {
  title    = "Each bucket has a logging trail of its own"
  severity = medium
  owner    = customer
  service  = [iaas]
  domain   = logging
  resource = onus.aws.s3.Bucket as b
  require  = lookup(onus.aws.cloudtrail.Trail, "trail-" + b.name).is_logging
  message  = "bucket {b.name} has no logging trail"
}
)onus";

// A snapshot whose resource types, accounts and costs are uneven: buckets,
// trails, account resources and a type no policy binds, in an irregular
// order, so that chunks of 256 resources differ in work and an account's
// resources are spread over many chunks. Accounts 333 and 444 have no
// onus.aws.Account resource (they are synthesised); a GCP account gets no
// AWS account policy.
onus::v1::Snapshot UnevenSnapshot(int n) {
  onus::v1::Snapshot s;
  s.set_id("uneven");
  s.mutable_collected_at()->set_seconds(1700000000);
  const char* accounts[] = {"111", "222", "333", "444"};
  for (const char* a : accounts) {
    auto* acct = s.add_accounts();
    acct->set_provider(onus::v1::AWS);
    acct->set_id(a);
  }
  auto* gcp = s.add_accounts();
  gcp->set_provider(onus::v1::GCP);
  gcp->set_id("gcp-project");
  bool account_resource[2] = {false, false};
  for (int i = 0; i < n; ++i) {
    const std::string account = accounts[(i * 7 / 13) % 4];
    const uint32_t k = (static_cast<uint32_t>(i) * 2654435761u >> 9) % 16;
    const std::string id = "b" + std::to_string(i);
    // A bucket named "website" is not applicable to block_public_access.
    const std::string name = i % 97 == 0 ? "website" : id;
    if (k < 8) {
      AddResource(
          &s, "arn:aws:s3:::" + id, "onus.aws.s3.Bucket", account,
          Bucket(name, i % 3 != 0, i % 5 != 0, i % 11 == 0 ? "{not json" : ""));
    } else if (k < 12) {
      // The trail of the previous resource's bucket name, if it was one.
      onus::aws::cloudtrail::Trail t;
      t.set_is_multi_region_trail(i % 4 == 0);
      t.set_is_logging(i % 3 != 0);
      AddResource(&s, "trail-b" + std::to_string(i - 1),
                  "onus.aws.cloudtrail.Trail", account, t.SerializeAsString());
    } else if (k < 13 && (account == "111" || account == "222") &&
               !account_resource[account == "222"]) {
      account_resource[account == "222"] = true;
      onus::aws::Account a;
      a.set_account(account);
      AddResource(&s, account, "onus.aws.Account", account,
                  a.SerializeAsString());
    } else {
      AddResource(&s, "sg-" + std::to_string(i), "onus.aws.ec2.SecurityGroup",
                  account, "");
    }
  }
  return s;
}

// A policy that reads `now`: its outcome tells which time a run used.
constexpr char kTimePolicy[] = R"onus(
package aws.time;

policy collected_after_2010 {
  title    = "The snapshot is recent"
  severity = low
  owner    = customer
  service  = [iaas]
  domain   = logging
  resource = onus.aws.s3.Bucket as b
  require  = now > timestamp("2010-01-01T00:00:00Z")
}
)onus";

std::unique_ptr<PolicyPack> CompilePack(
    const std::vector<std::pair<std::string, std::string>>& sources) {
  lang::DiagnosticList diags;
  auto set = lang::LoadPolicySources(sources, {}, diags);
  EXPECT_TRUE(set.ok()) << set.status();
  if (!set.ok()) return nullptr;
  auto pack = PolicyPack::Compile(*std::move(set), diags);
  EXPECT_TRUE(pack.ok()) << pack.status();
  EXPECT_FALSE(diags.has_errors()) << diags.Render();
  return pack.ok() ? *std::move(pack) : nullptr;
}

// EvaluateSnapshot has two forms: with joins or account-level policies it
// keeps the inventory (every resource found first, then parsed per chunk);
// without, it streams (chunks found as they are claimed, nothing kept).
// Each test runs both.
struct PackCase {
  const char* name;
  bool joins;
};

void PrintTo(const PackCase& c, std::ostream* os) { *os << c.name; }

class EvaluateSnapshotTest : public ::testing::TestWithParam<PackCase> {
 protected:
  void SetUp() override {
    if (GetParam().joins) {
      // kPolicies has an account-level policy with resources(T);
      // kJoinPolicy a lookup(T, id) from every bucket.
      pack_ =
          CompilePack({{"s3.onus", kPolicies}, {"joins.onus", kJoinPolicy}});
      ASSERT_NE(pack_, nullptr);
      ASSERT_EQ(pack_->policies().size(), 4u);
      ASSERT_TRUE(PackUsesJoins(*pack_));
    } else {
      pack_ = CompilePack({{"s3.onus", kPolicies}, {"time.onus", kTimePolicy}});
      ASSERT_NE(pack_, nullptr);
      ASSERT_TRUE(pack_
                      ->Select({"aws.s3.block_public_access",
                                "aws.s3.policy_is_json", "aws.time"})
                      .ok());
      ASSERT_EQ(pack_->policies().size(), 3u);
      ASSERT_FALSE(PackUsesJoins(*pack_));
      ASSERT_TRUE(pack_->AccountLevel().empty());
    }
  }

  std::unique_ptr<PolicyPack> pack_;
};

void ExpectSameFindings(const onus::v1::Report& got,
                        const onus::v1::Report& want) {
  ASSERT_EQ(got.findings_size(), want.findings_size());
  for (int i = 0; i < got.findings_size(); ++i) {
    // The whole finding: order, outcome, message, evidence, reason.
    ASSERT_EQ(got.findings(i).SerializeAsString(),
              want.findings(i).SerializeAsString())
        << "finding " << i << ": " << got.findings(i).ShortDebugString()
        << "\nwant " << want.findings(i).ShortDebugString();
  }
}

void ExpectSameSummary(const onus::v1::Report& got,
                       const onus::v1::Report& want) {
  const auto& gs = got.summary();
  const auto& ws = want.summary();
  EXPECT_EQ(gs.totals().SerializeAsString(), ws.totals().SerializeAsString());
  ASSERT_EQ(gs.by_policy_size(), ws.by_policy_size());
  for (int i = 0; i < gs.by_policy_size(); ++i) {
    EXPECT_EQ(gs.by_policy(i).SerializeAsString(),
              ws.by_policy(i).SerializeAsString());
  }
  ASSERT_EQ(gs.by_severity_size(), ws.by_severity_size());
  for (int i = 0; i < gs.by_severity_size(); ++i) {
    EXPECT_EQ(gs.by_severity(i).SerializeAsString(),
              ws.by_severity(i).SerializeAsString());
  }
  EXPECT_EQ(gs.resources_evaluated(), ws.resources_evaluated());
  EXPECT_EQ(got.snapshot_id(), want.snapshot_id());
}

// Serializes the snapshot with resource `bad` (and `bad2`) replaced by bytes
// that frame correctly but are not a Resource (a field cut short), and the
// header fields optionally after the resources instead of before.
std::string Reassemble(const onus::v1::Snapshot& s, int bad, int bad2,
                       bool header_last = false) {
  onus::v1::Snapshot header = s;
  header.clear_resources();
  std::string out;
  auto append_resource = [&out](const std::string& bytes) {
    out.push_back('\x2a');  // field 5, length-delimited
    size_t n = bytes.size();
    while (n >= 0x80) {
      out.push_back(static_cast<char>(n | 0x80));
      n >>= 7;
    }
    out.push_back(static_cast<char>(n));
    out.append(bytes);
  };
  if (!header_last) out = header.SerializeAsString();
  for (int i = 0; i < s.resources_size(); ++i) {
    append_resource(i == bad || i == bad2 ? std::string("\x0a\x7f", 2)
                                          : s.resources(i).SerializeAsString());
  }
  if (header_last) out += header.SerializeAsString();
  return out;
}

TEST_P(EvaluateSnapshotTest, SameReportAsScanThenEvaluateForAnyThreadCount) {
  const std::string bytes = UnevenSnapshot(3000).SerializeAsString();
  absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
  ASSERT_TRUE(inv.ok()) << inv.status();
  ASSERT_GT(inv->resources().size(), 10 * 256u);  // many chunks
  EvalOptions opts;
  opts.wall_now = absl::FromUnixSeconds(1700000000);
  absl::StatusOr<onus::v1::Report> want = Evaluate(*pack_, *inv, opts);
  ASSERT_TRUE(want.ok()) << want.status();
  // The fixture exercises every outcome (and both kinds of account task).
  const auto& totals = want->summary().totals();
  EXPECT_GT(totals.pass(), 0u);
  EXPECT_GT(totals.fail(), 0u);
  EXPECT_GT(totals.error(), 0u);
  EXPECT_GT(totals.not_applicable(), 0u);
  int accounts = 0;
  for (const auto& f : want->findings()) {
    accounts += f.policy_id() == "aws.s3.multi_region_trail";
  }
  EXPECT_EQ(accounts, GetParam().joins ? 4 : 0);  // 2 resources, 2 made up

  for (int threads : {1, 2, 7}) {
    SCOPED_TRACE(absl::StrCat(threads, " threads"));
    opts.threads = threads;
    absl::StatusOr<onus::v1::Report> got =
        EvaluateSnapshot(*pack_, bytes, opts);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectSameFindings(*got, *want);
    ExpectSameSummary(*got, *want);

    // Evaluate() over a complete inventory agrees too.
    absl::StatusOr<onus::v1::Report> again = Evaluate(*pack_, *inv, opts);
    ASSERT_TRUE(again.ok()) << again.status();
    ExpectSameFindings(*again, *want);

    // Asking for the inventory keeps it (the first form, whatever the
    // pack), whole and with working indexes.
    Inventory scanned;
    absl::StatusOr<onus::v1::Report> kept =
        EvaluateSnapshot(*pack_, bytes, opts, &scanned);
    ASSERT_TRUE(kept.ok()) << kept.status();
    ExpectSameFindings(*kept, *want);
    ASSERT_EQ(scanned.resources().size(), inv->resources().size());
    for (size_t i = 0; i < scanned.resources().size(); ++i) {
      ASSERT_EQ(scanned.resources()[i].raw.data(),
                inv->resources()[i].raw.data());
      ASSERT_EQ(scanned.resources()[i].ordinal, i);
    }
    EXPECT_EQ(scanned.OfType("onus.aws.s3.Bucket"),
              inv->OfType("onus.aws.s3.Bucket"));
    EXPECT_EQ(scanned.accounts(), inv->accounts());
  }
}

TEST_P(EvaluateSnapshotTest, CountsOnlyMatchesTheFullReport) {
  const std::string bytes = UnevenSnapshot(1500).SerializeAsString();
  EvalOptions full;
  absl::StatusOr<onus::v1::Report> want = EvaluateSnapshot(*pack_, bytes, full);
  ASSERT_TRUE(want.ok()) << want.status();
  for (int threads : {1, 2, 7}) {
    SCOPED_TRACE(absl::StrCat(threads, " threads"));
    EvalOptions counts;
    counts.threads = threads;
    counts.detail = FindingDetail::kCountsOnly;
    counts.evidence = false;
    absl::StatusOr<onus::v1::Report> got =
        EvaluateSnapshot(*pack_, bytes, counts);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->findings_size(), 0);
    ExpectSameSummary(*got, *want);
  }
}

TEST_P(EvaluateSnapshotTest, HeaderAfterTheResourcesIsStillUsed) {
  // collected_at (2023) after every resource, and a wall clock of 2000:
  // aws.time passes only if the run used the snapshot's time.
  onus::v1::Snapshot s = UnevenSnapshot(1200);
  s.mutable_collected_at()->set_seconds(1700000000);
  const std::string bytes = Reassemble(s, -1, -1, /*header_last=*/true);
  absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->header().collected_seconds, 1700000000);
  EvalOptions opts;
  opts.wall_now = absl::FromUnixSeconds(946684800);
  absl::StatusOr<onus::v1::Report> want = Evaluate(*pack_, *inv, opts);
  ASSERT_TRUE(want.ok()) << want.status();
  for (int threads : {1, 2, 7}) {
    SCOPED_TRACE(absl::StrCat(threads, " threads"));
    opts.threads = threads;
    absl::StatusOr<onus::v1::Report> got =
        EvaluateSnapshot(*pack_, bytes, opts);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectSameFindings(*got, *want);
    ExpectSameSummary(*got, *want);
    EXPECT_EQ(got->collected_at().seconds(), 1700000000);
    if (!GetParam().joins) {
      const auto& time = got->summary().by_policy(2);
      ASSERT_EQ(time.policy_id(), "aws.time.collected_after_2010");
      EXPECT_GT(time.counts().pass(), 0u);
      EXPECT_EQ(time.counts().fail(), 0u);
    }
  }
}

TEST_P(EvaluateSnapshotTest, MalformedResourceIsTheSerialScansError) {
  const onus::v1::Snapshot s = UnevenSnapshot(2000);
  // Two bad resources in different chunks: the first in snapshot order is
  // reported, whichever thread finds which first.
  const std::string bytes = Reassemble(s, 1100, 1700);
  absl::StatusOr<Inventory> serial = Inventory::FromSnapshotBytes(bytes);
  ASSERT_FALSE(serial.ok());
  EXPECT_THAT(std::string(serial.status().message()),
              HasSubstr("resource #1100: malformed protobuf"));
  // A truncated end after the bad resources does not change the answer.
  const std::string cut = bytes.substr(0, bytes.size() - 3);
  absl::StatusOr<Inventory> cut_serial = Inventory::FromSnapshotBytes(cut);
  EXPECT_EQ(cut_serial.status(), serial.status());
  const std::string good = s.SerializeAsString();
  const std::string truncated = good.substr(0, good.size() - 3);
  for (int threads : {1, 2, 7}) {
    SCOPED_TRACE(absl::StrCat(threads, " threads"));
    EvalOptions opts;
    opts.threads = threads;
    for (const std::string* b : {&bytes, &cut}) {
      absl::StatusOr<onus::v1::Report> r = EvaluateSnapshot(*pack_, *b, opts);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status(), serial.status());
    }
    // A truncated snapshot without a bad resource: the top level is named.
    absl::StatusOr<onus::v1::Report> r =
        EvaluateSnapshot(*pack_, truncated, opts);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(std::string(r.status().message()),
                HasSubstr("malformed protobuf: onus.v1.Snapshot"));
  }
}

TEST_P(EvaluateSnapshotTest, EmptySnapshot) {
  const std::string bytes = UnevenSnapshot(0).SerializeAsString();
  for (int threads : {1, 2}) {
    EvalOptions opts;
    opts.threads = threads;
    absl::StatusOr<onus::v1::Report> r = EvaluateSnapshot(*pack_, bytes, opts);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->snapshot_id(), "uneven");
    if (!GetParam().joins) {
      EXPECT_EQ(r->findings_size(), 0);
      continue;
    }
    // One synthesised account per AWS account of the header, all failing
    // (no trail anywhere).
    ASSERT_EQ(r->findings_size(), 4);
    for (const auto& f : r->findings()) {
      EXPECT_EQ(f.outcome(), onus::v1::FAIL);
    }
    EXPECT_EQ(r->findings(0).resource_id(), "111");
    EXPECT_EQ(r->findings(3).resource_id(), "444");
  }
}

INSTANTIATE_TEST_SUITE_P(BothForms, EvaluateSnapshotTest,
                         ::testing::Values(PackCase{"kept_inventory", true},
                                           PackCase{"streamed", false}),
                         [](const auto& info) { return info.param.name; });

// Policies of one type without `when` (with kPolicies' policy_is_json,
// which errors on bad JSON): a counts-only run evaluates them as one batch
// (RunBatch), one by one otherwise. An error or an exhausted budget in one
// of them must not leak into the next.
constexpr char kBatchPolicies[] = R"onus(
package aws.batch;

policy acls {
  title    = "ACLs blocked"
  severity = high
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  resource = onus.aws.s3.Bucket as b
  require  = b.public_access_block_configuration.block_public_acls
}

policy loop {
  title    = "A loop that a small budget cuts short"
  severity = medium
  owner    = customer
  service  = [iaas]
  domain   = logging
  resource = onus.aws.s3.Bucket as b
  require  = [1, 2, 3, 4, 5, 6, 7, 8].all(i, i > 0 && b.name != "open")
}

policy versioned_recently {
  title    = "Versioned, and the snapshot is recent"
  severity = critical
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  resource = onus.aws.s3.Bucket as b
  require  = b.versioning.status == "Enabled"
          && now > timestamp("2010-01-01T00:00:00Z")
}
)onus";

TEST_F(EvaluatorTest, BatchedCountsMatchOneByOneOutcomes) {
  std::unique_ptr<PolicyPack> pack =
      CompilePack({{"s3.onus", kPolicies}, {"b.onus", kBatchPolicies}});
  ASSERT_NE(pack, nullptr);
  ASSERT_TRUE(pack->Select({"aws.batch.acls", "aws.s3.policy_is_json",
                            "aws.batch.loop", "aws.batch.versioned_recently"})
                  .ok());
  ASSERT_EQ(pack->policies().size(), 4u);
  for (int64_t budget : {int64_t{1'000'000}, int64_t{20}}) {
    SCOPED_TRACE(absl::StrCat("instruction budget ", budget));
    EvalOptions full;
    full.detail = FindingDetail::kAll;
    full.instruction_budget = budget;
    auto want = Evaluate(*pack, *inv_, full);
    ASSERT_TRUE(want.ok()) << want.status();
    EvalOptions counts = full;
    counts.detail = FindingDetail::kCountsOnly;
    counts.evidence = false;
    auto got = Evaluate(*pack, *inv_, counts);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectSameSummary(*got, *want);
    // The run covers every outcome the batch can give.
    std::map<std::string, onus::v1::Outcome> by_pair;
    for (const auto& f : want->findings()) {
      by_pair[f.policy_id() + " " + f.resource_id()] = f.outcome();
    }
    EXPECT_EQ(by_pair["aws.s3.policy_is_json arn:aws:s3:::badjson"],
              onus::v1::ERROR);
    EXPECT_EQ(by_pair["aws.batch.acls arn:aws:s3:::open"], onus::v1::FAIL);
    EXPECT_EQ(by_pair["aws.batch.versioned_recently arn:aws:s3:::good"],
              onus::v1::PASS);
    EXPECT_EQ(by_pair["aws.batch.loop arn:aws:s3:::good"],
              budget == 20 ? onus::v1::ERROR : onus::v1::PASS);
  }
}

TEST_F(EvaluatorTest, ExhaustedBudgetIsAnErrorNotAPass) {
  EvalOptions opts;
  opts.instruction_budget = 1;
  opts.iteration_budget = 0;
  auto report = Evaluate(*pack_, *inv_, opts);
  const auto* a = Find(*report, "aws.s3.multi_region_trail", "111");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->outcome(), onus::v1::ERROR);
}

// Compiling and evaluating an expression as deep as the front end allows
// must not depend on the caller's stack: the recursive stages run on a stack
// of their own (lang/large_stack.h). 256 KiB is below any common default.
TEST_F(EvaluatorTest, DeepPolicyCompilesAndRunsFromASmallStack) {
  const Inventory& inv = *inv_;
  ASSERT_TRUE(lang::RunWithStack(256 * 1024, [&inv] {
    // 498 negations (lang/frontend_test.cc, kDeepestChain): about 1000
    // levels once inlined, an even count so `!` cancels out.
    constexpr int kChain = 498;
    std::string text = "package deep;\n";
    for (int i = 0; i < kChain; ++i) {
      absl::StrAppend(&text, "fn f", i, "(x) = !f", i + 1, "(x);\n");
    }
    absl::StrAppend(&text, "fn f", kChain, "(x) = x;\n",
                    "policy named_good {\n"
                    "  resource = onus.aws.s3.Bucket as b\n"
                    "  require = f0(b.name == 'good')\n}\n");
    std::unique_ptr<PolicyPack> pack = CompilePack({{"d.onus", text}});
    if (pack == nullptr) return;
    auto report = Evaluate(*pack, inv, EvalOptions());
    std::map<std::string, onus::v1::Outcome> outcome;
    for (const auto& f : report->findings()) {
      if (f.policy_id() == "deep.named_good") {
        outcome[f.resource_id()] = f.outcome();
      }
    }
    EXPECT_EQ(outcome["arn:aws:s3:::good"], onus::v1::PASS);
    EXPECT_EQ(outcome["arn:aws:s3:::open"], onus::v1::FAIL);
  }));
}

TEST_F(EvaluatorTest, SelectionMatchingNoPolicyIsAnErrorNamingIt) {
  absl::Status st =
      pack_->Select({"aws.s3", "aws.s3.block_public_acess", "aws.nope"});
  EXPECT_TRUE(absl::IsInvalidArgument(st)) << st;
  EXPECT_THAT(st.message(), HasSubstr("`aws.s3.block_public_acess` matches "
                                      "none of the 3 loaded policies"));
  EXPECT_THAT(st.message(), HasSubstr("did you mean "
                                      "`aws.s3.block_public_access`?"));
  EXPECT_EQ(pack_->policies().size(), 3u);  // unchanged
  ASSERT_TRUE(pack_->Select({"aws.s3.", "aws.s3.multi*"}).ok());
  EXPECT_EQ(pack_->policies().size(), 3u);
  ASSERT_TRUE(pack_->Select({"aws.s3.block_public_access"}).ok());
  EXPECT_EQ(pack_->policies().size(), 1u);
}

TEST(GlobTest, Matches) {
  EXPECT_TRUE(GlobMatch("arn:aws:s3:::*", "arn:aws:s3:::b"));
  EXPECT_TRUE(GlobMatch("*prod*", "my-prod-bucket"));
  EXPECT_FALSE(GlobMatch("*prod", "my-prod-bucket"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYc"));
}

}  // namespace
}  // namespace onus::engine
