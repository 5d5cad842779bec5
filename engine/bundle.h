// Compiled policy bundles: a PolicyPack saved as an onus.v1.Bundle
// (proto/onus/v1/policy.proto) and loaded back without parsing or checking
// any policy source. docs/bytecode.md ("Compiled bundles") has the layout.
//
// A bundle carries every policy's metadata and programs (when, require,
// message, evidence probes), the resource schemas the programs were compiled
// against (a FileDescriptorSet), optionally the sources (for explain), and a
// SHA-256 digest of itself. Loading checks the format version and the digest,
// checks every field a program reads against the embedded schemas and the
// running ones, and verifies every program before it can run.
#ifndef ONUS_ENGINE_BUNDLE_H_
#define ONUS_ENGINE_BUNDLE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/policy_pack.h"
#include "onus/v1/policy.pb.h"

namespace onus::engine {

// Bumped whenever the Bundle layout changes incompatibly; LoadBundle
// refuses every other version.
inline constexpr uint32_t kBundleFormatVersion = 1;

// File name extension of serialised bundles (`onus compile -o pack.onusb`).
inline constexpr absl::string_view kBundleExtension = ".onusb";

struct SaveBundleOptions {
  // Written to Bundle.compiler_version (informational).
  std::string compiler_version;
  // Embed the policy sources so `explain` and error spans show source lines.
  bool include_sources = true;
};

absl::StatusOr<onus::v1::Bundle> SaveBundle(
    const PolicyPack& pack, const SaveBundleOptions& options = {});

absl::StatusOr<std::unique_ptr<PolicyPack>> LoadBundle(
    const onus::v1::Bundle& bundle);

// SHA-256 of `bundle` serialised deterministically with `digest` cleared.
std::string BundleDigest(const onus::v1::Bundle& bundle);

// Bytes <-> bundle, for files. ParseBundle rejects truncated or garbled
// input; `name` prefixes the errors.
absl::StatusOr<std::string> SerializeBundle(const onus::v1::Bundle& bundle);
absl::StatusOr<std::unique_ptr<PolicyPack>> LoadBundleBytes(
    absl::string_view bytes, absl::string_view name);
absl::StatusOr<std::unique_ptr<PolicyPack>> LoadBundleFile(
    const std::string& path);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUNDLE_H_
