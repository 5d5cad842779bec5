#include "engine/service/resource_wire.h"

#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "onus/aws/s3.pb.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine::service_internal {
namespace {

using ::testing::HasSubstr;

onus::v1::Resource Bucket() {
  onus::aws::s3::Bucket b;
  b.set_name("logs");
  onus::v1::Resource r;
  r.set_id("arn:aws:s3:::logs");
  r.set_type("onus.aws.s3.Bucket");
  r.set_provider(onus::v1::AWS);
  r.set_account("111");
  r.set_region("eu-west-1");
  (*r.mutable_tags())["env"] = "prod";
  r.mutable_typed()->set_type_url("type.googleapis.com/onus.aws.s3.Bucket");
  r.mutable_typed()->set_value(b.SerializeAsString());
  return r;
}

// A schemaless resource with nested structs, lists and strings.
onus::v1::Resource Schemaless() {
  onus::v1::Resource r;
  r.set_id("thing-1");
  r.set_type("saas.Thing");
  r.set_account("111");
  auto& fields = *r.mutable_schemaless()->mutable_fields();
  fields["name"].set_string_value("n\xc3\xa9");
  auto* list = fields["ports"].mutable_list_value();
  list->add_values()->set_number_value(22);
  list->add_values()->mutable_struct_value()->mutable_fields()->insert(
      {"on", google::protobuf::Value()});
  (*fields["nested"].mutable_struct_value()->mutable_fields())["k"]
      .set_string_value("v");
  return r;
}

absl::Status Check(const std::string& bytes, ResourceEnvelope* env = nullptr) {
  ResourceEnvelope ignored;
  return CheckResourceBytes(
      bytes, [] { return std::string("item 7 resource"); },
      env != nullptr ? env : &ignored);
}

// Tag and length-delimited payload of one field, appended to `out`.
void AppendField(uint32_t number, absl::string_view payload, std::string* out) {
  out->push_back(static_cast<char>(number << 3 | 2));
  out->push_back(static_cast<char>(payload.size()));  // payloads < 128 bytes
  out->append(payload.data(), payload.size());
}

TEST(ResourceWire, AcceptsAResourceAndReadsItsEnvelope) {
  ResourceEnvelope env;
  const std::string bytes = Bucket().SerializeAsString();
  ASSERT_TRUE(Check(bytes, &env).ok());
  EXPECT_EQ(env.id, "arn:aws:s3:::logs");
  EXPECT_EQ(env.type, "onus.aws.s3.Bucket");
  EXPECT_EQ(env.account, "111");

  onus::v1::Resource schemaless;
  schemaless.set_id("x");
  schemaless.set_type("saas.Thing");
  (*schemaless.mutable_schemaless()->mutable_fields())["a"].set_bool_value(
      true);
  EXPECT_TRUE(Check(schemaless.SerializeAsString()).ok());
  EXPECT_TRUE(Check(Schemaless().SerializeAsString()).ok());
}

TEST(ResourceWire, ServiceRulesInTheWordsOfTheParsedChecks) {
  onus::v1::Resource r = Bucket();
  r.clear_id();
  absl::Status s = Check(r.SerializeAsString());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "item 7 resource: field `id` is empty");

  r = Bucket();
  r.clear_type();
  EXPECT_EQ(Check(r.SerializeAsString()).message(),
            "item 7 resource (id \"arn:aws:s3:::logs\"): field `type` is "
            "empty");

  r = Bucket();
  r.clear_typed();
  EXPECT_EQ(Check(r.SerializeAsString()).message(),
            "item 7 resource (id \"arn:aws:s3:::logs\"): no payload (`typed` "
            "or `schemaless`)");

  r = Bucket();
  r.mutable_typed()->set_type_url("type.googleapis.com/onus.aws.s3.Other");
  EXPECT_EQ(Check(r.SerializeAsString()).message(),
            "item 7 resource (id \"arn:aws:s3:::logs\"): field "
            "`typed.type_url` is \"type.googleapis.com/onus.aws.s3.Other\", "
            "expected \"type.googleapis.com/onus.aws.s3.Bucket\"");
}

TEST(ResourceWire, MalformedBytesAreInvalidArgumentNamingTheResource) {
  const std::string good = Bucket().SerializeAsString();
  for (const std::string& bad :
       {good.substr(0, good.size() - 1), std::string("\xff\xff\xff", 3),
        std::string("\x0a\x05"
                    "ab",
                    4),
        std::string("\x00", 1),
        std::string("\x0c", 1) /* end group without a start */}) {
    absl::Status s = Check(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad.size();
    EXPECT_THAT(s.message(), HasSubstr("item 7 resource: malformed protobuf"));
  }
}

TEST(ResourceWire, StringsMustBeUtf8AndOfTheirWireType) {
  const std::string bad_utf8("\xc3\x28", 2);
  struct Case {
    int field;
    std::string field_name;
  };
  for (const Case& c : std::vector<Case>{
           {1, "id"}, {2, "type"}, {4, "account"}, {5, "region"}}) {
    std::string bytes = Bucket().SerializeAsString();
    AppendField(c.field, bad_utf8, &bytes);
    absl::Status s = Check(bytes);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), absl::StrCat("item 7 resource: field `",
                                        c.field_name, "`: not valid UTF-8"));
  }
  // A tag value, and the Any's type_url.
  std::string entry;
  AppendField(1, "k", &entry);
  AppendField(2, bad_utf8, &entry);
  std::string bytes = Bucket().SerializeAsString();
  AppendField(6, entry, &bytes);
  EXPECT_THAT(Check(bytes).message(), HasSubstr("field `tags`: not valid"));
  std::string any;
  AppendField(1, bad_utf8, &any);
  bytes = Bucket().SerializeAsString();
  AppendField(7, any, &bytes);
  EXPECT_THAT(Check(bytes).message(),
              HasSubstr("field `typed.type_url`: not valid UTF-8"));
  // `id` as a varint.
  bytes = Bucket().SerializeAsString() + std::string("\x08\x01", 2);
  EXPECT_EQ(Check(bytes).message(),
            "item 7 resource: field `id`: wrong wire type");
}

TEST(ResourceWire, SchemalessStructsAreCheckedLikeProtobufChecksThem) {
  // A string value that is not UTF-8.
  onus::v1::Resource r = Schemaless();
  (*r.mutable_schemaless()->mutable_fields())["bad"].set_string_value(
      std::string("\xc3\x28", 2));
  EXPECT_EQ(Check(r.SerializeAsString()).message(),
            "item 7 resource: field `schemaless`: malformed");
  // Nesting deeper than protobuf's recursion limit.
  google::protobuf::Value v;
  for (int i = 0; i < 120; ++i) {
    google::protobuf::Value outer;
    *outer.mutable_list_value()->add_values() = v;
    v = outer;
  }
  r = Schemaless();
  (*r.mutable_schemaless()->mutable_fields())["deep"] = v;
  const std::string deep = r.SerializeAsString();
  onus::v1::Resource parsed;
  EXPECT_FALSE(parsed.ParseFromString(deep));
  EXPECT_FALSE(Check(deep).ok());
}

TEST(ResourceWire, LaterFieldsReplaceEarlierOnesAsProtobufReadsThem) {
  // A second id wins; unknown fields (a varint and a group) are skipped.
  std::string bytes = Bucket().SerializeAsString();
  AppendField(1, "second", &bytes);
  bytes += std::string("\xf8\x06\x01", 3);      // field 111, varint
  bytes += std::string("\xbb\x07\xbc\x07", 4);  // field 119, empty group
  ResourceEnvelope env;
  ASSERT_TRUE(Check(bytes, &env).ok());
  EXPECT_EQ(env.id, "second");
  onus::v1::Resource parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.id(), "second");

  // `schemaless` after `typed` replaces it: no type_url to check.
  onus::v1::Resource r = Bucket();
  r.mutable_typed()->set_type_url("type.googleapis.com/wrong");
  bytes = r.SerializeAsString();
  AppendField(8, "", &bytes);
  EXPECT_TRUE(Check(bytes).ok());
  // `typed` after `schemaless` starts afresh: its own type_url counts.
  bytes = Bucket().SerializeAsString();
  AppendField(8, "", &bytes);
  AppendField(7, "", &bytes);
  EXPECT_THAT(Check(bytes).message(),
              HasSubstr("field `typed.type_url` is \"\""));
  // Two `typed` occurrences merge: the type_url of the first stays.
  bytes = Bucket().SerializeAsString();
  AppendField(7, std::string("\x12\x00", 2), &bytes);  // value only
  EXPECT_TRUE(Check(bytes).ok());
}

// Random damage never crashes, and what the check accepts protobuf's own
// parser accepts too (it checks no less than protobuf did for the
// envelope).
TEST(ResourceWire, DamagedBytesNeverAcceptedWhereProtobufRejects) {
  const std::string goods[] = {Bucket().SerializeAsString(),
                               Schemaless().SerializeAsString()};
  std::mt19937 rng(5);
  int rejected = 0;
  for (int trial = 0; trial < 40000; ++trial) {
    std::string bytes = goods[trial % 2];
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < flips; ++i) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    }
    if (trial % 4 == 0) bytes.resize(rng() % (bytes.size() + 1));
    onus::v1::Resource parsed;
    const bool protobuf_ok = parsed.ParseFromString(bytes);
    absl::Status s = Check(bytes);
    if (!s.ok()) {
      ++rejected;
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(s.message(), HasSubstr("item 7 resource"));
    }
    if (s.ok()) {
      EXPECT_TRUE(protobuf_ok) << "accepted bytes protobuf rejects: "
                               << absl::BytesToHexString(bytes);
    }
  }
  EXPECT_GT(rejected, 2000);
}

TEST(ResourceWire, AppendResourceRecordMakesSnapshotResources) {
  std::string snapshot;
  const std::string r = Bucket().SerializeAsString();
  AppendResourceRecord(r, &snapshot);
  AppendResourceRecord(r, &snapshot);
  onus::v1::Snapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(snapshot));
  ASSERT_EQ(parsed.resources_size(), 2);
  EXPECT_EQ(parsed.resources(1).id(), "arn:aws:s3:::logs");
  EXPECT_EQ(parsed.resources(1).tags().at("env"), "prod");
}

}  // namespace
}  // namespace onus::engine::service_internal
