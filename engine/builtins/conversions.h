// Parsers and conversions shared by the conversion builtins and other
// families (string.format, time, JSON).
#ifndef ONUS_ENGINE_BUILTINS_CONVERSIONS_H_
#define ONUS_ENGINE_BUILTINS_CONVERSIONS_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "engine/builtins.h"
#include "engine/value.h"

namespace onus::engine {

// Go's strconv.ParseFloat: decimal/exponent forms, inf, infinity, nan
// (any case, optional sign). False on syntax or range errors.
bool ParseDouble(absl::string_view s, double* out);
// Go's time.ParseDuration ("1h2m3.5s", "-1.5s", "100ms", "3us", "5ns",
// "0"), limited to +-315,576,000,000 s. *out_of_range (optional) tells a
// range failure from a syntax error.
bool ParseDuration(absl::string_view s, int64_t* seconds, int32_t* nanos,
                   bool* out_of_range = nullptr);
// RFC 3339 with optional fraction and offset, within years 1..9999.
bool ParseTimestamp(absl::string_view s, int64_t* seconds, int32_t* nanos,
                    bool* out_of_range = nullptr);
// string(v) as CEL defines it.
Value ToStringValue(CallContext& ctx, Value v);
// type(v).
Value TypeOf(CallContext& ctx, Value v);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUILTINS_CONVERSIONS_H_
