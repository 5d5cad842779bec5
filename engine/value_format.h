// Text rendering of runtime values for evidence, messages and string():
// "abc" (quoted, escaped), b"\x00", 1u, 1.5, [1, 2], {"k": v}, timestamps
// as RFC 3339 in UTC with the nanoseconds trimmed, durations as seconds
// ("1.5s"), types by name, net.IP/net.CIDR by their address text.
#ifndef ONUS_ENGINE_VALUE_FORMAT_H_
#define ONUS_ENGINE_VALUE_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "engine/value.h"

namespace onus::engine {

// Debug/evidence rendering. Nesting deeper than 32 levels prints "...".
std::string FormatValue(const Value& v);
void AppendValue(const Value& v, std::string* out);

// The pieces string() uses, shared so both agree.
// Doubles for evidence: shortest round-trip digits, plain notation up to
// 1e21, always with a '.' or exponent so 1.0 does not read as an int;
// NaN, +Inf, -Inf.
void AppendDouble(double d, std::string* out);
// Doubles for string(double), as cel-go (Go's %g, shortest): 1.5, 1e+06,
// 1e-05, 123456, +Inf, NaN.
void AppendDoubleString(double d, std::string* out);
// RFC 3339 UTC, nanoseconds trimmed: 2023-05-01T10:00:00.5Z.
void AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out);
// Seconds with trimmed fraction: "1.5s", "-0.000000001s", "3600s".
void AppendDuration(int64_t seconds, int32_t nanos, std::string* out);
// CEL string literal with escapes, including the quotes.
void AppendQuoted(absl::string_view s, std::string* out);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_VALUE_FORMAT_H_
