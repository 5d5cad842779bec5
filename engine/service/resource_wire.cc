#include "engine/service/resource_wire.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/wire_internal.h"
#include "google/protobuf/io/coded_stream.h"

namespace onus::engine::service_internal {
namespace {

// Field numbers of proto/onus/v1/snapshot.proto (part of the wire contract).
namespace resource_fields {
constexpr uint32_t kId = 1, kType = 2, kProvider = 3, kAccount = 4, kRegion = 5,
                   kTags = 6, kTyped = 7, kSchemaless = 8;
}

// One field: number, wire type and, when length-delimited, its payload.
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  absl::string_view bytes;
};

// Reads the field at *p (< end) and moves past it; false on bad framing.
bool Next(const uint8_t** p, const uint8_t* end, Field* f) {
  if (!wire::ReadTag(p, end, &f->number, &f->wire_type)) return false;
  if (f->wire_type != wire::kLengthDelimited) {
    return wire::SkipValue(p, end, f->wire_type, f->number);
  }
  uint32_t n;
  if (!wire::ReadLength(p, end, &n)) return false;
  f->bytes = absl::string_view(reinterpret_cast<const char*>(*p), n);
  *p += n;
  return true;
}

const uint8_t* Begin(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

bool Utf8(absl::string_view s) { return wire::ValidUtf8(s); }

// Why a resource was refused, before `where` and the id are added.
struct Problem {
  const char* what = nullptr;   // null: none
  const char* field = nullptr;  // the field concerned, when there is one
};

// A string field: length-delimited, valid UTF-8 (as protobuf's parser
// requires of proto3 strings).
Problem String(const Field& f, const char* name, absl::string_view* out) {
  if (f.wire_type != wire::kLengthDelimited) return {"wrong wire type", name};
  if (!Utf8(f.bytes)) return {"not valid UTF-8", name};
  *out = f.bytes;
  return {};
}

// A tags map entry: key = 1, value = 2, both strings.
Problem TagEntry(absl::string_view entry) {
  const uint8_t* p = Begin(entry);
  const uint8_t* end = p + entry.size();
  while (p < end) {
    Field f;
    if (!Next(&p, end, &f)) return {"malformed", "tags"};
    if (f.number != 1 && f.number != 2) continue;
    absl::string_view s;
    Problem pr = String(f, "tags", &s);
    if (pr.what != nullptr) return pr;
  }
  return {};
}

// google.protobuf.Any: type_url = 1 (string), value = 2 (bytes). Fields
// of repeated occurrences merge, as protobuf merges a message field.
Problem Any(absl::string_view any, absl::string_view* type_url) {
  const uint8_t* p = Begin(any);
  const uint8_t* end = p + any.size();
  while (p < end) {
    Field f;
    if (!Next(&p, end, &f)) return {"malformed", "typed"};
    if (f.number == 1) {
      Problem pr = String(f, "typed.type_url", type_url);
      if (pr.what != nullptr) return pr;
    } else if (f.number == 2 && f.wire_type != wire::kLengthDelimited) {
      return {"wrong wire type", "typed.value"};
    }
  }
  return {};
}

// google.protobuf.Struct, ListValue and Value, as protobuf's parser checks
// them: framing, UTF-8 in keys and strings, nesting at most as deep as its
// recursion limit. A field of an unexpected wire type is an unknown field
// to protobuf, so it is skipped here too.
constexpr int kMaxDepth = 100;
bool Struct(absl::string_view m, int depth);
bool ListValue(absl::string_view m, int depth);

// Calls visit(field) for each field of message `m`, in order; false if `m`
// is malformed or a visit returns false.
template <typename Visit>
bool EachField(absl::string_view m, Visit visit) {
  const uint8_t* p = Begin(m);
  const uint8_t* end = p + m.size();
  while (p < end) {
    Field f;
    if (!Next(&p, end, &f) || !visit(f)) return false;
  }
  return true;
}

bool Value(absl::string_view m, int depth) {
  return depth <= kMaxDepth && EachField(m, [depth](const Field& f) {
           if (f.wire_type != wire::kLengthDelimited) return true;
           switch (f.number) {
             case 3:  // string_value
               return Utf8(f.bytes);
             case 5:  // struct_value
               return Struct(f.bytes, depth + 1);
             case 6:  // list_value
               return ListValue(f.bytes, depth + 1);
             default:
               return true;
           }
         });
}

bool ListValue(absl::string_view m, int depth) {
  return depth <= kMaxDepth && EachField(m, [depth](const Field& f) {
           return f.number != 1 || f.wire_type != wire::kLengthDelimited ||
                  Value(f.bytes, depth + 1);
         });
}

bool Struct(absl::string_view m, int depth) {
  return depth <= kMaxDepth && EachField(m, [depth](const Field& f) {
           if (f.number != 1 || f.wire_type != wire::kLengthDelimited) {
             return true;
           }
           // A map entry: key = 1 (string), value = 2 (Value); the entry
           // is a message level of its own to protobuf.
           return EachField(f.bytes, [depth](const Field& e) {
             if (e.wire_type != wire::kLengthDelimited) return true;
             if (e.number == 1) return Utf8(e.bytes);
             if (e.number == 2) return Value(e.bytes, depth + 2);
             return true;
           });
         });
}

}  // namespace

absl::Status CheckResourceBytes(absl::string_view bytes,
                                absl::FunctionRef<std::string()> where,
                                ResourceEnvelope* out) {
  ResourceEnvelope env;
  absl::string_view region, type_url;
  enum class Payload { kNone, kTyped, kSchemaless } payload = Payload::kNone;
  Problem pr;
  const uint8_t* p = Begin(bytes);
  const uint8_t* end = p + bytes.size();
  // Later occurrences of a field replace earlier ones (a message field:
  // merge into them), and `typed` and `schemaless` replace each other
  // (a oneof): protobuf's rules, so the checks see what the engine reads.
  while (p < end && pr.what == nullptr) {
    Field f;
    if (!Next(&p, end, &f)) {
      pr = {"truncated or not an onus.v1.Resource", nullptr};
      break;
    }
    switch (f.number) {
      case resource_fields::kId:
        pr = String(f, "id", &env.id);
        break;
      case resource_fields::kType:
        pr = String(f, "type", &env.type);
        break;
      case resource_fields::kProvider:
        if (f.wire_type != wire::kVarint) pr = {"wrong wire type", "provider"};
        break;
      case resource_fields::kAccount:
        pr = String(f, "account", &env.account);
        break;
      case resource_fields::kRegion:
        pr = String(f, "region", &region);
        break;
      case resource_fields::kTags:
        pr = f.wire_type != wire::kLengthDelimited
                 ? Problem{"wrong wire type", "tags"}
                 : TagEntry(f.bytes);
        break;
      case resource_fields::kTyped:
        if (f.wire_type != wire::kLengthDelimited) {
          pr = {"wrong wire type", "typed"};
          break;
        }
        if (payload != Payload::kTyped) type_url = {};
        payload = Payload::kTyped;
        pr = Any(f.bytes, &type_url);
        break;
      case resource_fields::kSchemaless:
        if (f.wire_type != wire::kLengthDelimited) {
          pr = {"wrong wire type", "schemaless"};
          break;
        }
        payload = Payload::kSchemaless;
        if (!Struct(f.bytes, 1)) pr = {"malformed", "schemaless"};
        break;
      default:  // unknown fields are kept, as protobuf keeps them
        break;
    }
  }
  if (pr.what != nullptr) {
    if (pr.field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": malformed protobuf (", pr.what, ")"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(where(), ": field `", pr.field, "`: ", pr.what));
  }
  // The same checks, in the same order and words, as for a parsed
  // onus.v1.Resource (ValidateResource in server.cc).
  if (env.id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where(), ": field `id` is empty"));
  }
  if (env.type.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where(), " (id \"", env.id, "\"): field `type` is empty"));
  }
  if (payload == Payload::kNone) {
    return absl::InvalidArgumentError(
        absl::StrCat(where(), " (id \"", env.id,
                     "\"): no payload (`typed` or `schemaless`)"));
  }
  if (payload == Payload::kTyped) {
    constexpr absl::string_view kPrefix = "type.googleapis.com/";
    if (!absl::StartsWith(type_url, kPrefix) ||
        type_url.substr(kPrefix.size()) != env.type) {
      return absl::InvalidArgumentError(absl::StrCat(
          where(), " (id \"", env.id, "\"): field `typed.type_url` is \"",
          type_url, "\", expected \"type.googleapis.com/", env.type, "\""));
    }
  }
  *out = env;
  return absl::OkStatus();
}

void AppendResourceRecord(absl::string_view resource, std::string* snapshot) {
  uint8_t head[1 + 10];
  head[0] = (5 << 3) | 2;  // Snapshot.resources: field 5, length-delimited
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(resource.size()), head + 1);
  snapshot->append(reinterpret_cast<const char*>(head),
                   static_cast<size_t>(end - head));
  snapshot->append(resource.data(), resource.size());
}

}  // namespace onus::engine::service_internal
