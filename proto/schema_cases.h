// The table of resource types with a provider-shaped JSON sample under
// proto/testdata/. Shared by the schema test (each sample parses) and the
// sample-inventory test (the inventory uses exactly these types).
#ifndef ONUS_PROTO_SCHEMA_CASES_H_
#define ONUS_PROTO_SCHEMA_CASES_H_

#include <string>
#include <vector>

namespace onus::proto_test {

struct SchemaCase {
  // Path under proto/testdata/.
  std::string file;
  // Fully qualified message name.
  std::string type;
  // Text-format subset of the message the sample must parse into.
  std::string expected;
};

const std::vector<SchemaCase>& SchemaCases();

}  // namespace onus::proto_test

#endif  // ONUS_PROTO_SCHEMA_CASES_H_
