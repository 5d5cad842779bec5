#include "absl/strings/str_cat.h"
#include "tests/conformance/backend.h"

namespace onus::conformance {

std::optional<std::string> UnsupportedFeature(const TestCase& test) {
  if (test.expect == Expect::kUnknown || test.expect == Expect::kAnyUnknowns) {
    return "unknowns not supported";
  }
  for (const google::protobuf::Message* decl : test.type_env) {
    const google::protobuf::FieldDescriptor* fn =
        decl->GetDescriptor()->FindFieldByName("function");
    if (fn != nullptr && decl->GetReflection()->HasField(*decl, fn) &&
        !test.check_only) {
      // Onus has no host-supplied functions: every function is a builtin.
      // The checker accepts declarations, so check_only tests still run.
      return "function declarations in type_env: cannot evaluate host "
             "functions";
    }
  }
  for (const auto& [name, value] : test.bindings) {
    const google::protobuf::FieldDescriptor* unknown =
        value->GetDescriptor()->FindFieldByName("unknown");
    if (unknown != nullptr &&
        value->GetReflection()->HasField(*value, unknown)) {
      return absl::StrCat("binding ", name,
                          " is unknown: unknowns not supported");
    }
  }
  if (test.disable_macros && !test.check_only) {
    return "disable_macros not supported by the evaluator";
  }
  if (!test.locale.empty()) return "locale not supported";
  return std::nullopt;
}

}  // namespace onus::conformance
