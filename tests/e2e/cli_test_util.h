// Helpers shared by the end-to-end tests of the `onus` subcommands: run a
// subcommand in-process and capture its exit code and output, and scratch
// files under the test's temporary directory.
#ifndef ONUS_TESTS_E2E_CLI_TEST_UTIL_H_
#define ONUS_TESTS_E2E_CLI_TEST_UTIL_H_

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace onus::cli::testing {

struct Result {
  int code;
  std::string out, err;
};

// Runs one subcommand (engine/cli/commands.h) with `args`.
inline Result Invoke(int (*cmd)(const std::vector<std::string>&, std::ostream&,
                                std::ostream&),
                     const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = cmd(args, out, err);
  return {code, out.str(), err.str()};
}

// `name` under $TEST_TMPDIR (Bazel's per-test directory), else /tmp.
inline std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace onus::cli::testing

#endif  // ONUS_TESTS_E2E_CLI_TEST_UTIL_H_
