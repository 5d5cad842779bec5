#include "engine/value.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace onus::engine {
namespace {

TEST(ArenaTest, AllocatesAlignedAndResets) {
  Arena arena(128);
  void* a = arena.Allocate(3, 1);
  void* b = arena.Allocate(8, 8);
  EXPECT_NE(a, b);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 8, 0u);
  // Larger than a block: gets its own block.
  char* big = static_cast<char*>(arena.Allocate(1000, 16));
  std::memset(big, 'x', 1000);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big) % 16, 0u);
  EXPECT_GE(arena.bytes_used(), 1011u);
  arena.Reset();
  EXPECT_EQ(arena.bytes_used(), 0u);
  absl::string_view s = arena.CopyString("hello");
  EXPECT_EQ(s, "hello");
}

TEST(ArenaTest, ManySmallAllocationsSpanBlocks) {
  Arena arena(256);
  std::vector<int64_t*> ptrs;
  for (int i = 0; i < 1000; ++i) {
    int64_t* p = arena.New<int64_t>(i);
    ptrs.push_back(p);
  }
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(*ptrs[i], i);
}

TEST(ValueTest, KindNamesAndTypes) {
  EXPECT_STREQ(KindName(Kind::kInt), "int");
  EXPECT_STREQ(KindName(Kind::kNull), "null_type");
  EXPECT_EQ(BuiltinType(Kind::kString)->kind, Kind::kString);
  EXPECT_STREQ(BuiltinType(Kind::kString)->name, "string");
  EXPECT_EQ(TypeOfType(), BuiltinType(Kind::kType));
  EXPECT_EQ(NullType()->kind, Kind::kNull);
  EXPECT_EQ(BuiltinType(Kind::kInt), BuiltinType(Kind::kInt));
}

TEST(ValueTest, Errors) {
  Arena arena;
  Value e = MakeError(arena, ErrorCode::kNoSuchKey, "no such key: 'x'");
  ASSERT_TRUE(e.is_error());
  EXPECT_EQ(e.err->code, ErrorCode::kNoSuchKey);
  EXPECT_EQ(e.err->text(), "no such key: 'x'");
  EXPECT_EQ(e.err->message[e.err->message_len], '\0');
  Value s1 = StaticError(ErrorCode::kDivisionByZero, "division by zero");
  Value s2 = StaticError(ErrorCode::kDivisionByZero, "division by zero");
  EXPECT_EQ(s1.err, s2.err);  // interned
  EXPECT_EQ(s1.err->text(), "division by zero");
}

TEST(ValueTest, ListsCopyItems) {
  Arena arena;
  Value items[] = {Value::Int(1), Value::String("a")};
  Value l = MakeList(arena, items, 2);
  items[0] = Value::Int(9);
  ASSERT_EQ(l.kind, Kind::kList);
  EXPECT_EQ(l.list->size, 2u);
  EXPECT_EQ(l.list->items[0].i, 1);
  Value empty = MakeList(arena, nullptr, 0);
  EXPECT_EQ(empty.list->size, 0u);
}

TEST(ValueTest, SmallMapHeterogeneousKeys) {
  Arena arena;
  Value keys[] = {Value::Int(1), Value::String("a"), Value::Bool(true)};
  Value vals[] = {Value::Int(10), Value::Int(20), Value::Int(30)};
  Value m = MakeMap(arena, keys, vals, 3);
  EXPECT_EQ(m.map->index, nullptr);
  ASSERT_NE(ArrayMapFind(*m.map, Value::Uint(1)), nullptr);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::Uint(1))->i, 10);
  ASSERT_NE(ArrayMapFind(*m.map, Value::Double(1.0)), nullptr);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::Double(1.5)), nullptr);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::String("a"))->i, 20);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::String("b")), nullptr);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::Bool(true))->i, 30);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::Bool(false)), nullptr);
}

TEST(ValueTest, LargeMapUsesIndex) {
  Arena arena;
  std::vector<Value> keys, vals;
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back("key" + std::to_string(i));
  for (int i = 0; i < 100; ++i) {
    keys.push_back(Value::String(names[i]));
    vals.push_back(Value::Int(i));
    keys.push_back(Value::Int(i));
    vals.push_back(Value::Int(1000 + i));
  }
  keys.push_back(Value::Uint(18446744073709551615ull));
  vals.push_back(Value::Int(-1));
  Value m = MakeMap(arena, keys.data(), vals.data(), keys.size());
  ASSERT_NE(m.map->index, nullptr);
  for (int i = 0; i < 100; ++i) {
    const Value* v = ArrayMapFind(*m.map, Value::String(names[i]));
    ASSERT_NE(v, nullptr) << names[i];
    EXPECT_EQ(v->i, i);
    v = ArrayMapFind(*m.map, Value::Uint(i));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->i, 1000 + i);
    v = ArrayMapFind(*m.map, Value::Double(i));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->i, 1000 + i);
  }
  EXPECT_EQ(ArrayMapFind(*m.map, Value::String("nope")), nullptr);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::Int(-5)), nullptr);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::Double(3.5)), nullptr);
  ASSERT_NE(ArrayMapFind(*m.map, Value::Uint(18446744073709551615ull)),
            nullptr);
  EXPECT_EQ(ArrayMapFind(*m.map, Value::Int(-1)), nullptr);
}

TEST(ValueTest, OptionalAndString) {
  Arena arena;
  Value o = MakeOptional(arena, true, Value::Int(3));
  EXPECT_TRUE(o.opt->has_value);
  EXPECT_EQ(o.opt->value.i, 3);
  Value none = MakeOptional(arena, false, Value::Int(3));
  EXPECT_FALSE(none.opt->has_value);
  std::string src = "copied";
  Value s = NewString(arena, src);
  src[0] = 'X';
  EXPECT_EQ(s.string_view(), "copied");
}

// The overlapping-load comparison must see a difference at any position of
// any length, and never report a difference where there is none.
TEST(SameBytesTest, SeesADifferenceAtEveryPosition) {
  for (uint32_t n = 0; n <= 40; ++n) {
    const std::string a(n, 'x');
    const std::string copy = a;
    EXPECT_TRUE(SameBytes(a.data(), copy.data(), n)) << n;
    for (uint32_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = 'y';
      EXPECT_FALSE(SameBytes(a.data(), b.data(), n)) << n << " " << i;
    }
  }
}

}  // namespace
}  // namespace onus::engine
