// Provider-shaped JSON samples parse into the typed resource messages with
// protobuf's own JSON parser. One table row per resource type: the sample
// file, the message type, and a text-format subset the parsed message must
// contain (compared with MessageDifferencer in PARTIAL scope: fields the
// expectation leaves out are not compared, but a repeated field it mentions
// must list every element, in order).
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/schema_cases.h"

namespace onus::proto_test {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::MessageFactory;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<Message> NewMessage(absl::string_view type) {
  const Descriptor* d = DescriptorPool::generated_pool()->FindMessageTypeByName(
      std::string(type));
  if (d == nullptr) return nullptr;
  return std::unique_ptr<Message>(
      MessageFactory::generated_factory()->GetPrototype(d)->New());
}

class SchemaCaseTest : public ::testing::TestWithParam<SchemaCase> {};

TEST_P(SchemaCaseTest, ProviderJsonParsesIntoTypedMessage) {
  const SchemaCase& c = GetParam();
  std::string json = ReadFile(absl::StrCat("proto/testdata/", c.file));
  ASSERT_FALSE(json.empty()) << c.file;

  std::unique_ptr<Message> msg = NewMessage(c.type);
  ASSERT_NE(msg, nullptr) << "type not in generated pool: " << c.type;

  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, msg.get(), lenient);
  ASSERT_TRUE(status.ok()) << c.file << ": " << status.ToString();

  std::unique_ptr<Message> expected = NewMessage(c.type);
  ASSERT_TRUE(
      google::protobuf::TextFormat::ParseFromString(c.expected, expected.get()))
      << "bad expectation for " << c.file;
  // The expectation must say something, or the comparison proves nothing.
  ASSERT_GT(expected->ByteSizeLong(), 0u) << c.file;

  google::protobuf::util::MessageDifferencer diff;
  diff.set_scope(google::protobuf::util::MessageDifferencer::PARTIAL);
  std::string report;
  diff.ReportDifferencesToString(&report);
  EXPECT_TRUE(diff.Compare(*expected, *msg))
      << c.file << " differs from expectation:\n"
      << report;
}

TEST_P(SchemaCaseTest, SampleHasAnUnmodelledFieldThatIsIgnored) {
  // Each sample carries at least one key the schema does not model (as real
  // responses do); strict parsing must reject it, lenient parsing must not.
  const SchemaCase& c = GetParam();
  std::string json = ReadFile(absl::StrCat("proto/testdata/", c.file));
  std::unique_ptr<Message> msg = NewMessage(c.type);
  ASSERT_NE(msg, nullptr);
  google::protobuf::util::JsonParseOptions strict;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, msg.get(), strict);
  EXPECT_FALSE(status.ok()) << c.file << " has no unmodelled field";
}

INSTANTIATE_TEST_SUITE_P(AllResourceTypes, SchemaCaseTest,
                         ::testing::ValuesIn(SchemaCases()),
                         [](const ::testing::TestParamInfo<SchemaCase>& info) {
                           std::string name;
                           for (char ch : std::string(info.param.type)) {
                             name += (ch == '.') ? '_' : ch;
                           }
                           return name;
                         });

// Every resource-schema file (onus/aws, onus/gcp, onus/azure) reached from
// the generated pool.
std::vector<const FileDescriptor*> ResourceSchemaFiles() {
  std::vector<const FileDescriptor*> files;
  std::set<const FileDescriptor*> seen;
  for (const SchemaCase& c : SchemaCases()) {
    const Descriptor* d =
        DescriptorPool::generated_pool()->FindMessageTypeByName(c.type);
    if (d == nullptr) continue;
    std::vector<const FileDescriptor*> todo = {d->file()};
    while (!todo.empty()) {
      const FileDescriptor* f = todo.back();
      todo.pop_back();
      if (!seen.insert(f).second) continue;
      if (absl::StartsWith(f->name(), "onus/")) files.push_back(f);
      for (int i = 0; i < f->dependency_count(); ++i) {
        todo.push_back(f->dependency(i));
      }
    }
  }
  return files;
}

void CheckFields(const Descriptor* d, std::vector<std::string>* bad) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (!f->has_json_name()) {
      bad->push_back(absl::StrCat(f->full_name(), ": no json_name"));
    }
    for (char ch : f->name()) {
      if (!(absl::ascii_islower(ch) || absl::ascii_isdigit(ch) || ch == '_')) {
        bad->push_back(absl::StrCat(f->full_name(), ": not snake_case"));
        break;
      }
    }
  }
  for (int i = 0; i < d->nested_type_count(); ++i) {
    if (d->nested_type(i)->options().map_entry()) continue;
    CheckFields(d->nested_type(i), bad);
  }
}

// The JSON-name rule (docs/schemas.md): every field of every resource schema
// names the provider's key explicitly and is snake_case in the .proto.
TEST(SchemaRules, EveryResourceFieldHasExplicitJsonNameAndSnakeCase) {
  std::vector<const FileDescriptor*> files = ResourceSchemaFiles();
  ASSERT_GE(files.size(), 15u);
  std::vector<std::string> bad;
  for (const FileDescriptor* f : files) {
    for (int i = 0; i < f->message_type_count(); ++i) {
      CheckFields(f->message_type(i), &bad);
    }
  }
  EXPECT_TRUE(bad.empty()) << absl::StrJoin(bad, "\n");
}

TEST(SchemaRules, CasesCoverEveryProviderAndAreUnique) {
  std::set<std::string> types;
  int aws = 0, gcp = 0, azure = 0;
  for (const SchemaCase& c : SchemaCases()) {
    EXPECT_TRUE(types.insert(c.type).second) << "duplicate " << c.type;
    aws += absl::StartsWith(c.type, "onus.aws.");
    gcp += absl::StartsWith(c.type, "onus.gcp.");
    azure += absl::StartsWith(c.type, "onus.azure.");
  }
  EXPECT_GE(aws, 20);
  EXPECT_GE(gcp, 7);
  EXPECT_GE(azure, 6);
}

}  // namespace
}  // namespace onus::proto_test
