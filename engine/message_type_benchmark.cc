// Micro benchmarks of the lazy protobuf view against full parsing.
//
// The shape of a typical rule: read 5 bools of a nested message
// (bucket.public_access_block.*) from a ~150-byte S3-bucket-like resource.
// Each iteration starts from fresh bytes (new MessageObj, empty index), so
// the index pass is included, as it is once per resource in the engine.
#include <string>

#include "benchmark/benchmark.h"
#include "engine/message_type.h"
#include "engine/value.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/struct.pb.h"
#include "testdata/view_test.pb.h"

namespace onus::engine {
namespace {

std::string BucketBytes() {
  onus::test::Bucket b;
  b.set_name("prod-customer-data-eu-west-1");
  b.set_region("eu-west-1");
  b.set_arn("arn:aws:s3:::prod-customer-data-eu-west-1");
  b.set_created(1700000000);
  auto* pab = b.mutable_public_access_block();
  pab->set_block_public_acls(true);
  pab->set_ignore_public_acls(true);
  pab->set_block_public_policy(false);
  pab->set_restrict_public_buckets(true);
  pab->set_enabled(true);
  b.set_owner("1234567890");
  b.set_versioning(true);
  b.set_logging(false);
  b.set_kms_key("arn:aws:kms:eu-west-1:1234:key/abcd");
  (*b.mutable_tags())["env"] = "prod";
  return b.SerializeAsString();
}

void BM_LazyView_FiveNestedBools(benchmark::State& state) {
  std::string bytes = BucketBytes();
  const MessageType* t = MessageType::For(onus::test::Bucket::descriptor());
  const FieldInfo* pab_f = t->FindField("public_access_block");
  const MessageType* pt = pab_f->message;
  const FieldInfo* fs[5];
  for (int i = 0; i < 5; ++i) fs[i] = pt->FieldByNumber(i + 1);
  Arena arena;
  for (auto _ : state) {
    Value root = MessageFromBytes(arena, *t, bytes);
    Value pab = GetField(arena, *root.msg, *pab_f);
    int n = 0;
    for (const FieldInfo* f : fs) n += GetField(arena, *pab.msg, *f).b;
    benchmark::DoNotOptimize(n);
    arena.Reset();
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_LazyView_FiveNestedBools);

// A policy set on one resource: 10 rules, each reading
// bucket.public_access_block.<one bool> and bucket.versioning. The root
// view (and its index) is shared by all rules, as in the evaluator.
void BM_LazyView_TenRulesOneResource(benchmark::State& state) {
  std::string bytes = BucketBytes();
  const MessageType* t = MessageType::For(onus::test::Bucket::descriptor());
  const FieldInfo* pab_f = t->FindField("public_access_block");
  const FieldInfo* ver_f = t->FindField("versioning");
  const MessageType* pt = pab_f->message;
  Arena arena;
  for (auto _ : state) {
    Value root = MessageFromBytes(arena, *t, bytes);
    int n = 0;
    for (int rule = 0; rule < 10; ++rule) {
      Value pab = GetField(arena, *root.msg, *pab_f);
      n += GetField(arena, *pab.msg, *pt->FieldByNumber(rule % 5 + 1)).b;
      n += GetField(arena, *root.msg, *ver_f).b;
    }
    benchmark::DoNotOptimize(n);
    arena.Reset();
  }
}
BENCHMARK(BM_LazyView_TenRulesOneResource);

// Reads after the index exists: the steady-state cost of one field read.
void BM_LazyView_IndexedRead(benchmark::State& state) {
  std::string bytes = BucketBytes();
  const MessageType* t = MessageType::For(onus::test::Bucket::descriptor());
  const FieldInfo* f = t->FindField("versioning");
  Arena arena;
  Value root = MessageFromBytes(arena, *t, bytes);
  GetField(arena, *root.msg, *f);
  for (auto _ : state) {
    benchmark::DoNotOptimize(GetField(arena, *root.msg, *f));
  }
}
BENCHMARK(BM_LazyView_IndexedRead);

// An indexed string read (view into the wire bytes + UTF-8 check).
void BM_LazyView_IndexedStringRead(benchmark::State& state) {
  std::string bytes = BucketBytes();
  const MessageType* t = MessageType::For(onus::test::Bucket::descriptor());
  const FieldInfo* f = t->FindField("arn");
  Arena arena;
  Value root = MessageFromBytes(arena, *t, bytes);
  GetField(arena, *root.msg, *f);
  for (auto _ : state) {
    benchmark::DoNotOptimize(GetField(arena, *root.msg, *f));
  }
}
BENCHMARK(BM_LazyView_IndexedStringRead);

void BM_LazyView_MapLookup(benchmark::State& state) {
  std::string bytes = BucketBytes();
  const MessageType* t = MessageType::For(onus::test::Bucket::descriptor());
  const FieldInfo* f = t->FindField("tags");
  Arena arena;
  for (auto _ : state) {
    Value root = MessageFromBytes(arena, *t, bytes);
    Value tags = GetField(arena, *root.msg, *f);
    bool found;
    benchmark::DoNotOptimize(
        MapFind(arena, *tags.map, Value::String("env"), &found));
    arena.Reset();
  }
}
BENCHMARK(BM_LazyView_MapLookup);

// Lookup in a 16-entry string map view (the view is made once).
void BM_LazyView_MapFind16(benchmark::State& state) {
  onus::test::Bucket b;
  for (int i = 0; i < 16; ++i) {
    (*b.mutable_tags())["key-" + std::to_string(i)] = "value";
  }
  std::string bytes = b.SerializeAsString();
  const MessageType* t = MessageType::For(onus::test::Bucket::descriptor());
  Arena arena;
  Value root = MessageFromBytes(arena, *t, bytes);
  Value tags = GetField(arena, *root.msg, *t->FindField("tags"));
  Value key = Value::String("key-3");
  for (auto _ : state) {
    bool found;
    benchmark::DoNotOptimize(MapFind(arena, *tags.map, key, &found));
  }
}
BENCHMARK(BM_LazyView_MapFind16);

// A schemaless resource (google.protobuf.Struct with 10 keys): fresh view,
// one lookup of a string value.
void BM_LazyView_StructLookup(benchmark::State& state) {
  google::protobuf::Struct st;
  for (int i = 0; i < 10; ++i) {
    (*st.mutable_fields())["field" + std::to_string(i)].set_string_value(
        "some value");
  }
  (*st.mutable_fields())["Encrypted"].set_bool_value(true);
  std::string bytes = st.SerializeAsString();
  const MessageType* t =
      MessageType::For(google::protobuf::Struct::descriptor());
  Value key = Value::String("Encrypted");
  Arena arena;
  for (auto _ : state) {
    Value root = MessageFromBytes(arena, *t, bytes);
    bool found;
    benchmark::DoNotOptimize(MapFind(arena, *root.map, key, &found));
    arena.Reset();
  }
}
BENCHMARK(BM_LazyView_StructLookup);

// Baselines: full parse with the generated class and with DynamicMessage.
void BM_GeneratedParse_FiveNestedBools(benchmark::State& state) {
  std::string bytes = BucketBytes();
  for (auto _ : state) {
    onus::test::Bucket b;
    b.ParseFromString(bytes);
    const auto& p = b.public_access_block();
    int n = p.block_public_acls() + p.ignore_public_acls() +
            p.block_public_policy() + p.restrict_public_buckets() + p.enabled();
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_GeneratedParse_FiveNestedBools);

void BM_DynamicMessageParse_FiveNestedBools(benchmark::State& state) {
  std::string bytes = BucketBytes();
  google::protobuf::DynamicMessageFactory factory;
  const google::protobuf::Message* proto =
      factory.GetPrototype(onus::test::Bucket::descriptor());
  const google::protobuf::FieldDescriptor* pab_fd =
      onus::test::Bucket::descriptor()->FindFieldByName("public_access_block");
  for (auto _ : state) {
    std::unique_ptr<google::protobuf::Message> m(proto->New());
    m->ParseFromString(bytes);
    const google::protobuf::Message& p =
        m->GetReflection()->GetMessage(*m, pab_fd);
    const google::protobuf::Reflection* r = p.GetReflection();
    int n = 0;
    for (int i = 0; i < 5; ++i) {
      n += r->GetBool(p, p.GetDescriptor()->field(i));
    }
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_DynamicMessageParse_FiveNestedBools);

}  // namespace
}  // namespace onus::engine
