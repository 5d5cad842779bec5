// Strong enums: typed enum values as extension (opaque) values, and the
// "@enum" conversion the compiler emits for `Enum(int)`, `Enum(string)` and
// for reads of enum fields when CompileOptions::strong_enums is on. The
// legacy mode (enums are ints) never reaches this file.
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/builtins/internal.h"
#include "google/protobuf/descriptor.h"

namespace onus::engine {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;

struct EnumEntry {
  TypeObj type;
  std::string name;  // owns the bytes type.name points at
  const EnumDescriptor* desc = nullptr;
};

// Interned per descriptor, like MessageType::For: descriptors outlive every
// program that names them (the pool is kept by the caller).
struct Registry {
  std::mutex mu;
  absl::flat_hash_map<const EnumDescriptor*, std::unique_ptr<EnumEntry>>
      by_desc;
  absl::flat_hash_map<const TypeObj*, const EnumDescriptor*> by_type;
};

Registry& GetRegistry() {
  static Registry* r = new Registry();
  return *r;
}

// string(e): the value's name when the enum declares the number, else the
// number (open enums may hold any int32).
void FormatEnum(const OpaqueObj& self, std::string* out) {
  int64_t n = 0;
  if (self.size == sizeof(n)) {
    for (int i = 7; i >= 0; --i) n = (n << 8) | self.data[i];
  }
  const EnumDescriptor* d = EnumOfType(self.type);
  const EnumValueDescriptor* ev =
      d != nullptr && n >= std::numeric_limits<int32_t>::min() &&
              n <= std::numeric_limits<int32_t>::max()
          ? d->FindValueByNumber(static_cast<int32_t>(n))
          : nullptr;
  if (ev != nullptr) {
    absl::StrAppend(out, ev->name());
  } else {
    absl::StrAppend(out, n);
  }
}

// @enum(type, x): x an int (must fit int32, as protobuf enums do), the
// name of one of the enum's values, or already a value of that enum.
Value EnumFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = builtins_internal::FirstError(args, argc)) return *e;
  if (argc != 2 || args[0].kind != Kind::kType) {
    return builtins_internal::NoOverload(ctx, "@enum", args, argc);
  }
  const TypeObj* type = args[0].type;
  const EnumDescriptor* d = EnumOfType(type);
  if (d == nullptr) {
    return builtins_internal::NoOverload(ctx, "@enum", args, argc);
  }
  const Value& x = args[1];
  switch (x.kind) {
    case Kind::kInt:
      if (x.i < std::numeric_limits<int32_t>::min() ||
          x.i > std::numeric_limits<int32_t>::max()) {
        return builtins_internal::Err(
            ctx, ErrorCode::kOverflow,
            absl::StrCat("range error converting ", x.i, " to enum ",
                         d->full_name(), ": out of int32 range"));
      }
      return MakeEnumValue(*ctx.arena, type, x.i);
    case Kind::kString: {
      const EnumValueDescriptor* ev =
          d->FindValueByName(std::string(x.string_view()));
      if (ev == nullptr) {
        return builtins_internal::Err(
            ctx, ErrorCode::kInvalidArgument,
            absl::StrCat("enum ", d->full_name(), " has no value named '",
                         x.string_view(), "'"));
      }
      return MakeEnumValue(*ctx.arena, type, ev->number());
    }
    case Kind::kOpaque:
      if (x.opaque->type == type) return x;
      break;
    default:
      break;
  }
  return builtins_internal::NoOverload(ctx, d->full_name().c_str(), &x, 1);
}

const Builtin kEnumBuiltins[] = {
    {"@enum", false, 2, 2, EnumFn},
};

}  // namespace

const TypeObj* EnumType(const EnumDescriptor* desc) {
  if (desc == nullptr) return nullptr;
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::unique_ptr<EnumEntry>& slot = r.by_desc[desc];
  if (slot == nullptr) {
    slot = std::make_unique<EnumEntry>();
    slot->name = desc->full_name();
    slot->desc = desc;
    slot->type.kind = Kind::kOpaque;
    slot->type.name = slot->name.c_str();
    r.by_type[&slot->type] = desc;
  }
  return &slot->type;
}

const EnumDescriptor* EnumOfType(const TypeObj* type) {
  if (type == nullptr || type->kind != Kind::kOpaque) return nullptr;
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.by_type.find(type);
  return it == r.by_type.end() ? nullptr : it->second;
}

Value MakeEnumValue(Arena& arena, const TypeObj* type, int64_t number) {
  uint8_t* p = static_cast<uint8_t*>(arena.Allocate(sizeof(number), 1));
  uint64_t u = static_cast<uint64_t>(number);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
  OpaqueObj* o = arena.New<OpaqueObj>();
  o->type = type;
  o->data = p;
  o->size = sizeof(number);
  o->format = FormatEnum;
  return Value::Opaque(o);
}

bool EnumValueNumber(const Value& v, int64_t* number) {
  if (v.kind != Kind::kOpaque || v.opaque == nullptr ||
      v.opaque->format != FormatEnum || v.opaque->size != 8) {
    return false;
  }
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | v.opaque->data[i];
  *number = static_cast<int64_t>(u);
  return true;
}

namespace builtins_internal {
absl::Span<const Builtin> EnumBuiltins() { return kEnumBuiltins; }
}  // namespace builtins_internal

}  // namespace onus::engine
