// A C++ port of genInventory(n, seed) from /work/shared/bench/common.mjs: the
// same mulberry32 sequence, consumed by the same rnd() calls in the same
// order, so resource i here is byte for byte the resource i the JavaScript
// peers evaluate. Any change to the draw order silently changes the fail
// counts, which is why generator_test pins them.
#ifndef ONUS_BENCHMARKS_CSPM_GENERATOR_H_
#define ONUS_BENCHMARKS_CSPM_GENERATOR_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "cspm.pb.h"

namespace onus::bench::cspm {

// mulberry32 as common.mjs writes it. JavaScript computes it with 32-bit
// unsigned/Math.imul arithmetic; uint32_t wrap-around gives the same bits,
// and the result (a uint32 divided by 2^32) is exact in a double.
class Mulberry32 {
 public:
  explicit Mulberry32(uint32_t seed) : a_(seed) {}
  double Next();

 private:
  uint32_t a_;
};

// The inventory groups, in the order common.mjs's GROUPS lists them.
enum class Group { kS3Buckets = 0, kSecurityGroups = 1, kIamUsers = 2 };
inline constexpr int kNumGroups = 3;

// "s3_buckets", "security_groups", "iam_users": the keys of the JSON form.
absl::string_view GroupName(Group g);
// Fully qualified message name, e.g. "onus.bench.cspm.S3Bucket".
absl::string_view GroupMessageName(Group g);

// Produces resources 0, 1, 2, ... one at a time, so that a 1,000,000-resource
// stream can be written without holding the inventory in memory.
class InventoryGenerator {
 public:
  explicit InventoryGenerator(uint32_t seed = 42) : rnd_(seed) {}

  // Generates the next resource into the message of its group (cleared
  // first; the other two are left untouched) and returns that group.
  Group Next(S3Bucket* s3, SecurityGroup* sg, IamUser* user);

  int64_t index() const { return next_; }

 private:
  double Rnd() { return rnd_.Next(); }
  void FillS3(absl::string_view id, S3Bucket* b);
  void FillSg(absl::string_view id, SecurityGroup* sg);
  void FillIam(absl::string_view id, IamUser* u);

  Mulberry32 rnd_;
  int64_t next_ = 0;
};

// The whole inventory, grouped by type as genInventory returns it.
struct Inventory {
  std::vector<S3Bucket> s3_buckets;
  std::vector<SecurityGroup> security_groups;
  std::vector<IamUser> iam_users;

  int64_t resources() const {
    return static_cast<int64_t>(s3_buckets.size() + security_groups.size() +
                                iam_users.size());
  }
  int64_t size(Group g) const;
};

Inventory GenInventory(int64_t n, uint32_t seed = 42);

}  // namespace onus::bench::cspm

#endif  // ONUS_BENCHMARKS_CSPM_GENERATOR_H_
