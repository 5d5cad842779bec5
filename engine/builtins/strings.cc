// Core CEL string functions: contains, startsWith, endsWith.
#include "absl/strings/match.h"
#include "engine/builtins/internal.h"

namespace onus::engine {
namespace {

using builtins_internal::NoOverload;

template <bool (*Pred)(absl::string_view, absl::string_view)>
Value StringPred(CallContext& ctx, const Value* args, uint32_t argc,
                 const char* name) {
  if (args[0].kind != Kind::kString || args[1].kind != Kind::kString) {
    return NoOverload(ctx, name, args, argc);
  }
  return Value::Bool(Pred(args[0].string_view(), args[1].string_view()));
}

bool ContainsPred(absl::string_view a, absl::string_view b) {
  return absl::StrContains(a, b);
}
bool StartsPred(absl::string_view a, absl::string_view b) {
  return absl::StartsWith(a, b);
}
bool EndsPred(absl::string_view a, absl::string_view b) {
  return absl::EndsWith(a, b);
}

Value Contains(CallContext& ctx, const Value* args, uint32_t argc) {
  return StringPred<ContainsPred>(ctx, args, argc, "contains");
}
Value StartsWith(CallContext& ctx, const Value* args, uint32_t argc) {
  return StringPred<StartsPred>(ctx, args, argc, "startsWith");
}
Value EndsWith(CallContext& ctx, const Value* args, uint32_t argc) {
  return StringPred<EndsPred>(ctx, args, argc, "endsWith");
}

const Builtin kStrings[] = {
    {"contains", true, 2, 2, Contains},
    {"startsWith", true, 2, 2, StartsWith},
    {"endsWith", true, 2, 2, EndsWith},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> StringBuiltins() { return kStrings; }
}  // namespace builtins_internal

}  // namespace onus::engine
