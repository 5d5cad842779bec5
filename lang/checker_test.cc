#include "lang/checker.h"

#include <iostream>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lang/checker_internal.h"
#include "lang/parser.h"
#include "lang/stdlib_decls.h"
#include "testdata/checker_test.pb.h"

namespace onus::lang {
namespace {

using ::testing::HasSubstr;

struct Checked {
  std::unique_ptr<Source> src;
  ParsedExpr parsed;
  CheckedAst checked;
  DiagnosticList diags;
  std::string type;  // result type
  std::string Dump() const { return DumpChecked(*parsed.root, checked); }
  std::string Errors() const { return diags.Render(); }
};

CheckerEnv BucketEnv() {
  CheckerEnv env;
  env.variables = {
      {"b", Type::Message(onus::test::Bucket::descriptor())},
      {"now", Type::Timestamp()},
      {"x", Type::Dyn()},
      {"request.auth", Type::Map(Type::String(), Type::String())},
  };
  return env;
}

std::unique_ptr<Checked> CheckText(const std::string& text,
                                   const CheckerEnv& env = BucketEnv()) {
  auto c = std::make_unique<Checked>();
  c->src = std::make_unique<Source>("expr.cel", text);
  c->parsed = ParseExpr(*c->src, c->diags);
  EXPECT_NE(c->parsed.root, nullptr) << c->diags.Render();
  if (c->parsed.root == nullptr) return c;
  absl::StatusOr<CheckedAst> r =
      Check(*c->parsed.ast, *c->parsed.root, *c->src, env, c->diags);
  EXPECT_TRUE(r.ok()) << r.status();
  if (r.ok()) {
    c->checked = std::move(r).value();
    c->type = c->checked.result_type.ToString();
  }
  return c;
}

// The result type of an expression that must check without diagnostics.
std::string TypeOf(const std::string& text,
                   const CheckerEnv& env = BucketEnv()) {
  auto c = CheckText(text, env);
  EXPECT_TRUE(c->diags.empty()) << text << "\n" << c->Errors();
  return c->type;
}

// The first diagnostic's code for an expression that must fail.
std::string ErrorCode(const std::string& text,
                      const CheckerEnv& env = BucketEnv()) {
  auto c = CheckText(text, env);
  EXPECT_TRUE(c->diags.has_errors()) << text << " typed as " << c->type;
  return c->diags.items().empty() ? "" : c->diags.items()[0].code;
}

TEST(TypesTest, ToString) {
  EXPECT_EQ(Type::List(Type::Int()).ToString(), "list(int)");
  EXPECT_EQ(Type::Map(Type::String(), Type::Dyn()).ToString(),
            "map(string, dyn)");
  EXPECT_EQ(Type::Message(onus::test::Bucket::descriptor()).ToString(),
            "onus.test.Bucket");
  EXPECT_EQ(Type::Wrapper(TypeKind::kInt).ToString(), "wrapper(int)");
  EXPECT_EQ(Type::Optional(Type::String()).ToString(), "optional_type(string)");
  EXPECT_EQ(Type::TypeOf(Type::Int()).ToString(), "type(int)");
  EXPECT_EQ(IpType().ToString(), "net.IP");
  EXPECT_NE(Type::List(Type::Int()), Type::List(Type::Uint()));
  EXPECT_EQ(Type::List(Type::Int()), Type::List(Type::Int()));
}

TEST(CheckerInternalTest, Candidates) {
  EXPECT_THAT(checker_internal::Candidates("a.b", "x.y"),
              ::testing::ElementsAre("a.b.x.y", "a.x.y", "x.y"));
  EXPECT_THAT(checker_internal::Candidates("a.b", ".x"),
              ::testing::ElementsAre("x"));
  EXPECT_THAT(checker_internal::Candidates("", "x"),
              ::testing::ElementsAre("x"));
}

TEST(CheckerInternalTest, UnificationBindsAndRejects) {
  checker_internal::Subs s;
  EXPECT_TRUE(checker_internal::Assignable(Type::List(Type::Param("A")),
                                           Type::List(Type::Int()), s));
  EXPECT_EQ(checker_internal::Substitute(Type::Param("A"), s, true),
            Type::Int());
  EXPECT_FALSE(
      checker_internal::Assignable(Type::Param("A"), Type::String(), s));
  // Occurs check: A cannot be list(A).
  checker_internal::Subs t;
  EXPECT_FALSE(checker_internal::Assignable(Type::Param("A"),
                                            Type::List(Type::Param("A")), t));
  checker_internal::Subs u;
  EXPECT_TRUE(checker_internal::Assignable(Type::Wrapper(TypeKind::kInt),
                                           Type::Null(), u));
  EXPECT_FALSE(checker_internal::Assignable(Type::Int(), Type::Null(), u));
}

TEST(CheckerTest, FieldPathsDump) {
  auto c = CheckText("b.public_access_block.block_public_acls && b.name != ''");
  ASSERT_TRUE(c->diags.empty()) << c->Errors();
  EXPECT_EQ(c->type, "bool");
  EXPECT_EQ(c->Dump(),
            "_&&_()~bool^logical_and\n"
            "  .block_public_acls~bool^field(onus.test.PublicAccessBlock."
            "block_public_acls)\n"
            "    .public_access_block~onus.test.PublicAccessBlock^field(onus."
            "test.Bucket.public_access_block)\n"
            "      b~onus.test.Bucket^var(b)\n"
            "  _!=_()~bool^not_equals\n"
            "    .name~string^field(onus.test.Bucket.name)\n"
            "      b~onus.test.Bucket^var(b)\n"
            "    \"\"~string\n");
}

TEST(CheckerTest, FieldTypeMapping) {
  EXPECT_EQ(TypeOf("b.tags"), "map(string, string)");
  EXPECT_EQ(TypeOf("b.grants"), "list(onus.test.Grant)");
  EXPECT_EQ(TypeOf("b.grants[0].grantee"), "string");
  EXPECT_EQ(TypeOf("b.creation_date"), "google.protobuf.Timestamp");
  EXPECT_EQ(TypeOf("b.retention"), "google.protobuf.Duration");
  EXPECT_EQ(TypeOf("b.object_count"), "wrapper(int)");
  EXPECT_EQ(TypeOf("b.extra"), "map(string, dyn)");
  EXPECT_EQ(TypeOf("b.any"), "dyn");
  EXPECT_EQ(TypeOf("b.value"), "dyn");
  EXPECT_EQ(TypeOf("b.list_value"), "list(dyn)");
  EXPECT_EQ(TypeOf("b.size_u"), "uint");
  EXPECT_EQ(TypeOf("b.f64"), "uint");
  EXPECT_EQ(TypeOf("b.s32"), "int");
  EXPECT_EQ(TypeOf("b.ratio"), "double");
  EXPECT_EQ(TypeOf("b.versioning"), "int");
  EXPECT_EQ(TypeOf("b.digest"), "bytes");
  EXPECT_EQ(TypeOf("b.grants_by_id[1].permission"), "string");
  EXPECT_EQ(TypeOf("b.extra.anything.goes"), "dyn");
  EXPECT_EQ(TypeOf("b.object_count == null"), "bool");
  EXPECT_EQ(TypeOf("b.object_count + 1"), "int");
}

TEST(CheckerTest, QualifiedNamesAndContainer) {
  auto c = CheckText("request.auth['sub']");
  ASSERT_TRUE(c->diags.empty()) << c->Errors();
  EXPECT_EQ(c->type, "string");
  EXPECT_THAT(c->Dump(), HasSubstr(".auth~map(string, string)^var("
                                   "request.auth)\n"));

  EXPECT_EQ(TypeOf("onus.test.Bucket.Versioning.ENABLED"), "int");
  auto e = CheckText("b.versioning == onus.test.Bucket.Versioning.SUSPENDED");
  EXPECT_THAT(e->Dump(),
              HasSubstr("^enum(onus.test.Bucket.Versioning.SUSPENDED=2)"));

  CheckerEnv env = BucketEnv();
  env.container = "onus.test";
  EXPECT_EQ(TypeOf("Bucket.Versioning.ENABLED", env), "int");
  EXPECT_EQ(TypeOf("Bucket{name: 'x'}.name", env), "string");
  EXPECT_EQ(TypeOf(".onus.test.Grant{grantee: 'a'}", env), "onus.test.Grant");
  EXPECT_EQ(TypeOf("type(b) == onus.test.Bucket"), "bool");
  EXPECT_EQ(TypeOf("int"), "type(int)");
  EXPECT_EQ(TypeOf("google.protobuf.Timestamp"),
            "type(google.protobuf.Timestamp)");
}

TEST(CheckerTest, Overloads) {
  EXPECT_EQ(TypeOf("1 + 2"), "int");
  EXPECT_EQ(TypeOf("1u + 2u"), "uint");
  EXPECT_EQ(TypeOf("1.5 * 2.0"), "double");
  EXPECT_EQ(TypeOf("'a' + 'b'"), "string");
  EXPECT_EQ(TypeOf("b'a' + b'b'"), "bytes");
  EXPECT_EQ(TypeOf("[1] + [2]"), "list(int)");
  EXPECT_EQ(TypeOf("now + duration('1h')"), "google.protobuf.Timestamp");
  EXPECT_EQ(TypeOf("now - b.creation_date"), "google.protobuf.Duration");
  EXPECT_EQ(TypeOf("now - b.creation_date > duration('2160h')"), "bool");
  EXPECT_EQ(TypeOf("1 == 1u"), "bool");
  EXPECT_EQ(TypeOf("1 in [1u, 2u]"), "bool");
  EXPECT_EQ(TypeOf("1.0 in {1: 'a'}"), "bool");
  EXPECT_EQ(TypeOf("1 < 1.5"), "bool");
  EXPECT_EQ(TypeOf("x + 1"), "int");
  EXPECT_EQ(TypeOf("x + x"), "dyn");
  EXPECT_EQ(TypeOf("x == 'a'"), "bool");
  EXPECT_EQ(TypeOf("size(b.tags) + b.name.size()"), "int");
  EXPECT_EQ(TypeOf("'a' in b.tags"), "bool");
  EXPECT_EQ(TypeOf("'eu-west-1' in b.regions"), "bool");
  EXPECT_EQ(TypeOf("b.tags['env']"), "string");
  EXPECT_EQ(TypeOf("true ? 1 : 2"), "int");
  EXPECT_EQ(TypeOf("int('1') + int(2.5) + int(now)"), "int");
  EXPECT_EQ(TypeOf("string(1) + string(b.digest)"), "string");
  EXPECT_EQ(TypeOf("dyn(1)"), "dyn");
  EXPECT_EQ(TypeOf("type(1)"), "type(int)");
  EXPECT_EQ(TypeOf("b.name.startsWith('a') && b.name.matches('^a+$')"), "bool");
  EXPECT_EQ(TypeOf("now.getFullYear() + now.getHours('Europe/Paris')"), "int");
  EXPECT_EQ(TypeOf("b.retention.getHours()"), "int");

  auto c = CheckText("1 + 'a'");
  ASSERT_EQ(c->diags.items().size(), 1u);
  EXPECT_EQ(c->diags.items()[0].code, "E0103");
  EXPECT_THAT(c->diags.items()[0].message,
              HasSubstr("no matching overload for `_+_` applied to (int, "
                        "string)"));
  // The help lists the closest overloads first.
  EXPECT_THAT(c->diags.items()[0].help,
              HasSubstr("expected one of: _+_(int, int);"));
  auto arity = CheckText("b.name.startsWith('a', 'b')");
  ASSERT_EQ(arity->diags.items().size(), 1u);
  EXPECT_EQ(arity->diags.items()[0].help,
            "no overload of `startsWith` takes 2 argument(s)");
  auto style = CheckText("b.name.isIP()");
  ASSERT_EQ(style->diags.items().size(), 1u);
  EXPECT_EQ(style->diags.items()[0].help,
            "`isIP` is a global function, not a method");
  EXPECT_EQ(ErrorCode("1 == 'a'"), "E0103");
  EXPECT_EQ(ErrorCode("true ? 1 : 'a'"), "E0103");
  EXPECT_EQ(ErrorCode("b.name.startsWith(1)"), "E0103");
  EXPECT_EQ(ErrorCode("1 + 2u"), "E0103");
}

TEST(CheckerTest, OverloadIdsRecorded) {
  auto c = CheckText("1 + 2");
  EXPECT_THAT(c->Dump(), HasSubstr("_+_()~int^add_int64\n"));
  auto d = CheckText("x + 1");
  EXPECT_THAT(d->Dump(), HasSubstr("^add_int64"));
  auto m = CheckText("x + x");
  // dyn operands leave several candidates for the runtime.
  EXPECT_THAT(m->Dump(), HasSubstr("add_int64|add_uint64|add_double"));
}

TEST(CheckerTest, Comprehensions) {
  EXPECT_EQ(TypeOf("b.grants.exists(g, g.permission == 'FULL_CONTROL')"),
            "bool");
  EXPECT_EQ(TypeOf("b.grants.all(g, g.grantee != '')"), "bool");
  EXPECT_EQ(TypeOf("b.grants.exists_one(g, g.grantee == 'x')"), "bool");
  EXPECT_EQ(TypeOf("b.grants.map(g, g.grantee)"), "list(string)");
  EXPECT_EQ(TypeOf("[1, 2, 3].map(i, i * 2)"), "list(int)");
  EXPECT_EQ(TypeOf("[1, 2, 3].filter(i, i > 1)"), "list(int)");
  EXPECT_EQ(TypeOf("b.tags.exists(k, k.startsWith('aws:'))"), "bool");
  EXPECT_EQ(TypeOf("b.tags.map(k, b.tags[k])"), "list(string)");
  EXPECT_EQ(TypeOf("x.exists(e, e.y == 1)"), "bool");
  EXPECT_EQ(TypeOf("[[1], [2]].map(l, l.map(i, i + 1))"), "list(list(int))");

  auto c = CheckText("b.grants.exists(g, g.permision == 'READ')");
  ASSERT_EQ(c->diags.items().size(), 1u) << c->Errors();
  EXPECT_EQ(c->diags.items()[0].code, "E0102");
  EXPECT_EQ(c->diags.items()[0].help, "did you mean `permission`?");

  EXPECT_EQ(ErrorCode("b.name.exists(c, c == 'a')"), "E0104");
  EXPECT_EQ(ErrorCode("b.grants.all(g, g.grantee)"), "E0103");
  // The iteration variable does not leak out of its comprehension.
  EXPECT_EQ(ErrorCode("b.grants.exists(g, true) && g.grantee == ''"), "E0101");
}

TEST(CheckerTest, Literals) {
  EXPECT_EQ(TypeOf("[1, 2]"), "list(int)");
  EXPECT_EQ(TypeOf("[1, 'a']"), "list(dyn)");
  EXPECT_EQ(TypeOf("[]"), "list(dyn)");
  EXPECT_EQ(TypeOf("{'a': 1}"), "map(string, int)");
  EXPECT_EQ(TypeOf("{'a': 1, 'b': 'c'}"), "map(string, dyn)");
  EXPECT_EQ(TypeOf("{}"), "map(dyn, dyn)");
  EXPECT_EQ(TypeOf("onus.test.Grant{grantee: 'a', permission: 'READ'}"),
            "onus.test.Grant");
  EXPECT_EQ(TypeOf("onus.test.Bucket{object_count: null}.name"), "string");
  EXPECT_EQ(TypeOf("google.protobuf.Int64Value{value: 1}"), "wrapper(int)");
  EXPECT_EQ(ErrorCode("{[1]: 2}"), "E0104");
  EXPECT_EQ(ErrorCode("onus.test.Grant{grantee: 1}"), "E0104");
  EXPECT_EQ(ErrorCode("onus.test.Grant{name: 'a'}"), "E0102");
  EXPECT_EQ(ErrorCode("onus.test.Nope{}"), "E0105");
  EXPECT_EQ(ErrorCode("onus.test.Bucket{name: null}"), "E0104");
}

TEST(CheckerTest, LiteralJoinsToMostGeneral) {
  EXPECT_EQ(TypeOf("[b.size_u, dyn(1u)]"), "list(dyn)");
  EXPECT_EQ(TypeOf("[b.s32, b.object_count]"), "list(wrapper(int))");
  EXPECT_EQ(TypeOf("[optional.of(1), optional.of(dyn(1))]"),
            "list(optional_type(dyn))");
  EXPECT_EQ(TypeOf("[optional.of(1), null][0]"), "optional_type(int)");
  EXPECT_EQ(TypeOf("[[], [1]]"), "list(list(int))");
  EXPECT_EQ(TypeOf("{'a': b.s32, 'b': b.object_count}"),
            "map(string, wrapper(int))");
}

TEST(CheckerTest, OptionalChainingAndTypes) {
  EXPECT_EQ(TypeOf("optional.of(b).public_access_block.block_public_acls"),
            "optional_type(bool)");
  EXPECT_EQ(TypeOf("b.tags[?'a'].orValue('').size()"), "int");
  EXPECT_EQ(TypeOf("has(optional.of(b).name)"), "bool");
  EXPECT_EQ(TypeOf("{'x': {'y': 'z'}}.?x.y.orValue('')"), "string");
  EXPECT_EQ(TypeOf("type(optional.none()) == optional_type"), "bool");
  EXPECT_EQ(TypeOf("type(1) == type(1u)"), "bool");
  EXPECT_EQ(TypeOf("{'a': 1}.transformMap(k, v, v + 1)"), "map(string, int)");
  EXPECT_EQ(TypeOf("google.protobuf.Value{null_value: "
                   "google.protobuf.NullValue.NULL_VALUE}"),
            "dyn");
}

TEST(CheckerTest, HasMacro) {
  EXPECT_EQ(TypeOf("has(b.public_access_block)"), "bool");
  EXPECT_EQ(TypeOf("has(b.tags.env)"), "bool");
  EXPECT_EQ(TypeOf("has(x.y)"), "bool");
  EXPECT_EQ(ErrorCode("has(b.name.size)"), "E0106");
  EXPECT_EQ(ErrorCode("has(b.nme)"), "E0102");
}

TEST(CheckerTest, Extensions) {
  EXPECT_EQ(TypeOf("b.name.lowerAscii().split('-').join(',')"), "string");
  EXPECT_EQ(TypeOf("b.name.split('-', 2)"), "list(string)");
  EXPECT_EQ(TypeOf("'%s %d'.format([b.name, 1])"), "string");
  EXPECT_EQ(TypeOf("b.name.replace('a', 'b', 1).trim().indexOf('x')"), "int");
  EXPECT_EQ(TypeOf("strings.quote(b.name)"), "string");
  EXPECT_EQ(TypeOf("base64.decode(base64.encode(b.digest))"), "bytes");
  EXPECT_EQ(TypeOf("math.greatest(1, 2, 3)"), "int");
  EXPECT_EQ(TypeOf("math.least([1.0, 2.0])"), "double");
  EXPECT_EQ(TypeOf("math.bitShiftLeft(1u, 2)"), "uint");
  EXPECT_EQ(TypeOf("math.isNaN(math.sqrt(2))"), "bool");
  EXPECT_EQ(TypeOf("ip('10.0.0.1').isPrivate()"), "bool");
  EXPECT_EQ(TypeOf("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))"), "bool");
  EXPECT_EQ(TypeOf("cidr('10.0.0.0/8').containsIP('10.1.2.3')"), "bool");
  EXPECT_EQ(TypeOf("cidr('10.0.0.0/8').masked().prefixLength()"), "int");
  EXPECT_EQ(TypeOf("string(cidr('10.0.0.0/8').ip())"), "string");
  EXPECT_EQ(TypeOf("isIP(b.name) || isCIDR(b.name)"), "bool");
  EXPECT_EQ(TypeOf("json.decode(b.policy).Statement"), "dyn");
  EXPECT_EQ(TypeOf("optional.of(1).orValue(2)"), "int");
  EXPECT_EQ(TypeOf("b.?public_access_block.?block_public_acls.hasValue()"),
            "bool");
  EXPECT_EQ(TypeOf("b.tags[?'env'].orValue('')"), "string");
  EXPECT_EQ(ErrorCode("ip(1)"), "E0103");
  EXPECT_EQ(ErrorCode("cidr('10.0.0.0/8').containsIP(1)"), "E0103");
}

TEST(CheckerTest, PolicyFunctions) {
  CheckerEnv env = BucketEnv();
  env.functions = PolicyFunctions();
  EXPECT_EQ(TypeOf("resources(onus.test.Grant)", env), "list(onus.test.Grant)");
  EXPECT_EQ(
      TypeOf("resources(onus.test.Grant).exists(g, g.grantee == '')", env),
      "bool");
  EXPECT_EQ(TypeOf("lookup(onus.test.Account, 'a').id", env), "string");
  EXPECT_EQ(ErrorCode("resources(1)", env), "E0103");
}

TEST(CheckerTest, UndeclaredReferenceRendering) {
  auto c = CheckText("b.name == bb.name");
  ASSERT_EQ(c->diags.items().size(), 1u);
  const Diagnostic& d = c->diags.items()[0];
  EXPECT_EQ(d.code, "E0101");
  EXPECT_EQ(d.message, "undeclared reference to `bb`");
  EXPECT_EQ(d.help, "did you mean `b`?");
  EXPECT_THAT(c->Errors(), HasSubstr("expr.cel:1:11: error[E0101]"));
}

TEST(CheckerTest, UnknownFieldRendering) {
  auto c = CheckText("b.public_access_block.block_public_acl");
  ASSERT_EQ(c->diags.items().size(), 1u);
  const Diagnostic& d = c->diags.items()[0];
  EXPECT_EQ(d.code, "E0102");
  EXPECT_EQ(d.message,
            "unknown field `block_public_acl` on onus.test.PublicAccessBlock");
  EXPECT_EQ(d.help, "did you mean `block_public_acls`?");
  // The caret sits under the field name, not the whole path.
  EXPECT_THAT(c->Errors(), HasSubstr("expr.cel:1:23: error[E0102]"));
  EXPECT_THAT(c->Errors(), HasSubstr("^~~~~~~~~~~~~~~"));
}

TEST(CheckerTest, NonStrictFieldsWarn) {
  CheckerEnv env = BucketEnv();
  env.strict_fields = false;
  auto c = CheckText("b.nmae", env);
  EXPECT_FALSE(c->diags.has_errors());
  ASSERT_EQ(c->diags.items().size(), 1u);
  EXPECT_EQ(c->diags.items()[0].severity, Severity::kWarning);
  EXPECT_EQ(c->type, "dyn");
}

TEST(CheckerTest, OtherDiagnostics) {
  EXPECT_EQ(ErrorCode("b.name.first"), "E0107");
  EXPECT_EQ(ErrorCode("lowerAsci(b.name)"), "E0108");
  auto c = CheckText("b.name.lowerAsci()");
  ASSERT_FALSE(c->diags.items().empty());
  EXPECT_EQ(c->diags.items()[0].help, "did you mean `lowerAscii`?");
  // Errors do not cascade: one root cause, one diagnostic.
  auto d = CheckText("(nope + 1) * 2 > 3");
  EXPECT_EQ(d->diags.items().size(), 1u) << d->Errors();
}

TEST(CheckerTest, LargeExpressionChecksQuickly) {
  // 200 comparisons, each with ~50 candidate overloads for `_<_`, plus a
  // generic `==` per term: the checker must not copy its whole
  // substitution per candidate.
  std::string text;
  for (int i = 0; i < 200; ++i) {
    if (i > 0) text += " || ";
    text += "b.s32 < " + std::to_string(i) + " || b.name == 'n" +
            std::to_string(i) + "'";
  }
  absl::Time start = absl::Now();
  auto c = CheckText(text);
  absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(c->diags.empty()) << c->Errors();
  EXPECT_EQ(c->type, "bool");
  EXPECT_LT(took, absl::Seconds(2)) << took;
  std::cerr << "checked 400 terms in " << took << "\n";
}

TEST(CheckerTest, ConstantArgumentWarnings) {
  auto d = CheckText("now - b.creation_date > duration('90d')");
  ASSERT_EQ(d->diags.items().size(), 1u) << d->Errors();
  EXPECT_EQ(d->diags.items()[0].code, "W0109");
  EXPECT_EQ(d->diags.items()[0].severity, Severity::kWarning);
  EXPECT_EQ(d->diags.items()[0].message, "invalid duration \"90d\"");
  EXPECT_THAT(d->Errors(), HasSubstr("expr.cel:1:34: warning[W0109]"));
  EXPECT_EQ(d->type, "bool");  // still a valid program

  auto re = CheckText("b.name.matches('(unclosed')");
  ASSERT_EQ(re->diags.items().size(), 1u);
  EXPECT_THAT(re->diags.items()[0].message,
              HasSubstr("invalid regular expression"));
  auto ts = CheckText("now > timestamp('2024-13-01')");
  ASSERT_EQ(ts->diags.items().size(), 1u);
  EXPECT_EQ(ts->diags.items()[0].code, "W0109");
  auto range = CheckText("duration('100000000000000s')");
  ASSERT_EQ(range->diags.items().size(), 1u);
  EXPECT_THAT(range->diags.items()[0].message, HasSubstr("out of range"));

  EXPECT_TRUE(CheckText("duration('2160h') < duration('1.5s') && "
                        "timestamp('2024-01-31T00:00:00Z') < now && "
                        "b.name.matches('^prod-[a-z]+$')")
                  ->diags.empty());
}

TEST(CheckerTest, DepthLimit) {
  CheckerEnv env = BucketEnv();
  env.max_depth = 5;
  auto c = CheckText("1 + (1 + (1 + (1 + (1 + (1 + (1 + 1))))))", env);
  ASSERT_TRUE(c->diags.has_errors());
  EXPECT_EQ(c->diags.items()[0].code, "E0111");
  EXPECT_EQ(c->diags.items().size(), 1u);
}

// Strong enums (CheckerEnv::strong_enums): enum constants, singular enum
// fields and conversions are typed as the enum; legacy mode keeps ints.
TEST(CheckerTest, StrongEnums) {
  CheckerEnv legacy = BucketEnv();
  legacy.container = "onus.test";
  CheckerEnv strong = legacy;
  strong.strong_enums = true;
  const std::string kEnum = "onus.test.Bucket.Versioning";

  EXPECT_EQ(TypeOf("Bucket.Versioning.ENABLED", legacy), "int");
  EXPECT_EQ(TypeOf("b.versioning", legacy), "int");
  EXPECT_EQ(TypeOf("b.versioning == 1", legacy), "bool");
  EXPECT_EQ(ErrorCode("Bucket.Versioning(1)", legacy), "E0108");

  EXPECT_EQ(TypeOf("Bucket.Versioning.ENABLED", strong), kEnum);
  EXPECT_EQ(TypeOf("b.versioning", strong), kEnum);
  EXPECT_EQ(TypeOf("type(b.versioning)", strong), "type(" + kEnum + ")");
  EXPECT_EQ(TypeOf("b.versioning == Bucket.Versioning.SUSPENDED", strong),
            "bool");
  EXPECT_EQ(TypeOf("Bucket.Versioning(2)", strong), kEnum);
  EXPECT_EQ(TypeOf("onus.test.Bucket.Versioning('ENABLED')", strong), kEnum);
  EXPECT_EQ(TypeOf("Bucket.Versioning(x)", strong), kEnum);
  EXPECT_EQ(TypeOf("int(b.versioning)", strong), "int");
  EXPECT_EQ(TypeOf("string(b.versioning)", strong), "string");
  EXPECT_EQ(TypeOf("Bucket{versioning: Bucket.Versioning.ENABLED}", strong),
            "onus.test.Bucket");
  EXPECT_EQ(TypeOf("Bucket{versioning: 1}", strong), "onus.test.Bucket");

  auto c = CheckText("Bucket.Versioning(1)", strong);
  EXPECT_THAT(c->Dump(), HasSubstr("~" + kEnum + "^int64_to_enum"));
  // An enum is not an int in strong mode.
  EXPECT_EQ(ErrorCode("b.versioning == 1", strong), "E0103");
  EXPECT_EQ(ErrorCode("Bucket.Versioning(1.5)", strong), "E0103");
  EXPECT_EQ(ErrorCode("Bucket.Versioning(1, 2)", strong), "E0103");
  EXPECT_EQ(ErrorCode("Bucket{versioning: Bucket.Versioning.ENABLED}.name + "
                      "Bucket.Versioning.ENABLED",
                      strong),
            "E0103");
}

}  // namespace
}  // namespace onus::lang
