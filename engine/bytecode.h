// The Onus bytecode: instruction encoding and the Program container.
//
// One header shared by every writer and reader of programs (compiler, VM,
// disassembler, serialiser); the format is documented in docs/bytecode.md and
// versioned by kBytecodeVersion. Opcodes come from engine/opcodes.def.
//
// The machine is register based: an instruction names up to three 16-bit
// operands a, b, c and one 8-bit operand x. Registers [0, var_names.size())
// hold the program's variables (copied in from the caller at entry);
// comprehension variables and temporaries follow.
#ifndef ONUS_ENGINE_BYTECODE_H_
#define ONUS_ENGINE_BYTECODE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/value.h"
#include "lang/source.h"

namespace onus::engine {

class MessageType;
struct FieldInfo;
struct Builtin;

// Bump when the encoding or an opcode's meaning changes; serialised programs
// with another version are rejected.
inline constexpr uint32_t kBytecodeVersion = 2;

enum class Op : uint8_t {
#define OP(name, fmt, writes_a, synopsis) k##name,
#include "engine/opcodes.def"
#undef OP
};

inline constexpr int kNumOps = 0
#define OP(name, fmt, writes_a, synopsis) +1
#include "engine/opcodes.def"
#undef OP
    ;

// How an instruction's fields are used. Letters name the fields in order:
// A = register a, B = register b, C = register c, K = constant index (in b
// for AK, in c otherwise), F = field table index in c, J = jump target in c
// (JJ: b and c), N = a plain count in c, M = message literal index in c,
// CALL = a dst, b first argument register, c call table index, x argc.
// Conditional branches (BR_*): JB = jump target in a, register b, x the
// sense (1 true, 0 false); JBK adds a constant in c, JBF a field in c.
enum class OperandFormat : uint8_t {
  kN,
  kA,
  kAB,
  kABC,
  kAK,
  kABK,
  kABF,
  kABN,
  kABJ,
  kAJ,
  kAJJ,
  kJ,
  kABM,
  kCALL,
  kJB,
  kJBK,
  kJBF,
};

// True for the conditional branches, which are always followed by ON_ERROR.
inline bool IsCondBranch(OperandFormat f) {
  return f == OperandFormat::kJB || f == OperandFormat::kJBK ||
         f == OperandFormat::kJBF;
}

// 8 bytes; programs are arrays of these.
struct Instr {
  Op op = Op::kNOP;
  uint8_t x = 0;
  uint16_t a = 0;
  uint16_t b = 0;
  uint16_t c = 0;
};
static_assert(sizeof(Instr) == 8, "Instr must stay 8 bytes");

// Value::flags set by the compiler on constant lists whose elements are all
// strings (IN_CONST compares views without calling In()).
inline constexpr uint8_t kFlagAllStrings = 1;

// Limits implied by the encoding.
inline constexpr int kMaxOperand = 0xFFFF;
inline constexpr int kMaxCallArgs = 0xFF;

const char* OpName(Op op);
OperandFormat OpFormat(Op op);
const char* OpSynopsis(Op op);
bool OpWritesA(Op op);

// A field access resolved at compile time. `owner` is the message type the
// access was compiled for; at run time a message of another type (dyn, Any)
// falls back to a lookup by `name`.
struct FieldRef {
  const FieldInfo* field = nullptr;
  const MessageType* owner = nullptr;
  std::string name;
};

// A call site. `fn` is null when no overload matched at compile time
// (unchecked programs): the VM then looks it up by name at run time.
struct CallRef {
  const Builtin* fn = nullptr;
  std::string name;
  bool receiver = false;
  int argc = 0;
};

// A message literal `T{f1: v1, f2: v2}`: values come from consecutive
// registers in `fields` order.
struct MessageLiteral {
  const MessageType* type = nullptr;
  std::vector<const FieldInfo*> fields;
  // Per field: `?f: v` (v is an optional; none leaves the field unset).
  // Empty when no field is optional.
  std::vector<bool> optional;
};

struct Program {
  Program() : arena(std::make_unique<Arena>(4096)) {}
  Program(Program&&) = default;
  Program& operator=(Program&&) = default;

  uint32_t version = kBytecodeVersion;
  std::vector<Instr> code;
  // Constant pool. Strings, lists and maps point into `arena`.
  std::vector<Value> constants;
  std::vector<FieldRef> fields;
  std::vector<CallRef> calls;
  std::vector<MessageLiteral> messages;
  // Variables, in register order: r0 holds var_names[0], ...
  std::vector<std::string> var_names;
  // Span table: spans[pc] is the source range instruction pc came from.
  std::vector<lang::Span> spans;
  std::shared_ptr<const lang::Source> source;  // for file:line:col
  uint32_t num_registers = 0;
  std::unique_ptr<Arena> arena;  // owns constant storage
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BYTECODE_H_
