#include "engine/waivers.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/wire_internal.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "lang/diagnostics.h"

namespace onus::engine {

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  size_t p = 0, t = 0, star = absl::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

bool PolicyMatches(absl::string_view pattern, absl::string_view id) {
  if (pattern == id) return true;
  if (pattern.find('*') != absl::string_view::npos) {
    return GlobMatch(pattern, id);
  }
  // A package covers every policy in it.
  return absl::StartsWith(id, pattern) && id.size() > pattern.size() &&
         id[pattern.size()] == '.';
}

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectErrors(std::string file) : file_(std::move(file)) {}
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      // TextFormat reports 0-based lines and columns.
      first_ =
          absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message);
    }
  }
  const std::string& first() const { return first_; }

 private:
  std::string file_;
  std::string first_;
};

// proto3 strings must be UTF-8, but the text format parser does not check:
// a waiver's strings are copied into every report (JSON, SARIF, HTML),
// which must stay valid. The first field that is not, or null.
const char* InvalidUtf8Field(const onus::v1::Waiver& w) {
  auto ok = [](const std::string& s) { return wire::ValidUtf8(s); };
  auto all = [&](const auto& list) {
    for (const std::string& s : list) {
      if (!ok(s)) return false;
    }
    return true;
  };
  if (!ok(w.id())) return "id";
  if (!all(w.policies())) return "policies";
  if (!all(w.resources())) return "resources";
  if (!all(w.accounts())) return "accounts";
  for (const auto& [k, v] : w.tags()) {
    if (!ok(k) || !ok(v)) return "tags";
  }
  if (!ok(w.reason())) return "reason";
  if (!ok(w.owner())) return "owner";
  if (!ok(w.ticket())) return "ticket";
  return nullptr;
}

}  // namespace

absl::StatusOr<Waivers> Waivers::FromProto(const onus::v1::WaiverFile& file) {
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < file.waivers_size(); ++i) {
    const onus::v1::Waiver& w = file.waivers(i);
    // First: the messages below quote the id.
    if (const char* field = InvalidUtf8Field(w); field != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "waiver #", i + 1, ": field `", field, "` is not valid UTF-8"));
    }
    std::string where = absl::StrCat("waiver #", i + 1,
                                     w.id().empty() ? "" : " (" + w.id() + ")");
    if (w.id().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": field `id` is required"));
    }
    if (!ids.insert(w.id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate id `", w.id(), "`"));
    }
    if (w.policies().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": field `policies` must name at least one policy"));
    }
    if (!w.has_expires()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": field `expires` is required (waivers must expire)"));
    }
    if (w.reason().empty() || w.owner().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": fields `reason` and `owner` are required"));
    }
  }
  Waivers out;
  out.file_ = file;
  return out;
}

absl::StatusOr<Waivers> Waivers::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot read waiver file"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  onus::v1::WaiverFile file;
  if (absl::EndsWith(path, ".json")) {
    // Protobuf 3.21 has its own util::Status, not absl::Status.
    auto st = google::protobuf::util::JsonStringToMessage(text, &file);
    if (!st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": invalid waiver JSON: ", std::string(st.message())));
    }
  } else {
    google::protobuf::TextFormat::Parser parser;
    CollectErrors errors(path);
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(text, &file)) {
      return absl::InvalidArgumentError(errors.first().empty()
                                            ? path + ": invalid waiver file"
                                            : errors.first());
    }
  }
  absl::StatusOr<Waivers> w = FromProto(file);
  if (!w.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", w.status().message()));
  }
  return w;
}

std::vector<std::string> Waivers::UnmatchedPolicies(
    const std::vector<std::string>& policy_ids) const {
  std::vector<std::string> out;
  for (int i = 0; i < file_.waivers_size(); ++i) {
    const onus::v1::Waiver& w = file_.waivers(i);
    for (const std::string& p : w.policies()) {
      if (std::any_of(
              policy_ids.begin(), policy_ids.end(),
              [&](const std::string& id) { return PolicyMatches(p, id); })) {
        continue;
      }
      std::string hint = lang::DidYouMean(p, policy_ids);
      out.push_back(absl::StrCat(
          "waiver #", i + 1, " \"", w.id(), "\": policies: \"", p,
          "\" matches no policy in the pack",
          hint.empty() ? "" : absl::StrCat("; did you mean `", hint, "`?")));
    }
  }
  return out;
}

const onus::v1::Waiver* Waivers::Match(
    absl::string_view policy_id, absl::string_view resource_id,
    absl::string_view account,
    const std::vector<std::pair<absl::string_view, absl::string_view>>& tags,
    absl::Time now) const {
  const onus::v1::Waiver* expired = nullptr;
  for (const onus::v1::Waiver& w : file_.waivers()) {
    bool policy = false;
    for (const std::string& p : w.policies()) {
      if (PolicyMatches(p, policy_id)) {
        policy = true;
        break;
      }
    }
    if (!policy) continue;
    if (!w.resources().empty()) {
      bool any = false;
      for (const std::string& r : w.resources()) {
        if (GlobMatch(r, resource_id)) {
          any = true;
          break;
        }
      }
      if (!any) continue;
    }
    if (!w.accounts().empty()) {
      bool any = false;
      for (const std::string& a : w.accounts()) any = any || a == account;
      if (!any) continue;
    }
    bool tags_ok = true;
    for (const auto& [k, v] : w.tags()) {
      bool found = false;
      for (const auto& [tk, tv] : tags) {
        if (tk == k && tv == v) {
          found = true;
          break;
        }
      }
      if (!found) {
        tags_ok = false;
        break;
      }
    }
    if (!tags_ok) continue;
    if (!Expired(w, now)) return &w;
    if (expired == nullptr) expired = &w;
  }
  return expired;
}

bool Waivers::Expired(const onus::v1::Waiver& w, absl::Time now) {
  absl::Time expires = absl::FromUnixSeconds(w.expires().seconds()) +
                       absl::Nanoseconds(w.expires().nanos());
  return expires <= now;
}

}  // namespace onus::engine
