// onus compile PATH... -o PACK.onusb: compile policies into a bundle
// (engine/bundle.h) that `onus eval --policies PACK.onusb` and the service
// load without parsing the sources again.
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "engine/bundle.h"
#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"

namespace onus::cli {

int RunCompile(const std::vector<std::string>& argv, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<Args> args =
      ParseArgs(argv, {{"o", true}, {"output", true}, {"no-sources", false}});
  const std::string output =
      args.ok() ? args->Get("o", args->Get("output")) : "";
  if (!args.ok() || args->positional.empty() || output.empty()) {
    err << "onus compile: "
        << (args.ok() ? "usage: onus compile PATH... -o PACK.onusb "
                        "[--no-sources]"
                      : args.status().message())
        << "\n";
    return kExitUsage;
  }
  for (const std::string& p : args->positional) {
    // Recompiling a bundle would need its sources; refuse instead of
    // silently compiling nothing.
    if (absl::EndsWith(p, engine::kBundleExtension)) {
      err << "onus compile: " << p << " is already a compiled bundle\n";
      return kExitUsage;
    }
  }
  absl::StatusOr<std::unique_ptr<engine::PolicyPack>> pack =
      LoadPack(args->positional, err);
  if (!pack.ok()) {
    err << "onus compile: " << pack.status().message() << "\n";
    return PackLoadExit(pack.status());
  }
  engine::SaveBundleOptions opts;
  opts.compiler_version = absl::StrCat("onus ", kVersion);
  opts.include_sources = !args->Has("no-sources");
  absl::StatusOr<onus::v1::Bundle> bundle = engine::SaveBundle(**pack, opts);
  absl::StatusOr<std::string> bytes =
      bundle.ok() ? engine::SerializeBundle(*bundle)
                  : absl::StatusOr<std::string>(bundle.status());
  if (!bytes.ok()) {
    err << "onus compile: " << bytes.status().message() << "\n";
    return kExitUsage;
  }
  std::ofstream f(output, std::ios::binary | std::ios::trunc);
  f.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  f.close();
  if (!f) {
    err << "onus compile: " << output << ": cannot write\n";
    return kExitUsage;
  }
  out << absl::StrFormat("%d policies compiled to %s (%d bytes)\n",
                         bundle->policies_size(), output, bytes->size());
  return kExitClean;
}

}  // namespace onus::cli
