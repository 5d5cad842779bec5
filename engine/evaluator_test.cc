#include "engine/evaluator.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
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

TEST_F(EvaluatorTest, ExhaustedBudgetIsAnErrorNotAPass) {
  EvalOptions opts;
  opts.instruction_budget = 1;
  opts.iteration_budget = 0;
  auto report = Evaluate(*pack_, *inv_, opts);
  const auto* a = Find(*report, "aws.s3.multi_region_trail", "111");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->outcome(), onus::v1::ERROR);
}

TEST(GlobTest, Matches) {
  EXPECT_TRUE(GlobMatch("arn:aws:s3:::*", "arn:aws:s3:::b"));
  EXPECT_TRUE(GlobMatch("*prod*", "my-prod-bucket"));
  EXPECT_FALSE(GlobMatch("*prod", "my-prod-bucket"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYc"));
}

}  // namespace
}  // namespace onus::engine
