// Loading the CEL conformance suite dumped by dump.mjs.
//
// The runner links no generated code for the cel.expr types: it builds its
// own DescriptorPool from descriptors.binpb and parses every
// <file>.binpb as a DynamicMessage of cel.expr.conformance.test.SimpleTestFile.
// A TestCase then points into that message (Suite keeps it alive).
#ifndef ONUS_TESTS_CONFORMANCE_SUITE_H_
#define ONUS_TESTS_CONFORMANCE_SUITE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"

namespace onus::conformance {

// What a test expects (SimpleTest's result_matcher oneof).
enum class Expect {
  kValue,          // `value`, or nothing set: the spec's default is `true`
  kTypedResult,    // `typed_result`: value plus the checker's deduced type
  kEvalError,      // `eval_error`
  kAnyEvalErrors,  // `any_eval_errors`
  kUnknown,        // `unknown`
  kAnyUnknowns,    // `any_unknowns`
};

struct TestCase {
  std::string file;     // "basic"
  std::string section;  // "self_eval_zeroish"
  std::string name;     // "self_eval_int_zero"
  std::string expr;
  bool disable_macros = false;
  bool disable_check = false;
  bool check_only = false;
  std::string container;
  std::string locale;
  // cel.expr.Decl messages.
  std::vector<const google::protobuf::Message*> type_env;
  // name -> cel.expr.ExprValue.
  std::vector<std::pair<std::string, const google::protobuf::Message*>>
      bindings;
  Expect expect = Expect::kValue;
  // kValue / kTypedResult: the expected cel.expr.Value (owned by the suite;
  // a synthesised `bool_value: true` when the test sets no matcher).
  const google::protobuf::Message* value = nullptr;
  // kTypedResult: the expected cel.expr.Type.
  const google::protobuf::Message* deduced_type = nullptr;
  // kEvalError: the cel.expr.ErrorSet (messages are informative only).
  const google::protobuf::Message* errors = nullptr;

  // "file/section/name": the id used by --filter and in the report.
  std::string id() const;
};

// The dumped suite: its descriptor pool, a message factory over it and the
// test files, in the order of the dump's MANIFEST.
class Suite {
 public:
  // Reads <dir>/descriptors.binpb, <dir>/MANIFEST and every listed file.
  static absl::StatusOr<std::unique_ptr<Suite>> Load(const std::string& dir);

  // Builds a suite from an already parsed FileDescriptorSet (tests).
  static absl::StatusOr<std::unique_ptr<Suite>> FromDescriptorSet(
      absl::string_view serialized_set);

  // Parses one serialized SimpleTestFile and appends its tests. `expected`
  // is the count the MANIFEST promises (-1: unknown); a mismatch is an error.
  absl::Status AddFile(absl::string_view name, absl::string_view bytes,
                       int expected);

  const google::protobuf::DescriptorPool* pool() const { return &pool_; }
  google::protobuf::MessageFactory* factory() { return &factory_; }
  // Files in MANIFEST order, including files with no tests (unknowns).
  const std::vector<std::string>& files() const { return files_; }
  const std::vector<TestCase>& tests() const { return tests_; }
  // "@bufbuild/cel-spec 0.6.1" and friends, from the MANIFEST header.
  const std::vector<std::string>& provenance() const { return provenance_; }

  // New empty message of a type in the pool; null if the type is missing.
  std::unique_ptr<google::protobuf::Message> New(absl::string_view type);

 private:
  Suite() : factory_(&pool_) {}

  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  std::vector<std::unique_ptr<google::protobuf::Message>> owned_;
  std::vector<std::string> files_;
  std::vector<TestCase> tests_;
  std::vector<std::string> provenance_;
};

// --filter semantics: `filters` are test id prefixes made of whole path
// components ("basic", "basic/sec", "basic/sec/name"); no filters selects
// everything. "basic" does not select "basics/...".
bool MatchesFilter(absl::string_view id,
                   const std::vector<std::string>& filters);

// Reads a whole file (binary).
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace onus::conformance

#endif  // ONUS_TESTS_CONFORMANCE_SUITE_H_
