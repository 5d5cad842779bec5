// Compiled bundles (`onus compile` output, .onusb) in the service: served
// from --policies, loaded by LoadBundle.bundle, and rejected cleanly when
// they are damaged (the running set stays).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "engine/bundle.h"
#include "engine/policy_pack.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/test_util.h"

namespace onus::engine::testing {
namespace {

using ::testing::HasSubstr;

// The starter pack (policies/) compiled and written to TEST_TMPDIR.
struct Compiled {
  std::string path;
  std::string bytes;
  std::string digest;  // Bundle.digest (raw)
};

Compiled CompileStarterPack(const std::string& name,
                            const std::string& from = "policies") {
  lang::DiagnosticList diags;
  absl::StatusOr<std::unique_ptr<PolicyPack>> pack =
      PolicyPack::Load({from}, lang::FrontendOptions(), diags);
  EXPECT_TRUE(pack.ok()) << pack.status();
  if (!pack.ok()) return {};
  absl::StatusOr<onus::v1::Bundle> bundle = SaveBundle(**pack);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  if (!bundle.ok()) return {};
  absl::StatusOr<std::string> bytes = SerializeBundle(*bundle);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  Compiled c;
  c.path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  c.bytes = *bytes;
  c.digest = bundle->digest();
  std::ofstream(c.path, std::ios::binary) << c.bytes;
  return c;
}

onus::v1::EvaluateResponse EvaluateOrDie(onus::v1::Evaluator::Stub* stub,
                                         const onus::v1::EvaluateRequest& req) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  onus::v1::EvaluateResponse resp;
  grpc::Status s = stub->Evaluate(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

TEST(CompiledBundle, ServedFromPoliciesPathLikeTheSources) {
  Compiled c = CompileStarterPack("starter.onusb");
  ASSERT_FALSE(c.bytes.empty());
  ServerOptions o = LoopbackOptions();
  o.policy_sources.clear();
  o.policy_paths = {c.path};
  auto compiled = StartOrDie(o);
  ASSERT_NE(compiled, nullptr);
  o.policy_paths = {"policies"};
  auto sources = StartOrDie(o);
  ASSERT_NE(sources, nullptr);
  auto cstub = Connect(compiled->port());
  auto sstub = Connect(sources->port());

  onus::v1::EvaluateRequest req;
  *req.mutable_snapshot() = MakeSnapshot(3);
  onus::v1::EvaluateResponse from_bundle = EvaluateOrDie(cstub.get(), req);
  onus::v1::EvaluateResponse from_sources = EvaluateOrDie(sstub.get(), req);
  // Same policies, same results; the bundle's own digest identifies it.
  EXPECT_EQ(from_bundle.bundle().policies(), from_sources.bundle().policies());
  EXPECT_GT(from_bundle.report().summary().totals().fail(), 0u);
  EXPECT_EQ(from_bundle.report().summary().totals().fail(),
            from_sources.report().summary().totals().fail());
  EXPECT_EQ(from_bundle.report().summary().totals().pass(),
            from_sources.report().summary().totals().pass());
  EXPECT_EQ(from_bundle.report().findings_size(),
            from_sources.report().findings_size());
  EXPECT_EQ(from_bundle.bundle().digest(), absl::BytesToHexString(c.digest));
  EXPECT_EQ(from_bundle.report().summary().bundle_digest(), c.digest);
  EXPECT_THAT(compiled->MetricsText(),
              HasSubstr(absl::StrCat("onus_bundle_info{digest=\"",
                                     absl::BytesToHexString(c.digest),
                                     "\",source=\"compiled\",version=\"1\"} "
                                     "1\n")));

  // Selections work on a compiled bundle too.
  req.mutable_options()->mutable_selection()->add_ids("aws.s3.");
  req.mutable_options()->set_policy_listing(
      onus::v1::EvaluateOptions::ALL_POLICIES);
  onus::v1::EvaluateResponse selected = EvaluateOrDie(cstub.get(), req);
  ASSERT_GT(selected.report().policies_size(), 0);
  EXPECT_LT(selected.report().policies_size(),
            static_cast<int>(from_bundle.bundle().policies()));
  for (const auto& p : selected.report().policies()) {
    EXPECT_THAT(p.id(), ::testing::StartsWith("aws.s3.")) << p.id();
  }
  // The same selection twice (cached) answers the same.
  onus::v1::EvaluateResponse again = EvaluateOrDie(cstub.get(), req);
  EXPECT_EQ(again.report().policies_size(), selected.report().policies_size());
}

TEST(CompiledBundle, DamagedOrMixedBundlesFailStartWithAClearError) {
  Compiled c = CompileStarterPack("good.onusb");
  ASSERT_FALSE(c.bytes.empty());
  std::string truncated =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/cut.onusb");
  std::ofstream(truncated, std::ios::binary) << c.bytes.substr(0, 100);
  std::string flipped = absl::StrCat(std::getenv("TEST_TMPDIR"), "/flip.onusb");
  std::string f = c.bytes;
  f[f.size() / 2] ^= 0x20;
  std::ofstream(flipped, std::ios::binary) << f;
  struct Case {
    std::vector<std::string> paths;
    std::string want;
  };
  for (const Case& k : std::vector<Case>{
           {{truncated}, "cut.onusb"},
           {{flipped}, "flip.onusb"},
           {{absl::StrCat(std::getenv("TEST_TMPDIR"), "/missing.onusb")},
            "missing.onusb: cannot read"},
           {{c.path, "policies"}, "cannot be combined"},
       }) {
    ServerOptions o = LoopbackOptions();
    o.policy_sources.clear();
    o.policy_paths = k.paths;
    absl::StatusOr<std::unique_ptr<EvaluationServer>> s =
        EvaluationServer::Start(o);
    ASSERT_FALSE(s.ok()) << k.want;
    EXPECT_THAT(s.status().ToString(), HasSubstr(k.want));
  }
}

class LoadCompiledTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TokenTable::Parse(absl::StrCat(kAdmin, " admin\n"), "tokens");
    ASSERT_TRUE(t.ok()) << t.status();
    ServerOptions o = LoopbackOptions();
    o.tokens = std::make_shared<TokenTable>(*std::move(t));
    server_ = StartOrDie(o);
    ASSERT_NE(server_, nullptr);
    stub_ = Connect(server_->port());
  }
  grpc::Status Load(const onus::v1::LoadBundleRequest& req,
                    onus::v1::LoadBundleResponse* resp) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
    return stub_->LoadBundle(&ctx, req, resp);
  }
  static constexpr char kAdmin[] = "admin-token-bbbbbbbbbbbb";
  std::unique_ptr<EvaluationServer> server_;
  std::unique_ptr<onus::v1::Evaluator::Stub> stub_;
};

TEST_F(LoadCompiledTest, LoadBundleTakesCompiledBytes) {
  Compiled c = CompileStarterPack("load.onusb");
  ASSERT_FALSE(c.bytes.empty());
  // Damaged bytes: refused, version 1 keeps serving.
  for (std::string bad : {std::string("not a bundle"), c.bytes.substr(0, 50)}) {
    onus::v1::LoadBundleRequest req;
    req.set_bundle(bad);
    onus::v1::LoadBundleResponse resp;
    grpc::Status s = Load(req, &resp);
    EXPECT_FALSE(s.ok());
    EXPECT_THAT(s.error_message(), HasSubstr("request bundle"));
    EXPECT_EQ(server_->bundle_version(), 1u);
  }
  // Both or neither: INVALID_ARGUMENT.
  {
    onus::v1::LoadBundleRequest req;
    req.set_bundle(c.bytes);
    req.add_sources()->set_name("s3.onus");
    req.mutable_sources(0)->set_text(kS3Policies);
    onus::v1::LoadBundleResponse resp;
    grpc::Status s = Load(req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("not both"));
    s = Load(onus::v1::LoadBundleRequest(), &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("nothing to load"));
  }
  onus::v1::LoadBundleRequest req;
  req.set_bundle(c.bytes);
  onus::v1::LoadBundleResponse resp;
  grpc::Status s = Load(req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(resp.loaded());
  EXPECT_EQ(resp.bundle().version(), 2u);
  EXPECT_EQ(resp.bundle().digest(), absl::BytesToHexString(c.digest));
  EXPECT_GT(resp.bundle().policies(), 10u);
  EXPECT_EQ(server_->bundle_version(), 2u);
  // Calls now run the starter pack.
  grpc::ClientContext ctx;
  Bound(&ctx);
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
  onus::v1::EvaluateRequest ereq;
  *ereq.mutable_snapshot() = MakeSnapshot(2);
  onus::v1::EvaluateResponse eresp;
  ASSERT_TRUE(stub_->Evaluate(&ctx, ereq, &eresp).ok());
  EXPECT_EQ(eresp.bundle().version(), 2u);
  EXPECT_EQ(eresp.report().summary().bundle_digest(), c.digest);
  EXPECT_THAT(server_->MetricsText(), HasSubstr("onus_bundle_version 2\n"));
  EXPECT_THAT(server_->MetricsText(), HasSubstr("source=\"compiled\""));
}

// Replaces `path` the way deployments should: write a temporary, rename.
void ReplaceFile(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary) << bytes;
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

// Polls `cond` every 20 ms for up to 10 s.
bool Eventually(const std::function<bool()>& cond) {
  for (absl::Time until = absl::Now() + absl::Seconds(10); absl::Now() < until;
       absl::SleepFor(absl::Milliseconds(20))) {
    if (cond()) return true;
  }
  return cond();
}

TEST(WatchedBundle, ReloadsWhenTheFilesChangeAndKeepsServingOnABadOne) {
  const std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/watch");
  std::filesystem::create_directories(dir + "/s3");
  std::ofstream(dir + "/s3/s3.onus") << kS3Policies;
  Compiled small = CompileStarterPack("small.onusb", dir + "/s3");
  Compiled starter = CompileStarterPack("starter-w.onusb");
  ASSERT_FALSE(small.bytes.empty());
  ASSERT_FALSE(starter.bytes.empty());
  const std::string path = dir + "/serving.onusb";
  ReplaceFile(path, starter.bytes);

  ServerOptions o = LoopbackOptions();
  o.policy_sources.clear();
  o.policy_paths = {path};
  o.watch_interval = absl::Milliseconds(50);
  auto server = StartOrDie(o);
  ASSERT_NE(server, nullptr);
  auto stub = Connect(server->port());
  auto digest = [&] {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::GetInfoResponse info;
    EXPECT_TRUE(stub->GetInfo(&ctx, {}, &info).ok());
    return info.bundle().digest();
  };
  EXPECT_EQ(digest(), absl::BytesToHexString(starter.digest));
  // Unchanged files: no reload.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(server->bundle_version(), 1u);

  ReplaceFile(path, small.bytes);
  ASSERT_TRUE(Eventually([&] { return server->bundle_version() == 2; }));
  EXPECT_EQ(digest(), absl::BytesToHexString(small.digest));
  EXPECT_THAT(server->MetricsText(),
              HasSubstr("onus_bundle_reloads_total{result=\"ok\"} 1\n"));

  // A damaged bundle: counted as failed, version 2 keeps serving.
  ReplaceFile(path, small.bytes.substr(0, small.bytes.size() / 2));
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(
        server->MetricsText(),
        "onus_bundle_reloads_total{result=\"failed\"} 1\n");
  }));
  EXPECT_EQ(server->bundle_version(), 2u);
  onus::v1::EvaluateRequest req;
  *req.mutable_snapshot() = MakeSnapshot(2);
  onus::v1::EvaluateResponse resp = EvaluateOrDie(stub.get(), req);
  EXPECT_EQ(resp.bundle().version(), 2u);
  EXPECT_EQ(resp.bundle().policies(), 2u);

  // Fixed again: version 3.
  ReplaceFile(path, starter.bytes);
  ASSERT_TRUE(Eventually([&] { return server->bundle_version() == 3; }));
  EXPECT_EQ(digest(), absl::BytesToHexString(starter.digest));

  // Source directories are watched too.
  ServerOptions so = LoopbackOptions();
  so.policy_sources.clear();
  so.policy_paths = {dir + "/s3"};
  so.watch_interval = absl::Milliseconds(50);
  auto sserver = StartOrDie(so);
  ASSERT_NE(sserver, nullptr);
  ReplaceFile(dir + "/s3/extra.onus", R"onus(
package aws.extra;
policy named_too {
  title    = "S3 buckets have names (again)"
  severity = low
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  resource = onus.aws.s3.Bucket as b
  require  = b.name != ""
}
)onus");
  ASSERT_TRUE(Eventually([&] { return sserver->bundle_version() == 2; }));
  auto sstub = Connect(sserver->port());
  onus::v1::EvaluateResponse sresp = EvaluateOrDie(sstub.get(), req);
  EXPECT_EQ(sresp.bundle().policies(), 3u);
}

}  // namespace
}  // namespace onus::engine::testing
