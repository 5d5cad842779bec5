#include "engine/snapshot_io.h"

#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "onus/aws/s3.pb.h"
#include "onus/v1/report.pb.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::onus::v1::Snapshot;
using ::onus::v1::StreamItem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAcme[] = "tests/data/acme/snapshot.textproto";

std::string TmpPath(const std::string& file) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", file);
}

// A small valid snapshot: one AWS account, one typed bucket, one
// schemaless resource.
Snapshot Small() {
  Snapshot s;
  s.set_id("snap-1");
  s.mutable_collected_at()->set_seconds(1700000000);
  s.mutable_source()->set_name("test");
  auto* a = s.add_accounts();
  a->set_provider(onus::v1::AWS);
  a->set_id("111122223333");
  auto* r = s.add_resources();
  r->set_id("arn:aws:s3:::b1");
  r->set_type("onus.aws.s3.Bucket");
  r->set_provider(onus::v1::AWS);
  r->set_account("111122223333");
  r->set_region("us-east-1");
  (*r->mutable_tags())["env"] = "prod";
  onus::aws::s3::Bucket b;
  b.set_name("b1");
  b.mutable_versioning()->set_status("Enabled");
  r->mutable_typed()->PackFrom(b);
  auto* r2 = s.add_resources();
  r2->set_id("custom-1");
  r2->set_type("acme.Custom");
  r2->set_provider(onus::v1::AWS);
  r2->set_account("111122223333");
  (*r2->mutable_schemaless()->mutable_fields())["k"].set_string_value("v");
  return s;
}

TEST(SnapshotIo, LoadsAcmeInventoryAndItValidates) {
  auto s = LoadSnapshot(kAcme);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->id(), "acme-2026-11-01");
  EXPECT_EQ(s->accounts_size(), 4);
  EXPECT_GE(s->resources_size(), 200);
  EXPECT_LE(s->resources_size(), 400);
  EXPECT_TRUE(ValidateSnapshot(*s).ok()) << ValidateSnapshot(*s);
}

class RoundTrip : public ::testing::TestWithParam<SnapshotFormat> {};

TEST_P(RoundTrip, SerializeThenParseGivesTheSameSnapshot) {
  auto acme = LoadSnapshot(kAcme);
  ASSERT_TRUE(acme.ok()) << acme.status();
  for (const Snapshot& original : {Small(), *acme}) {
    auto bytes = SerializeSnapshot(original, GetParam());
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    auto back = ParseSnapshot(*bytes, GetParam(), "mem");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(MessageDifferencer::Equals(original, *back));
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, RoundTrip,
                         ::testing::Values(SnapshotFormat::kBinary,
                                           SnapshotFormat::kText,
                                           SnapshotFormat::kJson,
                                           SnapshotFormat::kStream),
                         [](const auto& info) {
                           return std::string(SnapshotFormatName(info.param));
                         });

TEST(SnapshotIo, SaveAndLoadByExtensionAndBySniffing) {
  Snapshot s = Small();
  for (const char* name : {"s.pb", "s.textproto", "s.json", "s.stream"}) {
    std::string path = TmpPath(name);
    ASSERT_TRUE(SaveSnapshot(s, path).ok()) << name;
    auto back = LoadSnapshot(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(MessageDifferencer::Equals(s, *back)) << name;
  }
  // No telling extension: binary, text and JSON are told apart by content.
  for (SnapshotFormat f : {SnapshotFormat::kBinary, SnapshotFormat::kText,
                           SnapshotFormat::kJson}) {
    std::string path = TmpPath(absl::StrCat("noext_", SnapshotFormatName(f)));
    ASSERT_TRUE(SaveSnapshot(s, path, f).ok());
    auto back = LoadSnapshot(path);
    ASSERT_TRUE(back.ok()) << SnapshotFormatName(f) << ": " << back.status();
    EXPECT_TRUE(MessageDifferencer::Equals(s, *back));
  }
}

TEST(SnapshotIo, FormatDetection) {
  EXPECT_EQ(FormatFromExtension("a/b.textproto"), SnapshotFormat::kText);
  EXPECT_EQ(FormatFromExtension("x.TXTPB"), SnapshotFormat::kText);
  EXPECT_EQ(FormatFromExtension("x.json"), SnapshotFormat::kJson);
  EXPECT_EQ(FormatFromExtension("x.pb"), SnapshotFormat::kBinary);
  EXPECT_EQ(FormatFromExtension("x.stream"), SnapshotFormat::kStream);
  EXPECT_EQ(FormatFromExtension("inventory"), SnapshotFormat::kAuto);
  EXPECT_EQ(SniffFormat("  \n{\"id\": \"x\"}"), SnapshotFormat::kJson);
  EXPECT_EQ(SniffFormat("# comment\nid: \"x\"\n"), SnapshotFormat::kText);
  EXPECT_EQ(SniffFormat(Small().SerializeAsString()), SnapshotFormat::kBinary);
}

TEST(SnapshotIo, MissingFileIsNotFound) {
  auto s = LoadSnapshot("/nonexistent/dir/snap.pb");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.status().message(), HasSubstr("/nonexistent/dir/snap.pb"));
}

TEST(SnapshotIo, TruncatedBinaryIsAnError) {
  std::string bytes = Small().SerializeAsString();
  auto s = ParseSnapshot(bytes.substr(0, bytes.size() / 2),
                         SnapshotFormat::kBinary, "cut.pb");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("cut.pb"));
  EXPECT_THAT(s.status().message(), HasSubstr("truncated or corrupt"));
}

TEST(SnapshotIo, BinaryOfAnotherMessageTypeIsAnError) {
  onus::v1::Report report;
  report.set_snapshot_id("s");
  auto* f = report.add_findings();
  f->set_policy_id("p");
  f->set_provider(onus::v1::AWS);
  f->set_outcome(onus::v1::FAIL);
  auto s = ParseSnapshot(report.SerializeAsString(), SnapshotFormat::kBinary,
                         "report.pb");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("not an onus.v1.Snapshot"));
}

TEST(SnapshotIo, BadJsonIsAnError) {
  auto s = ParseSnapshot("{\"id\": \"x\", ", SnapshotFormat::kJson, "bad.json");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("bad.json"));
}

TEST(SnapshotIo, JsonOfAnotherTypeIsAnError) {
  // A Report in JSON: its keys are not Snapshot fields.
  auto s = ParseSnapshot(R"({"snapshotId": "s", "findings": []})",
                         SnapshotFormat::kJson, "report.json");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("report.json"));
}

TEST(SnapshotIo, JsonAnyUsesTheGeneratedPool) {
  auto s = ParseSnapshot(R"({
    "id": "j",
    "accounts": [{"provider": "AWS", "id": "1"}],
    "resources": [{
      "id": "arn:aws:s3:::b", "type": "onus.aws.s3.Bucket", "provider": "AWS",
      "account": "1",
      "typed": {"@type": "type.googleapis.com/onus.aws.s3.Bucket",
                "Name": "b", "Versioning": {"Status": "Suspended"}}
    }]})",
                         SnapshotFormat::kJson, "any.json");
  ASSERT_TRUE(s.ok()) << s.status();
  onus::aws::s3::Bucket b;
  ASSERT_TRUE(s->resources(0).typed().UnpackTo(&b));
  EXPECT_EQ(b.name(), "b");
  EXPECT_EQ(b.versioning().status(), "Suspended");
  EXPECT_TRUE(ValidateSnapshot(*s).ok());
}

TEST(SnapshotIo, TextErrorsHaveLineAndColumn) {
  auto s = ParseSnapshot("id: \"x\"\n\nresources {\n  idd: \"y\"\n}\n",
                         SnapshotFormat::kText, "bad.textproto");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("bad.textproto:4:"));
  EXPECT_THAT(s.status().message(), HasSubstr("idd"));
}

TEST(SnapshotIo, TextWithUnknownAnyTypeIsAnError) {
  auto s = ParseSnapshot(
      "resources {\n  typed {\n    [type.googleapis.com/onus.aws.NoSuch] "
      "{ }\n  }\n}\n",
      SnapshotFormat::kText, "t.textproto");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("t.textproto:3:"));
}

// --------------------------------------------------------------- validation

TEST(ValidateSnapshot, NamesResourceAndField) {
  Snapshot s = Small();
  s.mutable_resources(0)->mutable_typed()->set_type_url(
      "type.googleapis.com/onus.aws.s3.Nope");
  auto st = ValidateSnapshot(s);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("resource \"arn:aws:s3:::b1\""));
  EXPECT_THAT(st.message(), HasSubstr("typed.type_url"));
}

TEST(ValidateSnapshot, UnknownTypeNoPayloadBadBytesDuplicatesAndAccounts) {
  Snapshot s = Small();
  auto* r = s.add_resources();
  *r = s.resources(0);  // duplicate id
  auto* unknown = s.add_resources();
  unknown->set_id("u");
  unknown->set_type("onus.aws.NoSuchThing");
  unknown->set_provider(onus::v1::AWS);
  unknown->set_account("111122223333");
  unknown->mutable_typed()->set_type_url(
      "type.googleapis.com/onus.aws.NoSuchThing");
  auto* empty = s.add_resources();
  empty->set_id("e");
  empty->set_type("x");
  empty->set_provider(onus::v1::GCP);
  empty->set_account("p");
  auto* garbage = s.add_resources();
  *garbage = s.resources(0);
  garbage->set_id("g");
  garbage->mutable_typed()->set_value("\xff\xff\xff");
  auto st = ValidateSnapshot(s);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("duplicate id"));
  EXPECT_THAT(st.message(), HasSubstr("not a known resource schema"));
  EXPECT_THAT(st.message(), HasSubstr("resource \"e\": no payload"));
  EXPECT_THAT(st.message(), HasSubstr("not in the snapshot's accounts"));
  EXPECT_THAT(st.message(),
              HasSubstr("resource \"g\": field 'typed.value' does not parse"));
}

// Text format input may carry strings that are not UTF-8 (its parser does
// not check proto3 strings): refused by position, never quoted back.
TEST(ValidateSnapshot, StringsThatAreNotUtf8AreNamedByPosition) {
  Snapshot s = Small();
  s.mutable_resources(0)->set_id("arn:\xff");
  auto st = ValidateSnapshot(s);
  EXPECT_THAT(st.message(),
              HasSubstr("resources[0]: field 'id' is not valid UTF-8"));
  EXPECT_THAT(st.message(), Not(HasSubstr("\xff")));
  s = Small();
  s.mutable_resources(0)->set_region("us-\xc3");
  st = ValidateSnapshot(s);
  EXPECT_THAT(st.message(),
              HasSubstr("resource \"arn:aws:s3:::b1\": field 'region' is not "
                        "valid UTF-8"));
  s = Small();
  s.mutable_accounts(0)->set_id("\xe2\x82");
  st = ValidateSnapshot(s);
  EXPECT_THAT(st.message(),
              HasSubstr("accounts[0]: field 'id' is not valid UTF-8"));
  // A bad account name is reported once: the account still counts as
  // listed, so its resources do not each report a missing account.
  s = Small();
  s.mutable_accounts(0)->set_name("\xe2\x82");
  st = ValidateSnapshot(s);
  EXPECT_EQ(st.message(),
            "account \"111122223333\": field 'name' is not valid UTF-8");
  s = Small();
  s.mutable_resources(0)->set_region("r\xc3\xa9gion");  // valid: accepted
  EXPECT_TRUE(ValidateSnapshot(s).ok()) << ValidateSnapshot(s);
}

// A payload protobuf's parser refuses is explained with the path of the
// field that makes it fail, not just "does not parse".
TEST(ValidateSnapshot, PayloadThatDoesNotParseNamesTheField) {
  Snapshot s = Small();
  onus::aws::s3::Bucket b;
  b.set_name("b1");
  auto* rules = b.mutable_server_side_encryption_configuration();
  rules->add_rules();
  rules->add_rules()
      ->mutable_apply_server_side_encryption_by_default()
      ->set_sse_algorithm("aws:\xffkms");
  std::string bytes;
  {
    // SerializeToString would log the bad string to stderr; the test
    // wants the bytes a text-format collector produces anyway.
    google::protobuf::LogSilencer quiet;
    ASSERT_TRUE(b.SerializeToString(&bytes));
  }
  s.mutable_resources(0)->mutable_typed()->set_value(bytes);
  auto st = ValidateSnapshot(s);
  EXPECT_THAT(st.message(),
              HasSubstr("resource \"arn:aws:s3:::b1\": field 'typed.value' "
                        "does not parse as onus.aws.s3.Bucket "
                        "(server_side_encryption_configuration.rules[1]."
                        "apply_server_side_encryption_by_default."
                        "sse_algorithm: not valid UTF-8)"));
  EXPECT_THAT(st.message(), Not(HasSubstr("\xff")));

  // Bytes that are not protobuf: the byte where reading stopped.
  s.mutable_resources(0)->mutable_typed()->set_value(
      std::string("\x0a\x02"
                  "b1"
                  "\x52\x05"
                  "ab",
                  8));
  st = ValidateSnapshot(s);
  EXPECT_THAT(st.message(),
              HasSubstr("(the payload: malformed protobuf at byte 4)"));
}

// Text format writes a bad string into an Any payload with protobuf's
// serializer; the load must not let it log to stderr (the CLI reports the
// problem itself, with the field's path).
TEST(SnapshotIo, TextWithBadUtf8PayloadLogsNothing) {
  const std::string text =
      "accounts { provider: AWS id: \"1\" }\n"
      "resources { id: \"b\" type: \"onus.aws.s3.Bucket\" provider: AWS "
      "account: \"1\" typed { [type.googleapis.com/onus.aws.s3.Bucket] { "
      "versioning { status: \"En\xc3"  // a lone UTF-8 lead byte
      "abled\" } } } }\n";
  testing::internal::CaptureStderr();
  auto snap = ParseSnapshot(text, SnapshotFormat::kText, "t.textproto");
  const std::string logged = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ(logged, "");
  auto st = ValidateSnapshot(*snap);
  EXPECT_THAT(st.message(), HasSubstr("(versioning.status: not valid UTF-8)"));
}

TEST(ValidateSnapshot, ListsAtMostTenProblems) {
  Snapshot s = Small();
  for (int i = 0; i < 15; ++i) s.add_resources();  // each: no id/type/...
  auto st = ValidateSnapshot(s);
  EXPECT_THAT(st.message(), HasSubstr("more"));
}

// ------------------------------------------------------------------ streams

std::string StreamOf(const Snapshot& s) {
  std::ostringstream os;
  EXPECT_TRUE(WriteSnapshotStream(s, &os).ok());
  return os.str();
}

TEST(SnapshotStream, ItemsAreHeaderResourcesAndAccountMarkers) {
  std::istringstream in(StreamOf(Small()));
  StreamItemReader reader(&in, "s.stream");
  std::vector<StreamItem::ItemCase> cases;
  StreamItem item;
  while (true) {
    auto more = reader.Next(&item);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    cases.push_back(item.item_case());
  }
  EXPECT_THAT(cases, ::testing::ElementsAre(
                         StreamItem::kHeader, StreamItem::kResource,
                         StreamItem::kResource, StreamItem::kAccountComplete));
  EXPECT_EQ(item.account_complete().resource_count(), 2u);
}

TEST(SnapshotStream, TruncatedStreamIsDataLoss) {
  std::string bytes = StreamOf(Small());
  std::istringstream in(bytes.substr(0, bytes.size() - 3));
  auto s = ReadSnapshotStream(&in, "cut.stream");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.status().message(), HasSubstr("cut.stream: stream item #4"));
}

TEST(SnapshotStream, ProtocolViolations) {
  auto write = [](std::initializer_list<StreamItem> items) {
    std::ostringstream os;
    StreamItemWriter w(&os);
    for (const auto& i : items) EXPECT_TRUE(w.Write(i).ok());
    return os.str();
  };
  StreamItem header, res, done;
  header.mutable_header()->set_id("h");
  res.mutable_resource()->set_id("r");
  res.mutable_resource()->set_account("a");
  done.mutable_account_complete()->set_account("a");
  done.mutable_account_complete()->set_resource_count(1);

  struct Case {
    std::string bytes;
    absl::string_view want;
  } cases[] = {
      {"", "no header"},
      {write({res}), "first item must be a header"},
      {write({header, header}), "second header"},
      {write({header, res, res, done}), "complete with 1 resources"},
      {write({header, res, done, res}), "after that account's"},
  };
  for (const Case& c : cases) {
    std::istringstream in(c.bytes);
    auto s = ReadSnapshotStream(&in, "p.stream");
    EXPECT_FALSE(s.ok()) << c.want;
    EXPECT_THAT(s.status().message(), HasSubstr(c.want));
  }
  std::istringstream ok_in(write({header, res, done}));
  EXPECT_TRUE(ReadSnapshotStream(&ok_in, "ok.stream").ok());
}

}  // namespace
}  // namespace onus::engine
