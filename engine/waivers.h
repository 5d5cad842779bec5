// Waivers: loading, validation and matching (proto/onus/v1/waiver.proto).
#ifndef ONUS_ENGINE_WAIVERS_H_
#define ONUS_ENGINE_WAIVERS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "onus/v1/waiver.pb.h"

namespace onus::engine {

class Waivers {
 public:
  Waivers() = default;
  // Validates every waiver: id present and unique, at least one policy, an
  // expiry. Errors name the waiver (index and id) and the field.
  static absl::StatusOr<Waivers> FromProto(const onus::v1::WaiverFile& file);
  // Text format (.textproto, .txtpb, .pbtxt) or JSON (.json), by extension.
  // Text-format errors carry file:line:col.
  static absl::StatusOr<Waivers> Load(const std::string& path);

  // The waiver covering (policy, resource, account, tags): the first one
  // still in force at `now`, else the first expired one (so the report can
  // say an expired waiver no longer applies), else null. `tags` are the
  // resource's (key, value) pairs.
  const onus::v1::Waiver* Match(
      absl::string_view policy_id, absl::string_view resource_id,
      absl::string_view account,
      const std::vector<std::pair<absl::string_view, absl::string_view>>& tags,
      absl::Time now) const;

  static bool Expired(const onus::v1::Waiver& w, absl::Time now);

  // One line per `policies` entry that matches none of `policy_ids` (a
  // typo, or a policy since renamed), naming the waiver and the pattern,
  // with a did-you-mean: such a waiver never applies. Warnings, not
  // errors: one waiver file may serve several packs.
  std::vector<std::string> UnmatchedPolicies(
      const std::vector<std::string>& policy_ids) const;
  const onus::v1::WaiverFile& file() const { return file_; }
  bool empty() const { return file_.waivers().empty(); }

 private:
  onus::v1::WaiverFile file_;
};

// `*` matches any run of characters (including none); everything else is
// literal. Iterative with backtracking on the last star: linear in practice
// and no recursion.
bool GlobMatch(absl::string_view pattern, absl::string_view text);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_WAIVERS_H_
