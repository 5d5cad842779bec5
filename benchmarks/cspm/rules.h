// The 10 CSPM rules of /work/shared/bench/rules.json (CEL text, variable `r`)
// and their hand-written C++ equivalents over the generated classes. The
// hand-written checks are the reference for fail counts and baseline (b).
#ifndef ONUS_BENCHMARKS_CSPM_RULES_H_
#define ONUS_BENCHMARKS_CSPM_RULES_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cspm.pb.h"
#include "generator.h"

namespace onus::bench::cspm {

struct Rule {
  absl::string_view id;
  Group group;
  absl::string_view cel;  // a CEL boolean over `r`; true means compliant
};
using Rules = std::vector<Rule>;

inline constexpr int kNumRules = 10;

// The rules in rules.json order; FailCounts below are indexed the same way.
const Rules& CspmRules();

// Failing resources per rule, indexed like CspmRules().
using FailCounts = std::array<int64_t, kNumRules>;

// Hand-written checks: each adds the rules the resource fails to `fails`.
// Indices 0-3 are the S3 rules, 4-6 security groups, 7-9 IAM users.
void CheckS3Bucket(const S3Bucket& b, FailCounts* fails);
void CheckSecurityGroup(const SecurityGroup& sg, FailCounts* fails);
void CheckIamUser(const IamUser& u, FailCounts* fails);

// The reference result: the hand-written checks over a whole inventory.
FailCounts ReferenceFailCounts(const Inventory& inv);

// Rule evaluations one pass performs: each rule once per resource of its
// group (340,000 at N=100,000).
int64_t CountRuleEvals(const Inventory& inv);
int64_t CountRuleEvals(int64_t n);  // same, from the resource count alone

// "s3_no_public_access 16172, s3_encrypted 5875, ..." in rule order.
std::string FormatFailCounts(const FailCounts& counts);

}  // namespace onus::bench::cspm

#endif  // ONUS_BENCHMARKS_CSPM_RULES_H_
