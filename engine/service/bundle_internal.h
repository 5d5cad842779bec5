// A loaded policy bundle of the evaluation service: the compiled pack, the
// sources it came from (for its digest and for per-request selections) and
// a small cache of selected packs.
#ifndef ONUS_ENGINE_SERVICE_BUNDLE_INTERNAL_H_
#define ONUS_ENGINE_SERVICE_BUNDLE_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/policy_pack.h"
#include "onus/v1/service.pb.h"

namespace onus::engine::service_internal {

using SourceList = std::vector<std::pair<std::string, std::string>>;
struct CompileResult;

class Bundle {
 public:
  uint64_t version() const { return version_; }
  const std::string& digest_hex() const { return digest_hex_; }
  const std::string& digest_raw() const { return digest_raw_; }
  absl::Time loaded_at() const { return loaded_at_; }
  const PolicyPack& pack() const { return *pack_; }
  // "compiled" for a bundle loaded from `onus compile` output (its digest is
  // Bundle.digest), "sources" for one compiled from policy sources (its
  // digest is DigestSources).
  const char* kind() const {
    return compiled_.empty() ? "sources" : "compiled";
  }
  void FillRef(onus::v1::BundleRef* ref) const;
  // FillRef's BundleRef and each policy's PolicyMetadata, serialized once
  // when the bundle is made: Evaluate answers carry them as these bytes
  // instead of copying and serializing the messages per call.
  const std::string& ref_bytes() const { return ref_bytes_; }
  // Null for an id that is not in the bundle.
  const std::string* metadata_bytes(absl::string_view policy_id) const {
    auto it = metadata_bytes_.find(policy_id);
    return it == metadata_bytes_.end() ? nullptr : &it->second;
  }

  // The pack restricted to `sel` (the full pack for an empty selector).
  // Selected packs are compiled from the stored sources once and cached
  // (a bounded number of distinct selections). INVALID_ARGUMENT when the
  // selector matches no policy.
  absl::StatusOr<std::shared_ptr<const PolicyPack>> Select(
      const onus::v1::PolicySelector& sel) const;

 private:
  friend struct CompileResult;
  friend CompileResult CompileBundle(const std::vector<std::string>&,
                                     const SourceList&, uint64_t);
  friend CompileResult LoadCompiledBundle(std::string, absl::string_view,
                                          uint64_t);
  // Fills ref_bytes_ and metadata_bytes_ (once version_, loaded_at_ and
  // pack_ are set).
  void SerializeRefs();
  uint64_t version_ = 0;
  std::string digest_hex_, digest_raw_;
  absl::Time loaded_at_;
  SourceList sources_;               // every file, imports included
  std::vector<std::string> inputs_;  // files that define policies
  std::shared_ptr<const PolicyPack> pack_;
  std::string ref_bytes_;
  absl::flat_hash_map<std::string, std::string> metadata_bytes_;
  // The serialized onus.v1.Bundle of a compiled bundle: selections load it
  // again and keep the selected policies (a pack cannot be copied).
  std::string compiled_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const PolicyPack>>
      selected_ ABSL_GUARDED_BY(mu_);
};

struct CompileResult {
  // Null when there were errors (then `diagnostics` says why) or `status`
  // is not OK (I/O or internal failure).
  std::shared_ptr<Bundle> bundle;
  std::vector<onus::v1::Diagnostic> diagnostics;
  std::vector<onus::v1::PolicyMetadata> policies;
  absl::Status status;
  int errors = 0;
};

// Compiles either `paths` (files/directories on disk) or, when `paths` is
// empty, the in-memory `sources`; imports of in-memory sources resolve only
// among themselves (a request never reads the server's file system). A
// single path ending in .onusb is a compiled bundle (LoadCompiledBundle).
CompileResult CompileBundle(const std::vector<std::string>& paths,
                            const SourceList& sources, uint64_t version);

// A compiled bundle (`onus compile` output): format version, digest and
// every program are verified by engine::LoadBundleBytes; nothing is parsed
// from sources. Failures are in `status` (INVALID_ARGUMENT, DATA_LOSS,
// FAILED_PRECONDITION) prefixed with `name`.
CompileResult LoadCompiledBundle(std::string bytes, absl::string_view name,
                                 uint64_t version);

// True when policy `meta` passes `sel` (empty selector: every policy).
bool SelectorMatches(const onus::v1::PolicySelector& sel,
                     const onus::v1::PolicyMetadata& meta);

// Lower-case hex SHA-256 of sorted, length-prefixed (name, text) pairs.
std::string DigestSources(SourceList sources, std::string* raw);

}  // namespace onus::engine::service_internal

#endif  // ONUS_ENGINE_SERVICE_BUNDLE_INTERNAL_H_
