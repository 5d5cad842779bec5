// The evaluator's side of the policy builtins `resources(T)` and
// `lookup(T, id)`: the VM hands calls to these to the EvalHost of the
// current evaluation (CallContext::host), which answers from the snapshot's
// indexes. Without a host (single expressions, conformance) both return an
// error value.
#ifndef ONUS_ENGINE_HOST_H_
#define ONUS_ENGINE_HOST_H_

#include "absl/strings/string_view.h"
#include "engine/value.h"

namespace onus::engine {

class EvalHost {
 public:
  virtual ~EvalHost() = default;
  // Every resource of message type `type` in the scope of the current
  // evaluation (the bound resource's account), as a list of messages.
  virtual Value Resources(Arena& arena, const TypeObj& type) = 0;
  // The resource of `type` with this id, or an error value naming both when
  // there is none.
  virtual Value Lookup(Arena& arena, const TypeObj& type,
                       absl::string_view id) = 0;
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_HOST_H_
