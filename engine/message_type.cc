// Lazy protobuf view: MessageType registry, the field index, field reads
// from wire bytes, list/map views and well-known type conversion. Message
// construction is in message_construct.cc, the wire decoder in
// wire_internal.h / wire.cc.
#include "engine/message_type.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/message_type_internal.h"
#include "engine/wire_internal.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"

namespace onus::engine {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {

// ---------------------------------------------------------------------------
// Constants shared by all types.

using internal::IndexUsable;
using internal::kIndexMalformed;
using internal::kIndexOk;
using internal::kIndexShared;
using internal::kMaxIndexedField;
using internal::kMaxIndexedSize;
using internal::ViewCache;
// Hard limits for user-controlled nesting.
constexpr int kMaxAnyDepth = 32;

const ListObj kEmptyList{};
const MapObj kEmptyMap{};

}  // namespace

namespace internal {

FieldConv WktOf(const Descriptor* d) {
  if (d == nullptr) return FieldConv::kNone;
  const std::string& n = d->full_name();
  if (n.compare(0, 16, "google.protobuf.") != 0) return FieldConv::kNone;
  absl::string_view s = absl::string_view(n).substr(16);
  if (s == "Timestamp") return FieldConv::kTimestamp;
  if (s == "Duration") return FieldConv::kDuration;
  if (s == "Struct") return FieldConv::kStruct;
  if (s == "Value") return FieldConv::kValue;
  if (s == "ListValue") return FieldConv::kListValue;
  if (s == "Any") return FieldConv::kAny;
  if (s == "DoubleValue" || s == "FloatValue" || s == "Int64Value" ||
      s == "UInt64Value" || s == "Int32Value" || s == "UInt32Value" ||
      s == "BoolValue" || s == "StringValue" || s == "BytesValue") {
    return FieldConv::kWrapper;
  }
  return FieldConv::kNone;
}

}  // namespace internal

namespace {

using internal::WktOf;

uint8_t WireTypeFor(FieldDescriptor::Type t) {
  switch (t) {
    case FieldDescriptor::TYPE_DOUBLE:
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      return wire::kFixed64;
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      return wire::kFixed32;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return wire::kLengthDelimited;
    case FieldDescriptor::TYPE_GROUP:
      return wire::kStartGroup;
    default:
      return wire::kVarint;
  }
}

Value ScalarDefault(const FieldDescriptor* fd) {
  switch (fd->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return Value::Int(fd->default_value_int32());
    case FieldDescriptor::CPPTYPE_INT64:
      return Value::Int(fd->default_value_int64());
    case FieldDescriptor::CPPTYPE_UINT32:
      return Value::Uint(fd->default_value_uint32());
    case FieldDescriptor::CPPTYPE_UINT64:
      return Value::Uint(fd->default_value_uint64());
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Value::Double(fd->default_value_double());
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Value::Double(fd->default_value_float());
    case FieldDescriptor::CPPTYPE_BOOL:
      return Value::Bool(fd->default_value_bool());
    case FieldDescriptor::CPPTYPE_ENUM:
      return Value::Int(fd->default_value_enum()->number());
    case FieldDescriptor::CPPTYPE_STRING:
      // The descriptor owns the default string for the life of its pool.
      return fd->type() == FieldDescriptor::TYPE_BYTES
                 ? Value::Bytes(fd->default_value_string())
                 : Value::String(fd->default_value_string());
    default:
      return Value::Null();
  }
}

// Everything about a field that does not need other types (those are
// filled in by LinkField).
std::unique_ptr<FieldInfo> MakeFieldInfo(const FieldDescriptor* fd) {
  auto f = std::make_unique<FieldInfo>();
  f->fd = fd;
  f->number = static_cast<uint32_t>(fd->number());
  f->type = fd->type();
  f->wire_type = WireTypeFor(fd->type());
  f->is_map = fd->is_map();
  f->repeated = fd->is_repeated() && !f->is_map;
  f->packed_ok = f->repeated && fd->is_packable();
  f->has_presence = fd->has_presence();
  if (fd->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    f->conv = f->is_map ? FieldConv::kNone : WktOf(fd->message_type());
  } else if (fd->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    f->conv = FieldConv::kEnum;
    f->closed_enum =
        fd->file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO2;
    f->null_enum = fd->enum_type()->full_name() == "google.protobuf.NullValue";
  }
  if (f->is_map) {
    f->default_value = Value::Map(&kEmptyMap);
  } else if (f->repeated) {
    f->default_value = Value::List(&kEmptyList);
  } else if (fd->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    switch (f->conv) {
      case FieldConv::kTimestamp:
        f->default_value = Value::Timestamp(0, 0);
        break;
      case FieldConv::kDuration:
        f->default_value = Value::Duration(0, 0);
        break;
      case FieldConv::kStruct:
        f->default_value = Value::Map(&kEmptyMap);
        break;
      case FieldConv::kListValue:
        f->default_value = Value::List(&kEmptyList);
        break;
      default:  // wrappers, Value, Any: null; plain messages: in Link
        f->default_value = Value::Null();
    }
  } else if (f->null_enum) {
    f->default_value = Value::Null();
  } else {
    f->default_value = ScalarDefault(fd);
  }
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------
// Registry.

namespace {

// The inline reader's case for an indexed field (FieldInfo::fast_read):
// singular fields outside oneofs (a later member of the oneof would clear
// them) whose value needs no check beyond the index pass's.
FastRead FastReadOf(const FieldInfo& f) {
  if (f.index_slot <= 0) return FastRead::kNone;
  if (f.repeated || f.is_map) {
    if (f.child_slot < 0) return FastRead::kNone;
    return f.is_map ? FastRead::kMap : FastRead::kList;
  }
  if (f.oneof >= 0) return FastRead::kNone;
  switch (f.type) {
    case FieldDescriptor::TYPE_BOOL:
      return FastRead::kBool;
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_INT64:
      return FastRead::kInt;
    case FieldDescriptor::TYPE_ENUM:
      return f.closed_enum || f.null_enum ? FastRead::kNone : FastRead::kInt;
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_UINT64:
      return FastRead::kUint;
    case FieldDescriptor::TYPE_STRING:
      return FastRead::kString;
    case FieldDescriptor::TYPE_MESSAGE:
      return f.child_slot >= 0 ? FastRead::kChild : FastRead::kNone;
    default:
      return FastRead::kNone;
  }
}

}  // namespace

class MessageTypeRegistry {
 public:
  static MessageTypeRegistry& Get() {
    static MessageTypeRegistry* r = new MessageTypeRegistry();
    return *r;
  }

  const MessageType* For(const Descriptor* d) {
    if (d == nullptr) return nullptr;
    {
      absl::ReaderMutexLock l(&mu_);
      auto it = types_.find(d);
      if (it != types_.end()) return it->second;
    }
    absl::MutexLock l(&mu_);
    // Types reference each other (and themselves); a work list instead of
    // recursion links them. Nothing is visible to readers until every
    // reachable type is complete, because readers need mu_.
    std::vector<MessageType*> work;
    MessageType* t = GetOrCreateLocked(d, &work);
    while (!work.empty()) {
      MessageType* w = work.back();
      work.pop_back();
      LinkLocked(w, &work);
    }
    return t;
  }

 private:
  MessageType* GetOrCreateLocked(const Descriptor* d,
                                 std::vector<MessageType*>* work)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = types_.find(d);
    if (it != types_.end()) return it->second;
    MessageType* mt = new MessageType();
    mt->desc_ = d;
    mt->wkt_ = WktOf(d);
    if (mt->wkt_ == FieldConv::kTimestamp) {
      mt->type_value_ = BuiltinType(Kind::kTimestamp);
    } else if (mt->wkt_ == FieldConv::kDuration) {
      mt->type_value_ = BuiltinType(Kind::kDuration);
    } else {
      TypeObj* tv = new TypeObj();
      tv->kind = Kind::kMessage;
      tv->message = mt;
      tv->name = d->full_name().c_str();
      mt->type_value_ = tv;
    }
    if (d->file()->pool() ==
        google::protobuf::DescriptorPool::generated_pool()) {
      mt->prototype_ =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(
              d);
    }
    if (mt->prototype_ == nullptr) mt->prototype_ = factory_.GetPrototype(d);

    // Well-known types and map entries are tiny: a scan beats allocating an
    // index for them.
    bool use_index = mt->wkt_ == FieldConv::kNone && !d->options().map_entry();
    uint32_t max_number = 0;
    mt->oneofs_.resize(d->oneof_decl_count());
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* fd = d->field(i);
      std::unique_ptr<FieldInfo> f = MakeFieldInfo(fd);
      f->owner = mt;
      if (const google::protobuf::OneofDescriptor* o =
              fd->real_containing_oneof()) {
        f->oneof = o->index();
        mt->oneofs_[o->index()].push_back(f.get());
      }
      if (f->number <= kMaxIndexedField) {
        max_number = std::max(max_number, f->number);
      }
      mt->by_name_[fd->name()] = f.get();
      mt->field_ptrs_.push_back(f.get());
      mt->fields_.push_back(std::move(f));
    }
    if (use_index && max_number > 0) {
      mt->index_size_ = max_number;
      for (auto& f : mt->fields_) {
        if (f->number <= max_number) {
          f->index_slot = static_cast<int>(2 * f->number - 1);
          // Cached views: plain sub-messages, lists and maps.
          if (f->repeated || f->is_map ||
              (f->type == FieldDescriptor::TYPE_MESSAGE &&
               f->conv == FieldConv::kNone)) {
            f->child_slot = static_cast<int>(mt->child_slots_++);
          }
          f->fast_read = FastReadOf(*f);
        }
      }
      mt->index_bytes_ =
          internal::IndexBytes(mt->index_size_, mt->child_slots_);
    }
    types_[d] = mt;
    work->push_back(mt);
    return mt;
  }

  void LinkLocked(MessageType* mt, std::vector<MessageType*>* work)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (auto& f : mt->fields_) LinkField(f.get(), work);
  }

  void LinkField(FieldInfo* f, std::vector<MessageType*>* work)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const FieldDescriptor* fd = f->fd;
    if (fd->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return;
    MessageType* sub = GetOrCreateLocked(fd->message_type(), work);
    f->message = sub;
    if (f->is_map) {
      // Declared fields only: FieldByNumber may look up extensions, which
      // takes mu_ (held here).
      f->map_key =
          sub->fields_[sub->desc_->FindFieldByNumber(1)->index()].get();
      f->map_value =
          sub->fields_[sub->desc_->FindFieldByNumber(2)->index()].get();
    } else if (!f->repeated && f->conv == FieldConv::kNone) {
      // An absent plain message reads as an empty message of its type.
      // Size 0 means the reader never writes an index into it, so one
      // shared object is safe across threads.
      MessageObj* empty = new MessageObj();
      empty->type = sub;
      f->default_value = Value::Message(empty);
    }
  }

 public:
  const FieldInfo* Extension(const MessageType* owner,
                             const FieldDescriptor* ext) {
    if (ext == nullptr || !ext->is_extension() ||
        ext->containing_type() != owner->descriptor()) {
      return nullptr;
    }
    {
      absl::ReaderMutexLock l(&mu_);
      auto it = extensions_.find(ext);
      if (it != extensions_.end()) return it->second;
    }
    absl::MutexLock l(&mu_);
    auto it = extensions_.find(ext);
    if (it != extensions_.end()) return it->second;
    FieldInfo* f = MakeFieldInfo(ext).release();  // lives forever
    f->owner = owner;
    // Extension numbers inside the indexed range use the index like any
    // field; sub-message views are not cached (no slot reserved for them).
    if (f->number <= owner->index_size()) {
      f->index_slot = static_cast<int>(2 * f->number - 1);
    }
    std::vector<MessageType*> work;
    LinkField(f, &work);
    while (!work.empty()) {
      MessageType* w = work.back();
      work.pop_back();
      LinkLocked(w, &work);
    }
    extensions_[ext] = f;
    return f;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, MessageType*> types_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<const FieldDescriptor*, const FieldInfo*> extensions_
      ABSL_GUARDED_BY(mu_);
  google::protobuf::DynamicMessageFactory factory_;
};

const MessageType* MessageType::For(const Descriptor* d) {
  return MessageTypeRegistry::Get().For(d);
}

const FieldInfo* MessageType::FindField(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const FieldInfo* MessageType::FindExtension(absl::string_view full_name) const {
  const FieldDescriptor* ext =
      desc_->file()->pool()->FindExtensionByName(std::string(full_name));
  return MessageTypeRegistry::Get().Extension(this, ext);
}

const FieldInfo* MessageType::ExtensionFor(const FieldDescriptor* ext) const {
  return MessageTypeRegistry::Get().Extension(this, ext);
}

const FieldInfo* MessageType::FieldByNumber(int number) const {
  const FieldDescriptor* fd = desc_->FindFieldByNumber(number);
  if (fd != nullptr) return fields_[fd->index()].get();
  // Not a declared field: an extension known to the message's pool, so
  // callers holding a FieldDescriptor need not special-case extensions.
  if (desc_->extension_range_count() == 0) return nullptr;
  return ExtensionFor(
      desc_->file()->pool()->FindExtensionByNumber(desc_, number));
}

// ---------------------------------------------------------------------------
// Locating fields in the wire bytes.

namespace {

enum class Found { kAbsent, kFound, kMalformed };

Value Malformed(Arena& arena, const FieldInfo& f) {
  return MakeError(
      arena, ErrorCode::kInvalidArgument,
      absl::StrCat("malformed protobuf in field ", f.fd->full_name()));
}

}  // namespace

void internal::BuildIndex(Arena* arena, const MessageObj& m, bool shared) {
  const uint32_t n = m.type->index_size();
  if (n == 0 || m.size >= kMaxIndexedSize) return;
  // Zeroed in 32-byte steps: a few vector stores for the typical 10-40
  // words, where a call to memset cost more than the stores.
  const size_t bytes = m.type->index_bytes();
  uint32_t* t = static_cast<uint32_t*>(arena->Allocate(bytes, alignof(void*)));
  for (size_t i = 0; i < bytes; i += 32) {
    std::memset(reinterpret_cast<char*>(t) + i, 0, 32);
  }
  const uint8_t* const base = m.data;
  const uint8_t* const end = base + m.size;
  const size_t size = m.size;
  uint32_t state = shared ? kIndexShared : kIndexOk;
  // The hot loop of the view: one pass per message, typically 10-30 tags.
  // A one-byte tag (fields 1-15) followed by a one-byte varint or a
  // one-byte length (values < 128 bytes) is the common case and is handled
  // in straight-line code; everything else goes through the general
  // helpers. Positions are offsets from `base` (what the index stores), so
  // an entry is composed with one shift and no pointer subtraction; they
  // are size_t so that they index `base` in the addressing modes, with no
  // 32-bit zero extension per step. A one- or two-byte length is skipped
  // without comparing it to the bytes left: a value past the end leaves
  // pos > size, which ends the loop and is checked once after it.
  size_t pos = 0;
  while (pos < size) {
    uint32_t num, wt;
    size_t vpos;  // where the value starts
    const uint32_t b = base[pos];
    if (ABSL_PREDICT_TRUE(b - 8 < 0x78)) {  // 8 <= b < 0x80 (b < 8: field 0)
      num = b >> 3;
      wt = b & 7;
      vpos = pos + 1;
    } else {
      // The helpers take a pointer's address; a local copy keeps that
      // address from escaping into the loop's registers.
      const uint8_t* q = base + pos;
      if (!wire::ReadTag(&q, end, &num, &wt)) {
        state = kIndexMalformed;
        break;
      }
      vpos = static_cast<size_t>(q - base);
    }
    if (num <= n) {
      uint32_t* const slot = t + 2 * num - 1;
      const uint32_t prev = slot[0];
      slot[0] =
          (static_cast<uint32_t>(vpos + 1) << 4) | (prev != 0 ? 8u : 0u) | wt;
      if (prev == 0) slot[1] = static_cast<uint32_t>(pos + 1);
    }
    if (ABSL_PREDICT_TRUE(vpos < size && base[vpos] < 0x80)) {
      const uint32_t c = base[vpos];
      if (wt == wire::kLengthDelimited) {
        // A length past the end leaves pos > size: the loop ends and the
        // check after it marks the message malformed.
        pos = vpos + 1 + c;
        continue;
      }
      if (wt == wire::kVarint) {
        pos = vpos + 1;
        continue;
      }
    } else if (vpos + 1 < size) {
      // Next most common: a longer varint (timestamps, ids) and a length of
      // two bytes (values of 128 bytes to 16 KiB).
      if (wt == wire::kVarint) {
        const size_t limit = size - vpos > 10 ? vpos + 10 : size;
        size_t q = vpos + 1;
        while (q < limit && base[q] >= 0x80) ++q;
        if (q < limit) {
          pos = q + 1;
          continue;
        }
      } else if (wt == wire::kLengthDelimited && base[vpos + 1] < 0x80) {
        pos =
            vpos + 2 + ((base[vpos] & 0x7fu) | (uint32_t{base[vpos + 1]} << 7));
        continue;
      }
    }
    const uint8_t* q = base + vpos;
    if (!wire::SkipValue(&q, end, wt, num)) {
      state = kIndexMalformed;
      break;
    }
    pos = static_cast<size_t>(q - base);
  }
  if (pos > size) state = kIndexMalformed;  // a length ran past the end
  t[0] = state;
  m.index = t;
}

namespace {

using internal::BuildIndex;

// Closed (proto2) enums: protobuf moves numbers the enum does not define to
// the unknown fields, so such an occurrence does not count.
bool ValidEnumAt(const FieldInfo& f, const uint8_t* p, const uint8_t* end) {
  uint64_t v;
  if (!wire::ReadVarint(&p, end, &v)) return true;  // malformed: reported
  return f.fd->enum_type()->FindValueByNumber(static_cast<int32_t>(v)) !=
         nullptr;
}

// Full scan for the last occurrence of singular field f with a matching
// wire type; *count gets the number of such occurrences.
Found ScanLast(const MessageObj& m, const FieldInfo& f, const uint8_t** val,
               int* count) {
  const uint8_t* p = m.data;
  const uint8_t* end = m.data + m.size;
  int c = 0;
  while (p < end) {
    uint32_t num, wt;
    if (!wire::ReadTag(&p, end, &num, &wt)) return Found::kMalformed;
    if (num == f.number && wt == f.wire_type &&
        (!f.closed_enum || ValidEnumAt(f, p, end))) {
      *val = p;
      ++c;
    }
    if (!wire::SkipValue(&p, end, wt, num)) return Found::kMalformed;
  }
  *count = c;
  return c > 0 ? Found::kFound : Found::kAbsent;
}

// Last occurrence of singular field f, ignoring oneof rules. `arena` may be
// null (HasField): then an index is used if present but not built.
Found LocateRaw(Arena* arena, const MessageObj& m, const FieldInfo& f,
                const uint8_t** val, int* count) {
  if (m.size == 0) return Found::kAbsent;
  if (f.index_slot > 0 && m.size < kMaxIndexedSize) {
    if (m.index == nullptr && arena != nullptr) BuildIndex(arena, m);
    if (m.index != nullptr) {
      if (!IndexUsable(m.index[0])) return Found::kMalformed;
      uint32_t e = m.index[f.index_slot];
      if (e == 0) return Found::kAbsent;
      if ((e & 7) == f.wire_type &&
          (!f.closed_enum ||
           ValidEnumAt(f, m.data + ((e >> 4) - 1), m.data + m.size))) {
        *val = m.data + ((e >> 4) - 1);
        *count = (e & 8) ? 2 : 1;
        return Found::kFound;
      }
      // The last occurrence has a foreign wire type (kept as an unknown
      // field by protobuf); an earlier one may still be valid.
    }
  }
  return ScanLast(m, f, val, count);
}

// Last occurrence of singular field f; a later occurrence of another member
// of the same oneof clears it.
Found Locate(Arena* arena, const MessageObj& m, const FieldInfo& f,
             const uint8_t** val, int* count) {
  Found r = LocateRaw(arena, m, f, val, count);
  if (r != Found::kFound || f.oneof < 0) return r;
  for (const FieldInfo* s : m.type->oneofs()[f.oneof]) {
    if (s == &f) continue;
    const uint8_t* sv;
    int sc;
    Found sr = LocateRaw(arena, m, *s, &sv, &sc);
    if (sr == Found::kMalformed) return sr;
    if (sr == Found::kFound && sv > *val) return Found::kAbsent;
  }
  return r;
}

// Decodes a scalar value of field f at p. Returns false on truncation.
// Always inlined: as a call, the Value written through `out` and read back
// by the caller stalls store-to-load forwarding (measured in vm_benchmark).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool DecodeScalar(const FieldInfo& f,
                                                      const uint8_t* p,
                                                      const uint8_t* end,
                                                      Value* out) {
  uint64_t v;
  uint32_t v32;
  switch (f.type) {
    case FieldDescriptor::TYPE_DOUBLE: {
      if (!wire::ReadFixed64(&p, end, &v)) return false;
      double d;
      std::memcpy(&d, &v, 8);
      *out = Value::Double(d);
      return true;
    }
    case FieldDescriptor::TYPE_FLOAT: {
      if (!wire::ReadFixed32(&p, end, &v32)) return false;
      float fl;
      std::memcpy(&fl, &v32, 4);
      *out = Value::Double(fl);
      return true;
    }
    case FieldDescriptor::TYPE_INT64:
      if (!wire::ReadVarint(&p, end, &v)) return false;
      *out = Value::Int(static_cast<int64_t>(v));
      return true;
    case FieldDescriptor::TYPE_UINT64:
      if (!wire::ReadVarint(&p, end, &v)) return false;
      *out = Value::Uint(v);
      return true;
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_ENUM:
      if (!wire::ReadVarint(&p, end, &v)) return false;
      *out = Value::Int(static_cast<int32_t>(v));
      return true;
    case FieldDescriptor::TYPE_UINT32:
      if (!wire::ReadVarint(&p, end, &v)) return false;
      *out = Value::Uint(static_cast<uint32_t>(v));
      return true;
    case FieldDescriptor::TYPE_FIXED64:
      if (!wire::ReadFixed64(&p, end, &v)) return false;
      *out = Value::Uint(v);
      return true;
    case FieldDescriptor::TYPE_FIXED32:
      if (!wire::ReadFixed32(&p, end, &v32)) return false;
      *out = Value::Uint(v32);
      return true;
    case FieldDescriptor::TYPE_SFIXED64:
      if (!wire::ReadFixed64(&p, end, &v)) return false;
      *out = Value::Int(static_cast<int64_t>(v));
      return true;
    case FieldDescriptor::TYPE_SFIXED32:
      if (!wire::ReadFixed32(&p, end, &v32)) return false;
      *out = Value::Int(static_cast<int32_t>(v32));
      return true;
    case FieldDescriptor::TYPE_BOOL:
      if (!wire::ReadVarint(&p, end, &v)) return false;
      *out = Value::Bool(v != 0);
      return true;
    case FieldDescriptor::TYPE_SINT32:
      if (!wire::ReadVarint(&p, end, &v)) return false;
      *out = Value::Int(wire::ZigZag32(static_cast<uint32_t>(v)));
      return true;
    case FieldDescriptor::TYPE_SINT64:
      if (!wire::ReadVarint(&p, end, &v)) return false;
      *out = Value::Int(wire::ZigZag64(v));
      return true;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES: {
      uint32_t n;
      if (!wire::ReadLength(&p, end, &n)) return false;
      absl::string_view s(reinterpret_cast<const char*>(p), n);
      *out = f.type == FieldDescriptor::TYPE_STRING ? Value::String(s)
                                                    : Value::Bytes(s);
      return true;
    }
    default:
      return false;
  }
}

// The payload span of a message or group occurrence starting at p.
bool MessageSpan(const FieldInfo& f, const uint8_t* p, const uint8_t* end,
                 const uint8_t** data, uint32_t* size) {
  if (f.type == FieldDescriptor::TYPE_GROUP) {
    const uint8_t* ce;
    const uint8_t* q = p;
    if (!wire::SkipGroup(&q, end, f.number, &ce)) return false;
    *data = p;
    *size = static_cast<uint32_t>(ce - p);
    return true;
  }
  uint32_t n;
  if (!wire::ReadLength(&p, end, &n)) return false;
  *data = p;
  *size = n;
  return true;
}

// A singular message field that occurs several times is the merge of all
// occurrences, and merging serialized messages is concatenation.
bool ConcatOccurrences(Arena& arena, const MessageObj& m, const FieldInfo& f,
                       const uint8_t** data, uint32_t* size) {
  const uint8_t* end = m.data + m.size;
  size_t total = 0;
  for (int pass = 0; pass < 2; ++pass) {
    uint8_t* buf = nullptr;
    if (pass == 1) buf = static_cast<uint8_t*>(arena.Allocate(total + 1, 1));
    size_t at = 0;
    const uint8_t* p = m.data;
    while (p < end) {
      uint32_t num, wt;
      if (!wire::ReadTag(&p, end, &num, &wt)) return false;
      if (num == f.number && wt == f.wire_type) {
        const uint8_t* d;
        uint32_t s;
        if (!MessageSpan(f, p, end, &d, &s)) return false;
        if (pass == 0) {
          total += s;
        } else {
          std::memcpy(buf + at, d, s);
          at += s;
        }
      }
      if (!wire::SkipValue(&p, end, wt, num)) return false;
    }
    if (pass == 1) {
      *data = buf;
      *size = static_cast<uint32_t>(total);
    }
  }
  return total < kMaxIndexedSize * 8u;
}

Value ConvertWkt(Arena& arena, const MessageType& type, const uint8_t* data,
                 uint32_t size);

// A message-typed value over [data, data + size): a view, or the converted
// well-known type.
inline Value MessageValue(Arena& arena, const MessageType& type,
                          const uint8_t* data, uint32_t size) {
  if (type.wkt() != FieldConv::kNone) {
    return ConvertWkt(arena, type, data, size);
  }
  MessageObj* o = arena.New<MessageObj>();
  o->data = data;
  o->size = size;
  o->type = &type;
  return Value::Message(o);
}

// Decodes one element (of a singular or repeated field) at p. Out of line:
// it is the tail of GetField's fast path for non-trivial values.
ABSL_ATTRIBUTE_NOINLINE Value DecodeAt(Arena& arena, const FieldInfo& f,
                                       const uint8_t* p, const uint8_t* end) {
  if (f.type == FieldDescriptor::TYPE_MESSAGE ||
      f.type == FieldDescriptor::TYPE_GROUP) {
    const uint8_t* d;
    uint32_t s;
    if (!MessageSpan(f, p, end, &d, &s)) return Malformed(arena, f);
    return MessageValue(arena, *f.message, d, s);
  }
  Value v;
  if (!DecodeScalar(f, p, end, &v)) return Malformed(arena, f);
  if (f.null_enum) return Value::Null();
  if (f.type == FieldDescriptor::TYPE_STRING &&
      !wire::ValidUtf8(v.str, v.len)) {
    return MakeError(
        arena, ErrorCode::kInvalidArgument,
        absl::StrCat("invalid UTF-8 in string field ", f.fd->full_name()));
  }
  return v;
}

// Element width of a packed fixed-size type, 0 for varints.
inline uint32_t FixedWidth(const FieldInfo& f) {
  return f.wire_type == wire::kFixed64   ? 8
         : f.wire_type == wire::kFixed32 ? 4
                                         : 0;
}

// Growable offset array in the arena (doubling; old blocks stay until the
// arena resets, which is cheaper than a second pass for typical sizes).
struct OffsetVec {
  uint32_t* data = nullptr;
  uint32_t size = 0;
  uint32_t cap = 0;
  void Push(Arena& arena, uint32_t v) {
    if (size == cap) {
      uint32_t ncap = cap ? cap * 2 : 8;
      uint32_t* nd = static_cast<uint32_t*>(
          arena.Allocate(sizeof(uint32_t) * ncap, alignof(uint32_t)));
      if (size) std::memcpy(nd, data, sizeof(uint32_t) * size);
      data = nd;
      cap = ncap;
    }
    data[size++] = v;
  }
};

// Visits every element of repeated field f (packed or not). Calls
// fn(offset) for each element; returns false on malformed data. Elements
// are validated here so later decodes cannot fail on bounds.
template <typename Fn>
bool ForEachElement(const MessageObj& m, const FieldInfo& f,
                    const uint8_t* begin, const uint8_t* end, Fn fn) {
  const uint8_t* p = begin;
  while (p < end) {
    uint32_t num, wt;
    const uint8_t* val;
    if (!wire::NextField(&p, end, &num, &wt, &val)) return false;
    if (num != f.number) continue;
    if (wt == f.wire_type) {
      if (f.closed_enum && !ValidEnumAt(f, val, end)) continue;
      if (!fn(static_cast<uint32_t>(val - m.data))) return false;
    } else if (f.packed_ok && wt == wire::kLengthDelimited) {
      uint32_t n;
      const uint8_t* q = val;
      if (!wire::ReadLength(&q, end, &n)) return false;
      const uint8_t* pend = q + n;
      uint32_t w = FixedWidth(f);
      if (w != 0) {
        if (n % w != 0) return false;
        for (; q < pend; q += w) {
          if (!fn(static_cast<uint32_t>(q - m.data))) return false;
        }
      } else {
        while (q < pend) {
          const uint8_t* e = q;
          uint64_t v;
          if (!wire::ReadVarint(&q, pend, &v)) return false;
          if (f.closed_enum && !ValidEnumAt(f, e, pend)) continue;
          if (!fn(static_cast<uint32_t>(e - m.data))) return false;
        }
      }
    }
    // Other wire types are unknown fields for protobuf: skipped.
  }
  return true;
}

// The byte range of m that holds every occurrence of repeated/map field f:
// from the index when there is one (first tag .. end of last value),
// otherwise the whole message. `arena` null: use an index but never build.
Found ElementRange(Arena* arena, const MessageObj& m, const FieldInfo& f,
                   const uint8_t** begin, const uint8_t** end) {
  *begin = m.data;
  *end = m.data + m.size;
  if (m.size == 0) return Found::kAbsent;
  if (f.index_slot <= 0 || m.size >= kMaxIndexedSize) return Found::kFound;
  if (m.index == nullptr && arena != nullptr) BuildIndex(arena, m);
  const uint32_t* t = m.index;
  if (t == nullptr) return Found::kFound;
  if (!IndexUsable(t[0])) return Found::kMalformed;
  uint32_t e = t[f.index_slot];
  if (e == 0) return Found::kAbsent;
  const uint8_t* last = m.data + ((e >> 4) - 1);
  // Already validated by the index pass, so this cannot fail. Elements of
  // repeated messages and map entries are mostly under 128 bytes.
  if ((e & 7) == wire::kLengthDelimited && *last < 0x80) {
    last += 1 + *last;
  } else if (!wire::SkipValue(&last, *end, e & 7, f.number)) {
    return Found::kMalformed;
  }
  *begin = m.data + (t[f.index_slot + 1] - 1);
  *end = last;
  return Found::kFound;
}

Value RepeatedView(Arena& arena, const MessageObj& m, const FieldInfo& f) {
  const uint8_t* begin;
  const uint8_t* range_end;
  Found r = ElementRange(&arena, m, f, &begin, &range_end);
  if (r == Found::kAbsent) return f.default_value;
  if (r == Found::kMalformed) return Malformed(arena, f);
  OffsetVec offs;
  bool is_group = f.type == FieldDescriptor::TYPE_GROUP;
  const uint8_t* end = m.data + m.size;
  bool ok = ForEachElement(m, f, begin, range_end, [&](uint32_t off) {
    // Groups have no length prefix: record the payload end too so that
    // ListGet does not need the message bounds.
    offs.Push(arena, off);
    if (is_group) {
      const uint8_t* q = m.data + off;
      const uint8_t* ce;
      if (!wire::SkipGroup(&q, end, f.number, &ce)) return false;
      offs.Push(arena, static_cast<uint32_t>(ce - m.data));
    }
    return true;
  });
  if (!ok) return Malformed(arena, f);
  uint32_t n = is_group ? offs.size / 2 : offs.size;
  if (n == 0) return f.default_value;
  ListObj* l = arena.New<ListObj>();
  l->rep = ListRep::kRepeatedField;
  l->size = n;
  l->data = m.data;
  l->offsets = offs.data;
  l->field = &f;
  return Value::List(l);
}

// A map view's per-entry arrays (MapObj::offsets, lengths, key_at), grown
// together: one arena block per growth instead of three.
struct EntryArrays {
  uint32_t* offsets = nullptr;
  uint32_t* lengths = nullptr;
  uint32_t* key_at = nullptr;
  uint32_t* value_at = nullptr;
  uint32_t size = 0;
  uint32_t cap = 0;
  void Push(Arena& arena, uint32_t offset, uint32_t length, uint32_t key,
            uint32_t value) {
    if (ABSL_PREDICT_FALSE(size == cap)) Grow(arena);
    offsets[size] = offset;
    lengths[size] = length;
    key_at[size] = key;
    value_at[size] = value;
    ++size;
  }
  void Grow(Arena& arena) {
    const uint32_t ncap = cap ? cap * 2 : 8;
    uint32_t* block = static_cast<uint32_t*>(
        arena.Allocate(4 * sizeof(uint32_t) * ncap, alignof(uint32_t)));
    if (size > 0) {
      std::memcpy(block, offsets, sizeof(uint32_t) * size);
      std::memcpy(block + ncap, lengths, sizeof(uint32_t) * size);
      std::memcpy(block + 2 * ncap, key_at, sizeof(uint32_t) * size);
      std::memcpy(block + 3 * ncap, value_at, sizeof(uint32_t) * size);
    }
    offsets = block;
    lengths = block + ncap;
    key_at = block + 2 * ncap;
    value_at = block + 3 * ncap;
    cap = ncap;
  }
};

// The end of a one-byte-tagged value of wire type wt whose length or
// varint is one byte, at v (just past the tag), or null for any other form.
inline const uint8_t* ShortValueEnd(uint32_t wt, const uint8_t* v,
                                    const uint8_t* end) {
  if (v >= end || *v >= 0x80) return nullptr;
  if (wt == wire::kVarint) return v + 1;
  if (wt == wire::kLengthDelimited && *v < end - v) return v + 1 + *v;
  return nullptr;
}

Value MapView(Arena& arena, const MessageObj& m, const FieldInfo& f) {
  const uint8_t* begin;
  const uint8_t* end;
  Found r = ElementRange(&arena, m, f, &begin, &end);
  if (r == Found::kAbsent) return f.default_value;
  if (r == Found::kMalformed) return Malformed(arena, f);
  EntryArrays entries;
  const uint32_t kwt = f.map_key->wire_type;
  const uint32_t vwt = f.map_value->wire_type;
  const uint32_t key_tag = 1u << 3 | kwt;
  const uint32_t value_tag = 2u << 3 | vwt;
  // Records the entry of n bytes at q when it has the shape protobuf
  // writes: the key, then the value, each with a one-byte tag and a
  // one-byte length or varint (tags, labels). Lookups then go straight to
  // the key and the value.
  auto push_canonical = [&](const uint8_t* q, uint32_t n) {
    if (n < 4 || q[0] != key_tag) return false;
    const uint8_t* const e_end = q + n;
    const uint8_t* const k_end = ShortValueEnd(kwt, q + 1, e_end);
    if (k_end == nullptr || k_end >= e_end || *k_end != value_tag ||
        ShortValueEnd(vwt, k_end + 1, e_end) != e_end) {
      return false;
    }
    entries.Push(arena, static_cast<uint32_t>(q - m.data), n,
                 static_cast<uint32_t>(q + 1 - m.data) + 1,
                 static_cast<uint32_t>(k_end + 1 - m.data) + 1);
    return true;
  };
  // The entry's own tag when it is one byte (fields 1-15), else a value no
  // byte equals.
  const uint32_t entry_tag =
      f.number < 16 ? (f.number << 3 | wire::kLengthDelimited) : 0x100;
  // Map fields are never packed: each entry is one length-delimited
  // occurrence of f (any other wire type is an unknown field for protobuf).
  const uint8_t* p = begin;
  while (p < end) {
    // The usual entry, without the general tag and length reads: a
    // one-byte tag and length, the entry in canonical shape (six bytes at
    // least).
    if (p[0] == entry_tag && end - p >= 6 && p[1] < 0x80 &&
        p[1] <= end - p - 2 && push_canonical(p + 2, p[1])) {
      p += 2 + p[1];
      continue;
    }
    uint32_t num, wt;
    const uint8_t* val;
    if (!wire::NextField(&p, end, &num, &wt, &val)) return Malformed(arena, f);
    if (num != f.number || wt != wire::kLengthDelimited) continue;
    const uint8_t* q = val;
    uint32_t n;
    if (!wire::ReadLength(&q, end, &n)) return Malformed(arena, f);
    const uint8_t* const e_end = q + n;
    if (push_canonical(q, n)) continue;
    // Any other entry: its last key (field 1 with the key's wire type);
    // the lookups scan it for its value.
    uint32_t key_at = 0;
    const uint8_t* e = q;
    while (e < e_end) {
      uint32_t enum_, ewt;
      const uint8_t* v;
      if (!wire::NextField(&e, e_end, &enum_, &ewt, &v)) {
        key_at = MapObj::kMalformedEntry;  // reported by the lookups
        break;
      }
      if (enum_ == 1 && ewt == kwt) {
        key_at = static_cast<uint32_t>(v - m.data) + 1;
      }
    }
    entries.Push(arena, static_cast<uint32_t>(q - m.data), n, key_at, 0);
  }
  if (entries.size == 0) return f.default_value;
  MapObj* mo = arena.New<MapObj>();
  mo->rep = MapRep::kMapField;
  mo->size = entries.size;
  mo->data = m.data;
  mo->offsets = entries.offsets;
  mo->lengths = entries.lengths;
  mo->key_at = entries.key_at;
  mo->value_at = entries.value_at;
  mo->field = &f;
  return Value::Map(mo);
}

// Reads a scalar field of a small WKT message, default when absent.
inline Value WktField(Arena& arena, const MessageObj& m, int number) {
  // Well-known types declare their fields in number order (1, 2, ...), so
  // the field list is indexed directly instead of a by-number lookup.
  const std::vector<const FieldInfo*>& fs = m.type->fields();
  const FieldInfo* f =
      static_cast<size_t>(number) <= fs.size() &&
              fs[number - 1]->number == static_cast<uint32_t>(number)
          ? fs[number - 1]
          : m.type->FieldByNumber(number);
  return GetField(arena, m, *f);
}

constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31
constexpr int64_t kMaxDurationSeconds = 315576000000;

Value ConvertWkt(Arena& arena, const MessageType& type0, const uint8_t* data,
                 uint32_t size) {
  const MessageType* type = &type0;
  // Any may hold an Any: unwrap iteratively with a hard limit.
  for (int depth = 0; depth < kMaxAnyDepth; ++depth) {
    MessageObj m;
    m.data = data;
    m.size = size;
    m.type = type;
    switch (type->wkt()) {
      case FieldConv::kNone:
        return MessageValue(arena, *type, data, size);
      case FieldConv::kTimestamp:
      case FieldConv::kDuration: {
        Value s = WktField(arena, m, 1);
        if (s.is_error()) return s;
        Value n = WktField(arena, m, 2);
        if (n.is_error()) return n;
        if (type->wkt() == FieldConv::kTimestamp) {
          if (s.i < kMinTimestampSeconds || s.i > kMaxTimestampSeconds ||
              n.i < 0 || n.i >= 1000000000) {
            return MakeError(arena, ErrorCode::kOutOfRange,
                             "google.protobuf.Timestamp out of range");
          }
          return Value::Timestamp(s.i, static_cast<int32_t>(n.i));
        }
        if (s.i < -kMaxDurationSeconds || s.i > kMaxDurationSeconds ||
            n.i <= -1000000000 || n.i >= 1000000000 || (s.i > 0 && n.i < 0) ||
            (s.i < 0 && n.i > 0)) {
          return MakeError(arena, ErrorCode::kOutOfRange,
                           "google.protobuf.Duration out of range");
        }
        return Value::Duration(s.i, static_cast<int32_t>(n.i));
      }
      case FieldConv::kWrapper:
      case FieldConv::kStruct:
      case FieldConv::kListValue:
        return WktField(arena, m, 1);
      case FieldConv::kValue: {
        // The kind oneof: the last member on the wire wins. One scan finds
        // it (Values sit on the hot path of schemaless resources).
        const FieldInfo* best = nullptr;
        const std::vector<const FieldInfo*>& fs = type->fields();
        const uint8_t* p = data;
        const uint8_t* end = data + size;
        while (p < end) {
          uint32_t num, wt;
          if (!wire::ReadTag(&p, end, &num, &wt)) {
            return Malformed(arena, *fs[0]);
          }
          if (num >= 1 && num <= fs.size() && fs[num - 1]->number == num &&
              fs[num - 1]->wire_type == wt) {
            best = fs[num - 1];
          }
          if (!wire::SkipValue(&p, end, wt, num)) {
            return Malformed(arena, best != nullptr ? *best : *fs[0]);
          }
        }
        if (best == nullptr || best->number == 1) return Value::Null();
        return GetField(arena, m, *best);
      }
      case FieldConv::kAny: {
        Value url = WktField(arena, m, 1);
        if (url.is_error()) return url;
        Value bytes = WktField(arena, m, 2);
        if (bytes.is_error()) return bytes;
        absl::string_view u = url.string_view();
        size_t slash = u.rfind('/');
        absl::string_view name =
            slash == absl::string_view::npos ? u : u.substr(slash + 1);
        const Descriptor* d =
            type->descriptor()->file()->pool()->FindMessageTypeByName(
                std::string(name));
        if (d == nullptr) {
          return MakeError(arena, ErrorCode::kInvalidArgument,
                           absl::StrCat("google.protobuf.Any holds unknown "
                                        "type '",
                                        u, "'"));
        }
        type = MessageType::For(d);
        data = reinterpret_cast<const uint8_t*>(bytes.str);
        size = bytes.len;
        continue;
      }
      case FieldConv::kEnum:
        break;
    }
    break;
  }
  return MakeError(arena, ErrorCode::kInvalidArgument,
                   "google.protobuf.Any nested too deeply");
}

}  // namespace

// ---------------------------------------------------------------------------
// Reads.

namespace {
Value GetFieldSlow(Arena& arena, const MessageObj& msg, const FieldInfo& f);

ABSL_ATTRIBUTE_NOINLINE Value WrongType(Arena& arena, const MessageObj& msg,
                                        const FieldInfo& f) {
  return MakeError(
      arena, ErrorCode::kNoSuchField,
      absl::StrCat("no such field '", f.fd->name(), "' in message of type ",
                   msg.type == nullptr ? std::string("<none>")
                                       : msg.type->descriptor()->full_name()));
}
}  // namespace

namespace {

// Message elements of a cached repeated-field view get one view each, kept
// in the list's (otherwise unused) `items`: every rule that iterates the
// field on this resource then reads the same element views, so each
// element's index is built once per resource, not once per rule (three
// security-group rules walk `ingress`). Only for writable (per-evaluation)
// parents: element views are written to lazily, which a shared constant
// must never be.
void ShareElements(Arena& arena, const ListObj& l, const FieldInfo& f) {
  if (f.type != FieldDescriptor::TYPE_MESSAGE || f.message == nullptr ||
      f.message->wkt() != FieldConv::kNone ||
      l.rep != ListRep::kRepeatedField) {
    return;
  }
  Value* items = arena.NewArray<Value>(l.size);
  MessageObj* objs = arena.NewArray<MessageObj>(l.size);
  for (uint32_t i = 0; i < l.size; ++i) {
    // Elements were validated when the view was made: a length prefix and
    // that many bytes follow each offset.
    const uint8_t* p = l.data + l.offsets[i];
    uint64_t n = 0;
    if (*p < 0x80) {
      n = *p++;
    } else if (!wire::ReadVarint(&p, p + 10, &n)) {
      return;  // cannot happen; decoded per read then
    }
    objs[i].data = p;
    objs[i].size = static_cast<uint32_t>(n);
    objs[i].type = f.message;
    items[i] = Value::Message(&objs[i]);
  }
  const_cast<ListObj&>(l).items = items;
}

// Views of repeated and map fields, cached in the index like sub-messages
// (element offsets recorded once per resource, not once per rule). A cached
// view is returned by ReadOwnField before it gets here; this makes and
// caches it.
ABSL_ATTRIBUTE_NOINLINE Value GetViewField(Arena& arena, const MessageObj& msg,
                                           const FieldInfo& f) {
  Value v = f.is_map ? MapView(arena, msg, f) : RepeatedView(arena, msg, f);
  if (v.kind == Kind::kMap || v.kind == Kind::kList) {
    const void** cache = ViewCache(msg, f);  // the view may build the index
    if (cache != nullptr) {
      if (v.kind == Kind::kList) ShareElements(arena, *v.list, f);
      cache[f.child_slot] = v.kind == Kind::kMap
                                ? static_cast<const void*>(v.map)
                                : static_cast<const void*>(v.list);
    }
  }
  return v;
}

// Plain sub-messages are cached in the parent's index, so that every policy
// reading x.sub.* on one resource shares one view (and one index pass over
// x.sub). A cached view is returned by ReadOwnField before it gets here;
// this makes and caches it. Shared (eager) indexes are never written.
ABSL_ATTRIBUTE_NOINLINE Value GetChildField(Arena& arena, const MessageObj& msg,
                                            const FieldInfo& f, uint32_t e) {
  const void** cache = ViewCache(msg, f);
  const uint8_t* p = msg.data + ((e >> 4) - 1);
  Value v;
  if (*p < 0x80 && f.type == FieldDescriptor::TYPE_MESSAGE &&
      f.message->wkt() == FieldConv::kNone) {
    // A plain sub-message shorter than 128 bytes; the index pass checked
    // that its bytes are inside the parent.
    MessageObj* o = arena.New<MessageObj>();
    o->data = p + 1;
    o->size = *p;
    o->type = f.message;
    v = Value::Message(o);
  } else {
    v = DecodeAt(arena, f, p, msg.data + msg.size);
  }
  if (v.kind == Kind::kMessage && cache != nullptr) {
    cache[f.child_slot] = v.msg;
  }
  return v;
}

// First read of a message: builds the index, then reads.
ABSL_ATTRIBUTE_NOINLINE Value GetFieldFirst(Arena& arena, const MessageObj& msg,
                                            const FieldInfo& f) {
  if (msg.size == 0) return f.default_value;
  BuildIndex(&arena, msg);
  if (msg.index == nullptr) return GetFieldSlow(arena, msg, f);  // too big
  return GetField(arena, msg, f);  // once: the index now exists
}

}  // namespace

Value GetField(Arena& arena, const MessageObj& msg, const FieldInfo& f) {
  if (f.owner != msg.type) return WrongType(arena, msg, f);
  return internal::ReadOwnField(arena, msg, f);
}

// Everything ReadOwnField does not do inline. Still fast for an indexed
// singular field whose last occurrence has the expected wire type (other
// scalar kinds, longer varints and strings, first reads of sub-messages);
// the general scan for the rest.
Value internal::ReadOwnFieldOutOfLine(Arena& arena, const MessageObj& msg,
                                      const FieldInfo& f) {
  if (f.is_map || f.repeated) return GetViewField(arena, msg, f);
  if (f.index_slot > 0) {
    const uint32_t* idx = msg.index;
    if (idx == nullptr) return GetFieldFirst(arena, msg, f);
    if (IndexUsable(idx[0])) {
      uint32_t e = idx[f.index_slot];
      if (e == 0) return f.default_value;
      if (f.child_slot >= 0 && (e & 15) == wire::kLengthDelimited &&
          f.oneof < 0) {
        return GetChildField(arena, msg, f, e);
      }
      // Bit 3 (several occurrences) only matters for messages (merge).
      if ((e & 7) == f.wire_type && f.oneof < 0 &&
          ((e & 8) == 0 || f.message == nullptr) && !f.closed_enum) {
        return DecodeAt(arena, f, msg.data + ((e >> 4) - 1),
                        msg.data + msg.size);
      }
    }
  }
  return GetFieldSlow(arena, msg, f);
}

namespace {

ABSL_ATTRIBUTE_NOINLINE Value GetFieldSlow(Arena& arena, const MessageObj& msg,
                                           const FieldInfo& f) {
  if (f.is_map) return MapView(arena, msg, f);
  if (f.repeated) return RepeatedView(arena, msg, f);
  const uint8_t* val;
  int count;
  switch (Locate(&arena, msg, f, &val, &count)) {
    case Found::kAbsent:
      return f.default_value;
    case Found::kMalformed:
      return Malformed(arena, f);
    case Found::kFound:
      break;
  }
  const uint8_t* end = msg.data + msg.size;
  if (f.type == FieldDescriptor::TYPE_MESSAGE ||
      f.type == FieldDescriptor::TYPE_GROUP) {
    const uint8_t* d;
    uint32_t s;
    bool ok = count > 1 ? ConcatOccurrences(arena, msg, f, &d, &s)
                        : MessageSpan(f, val, end, &d, &s);
    if (!ok) return Malformed(arena, f);
    return MessageValue(arena, *f.message, d, s);
  }
  return DecodeAt(arena, f, val, end);
}

// has() without allocating; *malformed set on bad data.
bool HasFieldImpl(Arena* arena, const MessageObj& msg, const FieldInfo& f,
                  bool* malformed) {
  *malformed = false;
  if (msg.size == 0) return false;
  if (f.repeated || f.is_map) {
    const uint8_t* begin;
    const uint8_t* end;
    Found r = ElementRange(arena, msg, f, &begin, &end);
    if (r == Found::kAbsent) return false;
    if (r == Found::kMalformed) {
      *malformed = true;
      return false;
    }
    bool any = false;
    bool ok = ForEachElement(msg, f, begin, end, [&](uint32_t) {
      any = true;
      return false;  // stop at the first element
    });
    if (!ok && !any) *malformed = true;
    return any;
  }
  const uint8_t* val;
  int count;
  Found r = Locate(arena, msg, f, &val, &count);
  if (r == Found::kMalformed) {
    *malformed = true;
    return false;
  }
  if (r == Found::kAbsent) return false;
  if (f.has_presence) return true;
  // proto3 scalar without presence: set means "not the zero value".
  Value v;
  if (!DecodeScalar(f, val, msg.data + msg.size, &v)) {
    *malformed = true;
    return false;
  }
  switch (v.kind) {
    case Kind::kString:
    case Kind::kBytes:
      return v.len != 0;
    case Kind::kBool:
      return v.b;
    default:
      return v.u != 0;  // int, uint, double: any non-zero bit pattern
  }
}

}  // namespace

bool HasField(const MessageObj& msg, const FieldInfo& f) {
  if (f.owner != msg.type) return false;
  bool malformed;
  return HasFieldImpl(nullptr, msg, f, &malformed);
}

Value TestField(Arena& arena, const MessageObj& msg, const FieldInfo& f) {
  if (f.owner != msg.type) return WrongType(arena, msg, f);
  bool malformed;
  bool r = HasFieldImpl(&arena, msg, f, &malformed);
  if (malformed) return Malformed(arena, f);
  return Value::Bool(r);
}

Value ListGet(Arena& arena, const ListObj& list, uint32_t i) {
  if (i >= list.size) {
    return MakeError(arena, ErrorCode::kOutOfRange,
                     absl::StrCat("index out of range: ", i));
  }
  // kArray, or a repeated message field with shared element views.
  if (list.items != nullptr) return list.items[i];
  const FieldInfo& f = *static_cast<const FieldInfo*>(list.field);
  if (f.type == FieldDescriptor::TYPE_GROUP) {
    const uint8_t* d = list.data + list.offsets[2 * i];
    uint32_t s = list.offsets[2 * i + 1] - list.offsets[2 * i];
    return MessageValue(arena, *f.message, d, s);
  }
  // Elements were validated when the view was made, so the bound only has
  // to cover one element: a varint (10 bytes), a fixed64, or a length
  // prefix plus its payload.
  const uint8_t* p = list.data + list.offsets[i];
  if (f.wire_type == wire::kLengthDelimited) {
    uint64_t n = 0;
    const uint8_t* q = p;
    wire::ReadVarint(&q, p + 10, &n);
    return DecodeAt(arena, f, p, q + n);
  }
  return DecodeAt(arena, f, p, p + 10);
}

namespace {

// Entry i of a map field view as a message.
inline MessageObj MapEntry(const MapObj& map, uint32_t i) {
  const FieldInfo& f = *static_cast<const FieldInfo*>(map.field);
  MessageObj e;
  e.data = map.data + map.offsets[i];
  e.size = map.lengths[i];
  e.type = f.message;
  return e;
}

// Converts a lookup key to the map field's key kind; false if no key of
// that kind can equal it.
bool NormalizeKey(const FieldInfo& kf, const Value& key, Value* out) {
  switch (kf.fd->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      if (key.kind != Kind::kBool) return false;
      *out = key;
      return true;
    case FieldDescriptor::CPPTYPE_STRING:
      if (key.kind != Kind::kString) return false;
      *out = key;
      return true;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      if (key.kind == Kind::kInt) {
        *out = key;
        return true;
      }
      if (key.kind == Kind::kUint) {
        if (key.u >
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return false;
        }
        *out = Value::Int(static_cast<int64_t>(key.u));
        return true;
      }
      if (key.kind == Kind::kDouble) {
        if (!(key.d >= -9223372036854775808.0 &&
              key.d < 9223372036854775808.0) ||
            key.d != std::trunc(key.d)) {
          return false;
        }
        *out = Value::Int(static_cast<int64_t>(key.d));
        return true;
      }
      return false;
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      if (key.kind == Kind::kUint) {
        *out = key;
        return true;
      }
      if (key.kind == Kind::kInt) {
        if (key.i < 0) return false;
        *out = Value::Uint(static_cast<uint64_t>(key.i));
        return true;
      }
      if (key.kind == Kind::kDouble) {
        if (!(key.d >= 0 && key.d < 18446744073709551616.0) ||
            key.d != std::trunc(key.d)) {
          return false;
        }
        *out = Value::Uint(static_cast<uint64_t>(key.d));
        return true;
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

namespace {

constexpr int kAbsentKey = -1;
constexpr int kMalformedMap = -2;

// The last entry of wire map `map` whose key equals `k` (a bool, int or
// uint key, normalised to the key kind), kAbsentKey, or kMalformedMap when
// a later entry does not parse. Later entries override earlier ones
// (protobuf map merge semantics). Keys are compared in place where the view
// noted them: no parsing of entries and no views. String keys take
// FindStringKey.
int FindScalarKey(const MapObj& map, const Value& k) {
  const FieldInfo& f = *static_cast<const FieldInfo*>(map.field);
  for (uint32_t i = map.size; i-- > 0;) {
    const uint32_t ka = map.key_at[i];
    if (ka == MapObj::kMalformedEntry) return kMalformedMap;
    bool eq;
    if (ka == 0) {  // absent key: the key type's zero value
      eq = k.u == 0;
    } else {
      Value ek;
      DecodeScalar(*f.map_key, map.data + (ka - 1),
                   map.data + map.offsets[i] + map.lengths[i], &ek);
      eq = k.kind == Kind::kBool ? ek.b == k.b : ek.u == k.u;
    }
    if (eq) return static_cast<int>(i);
  }
  return kAbsentKey;
}

// The value of entry i: the last field 2 with the value's wire type (*val
// null if there is none) and how often it occurs. The view parsed every
// entry it did not mark malformed, so this scan cannot fail.
void EntryValue(const MapObj& map, uint32_t i, const uint8_t** val,
                int* val_count) {
  const uint32_t vwt =
      static_cast<const FieldInfo*>(map.field)->map_value->wire_type;
  const uint8_t* p = map.data + map.offsets[i];
  const uint8_t* const end = p + map.lengths[i];
  const uint8_t* vp = nullptr;
  int vc = 0;
  while (p < end) {
    uint32_t num, wt;
    const uint8_t* v;
    if (!wire::NextField(&p, end, &num, &wt, &v)) break;
    if (num == 2 && wt == vwt) {
      vp = v;
      ++vc;
    }
  }
  *val = vp;
  *val_count = vc;
}

// FindScalarKey for string-keyed maps (tags, labels): the common lookup,
// inline, with the checks that do not depend on the entry out of the loop.
// No UTF-8 check: bytes equal to a valid key are valid.
inline int FindStringKey(const MapObj& map, const Value& k) {
  for (uint32_t i = map.size; i-- > 0;) {
    const uint32_t ka = map.key_at[i];
    // 0 (no key: the empty string) and kMalformedEntry in one test.
    if (ABSL_PREDICT_FALSE(ka - 1 >= MapObj::kMalformedEntry - 1)) {
      if (ka == MapObj::kMalformedEntry) return kMalformedMap;
      if (k.len == 0) return static_cast<int>(i);
      continue;
    }
    // The view checked that the key's length and bytes fit its entry.
    const uint8_t* q = map.data + (ka - 1);
    const uint32_t n = *q;
    if (ABSL_PREDICT_TRUE(n < 0x80)) {
      if (n == k.len && SameBytes(q + 1, k.str, n)) return static_cast<int>(i);
      continue;
    }
    uint32_t len;
    if (!wire::ReadLength(&q, map.data + map.offsets[i] + map.lengths[i],
                          &len)) {
      return kMalformedMap;
    }
    if (len == k.len && SameBytes(q, k.str, len)) return static_cast<int>(i);
  }
  return kAbsentKey;
}

// The entry for `key` in a map field view (kAbsentKey when no key of the
// map's key kind can equal it).
inline int FindMapFieldKey(const MapObj& map, const Value& key) {
  const FieldInfo& kf = *static_cast<const FieldInfo*>(map.field)->map_key;
  // String keys (tags, labels) need no normalisation (map keys are never
  // bytes).
  if (kf.type == FieldDescriptor::TYPE_STRING) {
    return key.kind == Kind::kString ? FindStringKey(map, key) : kAbsentKey;
  }
  Value k;
  if (!NormalizeKey(kf, key, &k)) return kAbsentKey;
  return FindScalarKey(map, k);
}

}  // namespace

Value MapFind(Arena& arena, const MapObj& map, Value key, bool* found) {
  *found = false;
  if (map.rep == MapRep::kArray) {
    const Value* v = ArrayMapFind(map, key);
    if (v == nullptr) return Value::Null();
    *found = true;
    return *v;
  }
  const FieldInfo& f = *static_cast<const FieldInfo*>(map.field);
  const int i = FindMapFieldKey(map, key);
  if (i == kAbsentKey) return Value::Null();
  *found = true;
  if (i == kMalformedMap) return Malformed(arena, f);
  const uint8_t* vp;
  int vc;
  if (const uint32_t va = map.value_at[i]; va != 0) {
    vp = map.data + (va - 1);
    vc = 1;
  } else {
    EntryValue(map, static_cast<uint32_t>(i), &vp, &vc);
  }
  const FieldInfo& vf = *f.map_value;
  if (vp == nullptr) return vf.default_value;
  // The value in place (validated by the view); repeated message values
  // (a merge) and closed enums take the general read.
  if (!vf.closed_enum && (vc == 1 || vf.message == nullptr)) {
    return DecodeAt(arena, vf, vp, map.data + map.offsets[i] + map.lengths[i]);
  }
  MessageObj e = MapEntry(map, static_cast<uint32_t>(i));
  return GetField(arena, e, vf);
}

Value MapContains(Arena& arena, const MapObj& map, Value key) {
  if (map.rep == MapRep::kArray) {
    bool found;
    MapFind(arena, map, key, &found);
    return Value::Bool(found);
  }
  const int i = FindMapFieldKey(map, key);
  if (i == kMalformedMap) {
    return Malformed(arena, *static_cast<const FieldInfo*>(map.field));
  }
  return Value::Bool(i != kAbsentKey);
}

Value MapKeyAt(Arena& arena, const MapObj& map, uint32_t i) {
  if (i >= map.size) {
    return MakeError(arena, ErrorCode::kOutOfRange,
                     absl::StrCat("map index out of range: ", i));
  }
  if (map.rep == MapRep::kArray) return map.keys[i];
  MessageObj e = MapEntry(map, i);
  return GetField(arena, e, *static_cast<const FieldInfo*>(map.field)->map_key);
}

Value MapValueAt(Arena& arena, const MapObj& map, uint32_t i) {
  if (i >= map.size) {
    return MakeError(arena, ErrorCode::kOutOfRange,
                     absl::StrCat("map index out of range: ", i));
  }
  if (map.rep == MapRep::kArray) return map.values[i];
  MessageObj e = MapEntry(map, i);
  return GetField(arena, e,
                  *static_cast<const FieldInfo*>(map.field)->map_value);
}

Value MessageFromBytes(Arena& arena, const MessageType& type,
                       absl::string_view wire) {
  if (wire.size() > std::numeric_limits<uint32_t>::max()) {
    return MakeError(arena, ErrorCode::kInvalidArgument,
                     "message larger than 4 GiB");
  }
  return MessageValue(arena, type,
                      reinterpret_cast<const uint8_t*>(wire.data()),
                      static_cast<uint32_t>(wire.size()));
}

Value FromMessage(Arena& arena, const Message& m) {
  size_t n = m.ByteSizeLong();
  if (n > std::numeric_limits<uint32_t>::max()) {
    return MakeError(arena, ErrorCode::kInvalidArgument,
                     "message larger than 4 GiB");
  }
  uint8_t* buf = static_cast<uint8_t*>(arena.Allocate(n ? n : 1, 1));
  m.SerializeWithCachedSizesToArray(buf);
  return MessageFromBytes(
      arena, *MessageType::For(m.GetDescriptor()),
      absl::string_view(reinterpret_cast<const char*>(buf), n));
}

absl::StatusOr<std::unique_ptr<Message>> ToDynamicMessage(
    const MessageObj& msg) {
  if (msg.type == nullptr) {
    return absl::InvalidArgumentError("message value without a type");
  }
  std::unique_ptr<Message> m(msg.type->prototype()->New());
  if (!m->ParsePartialFromArray(msg.data, static_cast<int>(msg.size))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed protobuf for ", msg.type->descriptor()->full_name()));
  }
  return m;
}

}  // namespace onus::engine
