// Helpers shared by the builtin families. Not part of the public API.
#ifndef ONUS_ENGINE_BUILTINS_INTERNAL_H_
#define ONUS_ENGINE_BUILTINS_INTERNAL_H_

#include <cstdint>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/builtins.h"
#include "engine/value.h"

namespace onus::engine::builtins_internal {

// CEL type name of a value, for error messages ("int", "list", message and
// opaque type names).
const char* TypeName(const Value& v);

// "no matching overload for 'fn' applied to (int, string)".
Value NoOverload(CallContext& ctx, const char* fn, const Value* args,
                 uint32_t argc);

// The first error among args, or null. Strict functions return it as is.
inline const Value* FirstError(const Value* args, uint32_t argc) {
  for (uint32_t i = 0; i < argc; ++i) {
    if (args[i].kind == Kind::kError) return &args[i];
  }
  return nullptr;
}

// Error with a formatted message in the evaluation arena.
inline Value Err(CallContext& ctx, ErrorCode code, absl::string_view msg) {
  return MakeError(*ctx.arena, code, msg);
}

// ---- UTF-8 -----------------------------------------------------------------

// Decodes one code point at s[*pos], advancing *pos. Invalid sequences
// decode as U+FFFD and advance one byte.
uint32_t DecodeUtf8(absl::string_view s, size_t* pos);
// Appends the UTF-8 encoding of cp.
void AppendUtf8(uint32_t cp, std::string* out);
size_t CountCodePoints(absl::string_view s);
bool IsValidUtf8(absl::string_view s);
// Byte offset of code point index `cp` (== s.size() when cp is the count),
// or -1 when out of range.
int64_t CodePointOffset(absl::string_view s, int64_t cp);

// ---- Time ------------------------------------------------------------------

// Valid timestamp seconds: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// Valid duration: +-10000 years of seconds, as google.protobuf.Duration.
constexpr int64_t kMaxDurationSeconds = 315576000000;

inline absl::int128 TotalNanos(const Value& v) {
  return absl::int128(v.i) * 1000000000 + v.nanos();
}
// Builds a timestamp/duration from total nanoseconds, or a range error.
Value TimestampFromNanos(absl::int128 n);
Value DurationFromNanos(absl::int128 n);

// ---- Family tables ---------------------------------------------------------

absl::Span<const Builtin> OperatorBuiltins();
absl::Span<const Builtin> ConversionBuiltins();
absl::Span<const Builtin> StringBuiltins();
absl::Span<const Builtin> StringExtBuiltins();
absl::Span<const Builtin> TimeBuiltins();
absl::Span<const Builtin> MathExtBuiltins();
absl::Span<const Builtin> EncoderBuiltins();
absl::Span<const Builtin> NetBuiltins();
absl::Span<const Builtin> JsonBuiltins();
absl::Span<const Builtin> RegexBuiltins();
absl::Span<const Builtin> OptionalBuiltins();
absl::Span<const Builtin> MapInsertBuiltins();
absl::Span<const Builtin> HostBuiltins();  // resources(), lookup()
absl::Span<const Builtin> EnumBuiltins();  // @enum (strong enums)

}  // namespace onus::engine::builtins_internal

#endif  // ONUS_ENGINE_BUILTINS_INTERNAL_H_
