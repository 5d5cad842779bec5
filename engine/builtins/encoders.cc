// base64.encode(bytes) -> string, base64.decode(string) -> bytes.
#include <string>

#include "absl/strings/escaping.h"
#include "engine/builtins/internal.h"

namespace onus::engine {
namespace {

using builtins_internal::Err;
using builtins_internal::NoOverload;

Value Encode(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kBytes) {
    return NoOverload(ctx, "base64.encode", args, argc);
  }
  std::string out;
  absl::Base64Escape(args[0].string_view(), &out);
  return NewString(*ctx.arena, out);
}

Value Decode(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kString) {
    return NoOverload(ctx, "base64.decode", args, argc);
  }
  absl::string_view in = args[0].string_view();
  std::string out;
  // absl accepts both padded and unpadded input (cel-go retries without
  // padding); anything else, including URL-safe characters, is an error.
  if (!absl::Base64Unescape(in, &out)) {
    return Err(ctx, ErrorCode::kInvalidArgument,
               "base64.decode: illegal base64 data");
  }
  Value v = NewString(*ctx.arena, out);
  v.kind = Kind::kBytes;
  return v;
}

const Builtin kEncoders[] = {
    {"base64.encode", false, 1, 1, Encode},
    {"base64.decode", false, 1, 1, Decode},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> EncoderBuiltins() { return kEncoders; }
}  // namespace builtins_internal

}  // namespace onus::engine
