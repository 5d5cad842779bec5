#include "engine/inventory.h"

#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/inventory_scan.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "gtest/gtest.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

onus::v1::Snapshot MakeSnapshot() {
  onus::v1::Snapshot s;
  s.set_id("snap-1");
  s.mutable_collected_at()->set_seconds(1700000000);
  s.mutable_collected_at()->set_nanos(5);
  s.mutable_source()->set_name("test");
  auto* acct = s.add_accounts();
  acct->set_provider(onus::v1::AWS);
  acct->set_id("111122223333");
  for (int i = 0; i < 3; ++i) {
    auto* r = s.add_resources();
    r->set_id("arn:aws:s3:::b" + std::to_string(i));
    r->set_type("onus.aws.s3.Bucket");
    r->set_provider(onus::v1::AWS);
    r->set_account(i == 2 ? "444455556666" : "111122223333");
    r->set_region("us-east-1");
    (*r->mutable_tags())["env"] = "prod";
    r->mutable_typed()->set_type_url("type.googleapis.com/onus.aws.s3.Bucket");
    r->mutable_typed()->set_value(std::string("\x0a\x02") + "b" +
                                  std::to_string(i));
  }
  auto* sl = s.add_resources();
  sl->set_id("custom-1");
  sl->set_type("acme.Custom");
  (*sl->mutable_schemaless()->mutable_fields())["k"].set_string_value("v");
  return s;
}

TEST(InventoryTest, ScansEnvelopesAndPayloadsWithoutCopying) {
  std::string bytes = MakeSnapshot().SerializeAsString();
  absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->header().id, "snap-1");
  EXPECT_EQ(inv->header().collected_seconds, 1700000000);
  EXPECT_EQ(inv->header().collected_nanos, 5);
  ASSERT_EQ(inv->header().accounts.size(), 1u);
  EXPECT_EQ(inv->header().accounts[0].provider, ProviderId::kAws);
  ASSERT_EQ(inv->resources().size(), 4u);
  const ResourceView& r = inv->resources()[1];
  EXPECT_EQ(r.id, "arn:aws:s3:::b1");
  EXPECT_EQ(r.type, "onus.aws.s3.Bucket");
  EXPECT_EQ(r.payload, std::string("\x0a\x02") + "b1");
  EXPECT_EQ(r.raw.size(), MakeSnapshot().resources(1).ByteSizeLong());
  // Views point into the caller's buffer.
  EXPECT_GE(r.id.data(), bytes.data());
  EXPECT_LT(r.id.data(), bytes.data() + bytes.size());
  EXPECT_TRUE(inv->resources()[3].schemaless);
}

TEST(InventoryTest, IndexesByTypeAccountAndId) {
  std::string bytes = MakeSnapshot().SerializeAsString();
  Inventory inv = *Inventory::FromSnapshotBytes(bytes);
  EXPECT_THAT(inv.OfType("onus.aws.s3.Bucket"), ElementsAre(0, 1, 2));
  EXPECT_THAT(inv.OfTypeInAccount("onus.aws.s3.Bucket", "444455556666"),
              ElementsAre(2));
  EXPECT_TRUE(inv.OfType("onus.aws.iam.User").empty());
  EXPECT_EQ(inv.Lookup("onus.aws.s3.Bucket", "arn:aws:s3:::b2"), 2);
  EXPECT_EQ(inv.Lookup("onus.aws.s3.Bucket", "nope"), -1);
  EXPECT_THAT(inv.accounts(), ElementsAre("111122223333", "444455556666", ""));
}

TEST(InventoryTest, TruncatedSnapshotIsAnErrorNotACrash) {
  std::string bytes = MakeSnapshot().SerializeAsString();
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    // Every prefix either scans (a cut on a field boundary) or errors.
    absl::StatusOr<Inventory> inv =
        Inventory::FromSnapshotBytes(absl::string_view(bytes).substr(0, cut));
    if (!inv.ok()) {
      EXPECT_THAT(std::string(inv.status().message()),
                  HasSubstr("malformed protobuf"));
    }
  }
  absl::StatusOr<Inventory> garbage = Inventory::FromSnapshotBytes("\xff\xff");
  EXPECT_FALSE(garbage.ok());
}

// proto3 strings must be UTF-8: protobuf refuses such an envelope, and so
// must the scan (the strings would otherwise reach every report format).
// The error names the resource and the field.
TEST(InventoryTest, EnvelopeStringsThatAreNotUtf8AreInputErrors) {
  // Serialised with a marker byte, then the marker turned into 0xff: the
  // bytes protobuf would refuse, without protobuf logging while writing.
  auto damage = [](std::string bytes) {
    const size_t at = bytes.find("bad\x01");
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) bytes[at + 3] = '\xff';
    return bytes;
  };
  const struct {
    const char* field;
    void (*set)(onus::v1::Resource*);
  } cases[] = {
      {"id", [](onus::v1::Resource* r) { r->set_id("bad\x01"); }},
      {"type", [](onus::v1::Resource* r) { r->set_type("bad\x01"); }},
      {"account", [](onus::v1::Resource* r) { r->set_account("bad\x01"); }},
      {"region", [](onus::v1::Resource* r) { r->set_region("bad\x01"); }},
      // Without `type`, the type comes from the Any's URL.
      {"typed.type_url",
       [](onus::v1::Resource* r) {
         r->clear_type();
         r->mutable_typed()->set_type_url("type.googleapis.com/bad\x01");
       }},

  };
  for (const auto& c : cases) {
    onus::v1::Snapshot s = MakeSnapshot();
    c.set(s.mutable_resources(1));
    const std::string field = absl::StrCat("field `", c.field, "`");
    const std::string one = damage(s.resources(1).SerializeAsString());
    onus::v1::Resource ref;
    EXPECT_FALSE(ref.ParseFromString(one)) << c.field;  // protobuf agrees
    absl::StatusOr<ResourceView> view = ParseResourceView(one);
    ASSERT_FALSE(view.ok()) << c.field;
    EXPECT_THAT(std::string(view.status().message()),
                HasSubstr(field + " is not valid UTF-8"));
    absl::StatusOr<Inventory> inv =
        Inventory::FromSnapshotBytes(damage(s.SerializeAsString()));
    ASSERT_FALSE(inv.ok()) << c.field;
    EXPECT_THAT(std::string(inv.status().message()), HasSubstr("resource #1"));
    EXPECT_THAT(std::string(inv.status().message()), HasSubstr(field));
  }
  // A string after the payload (not protobuf's field order) is checked too.
  onus::v1::Resource late = MakeSnapshot().resources(0);
  late.clear_region();
  // (The views point into the bytes: they are kept in variables.)
  const std::string bad_late = late.SerializeAsString() + std::string(
                                                              "\x2a\x04"
                                                              "bad\xff",
                                                              6);
  absl::StatusOr<ResourceView> view = ParseResourceView(bad_late);
  ASSERT_FALSE(view.ok());
  EXPECT_THAT(std::string(view.status().message()),
              HasSubstr("field `region` is not valid UTF-8"));
  const std::string good_late = late.SerializeAsString() + std::string(
                                                               "\x2a\x03"
                                                               "r\xc3\xa9",
                                                               5);
  view = ParseResourceView(good_late);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->region, "r\xc3\xa9");
  // Header strings too: the snapshot id is copied into reports.
  onus::v1::Snapshot s = MakeSnapshot();
  s.set_id("bad\x01");
  EXPECT_FALSE(
      Inventory::FromSnapshotBytes(damage(s.SerializeAsString())).ok());
  // Valid multi-byte UTF-8 is data like any other.
  s = MakeSnapshot();
  s.mutable_resources(0)->set_region("r\xc3\xa9gion");
  const std::string valid_bytes = s.SerializeAsString();
  absl::StatusOr<Inventory> valid = Inventory::FromSnapshotBytes(valid_bytes);
  ASSERT_TRUE(valid.ok()) << valid.status();
}

// ParseResourceView against protobuf's own parser on damaged envelopes:
// whenever protobuf accepts the bytes, the view must accept them too and
// see the same fields (short and two-byte lengths, 128+ byte payloads and
// the long form of every field are all in the seeds); whatever protobuf
// refuses must not crash the view.
TEST(InventoryTest, ResourceViewMatchesProtobufOnDamagedEnvelopes) {
  std::vector<std::string> seeds;
  for (size_t payload : {0, 5, 127, 128, 300, 20000}) {
    onus::v1::Resource r;
    r.set_id("arn:aws:s3:::bucket-" + std::to_string(payload));
    r.set_type("onus.aws.s3.Bucket");
    r.set_provider(onus::v1::AWS);
    r.set_account("111122223333");
    r.set_region(std::string(payload == 300 ? 200 : 9, 'r'));
    (*r.mutable_tags())["env"] = "prod";
    r.mutable_typed()->set_type_url("type.googleapis.com/onus.aws.s3.Bucket");
    r.mutable_typed()->set_value(std::string(payload, 'p'));
    seeds.push_back(r.SerializeAsString());
  }
  std::mt19937 rng(7);
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string bytes = seeds[iter % seeds.size()];
    if (iter >= static_cast<int>(seeds.size())) {
      for (int k = 0, edits = 1 + rng() % 3; k < edits; ++k) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
      if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
    }
    // An exact-size heap copy: a memory checker sees any read past the end.
    std::unique_ptr<char[]> buf(new char[bytes.size()]);
    std::memcpy(buf.get(), bytes.data(), bytes.size());
    const absl::string_view wire(buf.get(), bytes.size());
    absl::StatusOr<ResourceView> view = ParseResourceView(wire);
    onus::v1::Resource ref;
    if (!ref.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
      continue;
    }
    ++accepted;
    if (!view.ok()) {
      // The one intended difference: `typed` (7) or `schemaless` (8) with
      // another wire type is refused (protobuf keeps it as an unknown
      // field, and the resource would silently have no payload).
      const google::protobuf::UnknownFieldSet& unknown =
          ref.GetReflection()->GetUnknownFields(ref);
      bool payload_field = false;
      for (int i = 0; i < unknown.field_count(); ++i) {
        payload_field |=
            unknown.field(i).number() == 7 || unknown.field(i).number() == 8;
      }
      EXPECT_TRUE(payload_field)
          << iter << " " << view.status() << " " << absl::CHexEscape(bytes);
      continue;
    }
    // Fields protobuf reads as strings: the view's last occurrence.
    EXPECT_EQ(view->id, ref.id()) << iter;
    EXPECT_EQ(view->account, ref.account()) << iter;
    EXPECT_EQ(view->region, ref.region()) << iter;
    if (ref.has_typed()) {
      EXPECT_FALSE(view->schemaless) << iter;
      EXPECT_EQ(view->payload, ref.typed().value()) << iter;
      EXPECT_EQ(view->type_url, ref.typed().type_url()) << iter;
    }
  }
  EXPECT_GT(accepted, 2000);  // the differential check ran often
}

// A snapshot written field by field: resources of many chunks with header
// fields between and after them (the wire format allows any order).
std::string InterleavedSnapshot(int n, int bad = -1) {
  auto field = [](uint32_t number, const std::string& bytes) {
    std::string out(1, static_cast<char>(number << 3 | 2));
    size_t len = bytes.size();
    while (len >= 0x80) {
      out.push_back(static_cast<char>(len | 0x80));
      len >>= 7;
    }
    out.push_back(static_cast<char>(len));
    return out + bytes;
  };
  std::string out = field(1, "snap-2");
  for (int i = 0; i < n; ++i) {
    onus::v1::Resource r;
    r.set_id("r" + std::to_string(i));
    r.set_type(i % 3 == 0 ? "onus.aws.s3.Bucket" : "onus.aws.iam.User");
    r.set_account(i % 2 == 0 ? "a" : "b");
    r.mutable_typed()->set_value(std::string(i % 7, 'x'));
    out +=
        field(5, i == bad ? std::string("\x12\x40", 2) : r.SerializeAsString());
    if (i == 300 || i == 511) {
      onus::v1::Account a;
      a.set_id("acct-" + std::to_string(i));
      out += field(4, a.SerializeAsString());
    }
  }
  out += field(3, "\x0a\x03src");  // source.name after the resources
  return out;
}

TEST(InventoryTest, ScansManyChunksWithHeaderFieldsAnywhere) {
  const int n = 1000;  // four chunks, the last one partial
  const std::string bytes = InterleavedSnapshot(n);
  absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->header().id, "snap-2");
  EXPECT_EQ(inv->header().source_name, "src");
  ASSERT_EQ(inv->header().accounts.size(), 2u);
  EXPECT_EQ(inv->header().accounts[1].id, "acct-511");
  ASSERT_EQ(inv->resources().size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const ResourceView& r = inv->resources()[i];
    ASSERT_EQ(r.id, "r" + std::to_string(i));
    ASSERT_EQ(r.ordinal, static_cast<uint32_t>(i));
    ASSERT_EQ(r.payload.size(), static_cast<size_t>(i % 7));
  }
  EXPECT_EQ(inv->OfType("onus.aws.s3.Bucket").size(), 334u);
  EXPECT_EQ(inv->Lookup("onus.aws.iam.User", "r998"), 998);
  EXPECT_THAT(inv->accounts(), ElementsAre("a", "b"));
  // Resources added one by one after a scan keep working (and growing).
  inv->Add(inv->resources()[5]);
  EXPECT_EQ(inv->resources().size(), static_cast<size_t>(n + 1));
  EXPECT_EQ(inv->resources()[n].ordinal, static_cast<uint32_t>(n));
  EXPECT_EQ(inv->Lookup("onus.aws.iam.User", "r5"), 5);
}

TEST(InventoryTest, IndexesBuiltByThreadsAskingTogetherMatchOneThread) {
  // Duplicate (type, id) pairs (r0..r499 twice): lookup() keeps the first in
  // snapshot order whichever thread indexed it.
  onus::v1::Snapshot s;
  for (int i = 0; i < 3000; ++i) {
    auto* r = s.add_resources();
    r->set_id("r" + std::to_string(i % 2500));
    r->set_type(i % 2500 % 3 == 0 ? "onus.aws.s3.Bucket" : "onus.aws.iam.User");
    r->set_account("acct-" + std::to_string(i * 7 % 5));
  }
  const std::string bytes = s.SerializeAsString();
  absl::StatusOr<Inventory> want = Inventory::FromSnapshotBytes(bytes);
  ASSERT_TRUE(want.ok()) << want.status();
  for (int threads : {2, 7}) {
    SCOPED_TRACE(threads);
    absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
    ASSERT_TRUE(inv.ok()) << inv.status();
    // Every thread's first call finds the indexes missing (or half built).
    std::vector<std::vector<int64_t>> found(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = t; i < 3000; i += threads) {
          found[t].push_back(
              inv->Lookup(s.resources(i).type(), s.resources(i).id()));
        }
      });
    }
    for (std::thread& t : pool) t.join();
    for (int t = 0; t < threads; ++t) {
      for (size_t k = 0; k < found[t].size(); ++k) {
        const int i = t + static_cast<int>(k) * threads;
        ASSERT_EQ(found[t][k],
                  want->Lookup(s.resources(i).type(), s.resources(i).id()))
            << "resource " << i;
        ASSERT_LE(found[t][k], i);
        ASSERT_EQ(found[t][k] < i, i >= 2500) << "resource " << i;
      }
    }
    EXPECT_EQ(inv->Lookup("onus.aws.s3.Bucket", "nope"), -1);
    EXPECT_EQ(inv->OfType("onus.aws.s3.Bucket"),
              want->OfType("onus.aws.s3.Bucket"));
    EXPECT_EQ(inv->OfType("onus.aws.s3.Bucket").size(), 834u + 167u);
    EXPECT_EQ(inv->OfTypeInAccount("onus.aws.iam.User", "acct-3"),
              want->OfTypeInAccount("onus.aws.iam.User", "acct-3"));
    EXPECT_THAT(inv->accounts(),
                ElementsAre("acct-0", "acct-2", "acct-4", "acct-1", "acct-3"));
  }
}
TEST(InventoryTest, FirstMalformedResourceIsReportedBeforeABadTail) {
  const std::string bytes = InterleavedSnapshot(700, /*bad=*/600);
  absl::StatusOr<Inventory> inv = Inventory::FromSnapshotBytes(bytes);
  ASSERT_FALSE(inv.ok());
  EXPECT_THAT(std::string(inv.status().message()),
              HasSubstr("resource #600: malformed protobuf"));
  // Cut inside the last field: the serial order still finds #600 first.
  absl::StatusOr<Inventory> cut = Inventory::FromSnapshotBytes(
      absl::string_view(bytes).substr(0, bytes.size() - 2));
  EXPECT_EQ(cut.status(), inv.status());
}

TEST(InventoryScanTest, StreamingFormHandsOutChunksInSnapshotOrder) {
  const int n = 1000;
  const std::string bytes = InterleavedSnapshot(n);
  absl::StatusOr<std::unique_ptr<InventoryScan>> scan =
      InventoryScan::Start(bytes);
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_EQ((*scan)->inventory().header().id, "snap-2");
  std::vector<ResourceView> views(InventoryScan::kChunk);
  size_t chunk, first, expected_first = 0;
  std::vector<size_t> chunks;
  while (size_t got = (*scan)->ParseNext(views.data(), &chunk, &first)) {
    EXPECT_EQ(first, expected_first);
    for (size_t k = 0; k < got; ++k) {
      ASSERT_EQ(views[k].id, "r" + std::to_string(first + k));
      ASSERT_EQ(views[k].ordinal, first + k);
    }
    expected_first += got;
    chunks.push_back(chunk);
  }
  EXPECT_EQ(expected_first, static_cast<size_t>(n));
  EXPECT_THAT(chunks, ElementsAre(0, 1, 2, 3));
  EXPECT_TRUE((*scan)->status().ok());
  // Header fields met on the way are parsed; none of them was the time.
  EXPECT_EQ((*scan)->inventory().header().source_name, "src");
  EXPECT_EQ((*scan)->inventory().header().accounts.size(), 2u);
  EXPECT_FALSE((*scan)->late_collected_at());

  // A bad resource stops the hand-out and becomes the scan's status.
  const std::string bad = InterleavedSnapshot(n, /*bad=*/600);
  scan = InventoryScan::Start(bad);
  ASSERT_TRUE(scan.ok());
  size_t total = 0;
  while (size_t got = (*scan)->ParseNext(views.data(), &chunk, &first)) {
    total += got;
  }
  EXPECT_EQ(total, 512u);  // the two chunks before the bad one
  EXPECT_THAT(std::string((*scan)->status().message()),
              HasSubstr("resource #600: malformed protobuf"));
}

TEST(StreamReaderTest, ReadsItemsInConstantMemoryAndDetectsTruncation) {
  onus::v1::Snapshot s = MakeSnapshot();
  std::ostringstream out;
  onus::v1::StreamItem header;
  header.mutable_header()->set_id("snap-1");
  ASSERT_TRUE(
      google::protobuf::util::SerializeDelimitedToOstream(header, &out));
  for (const auto& r : s.resources()) {
    onus::v1::StreamItem item;
    *item.mutable_resource() = r;
    ASSERT_TRUE(
        google::protobuf::util::SerializeDelimitedToOstream(item, &out));
  }
  onus::v1::StreamItem done;
  done.mutable_account_complete()->set_account("111122223333");
  done.mutable_account_complete()->set_resource_count(2);
  ASSERT_TRUE(google::protobuf::util::SerializeDelimitedToOstream(done, &out));
  std::string stream = out.str();

  std::istringstream in(stream);
  StreamReader reader(&in);
  auto first = reader.Next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->kind, StreamReader::ItemKind::kHeader);
  EXPECT_EQ(first->header.id, "snap-1");
  int resources = 0;
  for (;;) {
    auto item = reader.Next();
    ASSERT_TRUE(item.ok()) << item.status();
    if (item->kind == StreamReader::ItemKind::kEnd) break;
    if (item->kind == StreamReader::ItemKind::kResource) ++resources;
    if (item->kind == StreamReader::ItemKind::kAccountComplete) {
      EXPECT_EQ(item->account, "111122223333");
      EXPECT_EQ(item->resource_count, 2u);
    }
  }
  EXPECT_EQ(resources, 4);

  std::istringstream cut(stream.substr(0, stream.size() - 3));
  StreamReader bad(&cut);
  absl::Status last;
  for (int i = 0; i < 10; ++i) {
    auto item = bad.Next();
    if (!item.ok()) {
      last = item.status();
      break;
    }
  }
  EXPECT_THAT(std::string(last.message()), HasSubstr("truncated"));
}

}  // namespace
}  // namespace onus::engine
