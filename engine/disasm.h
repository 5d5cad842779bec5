// EXPLAIN for programs: one line per instruction with its address, opcode,
// raw operands, the synopsis with registers, constants and fields filled
// in, and the source location (file:line:col, 1-based) from the span table.
//
//   addr  opcode         a    b    c    x  synopsis                      source
//   ----  -------------  ---  ---  ---  -  ----------------------------  ------
//   0     FIELD_FIELD    1    0    0    0  r1 := r0.pab#6.block_acls#1
//   <expr>:1:1
#ifndef ONUS_ENGINE_DISASM_H_
#define ONUS_ENGINE_DISASM_H_

#include <string>

#include "engine/bytecode.h"

namespace onus::engine {

struct DisasmOptions {
  bool header = true;        // column header rows
  bool locations = true;     // the source column
  bool raw_operands = true;  // the a b c x columns
};

std::string Disassemble(const Program& program, const DisasmOptions& = {});

// A constant as the disassembler shows it: 1, 1u, 1.5, "s", b"\x00",
// [1, 2], {"k": 1}, type(int), error("...").
std::string RenderConstant(const Value& v);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_DISASM_H_
