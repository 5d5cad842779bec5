#include <algorithm>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lang/ast_dump.h"
#include "lang/parser.h"

namespace onus::lang {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The example from docs/language.md, verbatim.
constexpr char kExample[] = R"onus(// policies/aws/s3/public_access.onus
package aws.s3;

// Constants and helper functions are inlined at compile time.
// Helpers may call other helpers but never themselves (no recursion).
const ADMIN_PORTS = [22, 3389];
fn open_to_world(cidr) = cidr in ["0.0.0.0/0", "::/0"];

policy s3_block_public_access {
  title       = "S3 buckets block all public access"
  severity    = high                      // info | low | medium | high | critical
  owner       = customer                  // customer | provider | shared
  service     = [iaas, paas]              // which service models the duty applies to
  domain      = data_protection           // identity | data_protection | network |
                                          // logging | vulnerability | resilience | incident_response
  frameworks  = ["cis-aws-7.0:3.1.4", "pci-dss-4.0:1.4.1", "iso27001-2022:A.8.3"]
  resource    = onus.aws.s3.Bucket as b   // typed: field paths are checked
  when        = !("public-website" in b.tags)       // applicability; false => NOT_APPLICABLE
  require     = b.public_access_block.block_public_acls
             && b.public_access_block.ignore_public_acls
             && b.public_access_block.block_public_policy
             && b.public_access_block.restrict_public_buckets
  message     = "bucket {b.name} does not block public access"
  remediation = "Turn on all four S3 Block Public Access settings for the bucket."
}

policy sg_no_admin_ports_from_world {
  title    = "Security groups do not open SSH/RDP to the internet"
  severity = critical
  owner    = customer
  service  = [iaas]
  domain   = network
  resource = onus.aws.ec2.SecurityGroup as sg
  require  = !sg.ip_permissions.exists(p,
                p.ip_ranges.exists(r, open_to_world(r.cidr_ip)) &&
                ADMIN_PORTS.exists(port, p.from_port <= port && port <= p.to_port))
  message  = "{sg.group_id} opens an admin port to the world"
}

// Account-level duties see the whole snapshot of their account.
policy cloudtrail_multi_region {
  title    = "A multi-region CloudTrail trail is logging"
  severity = high
  owner    = customer
  service  = [iaas, paas, saas]
  domain   = logging
  resource = onus.aws.Account as acct
  require  = resources(onus.aws.cloudtrail.Trail).exists(t,
               t.is_multi_region_trail && t.status.is_logging)
}
)onus";

TEST(PolicyParserTest, ParsesTheLanguageExample) {
  Source src("public_access.onus", kExample);
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_TRUE(diags.empty()) << diags.Render();
  EXPECT_EQ(file->package, "aws.s3");
  EXPECT_EQ(src.Text(file->package_span), "aws.s3");
  ASSERT_EQ(file->consts.size(), 1u);
  EXPECT_EQ(file->consts[0].name, "ADMIN_PORTS");
  EXPECT_EQ(DumpExpr(*file->consts[0].value), "list(22, 3389)");
  ASSERT_EQ(file->fns.size(), 1u);
  EXPECT_EQ(file->fns[0].name, "open_to_world");
  EXPECT_THAT(file->fns[0].params, ElementsAre("cidr"));
  EXPECT_EQ(DumpExpr(*file->fns[0].body),
            "@in(ident(cidr), list(\"0.0.0.0/0\", \"::/0\"))");
  ASSERT_EQ(file->policies.size(), 3u);

  const PolicyDecl& p = file->policies[0];
  EXPECT_EQ(p.name, "s3_block_public_access");
  EXPECT_EQ(p.title, "S3 buckets block all public access");
  EXPECT_EQ(p.severity, PolicySeverity::kHigh);
  EXPECT_EQ(p.owner, Owner::kCustomer);
  EXPECT_THAT(p.service_models, ElementsAre("iaas", "paas"));
  EXPECT_EQ(p.domain, "data_protection");
  EXPECT_THAT(p.frameworks,
              ElementsAre("cis-aws-7.0:3.1.4", "pci-dss-4.0:1.4.1",
                          "iso27001-2022:A.8.3"));
  EXPECT_EQ(p.resource_type, "onus.aws.s3.Bucket");
  EXPECT_EQ(p.resource_var, "b");
  EXPECT_EQ(src.Text(p.resource_var_span), "b");
  ASSERT_NE(p.when, nullptr);
  EXPECT_EQ(DumpExpr(*p.when),
            "!_(@in(\"public-website\", select(ident(b), tags)))");
  ASSERT_NE(p.require, nullptr);
  EXPECT_EQ(Unparse(*p.require, *file->ast),
            "b.public_access_block.block_public_acls && "
            "b.public_access_block.ignore_public_acls && "
            "b.public_access_block.block_public_policy && "
            "b.public_access_block.restrict_public_buckets");
  ASSERT_TRUE(p.has_message);
  EXPECT_THAT(p.message.parts,
              ElementsAre("bucket ", " does not block public access"));
  ASSERT_EQ(p.message.exprs.size(), 1u);
  EXPECT_EQ(src.Text(p.message.exprs[0]->span), "b.name");
  EXPECT_EQ(p.remediation,
            "Turn on all four S3 Block Public Access settings for the bucket.");
  std::vector<std::string> keys;
  for (const PolicyField& f : p.fields) keys.push_back(f.key);
  EXPECT_THAT(keys, ElementsAre("title", "severity", "owner", "service",
                                "domain", "frameworks", "resource", "when",
                                "require", "message", "remediation"));
  EXPECT_EQ(src.Text(p.fields[1].span), "severity    = high");

  const PolicyDecl& q = file->policies[1];
  EXPECT_EQ(q.severity, PolicySeverity::kCritical);
  EXPECT_EQ(q.when, nullptr);
  EXPECT_EQ(Unparse(*q.require, *file->ast),
            "!sg.ip_permissions.exists(p, p.ip_ranges.exists(r, "
            "open_to_world(r.cidr_ip)) && ADMIN_PORTS.exists(port, "
            "p.from_port <= port && port <= p.to_port))");
  EXPECT_THAT(q.message.parts,
              ElementsAre("", " opens an admin port to the world"));

  const PolicyDecl& r = file->policies[2];
  EXPECT_EQ(r.resource_type, "onus.aws.Account");
  EXPECT_THAT(r.service_models, ElementsAre("iaas", "paas", "saas"));
  EXPECT_FALSE(r.has_message);
  EXPECT_EQ(Unparse(*r.require, *file->ast),
            "resources(onus.aws.cloudtrail.Trail).exists(t, "
            "t.is_multi_region_trail && t.status.is_logging)");

  // Comments are kept for the formatter.
  ASSERT_GE(file->comments.size(), 10u);
  EXPECT_EQ(file->comments[0].second, "// policies/aws/s3/public_access.onus");
  EXPECT_EQ(src.Text(file->comments[0].first), file->comments[0].second);
}

std::string Rendered(const std::string& text);
std::string InPolicy(const std::string& fields);

TEST(PolicyParserTest, DumpPolicyFile) {
  Source src("t.onus",
             "package x.y;\n"
             "import 'a.onus' as a;\n"
             "const K = 1;\n"
             "fn f(p) = p + K;\n"
             "policy q {\n"
             "  title = 'T'\n"
             "  severity = low\n"
             "  owner = provider\n"
             "  service = paas\n"
             "  domain = identity\n"
             "  frameworks = ['f:1', 'g:2']\n"
             "  resource = a.B as b\n"
             "  when = b.on\n"
             "  require = f(b.n) > 1\n"
             "  message = 'n={b.n}!'\n"
             "  remediation = 'fix'\n"
             "}\n");
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_TRUE(diags.empty()) << diags.Render();
  EXPECT_EQ(DumpPolicyFile(*file),
            "package x.y\n"
            "import \"a.onus\" as a\n"
            "const K = 1\n"
            "fn f(p) = _+_(ident(p), ident(K))\n"
            "policy q\n"
            "  title: \"T\"\n"
            "  severity: low\n"
            "  owner: provider\n"
            "  service: [paas]\n"
            "  domain: identity\n"
            "  frameworks: [\"f:1\", \"g:2\"]\n"
            "  resource: a.B as b\n"
            "  when: select(ident(b), on)\n"
            "  require: _>_(f(select(ident(b), n)), 1)\n"
            "  message: \"n=\" {select(ident(b), n)} \"!\"\n"
            "  remediation: \"fix\"\n");
}

TEST(PolicyParserTest, DeepNestingInAPolicyStopsWithE0006) {
  std::string deep(5000, '(');
  EXPECT_THAT(Rendered("const A = " + deep + ";\n"), HasSubstr("E0006"));
}

TEST(PolicyParserTest, ErrorBudgetApplies) {
  std::string text;
  for (int i = 0; i < 50; ++i) absl::StrAppend(&text, "const A", i, " = );\n");
  ParserOptions opts;
  opts.max_errors = 5;
  Source src("t.onus", text);
  DiagnosticList diags;
  ParsePolicyFile(src, diags, opts);
  EXPECT_LE(diags.error_count(), 6);
  EXPECT_THAT(diags.Render(), HasSubstr("too many errors"));
}

TEST(PolicyParserTest, RenderedErrorHasCaretAndHelp) {
  std::string r = Rendered(InPolicy("  severity = hgh\n"));
  EXPECT_THAT(r, HasSubstr("t.onus:4:14: error[E0023]: `hgh` is not a valid "
                           "severity (one of info, low, medium, high, "
                           "critical)"));
  EXPECT_THAT(r, HasSubstr("|              ^~~"));
}

// "CODE@line:col" for every diagnostic.
std::string Codes(const std::string& text) {
  Source src("t.onus", text);
  DiagnosticList diags;
  ParsePolicyFile(src, diags);
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) {
    Location loc = src.LocationOf(d.span.begin);
    out.push_back(absl::StrCat(d.code, "@", loc.line, ":", loc.column));
  }
  return absl::StrJoin(out, " ");
}

std::string Rendered(const std::string& text) {
  Source src("t.onus", text);
  DiagnosticList diags;
  ParsePolicyFile(src, diags);
  return diags.Render();
}

constexpr char kMinimal[] =
    "policy p {\n"
    "  resource = a.B as b\n"
    "  require = b.x\n"
    "}\n";

TEST(PolicyParserTest, MinimalPolicyAndDefaults) {
  Source src("t.onus", kMinimal);
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_TRUE(diags.empty()) << diags.Render();
  ASSERT_EQ(file->policies.size(), 1u);
  EXPECT_EQ(file->package, "");
  EXPECT_EQ(file->policies[0].severity, PolicySeverity::kMedium);
  EXPECT_EQ(DumpExpr(*file->policies[0].require), "select(ident(b), x)");
}

TEST(PolicyParserTest, ImportsAndDeclarations) {
  Source src("t.onus",
             "package a.b;\n"
             "import \"lib/common.onus\";\n"
             "import 'lib/net.onus' as net;\n"
             "const X = 1 + 2;\n"
             "fn f() = X;\n"
             "fn g(a, b) = a + b;\n");
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_TRUE(diags.empty()) << diags.Render();
  ASSERT_EQ(file->imports.size(), 2u);
  EXPECT_EQ(file->imports[0].path, "lib/common.onus");
  EXPECT_EQ(file->imports[0].alias, "");
  EXPECT_EQ(file->imports[1].path, "lib/net.onus");
  EXPECT_EQ(file->imports[1].alias, "net");
  ASSERT_EQ(file->fns.size(), 2u);
  EXPECT_TRUE(file->fns[0].params.empty());
  EXPECT_THAT(file->fns[1].params, ElementsAre("a", "b"));
  EXPECT_EQ(src.Text(file->fns[1].param_spans[1]), "b");
  EXPECT_EQ(src.Text(file->fns[1].span), "fn g(a, b) = a + b;");
}

TEST(PolicyParserTest, ExpressionsEndAtTheNextKeyWhateverTheLayout) {
  Source src("t.onus",
             "policy p { resource = a.B as b when = b.x ||\n"
             "  b.y require = b.z\n"
             "    && size(b.list) > 0 message = 'n={size(b.list)}' }\n");
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_TRUE(diags.empty()) << diags.Render();
  const PolicyDecl& p = file->policies[0];
  EXPECT_EQ(Unparse(*p.when, *file->ast), "b.x || b.y");
  EXPECT_EQ(Unparse(*p.require, *file->ast), "b.z && size(b.list) > 0");
  EXPECT_EQ(Unparse(*p.message.exprs[0], *file->ast), "size(b.list)");
}

TEST(PolicyParserTest, MessageInterpolation) {
  Source src("t.onus",
             "policy p {\n"
             "  resource = a.B as b\n"
             "  require = true\n"
             "  message = \"{{literal}} {b.tags['k']} and {{x}}: {{{b.n}}}\\n{ "
             "{1: 2}[1] }\"\n"
             "}\n");
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_TRUE(diags.empty()) << diags.Render();
  const Interpolation& m = file->policies[0].message;
  EXPECT_THAT(m.parts, ElementsAre("{literal} ", " and {x}: {", "}\n", ""));
  ASSERT_EQ(m.exprs.size(), 3u);
  EXPECT_EQ(DumpExpr(*m.exprs[0]), "_[_](select(ident(b), tags), \"k\")");
  EXPECT_EQ(DumpExpr(*m.exprs[1]), "select(ident(b), n)");
  EXPECT_EQ(DumpExpr(*m.exprs[2]), "_[_](map(1: 2), 1)");
}

TEST(PolicyParserTest, TripleQuotedAndRawStrings) {
  Source src("t.onus",
             "policy p {\n"
             "  description = '''Line one\n"
             "line two'''\n"
             "  remediation = r\"C:\\path\"\n"
             "  resource = a.B as b\n"
             "  require = true\n"
             "  message = r'{b.x}\\n'\n"
             "}\n");
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_TRUE(diags.empty()) << diags.Render();
  EXPECT_EQ(file->policies[0].description, "Line one\nline two");
  EXPECT_EQ(file->policies[0].remediation, "C:\\path");
  EXPECT_THAT(file->policies[0].message.parts, ElementsAre("", "\\n"));
}

TEST(PolicyParserTest, SingleServiceWordAndFramework) {
  Source src("t.onus",
             "policy p { service = saas frameworks = \"nist\" resource = a.B "
             "as b require = true }");
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags);
  ASSERT_TRUE(diags.empty()) << diags.Render();
  EXPECT_THAT(file->policies[0].service_models, ElementsAre("saas"));
  EXPECT_THAT(file->policies[0].frameworks, ElementsAre("nist"));
}

struct ErrCase {
  const char* name;
  std::string text;
  const char* codes;
};

class PolicyErrorTest : public ::testing::TestWithParam<ErrCase> {};

TEST_P(PolicyErrorTest, Codes) {
  EXPECT_EQ(Codes(GetParam().text), GetParam().codes)
      << GetParam().text << "\n"
      << Rendered(GetParam().text);
}

std::string InPolicy(const std::string& fields) {
  return "policy p {\n  resource = a.B as b\n  require = b.x\n" + fields +
         "}\n";
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PolicyErrorTest,
    ::testing::Values(
        ErrCase{"UnknownKey", InPolicy("  severty = high\n"), "E0020@4:3"},
        ErrCase{"DuplicateKey", InPolicy("  require = b.y\n"), "E0021@4:3"},
        ErrCase{"MissingRequire", "policy p {\n  resource = a.B as b\n}\n",
                "E0022@1:8"},
        ErrCase{"MissingResourceAndRequire", "policy p { }\n",
                "E0022@1:8 E0022@1:8"},
        ErrCase{"BadSeverity", InPolicy("  severity = hgh\n"), "E0023@4:14"},
        ErrCase{"BadOwner", InPolicy("  owner = me\n"), "E0023@4:11"},
        ErrCase{"BadService", InPolicy("  service = [iaas, pass]\n"),
                "E0023@4:20"},
        ErrCase{"BadDomain", InPolicy("  domain = netwrk\n"), "E0023@4:12"},
        ErrCase{"UnmatchedBrace", InPolicy("  message = 'a } b'\n"),
                "E0024@4:16"},
        ErrCase{"UnclosedBrace", InPolicy("  message = 'a {b.x'\n"),
                "E0024@4:16"},
        ErrCase{"EmptyBraces", InPolicy("  message = 'a {}'\n"), "E0024@4:16"},
        ErrCase{"BadMessageExpr", InPolicy("  message = 'a {b.}'\n"),
                "E0001@4:19"},
        ErrCase{"DuplicatePolicy", std::string(kMinimal) + kMinimal,
                "E0025@5:8"},
        ErrCase{"DuplicateConst", "const A = 1;\nconst A = 2;\n", "E0025@2:7"},
        ErrCase{"DuplicateParam", "fn f(a, a) = a;\n", "E0025@1:9"},
        ErrCase{"ReservedName", "const if = 1;\n", "E0005@1:7"},
        ErrCase{"ReservedInExpr", InPolicy("  when = var\n"), "E0005@4:10"},
        ErrCase{"TitleNotString", InPolicy("  title = high\n"), "E0001@4:11"},
        ErrCase{"BadEscapeInTitle", InPolicy("  title = 'a\\qb'\n"),
                "E0003@4:13"},
        ErrCase{"MissingOperator",
                "policy p {\n  resource = a.B as b\n  require = b.x b.y\n}\n",
                "E0001@3:17"},
        ErrCase{"MissingSemicolon", "const A = 1\nconst B = 2;\n", "E0001@2:1"},
        ErrCase{"ResourceWithoutAs",
                "policy p {\n  resource = a.B\n  require = true\n}\n",
                "E0001@3:3"},
        ErrCase{"UnclosedPolicy",
                "policy p {\n  resource = a.B as b\n  require = true\n",
                "E0001@4:1"},
        ErrCase{"GarbageAtTopLevel", "polcy p {}\nconst A = 1;\n", "E0001@1:1"},
        ErrCase{"UnterminatedString", InPolicy("  title = 'abc\n"),
                "E0002@4:11"},
        ErrCase{"UnterminatedComment", "const A = 1; /* never closed",
                "E0002@1:14"},
        ErrCase{"PackageAfterDecl", "const A = 1;\npackage x;\n", "E0025@2:1"},
        // Several independent errors are all reported, in order.
        ErrCase{"Several",
                "policy p {\n"
                "  severity = hihg\n"
                "  owner = nobody\n"
                "  require = a +\n"
                "  colour = 1\n"
                "}\n",
                "E0022@1:8 E0023@2:14 E0023@3:11 E0001@5:3 E0020@5:3"}),
    [](const ::testing::TestParamInfo<ErrCase>& info) {
      return std::string(info.param.name);
    });

TEST(PolicyParserTest, DidYouMeanInMessages) {
  EXPECT_THAT(Rendered(InPolicy("  severty = high\n")),
              HasSubstr("did you mean `severity`?"));
  EXPECT_THAT(Rendered(InPolicy("  severity = hgh\n")),
              HasSubstr("did you mean `high`?"));
  EXPECT_THAT(Rendered(InPolicy("  domain = netwrk\n")),
              HasSubstr("did you mean `network`?"));
  EXPECT_THAT(Rendered(InPolicy("  require = b.y\n")),
              HasSubstr("first set at line 3"));
  EXPECT_THAT(Rendered("polcy p {}\n"), HasSubstr("did you mean `policy`?"));
  EXPECT_THAT(Rendered("policy p {\n  resource = a.B as b\n"
                       "  require = b.x or b.y\n}\n"),
              HasSubstr("CEL writes `or` as `||`"));
}

TEST(PolicyParserTest, FileTooLarge) {
  ParserOptions opts;
  opts.max_source_bytes = 16;
  Source src("t.onus", kMinimal);
  DiagnosticList diags;
  auto file = ParsePolicyFile(src, diags, opts);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].code, "E0007");
  EXPECT_TRUE(file->policies.empty());
}

TEST(PolicyParserTest, HundredPoliciesParseQuickly) {
  std::string text = "package perf;\n";
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(
        &text, "policy p", i, " {\n  title = \"Policy number ", i,
        "\"\n  severity = high\n  owner = customer\n  service = [iaas]\n"
        "  domain = network\n  frameworks = [\"cis:1.2.3\"]\n"
        "  resource = onus.aws.ec2.SecurityGroup as sg\n"
        "  when = sg.vpc_id != \"\"\n"
        "  require = !sg.ip_permissions.exists(p, p.ip_ranges.exists(r, "
        "r.cidr_ip in [\"0.0.0.0/0\", \"::/0\"]) && [22, 3389].exists(port, "
        "p.from_port <= port && port <= p.to_port))\n"
        "  message = \"{sg.group_id} is open\"\n}\n");
  }
  Source src("perf.onus", text);
  // Best of a few runs, so a cold cache or a busy machine does not decide.
  absl::Duration best = absl::InfiniteDuration();
  for (int run = 0; run < 5; ++run) {
    auto start = absl::Now();
    DiagnosticList diags;
    auto file = ParsePolicyFile(src, diags);
    best = std::min(best, absl::Now() - start);
    ASSERT_TRUE(diags.empty()) << diags.Render();
    EXPECT_EQ(file->policies.size(), 100u);
  }
  // The compile budget for 100 policies is 20 ms in total; parsing must be
  // a small part of it.
#ifdef __SANITIZE_ADDRESS__
  // `make sanitize`: instrumented code runs several times slower. The bound
  // is the normal build's, which `make test` checks.
  constexpr int kSlowdown = 10;
#else
  constexpr int kSlowdown = 1;
#endif
  EXPECT_LT(best, absl::Milliseconds(10) * kSlowdown) << best;
  std::cerr << "100 policies (" << text.size() << " bytes) parsed in " << best
            << "\n";
}

}  // namespace
}  // namespace onus::lang
