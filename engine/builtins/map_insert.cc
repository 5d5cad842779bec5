// cel.@mapInsert: the accumulator step of the transformMap /
// transformMapEntry macros. (map, key, value) adds one entry; (map, map)
// adds every entry of the second map. Inserting a key that is already
// present is an error, as in cel-go, so a macro cannot silently overwrite.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/builtins/internal.h"
#include "engine/builtins/list_access.h"
#include "engine/value_format.h"

namespace onus::engine {
namespace {

using builtins_internal::Err;
using builtins_internal::FirstError;
using builtins_internal::NoOverload;

bool IsKeyKind(Kind k) {
  return k == Kind::kBool || k == Kind::kInt || k == Kind::kUint ||
         k == Kind::kString;
}

Value MapInsert(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  if (args[0].kind != Kind::kMap || (argc == 2 && args[1].kind != Kind::kMap) ||
      (argc == 3 && !IsKeyKind(args[1].kind))) {
    return NoOverload(ctx, "cel.@mapInsert", args, argc);
  }
  Arena& arena = *ctx.arena;
  const MapObj& m = *args[0].map;
  std::vector<Value> keys, values;
  keys.reserve(m.size + 1);
  values.reserve(m.size + 1);
  for (uint32_t i = 0; i < m.size; ++i) {
    keys.push_back(MapKey(arena, m, i));
    values.push_back(MapValue(arena, m, i));
    if (keys.back().is_error()) return keys.back();
    if (values.back().is_error()) return values.back();
  }
  auto add = [&](Value k, Value v) -> Value {
    bool found = false;
    Value existing = MapLookup(arena, m, k, &found);
    if (existing.is_error()) return existing;
    if (found) {
      return Err(ctx, ErrorCode::kInvalidArgument,
                 absl::StrCat("insert failed: key ", FormatValue(k),
                              " already exists"));
    }
    keys.push_back(k);
    values.push_back(v);
    return Value();
  };
  if (argc == 3) {
    Value r = add(args[1], args[2]);
    if (r.is_error()) return r;
  } else {
    const MapObj& other = *args[1].map;
    for (uint32_t i = 0; i < other.size; ++i) {
      Value k = MapKey(arena, other, i);
      Value v = MapValue(arena, other, i);
      if (k.is_error()) return k;
      if (v.is_error()) return v;
      Value r = add(k, v);
      if (r.is_error()) return r;
    }
  }
  return MakeMap(arena, keys.data(), values.data(),
                 static_cast<uint32_t>(keys.size()));
}

const Builtin kMapInsert[] = {
    {"cel.@mapInsert", false, 2, 3, MapInsert},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> MapInsertBuiltins() { return kMapInsert; }
}  // namespace builtins_internal

}  // namespace onus::engine
