// Program <-> onus.v1.Program round trips and the loader's verifier.
#include "engine/program_serde.h"

#include <string>

#include "benchmarks/cspm/cspm.pb.h"
#include "engine/disasm.h"
#include "engine/expr.h"
#include "engine/message_type.h"
#include "engine/vm.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onus::engine {
namespace {

using ::onus::bench::cspm::SecurityGroup;
using ::testing::HasSubstr;

class ProgramSerdeTest : public ::testing::Test {
 protected:
  ProgramSerdeTest() {
    SecurityGroup sg;
    sg.set_id("sg-1");
    auto* r = sg.add_ingress();
    r->set_cidr("0.0.0.0/0");
    r->set_protocol("tcp");
    r->set_from_port(22);
    r->set_to_port(22);
    sg_bytes_ = sg.SerializeAsString();
  }

  std::unique_ptr<CompiledExpr> Compile(absl::string_view text,
                                        bool check = true) {
    ExprOptions opts;
    opts.check = check;
    opts.variables = {{"r", lang::Type::Message(SecurityGroup::descriptor())}};
    auto e = CompiledExpr::Compile(text, opts, nullptr);
    EXPECT_TRUE(e.ok()) << text << ": " << e.status();
    return e.ok() ? std::move(*e) : nullptr;
  }

  Value RunWithR(const Program& p) {
    Value r = MessageFromBytes(
        arena_, *MessageType::For(SecurityGroup::descriptor()), sg_bytes_);
    std::vector<Value> vars(p.var_names.size(), r);
    EvalBudget budget;
    return engine::Run(p, vars.data(), arena_, budget);
  }

  Arena arena_;
  std::string sg_bytes_;
};

TEST_F(ProgramSerdeTest, RoundTripKeepsCodeTablesAndResults) {
  const char* kExprs[] = {
      "r.ingress.exists(i, i.cidr in ['0.0.0.0/0', '::/0'] && i.from_port <= "
      "22 && i.to_port >= 22)",
      "{'a': [1, 2u, 3.5, b'x'], 'b': {true: null}}['a'][1] == 2u",
      "r.id.startsWith('sg-') && size(r.ingress.map(i, i.to_port)) == 1",
      "onus.bench.cspm.IngressRule{cidr: 'x', from_port: 1}.from_port + 1",
      "type(r) == onus.bench.cspm.SecurityGroup && type(1) == int",
      "duration('1h') > duration('1m')",
      "[1, ?optional.of(2)] == [1, 2] && {?'a': optional.none()} == {} && "
      "onus.bench.cspm.IngressRule{?cidr: optional.of('x')}.cidr == 'x'",
  };
  for (bool check : {true, false}) {
    for (const char* text : kExprs) {
      auto e = Compile(text, check);
      ASSERT_NE(e, nullptr);
      onus::v1::Program proto;
      ASSERT_TRUE(ProgramToProto(e->program(), &proto).ok()) << text;
      // Through bytes, as a bundle file would carry it.
      onus::v1::Program parsed;
      ASSERT_TRUE(parsed.ParseFromString(proto.SerializeAsString()));
      auto back = ProgramFromProto(
          parsed, google::protobuf::DescriptorPool::generated_pool(),
          e->program().source);
      ASSERT_TRUE(back.ok()) << text << ": " << back.status();
      EXPECT_EQ(Disassemble(*back), Disassemble(e->program())) << text;
      Value a = RunWithR(e->program());
      Value b = RunWithR(*back);
      ASSERT_EQ(a.kind, b.kind) << text;
      if (a.kind == Kind::kBool) {
        EXPECT_EQ(a.b, b.b) << text;
      }
      if (a.kind == Kind::kInt) {
        EXPECT_EQ(a.i, b.i) << text;
      }
    }
  }
}

TEST_F(ProgramSerdeTest, RejectsOtherVersions) {
  auto e = Compile("1 + 1 == 2");
  onus::v1::Program proto;
  ASSERT_TRUE(ProgramToProto(e->program(), &proto).ok());
  proto.set_names(0, "bytecode_version:999");
  auto back = ProgramFromProto(proto, nullptr);
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(std::string(back.status().message()), HasSubstr("version"));
}

TEST_F(ProgramSerdeTest, VerifierRejectsCorruptCode) {
  auto e = Compile("r.ingress.all(i, i.from_port > 0)");
  onus::v1::Program good;
  ASSERT_TRUE(ProgramToProto(e->program(), &good).ok());
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  ASSERT_TRUE(ProgramFromProto(good, pool).ok());

  // Every single-byte corruption of the code is either rejected or still a
  // well-formed program (never a crash when run).
  const std::string code = good.code();
  int rejected = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    for (int delta : {1, 0x40, 0xFF}) {
      onus::v1::Program bad = good;
      std::string c = code;
      c[i] = static_cast<char>(c[i] + delta);
      bad.set_code(c);
      auto p = ProgramFromProto(bad, pool);
      if (!p.ok()) {
        ++rejected;
        continue;
      }
      EvalBudget budget;
      budget.instructions = 10000;
      Value r = MessageFromBytes(
          arena_, *MessageType::For(SecurityGroup::descriptor()), sg_bytes_);
      Value v = engine::Run(*p, &r, arena_, budget);
      (void)v;
    }
  }
  EXPECT_GT(rejected, 0);

  onus::v1::Program truncated = good;
  truncated.set_code(code.substr(0, code.size() - 3));
  EXPECT_FALSE(ProgramFromProto(truncated, pool).ok());

  onus::v1::Program no_return = good;
  no_return.set_code(code.substr(0, code.size() - 8));
  EXPECT_FALSE(ProgramFromProto(no_return, pool).ok());

  onus::v1::Program bad_field = good;
  bad_field.mutable_fields(0)->set_field_number(999);
  EXPECT_FALSE(ProgramFromProto(bad_field, pool).ok());
}

}  // namespace
}  // namespace onus::engine
