// ns per evaluation for the 10 rules of /work/shared/bench/rules.json, each
// on one representative resource (the onus.bench.cspm shapes of
// /work/shared/bench/proto_schema.mjs, variable `r`), and the time to
// compile 100 rule expressions.
//
// "Located resource": the resource's wire bytes are already in memory; each
// evaluation makes the root message view (MessageFromBytes), runs the
// program and resets the arena, so lazy field decoding is included.
//
//   bazel run -c opt //engine:vm_benchmark          (computed goto)
//   bazel run -c opt //engine:vm_benchmark_switch   (-DONUS_VM_SWITCH)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/cspm/cspm.pb.h"
#include "engine/expr.h"
#include "engine/message_type.h"
#include "engine/value.h"
#include "engine/vm.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace onus::engine {
namespace {

namespace cspm = ::onus::bench::cspm;

struct Rule {
  const char* id;
  const char* group;
  const char* cel;
};

// The rules of /work/shared/bench/rules.json (data, copied verbatim).
const Rule kRules[] = {
    {"s3_no_public_access", "s3_buckets",
     "!(r.acl in ['public-read', 'public-read-write']) && "
     "r.public_access_block.block_public_acls && "
     "r.public_access_block.ignore_public_acls && "
     "r.public_access_block.block_public_policy && "
     "r.public_access_block.restrict_public_buckets"},
    {"s3_encrypted", "s3_buckets",
     "r.encryption.algorithm in ['AES256', 'aws:kms']"},
    {"s3_versioning", "s3_buckets",
     "r.versioning.status == 'Enabled' && (!('env' in r.tags) || "
     "r.tags['env'] != 'prod' || r.versioning.mfa_delete)"},
    {"s3_required_tags", "s3_buckets",
     "'owner' in r.tags && 'env' in r.tags && r.tags['env'] in ['prod', "
     "'staging', 'dev'] && 'cost_center' in r.tags"},
    {"sg_no_world_ssh", "security_groups",
     "!r.ingress.exists(i, (i.cidr == '0.0.0.0/0' || i.cidr == '::/0') && "
     "(i.protocol == '-1' || (i.protocol == 'tcp' && i.from_port <= 22 && "
     "i.to_port >= 22)))"},
    {"sg_no_world_rdp", "security_groups",
     "!r.ingress.exists(i, (i.cidr == '0.0.0.0/0' || i.cidr == '::/0') && "
     "(i.protocol == '-1' || (i.protocol == 'tcp' && i.from_port <= 3389 && "
     "i.to_port >= 3389)))"},
    {"sg_no_wide_world_range", "security_groups",
     "r.ingress.all(i, !(i.cidr == '0.0.0.0/0' || i.cidr == '::/0') || "
     "(i.protocol != '-1' && i.to_port - i.from_port < 1000))"},
    {"iam_console_mfa", "iam_users", "!r.console_access || r.mfa_enabled"},
    {"iam_key_rotation_90d", "iam_users",
     "r.access_keys.all(k, !k.active || k.age_days <= 90)"},
    {"iam_max_one_active_key", "iam_users",
     "size(r.access_keys.filter(k, k.active)) <= 1"},
};

// Map entries in key order: protobuf's default map order changes from run
// to run (a per-process hash seed), which moved the tag lookups' cost.
std::string Deterministic(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream s(&out);
    google::protobuf::io::CodedOutputStream c(&s);
    c.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&c);
  }
  return out;
}

// One representative resource per group, shaped like the generator's.
std::string Resource(absl::string_view group,
                     const google::protobuf::Descriptor** desc) {
  if (group == "s3_buckets") {
    cspm::S3Bucket b;
    b.set_name("acme-logs-0042");
    b.set_arn("arn:aws:s3:::acme-logs-0042");
    b.set_region("eu-west-1");
    b.set_created_at(1700000000);
    b.set_acl("private");
    auto* p = b.mutable_public_access_block();
    p->set_block_public_acls(true);
    p->set_ignore_public_acls(true);
    p->set_block_public_policy(true);
    p->set_restrict_public_buckets(true);
    b.mutable_encryption()->set_algorithm("aws:kms");
    (*b.mutable_tags())["owner"] = "platform";
    (*b.mutable_tags())["env"] = "prod";
    (*b.mutable_tags())["cost_center"] = "cc-104";
    b.mutable_versioning()->set_status("Enabled");
    b.mutable_versioning()->set_mfa_delete(true);
    *desc = cspm::S3Bucket::descriptor();
    return Deterministic(b);
  }
  if (group == "security_groups") {
    cspm::SecurityGroup sg;
    sg.set_id("sg-0a1b2c3d");
    sg.set_name("web");
    sg.set_vpc_id("vpc-1234");
    sg.set_region("us-east-1");
    const struct {
      const char* cidr;
      int from, to;
      const char* proto;
    } kRulesIn[] = {{"10.0.0.0/8", 22, 22, "tcp"},
                    {"0.0.0.0/0", 443, 443, "tcp"},
                    {"0.0.0.0/0", 80, 80, "tcp"},
                    {"192.168.0.0/16", 0, 65535, "-1"}};
    for (const auto& in : kRulesIn) {
      auto* r = sg.add_ingress();
      r->set_cidr(in.cidr);
      r->set_from_port(in.from);
      r->set_to_port(in.to);
      r->set_protocol(in.proto);
    }
    *desc = cspm::SecurityGroup::descriptor();
    return Deterministic(sg);
  }
  cspm::IamUser u;
  u.set_name("alice");
  u.set_arn("arn:aws:iam::123456789012:user/alice");
  u.set_console_access(true);
  u.set_mfa_enabled(true);
  auto* k1 = u.add_access_keys();
  k1->set_id("AKIA0001");
  k1->set_age_days(30);
  k1->set_active(true);
  auto* k2 = u.add_access_keys();
  k2->set_id("AKIA0002");
  k2->set_age_days(400);
  k2->set_active(false);
  u.add_groups("developers");
  *desc = cspm::IamUser::descriptor();
  return Deterministic(u);
}

std::unique_ptr<CompiledExpr> CompileRule(const Rule& rule,
                                          const google::protobuf::Descriptor* d,
                                          bool check = true) {
  ExprOptions opts;
  opts.check = check;
  opts.variables = {{"r", lang::Type::Message(d)}};
  auto e = CompiledExpr::Compile(rule.cel, opts, nullptr);
  if (!e.ok()) {
    fprintf(stderr, "%s: %s\n", rule.id,
            std::string(e.status().message()).c_str());
    abort();
  }
  return std::move(*e);
}

void BM_Rule(benchmark::State& state, int index, bool check) {
  const Rule& rule = kRules[index];
  const google::protobuf::Descriptor* desc = nullptr;
  const std::string bytes = Resource(rule.group, &desc);
  std::unique_ptr<CompiledExpr> expr = CompileRule(rule, desc, check);
  const Program& program = expr->program();
  const MessageType& type = *MessageType::For(desc);
  // ONUS_BENCH_EXPLAIN=1 prints each rule's bytecode once.
  static absl::flat_hash_set<std::string>* explained =
      new absl::flat_hash_set<std::string>();
  if (getenv("ONUS_BENCH_EXPLAIN") != nullptr &&
      explained->insert(absl::StrCat(rule.id, check)).second) {
    fprintf(stderr, "%s (%s):\n%s\n", rule.id, check ? "checked" : "unchecked",
            expr->Disassemble().c_str());
  }
  Arena arena;
  Value result;
  for (auto _ : state) {
    Value r = MessageFromBytes(arena, type, bytes);
    EvalBudget budget;
    result = Run(program, &r, arena, budget);
    benchmark::DoNotOptimize(result);
    arena.Reset();
  }
  if (result.kind != Kind::kBool) {
    state.SkipWithError("rule did not evaluate to a bool");
  }
  state.SetLabel(absl::StrCat(rule.id, result.b ? " pass" : " fail", " (",
                              program.code.size(), " instrs, ",
                              VmDispatchKind(), ")"));
}

// ONUS_BENCH_ITERATIONS=N runs every benchmark exactly N iterations: with a
// fixed amount of work, an instruction count (valgrind --tool=callgrind, two
// runs with different N, the difference divided by the difference in N) is
// a per-evaluation figure that does not depend on the machine's load.
void FixedIterations(benchmark::internal::Benchmark* b) {
  if (const char* n = getenv("ONUS_BENCH_ITERATIONS")) {
    b->Iterations(std::strtoll(n, nullptr, 10));
  }
}

// Mean over all rules in one loop: the "mean under 100 ns".
void BM_AllRulesMean(benchmark::State& state) {
  struct Compiled {
    std::unique_ptr<CompiledExpr> expr;
    std::string bytes;
    const MessageType* type;
  };
  std::vector<Compiled> all;
  for (const Rule& rule : kRules) {
    const google::protobuf::Descriptor* desc = nullptr;
    std::string bytes = Resource(rule.group, &desc);
    all.push_back(
        {CompileRule(rule, desc), std::move(bytes), MessageType::For(desc)});
  }
  Arena arena;
  for (auto _ : state) {
    for (const Compiled& c : all) {
      Value r = MessageFromBytes(arena, *c.type, c.bytes);
      EvalBudget budget;
      Value v = Run(c.expr->program(), &r, arena, budget);
      benchmark::DoNotOptimize(v);
      arena.Reset();
    }
  }
  state.SetItemsProcessed(state.iterations() * all.size());
  state.SetLabel("items_per_second = rule evaluations/s");
}
BENCHMARK(BM_AllRulesMean)->Apply(FixedIterations);

// As the evaluator runs them: one view per resource, shared by every rule
// of the resource's type (the lazy field index is built once per resource,
// not once per rule); the arena is reset per resource.
void BM_AllRulesSharedView(benchmark::State& state) {
  struct Group {
    std::string bytes;
    const MessageType* type;
    std::vector<std::unique_ptr<CompiledExpr>> rules;
  };
  std::vector<Group> groups;
  for (const Rule& rule : kRules) {
    const google::protobuf::Descriptor* desc = nullptr;
    std::string bytes = Resource(rule.group, &desc);
    if (groups.empty() || groups.back().type != MessageType::For(desc)) {
      groups.push_back({std::move(bytes), MessageType::For(desc), {}});
    }
    groups.back().rules.push_back(CompileRule(rule, desc));
  }
  Arena arena;
  for (auto _ : state) {
    for (const Group& g : groups) {
      Value r = MessageFromBytes(arena, *g.type, g.bytes);
      for (const auto& e : g.rules) {
        EvalBudget budget;
        Value v = Run(e->program(), &r, arena, budget);
        benchmark::DoNotOptimize(v);
      }
      arena.Reset();
    }
  }
  state.SetItemsProcessed(state.iterations() * std::size(kRules));
  state.SetLabel("items_per_second = rule evaluations/s");
}
BENCHMARK(BM_AllRulesSharedView)->Apply(FixedIterations);

// Facade path (Activation lookup per evaluation) for reference.
void BM_FacadeEvaluate(benchmark::State& state) {
  const Rule& rule = kRules[0];
  const google::protobuf::Descriptor* desc = nullptr;
  const std::string bytes = Resource(rule.group, &desc);
  std::unique_ptr<CompiledExpr> expr = CompileRule(rule, desc);
  const MessageType& type = *MessageType::For(desc);
  Arena arena;
  for (auto _ : state) {
    Activation act;
    act.Bind("r", MessageFromBytes(arena, type, bytes));
    Value v = expr->Evaluate(act, arena);
    benchmark::DoNotOptimize(v);
    arena.Reset();
  }
}
BENCHMARK(BM_FacadeEvaluate)->Apply(FixedIterations);

// Compiling 100 policies' expressions (the 10 rules, 10 times each):
// parse + check + all compiler passes.
void BM_Compile100Rules(benchmark::State& state) {
  std::vector<const google::protobuf::Descriptor*> descs;
  for (const Rule& rule : kRules) {
    const google::protobuf::Descriptor* d = nullptr;
    Resource(rule.group, &d);
    descs.push_back(d);
  }
  for (auto _ : state) {
    for (int round = 0; round < 10; ++round) {
      for (size_t i = 0; i < std::size(kRules); ++i) {
        auto e = CompileRule(kRules[i], descs[i]);
        benchmark::DoNotOptimize(e);
      }
    }
  }
  state.SetLabel("100 expressions per iteration");
}
BENCHMARK(BM_Compile100Rules)
    ->Unit(benchmark::kMillisecond)
    ->Apply(FixedIterations);

// Per-rule benchmarks, checked (typed field operands) and unchecked
// (fields by name at run time).
const bool kRegistered = [] {
  for (int i = 0; i < static_cast<int>(std::size(kRules)); ++i) {
    benchmark::RegisterBenchmark(
        absl::StrCat("BM_Rule/", kRules[i].id).c_str(),
        [i](benchmark::State& s) { BM_Rule(s, i, true); })
        ->Apply(FixedIterations);
  }
  for (int i = 0; i < static_cast<int>(std::size(kRules)); ++i) {
    benchmark::RegisterBenchmark(
        absl::StrCat("BM_RuleUnchecked/", kRules[i].id).c_str(),
        [i](benchmark::State& s) { BM_Rule(s, i, false); })
        ->Apply(FixedIterations);
  }
  return true;
}();

}  // namespace
}  // namespace onus::engine
