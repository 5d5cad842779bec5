#include "generator.h"

#include <cstdint>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "rules.h"

namespace onus::bench::cspm {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;

// The first draws of mulberry32 as Node computes them (common.mjs, multiplied
// by 2^32): seed 42 is the workload's seed; 0xffffffff exercises the wrap.
TEST(Mulberry32Test, MatchesNodeSequence) {
  Mulberry32 r(42);
  EXPECT_EQ(r.Next() * 4294967296.0, 2581720956.0);
  EXPECT_EQ(r.Next() * 4294967296.0, 1925393290.0);
  EXPECT_EQ(r.Next() * 4294967296.0, 3661312704.0);
  Mulberry32 w(0xffffffffu);
  EXPECT_EQ(w.Next() * 4294967296.0, 3850105811.0);
  EXPECT_EQ(w.Next() * 4294967296.0, 813802916.0);
}

TEST(GeneratorTest, LayoutIsFortyThirtyThirty) {
  const Inventory inv = GenInventory(1013);
  // 101 full decades, then i % 10 in {0, 1, 2}: three more buckets.
  EXPECT_EQ(inv.s3_buckets.size(), 101u * 4 + 3);
  EXPECT_EQ(inv.security_groups.size(), 101u * 3);
  EXPECT_EQ(inv.iam_users.size(), 101u * 3);
  EXPECT_EQ(inv.resources(), 1010 + 3);
  EXPECT_EQ(inv.s3_buckets[0].name(), "bucket-0000000");
  EXPECT_EQ(inv.security_groups[0].id(), "sg-0000004");
  EXPECT_EQ(inv.iam_users[0].arn(),
            "arn:aws:iam::123456789012:user/user-0000007");
  EXPECT_EQ(CountRuleEvals(inv), CountRuleEvals(int64_t{1013}));
}

TEST(GeneratorTest, ValuesStayInTheirDomains) {
  const Inventory inv = GenInventory(5000);
  for (const SecurityGroup& sg : inv.security_groups) {
    ASSERT_GE(sg.ingress_size(), 1);
    ASSERT_LE(sg.ingress_size(), 6);
    for (const IngressRule& r : sg.ingress()) {
      ASSERT_LE(r.from_port(), r.to_port());
      if (r.protocol() == "-1") {
        ASSERT_EQ(r.to_port(), 65535);
      }
    }
  }
  for (const IamUser& u : inv.iam_users) {
    ASSERT_LE(u.access_keys_size(), 2);
    ASSERT_EQ(u.groups_size(), 1);
  }
  for (const S3Bucket& b : inv.s3_buckets) {
    ASSERT_GE(b.created_at(), 1600000000);
    ASSERT_LT(b.created_at(), 1700000000);
    ASSERT_LE(b.tags_size(), 6);
  }
}

TEST(GeneratorTest, StreamingMatchesGrouped) {
  const Inventory inv = GenInventory(200);
  InventoryGenerator gen;
  S3Bucket s3;
  SecurityGroup sg;
  IamUser user;
  size_t n[kNumGroups] = {};
  for (int i = 0; i < 200; ++i) {
    switch (gen.Next(&s3, &sg, &user)) {
      case Group::kS3Buckets:
        ASSERT_TRUE(MessageDifferencer::Equals(s3, inv.s3_buckets[n[0]++]));
        break;
      case Group::kSecurityGroups:
        ASSERT_TRUE(
            MessageDifferencer::Equals(sg, inv.security_groups[n[1]++]));
        break;
      case Group::kIamUsers:
        ASSERT_TRUE(MessageDifferencer::Equals(user, inv.iam_users[n[2]++]));
        break;
    }
  }
  EXPECT_EQ(gen.index(), 200);
}

// The workload's published answer (/work/shared/bench/README.md): every
// engine, JavaScript or not, agrees on these at N=100,000.
TEST(ReferenceTest, FailCountsAt100kMatchReadme) {
  const Inventory inv = GenInventory(100000);
  EXPECT_EQ(inv.resources(), 100000);
  EXPECT_EQ(CountRuleEvals(inv), 340000);
  EXPECT_THAT(ReferenceFailCounts(inv),
              ElementsAre(16172, 5875, 15103, 20612, 5716, 4439, 4803, 5446,
                          14679, 6335));
}

TEST(ReferenceTest, HandWrittenChecksOnCraftedResources) {
  FailCounts f{};
  S3Bucket good;
  good.set_acl("private");
  auto* pab = good.mutable_public_access_block();
  pab->set_block_public_acls(true);
  pab->set_ignore_public_acls(true);
  pab->set_block_public_policy(true);
  pab->set_restrict_public_buckets(true);
  good.mutable_encryption()->set_algorithm("aws:kms");
  good.mutable_versioning()->set_status("Enabled");
  (*good.mutable_tags())["owner"] = "o";
  (*good.mutable_tags())["env"] = "prod";
  (*good.mutable_tags())["cost_center"] = "c";
  good.mutable_versioning()->set_mfa_delete(true);
  CheckS3Bucket(good, &f);
  EXPECT_THAT(f, ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 0, 0));

  S3Bucket bad = good;
  bad.set_acl("public-read-write");
  bad.mutable_encryption()->clear_algorithm();
  bad.mutable_versioning()->set_mfa_delete(false);  // prod without MFA delete
  (*bad.mutable_tags())["env"] = "test";            // not an allowed env
  CheckS3Bucket(bad, &f);
  // env=test is not prod, so versioning passes; required tags fail.
  EXPECT_THAT(f, ElementsAre(1, 1, 0, 1, 0, 0, 0, 0, 0, 0));

  SecurityGroup sg;
  auto* r = sg.add_ingress();
  r->set_cidr("::/0");
  r->set_protocol("tcp");
  r->set_from_port(20);
  r->set_to_port(23);
  CheckSecurityGroup(sg, &f);
  EXPECT_THAT(f, ElementsAre(1, 1, 0, 1, 1, 0, 0, 0, 0, 0));

  IamUser u;
  u.set_console_access(true);
  for (int age : {91, 10}) {
    auto* k = u.add_access_keys();
    k->set_active(true);
    k->set_age_days(age);
  }
  CheckIamUser(u, &f);
  EXPECT_THAT(f, ElementsAre(1, 1, 0, 1, 1, 0, 0, 1, 1, 1));
}

}  // namespace
}  // namespace onus::bench::cspm
