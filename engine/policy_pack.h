// A compiled policy pack: every policy of a set of .onus files as bytecode,
// with its metadata, ready for the evaluator.
//
// Per policy the pack holds the `when` and `require` programs, one program
// per `{expr}` of the message, and evidence probes: `require` split into its
// top-level conjuncts (a && b && c), each compiled on its own, plus the
// operands of each comparison. Probes run only for a FAIL, so evidence is
// always on and costs nothing on the passing path.
//
// Variables of every program: r0 = the resource (typed message, or the
// account view for account-level policies), r1 = `now`.
#ifndef ONUS_ENGINE_POLICY_PACK_H_
#define ONUS_ENGINE_POLICY_PACK_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/bytecode.h"
#include "engine/message_type.h"
#include "lang/diagnostics.h"
#include "lang/frontend.h"
#include "onus/v1/policy.pb.h"

namespace onus::engine {

// One sub-expression of `require` whose value explains a failure.
struct Probe {
  std::string text;  // the sub-expression as source (Unparse)
  lang::Span span;
  Program program;
  // Comparison operands (`a == b` -> a, b; `!x` -> x), shown as observed
  // values when this probe decides the failure.
  std::vector<std::pair<std::string, Program>> operands;
};

struct CompiledPolicy {
  onus::v1::PolicyMetadata meta;
  std::string resource_type;  // fully qualified message name
  const MessageType* type = nullptr;
  bool account_level = false;
  std::optional<Program> when;
  Program require;
  std::vector<std::string> message_parts;
  std::vector<Program> message_exprs;
  std::vector<Probe> probes;
  std::shared_ptr<const lang::Source> source;
};

class PolicyPack {
 public:
  // Compiles every policy of `set` that checked without errors. Policies
  // with errors are skipped (their diagnostics are already in `diags`);
  // compile errors are added to `diags`. Status only for internal failures.
  static absl::StatusOr<std::unique_ptr<PolicyPack>> Compile(
      lang::PolicySet set, lang::DiagnosticList& diags);

  // Loads and compiles .onus files or directories (convenience).
  static absl::StatusOr<std::unique_ptr<PolicyPack>> Load(
      const std::vector<std::string>& paths,
      const lang::FrontendOptions& options, lang::DiagnosticList& diags);

  // A pack from policies compiled earlier (engine/bundle.cc loads them from
  // a bundle). `keep_alive` owns what the policies point into, e.g. the
  // descriptor pool built from the bundle's schemas; it outlives them.
  static std::unique_ptr<PolicyPack> FromCompiled(
      std::vector<CompiledPolicy> policies,
      std::shared_ptr<const void> keep_alive = nullptr);

  const std::vector<CompiledPolicy>& policies() const { return policies_; }
  // Indexes into policies() of the per-resource policies on `type`.
  absl::Span<const uint32_t> ForType(absl::string_view type) const;
  // Indexes of account-level policies, and the account types they bind.
  absl::Span<const uint32_t> AccountLevel() const { return account_level_; }

  // Bundle.digest (32 raw bytes) when the pack was loaded from a compiled
  // bundle (engine/bundle.h), empty for packs compiled from sources. Reports
  // carry it in RunSummary.bundle_digest.
  const std::string& bundle_digest() const { return bundle_digest_; }
  void set_bundle_digest(std::string digest) {
    bundle_digest_ = std::move(digest);
  }

  // Restricts the pack to policies whose id matches (exact id, package
  // prefix ending in '.', or `*` glob); used by `--policy` selections.
  // A pattern that matches no policy is an InvalidArgument error naming it
  // (a typo must not silently drop a policy from a CI gate); the pack is
  // then unchanged.
  absl::Status Select(const std::vector<std::string>& patterns);

 private:
  PolicyPack() = default;
  void Reindex();

  // Declared before policies_ so it is destroyed after them.
  std::shared_ptr<const void> keep_alive_;
  lang::PolicySet set_;  // keeps sources and ASTs alive
  std::vector<CompiledPolicy> policies_;
  absl::flat_hash_map<std::string, std::vector<uint32_t>> by_type_;
  std::vector<uint32_t> account_level_;
  std::string bundle_digest_;
};

// Severity / owner / service model / domain words of the language mapped to
// the policy.proto enums.
onus::v1::Severity ToProtoSeverity(lang::PolicySeverity s);
onus::v1::Owner ToProtoOwner(lang::Owner o);
onus::v1::ServiceModel ToProtoServiceModel(absl::string_view word);
onus::v1::ControlDomain ToProtoDomain(absl::string_view word);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_POLICY_PACK_H_
