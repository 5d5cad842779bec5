#include "engine/evaluator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/builtins.h"
#include "engine/host.h"
#include "engine/inventory_scan.h"
#include "engine/message_type.h"
#include "engine/outcome_tally.h"
#include "engine/value_format.h"
#include "engine/vm.h"
#include "engine/wire_internal.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/time_util.h"

namespace onus::engine {

std::string Fingerprint(absl::string_view policy_id,
                        absl::string_view resource_id) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
  auto mix = [&h](absl::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
  };
  mix(policy_id);
  mix(absl::string_view("\0", 1));
  mix(resource_id);
  return absl::StrFormat("%016x", h);
}

std::vector<std::pair<absl::string_view, absl::string_view>> DecodeTags(
    const ResourceView& r) {
  std::vector<std::pair<absl::string_view, absl::string_view>> out;
  // Resource.tags is field 6; each entry is a length-delimited map entry.
  const uint8_t* rp = reinterpret_cast<const uint8_t*>(r.raw.data());
  const uint8_t* rend = rp + r.raw.size();
  while (rp < rend) {
    uint32_t fnum, fwt;
    if (!wire::ReadTag(&rp, rend, &fnum, &fwt)) break;
    if (fnum != 6 || fwt != wire::kLengthDelimited) {
      if (!wire::SkipValue(&rp, rend, fwt, fnum)) break;
      continue;
    }
    uint32_t elen;
    if (!wire::ReadLength(&rp, rend, &elen)) break;
    absl::string_view entry(reinterpret_cast<const char*>(rp), elen);
    rp += elen;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(entry.data());
    const uint8_t* end = p + entry.size();
    absl::string_view key, value;
    while (p < end) {
      uint32_t number, wt;
      if (!wire::ReadTag(&p, end, &number, &wt)) break;
      if (wt != wire::kLengthDelimited) {
        if (!wire::SkipValue(&p, end, wt, number)) break;
        continue;
      }
      uint32_t n;
      if (!wire::ReadLength(&p, end, &n)) break;
      absl::string_view s(reinterpret_cast<const char*>(p), n);
      p += n;
      if (number == 1) key = s;
      if (number == 2) value = s;
    }
    out.emplace_back(key, value);
  }
  return out;
}

namespace {

using onus::v1::Finding;

int SeveritySlot(onus::v1::Severity s) {
  int i = static_cast<int>(s);
  return i >= 0 && i < 6 ? i : 0;
}
using onus::v1::Outcome;

using Counts = OutcomeTally;

// Where a value came from, for error reasons: "policies/s3.onus:12:7".
std::string DescribePc(const Program& p, int32_t pc) {
  if (pc < 0 || p.source == nullptr ||
      static_cast<size_t>(pc) >= p.spans.size()) {
    return "";
  }
  return p.source->Describe(p.spans[pc]);
}

std::string ErrorReason(const Program& p, const Value& v) {
  std::string where = DescribePc(p, v.err->pc);
  std::string text(v.err->text());
  return where.empty() ? text : absl::StrCat(text, " (at ", where, ")");
}

// One unit of work: a resource and the policies that apply to it.
struct Task {
  const ResourceView* resource;
  absl::Span<const uint32_t> policies;
  // The policies' `require` programs when they run as one batch (counts
  // only, no `when`); empty: one by one.
  absl::Span<const Program* const> batch = {};
};

// Cache-line aligned: workers are allocated back to back, and each writes
// its arena cursor and counters for every pair; sharing a line with the
// next worker's would make two threads contend for it.
class alignas(64) Worker : public EvalHost {
 public:
  Worker(const PolicyPack& pack, const Inventory& inv, InventoryScan* scan,
         const EvalOptions& opts, Value now, size_t num_policies)
      : pack_(pack),
        inv_(inv),
        scan_(scan),
        opts_(opts),
        // Counts-only runs without waivers (benchmarks, gates that read the
        // summary) need only each pair's outcome: no Finding, not even an
        // empty optional of one (its set-up and tear-down per pair showed
        // in profiles of short rules).
        outcomes_only_(opts.detail == FindingDetail::kCountsOnly &&
                       (opts.waivers == nullptr || opts.waivers->empty())),
        now_(now),
        per_policy_() {
    budget_template_.instructions = opts.instruction_budget;
    budget_template_.iterations = opts.iteration_budget;
    budget_template_.deadline = opts.deadline;
    budget_template_.cancelled = opts.cancelled;
    budget_template_.host = this;
    // Spare capacity past the used counters keeps another worker's
    // allocation off their last cache line.
    per_policy_.reserve(num_policies + 64 / sizeof(Counts) + 1);
    per_policy_.resize(num_policies);
  }

  // The pack's policies for a resource type, and their `require` programs
  // when they can run as one batch (RunBatch). Types repeat (a collector
  // emits a handful of them, interleaved), so the last few are kept:
  // comparing a short string beats hashing it for every resource.
  struct TypePolicies {
    absl::Span<const uint32_t> policies;
    absl::Span<const Program* const> batch;  // empty: one by one
  };
  TypePolicies PoliciesFor(absl::string_view type) {
    for (int i = 0; i < type_cache_size_; ++i) {
      if (type_cache_[i].type == type) return type_cache_[i].entry;
    }
    TypePolicies e{pack_.ForType(type), {}};
    if (outcomes_only_ && !e.policies.empty()) {
      e.batch = BatchFor(e.policies);
    }
    TypeCacheEntry& c = type_cache_[type_cache_next_];
    type_cache_next_ = (type_cache_next_ + 1) % kTypeCache;
    if (type_cache_size_ < kTypeCache) ++type_cache_size_;
    c.type = type;
    c.entry = e;
    return e;
  }

  // The `require` programs of `policies` (the pack's list for one type),
  // made once per worker, or empty when a policy needs more than a bare
  // run: a `when` guard, or more variables than `r` and `now`.
  absl::Span<const Program* const> BatchFor(
      absl::Span<const uint32_t> policies) {
    auto [it, inserted] = batches_.try_emplace(policies.data());
    std::vector<const Program*>& b = it->second;
    if (inserted) {
      for (uint32_t pi : policies) {
        const CompiledPolicy& p = pack_.policies()[pi];
        if (p.when.has_value() || p.require.var_names.size() > 2) {
          b.clear();
          break;
        }
        b.push_back(&p.require);
      }
    }
    return b;
  }

  // Counts one outcome of policy pi. The summary's totals and per-severity
  // counts are sums of these, made once at the end, not per pair.
  void Tally(uint32_t pi, Outcome o) { per_policy_[pi].Add(o); }

  // Evaluates every policy of the task; appends findings per detail level
  // to `out` (null when the detail level keeps none).
  void Run(const Task& t, std::vector<Finding>* out) {
    ++resources_evaluated_;
    arena_.Reset();
    current_ = t.resource;
    // Every policy of the task reads the same resource type: one view.
    const Value root =
        t.policies.empty()
            ? Value()
            : RootValue(pack_.policies()[t.policies.front()], *t.resource);
    if (outcomes_only_) {
      if (!t.batch.empty() && !root.is_error()) {
        RunAsBatch(t, root);
        CountProgress();
        return;
      }
      for (uint32_t pi : t.policies) {
        const CompiledPolicy& p = pack_.policies()[pi];
        Tally(pi, EvalPair(p, root, nullptr));
      }
      CountProgress();
      return;
    }
    std::vector<std::pair<absl::string_view, absl::string_view>> tags;
    bool tags_decoded = false;
    for (uint32_t pi : t.policies) {
      const CompiledPolicy& p = pack_.policies()[pi];
      // Counts-only runs build no Finding unless a waiver matches: a
      // protobuf message per pair would cost more than a short rule.
      std::optional<Finding> f;
      if (opts_.detail != FindingDetail::kCountsOnly) f.emplace();
      Outcome o = EvalPair(p, root, f ? &*f : nullptr);
      if (o == onus::v1::FAIL && opts_.waivers != nullptr &&
          !opts_.waivers->empty()) {
        if (!tags_decoded) {
          tags = DecodeTags(*t.resource);
          tags_decoded = true;
        }
        const onus::v1::Waiver* w =
            opts_.waivers->Match(p.meta.id(), t.resource->id,
                                 t.resource->account, tags, opts_.wall_now);
        if (w != nullptr) {
          bool expired = Waivers::Expired(*w, opts_.wall_now);
          if (!f) f.emplace();
          auto* ref = f->mutable_waiver();
          ref->set_id(w->id());
          ref->set_reason(w->reason());
          ref->set_owner(w->owner());
          ref->set_ticket(w->ticket());
          *ref->mutable_expires() = w->expires();
          ref->set_expired(expired);
          if (!expired) o = onus::v1::WAIVED;
        }
      }
      Tally(pi, o);
      bool keep = opts_.detail == FindingDetail::kAll ||
                  (opts_.detail == FindingDetail::kNonPassing &&
                   o != onus::v1::PASS && o != onus::v1::NOT_APPLICABLE);
      if (!keep) continue;
      f->set_outcome(o);
      FillEnvelope(p, *t.resource, &*f);
      out->push_back(*std::move(f));
    }
    CountProgress();
  }

  // Counts-only evaluation of a task whose policies form a batch: the
  // outcomes EvalPair gives without a Finding.
  void RunAsBatch(const Task& t, Value root) {
    // RunBatch writes every result: raw storage, not 16 Values cleared per
    // resource.
    constexpr size_t kStackResults = 16;
    alignas(Value) unsigned char stack_results[kStackResults * sizeof(Value)];
    Value* results = t.batch.size() <= kStackResults
                         ? reinterpret_cast<Value*>(stack_results)
                         : arena_.NewArray<Value>(t.batch.size());
    const Value vars[2] = {root, now_};
    RunBatch(t.batch.data(), t.batch.size(), vars, arena_, budget_template_,
             results);
    for (size_t i = 0; i < t.policies.size(); ++i) {
      const uint32_t pi = t.policies[i];
      const Value& v = results[i];
      Tally(pi, v.kind != Kind::kBool ? onus::v1::ERROR
                : v.b                 ? onus::v1::PASS
                                      : onus::v1::FAIL);
    }
  }

  void CountProgress() {
    if (opts_.progress != nullptr) {
      opts_.progress->fetch_add(1, std::memory_order_relaxed);
    }
  }

  // EvalHost: resources of a type in the current resource's account.
  Value Resources(Arena& arena, const TypeObj& type) override {
    if (type.message == nullptr) {
      return MakeError(arena, ErrorCode::kInvalidArgument,
                       absl::StrCat("resources(", type.name,
                                    "): not a resource message type"));
    }
    if (!JoinsReady()) return JoinUnavailable(arena);
    absl::string_view name = type.message->descriptor()->full_name();
    absl::Span<const uint32_t> ids =
        inv_.OfTypeInAccount(name, current_->account);
    Value* items = arena.NewArray<Value>(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      items[i] = MessageFromBytes(arena, *type.message,
                                  inv_.resources()[ids[i]].payload);
    }
    return MakeList(arena, items, static_cast<uint32_t>(ids.size()));
  }

  Value Lookup(Arena& arena, const TypeObj& type,
               absl::string_view id) override {
    if (type.message == nullptr) {
      return MakeError(
          arena, ErrorCode::kInvalidArgument,
          absl::StrCat("lookup(", type.name, "): not a resource message type"));
    }
    if (!JoinsReady()) return JoinUnavailable(arena);
    absl::string_view name = type.message->descriptor()->full_name();
    int64_t i = inv_.Lookup(name, id);
    if (i < 0) {
      return MakeError(
          arena, ErrorCode::kNoSuchKey,
          absl::StrCat("no ", name, " with id '", id, "' in the snapshot"));
    }
    return MessageFromBytes(arena, *type.message, inv_.resources()[i].payload);
  }

  // Where findings of work item `key` go (chunk index; synthesised account
  // tasks come after the last chunk). A worker claims items in increasing
  // order, so one slot per item; the merge sorts all slots by key.
  std::vector<Finding>* FindingsSlot(size_t key) {
    if (findings_.empty() || findings_.back().first != key) {
      findings_.emplace_back(key, std::vector<Finding>());
    }
    return &findings_.back().second;
  }
  std::vector<std::pair<size_t, std::vector<Finding>>>& findings() {
    return findings_;
  }
  // Room for one chunk of views in the streaming scan, reused.
  ResourceView* ChunkBuffer() {
    if (chunk_buffer_ == nullptr) {
      chunk_buffer_ = std::make_unique<ResourceView[]>(InventoryScan::kChunk);
    }
    return chunk_buffer_.get();
  }

  const std::vector<Counts>& per_policy() const { return per_policy_; }
  uint64_t resources_evaluated() const { return resources_evaluated_; }

 private:
  // A join reads any resource of the snapshot: during a combined scan and
  // evaluation, the rest of the snapshot is parsed first (this thread
  // helps).
  bool JoinsReady() {
    if (scan_ == nullptr) return true;
    // The streaming scan keeps no inventory; EvaluateSnapshot only uses it
    // for packs without joins (PackUsesJoins), so this is never reached.
    if (scan_->streaming()) return false;
    return scan_->EnsureAllParsed();
  }
  Value JoinUnavailable(Arena& arena) {
    if (scan_->streaming()) {
      return MakeError(arena, ErrorCode::kGeneric,
                       "internal error: a join in a streamed evaluation");
    }
    // Only reached when the snapshot is malformed; Evaluate then fails
    // with the scan's error and this value is never reported.
    return MakeError(arena, ErrorCode::kInvalidArgument,
                     "the snapshot could not be scanned");
  }

  Value RootValue(const CompiledPolicy& p, const ResourceView& r) {
    if (r.schemaless) {
      static const MessageType* kStruct =
          MessageType::For(google::protobuf::Struct::descriptor());
      return MessageFromBytes(arena_, *kStruct, r.payload);
    }
    if (p.type == nullptr) {
      return StaticError(ErrorCode::kTypeMismatch,
                         "the policy's resource type has no schema");
    }
    return MessageFromBytes(arena_, *p.type, r.payload);
  }

  Value RunProgram(const Program& prog, Value root) {
    // Rules bind at most `r` and `now`: two variables, no 8-slot array to
    // clear per pair.
    if (prog.var_names.size() <= 2) {
      Value vars2[2] = {root, now_};
      EvalBudget budget = budget_template_;
      return engine::Run(prog, vars2, arena_, budget);
    }
    Value vars[8];
    size_t n = prog.var_names.size();
    if (n > 8) n = 8;
    if (n > 0) vars[0] = root;
    if (n > 1) vars[1] = now_;
    EvalBudget budget = budget_template_;
    return engine::Run(prog, vars, arena_, budget);
  }

  Outcome EvalPair(const CompiledPolicy& p, Value root, Finding* f) {
    if (root.is_error()) {
      if (f != nullptr)
        f->set_error_reason(
            absl::StrCat("cannot read resource: ", root.err->text()));
      return onus::v1::ERROR;
    }
    if (p.when.has_value()) {
      Value w = RunProgram(*p.when, root);
      if (w.is_error()) {
        if (f != nullptr) {
          f->set_error_reason(absl::StrCat("when: ", ErrorReason(*p.when, w)));
        }
        return onus::v1::ERROR;
      }
      if (w.kind != Kind::kBool) {
        if (f != nullptr)
          f->set_error_reason(absl::StrCat("when evaluated to ",
                                           KindName(w.kind), ", not bool"));
        return onus::v1::ERROR;
      }
      if (!w.b) return onus::v1::NOT_APPLICABLE;
    }
    Value v = RunProgram(p.require, root);
    if (v.is_error()) {
      if (f != nullptr) f->set_error_reason(ErrorReason(p.require, v));
      return onus::v1::ERROR;
    }
    if (v.kind != Kind::kBool) {
      if (f != nullptr)
        f->set_error_reason(absl::StrCat("require evaluated to ",
                                         KindName(v.kind), ", not bool"));
      return onus::v1::ERROR;
    }
    if (v.b) return onus::v1::PASS;
    if (f != nullptr) {
      f->set_message(Message(p, root));
      if (opts_.evidence) Explain(p, root, f->mutable_evidence());
    }
    return onus::v1::FAIL;
  }

  std::string Message(const CompiledPolicy& p, Value root) {
    if (p.message_parts.empty()) return p.meta.title();
    std::string out = p.message_parts[0];
    for (size_t i = 0; i < p.message_exprs.size(); ++i) {
      Value v = RunProgram(p.message_exprs[i], root);
      if (v.kind == Kind::kString) {
        absl::StrAppend(&out, v.string_view());
      } else if (v.is_error()) {
        absl::StrAppend(&out, "<error: ", v.err->text(), ">");
      } else {
        absl::StrAppend(&out, FormatValue(v));
      }
      if (i + 1 < p.message_parts.size()) {
        absl::StrAppend(&out, p.message_parts[i + 1]);
      }
    }
    return out;
  }

  // The first conjunct of `require` that is not true decides the failure.
  void Explain(const CompiledPolicy& p, Value root, onus::v1::Evidence* ev) {
    for (const Probe& probe : p.probes) {
      Value v = RunProgram(probe.program, root);
      if (v.kind == Kind::kBool && v.b) continue;
      ev->set_expression(probe.text);
      if (p.source != nullptr) {
        lang::Location b = p.source->LocationOf(probe.span.begin);
        lang::Location e = p.source->LocationOf(probe.span.end);
        auto* span = ev->mutable_span();
        span->set_file(p.source->name());
        span->set_line(b.line);
        span->set_column(b.column);
        span->set_end_line(e.line);
        span->set_end_column(e.column);
      }
      if (probe.operands.empty()) {
        auto* o = ev->add_observed();
        o->set_expression(probe.text);
        o->set_value(FormatValue(v));
      }
      for (const auto& [text, prog] : probe.operands) {
        auto* o = ev->add_observed();
        o->set_expression(text);
        o->set_value(FormatValue(RunProgram(prog, root)));
      }
      return;
    }
  }

  void FillEnvelope(const CompiledPolicy& p, const ResourceView& r,
                    Finding* f) {
    f->set_policy_id(p.meta.id());
    f->set_resource_id(std::string(r.id));
    f->set_resource_type(std::string(r.type));
    f->set_provider(static_cast<onus::v1::Provider>(r.provider));
    f->set_account(std::string(r.account));
    f->set_region(std::string(r.region));
    f->set_severity(p.meta.severity());
    f->set_owner(p.meta.owner());
    *f->mutable_service_models() = p.meta.service_models();
    f->set_domain(p.meta.domain());
    *f->mutable_frameworks() = p.meta.frameworks();
    f->set_fingerprint(Fingerprint(p.meta.id(), r.id));
  }

  struct TypeCacheEntry {
    absl::string_view type;
    TypePolicies entry;
  };
  static constexpr int kTypeCache = 4;

  const PolicyPack& pack_;
  const Inventory& inv_;
  InventoryScan* scan_;  // null when the inventory is complete
  const EvalOptions& opts_;
  const bool outcomes_only_;
  Value now_;
  Arena arena_;
  EvalBudget budget_template_;
  const ResourceView* current_ = nullptr;
  std::vector<Counts> per_policy_;
  uint64_t resources_evaluated_ = 0;
  std::vector<std::pair<size_t, std::vector<Finding>>> findings_;
  std::unique_ptr<ResourceView[]> chunk_buffer_;
  TypeCacheEntry type_cache_[kTypeCache];
  int type_cache_size_ = 0;
  // BatchFor's programs, keyed by the pack's policy list for the type
  // (spans into these vectors stay valid when the map rehashes: a moved
  // vector keeps its buffer).
  absl::flat_hash_map<const uint32_t*, std::vector<const Program*>> batches_;
  int type_cache_next_ = 0;
};

// The payload of a synthesised account resource: an otherwise empty message
// of the account type with its id field set, so `acct.account` (or `id`,
// `project_id`, ...) names the account in messages.
std::string SyntheticAccountPayload(const MessageType* type,
                                    absl::string_view id) {
  if (type == nullptr || type->prototype() == nullptr) return "";
  std::unique_ptr<google::protobuf::Message> m(type->prototype()->New());
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  for (const char* name : {"account", "account_id", "id", "project_id",
                           "subscription_id", "name"}) {
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(name);
    if (f != nullptr && !f->is_repeated() &&
        f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      m->GetReflection()->SetString(m.get(), f, std::string(id));
      break;
    }
  }
  return m->SerializeAsString();
}

// "onus.aws.Account" applies to accounts of provider "aws".
bool ProviderMatches(absl::string_view type, ProviderId provider) {
  return absl::StartsWith(type,
                          absl::StrCat("onus.", ProviderName(provider), "."));
}

// Account-level policies run once per account: an empty account resource
// is synthesised where the snapshot lists an account but carries no
// resource of the account type for it.
struct SyntheticAccounts {
  std::vector<std::unique_ptr<ResourceView>> views;
  std::vector<std::unique_ptr<std::string>> payloads;
  std::vector<std::string> types;
  std::vector<Task> tasks;
};

void SynthesizeAccounts(const PolicyPack& pack, const Inventory& inventory,
                        SyntheticAccounts* out) {
  // Account types in pack order (not a hash map's order), so the tasks
  // and their findings come out in the same order on every run.
  std::vector<std::pair<std::string, const MessageType*>> account_types;
  for (uint32_t pi : pack.AccountLevel()) {
    const CompiledPolicy& p = pack.policies()[pi];
    bool seen = false;
    for (const auto& t : account_types) seen |= t.first == p.resource_type;
    if (!seen) account_types.emplace_back(p.resource_type, p.type);
  }
  out->types.reserve(account_types.size());  // views point into it
  for (const auto& [type, message_type] : account_types) {
    out->types.push_back(type);
    const std::string& type_name = out->types.back();
    for (const auto& acct : inventory.header().accounts) {
      if (!ProviderMatches(type, acct.provider)) continue;
      if (!inventory.OfTypeInAccount(type, acct.id).empty()) continue;
      auto r = std::make_unique<ResourceView>();
      r->id = acct.id;
      r->account = acct.id;
      r->provider = acct.provider;
      r->type = type_name;
      out->payloads.push_back(std::make_unique<std::string>(
          SyntheticAccountPayload(message_type, acct.id)));
      r->payload = *out->payloads.back();
      out->views.push_back(std::move(r));
      out->tasks.push_back({out->views.back().get(), pack.ForType(type)});
    }
  }
}

// Evaluate() and EvaluateSnapshot(). With a scan, `inventory` is the scan's
// and each chunk of resources is parsed just before it is evaluated.
absl::StatusOr<onus::v1::Report> EvaluateImpl(const PolicyPack& pack,
                                              const Inventory& inventory,
                                              InventoryScan* scan,
                                              const EvalOptions& options,
                                              Inventory* inventory_out) {
  absl::Time started = absl::Now();
  const auto& header = inventory.header();
  Value now =
      header.collected_seconds != 0
          ? Value::Timestamp(header.collected_seconds, header.collected_nanos)
          : Value::Timestamp(absl::ToUnixSeconds(options.wall_now), 0);

  // Work is claimed in chunks of resources, in snapshot order; each
  // chunk's findings land in their own slot, so the merged order is
  // snapshot order for any thread count. No task list is built up front:
  // a worker finds the policies of each resource of its chunk itself.
  // With a streaming scan the chunks are found as they are claimed.
  constexpr size_t kChunk = InventoryScan::kChunk;
  const bool streaming = scan != nullptr && scan->streaming();
  const absl::Span<const ResourceView> resources = inventory.resources();
  const size_t num_chunks = streaming
                                ? scan->EstimatedChunks()
                                : (resources.size() + kChunk - 1) / kChunk;
  const bool keep_findings = options.detail != FindingDetail::kCountsOnly;
  std::atomic<size_t> next{0};

  // Synthesised accounts go after every resource; they need the indexes,
  // hence the whole inventory, so the first worker to get there builds
  // them (the others wait for it, then share the tasks).
  const bool account_level = !pack.AccountLevel().empty();
  SyntheticAccounts synth;
  absl::once_flag synth_once;
  std::atomic<size_t> synth_next{0};
  auto build_synth = [&] {
    if (scan != nullptr && !scan->EnsureAllParsed()) return;
    SynthesizeAccounts(pack, inventory, &synth);
  };

  // No more threads than chunks: a thread with nothing to claim would only
  // cost its start.
  int threads = std::max(
      1, std::min<int>(options.threads,
                       static_cast<int>(std::max<size_t>(num_chunks, 1))));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>(pack, inventory, scan, options,
                                               now, pack.policies().size()));
  }
  auto run_chunk = [&](Worker* w, size_t c, const ResourceView* views,
                       size_t n) {
    std::vector<Finding>* out = keep_findings ? w->FindingsSlot(c) : nullptr;
    for (size_t i = 0; i < n; ++i) {
      const Worker::TypePolicies ps = w->PoliciesFor(views[i].type);
      if (!ps.policies.empty()) w->Run({&views[i], ps.policies, ps.batch}, out);
    }
  };
  auto work = [&](Worker* w) {
    if (streaming) {
      // Never used with account-level policies (they need the inventory).
      ResourceView* buffer = w->ChunkBuffer();
      size_t c, first;
      while (size_t n = scan->ParseNext(buffer, &c, &first)) {
        run_chunk(w, c, buffer, n);
      }
      return;
    }
    for (;;) {
      size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= num_chunks) break;
      if (scan != nullptr && !scan->EnsureParsed(c)) return;
      const size_t begin = c * kChunk;
      run_chunk(w, c, &resources[begin],
                std::min(resources.size(), begin + kChunk) - begin);
    }
    if (!account_level) return;
    absl::call_once(synth_once, build_synth);
    for (;;) {
      size_t i = synth_next.fetch_add(1, std::memory_order_relaxed);
      if (i >= synth.tasks.size()) break;
      w->Run(synth.tasks[i],
             keep_findings ? w->FindingsSlot(num_chunks + i) : nullptr);
    }
  };
  // The calling thread is worker 0: one thread fewer to start.
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work, workers[i].get());
  work(workers[0].get());
  for (std::thread& t : pool) t.join();
  if (scan != nullptr) {
    absl::Status scanned = scan->status();
    if (!scanned.ok()) return scanned;
  }

  onus::v1::Report report;
  report.set_snapshot_id(std::string(header.id));
  if (header.collected_seconds != 0) {
    report.mutable_collected_at()->set_seconds(header.collected_seconds);
    report.mutable_collected_at()->set_nanos(header.collected_nanos);
  }
  report.set_engine_version(options.engine_version);
  std::vector<std::pair<size_t, std::vector<Finding>>*> slots;
  size_t total_findings = 0;
  for (const auto& w : workers) {
    for (auto& slot : w->findings()) {
      slots.push_back(&slot);
      total_findings += slot.second.size();
    }
  }
  std::sort(slots.begin(), slots.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  report.mutable_findings()->Reserve(static_cast<int>(total_findings));
  for (auto* slot : slots) {
    for (Finding& f : slot->second) *report.add_findings() = std::move(f);
  }

  Counts total;
  std::vector<Counts> per_policy(pack.policies().size());
  std::map<int, Counts> by_severity;
  uint64_t resources_evaluated = 0;
  for (const auto& w : workers) {
    resources_evaluated += w->resources_evaluated();
    for (size_t i = 0; i < per_policy.size(); ++i) {
      per_policy[i].Merge(w->per_policy()[i]);
    }
  }
  for (size_t i = 0; i < per_policy.size(); ++i) {
    const Counts& c = per_policy[i];
    total.Merge(c);
    if (c.total() > 0) {
      by_severity[SeveritySlot(pack.policies()[i].meta.severity())].Merge(c);
    }
  }
  for (size_t i = 0; i < per_policy.size(); ++i) {
    if (Lists(options.report_policies, per_policy[i].total())) {
      *report.add_policies() = pack.policies()[i].meta;
    }
  }
  auto* summary = report.mutable_summary();
  total.ToProto(summary->mutable_totals());
  for (auto it = by_severity.rbegin(); it != by_severity.rend(); ++it) {
    auto* s = summary->add_by_severity();
    s->set_severity(static_cast<onus::v1::Severity>(it->first));
    it->second.ToProto(s->mutable_counts());
  }
  for (size_t i = 0; i < per_policy.size(); ++i) {
    if (!Lists(options.summary_by_policy, per_policy[i].total())) continue;
    auto* pc = summary->add_by_policy();
    pc->set_policy_id(pack.policies()[i].meta.id());
    per_policy[i].ToProto(pc->mutable_counts());
  }
  summary->set_resources_evaluated(resources_evaluated);
  summary->set_policies(pack.policies().size());
  summary->set_bundle_digest(pack.bundle_digest());
  if (options.waivers != nullptr) {
    for (const auto& w : options.waivers->file().waivers()) {
      if (!Waivers::Expired(w, options.wall_now)) continue;
      auto* ref = summary->add_expired_waivers();
      ref->set_id(w.id());
      ref->set_reason(w.reason());
      ref->set_owner(w.owner());
      ref->set_ticket(w.ticket());
      *ref->mutable_expires() = w.expires();
      ref->set_expired(true);
    }
  }
  auto to_ts = [](absl::Time t, google::protobuf::Timestamp* out) {
    int64_t s = absl::ToUnixSeconds(t);
    out->set_seconds(s);
    out->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
  };
  to_ts(started, summary->mutable_started());
  to_ts(absl::Now(), summary->mutable_finished());
  if (scan != nullptr && !streaming) {
    // Every chunk was parsed (each was evaluated), and no thread is left.
    absl::StatusOr<Inventory> inv = std::move(*scan).Finish();
    if (!inv.ok()) return inv.status();
    if (inventory_out != nullptr) *inventory_out = *std::move(inv);
  }
  return report;
}

}  // namespace

absl::StatusOr<onus::v1::Report> Evaluate(const PolicyPack& pack,
                                          const Inventory& inventory,
                                          const EvalOptions& options) {
  return EvaluateImpl(pack, inventory, nullptr, options, nullptr);
}

absl::StatusOr<onus::v1::Report> EvaluateSnapshot(const PolicyPack& pack,
                                                  absl::string_view bytes,
                                                  const EvalOptions& options,
                                                  Inventory* inventory) {
  // Without joins and account-level policies no resource needs another:
  // the streaming scan finds, parses and evaluates chunk by chunk and
  // keeps nothing.
  if (inventory == nullptr && pack.AccountLevel().empty() &&
      !PackUsesJoins(pack)) {
    absl::StatusOr<std::unique_ptr<InventoryScan>> scan =
        InventoryScan::Start(bytes);
    if (!scan.ok()) return scan.status();
    absl::StatusOr<onus::v1::Report> report =
        EvaluateImpl(pack, (*scan)->inventory(), scan->get(), options, nullptr);
    // `now` is the snapshot's collected_at, read before the first
    // resource. Serializers write it there; if it came later, the run used
    // the wrong time and is done again from a complete header.
    if (!report.ok() || !(*scan)->late_collected_at()) return report;
  }
  absl::StatusOr<std::unique_ptr<InventoryScan>> scan =
      InventoryScan::Frame(bytes);
  if (!scan.ok()) return scan.status();
  return EvaluateImpl(pack, (*scan)->inventory(), scan->get(), options,
                      inventory);
}

namespace {

bool ProgramUsesJoins(const Program& p) {
  for (const CallRef& c : p.calls) {
    // Both arms as string_view: a `const char*` against a std::string
    // would make the conditional a temporary std::string that dies before
    // `name` is read.
    absl::string_view name = c.fn != nullptr ? absl::string_view(c.fn->name)
                                             : absl::string_view(c.name);
    if (name == "resources" || name == "lookup") return true;
  }
  return false;
}

}  // namespace

bool PackUsesJoins(const PolicyPack& pack) {
  for (const CompiledPolicy& p : pack.policies()) {
    if (ProgramUsesJoins(p.require)) return true;
    if (p.when.has_value() && ProgramUsesJoins(*p.when)) return true;
    for (const Program& m : p.message_exprs) {
      if (ProgramUsesJoins(m)) return true;
    }
    for (const Probe& probe : p.probes) {
      if (ProgramUsesJoins(probe.program)) return true;
      for (const auto& op : probe.operands) {
        if (ProgramUsesJoins(op.second)) return true;
      }
    }
  }
  return false;
}

}  // namespace onus::engine
