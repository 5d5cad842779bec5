// onus: the policy-as-code command line.
//
//   onus eval    evaluate a policy pack over an inventory snapshot
//   onus check   compile policies and report diagnostics
//   onus compile compile policies into a bundle (.onusb)
//   onus test    run the test cases beside policies, with coverage
//   onus explain print the bytecode of policies
//   onus diff    findings new/resolved/unchanged between two snapshots
//   onus import  provider JSON (AWS CLI, GCP asset export, Azure Resource
//                Graph) -> snapshot
//   onus serve   the gRPC evaluation service (docs/api.md)
//   onus version
//
// Exit codes: 0 clean, 1 findings (eval --fail-on, check/test errors, diff
// with new findings), 2 usage or input error. See docs/cli.md.
#include <iostream>
#include <string>
#include <vector>

#include "engine/bytecode.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/vm.h"

namespace {

constexpr char kUsage[] =
    "usage: onus <command> [flags]\n"
    "\n"
    "commands:\n"
    "  eval --policies DIR --input SNAPSHOT [--format text|json|sarif|junit|"
    "csv|html]\n"
    "       [--input-format auto|snapshot|aws|gcp|azure] (--input repeats)\n"
    "       [--output FILE] [--fail-on SEVERITY] [--waivers FILE] [-j N]\n"
    "       [--policy ID]... [--verbose] [--no-evidence]\n"
    "  check PATH...          compile policies, print diagnostics\n"
    "  compile PATH... -o PACK.onusb [--no-sources]   compiled bundle, "
    "loadable\n"
    "                         by --policies PACK.onusb (docs/bytecode.md)\n"
    "  test PATH...           run *_test.textproto cases beside policies\n"
    "  explain FILE... [--policy ID]   print bytecode\n"
    "  diff OLD NEW [--policies DIR]   compare findings by fingerprint\n"
    "  fmt [-w | --check] FILE|DIR...  canonical formatting of .onus files\n"
    "  import --output SNAPSHOT [--provider aws|gcp|azure|auto]\n"
    "         [--account ID] [--region R] PATH...   provider JSON -> snapshot\n"
    "  serve --policies DIR|FILE.onusb [--listen HOST:PORT] [--tokens FILE]\n"
    "        [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]\n"
    "        [--plaintext] [--port-file FILE]\n"
    "        [--metrics-listen HOST:PORT]   gRPC service (docs/api.md)\n"
    "  version\n"
    "\n"
    "exit codes: 0 clean, 1 findings, 2 usage or input error\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return onus::cli::kExitUsage;
  }
  std::string cmd = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (cmd == "eval") return onus::cli::RunEval(rest, std::cout, std::cerr);
  if (cmd == "compile") {
    return onus::cli::RunCompile(rest, std::cout, std::cerr);
  }
  if (cmd == "check") return onus::cli::RunCheck(rest, std::cout, std::cerr);
  if (cmd == "test") return onus::cli::RunTest(rest, std::cout, std::cerr);
  if (cmd == "explain") {
    return onus::cli::RunExplain(rest, std::cout, std::cerr);
  }
  if (cmd == "diff") return onus::cli::RunDiff(rest, std::cout, std::cerr);
  if (cmd == "fmt") return onus::cli::RunFmt(rest, std::cout, std::cerr);
  if (cmd == "import") {
    return onus::cli::RunImport(rest, std::cout, std::cerr);
  }
  if (cmd == "serve") return onus::cli::RunServe(rest, std::cout, std::cerr);
  if (cmd == "version" || cmd == "--version") {
    std::cout << "onus " << onus::cli::kVersion << " (bytecode v"
              << onus::engine::kBytecodeVersion << ", "
              << onus::engine::VmDispatchKind() << " dispatch)\n";
    return onus::cli::kExitClean;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::cout << kUsage;
    return onus::cli::kExitClean;
  }
  std::cerr << "onus: unknown command `" << cmd << "`\n\n" << kUsage;
  return onus::cli::kExitUsage;
}
