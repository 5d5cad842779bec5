#include "rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace onus::bench::cspm {
namespace {

bool WorldOpen(const IngressRule& i) {
  return i.cidr() == "0.0.0.0/0" || i.cidr() == "::/0";
}

// !ingress.exists(world-open && (all protocols || tcp range covers port))
bool NoWorldPort(const SecurityGroup& sg, int port) {
  for (const IngressRule& i : sg.ingress()) {
    if (WorldOpen(i) && (i.protocol() == "-1" ||
                         (i.protocol() == "tcp" && i.from_port() <= port &&
                          i.to_port() >= port)))
      return false;
  }
  return true;
}

}  // namespace

const Rules& CspmRules() {
  static const Rules* rules = new Rules{
      {"s3_no_public_access", Group::kS3Buckets,
       "!(r.acl in ['public-read', 'public-read-write']) && "
       "r.public_access_block.block_public_acls && "
       "r.public_access_block.ignore_public_acls && "
       "r.public_access_block.block_public_policy && "
       "r.public_access_block.restrict_public_buckets"},
      {"s3_encrypted", Group::kS3Buckets,
       "r.encryption.algorithm in ['AES256', 'aws:kms']"},
      {"s3_versioning", Group::kS3Buckets,
       "r.versioning.status == 'Enabled' && (!('env' in r.tags) || "
       "r.tags['env'] != 'prod' || r.versioning.mfa_delete)"},
      {"s3_required_tags", Group::kS3Buckets,
       "'owner' in r.tags && 'env' in r.tags && r.tags['env'] in ['prod', "
       "'staging', 'dev'] && 'cost_center' in r.tags"},
      {"sg_no_world_ssh", Group::kSecurityGroups,
       "!r.ingress.exists(i, (i.cidr == '0.0.0.0/0' || i.cidr == '::/0') && "
       "(i.protocol == '-1' || (i.protocol == 'tcp' && i.from_port <= 22 && "
       "i.to_port >= 22)))"},
      {"sg_no_world_rdp", Group::kSecurityGroups,
       "!r.ingress.exists(i, (i.cidr == '0.0.0.0/0' || i.cidr == '::/0') && "
       "(i.protocol == '-1' || (i.protocol == 'tcp' && i.from_port <= 3389 && "
       "i.to_port >= 3389)))"},
      {"sg_no_wide_world_range", Group::kSecurityGroups,
       "r.ingress.all(i, !(i.cidr == '0.0.0.0/0' || i.cidr == '::/0') || "
       "(i.protocol != '-1' && i.to_port - i.from_port < 1000))"},
      {"iam_console_mfa", Group::kIamUsers,
       "!r.console_access || r.mfa_enabled"},
      {"iam_key_rotation_90d", Group::kIamUsers,
       "r.access_keys.all(k, !k.active || k.age_days <= 90)"},
      {"iam_max_one_active_key", Group::kIamUsers,
       "size(r.access_keys.filter(k, k.active)) <= 1"},
  };
  return *rules;
}

void CheckS3Bucket(const S3Bucket& b, FailCounts* fails) {
  const PublicAccessBlock& pab = b.public_access_block();
  const bool no_public =
      !(b.acl() == "public-read" || b.acl() == "public-read-write") &&
      pab.block_public_acls() && pab.ignore_public_acls() &&
      pab.block_public_policy() && pab.restrict_public_buckets();
  if (!no_public) ++(*fails)[0];

  const std::string& alg = b.encryption().algorithm();
  if (!(alg == "AES256" || alg == "aws:kms")) ++(*fails)[1];

  const auto& tags = b.tags();
  auto env = tags.find("env");
  const bool has_env = env != tags.end();
  const bool versioned =
      b.versioning().status() == "Enabled" &&
      (!has_env || env->second != "prod" || b.versioning().mfa_delete());
  if (!versioned) ++(*fails)[2];

  const bool tagged = tags.contains("owner") && has_env &&
                      (env->second == "prod" || env->second == "staging" ||
                       env->second == "dev") &&
                      tags.contains("cost_center");
  if (!tagged) ++(*fails)[3];
}

void CheckSecurityGroup(const SecurityGroup& sg, FailCounts* fails) {
  if (!NoWorldPort(sg, 22)) ++(*fails)[4];
  if (!NoWorldPort(sg, 3389)) ++(*fails)[5];
  bool narrow = true;
  for (const IngressRule& i : sg.ingress()) {
    if (WorldOpen(i) &&
        !(i.protocol() != "-1" && i.to_port() - i.from_port() < 1000)) {
      narrow = false;
      break;
    }
  }
  if (!narrow) ++(*fails)[6];
}

void CheckIamUser(const IamUser& u, FailCounts* fails) {
  if (u.console_access() && !u.mfa_enabled()) ++(*fails)[7];
  bool rotated = true;
  int active = 0;
  for (const AccessKey& k : u.access_keys()) {
    if (k.active()) {
      ++active;
      if (k.age_days() > 90) rotated = false;
    }
  }
  if (!rotated) ++(*fails)[8];
  if (active > 1) ++(*fails)[9];
}

FailCounts ReferenceFailCounts(const Inventory& inv) {
  FailCounts fails{};
  for (const S3Bucket& b : inv.s3_buckets) CheckS3Bucket(b, &fails);
  for (const SecurityGroup& sg : inv.security_groups) {
    CheckSecurityGroup(sg, &fails);
  }
  for (const IamUser& u : inv.iam_users) CheckIamUser(u, &fails);
  return fails;
}

int64_t CountRuleEvals(const Inventory& inv) {
  int64_t evals = 0;
  for (const Rule& r : CspmRules()) evals += inv.size(r.group);
  return evals;
}

int64_t CountRuleEvals(int64_t n) {
  // Resource i is an S3 bucket when i % 10 is 0..3, a security group when
  // 4..6, an IAM user when 7..9 (genInventory's layout).
  int64_t per_group[kNumGroups] = {};
  const int64_t full = n / 10, rest = n % 10;
  per_group[0] = full * 4 + std::min<int64_t>(rest, 4);
  per_group[1] =
      full * 3 + std::max<int64_t>(0, std::min<int64_t>(rest, 7) - 4);
  per_group[2] = full * 3 + std::max<int64_t>(0, rest - 7);
  int64_t evals = 0;
  for (const Rule& r : CspmRules())
    evals += per_group[static_cast<int>(r.group)];
  return evals;
}

std::string FormatFailCounts(const FailCounts& counts) {
  const Rules& rules = CspmRules();
  std::vector<std::string> parts;
  for (int i = 0; i < kNumRules; ++i) {
    parts.push_back(absl::StrCat(rules[i].id, " ", counts[i]));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace onus::bench::cspm
