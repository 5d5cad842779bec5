#include "engine/message_type.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/message_type_internal.h"
#include "engine/value.h"
#include "engine/wire_internal.h"
#include "gmock/gmock.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "testdata/view_test.pb.h"
#include "testdata/view_test2.pb.h"

namespace onus::engine {
namespace {

using ::onus::test::AllTypes;
using ::onus::test::Bucket;
using ::onus::test::Inner;
using ::onus::test2::Defaults;
using ::testing::HasSubstr;

// Holds the wire bytes and the arena for one test message.
class ViewTest : public ::testing::Test {
 protected:
  template <typename M>
  MessageObj View(const M& m) {
    wire_ = m.SerializeAsString();
    return ViewBytes(M::descriptor(), wire_);
  }
  MessageObj ViewBytes(const google::protobuf::Descriptor* d,
                       const std::string& bytes) {
    Value v = MessageFromBytes(arena_, *MessageType::For(d), bytes);
    EXPECT_EQ(v.kind, Kind::kMessage);
    return *v.msg;
  }
  Value Get(const MessageObj& m, absl::string_view field) {
    const FieldInfo* f = m.type->FindField(field);
    EXPECT_NE(f, nullptr) << field;
    if (f == nullptr) return Value();
    return GetField(arena_, m, *f);
  }
  bool Has(const MessageObj& m, absl::string_view field) {
    return HasField(m, *m.type->FindField(field));
  }
  std::string Str(const Value& v) {
    EXPECT_TRUE(v.kind == Kind::kString || v.kind == Kind::kBytes)
        << KindName(v.kind);
    return std::string(v.str, v.len);
  }
  std::string ErrText(const Value& v) {
    EXPECT_EQ(v.kind, Kind::kError);
    if (v.kind != Kind::kError) return "";
    return std::string(v.err->text());
  }

  // The view's value `got` of singular field f against protobuf's
  // reflection on the same bytes: scalars, strings, enums (except
  // NullValue), and plain sub-messages compared in full.
  void ExpectSameAsReflection(const Value& got,
                              const google::protobuf::Message& ref,
                              const FieldInfo& f, const std::string& where) {
    using google::protobuf::FieldDescriptor;
    const FieldDescriptor* fd = f.fd;
    const google::protobuf::Reflection* r = ref.GetReflection();
    switch (fd->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        EXPECT_EQ(got.i, r->GetInt32(ref, fd)) << where;
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        EXPECT_EQ(got.i, r->GetInt64(ref, fd)) << where;
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        EXPECT_EQ(got.u, r->GetUInt32(ref, fd)) << where;
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        EXPECT_EQ(got.u, r->GetUInt64(ref, fd)) << where;
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double want = fd->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE
                          ? r->GetDouble(ref, fd)
                          : r->GetFloat(ref, fd);
        EXPECT_TRUE(got.d == want || (std::isnan(got.d) && std::isnan(want)))
            << where;
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        EXPECT_EQ(got.b, r->GetBool(ref, fd)) << where;
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        if (!f.null_enum) {
          EXPECT_EQ(got.i, r->GetEnumValue(ref, fd)) << where;
        }
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        EXPECT_EQ(Str(got), r->GetString(ref, fd)) << where;
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (f.conv == FieldConv::kNone) {
          ASSERT_EQ(got.kind, Kind::kMessage) << where;
          auto dm = ToDynamicMessage(*got.msg);
          ASSERT_TRUE(dm.ok()) << dm.status() << " " << where;
          EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
              **dm, r->GetMessage(ref, fd)))
              << where;
        }
        break;
      default:
        break;
    }
  }

  Arena arena_;
  std::string wire_;
};

TEST_F(ViewTest, EveryScalarType) {
  AllTypes m;
  m.set_f_int32(-5);
  m.set_f_int64(std::numeric_limits<int64_t>::min());
  m.set_f_uint32(4000000000u);
  m.set_f_uint64(std::numeric_limits<uint64_t>::max());
  m.set_f_sint32(-123456);
  m.set_f_sint64(-9876543210LL);
  m.set_f_fixed32(0xdeadbeef);
  m.set_f_fixed64(0x0123456789abcdefULL);
  m.set_f_sfixed32(-42);
  m.set_f_sfixed64(-4242424242LL);
  m.set_f_float(1.25f);
  m.set_f_double(-3.5e100);
  m.set_f_bool(true);
  m.set_f_string("héllo");
  m.set_f_bytes(std::string("\0\1\2", 3));
  m.set_f_enum(onus::test::GREEN);
  m.set_high_number(77);
  MessageObj v = View(m);

  Value x = Get(v, "f_int32");
  EXPECT_EQ(x.kind, Kind::kInt);
  EXPECT_EQ(x.i, -5);
  EXPECT_EQ(Get(v, "f_int64").i, std::numeric_limits<int64_t>::min());
  x = Get(v, "f_uint32");
  EXPECT_EQ(x.kind, Kind::kUint);
  EXPECT_EQ(x.u, 4000000000u);
  EXPECT_EQ(Get(v, "f_uint64").u, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(Get(v, "f_sint32").i, -123456);
  EXPECT_EQ(Get(v, "f_sint64").i, -9876543210LL);
  EXPECT_EQ(Get(v, "f_fixed32").u, 0xdeadbeefu);
  EXPECT_EQ(Get(v, "f_fixed64").u, 0x0123456789abcdefULL);
  EXPECT_EQ(Get(v, "f_sfixed32").i, -42);
  EXPECT_EQ(Get(v, "f_sfixed64").i, -4242424242LL);
  x = Get(v, "f_float");
  EXPECT_EQ(x.kind, Kind::kDouble);
  EXPECT_EQ(x.d, 1.25);
  EXPECT_EQ(Get(v, "f_double").d, -3.5e100);
  x = Get(v, "f_bool");
  EXPECT_EQ(x.kind, Kind::kBool);
  EXPECT_TRUE(x.b);
  x = Get(v, "f_string");
  EXPECT_EQ(x.kind, Kind::kString);
  EXPECT_EQ(Str(x), "héllo");
  // Strings are views into the wire bytes, not copies.
  EXPECT_GE(x.str, wire_.data());
  EXPECT_LT(x.str, wire_.data() + wire_.size());
  x = Get(v, "f_bytes");
  EXPECT_EQ(x.kind, Kind::kBytes);
  EXPECT_EQ(Str(x), std::string("\0\1\2", 3));
  x = Get(v, "f_enum");
  EXPECT_EQ(x.kind, Kind::kInt);
  EXPECT_EQ(x.i, 2);
  EXPECT_EQ(Get(v, "high_number").i, 77);
}

TEST_F(ViewTest, Proto3DefaultsAndPresence) {
  AllTypes m;
  m.set_f_opt(0);
  MessageObj v = View(m);
  EXPECT_EQ(Get(v, "f_int32").i, 0);
  EXPECT_EQ(Get(v, "f_uint64").kind, Kind::kUint);
  EXPECT_EQ(Str(Get(v, "f_string")), "");
  EXPECT_FALSE(Get(v, "f_bool").b);
  EXPECT_FALSE(Has(v, "f_int32"));
  EXPECT_FALSE(Has(v, "f_string"));
  // proto3 optional: present even at the zero value.
  EXPECT_TRUE(Has(v, "f_opt"));
  EXPECT_EQ(Get(v, "f_opt").i, 0);
  // Absent message: an empty message view, has() false.
  Value inner = Get(v, "f_inner");
  ASSERT_EQ(inner.kind, Kind::kMessage);
  EXPECT_EQ(inner.msg->size, 0u);
  EXPECT_FALSE(Has(v, "f_inner"));
  EXPECT_FALSE(Get(*inner.msg, "a").b);
  // Absent repeated/map: empty list/map.
  Value r = Get(v, "r_int64");
  ASSERT_EQ(r.kind, Kind::kList);
  EXPECT_EQ(r.list->size, 0u);
  Value mp = Get(v, "m_string_int");
  ASSERT_EQ(mp.kind, Kind::kMap);
  EXPECT_EQ(mp.map->size, 0u);

  m.set_f_int32(3);
  m.set_f_string("x");
  m.mutable_f_inner();
  v = View(m);
  EXPECT_TRUE(Has(v, "f_int32"));
  EXPECT_TRUE(Has(v, "f_string"));
  EXPECT_TRUE(Has(v, "f_inner"));
}

TEST_F(ViewTest, NestedMessages) {
  AllTypes m;
  m.mutable_f_inner()->set_name("outer");
  m.mutable_f_inner()->mutable_child()->set_name("inner");
  m.mutable_f_inner()->mutable_child()->set_c(true);
  MessageObj v = View(m);
  Value a = Get(v, "f_inner");
  ASSERT_EQ(a.kind, Kind::kMessage);
  EXPECT_EQ(a.msg->type->descriptor()->full_name(), "onus.test.Inner");
  EXPECT_EQ(Str(Get(*a.msg, "name")), "outer");
  Value b = Get(*a.msg, "child");
  ASSERT_EQ(b.kind, Kind::kMessage);
  EXPECT_EQ(Str(Get(*b.msg, "name")), "inner");
  EXPECT_TRUE(Get(*b.msg, "c").b);
  EXPECT_FALSE(Get(*b.msg, "a").b);
  // Reading twice uses the index and gives the same answer.
  EXPECT_EQ(Str(Get(*a.msg, "name")), "outer");
  EXPECT_NE(a.msg->index, nullptr);
  // The sub-message view is cached: a second read returns the same object,
  // whose index is already built.
  Value a2 = Get(v, "f_inner");
  EXPECT_EQ(a2.msg, a.msg);
  Value b2 = Get(*a2.msg, "child");
  EXPECT_EQ(b2.msg, b.msg);
}

TEST_F(ViewTest, ConstantMessagesAreNeverWrittenByReaders) {
  const MessageType* t = MessageType::For(AllTypes::descriptor());
  Arena program;
  Value in = NewMessage(program, *MessageType::For(Inner::descriptor()),
                        nullptr, nullptr, 0);
  const FieldInfo* f = t->FindField("f_inner");
  Value c = NewMessage(program, *t, &f, &in, 1);
  ASSERT_EQ(c.kind, Kind::kMessage) << ErrText(c);
  const uint32_t* index = c.msg->index;
  ASSERT_NE(index, nullptr);
  std::vector<uint32_t> before(
      index, index + 2 * t->index_size() + 2 + 2 * t->child_slots());
  Value x = GetField(arena_, *c.msg, *f);
  Value y = GetField(arena_, *c.msg, *f);
  ASSERT_EQ(x.kind, Kind::kMessage);
  EXPECT_NE(x.msg, y.msg);  // not cached in the shared index
  EXPECT_EQ(c.msg->index, index);
  EXPECT_EQ(std::vector<uint32_t>(index, index + before.size()), before);
}

TEST_F(ViewTest, RepeatedPackedAndUnpacked) {
  AllTypes m;
  for (int64_t x : {1LL, -2LL, 300LL, 1LL << 40}) {
    m.add_r_int64(x);
    m.add_r_int64_unpacked(x);
  }
  m.add_r_sint32(-1);
  m.add_r_sint32(7);
  m.add_r_double(0.5);
  m.add_r_double(-1e300);
  m.add_r_fixed32(9);
  m.add_r_string("a");
  m.add_r_string("");
  m.add_r_string("ccc");
  m.add_r_inner()->set_name("i0");
  m.add_r_inner()->set_name("i1");
  m.add_r_enum(onus::test::RED);
  m.add_r_enum(static_cast<onus::test::Color>(99));  // open enum
  m.add_r_bool(true);
  m.add_r_bool(false);
  MessageObj v = View(m);

  for (const char* name : {"r_int64", "r_int64_unpacked"}) {
    Value l = Get(v, name);
    ASSERT_EQ(l.kind, Kind::kList) << name;
    EXPECT_EQ(l.list->rep, ListRep::kRepeatedField);
    ASSERT_EQ(l.list->size, 4u);
    EXPECT_EQ(ListGet(arena_, *l.list, 0).i, 1);
    EXPECT_EQ(ListGet(arena_, *l.list, 1).i, -2);
    EXPECT_EQ(ListGet(arena_, *l.list, 2).i, 300);
    EXPECT_EQ(ListGet(arena_, *l.list, 3).i, 1LL << 40);
    EXPECT_EQ(ListGet(arena_, *l.list, 4).kind, Kind::kError);
  }
  Value l = Get(v, "r_sint32");
  EXPECT_EQ(ListGet(arena_, *l.list, 0).i, -1);
  EXPECT_EQ(ListGet(arena_, *l.list, 1).i, 7);
  l = Get(v, "r_double");
  EXPECT_EQ(ListGet(arena_, *l.list, 1).d, -1e300);
  l = Get(v, "r_fixed32");
  EXPECT_EQ(ListGet(arena_, *l.list, 0).u, 9u);
  l = Get(v, "r_string");
  ASSERT_EQ(l.list->size, 3u);
  EXPECT_EQ(Str(ListGet(arena_, *l.list, 1)), "");
  EXPECT_EQ(Str(ListGet(arena_, *l.list, 2)), "ccc");
  l = Get(v, "r_inner");
  ASSERT_EQ(l.list->size, 2u);
  Value e = ListGet(arena_, *l.list, 1);
  ASSERT_EQ(e.kind, Kind::kMessage);
  EXPECT_EQ(Str(Get(*e.msg, "name")), "i1");
  l = Get(v, "r_enum");
  EXPECT_EQ(ListGet(arena_, *l.list, 1).i, 99);
  l = Get(v, "r_bool");
  EXPECT_TRUE(ListGet(arena_, *l.list, 0).b);
  EXPECT_FALSE(ListGet(arena_, *l.list, 1).b);
  EXPECT_TRUE(Has(v, "r_bool"));
  EXPECT_FALSE(Has(v, "r_any"));
}

TEST_F(ViewTest, PackedAndUnpackedMixedOnTheWire) {
  // Parsers must accept both encodings of a packable field, even mixed.
  AllTypes a;
  a.add_r_int64(1);
  a.add_r_int64(2);
  std::string bytes = a.SerializeAsString();
  // Field 20 unpacked (wire type 0): tag (20 << 3) | 0 = 160 = 0xa0 0x01.
  bytes += std::string("\xa0\x01\x03", 3);
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  Value l = Get(v, "r_int64");
  ASSERT_EQ(l.list->size, 3u);
  EXPECT_EQ(ListGet(arena_, *l.list, 2).i, 3);
  AllTypes parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.r_int64_size(), 3);
}

TEST_F(ViewTest, InterleavedRepeatedOccurrencesAfterIndex) {
  AllTypes a, b, c, d;
  a.add_r_int64(1);
  a.add_r_string("x");
  b.set_f_int32(5);
  c.add_r_int64(2);
  c.add_r_int64(3);
  d.add_r_string("y");
  (*d.mutable_m_string_int())["k"] = 7;
  std::string bytes = a.SerializeAsString() + b.SerializeAsString() +
                      c.SerializeAsString() + d.SerializeAsString();
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  EXPECT_EQ(Get(v, "f_int32").i, 5);  // builds the index first
  ASSERT_NE(v.index, nullptr);
  Value l = Get(v, "r_int64");
  ASSERT_EQ(l.list->size, 3u);
  EXPECT_EQ(ListGet(arena_, *l.list, 0).i, 1);
  EXPECT_EQ(ListGet(arena_, *l.list, 2).i, 3);
  l = Get(v, "r_string");
  ASSERT_EQ(l.list->size, 2u);
  EXPECT_EQ(Str(ListGet(arena_, *l.list, 1)), "y");
  EXPECT_EQ(Get(v, "r_double").list->size, 0u);
  EXPECT_EQ(Get(v, "m_string_int").map->size, 1u);
  EXPECT_EQ(Get(v, "m_int_string").map->size, 0u);
  // Views are cached: the same list/map object comes back.
  EXPECT_EQ(Get(v, "r_int64").list, Get(v, "r_int64").list);
  EXPECT_EQ(Get(v, "m_string_int").map, Get(v, "m_string_int").map);
  EXPECT_TRUE(Has(v, "r_int64"));
  EXPECT_TRUE(Has(v, "m_string_int"));
  EXPECT_FALSE(Has(v, "r_double"));
  EXPECT_FALSE(Has(v, "m_int_string"));
}

// Every read of a repeated message field on one (writable) view returns the
// same element views, so an element's index is built once, not per rule.
TEST_F(ViewTest, RepeatedMessageElementsAreSharedBetweenReads) {
  AllTypes m;
  m.add_r_inner()->set_b(true);
  m.add_r_inner()->set_c(true);
  MessageObj v = View(m);
  Value l1 = Get(v, "r_inner");
  ASSERT_EQ(l1.kind, Kind::kList);
  ASSERT_EQ(l1.list->size, 2u);
  Value e0 = ListGet(arena_, *l1.list, 0);
  ASSERT_EQ(e0.kind, Kind::kMessage);
  EXPECT_TRUE(Get(*e0.msg, "b").b);
  EXPECT_FALSE(Get(*e0.msg, "c").b);
  Value l2 = Get(v, "r_inner");
  Value again = ListGet(arena_, *l2.list, 0);
  EXPECT_EQ(again.msg, e0.msg);
  Value e1 = ListGet(arena_, *l2.list, 1);
  EXPECT_NE(e1.msg, e0.msg);
  EXPECT_FALSE(Get(*e1.msg, "b").b);
  EXPECT_TRUE(Get(*e1.msg, "c").b);
  EXPECT_TRUE(ListGet(arena_, *l2.list, 2).is_error());  // out of range
}

TEST_F(ViewTest, Maps) {
  AllTypes m;
  (*m.mutable_m_string_int())["one"] = 1;
  (*m.mutable_m_string_int())["two"] = 2;
  (*m.mutable_m_int_string())[-3] = "minus three";
  (*m.mutable_m_int_string())[5] = "five";
  (*m.mutable_m_bool_inner())[true].set_name("yes");
  (*m.mutable_m_uint_double())[7] = 0.25;
  (*m.mutable_m_string_value())["k"].set_string_value("v");
  MessageObj v = View(m);

  bool found;
  Value mp = Get(v, "m_string_int");
  ASSERT_EQ(mp.kind, Kind::kMap);
  EXPECT_EQ(mp.map->rep, MapRep::kMapField);
  EXPECT_EQ(mp.map->size, 2u);
  Value r = MapFind(arena_, *mp.map, Value::String("two"), &found);
  EXPECT_TRUE(found);
  EXPECT_EQ(r.i, 2);
  MapFind(arena_, *mp.map, Value::String("three"), &found);
  EXPECT_FALSE(found);
  MapFind(arena_, *mp.map, Value::Int(1), &found);
  EXPECT_FALSE(found);
  // Keys and values by position.
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < mp.map->size; ++i) {
    keys.push_back(Str(MapKeyAt(arena_, *mp.map, i)));
    Value val = MapValueAt(arena_, *mp.map, i);
    EXPECT_EQ(val.i, keys.back() == "one" ? 1 : 2);
  }
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("one", "two"));

  mp = Get(v, "m_int_string");
  // Heterogeneous numeric keys: -3, 5u and 5.0 all find int keys.
  EXPECT_EQ(Str(MapFind(arena_, *mp.map, Value::Int(-3), &found)),
            "minus three");
  EXPECT_EQ(Str(MapFind(arena_, *mp.map, Value::Uint(5), &found)), "five");
  EXPECT_TRUE(found);
  EXPECT_EQ(Str(MapFind(arena_, *mp.map, Value::Double(5.0), &found)), "five");
  MapFind(arena_, *mp.map, Value::Double(5.5), &found);
  EXPECT_FALSE(found);

  mp = Get(v, "m_bool_inner");
  r = MapFind(arena_, *mp.map, Value::Bool(true), &found);
  ASSERT_TRUE(found);
  ASSERT_EQ(r.kind, Kind::kMessage);
  EXPECT_EQ(Str(Get(*r.msg, "name")), "yes");
  MapFind(arena_, *mp.map, Value::Bool(false), &found);
  EXPECT_FALSE(found);

  mp = Get(v, "m_uint_double");
  EXPECT_EQ(MapFind(arena_, *mp.map, Value::Int(7), &found).d, 0.25);
  EXPECT_TRUE(found);
  MapFind(arena_, *mp.map, Value::Int(-7), &found);
  EXPECT_FALSE(found);

  mp = Get(v, "m_string_value");
  r = MapFind(arena_, *mp.map, Value::String("k"), &found);
  EXPECT_EQ(Str(r), "v");
  EXPECT_EQ(r.kind, Kind::kString);
}

TEST_F(ViewTest, LaterMapEntryWins) {
  // Two entries with the same key on the wire: protobuf keeps the last.
  AllTypes a, b;
  (*a.mutable_m_string_int())["k"] = 1;
  (*b.mutable_m_string_int())["k"] = 2;
  std::string bytes = a.SerializeAsString() + b.SerializeAsString();
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  bool found;
  Value mp = Get(v, "m_string_int");
  EXPECT_EQ(MapFind(arena_, *mp.map, Value::String("k"), &found).i, 2);
}

TEST_F(ViewTest, MapEntryWithoutKeyUsesTheZeroKey) {
  // m_string_int (field 30) entry holding only value = 5; m_int_string
  // (field 31) entry holding only value "v".
  std::string bytes("\xf2\x01\x02\x10\x05\xfa\x01\x03\x12\x01v", 11);
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  AllTypes parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.m_string_int().at(""), 5);
  bool found;
  Value mp = Get(v, "m_string_int");
  EXPECT_EQ(MapFind(arena_, *mp.map, Value::String(""), &found).i, 5);
  EXPECT_TRUE(found);
  EXPECT_EQ(Str(MapKeyAt(arena_, *mp.map, 0)), "");
  mp = Get(v, "m_int_string");
  EXPECT_EQ(Str(MapFind(arena_, *mp.map, Value::Int(0), &found)), "v");
  EXPECT_TRUE(found);
  MapFind(arena_, *mp.map, Value::Int(1), &found);
  EXPECT_FALSE(found);
  // A truncated entry is an error, not a miss.
  std::string bad("\xf2\x01\x02\x0a\x05", 5);
  v = ViewBytes(AllTypes::descriptor(), bad);
  mp = Get(v, "m_string_int");
  ASSERT_EQ(mp.kind, Kind::kMap);
  Value r = MapFind(arena_, *mp.map, Value::String("x"), &found);
  EXPECT_TRUE(found);
  EXPECT_TRUE(r.is_error());
}

// Entries in the shape protobuf writes (key, then value, short forms) are
// read from positions noted by the view; any other shape is scanned. Both
// must agree with protobuf's own parse.
TEST_F(ViewTest, MapEntriesInAnyFieldOrder) {
  // m_int_string entries (field 31: tag bytes fa 01).
  const std::vector<std::string> entries = {
      std::string("\x12\x01"
                  "a"
                  "\x08\x01",
                  5),  // value, then key
      std::string("\x08\x02\x12\x01"
                  "b"
                  "\x08\x03",
                  7),  // later key wins
      std::string("\x08\x04\x12\x01"
                  "c"
                  "\x28\x07",
                  7),  // unknown field
      std::string("\x08\x05\x12\x01"
                  "d"
                  "\x12\x01"
                  "e",
                  8),  // 2 values
      std::string("\x08\x06\x12\x01"
                  "f",
                  5),              // canonical
      std::string("\x08\x07", 2),  // no value
  };
  std::string bytes;
  for (const std::string& e : entries) {
    bytes += "\xfa\x01";
    bytes += static_cast<char>(e.size());
    bytes += e;
  }
  AllTypes parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  Value mp = Get(v, "m_int_string");
  ASSERT_EQ(mp.kind, Kind::kMap);
  for (int k = 0; k <= 8; ++k) {
    SCOPED_TRACE(k);
    bool found;
    Value r = MapFind(arena_, *mp.map, Value::Int(k), &found);
    auto it = parsed.m_int_string().find(k);
    ASSERT_EQ(found, it != parsed.m_int_string().end());
    if (found) {
      EXPECT_EQ(Str(r), it->second);
    }
  }
  bool found;
  EXPECT_EQ(Str(MapFind(arena_, *mp.map, Value::Int(3), &found)), "b");
  EXPECT_EQ(Str(MapFind(arena_, *mp.map, Value::Int(5), &found)), "e");
  EXPECT_EQ(Str(MapFind(arena_, *mp.map, Value::Int(7), &found)), "");
  EXPECT_TRUE(found);
}

// Bucket.tags (field 10) has a one-byte entry tag, which the map view reads
// in straight-line code. Every cut of a serialised bucket reads as protobuf
// parses it, or as an error where protobuf rejects the bytes; every byte of
// it changed to a value that breaks the short forms never crashes, and
// reads as protobuf does whenever protobuf accepts the bytes.
TEST_F(ViewTest, OneByteTagMapEntriesMatchProtobuf) {
  Bucket b;
  b.set_name("logs");
  (*b.mutable_tags())["env"] = "prod";
  (*b.mutable_tags())["owner"] = "platform";
  (*b.mutable_tags())[""] = "";
  (*b.mutable_tags())[std::string(130, 'k')] = "long key";
  std::string full;
  ASSERT_TRUE(b.SerializeToString(&full));
  const MessageType& type = *MessageType::For(Bucket::descriptor());
  const FieldInfo& tags = *type.FindField("tags");
  // Returns whether the view reported an error for the map or a lookup.
  auto check = [&](const std::string& bytes) {
    Bucket parsed;
    const bool ok = parsed.ParseFromString(bytes);
    Arena arena;
    Value root = MessageFromBytes(arena, type, bytes);
    Value mp = GetField(arena, *root.msg, tags);
    if (mp.is_error()) {
      EXPECT_FALSE(ok) << ErrText(mp);
      return true;
    }
    if (mp.kind != Kind::kMap) {
      if (ok) {
        EXPECT_TRUE(parsed.tags().empty());
      }
      return false;
    }
    bool any_error = false;
    for (const auto& [k, v] : b.tags()) {
      bool found = false;
      Value r = MapFind(arena, *mp.map, Value::String(k), &found);
      if (r.is_error()) {
        EXPECT_FALSE(ok) << ErrText(r);
        any_error = true;
        continue;
      }
      if (!ok) continue;
      auto it = parsed.tags().find(k);
      EXPECT_EQ(found, it != parsed.tags().end()) << k;
      if (found && it != parsed.tags().end()) {
        EXPECT_EQ(Str(r), it->second);
      }
    }
    return any_error;
  };
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    SCOPED_TRACE(cut);
    const std::string bytes = full.substr(0, cut);
    const bool error = check(bytes);
    Bucket parsed;
    // A cut either falls between fields or entries (protobuf accepts it)
    // or leaves a length running past the end, which the view reports.
    EXPECT_EQ(error, !parsed.ParseFromString(bytes));
  }
  for (size_t i = 0; i < full.size(); ++i) {
    for (unsigned char x : {0x00, 0x05, 0x52, 0x7f, 0x80, 0xff}) {
      SCOPED_TRACE(absl::StrCat(i, " := ", x));
      std::string bytes = full;
      bytes[i] = static_cast<char>(x);
      check(bytes);
    }
  }
}

TEST_F(ViewTest, StringKeysOfAnyLength) {
  AllTypes a;
  const std::string long_key(300, 'k');  // a two-byte length
  (*a.mutable_m_string_int())[long_key] = 1;
  (*a.mutable_m_string_int())[""] = 2;
  (*a.mutable_m_string_int())["k"] = 3;
  const std::string bytes = a.SerializeAsString();  // the view points here
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  Value mp = Get(v, "m_string_int");
  ASSERT_EQ(mp.kind, Kind::kMap);
  bool found;
  EXPECT_EQ(MapFind(arena_, *mp.map, Value::String(long_key), &found).i, 1);
  EXPECT_TRUE(found);
  EXPECT_EQ(MapFind(arena_, *mp.map, Value::String(""), &found).i, 2);
  EXPECT_EQ(MapFind(arena_, *mp.map, Value::String("k"), &found).i, 3);
  MapFind(arena_, *mp.map, Value::String(long_key.substr(1)), &found);
  EXPECT_FALSE(found);
  EXPECT_TRUE(MapContains(arena_, *mp.map, Value::String(long_key)).b);
  EXPECT_FALSE(MapContains(arena_, *mp.map, Value::String("kk")).b);
}

// Map lookups read the found entry's value in place (no view of the
// entry): absent values are the default, a message value that occurs twice
// in one entry is the merge of both, and `in` sees malformed maps.
TEST_F(ViewTest, MapLookupsReadTheEntryInPlace) {
  Inner x, y;
  x.set_name("x");
  y.set_b(true);
  const std::string xs = x.SerializeAsString(), ys = y.SerializeAsString();
  // m_bool_inner (field 32) entry {key: true, value: x, value: y}, then
  // m_string_int (field 30) entry {key: "k"} without a value.
  std::string entry = "\x08\x01";
  entry += '\x12';
  entry += static_cast<char>(xs.size());
  entry += xs;
  entry += '\x12';
  entry += static_cast<char>(ys.size());
  entry += ys;
  std::string bytes = "\x82\x02";
  bytes += static_cast<char>(entry.size());
  bytes += entry;
  bytes += std::string("\xf2\x01\x03\x0a\x01k", 6);
  AllTypes parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.m_bool_inner().at(true).name(), "x");
  ASSERT_TRUE(parsed.m_bool_inner().at(true).b());
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  bool found;
  Value mp = Get(v, "m_bool_inner");
  Value r = MapFind(arena_, *mp.map, Value::Bool(true), &found);
  ASSERT_TRUE(found);
  ASSERT_EQ(r.kind, Kind::kMessage);
  EXPECT_EQ(Str(Get(*r.msg, "name")), "x");
  EXPECT_TRUE(Get(*r.msg, "b").b);
  mp = Get(v, "m_string_int");
  r = MapFind(arena_, *mp.map, Value::String("k"), &found);
  EXPECT_TRUE(found);
  EXPECT_EQ(r.kind, Kind::kInt);
  EXPECT_EQ(r.i, 0);
  for (const auto& [key, want] :
       std::vector<std::pair<Value, bool>>{{Value::String("k"), true},
                                           {Value::String("j"), false},
                                           {Value::Int(1), false}}) {
    Value c = MapContains(arena_, *mp.map, key);
    ASSERT_EQ(c.kind, Kind::kBool);
    EXPECT_EQ(c.b, want);
  }
  // A truncated entry: `in` is an error, not true and not false.
  std::string bad("\xf2\x01\x02\x0a\x05", 5);
  MessageObj w = ViewBytes(AllTypes::descriptor(), bad);
  mp = Get(w, "m_string_int");
  ASSERT_EQ(mp.kind, Kind::kMap);
  EXPECT_TRUE(MapContains(arena_, *mp.map, Value::String("x")).is_error());
}

// Sub-messages and repeated elements of 128 bytes or more have a two-byte
// length: the one-byte fast paths must hand them to the general reader.
TEST_F(ViewTest, LongSubMessagesAndElements) {
  AllTypes m;
  const std::string long_name(300, 'n');
  m.mutable_f_inner()->set_name(long_name);
  m.mutable_f_inner()->set_b(true);
  m.add_r_inner()->set_name(long_name);
  m.add_r_inner()->set_c(true);
  m.add_r_inner()->set_name(std::string(127, 'm'));
  MessageObj v = View(m);
  Value in = Get(v, "f_inner");
  ASSERT_EQ(in.kind, Kind::kMessage);
  EXPECT_EQ(Str(Get(*in.msg, "name")), long_name);
  EXPECT_TRUE(Get(*in.msg, "b").b);
  Value l = Get(v, "r_inner");
  ASSERT_EQ(l.kind, Kind::kList);
  ASSERT_EQ(l.list->size, 3u);
  EXPECT_EQ(Str(Get(*ListGet(arena_, *l.list, 0).msg, "name")), long_name);
  EXPECT_TRUE(Get(*ListGet(arena_, *l.list, 1).msg, "c").b);
  EXPECT_EQ(Str(Get(*ListGet(arena_, *l.list, 2).msg, "name")),
            std::string(127, 'm'));
  // Map keys of 128 bytes or more (a two-byte length) next to short ones.
  const std::string long_key(200, 'k');
  (*m.mutable_m_string_int())[long_key] = 1;
  (*m.mutable_m_string_int())[std::string(127, 'k')] = 2;
  (*m.mutable_m_string_int())["k"] = 3;
  MessageObj w = View(m);
  Value mp = Get(w, "m_string_int");
  ASSERT_EQ(mp.kind, Kind::kMap);
  for (const auto& [key, want] :
       std::vector<std::pair<std::string, int>>{{long_key, 1},
                                                {std::string(127, 'k'), 2},
                                                {"k", 3},
                                                {std::string(201, 'k'), 0},
                                                {std::string(128, 'k'), 0}}) {
    bool found;
    Value got = MapFind(arena_, *mp.map, Value::String(key), &found);
    EXPECT_EQ(found, want != 0) << key.size();
    if (want != 0) {
      EXPECT_EQ(got.i, want) << key.size();
    }
    EXPECT_EQ(MapContains(arena_, *mp.map, Value::String(key)).b, want != 0)
        << key.size();
  }
}

TEST_F(ViewTest, Oneof) {
  AllTypes m;
  m.set_o_int(5);
  MessageObj v = View(m);
  EXPECT_TRUE(Has(v, "o_int"));
  EXPECT_FALSE(Has(v, "o_string"));
  EXPECT_EQ(Get(v, "o_int").i, 5);
  EXPECT_EQ(Str(Get(v, "o_string")), "");
  // A later member of the same oneof on the wire clears the earlier one.
  AllTypes a, b;
  a.set_o_string("first");
  b.set_o_int(9);
  std::string bytes = a.SerializeAsString() + b.SerializeAsString();
  v = ViewBytes(AllTypes::descriptor(), bytes);
  EXPECT_FALSE(Has(v, "o_string"));
  EXPECT_TRUE(Has(v, "o_int"));
  EXPECT_EQ(Str(Get(v, "o_string")), "");
  AllTypes parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.choice_case(), AllTypes::kOInt);
}

TEST_F(ViewTest, RepeatedOccurrencesOfMessageMerge) {
  AllTypes a, b;
  a.mutable_f_inner()->set_a(true);
  a.mutable_f_inner()->set_name("x");
  b.mutable_f_inner()->set_b(true);
  std::string bytes = a.SerializeAsString() + b.SerializeAsString();
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  Value in = Get(v, "f_inner");
  ASSERT_EQ(in.kind, Kind::kMessage);
  EXPECT_TRUE(Get(*in.msg, "a").b);
  EXPECT_TRUE(Get(*in.msg, "b").b);
  EXPECT_EQ(Str(Get(*in.msg, "name")), "x");
}

TEST_F(ViewTest, FieldOfAnotherTypeIsAnError) {
  Inner in;
  in.set_name("x");
  MessageObj v = View(in);
  const FieldInfo* f =
      MessageType::For(AllTypes::descriptor())->FindField("f_int64");
  EXPECT_THAT(ErrText(GetField(arena_, v, *f)), HasSubstr("no such field"));
  EXPECT_FALSE(HasField(v, *f));
  EXPECT_TRUE(TestField(arena_, v, *f).is_error());
}

TEST_F(ViewTest, Proto2DefaultsAndGroups) {
  Defaults d;
  MessageObj v = View(d);
  EXPECT_EQ(Get(v, "i").i, -7);
  EXPECT_EQ(Get(v, "u").u, 42u);
  EXPECT_EQ(Str(Get(v, "s")), "hello");
  EXPECT_EQ(Str(Get(v, "by")), std::string("\1\2", 2));
  EXPECT_EQ(Get(v, "d").d, 2.5);
  EXPECT_TRUE(Get(v, "b").b);
  EXPECT_EQ(Get(v, "level").i, 5);
  EXPECT_EQ(Get(v, "f").d, 1.5);
  EXPECT_FALSE(Has(v, "i"));

  d.set_i(0);
  d.set_plain(12);
  d.mutable_g()->set_gx(3);
  d.mutable_g()->set_gy("gy");
  d.add_rg()->set_rx(10);
  d.add_rg()->set_rx(20);
  d.mutable_nested()->set_s("deep");
  v = View(d);
  EXPECT_TRUE(Has(v, "i"));  // proto2 presence: explicitly set zero
  EXPECT_EQ(Get(v, "i").i, 0);
  EXPECT_EQ(Get(v, "plain").i, 12);
  Value g = Get(v, "g");
  ASSERT_EQ(g.kind, Kind::kMessage) << ErrText(g);
  EXPECT_EQ(Get(*g.msg, "gx").i, 3);
  EXPECT_EQ(Str(Get(*g.msg, "gy")), "gy");
  Value rg = Get(v, "rg");
  ASSERT_EQ(rg.kind, Kind::kList);
  ASSERT_EQ(rg.list->size, 2u);
  Value e = ListGet(arena_, *rg.list, 1);
  ASSERT_EQ(e.kind, Kind::kMessage);
  EXPECT_EQ(Get(*e.msg, "rx").i, 20);
  Value n = Get(v, "nested");
  EXPECT_EQ(Str(Get(*n.msg, "s")), "deep");
  EXPECT_EQ(Get(*n.msg, "i").i, -7);
}

TEST_F(ViewTest, Extensions) {
  Defaults d;
  d.SetExtension(onus::test2::ext_int, 42);
  d.MutableExtension(onus::test2::ext_msg)->set_s("in ext");
  d.AddExtension(onus::test2::ext_rep, "a");
  d.AddExtension(onus::test2::ext_rep, "b");
  MessageObj v = View(d);
  const MessageType* t = v.type;
  EXPECT_EQ(t->FindExtension("onus.test2.nope"), nullptr);
  EXPECT_EQ(t->FindExtension("onus.test2.Defaults.i"), nullptr);
  const FieldInfo* ei = t->FindExtension("onus.test2.ext_int");
  ASSERT_NE(ei, nullptr);
  EXPECT_EQ(ei,
            t->ExtensionFor(google::protobuf::DescriptorPool::generated_pool()
                                ->FindExtensionByName("onus.test2.ext_int")));
  EXPECT_EQ(t->FieldByNumber(100), ei);
  EXPECT_EQ(t->FieldByNumber(150), nullptr);
  EXPECT_EQ(GetField(arena_, v, *ei).i, 42);
  EXPECT_TRUE(HasField(v, *ei));
  const FieldInfo* em = t->FindExtension("onus.test2.ext_msg");
  ASSERT_NE(em, nullptr);
  Value m = GetField(arena_, v, *em);
  ASSERT_EQ(m.kind, Kind::kMessage);
  EXPECT_EQ(Str(Get(*m.msg, "s")), "in ext");
  Value l = GetField(arena_, v, *t->FindExtension("onus.test2.ext_rep"));
  ASSERT_EQ(l.kind, Kind::kList);
  ASSERT_EQ(l.list->size, 2u);
  EXPECT_EQ(Str(ListGet(arena_, *l.list, 1)), "b");
  // Absent extension: default, has() false.
  MessageObj e = View(Defaults());
  EXPECT_EQ(GetField(arena_, e, *ei).i, 0);
  EXPECT_FALSE(HasField(e, *ei));
  // Construction sets extensions too.
  Value x = Value::Int(7);
  Value built = NewMessage(arena_, *t, &ei, &x, 1);
  ASSERT_EQ(built.kind, Kind::kMessage) << ErrText(built);
  EXPECT_EQ(GetField(arena_, *built.msg, *ei).i, 7);
  Defaults parsed;
  ASSERT_TRUE(parsed.ParseFromArray(built.msg->data, built.msg->size));
  EXPECT_EQ(parsed.GetExtension(onus::test2::ext_int), 7);
}

TEST_F(ViewTest, ClosedEnumUnknownNumberReadsAsDefault) {
  // Field 7 (level, closed enum) = 3, which Level does not define.
  std::string bytes("\x38\x03", 2);
  MessageObj v = ViewBytes(Defaults::descriptor(), bytes);
  EXPECT_EQ(Get(v, "level").i, 5);  // the default, HIGH
  Defaults parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.level(), Defaults::HIGH);
  bytes = std::string("\x38\x01", 2);
  v = ViewBytes(Defaults::descriptor(), bytes);
  EXPECT_EQ(Get(v, "level").i, 1);
  EXPECT_TRUE(Has(v, "level"));
  // An earlier valid occurrence survives a later unknown number, has()
  // included; unknown numbers drop out of repeated closed enums.
  bytes = std::string("\x38\x01\x38\x03\x88\x01\x05\x88\x01\x04", 10);
  v = ViewBytes(Defaults::descriptor(), bytes);
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(Get(v, "level").i, parsed.level());
  EXPECT_EQ(Get(v, "level").i, 1);
  EXPECT_TRUE(Has(v, "level"));
  Value l = Get(v, "levels");
  ASSERT_EQ(l.kind, Kind::kList);
  EXPECT_EQ(l.list->size, static_cast<uint32_t>(parsed.levels_size()));
  EXPECT_EQ(l.list->size, 1u);
  EXPECT_EQ(ListGet(arena_, *l.list, 0).i, 5);
  bytes = std::string("\x38\x03", 2);
  v = ViewBytes(Defaults::descriptor(), bytes);
  EXPECT_FALSE(Has(v, "level"));
}

TEST_F(ViewTest, TimestampDurationWrappers) {
  AllTypes m;
  m.mutable_w_timestamp()->set_seconds(1700000000);
  m.mutable_w_timestamp()->set_nanos(123);
  m.mutable_w_duration()->set_seconds(-5);
  m.mutable_w_duration()->set_nanos(-500);
  m.mutable_w_bool()->set_value(true);
  m.mutable_w_int32()->set_value(-3);
  m.mutable_w_int64()->set_value(1LL << 50);
  m.mutable_w_uint32()->set_value(3);
  m.mutable_w_uint64()->set_value(1ULL << 63);
  m.mutable_w_float()->set_value(0.5f);
  m.mutable_w_double()->set_value(-2.25);
  m.mutable_w_string()->set_value("s");
  m.mutable_w_bytes()->set_value("b");
  MessageObj v = View(m);
  Value t = Get(v, "w_timestamp");
  ASSERT_EQ(t.kind, Kind::kTimestamp);
  EXPECT_EQ(t.i, 1700000000);
  EXPECT_EQ(t.nanos(), 123);
  Value d = Get(v, "w_duration");
  ASSERT_EQ(d.kind, Kind::kDuration);
  EXPECT_EQ(d.i, -5);
  EXPECT_EQ(d.nanos(), -500);
  EXPECT_TRUE(Get(v, "w_bool").b);
  EXPECT_EQ(Get(v, "w_int32").i, -3);
  EXPECT_EQ(Get(v, "w_int64").i, 1LL << 50);
  EXPECT_EQ(Get(v, "w_uint32").u, 3u);
  EXPECT_EQ(Get(v, "w_uint64").u, 1ULL << 63);
  EXPECT_EQ(Get(v, "w_float").d, 0.5);
  EXPECT_EQ(Get(v, "w_double").d, -2.25);
  EXPECT_EQ(Str(Get(v, "w_string")), "s");
  EXPECT_EQ(Get(v, "w_bytes").kind, Kind::kBytes);

  // Unset wrappers are null; a wrapper set to zero is zero, not null.
  AllTypes z;
  z.mutable_w_int64()->set_value(0);
  v = View(z);
  EXPECT_EQ(Get(v, "w_int32").kind, Kind::kNull);
  Value w = Get(v, "w_int64");
  EXPECT_EQ(w.kind, Kind::kInt);
  EXPECT_EQ(w.i, 0);
  EXPECT_TRUE(Has(v, "w_int64"));
  EXPECT_FALSE(Has(v, "w_int32"));
  EXPECT_EQ(Get(v, "w_timestamp").kind, Kind::kTimestamp);
  EXPECT_EQ(Get(v, "w_value").kind, Kind::kNull);
}

TEST_F(ViewTest, StructValueListValue) {
  AllTypes m;
  auto* fields = m.mutable_w_struct()->mutable_fields();
  (*fields)["n"].set_number_value(1.5);
  (*fields)["s"].set_string_value("str");
  (*fields)["b"].set_bool_value(true);
  (*fields)["z"].set_null_value(google::protobuf::NULL_VALUE);
  auto* lv = (*fields)["l"].mutable_list_value();
  lv->add_values()->set_number_value(1);
  lv->add_values()->set_string_value("two");
  (*(*fields)["o"].mutable_struct_value()->mutable_fields())["x"]
      .set_bool_value(false);
  m.mutable_w_value()->set_string_value("dyn");
  m.mutable_w_list()->add_values()->set_bool_value(true);
  MessageObj v = View(m);

  Value s = Get(v, "w_struct");
  ASSERT_EQ(s.kind, Kind::kMap);
  EXPECT_EQ(s.map->size, 6u);
  bool found;
  EXPECT_EQ(MapFind(arena_, *s.map, Value::String("n"), &found).d, 1.5);
  EXPECT_EQ(Str(MapFind(arena_, *s.map, Value::String("s"), &found)), "str");
  EXPECT_TRUE(MapFind(arena_, *s.map, Value::String("b"), &found).b);
  Value z = MapFind(arena_, *s.map, Value::String("z"), &found);
  EXPECT_TRUE(found);
  EXPECT_EQ(z.kind, Kind::kNull);
  Value l = MapFind(arena_, *s.map, Value::String("l"), &found);
  ASSERT_EQ(l.kind, Kind::kList);
  EXPECT_EQ(ListGet(arena_, *l.list, 0).d, 1.0);
  EXPECT_EQ(Str(ListGet(arena_, *l.list, 1)), "two");
  Value o = MapFind(arena_, *s.map, Value::String("o"), &found);
  ASSERT_EQ(o.kind, Kind::kMap);
  Value x = MapFind(arena_, *o.map, Value::String("x"), &found);
  EXPECT_EQ(x.kind, Kind::kBool);
  EXPECT_FALSE(x.b);

  EXPECT_EQ(Str(Get(v, "w_value")), "dyn");
  Value wl = Get(v, "w_list");
  ASSERT_EQ(wl.kind, Kind::kList);
  EXPECT_TRUE(ListGet(arena_, *wl.list, 0).b);
}

TEST_F(ViewTest, AnyUnpacks) {
  AllTypes m;
  Inner inner;
  inner.set_name("packed");
  m.mutable_w_any()->PackFrom(inner);
  google::protobuf::Int64Value iv;
  iv.set_value(12);
  m.add_r_any()->PackFrom(iv);
  google::protobuf::Any nested;
  nested.PackFrom(inner);
  m.add_r_any()->PackFrom(nested);  // Any inside Any
  m.add_r_any()->set_type_url("type.googleapis.com/no.such.Type");
  MessageObj v = View(m);

  Value a = Get(v, "w_any");
  ASSERT_EQ(a.kind, Kind::kMessage) << ErrText(a);
  EXPECT_EQ(a.msg->type->descriptor(), Inner::descriptor());
  EXPECT_EQ(Str(Get(*a.msg, "name")), "packed");
  Value l = Get(v, "r_any");
  ASSERT_EQ(l.list->size, 3u);
  EXPECT_EQ(ListGet(arena_, *l.list, 0).i, 12);
  Value n = ListGet(arena_, *l.list, 1);
  ASSERT_EQ(n.kind, Kind::kMessage);
  EXPECT_EQ(Str(Get(*n.msg, "name")), "packed");
  EXPECT_THAT(ErrText(ListGet(arena_, *l.list, 2)), HasSubstr("no.such.Type"));
}

TEST_F(ViewTest, RootWellKnownTypesConvert) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(10);
  Value v = FromMessage(arena_, ts);
  EXPECT_EQ(v.kind, Kind::kTimestamp);
  EXPECT_EQ(v.i, 10);
  google::protobuf::StringValue sv;
  sv.set_value("w");
  v = FromMessage(arena_, sv);
  EXPECT_EQ(Str(v), "w");
  google::protobuf::Timestamp bad;
  bad.set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_THAT(ErrText(FromMessage(arena_, bad)), HasSubstr("out of range"));
}

TEST_F(ViewTest, TypeRegistry) {
  const MessageType* t = MessageType::For(AllTypes::descriptor());
  EXPECT_EQ(t, MessageType::For(AllTypes::descriptor()));
  EXPECT_EQ(t->descriptor(), AllTypes::descriptor());
  EXPECT_STREQ(t->type_value()->name, "onus.test.AllTypes");
  EXPECT_EQ(t->type_value()->kind, Kind::kMessage);
  EXPECT_EQ(t->type_value()->message, t);
  EXPECT_EQ(t->FindField("nope"), nullptr);
  const FieldInfo* f = t->FindField("f_inner");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f, t->FieldByNumber(17));
  EXPECT_EQ(f->message, MessageType::For(Inner::descriptor()));
  EXPECT_TRUE(f->has_presence);
  EXPECT_EQ(t->FindField("w_any")->conv, FieldConv::kAny);
  EXPECT_EQ(t->FindField("w_int32")->conv, FieldConv::kWrapper);
  EXPECT_EQ(t->FindField("f_enum")->conv, FieldConv::kEnum);
  const FieldInfo* mp = t->FindField("m_bool_inner");
  EXPECT_TRUE(mp->is_map);
  EXPECT_FALSE(mp->repeated);
  EXPECT_EQ(mp->map_value->message, MessageType::For(Inner::descriptor()));
  EXPECT_TRUE(t->FindField("r_int64")->packed_ok);
  EXPECT_FALSE(t->FindField("r_string")->packed_ok);
  EXPECT_EQ(t->FindField("high_number")->index_slot, -1);
  EXPECT_EQ(t->FindField("f_int32")->index_slot, 1);
  EXPECT_EQ(t->fields().size(),
            static_cast<size_t>(AllTypes::descriptor()->field_count()));
  EXPECT_EQ(MessageType::For(google::protobuf::Timestamp::descriptor())->wkt(),
            FieldConv::kTimestamp);
  EXPECT_EQ(
      MessageType::For(google::protobuf::Timestamp::descriptor())->type_value(),
      BuiltinType(Kind::kTimestamp));
}

TEST_F(ViewTest, TruncatedAndCorruptBytesGiveErrors) {
  AllTypes m;
  m.set_f_int64(1LL << 40);
  m.set_f_string("a fairly long string value");
  // A two-byte length prefix (the index pass has a short path for it).
  m.set_f_bytes(std::string(300, 'x'));
  m.mutable_f_inner()->set_name("n");
  m.add_r_int64(1);
  m.add_r_int64(1000000);
  std::string full = m.SerializeAsString();
  // Cut the message at every length: each read either succeeds with the
  // right value or reports malformed data, never crashes.
  for (size_t cut = 1; cut < full.size(); ++cut) {
    std::string bytes = full.substr(0, cut);
    Arena arena;
    Value root = MessageFromBytes(
        arena, *MessageType::For(AllTypes::descriptor()), bytes);
    bool any_error = false;
    for (const FieldInfo* f : root.msg->type->fields()) {
      Value x = GetField(arena, *root.msg, *f);
      any_error |= x.is_error();
      if (x.is_error()) {
        EXPECT_THAT(std::string(x.err->text()),
                    HasSubstr("malformed protobuf in field onus.test."));
      }
    }
    AllTypes parsed;
    // Whenever protobuf rejects the bytes, so do we.
    if (!parsed.ParseFromString(bytes)) {
      EXPECT_TRUE(any_error) << "cut at " << cut;
    }
  }
  // Wire type 7 does not exist.
  std::string bad = full + std::string("\x0f", 1);
  MessageObj v = ViewBytes(AllTypes::descriptor(), bad);
  EXPECT_THAT(ErrText(Get(v, "f_int64")),
              HasSubstr("onus.test.AllTypes.f_int64"));
  Arena arena;
  EXPECT_EQ(TestField(arena, v, *v.type->FindField("f_int64")).kind,
            Kind::kError);
  // A varint longer than 10 bytes.
  std::string longv("\x10", 1);
  longv += std::string(11, '\xff');
  v = ViewBytes(AllTypes::descriptor(), longv);
  EXPECT_TRUE(Get(v, "f_int64").is_error());
  // A length prefix past the end.
  std::string pastend(
      "\x72\x7f"
      "abc",
      5);
  v = ViewBytes(AllTypes::descriptor(), pastend);
  EXPECT_TRUE(Get(v, "f_string").is_error());
  // Packed fixed32 payload not a multiple of 4 (field 24 is unpacked in
  // the schema but both forms are accepted).
  std::string packed_bad("\xc2\x01\x03\x01\x02\x03", 6);
  v = ViewBytes(AllTypes::descriptor(), packed_bad);
  EXPECT_TRUE(Get(v, "r_fixed32").is_error());
}

// The index pass skips a one- or two-byte length without comparing it to
// the bytes left, and checks once after its loop. A last value that runs
// past the end must still leave the index unusable (the inline reads trust
// its entries), and its field must read as malformed.
TEST_F(ViewTest, LengthsPastTheEndMarkTheIndexMalformed) {
  struct Case {
    AllTypes message;
    const char* field;  // the last field on the wire, the one cut short
  };
  std::vector<Case> cases(3);
  cases[0].message.set_f_string("abc");  // a one-byte length
  cases[0].field = "f_string";
  cases[1].message.set_f_bytes(std::string(300, 'x'));  // two-byte length
  cases[1].field = "f_bytes";
  cases[2].message.mutable_f_inner()->set_name("n");  // a sub-message
  cases[2].field = "f_inner";
  for (Case& c : cases) c.message.set_f_int64(7);  // field 2: comes first
  for (const Case& c : cases) {
    const std::string full = c.message.SerializeAsString();
    for (size_t short_by : {1, 2, 3}) {
      const std::string bytes = full.substr(0, full.size() - short_by);
      AllTypes parsed;
      ASSERT_FALSE(parsed.ParseFromString(bytes)) << c.field << short_by;
      MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
      internal::BuildIndex(&arena_, v);
      ASSERT_NE(v.index, nullptr);
      EXPECT_EQ(v.index[0], internal::kIndexMalformed)
          << c.field << " short by " << short_by;
      EXPECT_THAT(ErrText(Get(v, c.field)),
                  HasSubstr(absl::StrCat("malformed protobuf in field "
                                         "onus.test.AllTypes.",
                                         c.field)))
          << " short by " << short_by;
    }
    // Uncut, the same bytes index cleanly and read back.
    MessageObj whole = ViewBytes(AllTypes::descriptor(), full);
    internal::BuildIndex(&arena_, whole);
    EXPECT_EQ(whole.index[0], internal::kIndexOk) << c.field;
    EXPECT_FALSE(Get(whole, c.field).is_error()) << c.field;
  }
}

TEST_F(ViewTest, StringsMustBeValidUtf8) {
  // Field 14 (f_string), wire type 2: tag 0x72.
  struct Case {
    std::string payload;
    bool valid;
  } cases[] = {
      {"plain ascii text", true},       {"caf\xc3\xa9", true},
      {"\xf0\x9f\x98\x80 emoji", true}, {"\xe2\x82\xac", true},
      {"bad \xc3\x28", false},          {"\xc0\xaf", false},  // overlong
      {"\xed\xa0\x80", false},                                // surrogate
      {"\xf4\x90\x80\x80", false},                            // above U+10FFFF
      {"truncated \xe2\x82", false},    {"\x80", false},
  };
  for (const Case& c : cases) {
    std::string bytes = "\x72";
    bytes.push_back(static_cast<char>(c.payload.size()));
    bytes += c.payload;
    MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
    Value x = Get(v, "f_string");
    if (c.valid) {
      EXPECT_EQ(Str(x), c.payload);
    } else {
      EXPECT_THAT(ErrText(x), HasSubstr("invalid UTF-8")) << c.payload;
    }
  }
  // bytes fields carry anything.
  std::string bytes("\x7a\x01\xff", 3);
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  EXPECT_EQ(Str(Get(v, "f_bytes")), "\xff");
}

TEST(WireTest, AsciiCheckCoversEveryByte) {
  // The word-at-a-time check must see a high byte at any position of any
  // length, including the overlapping tail load.
  for (uint32_t n = 0; n <= 40; ++n) {
    std::string ascii(n, 'a');
    EXPECT_TRUE(
        wire::AllAscii(reinterpret_cast<const uint8_t*>(ascii.data()), n));
    for (uint32_t i = 0; i < n; ++i) {
      std::string t = ascii;
      t[i] = '\xc3';
      EXPECT_FALSE(
          wire::AllAscii(reinterpret_cast<const uint8_t*>(t.data()), n))
          << n << " " << i;
    }
  }
}

TEST_F(ViewTest, MapFindOnArrayMaps) {
  Value keys[] = {Value::Int(1), Value::String("a")};
  Value vals[] = {Value::String("one"), Value::Int(2)};
  Value m = MakeMap(arena_, keys, vals, 2);
  bool found;
  EXPECT_EQ(Str(MapFind(arena_, *m.map, Value::Uint(1), &found)), "one");
  EXPECT_TRUE(found);
  EXPECT_EQ(MapFind(arena_, *m.map, Value::String("a"), &found).i, 2);
  MapFind(arena_, *m.map, Value::String("b"), &found);
  EXPECT_FALSE(found);
  EXPECT_EQ(MapKeyAt(arena_, *m.map, 1).kind, Kind::kString);
  EXPECT_TRUE(MapKeyAt(arena_, *m.map, 2).is_error());
}

TEST_F(ViewTest, WrongWireTypeIsSkippedLikeProtobuf) {
  // Field 2 (int64) sent as a length-delimited field: protobuf keeps it as
  // an unknown field, so the value reads as absent.
  std::string bytes("\x10\x05\x12\x01x", 5);
  MessageObj v = ViewBytes(AllTypes::descriptor(), bytes);
  EXPECT_EQ(Get(v, "f_int64").i, 5);
  AllTypes parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.f_int64(), 5);
}

TEST_F(ViewTest, RandomBytesNeverCrash) {
  std::mt19937 rng(1234);
  std::vector<const google::protobuf::Descriptor*> types = {
      AllTypes::descriptor(), Bucket::descriptor(), Defaults::descriptor()};
  // Seeds rich in every wire construct, mutated a few bytes at a time.
  AllTypes seed;
  seed.set_f_string("seed");
  seed.set_f_int64(-1);
  seed.set_f_double(1.5);
  seed.set_f_fixed32(7);
  seed.mutable_f_inner()->set_name("x");
  seed.mutable_f_inner()->mutable_child()->set_a(true);
  seed.add_r_int64(5);
  seed.add_r_int64(-500);
  seed.add_r_fixed32(3);
  seed.add_r_string("s");
  seed.add_r_inner()->set_b(true);
  (*seed.mutable_m_string_int())["a"] = 1;
  (*seed.mutable_m_bool_inner())[true].set_name("t");
  (*seed.mutable_m_string_value())["v"].mutable_list_value()->add_values();
  (*seed.mutable_w_struct()->mutable_fields())["k"].set_number_value(1);
  seed.mutable_w_timestamp()->set_seconds(5);
  seed.mutable_w_int32()->set_value(3);
  seed.mutable_w_any()->PackFrom(seed.f_inner());
  seed.set_o_string("o");
  Defaults seed2;
  seed2.mutable_g()->set_gx(1);
  seed2.add_rg()->set_rx(2);
  seed2.mutable_nested()->set_level(Defaults::LOW);
  std::string bases[] = {seed.SerializeAsString(), "",
                         seed2.SerializeAsString()};
  int errors = 0;
  int parsed_ok = 0;
  // ONUS_FUZZ_ITERS=200000 runs a longer campaign by hand.
  int iters = 6000;
  if (const char* e = std::getenv("ONUS_FUZZ_ITERS")) iters = std::atoi(e);
  for (int iter = 0; iter < iters; ++iter) {
    std::string bytes;
    const std::string& base = bases[iter % 3];
    if (base.empty()) {
      size_t n = rng() % 64;
      for (size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>(rng()));
    } else {
      bytes = base;
      int edits = 1 + rng() % 4;
      for (int k = 0; k < edits; ++k) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
      if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
    }
    // An exact-size heap copy, so that a memory checker (valgrind) sees
    // any read past the end.
    std::unique_ptr<char[]> buf(new char[bytes.size() + 1]);
    std::memcpy(buf.get(), bytes.data(), bytes.size());
    absl::string_view wire(buf.get(), bytes.size());
    Arena arena;
    const MessageType* t = MessageType::For(types[iter % types.size()]);
    Value root = MessageFromBytes(arena, *t, wire);
    // Differential check: whenever protobuf accepts the bytes, every
    // scalar field and every list size must read the same through the view.
    std::unique_ptr<google::protobuf::Message> ref(t->prototype()->New());
    if (ref->ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
      ++parsed_ok;
      const google::protobuf::Reflection* r = ref->GetReflection();
      for (const FieldInfo* f : t->fields()) {
        const google::protobuf::FieldDescriptor* fd = f->fd;
        Value x = GetField(arena, *root.msg, *f);
        if (f->repeated) {
          ASSERT_EQ(x.kind, Kind::kList) << fd->full_name();
          EXPECT_EQ(x.list->size, static_cast<uint32_t>(r->FieldSize(*ref, fd)))
              << fd->full_name() << " iter " << iter;
          continue;
        }
        if (f->is_map || f->message != nullptr) continue;
        if (fd->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
          // proto2 does not check UTF-8; CEL strings must be valid, so the
          // view reports such a field as an error instead of a value.
          std::string want = r->GetString(*ref, fd);
          if (!wire::ValidUtf8(want.data(),
                               static_cast<uint32_t>(want.size()))) {
            EXPECT_THAT(ErrText(x), HasSubstr("invalid UTF-8"));
            continue;
          }
        }
        ASSERT_FALSE(x.is_error())
            << fd->full_name() << " iter " << iter << " " << ErrText(x)
            << " bytes " << absl::CHexEscape(bytes);
        ExpectSameAsReflection(x, *ref, *f, fd->full_name());
        EXPECT_EQ(HasField(*root.msg, *f), fd->has_presence()
                                               ? r->HasField(*ref, fd)
                                               : r->HasField(*ref, fd))
            << fd->full_name() << " iter " << iter;
      }
    }
    for (int pass = 0; pass < 2; ++pass)  // second pass: indexed reads
      for (const FieldInfo* f : t->fields()) {
        Value x = GetField(arena, *root.msg, *f);
        errors += x.is_error();
        HasField(*root.msg, *f);
        if (x.kind == Kind::kList) {
          for (uint32_t i = 0; i < x.list->size; ++i) {
            ListGet(arena, *x.list, i);
          }
        } else if (x.kind == Kind::kMap) {
          for (uint32_t i = 0; i < x.map->size; ++i) {
            MapKeyAt(arena, *x.map, i);
            MapValueAt(arena, *x.map, i);
          }
          bool found;
          MapFind(arena, *x.map, Value::String("a"), &found);
          MapFind(arena, *x.map, Value::Int(1), &found);
        } else if (x.kind == Kind::kMessage) {
          for (const FieldInfo* g : x.msg->type->fields()) {
            GetField(arena, *x.msg, *g);
          }
        }
      }
  }
  EXPECT_GT(errors, 0);       // the corpus did exercise the error paths
  EXPECT_GT(parsed_ok, 300);  // and the differential check ran often
}

// The VM's inline reads (internal::ReadOwnField: one- and two-byte
// varints, short ASCII strings, cached sub-message, list and map views)
// and everything they hand on (longer varints, negative numbers,
// non-ASCII strings, repeated occurrences, wrong wire types) against
// protobuf's own parser: whenever protobuf accepts the bytes, every
// singular field, sub-message and list size reads the same, on the first
// read of the message and again from its index and view caches.
TEST_F(ViewTest, InlineFieldReadsMatchProtobuf) {
  AllTypes seed;
  seed.set_f_int32(300);  // two varint bytes
  seed.set_f_int64(16383);
  seed.set_f_uint32(127);
  seed.set_f_uint64(16384);  // three bytes: out of line
  seed.set_f_bool(true);
  seed.set_f_string("0.0.0.0/0");
  seed.set_f_enum(onus::test::GREEN);
  seed.mutable_f_inner()->set_name("inner");
  seed.mutable_f_inner()->set_a(true);
  seed.set_f_opt(-5);  // ten varint bytes: out of line
  seed.add_r_inner()->set_name("e0");
  seed.add_r_inner()->set_b(true);
  AllTypes dup;  // later occurrences win; a foreign wire type does not
  dup.set_f_int32(7);
  dup.set_f_string("caf\xc3\xa9");     // non-ASCII: validated out of line
  dup.mutable_f_inner()->set_c(true);  // a second occurrence: a merge
  std::string bases[] = {
      seed.SerializeAsString(),
      seed.SerializeAsString() + dup.SerializeAsString(),
      // f_bool (13) as a two-byte varint 128, then f_int32 (1) as fixed32.
      seed.SerializeAsString() +
          std::string("\x68\x80\x01\x0d\x01\x00\x00\x00", 8),
  };
  const MessageType* t = MessageType::For(AllTypes::descriptor());
  std::mt19937 rng(99);
  int fast_reads = 0;
  int compared = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::string bytes = bases[iter % std::size(bases)];
    if (iter >= static_cast<int>(std::size(bases))) {
      for (int k = 0, edits = rng() % 3; k < edits; ++k) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
    }
    // An exact-size heap copy, so that a memory checker sees any read past
    // the end (a std::string's spare capacity would hide it).
    std::unique_ptr<char[]> buf(new char[bytes.size()]);
    std::memcpy(buf.get(), bytes.data(), bytes.size());
    const absl::string_view wire(buf.get(), bytes.size());
    AllTypes ref;
    const bool ok =
        ref.ParseFromArray(wire.data(), static_cast<int>(wire.size()));
    const google::protobuf::Reflection* r = ref.GetReflection();
    Arena arena;
    Value root = MessageFromBytes(arena, *t, wire);
    ASSERT_EQ(root.kind, Kind::kMessage);
    // Every field twice: the second read of a sub-message, list or map
    // comes from the view cache the first one filled.
    for (int pass = 0; pass < 2; ++pass) {
      for (const FieldInfo* f : t->fields()) {
        const google::protobuf::FieldDescriptor* fd = f->fd;
        const bool inline_case =
            f->fast_read != FastRead::kNone && root.msg->index != nullptr;
        Value got = internal::ReadOwnField(arena, *root.msg, *f);
        fast_reads += inline_case;
        if (!ok || f->is_map) continue;
        ++compared;
        const std::string where =
            absl::StrCat(fd->full_name(), " iter ", iter, " pass ", pass,
                         " bytes ", absl::CHexEscape(wire));
        ASSERT_FALSE(got.is_error()) << ErrText(got) << " " << where;
        if (f->repeated) {
          ASSERT_EQ(got.kind, Kind::kList) << where;
          EXPECT_EQ(got.list->size,
                    static_cast<uint32_t>(r->FieldSize(ref, fd)))
              << where;
          continue;
        }
        ExpectSameAsReflection(got, ref, *f, where);
      }
    }
  }
  EXPECT_GT(fast_reads, 10000);
  EXPECT_GT(compared, 10000);
}

TEST_F(ViewTest, ToDynamicMessageRoundTrip) {
  AllTypes m;
  m.set_f_string("dyn");
  (*m.mutable_m_int_string())[1] = "x";
  MessageObj v = View(m);
  auto dm = ToDynamicMessage(v);
  ASSERT_TRUE(dm.ok()) << dm.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(**dm, m));
  std::string bad("\x72\x7f", 2);
  MessageObj b = ViewBytes(AllTypes::descriptor(), bad);
  EXPECT_FALSE(ToDynamicMessage(b).ok());
}

// Copies `file` and its imports into `pool`, dependencies first.
void AddFileTo(const google::protobuf::FileDescriptor* file,
               google::protobuf::DescriptorPool* pool) {
  if (pool->FindFileByName(file->name()) != nullptr) return;
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileTo(file->dependency(i), pool);
  }
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  ASSERT_NE(pool->BuildFile(proto), nullptr) << file->name();
}

TEST_F(ViewTest, DynamicPoolLikeTheConformanceRunner) {
  google::protobuf::DescriptorPool pool;
  AddFileTo(AllTypes::descriptor()->file(), &pool);
  const google::protobuf::Descriptor* d =
      pool.FindMessageTypeByName("onus.test.AllTypes");
  ASSERT_NE(d, nullptr);
  ASSERT_NE(d, AllTypes::descriptor());
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> m(factory.GetPrototype(d)->New());
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(f_int64: 7
           f_inner { name: "dyn" }
           w_any {
             [type.googleapis.com/onus.test.Inner] { name: "in any" }
           }
           m_string_int { key: "a" value: 1 })pb",
      m.get()));
  const MessageType* t = MessageType::For(d);
  EXPECT_NE(t, MessageType::For(AllTypes::descriptor()));
  Value root = FromMessage(arena_, *m);
  ASSERT_EQ(root.kind, Kind::kMessage);
  EXPECT_EQ(root.msg->type, t);
  EXPECT_EQ(Get(*root.msg, "f_int64").i, 7);
  Value in = Get(*root.msg, "f_inner");
  EXPECT_EQ(in.msg->type->descriptor()->file()->pool(), &pool);
  EXPECT_EQ(Str(Get(*in.msg, "name")), "dyn");
  // Any resolves in the message's own pool.
  Value any = Get(*root.msg, "w_any");
  ASSERT_EQ(any.kind, Kind::kMessage) << ErrText(any);
  EXPECT_EQ(any.msg->type->descriptor(),
            pool.FindMessageTypeByName("onus.test.Inner"));
  EXPECT_EQ(Str(Get(*any.msg, "name")), "in any");
  // Construction and full parse use the dynamic pool's types too.
  const FieldInfo* f = t->FindField("f_string");
  Value s = Value::String("built");
  Value built = NewMessage(arena_, *t, &f, &s, 1);
  ASSERT_EQ(built.kind, Kind::kMessage) << ErrText(built);
  auto dm = ToDynamicMessage(*built.msg);
  ASSERT_TRUE(dm.ok()) << dm.status();
  EXPECT_EQ((*dm)->GetDescriptor(), d);
  EXPECT_THAT((*dm)->ShortDebugString(), HasSubstr("built"));
  // ValueToMessage into a dynamic Any.
  const google::protobuf::Descriptor* any_d =
      pool.FindMessageTypeByName("google.protobuf.Any");
  std::unique_ptr<google::protobuf::Message> out(
      factory.GetPrototype(any_d)->New());
  ASSERT_TRUE(ValueToMessage(Value::Int(3), out.get()).ok());
  EXPECT_THAT(out->ShortDebugString(), HasSubstr("Int64Value"));
}

TEST_F(ViewTest, RegistryIsThreadSafe) {
  google::protobuf::DescriptorPool pool;
  AddFileTo(AllTypes::descriptor()->file(), &pool);
  const google::protobuf::Descriptor* d =
      pool.FindMessageTypeByName("onus.test.AllTypes");
  std::vector<const MessageType*> seen(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const MessageType* t = MessageType::For(d);
      // Every reachable type is complete when For() returns.
      for (const FieldInfo* f : t->fields()) {
        if (f->fd->message_type() != nullptr && f->message == nullptr) {
          t = nullptr;
        }
      }
      seen[i] = t;
    });
  }
  for (auto& th : threads) th.join();
  for (const MessageType* t : seen) {
    EXPECT_NE(t, nullptr);
    EXPECT_EQ(t, seen[0]);
  }
}

// --- construction ----------------------------------------------------------

class NewMessageTest : public ViewTest {
 protected:
  Value New(const google::protobuf::Descriptor* d,
            std::vector<std::pair<std::string, Value>> inits) {
    const MessageType* t = MessageType::For(d);
    std::vector<const FieldInfo*> fs;
    std::vector<Value> vs;
    for (auto& [name, v] : inits) {
      fs.push_back(t->FindField(name));
      EXPECT_NE(fs.back(), nullptr) << name;
      vs.push_back(v);
    }
    return NewMessage(arena_, *t, fs.data(), vs.data(),
                      static_cast<uint32_t>(fs.size()));
  }
};

TEST_F(NewMessageTest, ScalarsRoundTrip) {
  Value v = New(AllTypes::descriptor(), {{"f_int32", Value::Int(-7)},
                                         {"f_uint64", Value::Uint(9)},
                                         {"f_double", Value::Double(0.5)},
                                         {"f_float", Value::Double(2.0)},
                                         {"f_bool", Value::Bool(true)},
                                         {"f_string", Value::String("s")},
                                         {"f_bytes", Value::Bytes("b")},
                                         {"f_enum", Value::Int(2)},
                                         {"f_opt", Value::Int(0)},
                                         {"high_number", Value::Int(3)}});
  ASSERT_EQ(v.kind, Kind::kMessage) << ErrText(v);
  EXPECT_NE(v.msg->index, nullptr);  // built eagerly
  EXPECT_EQ(Get(*v.msg, "f_int32").i, -7);
  EXPECT_EQ(Get(*v.msg, "f_uint64").u, 9u);
  EXPECT_EQ(Get(*v.msg, "f_double").d, 0.5);
  EXPECT_EQ(Get(*v.msg, "f_float").d, 2.0);
  EXPECT_TRUE(Get(*v.msg, "f_bool").b);
  EXPECT_EQ(Str(Get(*v.msg, "f_string")), "s");
  EXPECT_EQ(Str(Get(*v.msg, "f_bytes")), "b");
  EXPECT_EQ(Get(*v.msg, "f_enum").i, 2);
  EXPECT_TRUE(Has(*v.msg, "f_opt"));
  EXPECT_EQ(Get(*v.msg, "high_number").i, 3);
}

TEST_F(NewMessageTest, RangeAndKindErrors) {
  Value v = New(AllTypes::descriptor(), {{"f_int32", Value::Int(1LL << 31)}});
  EXPECT_THAT(ErrText(v), HasSubstr("out of range"));
  EXPECT_EQ(v.err->code, ErrorCode::kOutOfRange);
  v = New(AllTypes::descriptor(), {{"f_uint32", Value::Uint(1ULL << 32)}});
  EXPECT_THAT(ErrText(v), HasSubstr("out of range"));
  v = New(AllTypes::descriptor(), {{"f_int64", Value::Uint(1)}});
  EXPECT_THAT(ErrText(v), HasSubstr("type mismatch"));
  v = New(AllTypes::descriptor(), {{"f_string", Value::Bytes("x")}});
  EXPECT_THAT(ErrText(v), HasSubstr("type mismatch"));
  v = New(AllTypes::descriptor(), {{"f_inner", Value::Int(1)}});
  EXPECT_TRUE(v.is_error());
  v = New(Defaults::descriptor(), {{"level", Value::Int(3)}});  // closed enum
  EXPECT_THAT(ErrText(v), HasSubstr("out of range"));
  // Errors in inputs propagate unchanged.
  Value err = StaticError(ErrorCode::kDivisionByZero, "division by zero");
  v = New(AllTypes::descriptor(), {{"f_int64", err}});
  EXPECT_EQ(v.err, err.err);
}

TEST_F(NewMessageTest, MessagesListsMapsAndWkts) {
  Value inner = New(Inner::descriptor(), {{"name", Value::String("in")}});
  ASSERT_EQ(inner.kind, Kind::kMessage);
  Value items[] = {Value::Int(1), Value::Int(2), Value::Int(3)};
  Value list = MakeList(arena_, items, 3);
  Value keys[] = {Value::String("a"), Value::String("b")};
  Value vals[] = {Value::Int(10), Value::Int(20)};
  Value map = MakeMap(arena_, keys, vals, 2);
  Value v =
      New(AllTypes::descriptor(), {{"f_inner", inner},
                                   {"r_int64", list},
                                   {"m_string_int", map},
                                   {"w_timestamp", Value::Timestamp(100, 5)},
                                   {"w_duration", Value::Duration(-1, -2)},
                                   {"w_int32", Value::Int(4)},
                                   {"w_string", Value::Null()},
                                   {"w_value", Value::Null()},
                                   {"w_struct", map},
                                   {"w_list", list},
                                   {"w_any", inner}});
  ASSERT_EQ(v.kind, Kind::kMessage) << ErrText(v);
  Value in = Get(*v.msg, "f_inner");
  EXPECT_EQ(Str(Get(*in.msg, "name")), "in");
  Value l = Get(*v.msg, "r_int64");
  ASSERT_EQ(l.list->size, 3u);
  EXPECT_EQ(ListGet(arena_, *l.list, 2).i, 3);
  bool found;
  Value m = Get(*v.msg, "m_string_int");
  EXPECT_EQ(MapFind(arena_, *m.map, Value::String("b"), &found).i, 20);
  Value t = Get(*v.msg, "w_timestamp");
  EXPECT_EQ(t.kind, Kind::kTimestamp);
  EXPECT_EQ(t.nanos(), 5);
  EXPECT_EQ(Get(*v.msg, "w_duration").nanos(), -2);
  EXPECT_EQ(Get(*v.msg, "w_int32").i, 4);
  EXPECT_FALSE(Has(*v.msg, "w_string"));
  EXPECT_TRUE(Has(*v.msg, "w_value"));  // null_value is a set Value
  EXPECT_EQ(Get(*v.msg, "w_value").kind, Kind::kNull);
  Value s = Get(*v.msg, "w_struct");
  EXPECT_EQ(MapFind(arena_, *s.map, Value::String("a"), &found).d, 10.0);
  Value wl = Get(*v.msg, "w_list");
  EXPECT_EQ(ListGet(arena_, *wl.list, 1).d, 2.0);
  Value a = Get(*v.msg, "w_any");
  ASSERT_EQ(a.kind, Kind::kMessage);
  EXPECT_EQ(Str(Get(*a.msg, "name")), "in");

  // Lists elements are type-checked too.
  Value bad_items[] = {Value::Int(1), Value::String("x")};
  v = New(AllTypes::descriptor(),
          {{"r_int64", MakeList(arena_, bad_items, 2)}});
  EXPECT_TRUE(v.is_error());
  // Struct keys must be strings.
  Value ikeys[] = {Value::Int(1)};
  v = New(AllTypes::descriptor(),
          {{"w_struct", MakeMap(arena_, ikeys, vals, 1)}});
  EXPECT_THAT(ErrText(v), HasSubstr("keys must be strings"));
}

TEST_F(NewMessageTest, NullIsNotAListOrMap) {
  // cel-spec set_null: null unsets messages and wrappers, but repeated,
  // map, Struct and ListValue fields reject it.
  for (const char* f : {"r_int64", "m_string_int", "w_struct", "w_list"}) {
    Value v = New(AllTypes::descriptor(), {{f, Value::Null()}});
    EXPECT_THAT(ErrText(v), HasSubstr("type mismatch")) << f;
  }
  for (const char* f : {"f_inner", "w_int64", "w_any", "w_timestamp"}) {
    Value v = New(AllTypes::descriptor(), {{f, Value::Null()}});
    ASSERT_EQ(v.kind, Kind::kMessage) << f << ": " << ErrText(v);
    EXPECT_FALSE(Has(*v.msg, f));
  }
}

TEST_F(NewMessageTest, NullValueEnumFields) {
  Value v = New(AllTypes::descriptor(), {{"f_null", Value::Null()}});
  ASSERT_EQ(v.kind, Kind::kMessage) << ErrText(v);
  EXPECT_EQ(Get(*v.msg, "f_null").kind, Kind::kNull);
  v = New(google::protobuf::Value::descriptor(),
          {{"null_value", Value::Null()}});
  EXPECT_EQ(v.kind, Kind::kNull);
  AllTypes m;
  MessageObj e = View(m);
  EXPECT_EQ(Get(e, "f_null").kind, Kind::kNull);
}

TEST_F(NewMessageTest, ConstructingAWktYieldsItsValue) {
  Value v = New(google::protobuf::Int64Value::descriptor(),
                {{"value", Value::Int(1)}});
  EXPECT_EQ(v.kind, Kind::kInt);
  EXPECT_EQ(v.i, 1);
  v = New(google::protobuf::Timestamp::descriptor(),
          {{"seconds", Value::Int(1)}});
  EXPECT_EQ(v.kind, Kind::kTimestamp);
  EXPECT_EQ(v.i, 1);
  v = New(google::protobuf::Value::descriptor(),
          {{"string_value", Value::String("x")}});
  EXPECT_EQ(Str(v), "x");
  v = New(google::protobuf::Int32Value::descriptor(),
          {{"value", Value::Int(1LL << 40)}});
  EXPECT_TRUE(v.is_error());
}

TEST_F(NewMessageTest, ValueToMessageForComparisons) {
  google::protobuf::Value out;
  Value keys[] = {Value::String("k")};
  Value items[] = {Value::Int(1), Value::Bytes("hi"), Value::Null(),
                   Value::Int(1LL << 60)};
  Value vals[] = {MakeList(arena_, items, 4)};
  ASSERT_TRUE(ValueToMessage(MakeMap(arena_, keys, vals, 1), &out).ok());
  const auto& l = out.struct_value().fields().at("k").list_value();
  ASSERT_EQ(l.values_size(), 4);
  EXPECT_EQ(l.values(0).number_value(), 1.0);
  EXPECT_EQ(l.values(1).string_value(), "aGk=");  // base64
  EXPECT_TRUE(l.values(2).has_null_value());
  EXPECT_EQ(l.values(3).string_value(), "1152921504606846976");

  google::protobuf::Any any;
  ASSERT_TRUE(ValueToMessage(Value::Uint(5), &any).ok());
  google::protobuf::UInt64Value u;
  ASSERT_TRUE(any.UnpackTo(&u));
  EXPECT_EQ(u.value(), 5u);

  google::protobuf::Duration d;
  ASSERT_TRUE(ValueToMessage(Value::Duration(3, 4), &d).ok());
  EXPECT_EQ(d.seconds(), 3);
  EXPECT_EQ(d.nanos(), 4);
  EXPECT_FALSE(ValueToMessage(Value::Int(1), &d).ok());

  // Deep nesting stops at the hard limit instead of exhausting the stack.
  Value deep = Value::Int(0);
  for (int i = 0; i < 200; ++i) deep = MakeList(arena_, &deep, 1);
  EXPECT_FALSE(ValueToMessage(deep, &out).ok());
}

}  // namespace
}  // namespace onus::engine
