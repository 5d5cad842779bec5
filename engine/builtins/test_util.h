// Helpers for the builtin tests: call a builtin by name and render the
// result with FormatValue, so tables read as `{call, "expected"}`.
#ifndef ONUS_ENGINE_BUILTINS_TEST_UTIL_H_
#define ONUS_ENGINE_BUILTINS_TEST_UTIL_H_

#include <string>
#include <vector>

#include "engine/builtins.h"
#include "engine/value.h"
#include "engine/value_format.h"
#include "gtest/gtest.h"

namespace onus::engine::testing {

class BuiltinTest : public ::testing::Test {
 protected:
  Value S(const std::string& s) { return NewString(arena_, s); }
  Value B(const std::string& s) {
    Value v = NewString(arena_, s);
    v.kind = Kind::kBytes;
    return v;
  }
  static Value I(int64_t i) { return Value::Int(i); }
  static Value U(uint64_t u) { return Value::Uint(u); }
  static Value D(double d) { return Value::Double(d); }
  Value L(std::vector<Value> items) {
    return MakeList(arena_, items.data(), static_cast<uint32_t>(items.size()));
  }
  Value M(std::vector<std::pair<Value, Value>> entries) {
    std::vector<Value> k, v;
    for (auto& e : entries) {
      k.push_back(e.first);
      v.push_back(e.second);
    }
    return MakeMap(arena_, k.data(), v.data(), static_cast<uint32_t>(k.size()));
  }

  // Global call: f(args...).
  Value Call(const char* name, std::vector<Value> args) {
    return Invoke(name, false, std::move(args));
  }
  // Receiver call: args[0].f(args[1...]).
  Value Recv(const char* name, std::vector<Value> args) {
    return Invoke(name, true, std::move(args));
  }
  Value Invoke(const char* name, bool receiver, std::vector<Value> args) {
    const Builtin* b =
        FindBuiltin(name, receiver, static_cast<int>(args.size()));
    if (b == nullptr) {
      ADD_FAILURE() << "no builtin " << name << "/" << args.size();
      return StaticError(ErrorCode::kGeneric, "missing builtin");
    }
    return b->fn(ctx_, args.data(), static_cast<uint32_t>(args.size()));
  }
  static std::string F(const Value& v) { return FormatValue(v); }

  Arena arena_;
  CallContext ctx_{&arena_};
};

}  // namespace onus::engine::testing

#endif  // ONUS_ENGINE_BUILTINS_TEST_UTIL_H_
