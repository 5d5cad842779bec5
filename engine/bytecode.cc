#include "engine/bytecode.h"

namespace onus::engine {

namespace {

struct OpInfo {
  const char* name;
  OperandFormat format;
  bool writes_a;
  const char* synopsis;
};

constexpr OpInfo kOpInfo[] = {
#define OP(name, fmt, writes_a, synopsis) \
  {#name, OperandFormat::k##fmt, writes_a != 0, synopsis},
#include "engine/opcodes.def"
#undef OP
};
static_assert(sizeof(kOpInfo) / sizeof(kOpInfo[0]) == kNumOps,
              "one OpInfo per opcode");

}  // namespace

const char* OpName(Op op) { return kOpInfo[static_cast<int>(op)].name; }
OperandFormat OpFormat(Op op) { return kOpInfo[static_cast<int>(op)].format; }
const char* OpSynopsis(Op op) { return kOpInfo[static_cast<int>(op)].synopsis; }
bool OpWritesA(Op op) { return kOpInfo[static_cast<int>(op)].writes_a; }

}  // namespace onus::engine
