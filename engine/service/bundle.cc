#include "engine/bundle.h"

#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/service/bundle_internal.h"
#include "engine/waivers.h"
#include "lang/frontend.h"

namespace onus::engine::service_internal {
namespace {

// More distinct selections than this are compiled per request, uncached,
// so a client cycling through selections cannot grow the server's memory.
constexpr size_t kMaxCachedSelections = 32;

bool IdMatches(absl::string_view pattern, absl::string_view id) {
  if (pattern == id) return true;
  if (absl::EndsWith(pattern, ".") && absl::StartsWith(id, pattern)) {
    return true;
  }
  return absl::StrContains(pattern, '*') && GlobMatch(pattern, id);
}

void AddDiagnostics(const lang::DiagnosticList& diags,
                    std::vector<onus::v1::Diagnostic>* out) {
  for (const lang::Diagnostic& d : diags.items()) {
    onus::v1::Diagnostic p;
    switch (d.severity) {
      case lang::Severity::kError:
        p.set_severity(onus::v1::Diagnostic::ERROR);
        break;
      case lang::Severity::kWarning:
        p.set_severity(onus::v1::Diagnostic::WARNING);
        break;
      case lang::Severity::kNote:
        p.set_severity(onus::v1::Diagnostic::NOTE);
        break;
    }
    p.set_code(d.code);
    if (d.source != nullptr) {
      p.set_file(d.source->name());
      lang::Location loc = d.source->LocationOf(d.span.begin);
      p.set_line(loc.line);
      p.set_column(loc.column);
    }
    p.set_message(d.message);
    p.set_help(d.help);
    out->push_back(std::move(p));
  }
}

}  // namespace

std::string DigestSources(SourceList sources, std::string* raw) {
  std::sort(sources.begin(), sources.end());
  // Length prefixes keep ("ab","c") and ("a","bc") apart.
  std::string buf;
  auto feed = [&buf](const std::string& s) {
    uint64_t n = s.size();
    for (int i = 0; i < 8; ++i) buf.push_back(static_cast<char>(n >> (8 * i)));
    buf += s;
  };
  for (const auto& [name, text] : sources) {
    feed(name);
    feed(text);
  }
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(buf.data()), buf.size(), md);
  std::string bytes(reinterpret_cast<const char*>(md), sizeof(md));
  if (raw != nullptr) *raw = bytes;
  return absl::BytesToHexString(bytes);
}

bool SelectorMatches(const onus::v1::PolicySelector& sel,
                     const onus::v1::PolicyMetadata& meta) {
  if (!sel.ids().empty() && std::none_of(sel.ids().begin(), sel.ids().end(),
                                         [&](const std::string& p) {
                                           return IdMatches(p, meta.id());
                                         })) {
    return false;
  }
  if (!sel.packages().empty() &&
      std::find(sel.packages().begin(), sel.packages().end(), meta.package()) ==
          sel.packages().end()) {
    return false;
  }
  if (!sel.frameworks().empty()) {
    bool any = false;
    for (const std::string& want : sel.frameworks()) {
      for (const std::string& have : meta.frameworks()) {
        if (want == have ||
            (absl::EndsWith(want, ":") && absl::StartsWith(have, want))) {
          any = true;
        }
      }
    }
    if (!any) return false;
  }
  return sel.min_severity() == onus::v1::SEVERITY_UNSPECIFIED ||
         meta.severity() >= sel.min_severity();
}

void Bundle::FillRef(onus::v1::BundleRef* ref) const {
  ref->set_version(version_);
  ref->set_digest(digest_hex_);
  int64_t s = absl::ToUnixSeconds(loaded_at_);
  ref->mutable_loaded_at()->set_seconds(s);
  ref->mutable_loaded_at()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(loaded_at_ - absl::FromUnixSeconds(s))));
  ref->set_policies(static_cast<uint32_t>(pack_->policies().size()));
}

void Bundle::SerializeRefs() {
  onus::v1::BundleRef ref;
  FillRef(&ref);
  ref_bytes_ = ref.SerializeAsString();
  for (const CompiledPolicy& p : pack_->policies()) {
    metadata_bytes_[p.meta.id()] = p.meta.SerializeAsString();
  }
}

absl::StatusOr<std::shared_ptr<const PolicyPack>> Bundle::Select(
    const onus::v1::PolicySelector& sel) const {
  // Most calls select nothing: no per-policy matching, no lock.
  if (sel.ids().empty() && sel.packages().empty() && sel.frameworks().empty() &&
      sel.min_severity() == onus::v1::SEVERITY_UNSPECIFIED) {
    return pack_;
  }
  std::vector<std::string> ids;
  for (const CompiledPolicy& p : pack_->policies()) {
    if (SelectorMatches(sel, p.meta)) ids.push_back(p.meta.id());
  }
  if (ids.size() == pack_->policies().size()) return pack_;
  if (ids.empty()) {
    return absl::InvalidArgumentError(
        "options.selection: matches none of the loaded policies");
  }
  std::string key = absl::StrJoin(ids, "\n");
  {
    absl::MutexLock lock(&mu_);
    auto it = selected_.find(key);
    if (it != selected_.end()) return it->second;
  }
  if (!compiled_.empty()) {
    absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
        LoadBundleBytes(compiled_, "loaded bundle");
    if (!pack.ok()) return pack.status();
    if (absl::Status st = (*pack)->Select(ids); !st.ok()) return st;
    std::shared_ptr<const PolicyPack> shared = std::move(*pack);
    absl::MutexLock lock(&mu_);
    if (selected_.size() < kMaxCachedSelections) selected_.emplace(key, shared);
    return shared;
  }
  // Recompile from the stored sources: a pack cannot be copied, and the
  // shared full pack must stay untouched for concurrent calls.
  lang::FrontendOptions opts;
  absl::flat_hash_map<std::string, std::string> by_name(sources_.begin(),
                                                        sources_.end());
  opts.read_file =
      [by_name](const std::string& path) -> absl::StatusOr<std::string> {
    auto it = by_name.find(path);
    if (it == by_name.end()) {
      return absl::NotFoundError(absl::StrCat(path, ": not in the bundle"));
    }
    return it->second;
  };
  SourceList inputs;
  for (const std::string& name : inputs_)
    inputs.emplace_back(name, by_name[name]);
  lang::DiagnosticList diags;
  absl::StatusOr<lang::PolicySet> set =
      lang::LoadPolicySources(inputs, opts, diags);
  if (!set.ok()) return set.status();
  absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
      PolicyPack::Compile(*std::move(set), diags);
  if (!pack.ok()) return pack.status();
  if (diags.has_errors()) {
    return absl::InternalError(
        "recompiling the loaded bundle for a selection failed");
  }
  if (absl::Status st = (*pack)->Select(ids); !st.ok()) return st;
  std::shared_ptr<const PolicyPack> shared = std::move(*pack);
  absl::MutexLock lock(&mu_);
  if (selected_.size() < kMaxCachedSelections) selected_.emplace(key, shared);
  return shared;
}

CompileResult LoadCompiledBundle(std::string bytes, absl::string_view name,
                                 uint64_t version) {
  CompileResult out;
  absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
      LoadBundleBytes(bytes, name);
  if (!pack.ok()) {
    out.status = pack.status();
    return out;
  }
  auto bundle = std::make_shared<Bundle>();
  for (const CompiledPolicy& p : (*pack)->policies()) {
    out.policies.push_back(p.meta);
  }
  bundle->digest_raw_ = (*pack)->bundle_digest();
  bundle->digest_hex_ = absl::BytesToHexString(bundle->digest_raw_);
  bundle->pack_ = *std::move(pack);
  bundle->compiled_ = std::move(bytes);
  bundle->version_ = version;
  bundle->loaded_at_ = absl::Now();
  bundle->SerializeRefs();
  out.bundle = std::move(bundle);
  return out;
}

CompileResult CompileBundle(const std::vector<std::string>& paths,
                            const SourceList& sources, uint64_t version) {
  for (const std::string& p : paths) {
    if (!absl::EndsWith(p, kBundleExtension)) continue;
    if (paths.size() != 1) {
      CompileResult out;
      out.status = absl::InvalidArgumentError(absl::StrCat(
          p, ": a compiled bundle cannot be combined with other policy paths"));
      return out;
    }
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    if (!f) {
      CompileResult out;
      out.status = absl::NotFoundError(absl::StrCat(p, ": cannot read"));
      return out;
    }
    return LoadCompiledBundle(ss.str(), p, version);
  }
  CompileResult out;
  lang::DiagnosticList diags;
  lang::FrontendOptions opts;
  absl::StatusOr<lang::PolicySet> set;
  if (!paths.empty()) {
    set = lang::LoadPolicyFiles(paths, opts, diags);
  } else {
    opts.read_file =
        [](const std::string& path) -> absl::StatusOr<std::string> {
      return absl::NotFoundError(absl::StrCat(
          path, ": imports must name another source of the request"));
    };
    set = lang::LoadPolicySources(sources, opts, diags);
  }
  if (!set.ok()) {
    AddDiagnostics(diags, &out.diagnostics);
    out.status = set.status();
    return out;
  }
  auto bundle = std::make_shared<Bundle>();
  // Diagnostics point into the sources; keep them alive until converted.
  std::vector<std::shared_ptr<const lang::Source>> keep = set->sources;
  for (const auto& src : set->sources) {
    bundle->sources_.emplace_back(src->name(), src->text());
  }
  for (const lang::CheckedPolicy& p : set->policies) {
    if (p.source != nullptr &&
        std::find(bundle->inputs_.begin(), bundle->inputs_.end(),
                  p.source->name()) == bundle->inputs_.end()) {
      bundle->inputs_.push_back(p.source->name());
    }
  }
  absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
      PolicyPack::Compile(*std::move(set), diags);
  AddDiagnostics(diags, &out.diagnostics);
  out.errors = diags.error_count();
  if (!pack.ok()) {
    out.status = pack.status();
    return out;
  }
  for (const CompiledPolicy& p : (*pack)->policies()) {
    out.policies.push_back(p.meta);
  }
  if (diags.has_errors()) return out;
  bundle->pack_ = std::move(*pack);
  bundle->version_ = version;
  bundle->loaded_at_ = absl::Now();
  bundle->digest_hex_ = DigestSources(bundle->sources_, &bundle->digest_raw_);
  bundle->SerializeRefs();
  out.bundle = std::move(bundle);
  return out;
}

}  // namespace onus::engine::service_internal
