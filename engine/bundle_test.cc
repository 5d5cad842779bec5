#include "engine/bundle.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/evaluator.h"
#include "engine/inventory.h"
#include "engine/report/writers.h"
#include "engine/snapshot_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onus::engine {
namespace {

using ::testing::HasSubstr;

class BundleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lang::DiagnosticList diags;
    const absl::Time t0 = absl::Now();
    absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
        PolicyPack::Load({"policies"}, lang::FrontendOptions(), diags);
    compile_time_ = absl::Now() - t0;
    ASSERT_TRUE(pack.ok()) << pack.status();
    ASSERT_FALSE(diags.has_errors()) << diags.Render();
    pack_ = pack->release();
    absl::StatusOr<onus::v1::Snapshot> snap =
        LoadSnapshot("tests/data/acme/snapshot.textproto");
    ASSERT_TRUE(snap.ok()) << snap.status();
    snapshot_bytes_ = new std::string(snap->SerializeAsString());
  }

  static onus::v1::Bundle Save() {
    SaveBundleOptions opts;
    opts.compiler_version = "test";
    absl::StatusOr<onus::v1::Bundle> b = SaveBundle(*pack_, opts);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? *b : onus::v1::Bundle();
  }

  // The report of `pack` over the Acme snapshot at a fixed clock.
  static onus::v1::Report Run(const PolicyPack& pack) {
    absl::StatusOr<Inventory> inv =
        Inventory::FromSnapshotBytes(*snapshot_bytes_);
    EXPECT_TRUE(inv.ok()) << inv.status();
    if (!inv.ok()) return {};
    EvalOptions opts;
    opts.wall_now = absl::FromUnixSeconds(1780000000);
    absl::StatusOr<onus::v1::Report> report = Evaluate(pack, *inv, opts);
    EXPECT_TRUE(report.ok()) << report.status();
    if (!report.ok()) return {};
    // Start and finish are wall-clock times that differ run to run.
    report->mutable_summary()->clear_started();
    report->mutable_summary()->clear_finished();
    return *std::move(report);
  }

  static std::string JsonReport(const PolicyPack& pack) {
    return report::RenderJson(Run(pack));
  }

  static PolicyPack* pack_;
  static std::string* snapshot_bytes_;
  static absl::Duration compile_time_;
};

PolicyPack* BundleTest::pack_ = nullptr;
std::string* BundleTest::snapshot_bytes_ = nullptr;
absl::Duration BundleTest::compile_time_;

TEST_F(BundleTest, RoundTripEvaluatesIdentically) {
  onus::v1::Bundle b = Save();
  ASSERT_GT(b.policies_size(), 10);
  EXPECT_EQ(b.format_version(), kBundleFormatVersion);
  EXPECT_EQ(b.digest().size(), 32u);
  EXPECT_GT(b.schemas().file_size(), 0);
  absl::StatusOr<std::string> bytes = SerializeBundle(b);
  ASSERT_TRUE(bytes.ok());

  const absl::Time t0 = absl::Now();
  absl::StatusOr<std::unique_ptr<PolicyPack>> loaded =
      LoadBundleBytes(*bytes, "pack.onusb");
  const absl::Duration load_time = absl::Now() - t0;
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::cout << "policies=" << b.policies_size()
            << " bundle_bytes=" << bytes->size() << " compile=" << compile_time_
            << " load=" << load_time << "\n";

  ASSERT_EQ((*loaded)->policies().size(), pack_->policies().size());
  for (size_t i = 0; i < pack_->policies().size(); ++i) {
    const CompiledPolicy& a = pack_->policies()[i];
    const CompiledPolicy& c = (*loaded)->policies()[i];
    EXPECT_EQ(a.meta.SerializeAsString(), c.meta.SerializeAsString());
    EXPECT_EQ(a.type, c.type) << a.meta.id();
    EXPECT_EQ(a.account_level, c.account_level);
    EXPECT_EQ(a.probes.size(), c.probes.size());
    EXPECT_EQ(a.message_parts, c.message_parts);
    ASSERT_NE(c.source, nullptr);
    EXPECT_EQ(a.source->text(), c.source->text());
  }
  // A bundle's pack carries its digest into every report; a pack compiled
  // from sources has none. Otherwise the reports are identical.
  EXPECT_EQ((*loaded)->bundle_digest(), b.digest());
  EXPECT_EQ(pack_->bundle_digest(), "");
  EXPECT_EQ(Run(**loaded).summary().bundle_digest(), b.digest());
  (*loaded)->set_bundle_digest("");
  const std::string want = JsonReport(*pack_);
  const std::string got = JsonReport(**loaded);
  EXPECT_NE(want.find("FAIL"), std::string::npos);  // evidence is exercised
  // Not EXPECT_EQ: a diff of two large reports takes gtest minutes.
  EXPECT_TRUE(want == got) << "reports differ; sizes " << want.size() << " vs "
                           << got.size();
}

TEST_F(BundleTest, SavingIsDeterministic) {
  EXPECT_EQ(*SerializeBundle(Save()), *SerializeBundle(Save()));
}

TEST_F(BundleTest, WithoutSourcesStillEvaluates) {
  SaveBundleOptions opts;
  opts.include_sources = false;
  absl::StatusOr<onus::v1::Bundle> b = SaveBundle(*pack_, opts);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->sources_size(), 0);
  absl::StatusOr<std::unique_ptr<PolicyPack>> loaded = LoadBundle(*b);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->policies()[0].source, nullptr);
  // Same outcomes and messages; only source locations may be missing.
  const onus::v1::Report want = Run(*pack_);
  const onus::v1::Report got = Run(**loaded);
  ASSERT_EQ(want.findings_size(), got.findings_size());
  for (int i = 0; i < want.findings_size(); ++i) {
    EXPECT_EQ(want.findings(i).policy_id(), got.findings(i).policy_id());
    EXPECT_EQ(want.findings(i).outcome(), got.findings(i).outcome());
    EXPECT_EQ(want.findings(i).message(), got.findings(i).message());
  }
  EXPECT_EQ(want.summary().totals().SerializeAsString(),
            got.summary().totals().SerializeAsString());
}

TEST_F(BundleTest, RejectsOtherFormatVersion) {
  onus::v1::Bundle b = Save();
  b.set_format_version(kBundleFormatVersion + 7);
  b.set_digest(BundleDigest(b));  // valid digest: only the version is wrong
  absl::StatusOr<std::unique_ptr<PolicyPack>> loaded = LoadBundle(b);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr(absl::StrCat("bundle format version ",
                                     kBundleFormatVersion + 7)));
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr(absl::StrCat("reads version ", kBundleFormatVersion)));
}

TEST_F(BundleTest, RejectsFlippedProgramByte) {
  onus::v1::Bundle b = Save();
  std::string* code = b.mutable_policies(3)->mutable_require()->mutable_code();
  ASSERT_FALSE(code->empty());
  (*code)[code->size() / 2] ^= 0x01;
  absl::StatusOr<std::unique_ptr<PolicyPack>> loaded = LoadBundle(b);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("bundle digest mismatch: corrupted or tampered"));
}

TEST_F(BundleTest, RejectsTruncatedBytes) {
  const std::string bytes = *SerializeBundle(Save());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{40}, bytes.size() / 3,
                     bytes.size() / 2, bytes.size() - 1}) {
    absl::StatusOr<std::unique_ptr<PolicyPack>> loaded =
        LoadBundleBytes(absl::string_view(bytes).substr(0, cut), "p.onusb");
    ASSERT_FALSE(loaded.ok()) << "cut at " << cut;
    EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("p.onusb"));
  }
}

// Finds message `full_name` among the files of `set` (nested messages too).
google::protobuf::DescriptorProto* FindMessage(
    google::protobuf::FileDescriptorSet* set, const std::string& full_name) {
  for (auto& file : *set->mutable_file()) {
    std::vector<std::pair<std::string, google::protobuf::DescriptorProto*>>
        todo;
    for (auto& m : *file.mutable_message_type()) {
      todo.push_back({file.package(), &m});
    }
    while (!todo.empty()) {
      auto [scope, m] = todo.back();
      todo.pop_back();
      const std::string name =
          scope.empty() ? m->name() : absl::StrCat(scope, ".", m->name());
      if (name == full_name) return m;
      for (auto& n : *m->mutable_nested_type()) todo.push_back({name, &n});
    }
  }
  return nullptr;
}

TEST_F(BundleTest, SchemaWithoutAFieldAProgramReadsIsRejected) {
  onus::v1::Bundle b = Save();
  // The first policy whose require reads a field.
  int index = -1;
  for (int i = 0; i < b.policies_size() && index < 0; ++i) {
    if (b.policies(i).require().fields_size() > 0) index = i;
  }
  ASSERT_GE(index, 0);
  const onus::v1::FieldRef ref = b.policies(index).require().fields(0);
  google::protobuf::DescriptorProto* m =
      FindMessage(b.mutable_schemas(), ref.message_type());
  ASSERT_NE(m, nullptr) << ref.message_type();
  bool removed = false;
  for (int i = 0; i < m->field_size(); ++i) {
    if (m->field(i).number() == static_cast<int>(ref.field_number())) {
      m->mutable_field()->DeleteSubrange(i, 1);
      removed = true;
      break;
    }
  }
  ASSERT_TRUE(removed);
  b.set_digest(BundleDigest(b));
  absl::StatusOr<std::unique_ptr<PolicyPack>> loaded = LoadBundle(b);
  ASSERT_FALSE(loaded.ok());
  const std::string msg(loaded.status().message());
  EXPECT_THAT(msg, HasSubstr(b.policies(index).metadata().id()));
  EXPECT_THAT(msg, HasSubstr(ref.message_type()));
  EXPECT_THAT(msg, HasSubstr("schema does not declare"));
}

TEST_F(BundleTest, BrokenProgramNamesPolicyAndProgram) {
  onus::v1::Bundle b = Save();
  onus::v1::CompiledPolicy* p = b.mutable_policies(0);
  // Code that is not a multiple of the instruction size.
  p->mutable_require()->mutable_code()->push_back('\0');
  b.set_digest(BundleDigest(b));
  absl::StatusOr<std::unique_ptr<PolicyPack>> loaded = LoadBundle(b);
  ASSERT_FALSE(loaded.ok());
  const std::string msg(loaded.status().message());
  EXPECT_THAT(
      msg, HasSubstr(absl::StrCat("policy ", p->metadata().id(), ", require")));
}

TEST_F(BundleTest, MessagePartsMustMatchExpressions) {
  onus::v1::Bundle b = Save();
  int index = -1;
  for (int i = 0; i < b.policies_size() && index < 0; ++i) {
    if (b.policies(i).message_exprs_size() > 0) index = i;
  }
  if (index < 0) GTEST_SKIP() << "no policy with message expressions";
  b.mutable_policies(index)->add_message_parts("extra");
  b.set_digest(BundleDigest(b));
  absl::StatusOr<std::unique_ptr<PolicyPack>> loaded = LoadBundle(b);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("text parts"));
}

// A bundle whose schema files this binary does not have (renamed here)
// loads against a pool built from its embedded schemas, and evaluates the
// same: the VM reads fields from the wire bytes by number.
TEST_F(BundleTest, UnknownSchemaFilesUseTheEmbeddedPool) {
  onus::v1::Bundle b = Save();
  for (auto& file : *b.mutable_schemas()->mutable_file()) {
    file.set_name(absl::StrCat("embedded/", file.name()));
    for (auto& dep : *file.mutable_dependency()) {
      dep = absl::StrCat("embedded/", dep);
    }
  }
  b.set_digest(BundleDigest(b));
  absl::StatusOr<std::unique_ptr<PolicyPack>> loaded = LoadBundle(b);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const CompiledPolicy& p = (*loaded)->policies()[0];
  ASSERT_NE(p.type, nullptr);
  EXPECT_NE(p.type->descriptor()->file()->pool(),
            google::protobuf::DescriptorPool::generated_pool());
  EXPECT_TRUE(
      absl::StartsWith(p.type->descriptor()->file()->name(), "embedded/"));
  // Same outcomes as the sources (messages and evidence included).
  const onus::v1::Report want = Run(*pack_);
  const onus::v1::Report got = Run(**loaded);
  ASSERT_EQ(want.findings_size(), got.findings_size());
  int differ = 0;
  for (int i = 0; i < want.findings_size(); ++i) {
    if (want.findings(i).SerializeAsString() !=
        got.findings(i).SerializeAsString()) {
      ++differ;
    }
  }
  EXPECT_EQ(differ, 0);
  // Loading the same bundle again reuses the pinned pool.
  absl::StatusOr<std::unique_ptr<PolicyPack>> again = LoadBundle(b);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->policies()[0].type, p.type);
}

}  // namespace
}  // namespace onus::engine
