#include "generator.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace onus::bench::cspm {
namespace {

constexpr absl::string_view kRegions[] = {"us-east-1", "us-west-2", "eu-west-1",
                                          "eu-central-1", "ap-southeast-2"};
constexpr int kPorts[][2] = {
    {22, 22},     {80, 80},   {443, 443},   {3389, 3389}, {5432, 5432},
    {8080, 8080}, {0, 65535}, {1024, 2048}, {20, 23},     {3306, 3306}};
constexpr absl::string_view kEnvs[] = {"prod", "staging", "dev", "test"};

// Math.floor(rnd() * k) for the small k used here: rnd() < 1, so the product
// is in [0, k) and the floor fits an int64.
int64_t Floor(double x) { return static_cast<int64_t>(std::floor(x)); }

}  // namespace

double Mulberry32::Next() {
  a_ += 0x6d2b79f5u;
  uint32_t t = a_;
  t = (t ^ (t >> 15)) * (t | 1u);
  // JS adds two int32s as doubles, then ToInt32 in `^=` keeps the low 32
  // bits: the same as a wrapping uint32 addition.
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
}

absl::string_view GroupName(Group g) {
  switch (g) {
    case Group::kS3Buckets:
      return "s3_buckets";
    case Group::kSecurityGroups:
      return "security_groups";
    case Group::kIamUsers:
      return "iam_users";
  }
  return "";
}

absl::string_view GroupMessageName(Group g) {
  switch (g) {
    case Group::kS3Buckets:
      return "onus.bench.cspm.S3Bucket";
    case Group::kSecurityGroups:
      return "onus.bench.cspm.SecurityGroup";
    case Group::kIamUsers:
      return "onus.bench.cspm.IamUser";
  }
  return "";
}

int64_t Inventory::size(Group g) const {
  switch (g) {
    case Group::kS3Buckets:
      return static_cast<int64_t>(s3_buckets.size());
    case Group::kSecurityGroups:
      return static_cast<int64_t>(security_groups.size());
    case Group::kIamUsers:
      return static_cast<int64_t>(iam_users.size());
  }
  return 0;
}

Group InventoryGenerator::Next(S3Bucket* s3, SecurityGroup* sg, IamUser* user) {
  const int64_t i = next_++;
  const int k = static_cast<int>(i % 10);
  // String(i).padStart(7, "0").
  const std::string id = absl::StrFormat("%07d", i);
  if (k <= 3) {
    s3->Clear();
    FillS3(id, s3);
    return Group::kS3Buckets;
  }
  if (k <= 6) {
    sg->Clear();
    FillSg(id, sg);
    return Group::kSecurityGroups;
  }
  user->Clear();
  FillIam(id, user);
  return Group::kIamUsers;
}

// Every Rnd() below is in the order common.mjs evaluates it, including the
// order of properties inside the object literal it pushes.
void InventoryGenerator::FillS3(absl::string_view id, S3Bucket* b) {
  const double u = Rnd();
  const char* acl = u < 0.85   ? "private"
                    : u < 0.92 ? "public-read"
                    : u < 0.95 ? "public-read-write"
                               : "authenticated-read";
  const double e = Rnd();
  auto& tags = *b->mutable_tags();
  if (Rnd() < 0.9) tags["owner"] = absl::StrCat("team-", Floor(Rnd() * 50));
  if (Rnd() < 0.9) tags["env"] = std::string(kEnvs[Floor(Rnd() * 4)]);
  if (Rnd() < 0.8)
    tags["cost_center"] = absl::StrCat("cc-", Floor(Rnd() * 200));
  const int64_t extra = Floor(Rnd() * 4);
  for (int64_t j = 0; j < extra; ++j) {
    tags[absl::StrCat("k", j)] = absl::StrCat("v", Floor(Rnd() * 10));
  }
  const double v = Rnd();
  b->set_name(absl::StrCat("bucket-", id));
  b->set_arn(absl::StrCat("arn:aws:s3:::bucket-", id));
  b->set_region(std::string(kRegions[Floor(Rnd() * 5)]));
  b->set_created_at(1600000000 + Floor(Rnd() * 100000000));
  b->set_acl(acl);
  PublicAccessBlock* pab = b->mutable_public_access_block();
  pab->set_block_public_acls(Rnd() < 0.9);
  pab->set_ignore_public_acls(Rnd() < 0.9);
  pab->set_block_public_policy(Rnd() < 0.9);
  pab->set_restrict_public_buckets(Rnd() < 0.9);
  b->mutable_encryption()->set_algorithm(e < 0.7    ? "AES256"
                                         : e < 0.85 ? "aws:kms"
                                                    : "");
  Versioning* ver = b->mutable_versioning();
  ver->set_status(v < 0.7 ? "Enabled" : v < 0.85 ? "Suspended" : "");
  ver->set_mfa_delete(Rnd() < 0.5);
}

void InventoryGenerator::FillSg(absl::string_view id, SecurityGroup* sg) {
  const int64_t n_ing = 1 + Floor(Rnd() * 6);
  for (int64_t j = 0; j < n_ing; ++j) {
    IngressRule* r = sg->add_ingress();
    const double c = Rnd();
    if (c < 0.15) {
      r->set_cidr("0.0.0.0/0");
    } else if (c < 0.18) {
      r->set_cidr("::/0");
    } else {
      const int64_t b1 = Floor(Rnd() * 256);
      const int64_t b2 = Floor(Rnd() * 256);
      r->set_cidr(absl::StrCat("10.", b1, ".", b2, ".0/24"));
    }
    const double p = Rnd();
    const char* protocol = p < 0.1 ? "-1" : p < 0.9 ? "tcp" : "udp";
    r->set_protocol(protocol);
    if (p < 0.1) {
      r->set_from_port(0);
      r->set_to_port(65535);
    } else {
      const int* ports = kPorts[Floor(Rnd() * 10)];
      r->set_from_port(ports[0]);
      r->set_to_port(ports[1]);
    }
  }
  sg->set_id(absl::StrCat("sg-", id));
  sg->set_name(absl::StrCat("sg-name-", id));
  sg->set_vpc_id(absl::StrCat("vpc-", Floor(Rnd() * 1000)));
  sg->set_region(std::string(kRegions[Floor(Rnd() * 5)]));
}

void InventoryGenerator::FillIam(absl::string_view id, IamUser* u) {
  const int64_t n_keys = Floor(Rnd() * 3);
  for (int64_t j = 0; j < n_keys; ++j) {
    AccessKey* key = u->add_access_keys();
    key->set_id(absl::StrCat("AKIA", id, j));
    key->set_age_days(static_cast<int32_t>(Floor(Rnd() * 400)));
    key->set_active(Rnd() < 0.8);
  }
  u->set_name(absl::StrCat("user-", id));
  u->set_arn(absl::StrCat("arn:aws:iam::123456789012:user/user-", id));
  u->set_console_access(Rnd() < 0.6);
  u->set_mfa_enabled(Rnd() < 0.7);
  u->add_groups(absl::StrCat("g", Floor(Rnd() * 20)));
}

Inventory GenInventory(int64_t n, uint32_t seed) {
  Inventory inv;
  inv.s3_buckets.reserve(n * 4 / 10 + 1);
  inv.security_groups.reserve(n * 3 / 10 + 1);
  inv.iam_users.reserve(n * 3 / 10 + 1);
  InventoryGenerator gen(seed);
  S3Bucket s3;
  SecurityGroup sg;
  IamUser user;
  for (int64_t i = 0; i < n; ++i) {
    switch (gen.Next(&s3, &sg, &user)) {
      case Group::kS3Buckets:
        inv.s3_buckets.push_back(std::move(s3));
        break;
      case Group::kSecurityGroups:
        inv.security_groups.push_back(std::move(sg));
        break;
      case Group::kIamUsers:
        inv.iam_users.push_back(std::move(user));
        break;
    }
  }
  return inv;
}

}  // namespace onus::bench::cspm
