// "...".format([args]) with cel-go ext.Strings semantics.
#ifndef ONUS_ENGINE_BUILTINS_STRING_FORMAT_H_
#define ONUS_ENGINE_BUILTINS_STRING_FORMAT_H_

#include "absl/strings/string_view.h"
#include "engine/builtins.h"
#include "engine/value.h"

namespace onus::engine {

// Supports %s %d %f %.Nf %e %.Ne %x %X %o %b and %%. Returns a string value
// or an error value naming the clause and the offending type.
Value FormatString(CallContext& ctx, absl::string_view fmt,
                   const ListObj& args);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUILTINS_STRING_FORMAT_H_
