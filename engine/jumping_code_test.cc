// Conditions compiled as jumps (BR_* instructions, out-of-line error paths)
// must give exactly the values of the plain lowering (fuse off): CEL's
// commutative error absorption in && and ||, `!` and `?:` on errors and
// non-bools, all()/exists()/filter() with failing predicates.
//
// A seeded generator builds thousands of random conditions over operands
// that can be true, false, an error (division by zero, a missing key) or
// not a bool at all, and every one is evaluated both ways under several
// bindings. The comparison is on the formatted value, so an error must
// carry the same message, not only be an error.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/expr.h"
#include "engine/value.h"
#include "engine/value_format.h"
#include "gtest/gtest.h"
#include "lang/types.h"

namespace onus::engine {
namespace {

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  std::string Cond(int depth) {
    if (depth <= 0) return Leaf();
    switch (Pick(9)) {
      case 0:
      case 1:
        return absl::StrCat("(", Cond(depth - 1), " && ", Cond(depth - 1), ")");
      case 2:
      case 3:
        return absl::StrCat("(", Cond(depth - 1), " || ", Cond(depth - 1), ")");
      case 4:
        return absl::StrCat("!", Cond(depth - 1));
      case 5:
        return absl::StrCat("(", Cond(depth - 1), " ? ", Cond(depth - 1), " : ",
                            Cond(depth - 1), ")");
      case 6: {
        static const char* kMacros[] = {"exists", "all", "exists_one"};
        return absl::StrCat(List(), ".", kMacros[Pick(3)], "(i, ",
                            ItemCond(depth - 1), ")");
      }
      case 7:
        return absl::StrCat("size(", List(), ".filter(i, ", ItemCond(depth - 1),
                            ")) ", Pick(2) ? ">" : "==", " ", Pick(3));
      default:
        return Leaf();
    }
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % n); }

  std::string Leaf() {
    static const char* kLeaves[] = {
        "true",
        "false",
        "x > 1",
        "x < 0",
        "x / y > 0",
        "1 / y == 1",
        "s == 'a'",
        "s != 'b'",
        "d",
        "t",
        "f",
        "m['k']",
        "m['missing']",
        "'k' in m",
        "x in [1, 2]",
        "s in ['a', 'c']",
        "b.flag",
        "b.missing",
        "e",
        "d == true",
        "x >= y",
        "x <= 3",
        "'str'",
        "x",
    };
    return kLeaves[Pick(sizeof(kLeaves) / sizeof(kLeaves[0]))];
  }

  std::string ItemCond(int depth) {
    static const char* kItem[] = {"i > 1", "i / y > 0", "i == 2",
                                  "i",     "i != 3",    "i % 2 == 0"};
    std::string leaf = kItem[Pick(6)];
    if (depth <= 0 || Pick(2)) return leaf;
    return absl::StrCat("(", leaf, Pick(2) ? " && " : " || ", Cond(depth - 1),
                        ")");
  }

  std::string List() {
    static const char* kLists[] = {"[]", "[1, 2, 3]", "[0, 2]", "[1, 'x', 3]",
                                   "l"};
    return kLists[Pick(5)];
  }

  std::mt19937 rng_;
};

struct Binding {
  int64_t x, y;
  const char* s;
  Value d;  // dyn: a bool, a string or an int
};

struct Counts {
  int compiled = 0, compared = 0, errors_seen = 0, with_branches = 0;
};

// Compiles `n` random conditions with `fused` and with the plain lowering
// and compares their values under every binding.
Counts Differential(const ExprOptions& fused, uint32_t seed, int n) {
  ExprOptions plain = fused;
  plain.fuse = false;
  const std::vector<Binding> bindings = {
      {2, 1, "a", Value::Bool(true)},   {0, 0, "b", Value::Bool(false)},
      {-3, 2, "c", Value::Int(7)},      {5, 0, "a", Value::String("s")},
      {1, -1, "a", Value::Bool(false)},
  };
  Gen gen(seed);
  Counts c;
  for (int i = 0; i < n; ++i) {
    const std::string text = gen.Cond(1 + i % 4);
    auto a = CompiledExpr::Compile(text, fused, nullptr);
    auto b = CompiledExpr::Compile(text, plain, nullptr);
    EXPECT_EQ(a.ok(), b.ok()) << text;
    if (!a.ok() || !b.ok()) continue;
    ++c.compiled;
    if ((*a)->Disassemble().find("BR_") != std::string::npos) {
      ++c.with_branches;
    }
    for (const Binding& bind : bindings) {
      Arena arena;
      Activation act;
      act.Bind("x", Value::Int(bind.x));
      act.Bind("y", Value::Int(bind.y));
      act.Bind("s", Value::String(bind.s));
      act.Bind("d", bind.d);
      act.Bind("t", Value::Bool(true));
      act.Bind("f", Value::Bool(false));
      act.Bind("e", MakeError(arena, ErrorCode::kInvalidArgument, "bound e"));
      Value keys[] = {Value::String("k")};
      Value vals[] = {Value::Bool(true)};
      act.Bind("m", MakeMap(arena, keys, vals, 1));
      Value items[] = {Value::Int(1), Value::Int(2), Value::Int(4)};
      act.Bind("l", MakeList(arena, items, 3));
      // b.flag on an empty map: "no such key" -- an error operand.
      act.Bind("b", MakeMap(arena, nullptr, nullptr, 0));
      const Value va = (*a)->Evaluate(act, arena);
      const Value vb = (*b)->Evaluate(act, arena);
      EXPECT_EQ(FormatValue(va), FormatValue(vb))
          << text << "\nx=" << bind.x << " y=" << bind.y << " s=" << bind.s
          << " d=" << FormatValue(bind.d) << "\nfused:\n"
          << (*a)->Disassemble() << "\nplain:\n"
          << (*b)->Disassemble();
      if (FormatValue(va) != FormatValue(vb)) return c;  // one report is enough
      ++c.compared;
      if (va.is_error()) ++c.errors_seen;
    }
  }
  return c;
}

// Unchecked: non-bool operands (`'str'`, `x`) reach the VM.
TEST(JumpingCodeTest, SameValuesAsThePlainLoweringUnchecked) {
  ExprOptions opts;
  opts.check = false;
  const Counts c = Differential(opts, 20261124, 3000);
  // The generator must have exercised what it is for.
  EXPECT_GT(c.compared, 10000);
  EXPECT_GT(c.errors_seen, 1000);
  EXPECT_GT(c.with_branches, 1000);
}

// Checked: the compiler knows which operands are bools (BR_FIELD, rhs kept
// in place) and which are dyn; conditions that do not type-check are
// rejected by both lowerings alike.
TEST(JumpingCodeTest, SameValuesAsThePlainLoweringChecked) {
  ExprOptions opts;
  opts.variables = {
      {"x", lang::Type::Int()},
      {"y", lang::Type::Int()},
      {"s", lang::Type::String()},
      {"d", lang::Type::Dyn()},
      {"t", lang::Type::Bool()},
      {"f", lang::Type::Bool()},
      {"e", lang::Type::Bool()},
      {"m", lang::Type::Map(lang::Type::String(), lang::Type::Bool())},
      {"l", lang::Type::List(lang::Type::Int())},
      {"b", lang::Type::Map(lang::Type::String(), lang::Type::Bool())},
  };
  const Counts c = Differential(opts, 7, 6000);
  EXPECT_GT(c.compiled, 500);
  EXPECT_GT(c.compared, 2500);
  EXPECT_GT(c.errors_seen, 300);
  EXPECT_GT(c.with_branches, 400);
}

// Code size stays linear: a long right-nested chain compiles (error paths
// copy only small right operands).
TEST(JumpingCodeTest, DeepChainsStayLinear) {
  std::string text = "x > 0";
  for (int i = 0; i < 200; ++i) {
    text = absl::StrCat("(x > ", i, " && ", text, ")");
  }
  std::string right = "x > 0";
  for (int i = 0; i < 200; ++i) {
    right = absl::StrCat("(x != ", i, " || ", right, ")");
  }
  ExprOptions opts;
  opts.variables = {{"x", lang::Type::Int()}};
  for (const std::string& t : {text, right}) {
    auto e = CompiledExpr::Compile(t, opts, nullptr);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_LT((*e)->program().code.size(), 40u * 200u);
    Arena arena;
    Activation act;
    act.Bind("x", Value::Int(1000));
    EXPECT_EQ(FormatValue((*e)->Evaluate(act, arena)), "true");
  }
}

}  // namespace
}  // namespace onus::engine
