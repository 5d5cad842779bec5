// The engine, driven through the benchmark's adapter, gives the reference
// fail counts on the generated workload, from a snapshot and from a stream.
#include "engine_adapter.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "snapshot_codec.h"

namespace onus::bench::cspm {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

class EngineAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = EngineCompile(CspmRules());
    ASSERT_TRUE(session.ok()) << session.status();
    session_ = *std::move(session);
  }
  std::unique_ptr<EngineSession> session_;
};

TEST_F(EngineAdapterTest, SnapshotCountsMatchReference) {
  const EncodedWorkload w = EncodeSnapshot(5000);
  for (int threads : {1, 2}) {
    auto counts = session_->Run(w.snapshot, threads);
    ASSERT_TRUE(counts.ok()) << counts.status();
    EXPECT_EQ(*counts, w.reference)
        << threads << " threads: " << FormatFailCounts(*counts);
  }
  EXPECT_TRUE(session_->ScanOnly(w.snapshot).ok());
  auto once = EngineRun(w.snapshot, CspmRules(), 1);
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_EQ(*once, w.reference);
}

TEST_F(EngineAdapterTest, StreamCountsMatchReference) {
  // More than one evaluation batch, and a last partial batch.
  const std::string path = TempPath("engine.stream");
  auto w = WriteStreamFile(20000, path);
  ASSERT_TRUE(w.ok()) << w.status();
  auto counts = session_->RunStream(path, 1);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(*counts, w->reference) << FormatFailCounts(*counts);
}

TEST_F(EngineAdapterTest, BadInputIsAnErrorNotACount) {
  EXPECT_FALSE(session_->Run("\x2a\xff garbage", 1).ok());

  const std::string path = TempPath("engine_cut.stream");
  ASSERT_TRUE(WriteStreamFile(300, path).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 5));
  }
  auto cut = session_->RunStream(path, 1);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(cut.status().message(), HasSubstr("engine_cut.stream"));
  EXPECT_EQ(session_->RunStream(TempPath("none.stream"), 1).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(EngineCompileTest, RuleThatDoesNotCheckIsRejectedWithLocation) {
  Rules bad = {{"typo", Group::kS3Buckets, "r.acll == 'private'"}};
  auto session = EngineCompile(bad);
  ASSERT_FALSE(session.ok());
  EXPECT_THAT(session.status().message(), HasSubstr("cspm_rules.onus:"));
}

}  // namespace
}  // namespace onus::bench::cspm
