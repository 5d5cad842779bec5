// onus fmt [-w | --check] FILE...: canonical formatting of .onus files.
// Without flags the formatted text goes to stdout; -w rewrites files that
// change; --check lists files that are not formatted and exits 1 (for CI).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "lang/formatter.h"

namespace onus::cli {

int RunFmt(const std::vector<std::string>& argv, std::ostream& out,
           std::ostream& err) {
  absl::StatusOr<Args> args = ParseArgs(argv, {{"w", false}, {"check", false}});
  if (!args.ok() || args->positional.empty()) {
    err << "onus fmt: "
        << (args.ok() ? "usage: onus fmt [-w | --check] FILE|DIR..."
                      : args.status().message())
        << "\n";
    return kExitUsage;
  }
  std::vector<std::string> files;
  for (const std::string& p : args->positional) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
           it != std::filesystem::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->path().extension() == ".onus") files.push_back(it->path());
      }
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  int unformatted = 0;
  for (const std::string& path : files) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      err << "onus fmt: " << path << ": cannot read\n";
      return kExitUsage;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    lang::Source src(path, ss.str());
    absl::StatusOr<std::string> formatted = lang::FormatPolicySource(src);
    if (!formatted.ok()) {
      err << formatted.status().message();
      return kExitUsage;
    }
    bool changed = *formatted != src.text();
    if (args->Has("check")) {
      if (changed) {
        out << path << "\n";
        ++unformatted;
      }
    } else if (args->Has("w")) {
      if (changed) {
        std::ofstream o(path, std::ios::binary | std::ios::trunc);
        o << *formatted;
        if (!o) {
          err << "onus fmt: " << path << ": cannot write\n";
          return kExitUsage;
        }
      }
    } else {
      out << *formatted;
    }
  }
  return unformatted > 0 ? kExitFindings : kExitClean;
}

}  // namespace onus::cli
