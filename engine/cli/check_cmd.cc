// onus check PATH...: compile policies and report diagnostics.
#include "absl/strings/str_format.h"
#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"

namespace onus::cli {

int RunCheck(const std::vector<std::string>& argv, std::ostream& out,
             std::ostream& err) {
  absl::StatusOr<Args> args = ParseArgs(argv, {});
  if (!args.ok() || args->positional.empty()) {
    err << "onus check: "
        << (args.ok() ? "usage: onus check PATH..." : args.status().message())
        << "\n";
    return kExitUsage;
  }
  lang::DiagnosticList diags;
  absl::StatusOr<std::unique_ptr<engine::PolicyPack>> pack =
      engine::PolicyPack::Load(args->positional, lang::FrontendOptions(),
                               diags);
  err << diags.Render();
  if (!pack.ok()) {
    err << "onus check: " << pack.status().message() << "\n";
    return kExitUsage;
  }
  int errors = diags.error_count();
  int warnings = static_cast<int>(diags.items().size()) - errors;
  out << absl::StrFormat("%d policies compiled, %d error(s), %d warning(s)\n",
                         (*pack)->policies().size(), errors, warnings);
  return errors > 0 ? kExitFindings : kExitClean;
}

}  // namespace onus::cli
