// Every builtin, called with every combination of a varied set of values
// (all kinds, errors, empty and odd strings, extreme numbers) at every arity
// it accepts: the result is always a well-formed value, never a crash.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/builtins.h"
#include "engine/builtins/test_util.h"
#include "engine/value_format.h"
#include "gtest/gtest.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;

class RobustnessTest : public BuiltinTest {};

TEST_F(RobustnessTest, EveryBuiltinAcceptsAnyArguments) {
  Arena values_arena;
  auto str = [&](const std::string& s) { return NewString(values_arena, s); };
  Value list_items[] = {Value::Int(1), str("a")};
  Value keys[] = {str("k"), Value::Int(2)};
  Value vals[] = {Value::Double(1.5), Value::Null()};
  std::vector<Value> samples = {
      Value::Null(),
      Value::Bool(true),
      Value::Int(0),
      Value::Int(-1),
      Value::Int(std::numeric_limits<int64_t>::min()),
      Value::Uint(std::numeric_limits<uint64_t>::max()),
      Value::Double(std::nan("")),
      Value::Double(-0.5),
      str(""),
      str("%s %d %x %.3f %e %b %o %%"),
      str("10.0.0.0/8"),
      str("h\xc3\xa9\xff"),
      Value::Bytes("\x00\xff"),
      Value::Timestamp(253402300799, 999999999),
      Value::Duration(-315576000000, -999999999),
      MakeList(values_arena, list_items, 2),
      MakeMap(values_arena, keys, vals, 2),
      MakeOptional(values_arena, true, Value::Int(1)),
      Value::Type(BuiltinType(Kind::kInt)),
      StaticError(ErrorCode::kGeneric, "sample error"),
  };
  const int n = static_cast<int>(samples.size());
  size_t calls = 0;
  for (const Builtin& b : AllBuiltins()) {
    int max_args = b.max_args < 0 ? 3 : std::min(b.max_args, 3);
    for (int argc = b.min_args; argc <= max_args; ++argc) {
      int combos = 1;
      for (int k = 0; k < argc; ++k) combos *= n;
      for (int c = 0; c < combos; ++c) {
        Value args[3];
        int rest = c;
        for (int k = 0; k < argc; ++k) {
          args[k] = samples[rest % n];
          rest /= n;
        }
        Value r = b.fn(ctx_, args, static_cast<uint32_t>(argc));
        ++calls;
        ASSERT_LE(static_cast<int>(r.kind), static_cast<int>(Kind::kOpaque))
            << b.name;
        // Rendering touches every byte and pointer of the result.
        std::string text = FormatValue(r);
        ASSERT_FALSE(text.empty()) << b.name;
        if (arena_.bytes_used() > (1 << 20)) arena_.Reset();
      }
    }
  }
  EXPECT_GT(calls, 10000u);
}

}  // namespace
}  // namespace onus::engine
