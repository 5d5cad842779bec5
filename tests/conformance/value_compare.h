// Comparing CEL results expressed as cel.expr.Value messages.
//
// The runner converts the engine's result into a cel.expr.Value and compares
// it with the test's expectation here. Comparison is strict about kinds (an
// expected `1u` is not met by `1`: the conformance suite tests result types)
// and follows CEL equality elsewhere: NaN matches NaN (the suite expects NaN
// results), -0.0 == 0.0, maps are unordered, and messages (Any) are unpacked
// with the suite's pool and compared field by field.
#ifndef ONUS_TESTS_CONFORMANCE_VALUE_COMPARE_H_
#define ONUS_TESTS_CONFORMANCE_VALUE_COMPARE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace onus::conformance {

// OK when `got` matches `want`; otherwise NotFound with a one-line reason
// naming the first difference ("list[2]: want int64 3, got uint64 3").
// Nesting deeper than 64 levels is an error, not a recursion risk.
absl::Status CompareValues(const google::protobuf::Message& want,
                           const google::protobuf::Message& got,
                           google::protobuf::MessageFactory* factory);

// Unpacks a google.protobuf.Any (dynamic or generated) into a new message of
// the named type, looked up in the Any's own descriptor pool.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> UnpackAny(
    const google::protobuf::Message& any,
    google::protobuf::MessageFactory* factory);

// Compact one-line rendering of a cel.expr.Value (text format, Any
// expanded), truncated to `max_len` characters with "...".
std::string ShortDebugString(const google::protobuf::Message& m,
                             size_t max_len = 200);

}  // namespace onus::conformance

#endif  // ONUS_TESTS_CONFORMANCE_VALUE_COMPARE_H_
