// The evaluation service end to end: a real server on a free loopback port,
// real gRPC clients, every method and error code.
#include <grpcpp/impl/client_unary_call.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "onus/internal/service_wire.pb.h"
#include "tests/service/test_util.h"

namespace onus::engine::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

int CountOutcome(const onus::v1::Report& r, onus::v1::Outcome o) {
  int n = 0;
  for (const auto& f : r.findings()) n += f.outcome() == o;
  return n;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartOrDie(LoopbackOptions());
    ASSERT_NE(server_, nullptr);
    stub_ = Connect(server_->port());
  }
  std::unique_ptr<EvaluationServer> server_;
  std::unique_ptr<onus::v1::Evaluator::Stub> stub_;
};

TEST_F(ServiceTest, EvaluateSnapshotReportsFindingsAndBundle) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  onus::v1::EvaluateRequest req;
  *req.mutable_snapshot() = MakeSnapshot(6);
  onus::v1::EvaluateResponse resp;
  grpc::Status s = stub_->Evaluate(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // 2 unversioned buckets per account + account 222 without a trail.
  EXPECT_EQ(resp.report().summary().totals().fail(), 5u);
  EXPECT_EQ(resp.report().summary().totals().pass(), 12u * 2 - 4 + 1);
  EXPECT_EQ(CountOutcome(resp.report(), onus::v1::FAIL), 5);
  // Default detail: passing pairs are only counted.
  EXPECT_EQ(CountOutcome(resp.report(), onus::v1::PASS), 0);
  EXPECT_EQ(resp.bundle().version(), 1u);
  EXPECT_THAT(resp.bundle().digest(), SizeIs(64));
  EXPECT_EQ(resp.bundle().policies(), 3u);
  EXPECT_THAT(resp.report().summary().bundle_digest(), SizeIs(32));
}

TEST_F(ServiceTest, EvaluateInlineResourcesWithSelectionAndDetail) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  onus::v1::EvaluateRequest req;
  for (int i = 0; i < 3; ++i) *req.add_resources() = Bucket("111", i, i == 1);
  req.mutable_options()->mutable_selection()->add_ids("aws.s3.versioning");
  req.mutable_options()->set_detail(onus::v1::EvaluateOptions::ALL);
  onus::v1::EvaluateResponse resp;
  grpc::Status s = stub_->Evaluate(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.report().findings_size(), 3);
  for (const auto& f : resp.report().findings()) {
    EXPECT_EQ(f.policy_id(), "aws.s3.versioning");
  }
  EXPECT_EQ(CountOutcome(resp.report(), onus::v1::FAIL), 2);
  EXPECT_EQ(CountOutcome(resp.report(), onus::v1::PASS), 1);
}

TEST_F(ServiceTest, PolicyListingChoosesWhatTheReportDescribes) {
  // One bucket and no account: the two bucket policies run, the account
  // policy does not.
  const std::vector<std::string> ran = {"aws.s3.versioning", "aws.s3.named"};
  const std::vector<std::string> all = {"aws.s3.versioning", "aws.s3.named",
                                        "aws.account.multi_region_trail"};
  using Opts = onus::v1::EvaluateOptions;
  struct Case {
    Opts::PolicyListing listing;
    std::vector<std::string> want;
  };
  for (const Case& c :
       std::vector<Case>{{Opts::POLICY_LISTING_UNSPECIFIED, ran},
                         {Opts::EVALUATED_POLICIES, ran},
                         {Opts::ALL_POLICIES, all},
                         {Opts::NO_POLICIES, {}}}) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::EvaluateRequest req;
    *req.add_resources() = Bucket("111", 0, false);
    req.mutable_options()->set_policy_listing(c.listing);
    onus::v1::EvaluateResponse resp;
    ASSERT_TRUE(stub_->Evaluate(&ctx, req, &resp).ok());
    std::vector<std::string> meta, counts;
    for (const auto& p : resp.report().policies()) meta.push_back(p.id());
    for (const auto& p : resp.report().summary().by_policy()) {
      counts.push_back(p.policy_id());
    }
    EXPECT_THAT(meta, ::testing::UnorderedElementsAreArray(c.want))
        << c.listing;
    EXPECT_THAT(counts, ::testing::UnorderedElementsAreArray(c.want))
        << c.listing;
    EXPECT_EQ(resp.report().summary().totals().fail(), 1u);
    EXPECT_EQ(resp.report().summary().totals().pass(), 1u);

    // The stream's summary lists the same policies.
    onus::v1::EvaluateStreamRequest item;
    item.mutable_options()->set_policy_listing(c.listing);
    *item.mutable_item()->mutable_resource() = Bucket("111", 0, false);
    onus::v1::RunSummary summary;
    ASSERT_TRUE(StreamSummary(stub_.get(), {item}, &summary).ok());
    std::vector<std::string> stream_counts;
    for (const auto& p : summary.by_policy()) {
      stream_counts.push_back(p.policy_id());
    }
    EXPECT_THAT(stream_counts, ::testing::UnorderedElementsAreArray(c.want))
        << c.listing;
  }
}

// Evaluate writes its answer's bytes itself, with the policies' metadata
// and the BundleRef copied from serialized copies: the bytes must be what
// protobuf writes for the same message, and the metadata what ListPolicies
// and GetInfo say.
TEST_F(ServiceTest, EvaluateAnswerBytesAreProtobufsForTheSameMessage) {
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials());
  grpc::ClientContext lctx;
  Bound(&lctx);
  onus::v1::ListPoliciesResponse listed;
  ASSERT_TRUE(stub_->ListPolicies(&lctx, {}, &listed).ok());
  grpc::ClientContext ictx;
  Bound(&ictx);
  onus::v1::GetInfoResponse info;
  ASSERT_TRUE(stub_->GetInfo(&ictx, {}, &info).ok());
  using Opts = onus::v1::EvaluateOptions;
  for (Opts::PolicyListing listing :
       {Opts::EVALUATED_POLICIES, Opts::ALL_POLICIES, Opts::NO_POLICIES}) {
    for (bool select : {false, true}) {
      onus::v1::EvaluateRequest req;
      *req.mutable_snapshot() = MakeSnapshot(2);
      req.mutable_options()->set_policy_listing(listing);
      if (select)
        req.mutable_options()->mutable_selection()->add_ids("aws.s3.*");
      grpc::ClientContext ctx;
      Bound(&ctx);
      grpc::internal::RpcMethod method("/onus.v1.Evaluator/Evaluate",
                                       grpc::internal::RpcMethod::NORMAL_RPC);
      grpc::ByteBuffer answer;
      grpc::Status s =
          grpc::internal::BlockingUnaryCall<onus::v1::EvaluateRequest,
                                            grpc::ByteBuffer>(
              channel.get(), method, &ctx, req, &answer);
      ASSERT_TRUE(s.ok()) << s.error_message();
      std::vector<grpc::Slice> slices;
      ASSERT_TRUE(answer.Dump(&slices).ok());
      std::string bytes;
      for (const grpc::Slice& sl : slices) {
        bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
      }
      onus::v1::EvaluateResponse resp;
      ASSERT_TRUE(resp.ParseFromString(bytes));
      EXPECT_EQ(resp.SerializeAsString(), bytes) << listing << select;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          resp.bundle(), info.bundle()));
      const int want = listing == Opts::NO_POLICIES ? 0 : select ? 2 : 3;
      ASSERT_EQ(resp.report().policies_size(), want) << listing << select;
      for (const auto& meta : resp.report().policies()) {
        bool found = false;
        for (const auto& l : listed.policies()) {
          if (l.id() != meta.id()) continue;
          found = true;
          EXPECT_TRUE(
              google::protobuf::util::MessageDifferencer::Equals(l, meta));
        }
        EXPECT_TRUE(found) << meta.id();
      }
    }
  }
}

TEST_F(ServiceTest, SelectionBySeverityFrameworkAndPackage) {
  struct Case {
    std::function<void(onus::v1::PolicySelector*)> set;
    std::vector<std::string> ids;
  };
  std::vector<Case> cases = {
      {[](auto* s) { s->set_min_severity(onus::v1::HIGH); },
       {"aws.s3.versioning", "aws.account.multi_region_trail"}},
      {[](auto* s) { s->add_frameworks("cis-aws-7.0:"); },
       {"aws.s3.versioning"}},
      {[](auto* s) { s->add_packages("aws.s3"); },
       {"aws.s3.versioning", "aws.s3.named"}},
      {[](auto* s) { s->add_ids("aws.*.named"); }, {"aws.s3.named"}},
  };
  for (const Case& c : cases) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::EvaluateRequest req;
    *req.mutable_snapshot() = MakeSnapshot(2);
    c.set(req.mutable_options()->mutable_selection());
    onus::v1::EvaluateResponse resp;
    ASSERT_TRUE(stub_->Evaluate(&ctx, req, &resp).ok());
    std::vector<std::string> got;
    for (const auto& p : resp.report().policies()) got.push_back(p.id());
    std::sort(got.begin(), got.end());
    std::vector<std::string> want = c.ids;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want);
    // ListPolicies applies the same selector.
    grpc::ClientContext lctx;
    Bound(&lctx);
    onus::v1::ListPoliciesRequest lreq;
    c.set(lreq.mutable_selection());
    onus::v1::ListPoliciesResponse lresp;
    ASSERT_TRUE(stub_->ListPolicies(&lctx, lreq, &lresp).ok());
    EXPECT_EQ(lresp.policies_size(), static_cast<int>(want.size()));
  }
}

TEST_F(ServiceTest, InvalidArgumentNamesResourceAndField) {
  {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::EvaluateRequest req;
    *req.add_resources() = Bucket("111", 0, true);
    *req.add_resources() = Bucket("111", 1, true);
    req.mutable_resources(1)->clear_type();
    onus::v1::EvaluateResponse resp;
    grpc::Status s = stub_->Evaluate(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(),
                AllOf(HasSubstr("resources[1]"), HasSubstr("bucket-111-1"),
                      HasSubstr("`type`")));
  }
  {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::EvaluateRequest req;
    *req.mutable_snapshot() = MakeSnapshot(1);
    req.mutable_options()->mutable_selection()->add_ids("no.such.policy");
    onus::v1::EvaluateResponse resp;
    grpc::Status s = stub_->Evaluate(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("options.selection"));
  }
  {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::EvaluateRequest req;
    *req.mutable_snapshot() = MakeSnapshot(1);
    auto* w = req.mutable_options()->mutable_waivers()->add_waivers();
    w->set_id("w1");  // no policy, no expiry
    onus::v1::EvaluateResponse resp;
    grpc::Status s = stub_->Evaluate(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("options.waivers"));
  }
}

TEST_F(ServiceTest, GetInfoAndListPolicies) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  onus::v1::GetInfoResponse info;
  ASSERT_TRUE(stub_->GetInfo(&ctx, {}, &info).ok());
  EXPECT_EQ(info.bundle().version(), 1u);
  EXPECT_GT(info.bundle().loaded_at().seconds(), 1'700'000'000);
  EXPECT_EQ(info.max_resources_per_request(), 1'000'000u);
  grpc::ClientContext lctx;
  Bound(&lctx);
  onus::v1::ListPoliciesResponse list;
  ASSERT_TRUE(stub_->ListPolicies(&lctx, {}, &list).ok());
  ASSERT_EQ(list.policies_size(), 3);
  EXPECT_EQ(list.bundle().digest(), info.bundle().digest());
  bool found = false;
  for (const auto& p : list.policies()) {
    if (p.id() == "aws.s3.versioning") {
      found = true;
      EXPECT_EQ(p.severity(), onus::v1::HIGH);
      EXPECT_EQ(p.resource_type(), "onus.aws.s3.Bucket");
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ServiceTest, CheckReturnsDiagnosticsAsDataAndChangesNothing) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  onus::v1::CheckRequest req;
  auto* src = req.add_sources();
  src->set_name("bad.onus");
  src->set_text(
      "package t;\n"
      "policy p {\n"
      "  title = \"t\"\n"
      "  severity = low\n"
      "  owner = customer\n"
      "  service = [iaas]\n"
      "  domain = logging\n"
      "  resource = onus.aws.s3.Bucket as b\n"
      "  require = b.versionin.status == \"Enabled\"\n"
      "}\n");
  onus::v1::CheckResponse resp;
  grpc::Status s = stub_->Check(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(resp.ok());
  ASSERT_GE(resp.diagnostics_size(), 1);
  const auto& d = resp.diagnostics(0);
  EXPECT_EQ(d.severity(), onus::v1::Diagnostic::ERROR);
  EXPECT_EQ(d.file(), "bad.onus");
  EXPECT_EQ(d.line(), 9u);
  EXPECT_EQ(d.column(), 15u);
  EXPECT_THAT(d.code(), ::testing::StartsWith("E"));
  EXPECT_THAT(d.message(), HasSubstr("versionin"));
  EXPECT_THAT(d.help(), HasSubstr("versioning"));
  EXPECT_EQ(resp.bundle().version(), 1u);

  // A good source checks clean, lists its policy, loads nothing.
  grpc::ClientContext ctx2;
  Bound(&ctx2);
  onus::v1::CheckRequest good;
  good.add_sources()->set_name("s3.onus");
  good.mutable_sources(0)->set_text(kS3Policies);
  onus::v1::CheckResponse resp2;
  ASSERT_TRUE(stub_->Check(&ctx2, good, &resp2).ok());
  EXPECT_TRUE(resp2.ok());
  EXPECT_EQ(resp2.policies_size(), 2);
  EXPECT_EQ(server_->bundle_version(), 1u);

  // Imports never read the server's disk.
  grpc::ClientContext ctx3;
  Bound(&ctx3);
  onus::v1::CheckRequest imp;
  imp.add_sources()->set_name("i.onus");
  imp.mutable_sources(0)->set_text("package i;\nimport \"/etc/passwd\";\n");
  onus::v1::CheckResponse resp3;
  grpc::Status s3 = stub_->Check(&ctx3, imp, &resp3);
  ASSERT_TRUE(s3.ok()) << s3.error_message();
  EXPECT_FALSE(resp3.ok());

  grpc::ClientContext ctx4;
  Bound(&ctx4);
  onus::v1::CheckResponse resp4;
  EXPECT_EQ(stub_->Check(&ctx4, {}, &resp4).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(ServiceLimits, TooManyResourcesIsResourceExhausted) {
  ServerOptions o = LoopbackOptions();
  o.limits.max_resources_per_request = 5;
  auto server = StartOrDie(o);
  ASSERT_NE(server, nullptr);
  auto stub = Connect(server->port());
  grpc::ClientContext ctx;
  Bound(&ctx);
  onus::v1::EvaluateRequest req;
  *req.mutable_snapshot() = MakeSnapshot(3);  // 7 resources
  onus::v1::EvaluateResponse resp;
  grpc::Status s = stub->Evaluate(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("limit is 5"));

  // The same limit holds for streams.
  grpc::ClientContext sctx;
  Bound(&sctx);
  auto stream = stub->EvaluateStream(&sctx);
  onus::v1::EvaluateStreamRequest item;
  for (int i = 0; i < 6; ++i) {
    *item.mutable_item()->mutable_resource() = Bucket("111", i, true);
    if (!stream->Write(item)) break;
  }
  stream->WritesDone();
  onus::v1::EvaluateStreamResponse out;
  while (stream->Read(&out)) {
  }
  EXPECT_EQ(stream->Finish().error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST(ServiceLimits, MessageSizeLimit) {
  ServerOptions o = LoopbackOptions();
  o.limits.max_message_bytes = 64 << 10;
  auto server = StartOrDie(o);
  ASSERT_NE(server, nullptr);
  auto stub = Connect(server->port());
  grpc::ClientContext ctx;
  Bound(&ctx);
  onus::v1::EvaluateRequest req;
  *req.mutable_snapshot() = MakeSnapshot(2000);
  onus::v1::EvaluateResponse resp;
  EXPECT_EQ(stub->Evaluate(&ctx, req, &resp).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST(ServiceLimits, ServerDeadlineIsHonouredInsideTheVm) {
  // kSlowPolicy: 3*10^8 loop steps for the request, far beyond the deadline
  // however fast the VM (10^4 steps per bucket would finish in time).
  ServerOptions o = SlowServerOptions(absl::Milliseconds(200));
  auto server = StartOrDie(o);
  ASSERT_NE(server, nullptr);
  auto stub = Connect(server->port());
  grpc::ClientContext ctx;  // no client deadline: the server's default
  onus::v1::EvaluateRequest req;
  *req.mutable_snapshot() = MakeSnapshot(3000);
  onus::v1::EvaluateResponse resp;
  absl::Time start = absl::Now();
  grpc::Status s = stub->Evaluate(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("deadline"));
  // The VM stopped: far less time than the full evaluation would take.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ServiceLimits, StreamAccountEvaluatedBesideTheReaderReportsItsError) {
  // Accounts marked complete are evaluated on a thread of their own while
  // the handler keeps reading: an error there (here the deadline, inside
  // the VM) must still end the call with that error, promptly.
  // kSlowPolicy: 3*10^8 loop steps for the account, far beyond the
  // deadline (with 10^4 per bucket a faster VM finished inside it, and the
  // deadline then came from the last account only).
  ServerOptions o = SlowServerOptions(absl::Milliseconds(300));
  auto server = StartOrDie(o);
  ASSERT_NE(server, nullptr);
  auto stub = Connect(server->port());
  grpc::ClientContext ctx;  // no client deadline: the server's default
  const absl::Time start = absl::Now();
  auto stream = stub->EvaluateStream(&ctx);
  onus::v1::EvaluateStreamRequest req;
  for (int i = 0; i < 3000; ++i) {
    *req.add_items()->mutable_resource() = Bucket("111", i, true);
  }
  auto* ac = req.add_items()->mutable_account_complete();
  ac->set_account("111");
  ac->set_resource_count(3000);
  ASSERT_TRUE(stream->Write(req));
  // Keep the reader busy with another account until the server ends the
  // call (a write then fails) or 10 s pass.
  for (int i = 0; absl::Now() - start < absl::Seconds(10); ++i) {
    onus::v1::EvaluateStreamRequest more;
    *more.add_items()->mutable_resource() = Bucket("222", i, true);
    if (!stream->Write(more)) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  stream->WritesDone();
  onus::v1::EvaluateStreamResponse m;
  while (stream->Read(&m)) {
  }
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(ServiceLimits, ClientCancelStopsTheEvaluation) {
  std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/cancel.log");
  std::ofstream log_file(path);
  // kSlowPolicy: minutes for the whole request.
  ServerOptions o = SlowServerOptions(absl::Hours(1), 1'000'000'000);
  o.log = &log_file;
  auto server = StartOrDie(o);
  ASSERT_NE(server, nullptr);
  auto stub = Connect(server->port());
  grpc::ClientContext ctx;
  onus::v1::EvaluateRequest req;
  *req.mutable_snapshot() = MakeSnapshot(20000);
  onus::v1::EvaluateResponse resp;
  grpc::Status status;
  std::thread call([&] { status = stub->Evaluate(&ctx, req, &resp); });
  absl::SleepFor(absl::Milliseconds(300));
  ctx.TryCancel();
  call.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  // The server's handler returns (its log line appears) long before the
  // evaluation could have finished.
  bool logged = false;
  for (absl::Time until = absl::Now() + absl::Seconds(10);
       !logged && absl::Now() < until; absl::SleepFor(absl::Milliseconds(20))) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    logged = absl::StrContains(ss.str(), "\"status\":\"CANCELLED\"");
  }
  EXPECT_TRUE(logged);
}

TEST(ServiceTransport, PlaintextOnlyOnLoopbackUnlessAllowed) {
  ServerOptions o = LoopbackOptions();
  o.listen = "0.0.0.0:0";
  absl::StatusOr<std::unique_ptr<EvaluationServer>> s =
      EvaluationServer::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("refusing plaintext"));
  o.listen = "127.0.0.1:0";
  o.plaintext = false;
  s = EvaluationServer::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("--plaintext"));
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:7070"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:7070"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:1"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:7070"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:7070"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1:7070"));
}

TEST(ServiceStart, PolicyErrorsFailStartWithLocations) {
  ServerOptions o = LoopbackOptions();
  o.policy_sources = {{"x.onus", "package x;\npolicy p { require = 1 }\n"}};
  absl::StatusOr<std::unique_ptr<EvaluationServer>> s =
      EvaluationServer::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("x.onus:2:"));
}

TEST(ServiceBuiltInPack, DiskBundleServesSelections) {
  // The built-in pack loaded from disk: a selection recompiles it from the
  // stored sources (imports resolved among them, not re-read from disk).
  ServerOptions o = LoopbackOptions();
  o.policy_sources.clear();
  o.policy_paths = {"policies"};
  auto server = StartOrDie(o);
  ASSERT_NE(server, nullptr);
  auto stub = Connect(server->port());
  grpc::ClientContext lctx;
  Bound(&lctx);
  onus::v1::ListPoliciesResponse all;
  ASSERT_TRUE(stub->ListPolicies(&lctx, {}, &all).ok());
  ASSERT_GT(all.policies_size(), 10);
  for (const char* sel : {"aws.s3.", "gcp.*", "azure."}) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    onus::v1::EvaluateRequest req;
    *req.mutable_snapshot() = MakeSnapshot(3);
    req.mutable_options()->mutable_selection()->add_ids(sel);
    // Every selected policy, not only those that ran on these buckets.
    req.mutable_options()->set_policy_listing(
        onus::v1::EvaluateOptions::ALL_POLICIES);
    onus::v1::EvaluateResponse resp;
    grpc::Status s = stub->Evaluate(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << sel << ": " << s.error_message();
    ASSERT_GT(resp.report().policies_size(), 0) << sel;
    EXPECT_LT(resp.report().policies_size(), all.policies_size());
    std::string prefix(sel);
    prefix = prefix.substr(0, prefix.find_first_of(".*"));
    for (const auto& p : resp.report().policies()) {
      EXPECT_TRUE(absl::StartsWith(p.id(), prefix)) << p.id();
    }
  }
}

// ---------------------------------------------------------------- auth

TEST(TokenTableTest, ParsesRolesAndRejectsBadLines) {
  absl::StatusOr<TokenTable> t = TokenTable::Parse(
      "# comment\n\nevaluate-token-0123456789 evaluate\n"
      "admin-token-0123456789abcd admin\n",
      "tokens");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->Lookup("evaluate-token-0123456789"), Role::kEvaluate);
  EXPECT_EQ(t->Lookup("admin-token-0123456789abcd"), Role::kAdmin);
  EXPECT_EQ(t->Lookup("admin-token-0123456789abce"), Role::kNone);
  EXPECT_EQ(t->Lookup(""), Role::kNone);
  EXPECT_THAT(
      TokenTable::Parse("abcdefghijklmnopq root\n", "f").status().message(),
      HasSubstr("f:1: unknown role `root`"));
  EXPECT_THAT(TokenTable::Parse("x\nshort evaluate\n", "f").status().message(),
              HasSubstr("f:1:"));
  EXPECT_THAT(TokenTable::Parse("short evaluate\n", "f").status().message(),
              HasSubstr("shorter than 16"));
  EXPECT_FALSE(TokenTable::Parse("# only a comment\n", "f").ok());
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o = LoopbackOptions();
    auto t = TokenTable::Parse(
        absl::StrCat(kEval, " evaluate\n", kAdmin, " admin\n"), "tokens");
    ASSERT_TRUE(t.ok());
    o.tokens = std::make_shared<TokenTable>(*std::move(t));
    std::ostringstream* log = &log_;
    o.log = log;
    server_ = StartOrDie(o);
    ASSERT_NE(server_, nullptr);
    stub_ = Connect(server_->port());
  }
  grpc::Status Info(const std::string& auth) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    if (!auth.empty()) ctx.AddMetadata("authorization", auth);
    onus::v1::GetInfoResponse resp;
    return stub_->GetInfo(&ctx, {}, &resp);
  }
  grpc::Status Load(const std::string& token, const std::string& text,
                    onus::v1::LoadBundleResponse* resp) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    ctx.AddMetadata("authorization", "Bearer " + token);
    onus::v1::LoadBundleRequest req;
    req.add_sources()->set_name("s3.onus");
    req.mutable_sources(0)->set_text(text);
    return stub_->LoadBundle(&ctx, req, resp);
  }
  static constexpr char kEval[] = "eval-token-aaaaaaaaaaaa";
  static constexpr char kAdmin[] = "admin-token-bbbbbbbbbbbb";
  std::ostringstream log_;
  std::unique_ptr<EvaluationServer> server_;
  std::unique_ptr<onus::v1::Evaluator::Stub> stub_;
};

TEST_F(AuthTest, TokensAndRoles) {
  grpc::Status none = Info("");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("missing bearer token"));
  EXPECT_EQ(Info("Bearer wrong-token-cccccccccc").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Info(kEval).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Info(absl::StrCat("Bearer ", kEval)).ok());
  EXPECT_TRUE(Info(absl::StrCat("Bearer ", kAdmin)).ok());

  onus::v1::LoadBundleResponse resp;
  grpc::Status denied = Load(kEval, kS3Policies, &resp);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(server_->bundle_version(), 1u);
  EXPECT_EQ(Load("wrong-token-cccccccccc", kS3Policies, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  onus::v1::LoadBundleResponse ok;
  ASSERT_TRUE(Load(kAdmin, kS3Policies, &ok).ok());
  EXPECT_TRUE(ok.loaded());
  EXPECT_EQ(ok.bundle().version(), 2u);
  EXPECT_EQ(ok.bundle().policies(), 2u);
  EXPECT_EQ(server_->bundle_version(), 2u);

  // One JSON line per call, with method and status. Lines are written by a
  // background thread; Shutdown writes the last ones before it returns.
  server_->Shutdown(absl::Seconds(5));
  std::string log = log_.str();
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 8);  // 5 + 3 calls
  EXPECT_THAT(log, HasSubstr("\"method\":\"LoadBundle\""));
  EXPECT_THAT(log, HasSubstr("\"status\":\"PERMISSION_DENIED\""));
  EXPECT_THAT(log, HasSubstr("\"peer\":\"ipv4:127.0.0.1:"));
}

TEST_F(AuthTest, FailedLoadKeepsRunningBundleAndReturnsDiagnostics) {
  onus::v1::LoadBundleResponse resp;
  grpc::ClientContext ctx;
  Bound(&ctx);
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
  onus::v1::LoadBundleRequest req;
  req.add_sources()->set_name("bad.onus");
  req.mutable_sources(0)->set_text(
      "package b;\npolicy p {\n  require = )\n}\n");
  grpc::Status s = stub_->LoadBundle(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              HasSubstr("bad.onus:2:8: policy `p` has no `resource`"));
  onus::v1::LoadBundleResponse details;
  ASSERT_TRUE(details.ParseFromString(s.error_details()));
  EXPECT_FALSE(details.loaded());
  ASSERT_GE(details.diagnostics_size(), 1);
  EXPECT_EQ(details.diagnostics(0).file(), "bad.onus");
  EXPECT_EQ(details.diagnostics(0).line(), 2u);
  EXPECT_EQ(details.diagnostics(0).column(), 8u);
  EXPECT_EQ(details.bundle().version(), 1u);
  EXPECT_EQ(server_->bundle_version(), 1u);
}

// ---------------------------------------------------------------- stream

TEST_F(ServiceTest, EvaluateStreamMatchesUnaryEvaluate) {
  constexpr int kPerAccount = 500;
  onus::v1::Snapshot snap = MakeSnapshot(kPerAccount);

  grpc::ClientContext uctx;
  Bound(&uctx);
  onus::v1::EvaluateRequest ureq;
  *ureq.mutable_snapshot() = snap;
  onus::v1::EvaluateResponse uresp;
  ASSERT_TRUE(stub_->Evaluate(&uctx, ureq, &uresp).ok());

  grpc::ClientContext ctx;
  Bound(&ctx);
  auto stream = stub_->EvaluateStream(&ctx);
  // Reader thread: findings arrive while the client is still sending.
  std::vector<onus::v1::EvaluateStreamResponse> got;
  std::atomic<int> done_before_end{0};
  std::atomic<bool> writes_done{false};
  std::thread reader([&] {
    onus::v1::EvaluateStreamResponse m;
    while (stream->Read(&m)) {
      if (m.has_account_done() && !writes_done) ++done_before_end;
      got.push_back(m);
    }
  });
  onus::v1::EvaluateStreamRequest item;
  item.mutable_options()->set_detail(onus::v1::EvaluateOptions::NON_PASSING);
  auto* h = item.mutable_item()->mutable_header();
  h->set_id(snap.id());
  *h->mutable_collected_at() = snap.collected_at();
  *h->mutable_accounts() = snap.accounts();
  ASSERT_TRUE(stream->Write(item));
  item.clear_options();
  // Account 111 first, marked complete, then 222 (left to the end).
  for (const char* acct : {"111", "222"}) {
    uint64_t n = 0;
    for (const auto& r : snap.resources()) {
      if (r.account() != acct) continue;
      *item.mutable_item()->mutable_resource() = r;
      ASSERT_TRUE(stream->Write(item));
      ++n;
    }
    if (std::string(acct) == "111") {
      auto* ac = item.mutable_item()->mutable_account_complete();
      ac->set_account(acct);
      ac->set_provider(onus::v1::AWS);
      ac->set_resource_count(n);
      ASSERT_TRUE(stream->Write(item));
      // Account 111's results come back before the stream ends.
      absl::Time until = absl::Now() + absl::Seconds(20);
      while (done_before_end == 0 && absl::Now() < until) {
        absl::SleepFor(absl::Milliseconds(5));
      }
      EXPECT_EQ(done_before_end, 1);
    }
  }
  writes_done = true;
  stream->WritesDone();
  reader.join();
  grpc::Status s = stream->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();

  ASSERT_FALSE(got.empty());
  ASSERT_TRUE(got.back().has_summary());
  const auto& sum = got.back().summary();
  const auto& usum = uresp.report().summary();
  EXPECT_EQ(sum.totals().pass(), usum.totals().pass());
  EXPECT_EQ(sum.totals().fail(), usum.totals().fail());
  EXPECT_EQ(sum.resources_evaluated(), usum.resources_evaluated());
  int findings = 0;
  std::vector<std::string> accounts;
  for (const auto& m : got) {
    EXPECT_EQ(m.bundle().version(), 1u);
    if (m.has_finding()) ++findings;
    if (m.has_account_done()) accounts.push_back(m.account_done().account());
  }
  EXPECT_EQ(findings, uresp.report().findings_size());
  EXPECT_EQ(accounts, (std::vector<std::string>{"111", "222"}));
}

TEST_F(ServiceTest, EvaluateStreamBatchesItemsAndFindings) {
  onus::v1::Snapshot snap = MakeSnapshot(300);
  grpc::ClientContext uctx;
  Bound(&uctx);
  onus::v1::EvaluateRequest ureq;
  *ureq.mutable_snapshot() = snap;
  onus::v1::EvaluateResponse uresp;
  ASSERT_TRUE(stub_->Evaluate(&uctx, ureq, &uresp).ok());

  grpc::ClientContext ctx;
  Bound(&ctx);
  auto stream = stub_->EvaluateStream(&ctx);
  // The header in `item`, then resources 64 per message in `items`, each
  // account marked complete inside a batch.
  onus::v1::EvaluateStreamRequest req;
  req.mutable_options()->set_batch_findings(true);
  auto* h = req.mutable_item()->mutable_header();
  h->set_id(snap.id());
  *h->mutable_accounts() = snap.accounts();
  int messages = 0;
  for (const char* acct : {"111", "222"}) {
    uint64_t n = 0;
    for (const auto& r : snap.resources()) {
      if (r.account() != acct) continue;
      *req.add_items()->mutable_resource() = r;
      ++n;
      if (req.items_size() == 64) {
        ASSERT_TRUE(stream->Write(req));
        ++messages;
        req.Clear();
      }
    }
    auto* ac = req.add_items()->mutable_account_complete();
    ac->set_account(acct);
    ac->set_resource_count(n);
  }
  ASSERT_TRUE(stream->Write(req));
  ++messages;
  stream->WritesDone();
  EXPECT_LT(messages, snap.resources_size() / 32);
  onus::v1::EvaluateStreamResponse m;
  int findings = 0, batches = 0, singles = 0;
  std::vector<std::string> accounts;
  onus::v1::RunSummary sum;
  while (stream->Read(&m)) {
    if (m.has_findings()) {
      ++batches;
      findings += m.findings().findings_size();
      for (const auto& f : m.findings().findings()) {
        EXPECT_EQ(f.outcome(), onus::v1::FAIL);
      }
    }
    singles += m.has_finding();
    if (m.has_account_done()) accounts.push_back(m.account_done().account());
    if (m.has_summary()) sum = m.summary();
  }
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(singles, 0);
  EXPECT_EQ(batches, 2);  // one per account: both are far under 1 MiB
  EXPECT_EQ(findings, uresp.report().findings_size());
  EXPECT_GT(findings, 0);
  EXPECT_EQ(accounts, (std::vector<std::string>{"111", "222"}));
  EXPECT_EQ(sum.totals().pass(), uresp.report().summary().totals().pass());
  EXPECT_EQ(sum.totals().fail(), uresp.report().summary().totals().fail());
  EXPECT_EQ(sum.resources_evaluated(),
            uresp.report().summary().resources_evaluated());

  // Errors inside a batch name the item's position in the whole stream.
  grpc::ClientContext ectx;
  Bound(&ectx);
  auto bad = stub_->EvaluateStream(&ectx);
  onus::v1::EvaluateStreamRequest breq;
  *breq.mutable_item()->mutable_resource() = Bucket("111", 0, true);
  *breq.add_items()->mutable_resource() = Bucket("111", 1, true);
  breq.add_items()->mutable_resource()->set_id("no-type");
  bad->Write(breq);
  bad->WritesDone();
  while (bad->Read(&m)) {
  }
  grpc::Status s = bad->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("item 3 resource"));
}

// The server writes finding batches' bytes itself: every answer must be
// the bytes protobuf writes for the message they parse to.
TEST_F(ServiceTest, EvaluateStreamAnswerBytesAreProtobufsForTheSameMessage) {
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials());
  for (bool batch : {true, false}) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    grpc::internal::RpcMethod method("/onus.v1.Evaluator/EvaluateStream",
                                     grpc::internal::RpcMethod::BIDI_STREAMING);
    std::unique_ptr<grpc::ClientReaderWriter<onus::v1::EvaluateStreamRequest,
                                             grpc::ByteBuffer>>
        stream(grpc::internal::ClientReaderWriterFactory<
               onus::v1::EvaluateStreamRequest,
               grpc::ByteBuffer>::Create(channel.get(), method, &ctx));
    onus::v1::EvaluateStreamRequest req;
    req.mutable_options()->set_batch_findings(batch);
    const onus::v1::Snapshot snap = MakeSnapshot(30);
    for (const auto& r : snap.resources()) {
      *req.add_items()->mutable_resource() = r;
    }
    ASSERT_TRUE(stream->Write(req));
    stream->WritesDone();
    grpc::ByteBuffer answer;
    int messages = 0, findings = 0;
    while (stream->Read(&answer)) {
      std::vector<grpc::Slice> slices;
      ASSERT_TRUE(answer.Dump(&slices).ok());
      std::string bytes;
      for (const grpc::Slice& sl : slices) {
        bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
      }
      onus::v1::EvaluateStreamResponse m;
      ASSERT_TRUE(m.ParseFromString(bytes));
      EXPECT_EQ(m.SerializeAsString(), bytes) << messages;
      EXPECT_EQ(m.bundle().version(), 1u);
      findings += m.has_finding() + m.findings().findings_size();
      ++messages;
    }
    ASSERT_TRUE(stream->Finish().ok());
    // 10 unversioned buckets per account (no header: no account-level
    // policy runs).
    EXPECT_EQ(findings, 20) << batch;
    EXPECT_GT(messages, 2);
  }
}

TEST_F(ServiceTest, EvaluateStreamRejectsProtocolErrors) {
  auto run = [&](const std::vector<onus::v1::StreamItem>& items) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    auto stream = stub_->EvaluateStream(&ctx);
    onus::v1::EvaluateStreamRequest req;
    for (const auto& it : items) {
      *req.mutable_item() = it;
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
    onus::v1::EvaluateStreamResponse m;
    while (stream->Read(&m)) {
    }
    return stream->Finish();
  };
  onus::v1::StreamItem res, header, complete;
  *res.mutable_resource() = Bucket("111", 0, true);
  header.mutable_header()->set_id("s");
  complete.mutable_account_complete()->set_account("111");
  complete.mutable_account_complete()->set_resource_count(3);
  grpc::Status late_header = run({res, header});
  EXPECT_EQ(late_header.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(late_header.error_message(), HasSubstr("item 2"));
  grpc::Status miscount = run({res, complete});
  EXPECT_EQ(miscount.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(miscount.error_message(), HasSubstr("stream carried 1"));
  complete.mutable_account_complete()->set_resource_count(1);
  grpc::Status after = run({res, complete, res});
  EXPECT_EQ(after.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(after.error_message(), HasSubstr("already marked complete"));
  EXPECT_EQ(run({onus::v1::StreamItem()}).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // A header after an account was complete (even an empty one) is late.
  onus::v1::StreamItem empty_done;
  empty_done.mutable_account_complete()->set_account("999");
  grpc::Status header_after = run({empty_done, header});
  EXPECT_EQ(header_after.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(header_after.error_message(), HasSubstr("item 2"));
  EXPECT_TRUE(run({}).ok());
}

// The server keeps request resources as bytes and checks them itself
// (engine/service/resource_wire.h): bytes no Resource parser would accept,
// sent with the wire views of proto/onus/internal/service_wire.proto (a
// typed client cannot send them), are INVALID_ARGUMENT naming the item or
// the field, and the server goes on serving.
TEST_F(ServiceTest, MalformedResourceBytesAreInvalidArgumentNamingTheItem) {
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials());
  const std::string good = Bucket("111", 0, true).SerializeAsString();
  const std::string truncated = good.substr(0, good.size() - 3);
  std::string bad_utf8_account = good;
  bad_utf8_account += std::string("\x22\x02\xc3\x28", 4);  // account
  auto stream_status = [&](const std::vector<std::string>& resources) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    grpc::internal::RpcMethod method("/onus.v1.Evaluator/EvaluateStream",
                                     grpc::internal::RpcMethod::BIDI_STREAMING);
    std::unique_ptr<
        grpc::ClientReaderWriter<onus::internal::EvaluateStreamRequestWire,
                                 onus::v1::EvaluateStreamResponse>>
        stream(grpc::internal::ClientReaderWriterFactory<
               onus::internal::EvaluateStreamRequestWire,
               onus::v1::EvaluateStreamResponse>::Create(channel.get(), method,
                                                         &ctx));
    onus::internal::EvaluateStreamRequestWire req;
    req.mutable_item()->mutable_header()->set_id("s");
    for (const std::string& r : resources) req.add_items()->set_resource(r);
    stream->Write(req);
    stream->WritesDone();
    onus::v1::EvaluateStreamResponse m;
    while (stream->Read(&m)) {
    }
    return stream->Finish();
  };
  grpc::Status s = stream_status({good, good, truncated});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "item 4 resource: malformed protobuf (truncated or not an "
            "onus.v1.Resource)");
  s = stream_status({good, std::string("\xff\xff\xff\xff", 4)});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("item 3 resource: malformed"));
  s = stream_status({bad_utf8_account});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "item 2 resource: field `account`: not valid UTF-8");
  EXPECT_TRUE(stream_status({good, good}).ok());

  // Evaluate: inline resources and the snapshot's.
  auto unary_status = [&](const onus::internal::EvaluateRequestWire& req) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    grpc::internal::RpcMethod method("/onus.v1.Evaluator/Evaluate",
                                     grpc::internal::RpcMethod::NORMAL_RPC);
    onus::v1::EvaluateResponse resp;
    return grpc::internal::BlockingUnaryCall<
        onus::internal::EvaluateRequestWire, onus::v1::EvaluateResponse>(
        channel.get(), method, &ctx, req, &resp);
  };
  onus::internal::EvaluateRequestWire ureq;
  ureq.add_resources(good);
  ureq.add_resources(truncated);
  s = unary_status(ureq);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("resources[1]: malformed"));
  ureq.Clear();
  ureq.mutable_snapshot()->add_resources(bad_utf8_account);
  s = unary_status(ureq);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "snapshot.resources[0]: field `account`: not valid UTF-8");
  ureq.Clear();
  ureq.add_resources(good);
  EXPECT_TRUE(unary_status(ureq).ok());
}

// ---------------------------------------------------------------- reload

TEST(HotReload, EvaluationsUnderRepeatedLoadsSeeOneBundleEach) {
  ServerOptions o = LoopbackOptions();
  constexpr char kAdmin[] = "admin-token-reload-0123";
  auto t = TokenTable::Parse(absl::StrCat(kAdmin, " admin\n"), "t");
  ASSERT_TRUE(t.ok());
  o.tokens = std::make_shared<TokenTable>(*std::move(t));
  // Bundle A: package aws.s3 (2 policies + account). Bundle B: one policy
  // in package b. A response's findings must all come from its bundle.
  std::string b_src = absl::StrReplaceAll(
      std::string(kS3Policies)
          .substr(0, std::string(kS3Policies).find("policy named")),
      {{"package aws.s3;", "package b;"}});
  auto server = StartOrDie(o);
  ASSERT_NE(server, nullptr);
  std::string digest_a;
  {
    auto stub = Connect(server->port());
    grpc::ClientContext ctx;
    Bound(&ctx);
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
    onus::v1::GetInfoResponse info;
    ASSERT_TRUE(stub->GetInfo(&ctx, {}, &info).ok());
    digest_a = info.bundle().digest();
  }
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failures{0}, mismatches{0};
  std::mutex mu;
  std::map<uint64_t, std::string> version_digest;
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&] {
      auto stub = Connect(server->port());
      while (!stop) {
        grpc::ClientContext ctx;
        Bound(&ctx);
        ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
        onus::v1::EvaluateRequest req;
        *req.mutable_snapshot() = MakeSnapshot(30);
        req.mutable_options()->set_detail(onus::v1::EvaluateOptions::ALL);
        onus::v1::EvaluateResponse resp;
        grpc::Status s = stub->Evaluate(&ctx, req, &resp);
        ++calls;
        if (!s.ok()) {
          ++failures;
          continue;
        }
        bool is_a = resp.bundle().digest() == digest_a;
        const char* prefix = is_a ? "aws." : "b.";
        for (const auto& f : resp.report().findings()) {
          if (!absl::StartsWith(f.policy_id(), prefix)) ++mismatches;
        }
        if (resp.report().summary().policies() != (is_a ? 3u : 1u)) {
          ++mismatches;
        }
        std::lock_guard<std::mutex> lock(mu);
        auto [it, fresh] = version_digest.emplace(resp.bundle().version(),
                                                  resp.bundle().digest());
        if (!fresh && it->second != resp.bundle().digest()) ++mismatches;
      }
    });
  }
  auto admin = Connect(server->port());
  constexpr int kLoads = 20;
  for (int i = 0; i < kLoads; ++i) {
    grpc::ClientContext ctx;
    Bound(&ctx);
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
    onus::v1::LoadBundleRequest req;
    if (i % 2 == 0) {
      req.add_sources()->set_name("b.onus");
      req.mutable_sources(0)->set_text(b_src);
    } else {
      for (const auto& [name, text] : DefaultSources()) {
        auto* s = req.add_sources();
        s->set_name(name);
        s->set_text(text);
      }
    }
    onus::v1::LoadBundleResponse resp;
    grpc::Status s = admin->LoadBundle(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.bundle().version(), static_cast<uint64_t>(i + 2));
    EXPECT_EQ(resp.bundle().digest() == digest_a, i % 2 == 1);
    absl::SleepFor(absl::Milliseconds(10));
  }
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_GT(calls, 0);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(version_digest.size(), 2u);
  EXPECT_EQ(server->bundle_version(), static_cast<uint64_t>(kLoads + 1));
}

}  // namespace
}  // namespace onus::engine::testing
