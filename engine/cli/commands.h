// The `onus` subcommands. Each returns the process exit code (common.h).
#ifndef ONUS_ENGINE_CLI_COMMANDS_H_
#define ONUS_ENGINE_CLI_COMMANDS_H_

#include <iostream>
#include <string>
#include <vector>

namespace onus::cli {

int RunEval(const std::vector<std::string>& argv, std::ostream& out,
            std::ostream& err);
// engine/cli/compile_cmd.cc: policies -> compiled bundle (.onusb).
int RunCompile(const std::vector<std::string>& argv, std::ostream& out,
               std::ostream& err);
int RunCheck(const std::vector<std::string>& argv, std::ostream& out,
             std::ostream& err);
int RunExplain(const std::vector<std::string>& argv, std::ostream& out,
               std::ostream& err);
int RunTest(const std::vector<std::string>& argv, std::ostream& out,
            std::ostream& err);
int RunFmt(const std::vector<std::string>& argv, std::ostream& out,
           std::ostream& err);
int RunDiff(const std::vector<std::string>& argv, std::ostream& out,
            std::ostream& err);
int RunImport(const std::vector<std::string>& argv, std::ostream& out,
              std::ostream& err);
// engine/cli/serve_cmd.cc: the gRPC evaluation service.
int RunServe(const std::vector<std::string>& argv, std::ostream& out,
             std::ostream& err);

}  // namespace onus::cli

#endif  // ONUS_ENGINE_CLI_COMMANDS_H_
