// onus explain FILE... [--policy ID]: the bytecode of every program of every
// policy, SQLite-EXPLAIN style (address, opcode, operands, synopsis,
// file:line:col).
#include "engine/cli/args.h"
#include "engine/cli/commands.h"
#include "engine/cli/common.h"
#include "engine/disasm.h"

namespace onus::cli {

int RunExplain(const std::vector<std::string>& argv, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<Args> args = ParseArgs(argv, {{"policy", true, true}});
  if (!args.ok() || args->positional.empty()) {
    err << "onus explain: "
        << (args.ok() ? "usage: onus explain FILE... [--policy ID]"
                      : args.status().message())
        << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<engine::PolicyPack>> pack =
      LoadPack(args->positional, err);
  if (!pack.ok()) {
    err << "onus explain: " << pack.status().message() << "\n";
    return PackLoadExit(pack.status());
  }
  if (absl::Status st = (*pack)->Select(args->GetAll("policy")); !st.ok()) {
    err << "onus explain: " << st.message() << "\n";
    return kExitUsage;
  }
  for (const engine::CompiledPolicy& p : (*pack)->policies()) {
    out << "policy " << p.meta.id() << " (" << p.resource_type << ")\n";
    if (p.when.has_value()) {
      out << "-- when\n" << engine::Disassemble(*p.when) << "\n";
    }
    out << "-- require\n" << engine::Disassemble(p.require) << "\n";
    for (size_t i = 0; i < p.message_exprs.size(); ++i) {
      out << "-- message {" << i << "}\n"
          << engine::Disassemble(p.message_exprs[i]) << "\n";
    }
  }
  return kExitClean;
}

}  // namespace onus::cli
