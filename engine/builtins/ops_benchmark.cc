// Micro benchmarks for the VM's hot builtins: each must stay a few ns and
// allocation-free on its fast path.
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "engine/builtins.h"
#include "engine/builtins/ops.h"
#include "engine/value.h"

namespace onus::engine {
namespace {

void BM_EqualsInt(benchmark::State& state) {
  Arena arena;
  CallContext ctx{&arena};
  Value a = Value::Int(42), b = Value::Int(42);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(Equals(ctx, a, b));
  }
}
BENCHMARK(BM_EqualsInt);

void BM_EqualsString(benchmark::State& state) {
  Arena arena;
  CallContext ctx{&arena};
  std::string x = "arn:aws:s3:::bucket-name", y = x;
  Value a = Value::String(x), b = Value::String(y);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(Equals(ctx, a, b));
  }
}
BENCHMARK(BM_EqualsString);

void BM_LessIntDouble(benchmark::State& state) {
  Arena arena;
  CallContext ctx{&arena};
  Value a = Value::Int(22), b = Value::Double(3389.5);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(Less(ctx, a, b));
  }
}
BENCHMARK(BM_LessIntDouble);

void BM_AddInt(benchmark::State& state) {
  Arena arena;
  CallContext ctx{&arena};
  Value a = Value::Int(22), b = Value::Int(3389);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(Add(ctx, a, b));
  }
}
BENCHMARK(BM_AddInt);

void BM_InStringList(benchmark::State& state) {
  Arena arena;
  CallContext ctx{&arena};
  std::vector<std::string> names = {"0.0.0.0/0", "::/0", "10.0.0.0/8",
                                    "172.16.0.0/12", "192.168.0.0/16"};
  std::vector<Value> items;
  for (const auto& n : names) items.push_back(Value::String(n));
  Value list = MakeList(arena, items.data(), items.size());
  std::string probe = "::/0";
  Value p = Value::String(probe);
  for (auto _ : state) {
    benchmark::DoNotOptimize(p);
    benchmark::DoNotOptimize(In(ctx, p, list));
  }
}
BENCHMARK(BM_InStringList);

void BM_IndexMap(benchmark::State& state) {
  Arena arena;
  CallContext ctx{&arena};
  const int n = static_cast<int>(state.range(0));
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back("tag-key-" + std::to_string(i));
  std::vector<Value> keys, values;
  for (int i = 0; i < n; ++i) {
    keys.push_back(Value::String(names[i]));
    values.push_back(Value::Int(i));
  }
  Value map = MakeMap(arena, keys.data(), values.data(), n);
  Value probe = Value::String(names[n - 1]);
  for (auto _ : state) {
    benchmark::DoNotOptimize(probe);
    benchmark::DoNotOptimize(Index(ctx, map, probe));
  }
}
BENCHMARK(BM_IndexMap)->Arg(4)->Arg(8)->Arg(64)->Arg(1024);

void BM_MatchesCached(benchmark::State& state) {
  Arena arena;
  CallContext ctx{&arena};
  const Builtin* matches = FindBuiltin("matches", true, 2);
  std::string s = "arn:aws:iam::123456789012:role/admin",
              re = "^arn:aws:iam::[0-9]{12}:role/";
  Value args[2] = {Value::String(s), Value::String(re)};
  for (auto _ : state) {
    benchmark::DoNotOptimize(matches->fn(ctx, args, 2));
  }
}
BENCHMARK(BM_MatchesCached);

void BM_CidrContains(benchmark::State& state) {
  Arena arena;
  CallContext ctx{&arena};
  const Builtin* cidr = FindBuiltin("cidr", false, 1);
  const Builtin* contains = FindBuiltin("containsIP", true, 2);
  std::string net = "10.0.0.0/8", ip = "10.1.2.3";
  Value a = Value::String(net);
  Value c = cidr->fn(ctx, &a, 1);
  for (auto _ : state) {
    Value args[2] = {c, Value::String(ip)};
    benchmark::DoNotOptimize(contains->fn(ctx, args, 2));
    arena.Reset();
    c = cidr->fn(ctx, &a, 1);
  }
}
BENCHMARK(BM_CidrContains);

}  // namespace
}  // namespace onus::engine
