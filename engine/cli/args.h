// Command-line arguments of one `onus` subcommand.
//
// A small parser of our own rather than absl flags: absl's parser exits the
// process with status 1 on a bad flag, and 1 is the documented "findings"
// exit code of `onus eval`; a usage error must exit 2. It also keeps flags
// per subcommand instead of process-global.
#ifndef ONUS_ENGINE_CLI_ARGS_H_
#define ONUS_ENGINE_CLI_ARGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace onus::cli {

struct FlagSpec {
  std::string name;  // without dashes: "policies", "j"
  bool takes_value;  // --name VALUE / --name=VALUE; else a switch
  bool repeated = false;
};

struct Args {
  std::map<std::string, std::vector<std::string>> values;
  std::vector<std::string> positional;

  bool Has(const std::string& name) const { return values.count(name) > 0; }
  // Last value, or `def`.
  std::string Get(const std::string& name, const std::string& def = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
};

// `argv` excludes the program and subcommand names. Unknown flags, missing
// values and repeated non-repeatable flags are errors naming the flag.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                               const std::vector<FlagSpec>& specs);

}  // namespace onus::cli

#endif  // ONUS_ENGINE_CLI_ARGS_H_
