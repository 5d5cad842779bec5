#include "engine/json_print.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine {
namespace {

// Positions of `keys` in `json`, which must all occur.
std::vector<size_t> Positions(const std::string& json,
                              const std::vector<std::string>& keys) {
  std::vector<size_t> at;
  for (const std::string& k : keys) {
    size_t p = json.find(absl::StrCat("\"", k, "\""));
    EXPECT_NE(p, std::string::npos) << k;
    at.push_back(p);
  }
  return at;
}

// protobuf's own printer follows its hash map, whose order changes from
// process to process; with 40 keys it is never sorted by chance.
TEST(PrintJsonTest, StructFieldsComeOutInKeyOrder) {
  google::protobuf::Struct s;
  std::vector<std::string> keys;
  for (int i = 39; i >= 0; --i) {
    std::string k = absl::StrCat("key", i < 10 ? "0" : "", i);
    (*s.mutable_fields())[k].set_number_value(i);
    keys.insert(keys.begin(), k);  // ascending
  }
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  std::string json;
  ASSERT_TRUE(PrintJson(s, opts, &json).ok());
  std::vector<size_t> at = Positions(json, keys);
  for (size_t i = 1; i < at.size(); ++i) {
    EXPECT_LT(at[i - 1], at[i]) << keys[i - 1] << " before " << keys[i];
  }
  // The same document as protobuf's printer: it parses back equal.
  google::protobuf::Struct back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back, s));
}

// Maps inside messages, and an Any resolved in the message's pool.
TEST(PrintJsonTest, SnapshotWithTagsAndAnyMatchesProtobufsPrinter) {
  onus::v1::Snapshot snap;
  snap.set_id("s");
  auto* r = snap.add_resources();
  r->set_id("r1");
  for (const char* k : {"zeta", "alpha", "mid", "beta", "omega", "gamma"}) {
    (*r->mutable_tags())[k] = "v";
  }
  google::protobuf::Struct payload;
  (*payload.mutable_fields())["x"].set_string_value("y");
  r->mutable_typed()->PackFrom(payload);
  google::protobuf::util::JsonPrintOptions opts;
  std::string mine, theirs;
  ASSERT_TRUE(PrintJson(snap, opts, &mine).ok());
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(snap, &theirs, opts).ok());
  EXPECT_EQ(mine.size(), theirs.size());  // same members, maybe reordered
  std::vector<size_t> at =
      Positions(mine, {"alpha", "beta", "gamma", "mid", "omega", "zeta"});
  for (size_t i = 1; i < at.size(); ++i) EXPECT_LT(at[i - 1], at[i]);
  onus::v1::Snapshot back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(mine, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back, snap));
}

}  // namespace
}  // namespace onus::engine
