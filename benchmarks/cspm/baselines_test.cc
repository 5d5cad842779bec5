// Encoding and baselines agree with each other and with the reference on
// the same generated resources, and reject bad input.
#include "baselines.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onus/v1/snapshot.pb.h"
#include "snapshot_codec.h"

namespace onus::bench::cspm {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

TEST(SnapshotCodecTest, SnapshotEnvelopeAndPayloads) {
  const EncodedWorkload w = EncodeSnapshot(1000);
  EXPECT_EQ(w.resources, 1000);
  onus::v1::Snapshot snap;
  ASSERT_TRUE(snap.ParseFromString(w.snapshot));
  ASSERT_EQ(snap.resources_size(), 1000);
  EXPECT_EQ(snap.accounts_size(), 1);
  const onus::v1::Resource& r0 = snap.resources(0);
  EXPECT_EQ(r0.id(), "arn:aws:s3:::bucket-0000000");
  EXPECT_EQ(r0.type(), "onus.bench.cspm.S3Bucket");
  EXPECT_EQ(r0.provider(), onus::v1::AWS);
  EXPECT_EQ(r0.account(), "123456789012");
  EXPECT_EQ(r0.typed().type_url(),
            "type.googleapis.com/onus.bench.cspm.S3Bucket");
  S3Bucket b;
  ASSERT_TRUE(r0.typed().UnpackTo(&b));
  EXPECT_EQ(b.name(), "bucket-0000000");
  EXPECT_EQ(snap.resources(4).type(), "onus.bench.cspm.SecurityGroup");
  EXPECT_EQ(snap.resources(7).type(), "onus.bench.cspm.IamUser");

  // Generated one resource at a time, the counts equal the grouped form's.
  EXPECT_EQ(w.reference, ReferenceFailCounts(GenInventory(1000)));
  // Deterministic bytes: the same N gives the same snapshot.
  EXPECT_EQ(EncodeSnapshot(1000).snapshot, w.snapshot);
}

TEST(BaselinesTest, AllBaselinesAgreeWithReference) {
  const EncodedWorkload w = EncodeSnapshot(3000);
  auto payloads = ExtractPayloads(w.snapshot);
  ASSERT_TRUE(payloads.ok()) << payloads.status();
  ASSERT_EQ(payloads->size(), 3000u);
  EXPECT_EQ((*payloads)[1].group, Group::kS3Buckets);
  EXPECT_EQ((*payloads)[5].group, Group::kSecurityGroups);

  auto b = HandWrittenSnapshot(w.snapshot);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, w.reference);
  auto b1 = HandWrittenSnapshotFullParse(w.snapshot);
  ASSERT_TRUE(b1.ok()) << b1.status();
  EXPECT_EQ(*b1, w.reference);
  for (int threads : {1, 2, 3}) {
    auto b0 = HandWrittenPayloads(*payloads, threads);
    ASSERT_TRUE(b0.ok()) << b0.status();
    EXPECT_EQ(*b0, w.reference) << threads << " threads";
  }
  auto a = DynamicParseSnapshot(w.snapshot);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, 3000);
  auto a0 = DynamicParsePayloads(*payloads);
  ASSERT_TRUE(a0.ok()) << a0.status();
  EXPECT_EQ(*a0, 3000);
}

TEST(BaselinesTest, StreamFileRoundTrip) {
  const std::string path = TempPath("cspm.stream");
  auto w = WriteStreamFile(2000, path);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->reference, EncodeSnapshot(2000).reference);
  auto counts = HandWrittenStream(path);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(*counts, w->reference);

  // A stream cut in the middle of an item is an error naming the item, not a
  // short but "successful" result.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string cut = TempPath("cspm_cut.stream");
  {
    std::ofstream out(cut, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  auto bad = HandWrittenStream(cut);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(bad.status().message(), HasSubstr("cspm_cut.stream"));

  EXPECT_EQ(HandWrittenStream(TempPath("missing.stream")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BaselinesTest, RejectsMalformedInput) {
  EXPECT_EQ(HandWrittenSnapshot("\x2a\xff garbage").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(HandWrittenSnapshotFullParse("\x2a\xff garbage").status().code(),
            absl::StatusCode::kDataLoss);

  // A snapshot cut inside a resource: the envelope walk must notice.
  const std::string whole = EncodeSnapshot(50).snapshot;
  auto cut = HandWrittenSnapshot(whole.substr(0, whole.size() - 7));
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(cut.status().message(), HasSubstr("resource #49"));
  EXPECT_FALSE(DynamicParseSnapshot("\x2a\xff garbage").ok());

  // A resource whose payload is of a type outside the workload.
  onus::v1::Snapshot snap;
  onus::v1::Resource* r = snap.add_resources();
  r->set_id("x");
  r->mutable_typed()->set_type_url("type.googleapis.com/onus.aws.s3.Bucket");
  auto s = HandWrittenSnapshot(snap.SerializeAsString());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("onus.aws.s3.Bucket"));

  // A payload whose bytes are not a valid message of its type.
  r->mutable_typed()->set_type_url(
      "type.googleapis.com/onus.bench.cspm.IamUser");
  r->mutable_typed()->set_value("\x0a\xff\xff");
  EXPECT_EQ(HandWrittenSnapshot(snap.SerializeAsString()).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DynamicParseSnapshot(snap.SerializeAsString()).status().code(),
            absl::StatusCode::kDataLoss);

  // No payload at all.
  r->clear_typed();
  auto none = HandWrittenSnapshot(snap.SerializeAsString());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(none.status().message(), HasSubstr("resource #0"));
  EXPECT_EQ(
      HandWrittenSnapshotFullParse(snap.SerializeAsString()).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace onus::bench::cspm
