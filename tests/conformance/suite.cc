#include "tests/conformance/suite.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"
#include "lang/status_macros.h"

namespace onus::conformance {

namespace pb = ::google::protobuf;

std::string TestCase::id() const {
  return absl::StrCat(file, "/", section, "/", name);
}

bool MatchesFilter(absl::string_view id,
                   const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const std::string& f : filters) {
    if (id == f || (absl::StartsWith(id, f) && id.size() > f.size() &&
                    id[f.size()] == '/')) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return buf.str();
}

absl::StatusOr<std::unique_ptr<Suite>> Suite::FromDescriptorSet(
    absl::string_view serialized_set) {
  pb::FileDescriptorSet set;
  if (!set.ParseFromArray(serialized_set.data(),
                          static_cast<int>(serialized_set.size()))) {
    return absl::DataLossError("descriptors: not a FileDescriptorSet");
  }
  std::unique_ptr<Suite> suite(new Suite());
  // dump.mjs writes dependencies first, so BuildFile never sees a missing
  // import; a failure here means a broken dump, not a runner limitation.
  for (const pb::FileDescriptorProto& file : set.file()) {
    if (suite->pool_.BuildFile(file) == nullptr) {
      return absl::DataLossError(
          absl::StrCat("descriptors: cannot build ", file.name()));
    }
  }
  if (suite->pool_.FindMessageTypeByName(
          "cel.expr.conformance.test.SimpleTestFile") == nullptr) {
    return absl::DataLossError(
        "descriptors: cel.expr.conformance.test.SimpleTestFile missing");
  }
  return suite;
}

absl::StatusOr<std::unique_ptr<Suite>> Suite::Load(const std::string& dir) {
  ONUS_ASSIGN_OR_RETURN(std::string set,
                        ReadFile(absl::StrCat(dir, "/descriptors.binpb")));
  ONUS_ASSIGN_OR_RETURN(std::unique_ptr<Suite> suite, FromDescriptorSet(set));
  ONUS_ASSIGN_OR_RETURN(std::string manifest,
                        ReadFile(absl::StrCat(dir, "/MANIFEST")));
  // MANIFEST: "@bufbuild/... <version>" lines, "descriptors N", then
  // "<file> <count>" per test file.
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(manifest, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    if (parts.size() != 2) {
      return absl::DataLossError(
          absl::StrCat(dir, "/MANIFEST:", line_no, ": expected 2 words"));
    }
    if (absl::StartsWith(parts[0], "@") || parts[0] == "descriptors") {
      suite->provenance_.emplace_back(line);
      continue;
    }
    int count = 0;
    if (!absl::SimpleAtoi(parts[1], &count)) {
      return absl::DataLossError(
          absl::StrCat(dir, "/MANIFEST:", line_no, ": bad count"));
    }
    ONUS_ASSIGN_OR_RETURN(std::string bytes,
                          ReadFile(absl::StrCat(dir, "/", parts[0], ".binpb")));
    ONUS_RETURN_IF_ERROR(suite->AddFile(parts[0], bytes, count));
  }
  if (suite->files_.empty()) {
    return absl::DataLossError(absl::StrCat(dir, "/MANIFEST: no test files"));
  }
  return suite;
}

std::unique_ptr<pb::Message> Suite::New(absl::string_view type) {
  const pb::Descriptor* d = pool_.FindMessageTypeByName(std::string(type));
  if (d == nullptr) return nullptr;
  return std::unique_ptr<pb::Message>(factory_.GetPrototype(d)->New());
}

namespace {

// Reflection helpers over the dynamic SimpleTest messages. The field names
// are the schema's; a missing field means the dump does not match the schema
// this runner was written for, which is an error rather than a silent skip.
absl::StatusOr<const pb::FieldDescriptor*> Field(const pb::Message& m,
                                                 absl::string_view name) {
  const pb::FieldDescriptor* f =
      m.GetDescriptor()->FindFieldByName(std::string(name));
  if (f == nullptr) {
    return absl::DataLossError(
        absl::StrCat(m.GetDescriptor()->full_name(), " has no field ", name));
  }
  return f;
}

absl::StatusOr<std::string> GetString(const pb::Message& m,
                                      absl::string_view name) {
  ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* f, Field(m, name));
  return m.GetReflection()->GetString(m, f);
}

absl::StatusOr<bool> GetBool(const pb::Message& m, absl::string_view name) {
  ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* f, Field(m, name));
  return m.GetReflection()->GetBool(m, f);
}

}  // namespace

absl::Status Suite::AddFile(absl::string_view name, absl::string_view bytes,
                            int expected) {
  std::unique_ptr<pb::Message> file =
      New("cel.expr.conformance.test.SimpleTestFile");
  if (file == nullptr) return absl::InternalError("SimpleTestFile missing");
  if (!file->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat(name, ".binpb: not a SimpleTestFile"));
  }
  std::unique_ptr<pb::Message> true_value = New("cel.expr.Value");
  if (true_value == nullptr)
    return absl::InternalError("cel.expr.Value missing");
  ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* bool_field,
                        Field(*true_value, "bool_value"));
  true_value->GetReflection()->SetBool(true_value.get(), bool_field, true);

  const pb::Reflection* fr = file->GetReflection();
  ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* section_f,
                        Field(*file, "section"));
  int count = 0;
  for (int s = 0; s < fr->FieldSize(*file, section_f); ++s) {
    const pb::Message& section = fr->GetRepeatedMessage(*file, section_f, s);
    ONUS_ASSIGN_OR_RETURN(std::string section_name, GetString(section, "name"));
    ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* test_f,
                          Field(section, "test"));
    const pb::Reflection* sr = section.GetReflection();
    for (int t = 0; t < sr->FieldSize(section, test_f); ++t) {
      const pb::Message& test = sr->GetRepeatedMessage(section, test_f, t);
      const pb::Reflection* r = test.GetReflection();
      TestCase c;
      c.file = std::string(name);
      c.section = section_name;
      ONUS_ASSIGN_OR_RETURN(c.name, GetString(test, "name"));
      ONUS_ASSIGN_OR_RETURN(c.expr, GetString(test, "expr"));
      ONUS_ASSIGN_OR_RETURN(c.disable_macros, GetBool(test, "disable_macros"));
      ONUS_ASSIGN_OR_RETURN(c.disable_check, GetBool(test, "disable_check"));
      ONUS_ASSIGN_OR_RETURN(c.check_only, GetBool(test, "check_only"));
      ONUS_ASSIGN_OR_RETURN(c.container, GetString(test, "container"));
      ONUS_ASSIGN_OR_RETURN(c.locale, GetString(test, "locale"));

      ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* env_f,
                            Field(test, "type_env"));
      for (int i = 0; i < r->FieldSize(test, env_f); ++i) {
        c.type_env.push_back(&r->GetRepeatedMessage(test, env_f, i));
      }
      // Map fields are repeated entry messages under reflection.
      ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* bind_f,
                            Field(test, "bindings"));
      for (int i = 0; i < r->FieldSize(test, bind_f); ++i) {
        const pb::Message& entry = r->GetRepeatedMessage(test, bind_f, i);
        ONUS_ASSIGN_OR_RETURN(std::string key, GetString(entry, "key"));
        ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* vf,
                              Field(entry, "value"));
        c.bindings.emplace_back(key,
                                &entry.GetReflection()->GetMessage(entry, vf));
      }

      const pb::OneofDescriptor* matcher =
          test.GetDescriptor()->FindOneofByName("result_matcher");
      if (matcher == nullptr) {
        return absl::DataLossError("SimpleTest has no result_matcher oneof");
      }
      const pb::FieldDescriptor* set =
          r->GetOneofFieldDescriptor(test, matcher);
      if (set == nullptr) {
        // The spec: with no matcher, the expected result is `true`.
        c.expect = Expect::kValue;
        c.value = true_value.get();
      } else if (set->name() == "value") {
        c.expect = Expect::kValue;
        c.value = &r->GetMessage(test, set);
      } else if (set->name() == "typed_result") {
        const pb::Message& typed = r->GetMessage(test, set);
        c.expect = Expect::kTypedResult;
        ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* rf,
                              Field(typed, "result"));
        ONUS_ASSIGN_OR_RETURN(const pb::FieldDescriptor* tf,
                              Field(typed, "deduced_type"));
        const pb::Reflection* tr = typed.GetReflection();
        // A typed_result without a result only checks the type.
        c.value =
            tr->HasField(typed, rf) ? &tr->GetMessage(typed, rf) : nullptr;
        c.deduced_type = &tr->GetMessage(typed, tf);
      } else if (set->name() == "eval_error") {
        c.expect = Expect::kEvalError;
        c.errors = &r->GetMessage(test, set);
      } else if (set->name() == "any_eval_errors") {
        c.expect = Expect::kAnyEvalErrors;
      } else if (set->name() == "unknown") {
        c.expect = Expect::kUnknown;
      } else if (set->name() == "any_unknowns") {
        c.expect = Expect::kAnyUnknowns;
      } else {
        return absl::DataLossError(
            absl::StrCat(c.id(), ": unknown result matcher ", set->name()));
      }
      tests_.push_back(std::move(c));
      ++count;
    }
  }
  if (expected >= 0 && count != expected) {
    return absl::DataLossError(absl::StrCat(
        name, ".binpb: ", count, " tests, MANIFEST says ", expected));
  }
  files_.emplace_back(name);
  owned_.push_back(std::move(file));
  owned_.push_back(std::move(true_value));
  return absl::OkStatus();
}

}  // namespace onus::conformance
