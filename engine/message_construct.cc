// Building protobuf messages from CEL values: message literals
// (`T{f: v}`), and conversion of any CEL value into well-known types
// (used by NewMessage and by the conformance runner to compare results).
//
// Construction goes through DynamicMessage + reflection, then serializes
// into the arena and views the bytes like any other message. Literals are
// rare compared with reads (and are usually constant-folded), so clarity
// wins over speed here.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/message_type.h"
#include "engine/message_type_internal.h"
#include "engine/value.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "lang/status_macros.h"

namespace onus::engine {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using internal::WktOf;

namespace {

// google.protobuf.Value / ListValue / Struct nest without bound in user
// data; conversion recurses, so it stops here.
constexpr int kMaxDepth = 100;
// Integers beyond 2^53 - 1 lose precision as JSON numbers; CEL (like
// protobuf's JSON mapping of int64) turns them into strings instead.
constexpr int64_t kMaxJsonInt = (int64_t{1} << 53) - 1;

absl::Status KindError(absl::string_view what, const Value& v) {
  return absl::InvalidArgumentError(
      absl::StrCat("type mismatch: ", what, " cannot hold a value of type ",
                   KindName(v.kind)));
}

absl::Status RangeError(const FieldDescriptor* fd) {
  return absl::OutOfRangeError(
      absl::StrCat("value out of range for field ", fd->full_name()));
}

absl::Status ErrorStatus(const Value& v) {
  return absl::InvalidArgumentError(v.err->text());
}

absl::Status ToMessage(Arena& arena, const Value& v, Message* out, int depth);

// Stores v into field fd of m (Set for singular, Add for repeated).
absl::Status StoreValue(Arena& arena, Message* m, const FieldDescriptor* fd,
                        bool add, const Value& v, int depth) {
  if (v.is_error()) return ErrorStatus(v);
  const Reflection* r = m->GetReflection();
  switch (fd->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      if (v.kind != Kind::kInt) return KindError(fd->full_name(), v);
      if (v.i < std::numeric_limits<int32_t>::min() ||
          v.i > std::numeric_limits<int32_t>::max()) {
        return RangeError(fd);
      }
      int32_t x = static_cast<int32_t>(v.i);
      add ? r->AddInt32(m, fd, x) : r->SetInt32(m, fd, x);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64:
      if (v.kind != Kind::kInt) return KindError(fd->full_name(), v);
      add ? r->AddInt64(m, fd, v.i) : r->SetInt64(m, fd, v.i);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_UINT32: {
      if (v.kind != Kind::kUint) return KindError(fd->full_name(), v);
      if (v.u > std::numeric_limits<uint32_t>::max()) return RangeError(fd);
      uint32_t x = static_cast<uint32_t>(v.u);
      add ? r->AddUInt32(m, fd, x) : r->SetUInt32(m, fd, x);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64:
      if (v.kind != Kind::kUint) return KindError(fd->full_name(), v);
      add ? r->AddUInt64(m, fd, v.u) : r->SetUInt64(m, fd, v.u);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_DOUBLE:
      if (v.kind != Kind::kDouble) return KindError(fd->full_name(), v);
      add ? r->AddDouble(m, fd, v.d) : r->SetDouble(m, fd, v.d);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_FLOAT: {
      if (v.kind != Kind::kDouble) return KindError(fd->full_name(), v);
      float x = static_cast<float>(v.d);
      add ? r->AddFloat(m, fd, x) : r->SetFloat(m, fd, x);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      if (v.kind != Kind::kBool) return KindError(fd->full_name(), v);
      add ? r->AddBool(m, fd, v.b) : r->SetBool(m, fd, v.b);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM: {
      // google.protobuf.NullValue fields hold CEL null.
      if (v.kind == Kind::kNull &&
          fd->enum_type()->full_name() == "google.protobuf.NullValue") {
        add ? r->AddEnumValue(m, fd, 0) : r->SetEnumValue(m, fd, 0);
        return absl::OkStatus();
      }
      int64_t number = v.i;
      // Strong enums: a typed enum value (opaque named after the enum, 8-byte
      // little-endian payload; engine/builtins.h) of this field's enum.
      if (v.kind == Kind::kOpaque && v.opaque->size == 8 &&
          v.opaque->type != nullptr && v.opaque->type->name != nullptr &&
          fd->enum_type()->full_name() == v.opaque->type->name) {
        uint64_t u = 0;
        for (int i = 7; i >= 0; --i) u = (u << 8) | v.opaque->data[i];
        number = static_cast<int64_t>(u);
      } else if (v.kind != Kind::kInt) {
        return KindError(fd->full_name(), v);
      }
      if (number < std::numeric_limits<int32_t>::min() ||
          number > std::numeric_limits<int32_t>::max()) {
        return RangeError(fd);
      }
      int32_t x = static_cast<int32_t>(number);
      // Closed (proto2) enums cannot hold unknown numbers.
      if (fd->file()->syntax() ==
              google::protobuf::FileDescriptor::SYNTAX_PROTO2 &&
          fd->enum_type()->FindValueByNumber(x) == nullptr) {
        return RangeError(fd);
      }
      add ? r->AddEnumValue(m, fd, x) : r->SetEnumValue(m, fd, x);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      Kind want = fd->type() == FieldDescriptor::TYPE_BYTES ? Kind::kBytes
                                                            : Kind::kString;
      if (v.kind != want) return KindError(fd->full_name(), v);
      std::string s(v.str, v.len);
      add ? r->AddString(m, fd, std::move(s))
          : r->SetString(m, fd, std::move(s));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      FieldConv conv = WktOf(fd->message_type());
      if (v.kind == Kind::kNull && conv != FieldConv::kValue) {
        // Struct and ListValue are a map and a list in CEL: null is a
        // type error for them, as for repeated and map fields.
        if (conv == FieldConv::kStruct || conv == FieldConv::kListValue) {
          return KindError(fd->full_name(), v);
        }
        // null leaves a message or wrapper field unset.
        if (!add) {
          r->ClearField(m, fd);
          return absl::OkStatus();
        }
        return absl::InvalidArgumentError(
            absl::StrCat("null is not a valid element of ", fd->full_name()));
      }
      Message* sub = add ? r->AddMessage(m, fd) : r->MutableMessage(m, fd);
      return ToMessage(arena, v, sub, depth + 1);
    }
  }
  return absl::InternalError("unknown field type");
}

absl::Status SetFieldValue(Arena& arena, Message* m, const FieldInfo& f,
                           const Value& v) {
  if (v.is_error()) return ErrorStatus(v);
  const FieldDescriptor* fd = f.fd;
  const Reflection* r = m->GetReflection();
  // CEL: null is not a list or map (cel-spec proto2/proto3 set_null).
  if (f.is_map) {
    if (v.kind != Kind::kMap) return KindError(fd->full_name(), v);
    const FieldDescriptor* kfd = f.map_key->fd;
    const FieldDescriptor* vfd = f.map_value->fd;
    for (uint32_t i = 0; i < v.map->size; ++i) {
      Value key = MapKeyAt(arena, *v.map, i);
      Value val = MapValueAt(arena, *v.map, i);
      Message* e = r->AddMessage(m, fd);
      ONUS_RETURN_IF_ERROR(StoreValue(arena, e, kfd, false, key, 0));
      ONUS_RETURN_IF_ERROR(StoreValue(arena, e, vfd, false, val, 0));
    }
    return absl::OkStatus();
  }
  if (f.repeated) {
    if (v.kind != Kind::kList) return KindError(fd->full_name(), v);
    for (uint32_t i = 0; i < v.list->size; ++i) {
      ONUS_RETURN_IF_ERROR(
          StoreValue(arena, m, fd, true, ListGet(arena, *v.list, i), 0));
    }
    return absl::OkStatus();
  }
  return StoreValue(arena, m, fd, false, v, 0);
}

const FieldDescriptor* FieldN(const Message* m, int n) {
  return m->GetDescriptor()->FindFieldByNumber(n);
}

// google.protobuf.Value from any CEL value (JSON mapping).
absl::Status ToJsonValue(Arena& arena, const Value& v, Message* out,
                         int depth) {
  const Reflection* r = out->GetReflection();
  out->Clear();
  switch (v.kind) {
    case Kind::kNull:
      r->SetEnumValue(out, FieldN(out, 1), 0);
      return absl::OkStatus();
    case Kind::kBool:
      r->SetBool(out, FieldN(out, 4), v.b);
      return absl::OkStatus();
    case Kind::kInt:
      if (v.i < -kMaxJsonInt || v.i > kMaxJsonInt) {
        r->SetString(out, FieldN(out, 3), absl::StrCat(v.i));
      } else {
        r->SetDouble(out, FieldN(out, 2), static_cast<double>(v.i));
      }
      return absl::OkStatus();
    case Kind::kUint:
      if (v.u > static_cast<uint64_t>(kMaxJsonInt)) {
        r->SetString(out, FieldN(out, 3), absl::StrCat(v.u));
      } else {
        r->SetDouble(out, FieldN(out, 2), static_cast<double>(v.u));
      }
      return absl::OkStatus();
    case Kind::kDouble:
      r->SetDouble(out, FieldN(out, 2), v.d);
      return absl::OkStatus();
    case Kind::kString:
      r->SetString(out, FieldN(out, 3), std::string(v.str, v.len));
      return absl::OkStatus();
    case Kind::kBytes:
      r->SetString(out, FieldN(out, 3),
                   absl::Base64Escape(absl::string_view(v.str, v.len)));
      return absl::OkStatus();
    case Kind::kTimestamp: {
      google::protobuf::Timestamp ts;
      ts.set_seconds(v.i);
      ts.set_nanos(v.nanos());
      r->SetString(out, FieldN(out, 3),
                   google::protobuf::util::TimeUtil::ToString(ts));
      return absl::OkStatus();
    }
    case Kind::kDuration: {
      google::protobuf::Duration d;
      d.set_seconds(v.i);
      d.set_nanos(v.nanos());
      r->SetString(out, FieldN(out, 3),
                   google::protobuf::util::TimeUtil::ToString(d));
      return absl::OkStatus();
    }
    case Kind::kList:
      return ToMessage(arena, v, r->MutableMessage(out, FieldN(out, 6)),
                       depth + 1);
    case Kind::kMap:
      return ToMessage(arena, v, r->MutableMessage(out, FieldN(out, 5)),
                       depth + 1);
    case Kind::kMessage: {
      ONUS_ASSIGN_OR_RETURN(std::unique_ptr<Message> dm,
                            ToDynamicMessage(*v.msg));
      std::string json;
      auto st = google::protobuf::util::MessageToJsonString(*dm, &json);
      if (!st.ok()) return absl::InvalidArgumentError(st.ToString());
      st = google::protobuf::util::JsonStringToMessage(json, out);
      if (!st.ok()) return absl::InvalidArgumentError(st.ToString());
      return absl::OkStatus();
    }
    case Kind::kError:
      return ErrorStatus(v);
    default:
      return KindError("google.protobuf.Value", v);
  }
}

// The WKT an Any holds for a non-message CEL value.
const char* AnyTypeFor(Kind k) {
  switch (k) {
    case Kind::kNull:
      return "google.protobuf.Value";
    case Kind::kBool:
      return "google.protobuf.BoolValue";
    case Kind::kInt:
      return "google.protobuf.Int64Value";
    case Kind::kUint:
      return "google.protobuf.UInt64Value";
    case Kind::kDouble:
      return "google.protobuf.DoubleValue";
    case Kind::kString:
      return "google.protobuf.StringValue";
    case Kind::kBytes:
      return "google.protobuf.BytesValue";
    case Kind::kTimestamp:
      return "google.protobuf.Timestamp";
    case Kind::kDuration:
      return "google.protobuf.Duration";
    case Kind::kList:
      return "google.protobuf.ListValue";
    case Kind::kMap:
      return "google.protobuf.Struct";
    default:
      return nullptr;
  }
}

absl::Status ToMessage(Arena& arena, const Value& v, Message* out, int depth) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError("value nested too deeply");
  }
  if (v.is_error()) return ErrorStatus(v);
  const Descriptor* d = out->GetDescriptor();
  const Reflection* r = out->GetReflection();
  FieldConv conv = WktOf(d);
  if (v.kind == Kind::kMessage && conv != FieldConv::kAny &&
      conv != FieldConv::kValue) {
    if (v.msg->type->descriptor()->full_name() != d->full_name()) {
      return absl::InvalidArgumentError(
          absl::StrCat("type mismatch: expected ", d->full_name(), ", got ",
                       v.msg->type->descriptor()->full_name()));
    }
    out->Clear();
    if (!out->ParsePartialFromArray(v.msg->data,
                                    static_cast<int>(v.msg->size))) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed protobuf for ", d->full_name()));
    }
    return absl::OkStatus();
  }
  switch (conv) {
    case FieldConv::kTimestamp:
    case FieldConv::kDuration: {
      Kind want =
          conv == FieldConv::kTimestamp ? Kind::kTimestamp : Kind::kDuration;
      if (v.kind != want) return KindError(d->full_name(), v);
      out->Clear();
      r->SetInt64(out, FieldN(out, 1), v.i);
      r->SetInt32(out, FieldN(out, 2), v.nanos());
      return absl::OkStatus();
    }
    case FieldConv::kWrapper:
      if (v.kind == Kind::kNull) return KindError(d->full_name(), v);
      out->Clear();
      return StoreValue(arena, out, FieldN(out, 1), false, v, depth);
    case FieldConv::kValue:
      return ToJsonValue(arena, v, out, depth);
    case FieldConv::kListValue: {
      if (v.kind != Kind::kList) return KindError(d->full_name(), v);
      out->Clear();
      for (uint32_t i = 0; i < v.list->size; ++i) {
        Message* e = r->AddMessage(out, FieldN(out, 1));
        ONUS_RETURN_IF_ERROR(
            ToMessage(arena, ListGet(arena, *v.list, i), e, depth + 1));
      }
      return absl::OkStatus();
    }
    case FieldConv::kStruct: {
      if (v.kind != Kind::kMap) return KindError(d->full_name(), v);
      out->Clear();
      const FieldDescriptor* fields = FieldN(out, 1);
      for (uint32_t i = 0; i < v.map->size; ++i) {
        Value key = MapKeyAt(arena, *v.map, i);
        if (key.is_error()) return ErrorStatus(key);
        if (key.kind != Kind::kString) {
          return absl::InvalidArgumentError(
              absl::StrCat("google.protobuf.Struct keys must be strings, got ",
                           KindName(key.kind)));
        }
        Message* e = r->AddMessage(out, fields);
        e->GetReflection()->SetString(e, FieldN(e, 1),
                                      std::string(key.str, key.len));
        Message* val = e->GetReflection()->MutableMessage(e, FieldN(e, 2));
        ONUS_RETURN_IF_ERROR(
            ToMessage(arena, MapValueAt(arena, *v.map, i), val, depth + 1));
      }
      return absl::OkStatus();
    }
    case FieldConv::kAny: {
      std::string type_name;
      std::string bytes;
      if (v.kind == Kind::kMessage) {
        type_name = v.msg->type->descriptor()->full_name();
        bytes.assign(reinterpret_cast<const char*>(v.msg->data), v.msg->size);
      } else {
        const char* name = AnyTypeFor(v.kind);
        if (name == nullptr) return KindError(d->full_name(), v);
        const Descriptor* wd = d->file()->pool()->FindMessageTypeByName(name);
        if (wd == nullptr) {
          return absl::NotFoundError(
              absl::StrCat(name, " is not in the descriptor pool"));
        }
        std::unique_ptr<Message> w(MessageType::For(wd)->prototype()->New());
        ONUS_RETURN_IF_ERROR(ToMessage(arena, v, w.get(), depth + 1));
        type_name = name;
        bytes = w->SerializePartialAsString();
      }
      out->Clear();
      r->SetString(out, FieldN(out, 1),
                   absl::StrCat("type.googleapis.com/", type_name));
      r->SetString(out, FieldN(out, 2), std::move(bytes));
      return absl::OkStatus();
    }
    default:
      return KindError(d->full_name(), v);
  }
}

ErrorCode CodeFor(const absl::Status& s) {
  return absl::IsOutOfRange(s) ? ErrorCode::kOutOfRange
                               : ErrorCode::kInvalidArgument;
}

}  // namespace

absl::Status ValueToMessage(const Value& v, Message* out) {
  // Views read while converting (list elements, map entries) live here.
  Arena arena(4096);
  return ToMessage(arena, v, out, 0);
}

Value NewMessage(Arena& arena, const MessageType& type,
                 const FieldInfo* const* fields, const Value* values,
                 uint32_t n) {
  std::unique_ptr<Message> m(type.prototype()->New());
  for (uint32_t i = 0; i < n; ++i) {
    if (values[i].is_error()) return values[i];
    absl::Status s = SetFieldValue(arena, m.get(), *fields[i], values[i]);
    if (!s.ok()) return MakeError(arena, CodeFor(s), s.message());
  }
  Value v = FromMessage(arena, *m);
  // Literals are often constants shared by every evaluation: build the
  // index now, in the arena that owns the message, so that reads never
  // write to it.
  if (v.kind == Kind::kMessage && v.msg->type->index_size() > 0 &&
      v.msg->size > 0) {
    internal::BuildIndex(&arena, *v.msg, /*shared=*/true);
  }
  return v;
}

}  // namespace onus::engine
