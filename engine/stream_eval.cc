#include "engine/stream_eval.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "lang/status_macros.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

// Snapshot.resources: batches are serialized Snapshots so the existing
// scanner and evaluator run on them unchanged.
constexpr int kSnapshotResourcesField = 5;

void AppendResource(std::string* buf, absl::string_view raw) {
  uint8_t prefix[16];
  uint8_t* p = CodedOutputStream::WriteTagToArray(
      WireFormatLite::MakeTag(kSnapshotResourcesField,
                              WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
      prefix);
  p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(raw.size()),
                                              p);
  buf->append(reinterpret_cast<const char*>(prefix), p - prefix);
  buf->append(raw.data(), raw.size());
}

void AddCounts(const onus::v1::OutcomeCounts& from,
               onus::v1::OutcomeCounts* to) {
  to->set_pass(to->pass() + from.pass());
  to->set_fail(to->fail() + from.fail());
  to->set_error(to->error() + from.error());
  to->set_not_applicable(to->not_applicable() + from.not_applicable());
  to->set_waived(to->waived() + from.waived());
}

class StreamEvaluator {
 public:
  StreamEvaluator(const PolicyPack& pack, const EvalOptions& options,
                  FindingSink* sink, const StreamEvalOptions& stream_options)
      : pack_(pack),
        options_(options),
        sink_(sink),
        stream_options_(stream_options),
        joins_(PackUsesJoins(pack)),
        by_policy_(pack.policies().size()) {
    for (uint32_t pi : pack.AccountLevel()) {
      account_types_.insert(pack.policies()[pi].resource_type);
    }
  }

  absl::Status Run(StreamReader& reader) {
    started_ = absl::Now();
    for (;;) {
      ONUS_ASSIGN_OR_RETURN(StreamReader::Item item, reader.Next());
      switch (item.kind) {
        case StreamReader::ItemKind::kEnd:
          return Finish();
        case StreamReader::ItemKind::kHeader:
          if (reader.items_read() != 1) {
            return absl::InvalidArgumentError(
                absl::StrCat("stream item #", reader.items_read(),
                             ": a header may only be the first item"));
          }
          SetHeader(item.header);
          break;
        case StreamReader::ItemKind::kResource:
          ONUS_RETURN_IF_ERROR(AddResource(item.resource));
          break;
        case StreamReader::ItemKind::kAccountComplete:
          if (joins_) ONUS_RETURN_IF_ERROR(FlushAccount(item.account));
          break;
      }
    }
  }

  static uint64_t Total(const onus::v1::OutcomeCounts& c) {
    return c.pass() + c.fail() + c.error() + c.not_applicable() + c.waived();
  }

  onus::v1::Report TakeReport() {
    report_.set_snapshot_id(header_.id());
    if (header_.has_collected_at()) {
      *report_.mutable_collected_at() = header_.collected_at();
    }
    report_.set_engine_version(options_.engine_version);
    for (size_t i = 0; i < by_policy_.size(); ++i) {
      if (Lists(options_.report_policies, Total(by_policy_[i]))) {
        *report_.add_policies() = pack_.policies()[i].meta;
      }
    }
    auto* summary = report_.mutable_summary();
    *summary->mutable_totals() = totals_;
    for (auto it = by_severity_.rbegin(); it != by_severity_.rend(); ++it) {
      auto* s = summary->add_by_severity();
      s->set_severity(static_cast<onus::v1::Severity>(it->first));
      *s->mutable_counts() = it->second;
    }
    for (size_t i = 0; i < by_policy_.size(); ++i) {
      if (!Lists(options_.summary_by_policy, Total(by_policy_[i]))) continue;
      auto* pc = summary->add_by_policy();
      pc->set_policy_id(pack_.policies()[i].meta.id());
      *pc->mutable_counts() = by_policy_[i];
    }
    summary->set_resources_evaluated(resources_evaluated_);
    summary->set_policies(pack_.policies().size());
    summary->set_bundle_digest(pack_.bundle_digest());
    *summary->mutable_expired_waivers() = expired_waivers_;
    auto to_ts = [](absl::Time t, google::protobuf::Timestamp* out) {
      int64_t s = absl::ToUnixSeconds(t);
      out->set_seconds(s);
      out->set_nanos(static_cast<int32_t>(
          absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
    };
    to_ts(started_, summary->mutable_started());
    to_ts(absl::Now(), summary->mutable_finished());
    return std::move(report_);
  }

 private:
  struct Pending {
    std::string bytes;  // Snapshot.resources fields, header appended later
    size_t count = 0;
  };

  void SetHeader(const SnapshotHeaderView& h) {
    header_.set_id(std::string(h.id));
    if (h.collected_seconds != 0 || h.collected_nanos != 0) {
      header_.mutable_collected_at()->set_seconds(h.collected_seconds);
      header_.mutable_collected_at()->set_nanos(h.collected_nanos);
    }
    header_.mutable_source()->set_name(std::string(h.source_name));
    header_.mutable_source()->set_version(std::string(h.source_version));
    for (const auto& a : h.accounts) {
      auto* acct = header_.add_accounts();
      acct->set_provider(static_cast<onus::v1::Provider>(a.provider));
      acct->set_id(std::string(a.id));
      acct->set_name(std::string(a.name));
    }
  }

  // Header fields (without resources) for one evaluation; `accounts` are
  // the accounts whose missing account resource Evaluate() synthesises.
  std::string HeaderBytes(const std::vector<const onus::v1::Account*>& accts) {
    onus::v1::Snapshot s;
    s.set_id(header_.id());
    if (header_.has_collected_at()) {
      *s.mutable_collected_at() = header_.collected_at();
    }
    if (header_.has_source()) *s.mutable_source() = header_.source();
    for (const onus::v1::Account* a : accts) *s.add_accounts() = *a;
    return s.SerializeAsString();
  }

  absl::Status AddResource(const ResourceView& r) {
    if (joins_) {
      auto [it, inserted] = pending_.try_emplace(std::string(r.account));
      if (inserted) pending_order_.push_back(it->first);
      AppendResource(&it->second.bytes, r.raw);
      ++it->second.count;
      return absl::OkStatus();
    }
    if (account_types_.contains(r.type)) {
      AppendResource(&account_resources_, r.raw);
      return absl::OkStatus();
    }
    AppendResource(&batch_, r.raw);
    if (++batch_count_ >= stream_options_.batch_resources ||
        batch_.size() >= stream_options_.batch_bytes) {
      return FlushBatch();
    }
    return absl::OkStatus();
  }

  absl::Status FlushBatch() {
    if (batch_count_ == 0) return absl::OkStatus();
    // No header accounts: a batch never synthesises account resources.
    batch_.append(HeaderBytes({}));
    ONUS_RETURN_IF_ERROR(EvaluateBytes(batch_));
    batch_.clear();
    batch_count_ = 0;
    return absl::OkStatus();
  }

  // Header accounts of this id that have not been evaluated yet.
  std::vector<const onus::v1::Account*> ClaimHeaderAccounts(
      absl::string_view id) {
    std::vector<const onus::v1::Account*> out;
    for (const onus::v1::Account& a : header_.accounts()) {
      if (a.id() == id && claimed_.insert(&a).second) out.push_back(&a);
    }
    return out;
  }

  absl::Status FlushAccount(absl::string_view account) {
    auto it = pending_.find(account);
    std::vector<const onus::v1::Account*> accts = ClaimHeaderAccounts(account);
    if (it == pending_.end() && accts.empty()) return absl::OkStatus();
    std::string bytes;
    if (it != pending_.end()) {
      bytes = std::move(it->second.bytes);
      pending_.erase(it);
    }
    bytes.append(HeaderBytes(accts));
    return EvaluateBytes(bytes);
  }

  absl::Status Finish() {
    if (joins_) {
      for (const std::string& account : pending_order_) {
        if (pending_.contains(account)) {
          ONUS_RETURN_IF_ERROR(FlushAccount(account));
        }
      }
      pending_order_.clear();
    } else {
      ONUS_RETURN_IF_ERROR(FlushBatch());
    }
    // Account resources kept to the end, plus every header account not yet
    // evaluated: Evaluate() synthesises the missing account resources.
    if (!account_types_.empty()) {
      std::vector<const onus::v1::Account*> accts;
      for (const onus::v1::Account& a : header_.accounts()) {
        if (claimed_.insert(&a).second) accts.push_back(&a);
      }
      if (!accts.empty() || !account_resources_.empty()) {
        account_resources_.append(HeaderBytes(accts));
        ONUS_RETURN_IF_ERROR(EvaluateBytes(account_resources_));
        account_resources_.clear();
      }
    }
    return absl::OkStatus();
  }

  absl::Status EvaluateBytes(absl::string_view bytes) {
    ONUS_ASSIGN_OR_RETURN(Inventory inv, Inventory::FromSnapshotBytes(bytes));
    ONUS_ASSIGN_OR_RETURN(onus::v1::Report part,
                          Evaluate(pack_, inv, options_));
    Merge(part);
    return absl::OkStatus();
  }

  void Merge(onus::v1::Report& part) {
    for (onus::v1::Finding& f : *part.mutable_findings()) {
      if (sink_ != nullptr) {
        (*sink_)(f);
      } else {
        *report_.add_findings() = std::move(f);
      }
    }
    const onus::v1::RunSummary& s = part.summary();
    AddCounts(s.totals(), &totals_);
    for (const auto& sev : s.by_severity()) {
      AddCounts(sev.counts(), &by_severity_[sev.severity()]);
    }
    for (int i = 0;
         i < s.by_policy_size() && static_cast<size_t>(i) < by_policy_.size();
         ++i) {
      AddCounts(s.by_policy(i).counts(), &by_policy_[i]);
    }
    resources_evaluated_ += s.resources_evaluated();
    // The same for every part: the waiver file's expired entries.
    expired_waivers_ = s.expired_waivers();
  }

  const PolicyPack& pack_;
  const EvalOptions& options_;
  FindingSink* sink_;
  StreamEvalOptions stream_options_;
  const bool joins_;
  absl::flat_hash_set<std::string> account_types_;
  onus::v1::Snapshot header_;  // without resources
  absl::flat_hash_set<const onus::v1::Account*> claimed_;

  std::string batch_;
  size_t batch_count_ = 0;
  std::string account_resources_;
  absl::flat_hash_map<std::string, Pending> pending_;
  std::vector<std::string> pending_order_;

  absl::Time started_;
  onus::v1::Report report_;
  onus::v1::OutcomeCounts totals_;
  std::map<int, onus::v1::OutcomeCounts> by_severity_;
  std::vector<onus::v1::OutcomeCounts> by_policy_;
  uint64_t resources_evaluated_ = 0;
  google::protobuf::RepeatedPtrField<onus::v1::WaiverRef> expired_waivers_;
};

}  // namespace

absl::StatusOr<onus::v1::Report> EvaluateStream(
    const PolicyPack& pack, StreamReader& reader, const EvalOptions& options,
    FindingSink* sink, const StreamEvalOptions& stream_options) {
  StreamEvaluator ev(pack, options, sink, stream_options);
  ONUS_RETURN_IF_ERROR(ev.Run(reader));
  return ev.TakeReport();
}

}  // namespace onus::engine
