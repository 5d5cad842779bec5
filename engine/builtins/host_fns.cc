// resources(T) and lookup(T, id): answered by the evaluator's EvalHost.
#include "engine/builtins.h"
#include "engine/builtins/internal.h"
#include "engine/host.h"

namespace onus::engine {
namespace builtins_internal {
namespace {

Value NoHost(const char* fn) {
  return StaticError(ErrorCode::kInvalidArgument,
                     fn[0] == 'r' ? "resources() is only available while "
                                    "evaluating a policy over a snapshot"
                                  : "lookup() is only available while "
                                    "evaluating a policy over a snapshot");
}

Value Resources(CallContext& ctx, const Value* args, uint32_t argc) {
  if (argc != 1 || args[0].kind != Kind::kType) {
    if (argc == 1 && args[0].is_error()) return args[0];
    return StaticError(ErrorCode::kNoMatchingOverload,
                       "resources() takes a message type, e.g. "
                       "resources(onus.aws.cloudtrail.Trail)");
  }
  if (ctx.host == nullptr) return NoHost("resources");
  return ctx.host->Resources(*ctx.arena, *args[0].type);
}

Value Lookup(CallContext& ctx, const Value* args, uint32_t argc) {
  if (argc == 2 && args[0].is_error()) return args[0];
  if (argc == 2 && args[1].is_error()) return args[1];
  if (argc != 2 || args[0].kind != Kind::kType ||
      args[1].kind != Kind::kString) {
    return StaticError(ErrorCode::kNoMatchingOverload,
                       "lookup() takes a message type and a string id");
  }
  if (ctx.host == nullptr) return NoHost("lookup");
  return ctx.host->Lookup(*ctx.arena, *args[0].type, args[1].string_view());
}

const Builtin kHost[] = {
    {"resources", false, 1, 1, Resources},
    {"lookup", false, 2, 2, Lookup},
};

}  // namespace

absl::Span<const Builtin> HostBuiltins() { return kHost; }

}  // namespace builtins_internal
}  // namespace onus::engine
