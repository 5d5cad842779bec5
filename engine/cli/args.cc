#include "engine/cli/args.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace onus::cli {

std::string Args::Get(const std::string& name, const std::string& def) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return def;
  return it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                               const std::vector<FlagSpec>& specs) {
  Args out;
  bool flags_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (flags_done || a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    std::string body = a.substr(absl::StartsWith(a, "--") ? 2 : 1);
    std::string value;
    bool has_value = false;
    size_t eq = body.find('=');
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
      body = body.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (s.name == body) spec = &s;
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag `", a, "`"));
    }
    if (spec->takes_value && !has_value) {
      if (i + 1 >= argv.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag `", a, "` needs a value"));
      }
      value = argv[++i];
    } else if (!spec->takes_value && has_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag `--", body, "` takes no value"));
    }
    auto& slot = out.values[spec->name];
    if (!spec->repeated && !slot.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag `--", spec->name, "` given twice"));
    }
    slot.push_back(value);
  }
  return out;
}

}  // namespace onus::cli
