#include "lang/frontend.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lang/checker.h"
#include "lang/large_stack.h"
#include "testdata/checker_test.pb.h"

namespace onus::lang {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Loaded {
  absl::StatusOr<PolicySet> set;
  DiagnosticList diags;
  std::string Errors() const { return diags.Render(); }
  std::vector<std::string> Codes() const {
    std::vector<std::string> codes;
    for (const Diagnostic& d : diags.items()) codes.push_back(d.code);
    return codes;
  }
  const CheckedPolicy& Policy(const std::string& id) const {
    for (const CheckedPolicy& p : set->policies) {
      if (p.id == id) return p;
    }
    ADD_FAILURE() << "no policy " << id;
    static const CheckedPolicy* none = new CheckedPolicy();
    return *none;
  }
};

// `files`: the inputs, in order. `extra`: files only reachable by import.
std::unique_ptr<Loaded> Load(
    const std::vector<std::pair<std::string, std::string>>& files,
    std::map<std::string, std::string> extra = {}) {
  // Make sure the test schemas are in the generated pool.
  (void)onus::test::Bucket::descriptor();
  auto l = std::make_unique<Loaded>();
  FrontendOptions opts;
  opts.read_file =
      [extra](const std::string& path) -> absl::StatusOr<std::string> {
    auto it = extra.find(path);
    if (it == extra.end()) return absl::NotFoundError("no such file");
    return it->second;
  };
  l->set = LoadPolicySources(files, opts, l->diags);
  EXPECT_TRUE(l->set.ok()) << l->set.status();
  return l;
}

constexpr char kBucketPolicy[] = R"(package aws.s3;

const PUBLIC = ["AllUsers", "AuthenticatedUsers"];
fn is_public(g) = g.grantee in PUBLIC;
fn any_public(b) = b.grants.exists(g, is_public(g));

policy block_public {
  title = "S3 buckets block public access"
  severity = high
  resource = onus.test.Bucket as b
  when = !("public-website" in b.tags)
  require = b.public_access_block.block_public_acls && !any_public(b)
  message = "bucket {b.name} is public since {b.creation_date}"
}
)";

TEST(FrontendTest, ChecksAndInlines) {
  auto l = Load({{"policies/s3.onus", kBucketPolicy}});
  ASSERT_TRUE(l->diags.empty()) << l->Errors();
  ASSERT_EQ(l->set->policies.size(), 1u);
  const CheckedPolicy& p = l->Policy("aws.s3.block_public");
  EXPECT_TRUE(p.ok);
  EXPECT_EQ(p.resource, onus::test::Bucket::descriptor());
  EXPECT_EQ(p.container, "onus.test");
  EXPECT_FALSE(p.account_level);
  ASSERT_EQ(p.variables.size(), 2u);
  EXPECT_EQ(p.variables[0].first, "b");
  EXPECT_EQ(p.variables[1].first, "now");
  ASSERT_NE(p.when, nullptr);
  ASSERT_NE(p.require, nullptr);
  EXPECT_EQ(p.checked.TypeOf(p.when).ToString(), "bool");
  EXPECT_EQ(p.checked.result_type.ToString(), "bool");
  ASSERT_EQ(p.message_exprs.size(), 2u);
  EXPECT_EQ(p.checked.TypeOf(p.message_exprs[0]).ToString(), "string");
  EXPECT_EQ(p.checked.TypeOf(p.message_exprs[1]).ToString(),
            "google.protobuf.Timestamp");
  EXPECT_EQ(p.message_parts.size(), 3u);

  std::string dump = DumpChecked(*p.require, p.checked);
  // The helper and the constant are gone: inlined and typed.
  EXPECT_THAT(dump, Not(HasSubstr("any_public")));
  EXPECT_THAT(dump, Not(HasSubstr("PUBLIC")));
  EXPECT_THAT(dump, HasSubstr("\"AuthenticatedUsers\"~string"));
  EXPECT_THAT(dump, HasSubstr("@in()~bool^in_list"));
  EXPECT_THAT(dump, HasSubstr(".grantee~string^field(onus.test.Grant."
                              "grantee)"));
  // The helper's comprehension variable was renamed (no capture).
  EXPECT_THAT(dump, HasSubstr("comprehension(g#"));
  // Spans of same-file helpers stay where the helper was written.
  const std::string& text = p.source->text();
  EXPECT_EQ(p.source->Text(p.require->span),
            "b.public_access_block.block_public_acls && !any_public(b)");
  (void)text;
}

TEST(FrontendTest, HelperArgumentsAreNotCaptured) {
  auto l = Load({{"p.onus", R"(
fn has_grantee(b, name) = b.grants.exists(g, g.grantee == name);
policy p {
  resource = onus.test.Bucket as b
  require = b.grants.all(g, has_grantee(b, g.grantee))
}
)"}});
  ASSERT_TRUE(l->diags.empty()) << l->Errors();
  const CheckedPolicy& p = l->Policy("p");
  std::string dump = DumpChecked(*p.require, p.checked);
  // Outer g (the caller's) and inner g#N (the helper's) are distinct.
  EXPECT_THAT(dump, HasSubstr("comprehension(g; @result)"));
  EXPECT_THAT(dump, HasSubstr("comprehension(g#1; @result)"));
}

TEST(FrontendTest, ImportsPlainAndAliased) {
  std::map<std::string, std::string> extra = {
      {"lib/net.onus", R"(package lib;
const WORLD = ["0.0.0.0/0", "::/0"];
fn open_to_world(c) = c in WORLD;
)"},
      {"lib/names.onus", R"(fn prod(n) = n.startsWith("prod-");
)"},
  };
  auto l = Load({{"policies/p.onus", R"(
import "../lib/net.onus" as net;
import "../lib/names.onus";
policy p {
  resource = onus.test.Bucket as b
  require = !net.open_to_world(b.name) && prod(b.name) && size(net.WORLD) == 2
}
)"}},
                extra);
  ASSERT_TRUE(l->diags.empty()) << l->Errors();
  const CheckedPolicy& p = l->Policy("p");
  EXPECT_TRUE(p.ok);
  // Nodes from lib/net.onus carry the call site's span in p.onus and
  // remember where they were written.
  bool saw_origin = false;
  for (const SpanOrigin& o : p.origins) {
    if (o.source != nullptr) {
      saw_origin = true;
      EXPECT_THAT(o.source->name(),
                  ::testing::AnyOf("lib/net.onus", "lib/names.onus"));
    }
  }
  EXPECT_TRUE(saw_origin);
  EXPECT_EQ(l->set->files.size(), 3u);
}

TEST(FrontendTest, ErrorsInImportedHelperPointAtTheHelperOnce) {
  std::map<std::string, std::string> extra = {
      {"lib.onus", "fn named(b) = b.nme != \"\";\n"},
  };
  auto l = Load({{"p.onus", R"(import "lib.onus";
policy p {
  resource = onus.test.Bucket as b
  require = named(b) || named(b)
}
)"}},
                extra);
  // One error (not one per use) plus a note naming the policy.
  ASSERT_EQ(l->Codes(), (std::vector<std::string>{"E0102", "E0102"}))
      << l->Errors();
  EXPECT_EQ(l->diags.error_count(), 1);
  EXPECT_EQ(l->diags.items()[1].severity, Severity::kNote);
  EXPECT_THAT(l->Errors(), HasSubstr("p.onus:4:13: note[E0102]: in the helper "
                                     "used by `require` of policy `p`"));
  EXPECT_THAT(l->Errors(), HasSubstr("lib.onus:1:17: error[E0102]: unknown "
                                     "field `nme` on onus.test.Bucket"));
  EXPECT_THAT(l->Errors(), HasSubstr("did you mean `name`?"));
  EXPECT_FALSE(l->Policy("p").ok);
}

TEST(FrontendTest, ImportErrors) {
  auto missing = Load({{"p.onus", "import \"nope.onus\";\n"}});
  EXPECT_EQ(missing->Codes(), std::vector<std::string>{"E0113"});
  EXPECT_THAT(missing->Errors(), HasSubstr("p.onus:1:1: error[E0113]: cannot "
                                           "import `nope.onus`"));

  auto cycle = Load(
      {{"a.onus", "import \"b.onus\";\n"}},
      {{"b.onus", "import \"c.onus\";\n"}, {"c.onus", "import \"a.onus\";\n"}});
  ASSERT_EQ(cycle->Codes(), std::vector<std::string>{"E0114"})
      << cycle->Errors();
  EXPECT_THAT(cycle->Errors(),
              HasSubstr("import cycle: a.onus -> b.onus -> c.onus -> a.onus"));

  auto ambiguous =
      Load({{"p.onus", R"(import "x.onus";
import "y.onus";
policy p {
  resource = onus.test.Bucket as b
  require = f(b)
}
)"}},
           {{"x.onus", "fn f(b) = true;\n"}, {"y.onus", "fn f(b) = false;\n"}});
  EXPECT_EQ(ambiguous->Codes(), std::vector<std::string>{"E0118"});

  auto bad_alias = Load({{"p.onus", R"(import "x.onus" as x;
policy p {
  resource = onus.test.Bucket as b
  require = x.g(b)
}
)"}},
                        {{"x.onus", "fn f(b) = true;\n"}});
  EXPECT_EQ(bad_alias->Codes(), std::vector<std::string>{"E0101"});
  EXPECT_THAT(bad_alias->Errors(), HasSubstr("did you mean `f`?"));
}

TEST(FrontendTest, HelperCycles) {
  auto direct = Load({{"p.onus", R"(fn f(x) = f(x);
policy p {
  resource = onus.test.Bucket as b
  require = f(b)
}
)"}});
  ASSERT_EQ(direct->Codes(), std::vector<std::string>{"E0110"})
      << direct->Errors();
  EXPECT_THAT(direct->Errors(), HasSubstr("helper `f` refers to itself: "
                                          "f -> f"));

  auto mutual = Load({{"p.onus", R"(fn f(x) = g(x);
fn g(x) = h(x) || f(x);
fn h(x) = true;
policy p {
  resource = onus.test.Bucket as b
  require = f(b)
}
)"}});
  ASSERT_EQ(mutual->Codes(), std::vector<std::string>{"E0110"});
  EXPECT_THAT(mutual->Errors(), HasSubstr("f -> g -> f"));
  EXPECT_FALSE(mutual->Policy("p").ok);

  auto consts = Load({{"p.onus", R"(const A = B + 1;
const B = A;
policy p {
  resource = onus.test.Bucket as b
  require = A > 0
}
)"}});
  ASSERT_EQ(consts->Codes(), std::vector<std::string>{"E0110"});
  EXPECT_THAT(consts->Errors(), HasSubstr("constant `A` refers to itself: "
                                          "A -> B -> A"));
}

TEST(FrontendTest, InliningBudget) {
  // Each level doubles the tree: 2^20 nodes must hit the size limit
  // instead of exhausting memory.
  std::string text = "fn f0(x) = x + 1;\n";
  for (int i = 1; i <= 20; ++i) {
    text += "fn f" + std::to_string(i) + "(x) = f" + std::to_string(i - 1) +
            "(x) + f" + std::to_string(i - 1) + "(x);\n";
  }
  text +=
      "policy p {\n  resource = onus.test.Bucket as b\n  require = f20(1) > "
      "0\n}\n";
  auto l = Load({{"p.onus", text}});
  ASSERT_FALSE(l->Codes().empty());
  EXPECT_EQ(l->Codes()[0], "E0112");
}

// The longest NegationChain within FrontendOptions::max_depth (1000): two
// levels per helper (the `!` and the inlined call).
constexpr int kDeepestChain = 498;

// Runs `fn` on a thread with a 256 KiB stack, smaller than any common
// default: the front end must not depend on its caller's stack.
void OnSmallStack(absl::FunctionRef<void()> fn) {
  ASSERT_TRUE(RunWithStack(256 * 1024, fn));
}

// f0 -> f1 -> ... -> f{n-1}, each body `!f{i+1}(x)` around the next: the
// inlined expression nests about as deep as the chain is long.
std::string NegationChain(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    text += "fn f" + std::to_string(i) + "(x) = !f" + std::to_string(i + 1) +
            "(x);\n";
  }
  text += "fn f" + std::to_string(n) + "(x) = x;\n";
  text +=
      "policy p {\n  resource = onus.test.Bucket as b\n  require = "
      "f0(b.name == '')\n}\n";
  return text;
}

TEST(FrontendTest, DeepHelperChainHitsTheDepthLimit) {
  // Inlining and checking recurse per level; they run on a stack of their
  // own (large_stack.h), so a caller's small stack is enough.
  OnSmallStack([] {
    auto l = Load({{"p.onus", NegationChain(2000)}});
    ASSERT_EQ(l->Codes(), std::vector<std::string>{"E0111"}) << l->Errors();
    EXPECT_FALSE(l->Policy("p").ok);
  });
}

TEST(FrontendTest, ChainJustUnderTheDepthLimitIsChecked) {
  OnSmallStack([] {
    auto l = Load({{"p.onus", NegationChain(kDeepestChain)}});
    EXPECT_TRUE(l->Codes().empty()) << l->Errors();
    EXPECT_TRUE(l->Policy("p").ok);
  });
}

TEST(FrontendTest, LoadsDirectoriesFromDisk) {
  namespace fs = std::filesystem;
  fs::path root = fs::path(::testing::TempDir()) / "frontend_disk";
  fs::remove_all(root);
  fs::create_directories(root / "policies" / "s3");
  fs::create_directories(root / "lib");
  auto write = [](const fs::path& p, const std::string& text) {
    std::ofstream(p) << text;
  };
  write(root / "lib" / "names.onus", "fn prod(n) = n.startsWith('prod-');\n");
  write(root / "policies" / "s3" / "b.onus",
        "package s3;\nimport \"../../lib/names.onus\";\npolicy named {\n"
        "  resource = onus.test.Bucket as b\n  require = prod(b.name)\n}\n");
  write(root / "policies" / "a.onus",
        "package top;\npolicy acct {\n  resource = onus.test.Account as a\n"
        "  require = a.id != ''\n}\n");
  write(root / "policies" / "notes.txt", "not a policy");
  (void)onus::test::Bucket::descriptor();
  DiagnosticList diags;
  absl::StatusOr<PolicySet> set =
      LoadPolicyFiles({(root / "policies").string()}, FrontendOptions(), diags);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_TRUE(diags.empty()) << diags.Render();
  ASSERT_EQ(set->policies.size(), 2u);
  // Sorted file order: policies/a.onus before policies/s3/b.onus.
  EXPECT_EQ(set->policies[0].id, "top.acct");
  EXPECT_TRUE(set->policies[0].account_level);
  EXPECT_EQ(set->policies[1].id, "s3.named");
  EXPECT_TRUE(set->policies[1].ok);
  EXPECT_EQ(set->files.size(), 3u);  // two inputs and one import

  absl::StatusOr<PolicySet> missing = LoadPolicyFiles(
      {(root / "nope.onus").string()}, FrontendOptions(), diags);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);

  // A directory without .onus files (a wrong path) is an error naming it,
  // not an empty policy set that passes every check.
  fs::create_directories(root / "empty" / "sub");
  write(root / "empty" / "sub" / "README.txt", "no policies here");
  absl::StatusOr<PolicySet> empty =
      LoadPolicyFiles({(root / "policies").string(), (root / "empty").string()},
                      FrontendOptions(), diags);
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      empty.status().message(),
      (root / "empty").string() + ": no .onus policy files in this directory");
}

TEST(FrontendTest, PolicyLevelErrors) {
  auto arity = Load({{"p.onus", R"(fn f(a, b) = a == b;
policy p {
  resource = onus.test.Bucket as b
  require = f(b.name)
}
)"}});
  EXPECT_EQ(arity->Codes(), std::vector<std::string>{"E0116"});
  EXPECT_THAT(arity->Errors(), HasSubstr("helper `f` takes 2 arguments, got "
                                         "1"));

  auto unknown = Load({{"p.onus", R"(policy p {
  resource = onus.test.Bukcet as b
  require = b.name != ""
}
)"}});
  EXPECT_EQ(unknown->Codes(), std::vector<std::string>{"E0115"});
  EXPECT_THAT(unknown->Errors(), HasSubstr("unknown resource type "
                                           "`onus.test.Bukcet`"));
  EXPECT_THAT(unknown->Errors(), HasSubstr("did you mean `onus.test.Bucket`?"));

  auto dup = Load({{"a.onus", R"(package x;
policy p {
  resource = onus.test.Bucket as b
  require = true
}
)"},
                   {"b.onus", R"(package x;
policy p {
  resource = onus.test.Bucket as b
  require = false
}
)"}});
  EXPECT_EQ(dup->Codes(), std::vector<std::string>{"E0117"});
  EXPECT_THAT(dup->Errors(), HasSubstr("first declared at a.onus:2:8"));

  auto not_bool = Load({{"p.onus", R"(policy p {
  resource = onus.test.Bucket as b
  require = b.name
}
)"}});
  EXPECT_EQ(not_bool->Codes(), std::vector<std::string>{"E0104"});
  EXPECT_THAT(not_bool->Errors(), HasSubstr("`require` must be bool, got "
                                            "string"));
}

// A `{…}` the parser cannot read leaves a null slot in the message; the
// policy must not count as checked, or the compiler would meet the null.
TEST(FrontendTest, UnreadableMessageExpressionFailsThePolicy) {
  auto l = Load({{"p.onus", R"(policy p {
  resource = onus.test.Bucket as b
  require = b.name != ""
  message = "bucket {b.name +} is bad"
}
)"}});
  EXPECT_THAT(l->Errors(), HasSubstr("p.onus:4:"));
  ASSERT_EQ(l->set->policies.size(), 1u);
  const CheckedPolicy& p = l->Policy("p");
  ASSERT_EQ(p.message_exprs.size(), 1u);
  EXPECT_EQ(p.message_exprs[0], nullptr);
  EXPECT_FALSE(p.ok);
}

TEST(FrontendTest, AccountLevelAndPolicyBuiltins) {
  auto l = Load({{"p.onus", R"(policy grants_everywhere {
  resource = onus.test.Account as acct
  require = resources(Bucket).all(bk, bk.name.startsWith(acct.id)) &&
            lookup(Bucket, acct.id).name != "" &&
            now > timestamp("2020-01-01T00:00:00Z")
}
)"}});
  ASSERT_TRUE(l->diags.empty()) << l->Errors();
  const CheckedPolicy& p = l->Policy("grants_everywhere");
  EXPECT_TRUE(p.account_level);
  EXPECT_TRUE(p.ok);
  EXPECT_THAT(DumpChecked(*p.require, p.checked),
              HasSubstr("resources()~list(onus.test.Bucket)^resources"));
}

}  // namespace
}  // namespace onus::lang
