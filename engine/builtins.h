// The builtin function table the VM calls: the CEL standard library plus the
// Onus extensions (strings, math, base64, IP/CIDR, JSON, time zones).
//
// Each entry is one function name with an arity range; the function itself
// dispatches on the kinds of its arguments and returns an error value
// ("no matching overload for 'f' applied to (int, string)") for kinds it does
// not accept. Errors travel as values (Kind::kError), never as exceptions.
// Operators use their CEL names: _+_ _-_ _*_ _/_ _%_ -_ _==_ _!=_ _<_ _<=_
// _>_ _>=_ @in _[_] size. Namespaced functions keep the dot in their name:
// "math.greatest", "base64.encode", "strings.quote", "json.decode".
#ifndef ONUS_ENGINE_BUILTINS_H_
#define ONUS_ENGINE_BUILTINS_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/value.h"

namespace google::protobuf {
class EnumDescriptor;
}

namespace onus::engine {

class EvalHost;  // engine/host.h

struct CallContext {
  Arena* arena;  // evaluation arena: results and error messages live here
  // The evaluator's answers to resources(T) / lookup(T, id); null when
  // evaluating a lone expression.
  EvalHost* host = nullptr;
};

// For receiver calls args[0] is the receiver. Arguments are never errors
// when the VM calls a strict function, but every builtin still returns the
// first error argument it sees rather than crashing.
using BuiltinFn = Value (*)(CallContext& ctx, const Value* args, uint32_t argc);

struct Builtin {
  const char* name;
  bool receiver;  // called as x.name(...)
  int min_args;   // counts include the receiver
  int max_args;   // -1 = variadic
  BuiltinFn fn;
};

// The builtin for `name` called with `argc` arguments (receiver included),
// or null if there is none. Thread-safe; the result lives forever.
const Builtin* FindBuiltin(absl::string_view name, bool receiver, int argc);

// Every builtin, for the checker's declarations and documentation.
absl::Span<const Builtin> AllBuiltins();

// ---- Strong enums (opt-in: ExprOptions / CompileOptions::strong_enums) ----
// A typed enum value is an extension value (Kind::kOpaque) whose type is the
// enum's interned TypeObj (kind kOpaque, name = the enum's full name) and
// whose payload is the number as 8 little-endian bytes, so opaque equality
// is "same enum type and same number". Implemented in builtins/enums.cc; the
// compiler calls the builtin "@enum"(type, int|string) to convert and to
// wrap enum field reads.

// The interned type of a protobuf enum; lives for the process.
const TypeObj* EnumType(const google::protobuf::EnumDescriptor* desc);
// The enum behind a type made by EnumType, or null for any other type.
const google::protobuf::EnumDescriptor* EnumOfType(const TypeObj* type);
// A typed enum value of `type` (from EnumType) allocated in `arena`.
Value MakeEnumValue(Arena& arena, const TypeObj* type, int64_t number);
// True and *number set when `v` is a typed enum value.
bool EnumValueNumber(const Value& v, int64_t* number);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUILTINS_H_
