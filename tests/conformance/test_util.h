// Shared helpers for the conformance runner's unit tests: a Suite built from
// the stand-in schema in testdata/ (no npm dump needed).
#ifndef ONUS_TESTS_CONFORMANCE_TEST_UTIL_H_
#define ONUS_TESTS_CONFORMANCE_TEST_UTIL_H_

#include <memory>
#include <string>

#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/conformance/suite.h"

namespace onus::conformance::testing {

inline std::unique_ptr<Suite> MiniSuite() {
  absl::StatusOr<std::string> set =
      ReadFile("tests/conformance/mini_cel_proto.descriptor_set.pb");
  EXPECT_TRUE(set.ok()) << set.status();
  if (!set.ok()) return nullptr;
  absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::FromDescriptorSet(*set);
  EXPECT_TRUE(suite.ok()) << suite.status();
  return suite.ok() ? *std::move(suite) : nullptr;
}

// A message of `type` in the suite's pool, from text format.
inline std::unique_ptr<google::protobuf::Message> Parse(
    Suite& suite, const std::string& type, const std::string& text) {
  std::unique_ptr<google::protobuf::Message> m = suite.New(type);
  EXPECT_NE(m, nullptr) << type;
  if (m == nullptr) return nullptr;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, m.get()))
      << text;
  return m;
}

}  // namespace onus::conformance::testing

#endif  // ONUS_TESTS_CONFORMANCE_TEST_UTIL_H_
