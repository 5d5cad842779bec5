// json.decode: JSON text to CEL values (see json.cc for the mapping).
#ifndef ONUS_ENGINE_BUILTINS_JSON_H_
#define ONUS_ENGINE_BUILTINS_JSON_H_

#include "absl/strings/string_view.h"
#include "engine/builtins.h"
#include "engine/value.h"

namespace onus::engine {

// Containers may nest at most this deep; deeper input is an error value.
constexpr size_t kMaxJsonDepth = 128;

// Strings without escapes are views into `text`, which must outlive the
// result (true for strings from wire bytes, constants and the arena).
Value JsonDecode(CallContext& ctx, absl::string_view text);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUILTINS_JSON_H_
