#include "engine/inventory.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "engine/inventory_scan.h"
#include "engine/wire_internal.h"

namespace onus::engine {
namespace {

// Field numbers of proto/onus/v1/snapshot.proto (part of the wire contract).
namespace snapshot_fields {
constexpr uint32_t kId = 1, kCollectedAt = 2, kSource = 3, kAccounts = 4,
                   kResources = 5;
}
namespace resource_fields {
constexpr uint32_t kId = 1, kType = 2, kProvider = 3, kAccount = 4, kRegion = 5,
                   kTags = 6, kTyped = 7, kSchemaless = 8;
}
namespace stream_fields {
constexpr uint32_t kHeader = 1, kResource = 2, kAccountComplete = 3;
}

// One field of a message being walked: number, wire type and, for
// length-delimited fields, the payload; for varints, the value.
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  absl::string_view bytes;
  uint64_t varint = 0;
};

// Reads the field at *p (p < end) and advances past it; false on malformed
// wire data.
inline bool NextField(const uint8_t** p, const uint8_t* end, Field* f) {
  if (!wire::ReadTag(p, end, &f->number, &f->wire_type)) return false;
  if (f->wire_type == wire::kLengthDelimited) {
    uint32_t n;
    if (!wire::ReadLength(p, end, &n)) return false;
    f->bytes = absl::string_view(reinterpret_cast<const char*>(*p), n);
    *p += n;
    return true;
  }
  if (f->wire_type == wire::kVarint)
    return wire::ReadVarint(p, end, &f->varint);
  return wire::SkipValue(p, end, f->wire_type, f->number);
}

// A length-delimited field with a one-byte tag (fields 1-15) and a length
// of one or two bytes (under 16 KiB), at *p < end: the fields of a
// resource envelope (ids, type, account, region, the payload) and of its
// Any. kOther: any other form, for NextField; kMalformed: the length runs
// past the end, which NextField would refuse too.
enum class ShortField { kOk, kOther, kMalformed };

inline ShortField NextShortField(const uint8_t** p, const uint8_t* end,
                                 Field* f) {
  const uint8_t* q = *p;
  if (end - q < 2) return ShortField::kOther;
  const uint32_t t = q[0];
  if (t < 8 || t >= 0x80 || (t & 7) != wire::kLengthDelimited) {
    return ShortField::kOther;
  }
  uint32_t n = q[1];
  q += 2;
  if (n >= 0x80) {
    if (q == end || *q >= 0x80) return ShortField::kOther;
    n = (n & 0x7f) | (uint32_t{*q} << 7);
    ++q;
  }
  if (n > static_cast<uint32_t>(end - q)) return ShortField::kMalformed;
  f->number = t >> 3;
  f->wire_type = wire::kLengthDelimited;
  f->bytes = absl::string_view(reinterpret_cast<const char*>(q), n);
  *p = q + n;
  return ShortField::kOk;
}

// Calls fn(Field) for every field of `msg`; false on malformed wire data.
// Runs once per resource envelope (and its Any), so the short
// length-delimited form has its own straight-line path.
template <typename Fn>
bool ForEachField(absl::string_view msg, Fn fn) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(msg.data());
  const uint8_t* end = p + msg.size();
  while (p < end) {
    Field f;
    const ShortField s = NextShortField(&p, end, &f);
    if (s == ShortField::kMalformed) return false;
    if (s == ShortField::kOther && !NextField(&p, end, &f)) return false;
    if (!fn(f)) return false;
  }
  return true;
}

bool IsBytes(const Field& f) { return f.wire_type == wire::kLengthDelimited; }

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "malformed protobuf: ", what,
      " (truncated, a string that is not UTF-8, or not an onus.v1 message)"));
}

bool ParseAccount(absl::string_view bytes, SnapshotHeaderView::Account* a) {
  return ForEachField(bytes, [&](const Field& f) {
    if (f.number == 1 && f.wire_type == wire::kVarint) {
      a->provider = static_cast<ProviderId>(f.varint <= 4 ? f.varint : 4);
    } else if (f.number == 2 && IsBytes(f)) {
      a->id = f.bytes;
    } else if (f.number == 3 && IsBytes(f)) {
      a->name = f.bytes;
    }
    return IsBytes(f) ? wire::ValidUtf8(f.bytes) : true;
  });
}

// Header fields shared by Snapshot and SnapshotHeader (same numbers 1-4).
bool ParseHeaderField(const Field& f, SnapshotHeaderView* h) {
  switch (f.number) {
    case snapshot_fields::kId:
      if (IsBytes(f)) h->id = f.bytes;
      return !IsBytes(f) || wire::ValidUtf8(f.bytes);
    case snapshot_fields::kCollectedAt:
      if (!IsBytes(f)) return true;
      return ForEachField(f.bytes, [&](const Field& t) {
        if (t.number == 1 && t.wire_type == wire::kVarint) {
          h->collected_seconds = static_cast<int64_t>(t.varint);
        } else if (t.number == 2 && t.wire_type == wire::kVarint) {
          h->collected_nanos = static_cast<int32_t>(t.varint);
        }
        return true;
      });
    case snapshot_fields::kSource:
      if (!IsBytes(f)) return true;
      return ForEachField(f.bytes, [&](const Field& s) {
        if (s.number == 1 && IsBytes(s)) h->source_name = s.bytes;
        if (s.number == 2 && IsBytes(s)) h->source_version = s.bytes;
        return !IsBytes(s) || wire::ValidUtf8(s.bytes);
      });
    case snapshot_fields::kAccounts: {
      if (!IsBytes(f)) return true;
      SnapshotHeaderView::Account a;
      if (!ParseAccount(f.bytes, &a)) return false;
      h->accounts.push_back(a);
      return true;
    }
    default:
      return true;
  }
}

}  // namespace

const char* ProviderName(ProviderId p) {
  switch (p) {
    case ProviderId::kAws:
      return "aws";
    case ProviderId::kGcp:
      return "gcp";
    case ProviderId::kAzure:
      return "azure";
    case ProviderId::kOther:
      return "other";
    case ProviderId::kUnspecified:
      break;
  }
  return "unspecified";
}

namespace {

// The Any of a typed envelope (type_url = 1, value = 2). Inline, with the
// short form first: it runs once per resource of every snapshot.
inline bool ParseAny(absl::string_view any, ResourceView* r) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(any.data());
  const uint8_t* const end = p + any.size();
  while (p < end) {
    Field a;
    const ShortField s = NextShortField(&p, end, &a);
    if (s == ShortField::kMalformed) return false;
    if (s == ShortField::kOther && !NextField(&p, end, &a)) return false;
    if (a.number == 1 && IsBytes(a)) r->type_url = a.bytes;
    if (a.number == 2 && IsBytes(a)) r->payload = a.bytes;
  }
  return true;
}

// Applies one envelope field to *r; false when the field makes the
// envelope malformed (a payload that is not length-delimited, a bad Any).
inline bool ApplyResourceField(const Field& f, ResourceView* r) {
  switch (f.number) {
    case resource_fields::kId:
      if (IsBytes(f)) r->id = f.bytes;
      return true;
    case resource_fields::kType:
      if (IsBytes(f)) r->type = f.bytes;
      return true;
    case resource_fields::kProvider:
      if (f.wire_type == wire::kVarint) {
        r->provider = static_cast<ProviderId>(f.varint <= 4 ? f.varint : 4);
      }
      return true;
    case resource_fields::kAccount:
      if (IsBytes(f)) r->account = f.bytes;
      return true;
    case resource_fields::kRegion:
      if (IsBytes(f)) r->region = f.bytes;
      return true;
    case resource_fields::kTyped:
      if (!IsBytes(f)) return false;
      r->schemaless = false;
      r->type_url = {};
      r->payload = {};
      return ParseAny(f.bytes, r);
    case resource_fields::kSchemaless:
      if (!IsBytes(f)) return false;
      r->schemaless = true;
      r->type_url = {};
      r->payload = f.bytes;
      return true;
    default:
      return true;
  }
}

}  // namespace

namespace {

// proto3 strings are UTF-8: protobuf rejects a Resource whose strings are
// not, and so does the scan for the strings it reads (the Any's URL only
// where the type comes from it). Left alone, the bytes would reach the
// JSON, SARIF and HTML reports as they are. The first such field, or null.
const char* InvalidUtf8Field(const ResourceView& r) {
  if (!wire::ValidUtf8(r.id)) return "id";
  if (!wire::ValidUtf8(r.type)) {
    // An envelope without `type` takes it from the Any's URL.
    const bool from_url = r.type.data() >= r.type_url.data() &&
                          r.type.data() < r.type_url.data() + r.type_url.size();
    return from_url ? "typed.type_url" : "type";
  }
  if (!wire::ValidUtf8(r.account)) return "account";
  if (!wire::ValidUtf8(r.region)) return "region";
  return nullptr;
}

}  // namespace

bool ParseResourceViewInto(absl::string_view bytes, uint32_t ordinal,
                           ResourceView* out) {
  // Parsed in place (the scan's views are parsed where they lie); a false
  // return leaves *out unspecified, and every caller drops it then.
  ResourceView& r = *out;
  // Every field's default is zero (empty views, kUnspecified, false): a
  // few vector stores, where assigning a ResourceView() compiled to a
  // `rep stos` with its start-up cost.
  static_assert(static_cast<int>(ProviderId::kUnspecified) == 0);
  std::memset(static_cast<void*>(&r), 0, sizeof(r));
  r.raw = bytes;
  r.ordinal = ordinal;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = p + bytes.size();
  // Runs once per resource of every snapshot. The envelope's usual fields
  // (one-byte tags, lengths of one or two bytes, a one-byte provider) are
  // read in straight-line code, everything else by the general reader;
  // ApplyResourceField stores both.
  while (p < end) {
    const uint32_t t = p[0];
    if (ABSL_PREDICT_TRUE(t >= 8 && t < 0x80 && end - p >= 2)) {
      if ((t & 7) == wire::kLengthDelimited) {
        uint32_t n = p[1];
        const uint8_t* v = p + 2;
        bool short_length = true;
        if (n >= 0x80) {
          short_length = v != end && *v < 0x80;
          if (short_length) n = (n & 0x7f) | (uint32_t{*v++} << 7);
        }
        if (short_length) {
          if (n > static_cast<uint32_t>(end - v)) return false;
          p = v + n;
          Field f;
          f.number = t >> 3;
          f.wire_type = wire::kLengthDelimited;
          f.bytes = absl::string_view(reinterpret_cast<const char*>(v), n);
          if (!ApplyResourceField(f, &r)) return false;
          continue;
        }
      } else if (t == (resource_fields::kProvider << 3 | wire::kVarint) &&
                 p[1] < 0x80) {
        Field f;
        f.number = resource_fields::kProvider;
        f.wire_type = wire::kVarint;
        f.varint = p[1];
        p += 2;
        ApplyResourceField(f, &r);
        continue;
      }
    }
    Field f;
    if (!NextField(&p, end, &f) || !ApplyResourceField(f, &r)) return false;
  }
  // An untyped envelope takes its type from the Any's URL.
  if (r.type.empty() && !r.type_url.empty()) {
    size_t slash = r.type_url.rfind('/');
    r.type = slash == absl::string_view::npos ? r.type_url
                                              : r.type_url.substr(slash + 1);
  }
  // The strings lie in the envelope, which protobuf writes in field order:
  // id, type, provider, account, region first. When every byte from the
  // start to the end of the last of them is ASCII (their tags, one-byte
  // lengths and provider are), so are they: one pass over a few words.
  // Anything else (a long length, a reordered envelope) takes the
  // field-by-field check.
  // (Addresses as integers: empty views may hold null.)
  auto end_of = [](absl::string_view s) {
    return reinterpret_cast<uintptr_t>(s.data()) + s.size();
  };
  const uintptr_t start = reinterpret_cast<uintptr_t>(bytes.data());
  const uintptr_t hi = std::max(std::max(end_of(r.id), end_of(r.type)),
                                std::max(end_of(r.account), end_of(r.region)));
  if (ABSL_PREDICT_TRUE(
          hi >= start &&
          (wire::OrBytes(reinterpret_cast<const uint8_t*>(bytes.data()),
                         hi - start) &
           wire::kHighBits) == 0)) {
    return true;
  }
  return InvalidUtf8Field(r) == nullptr;
}

absl::StatusOr<ResourceView> ParseResourceView(absl::string_view bytes) {
  ResourceView r;
  if (!ParseResourceViewInto(bytes, 0, &r)) {
    // Say which rule the envelope broke: the scans report this message.
    if (const char* field = InvalidUtf8Field(r); field != nullptr) {
      std::string where = "onus.v1.Resource";
      if (absl::string_view(field) != "id" && !r.id.empty()) {
        absl::StrAppend(&where, " ", r.id);
      }
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": field `", field, "` is not valid UTF-8"));
    }
    return Malformed("onus.v1.Resource");
  }
  return r;
}

// Views are constructed in place by the scan and never destroyed one by
// one (NoInitAllocator); both need a view to be plain data.
static_assert(std::is_trivially_destructible<ResourceView>::value &&
                  std::is_trivially_copyable<ResourceView>::value,
              "ResourceView must stay plain data (string views and scalars)");

namespace {

enum class TopField { kResource, kHeader, kMalformed };

// Framing is a chain of dependent loads: where the next resource starts is
// known only once this one's length is read, so each step would wait a
// full memory latency (about 120 ns here: 12 ms for 100,000 resources, all
// of it serial). The chain only moves forward, so the lines ahead of it
// are requested early; framing then runs at memory bandwidth, and the
// chunk's parser finds its bytes in cache.
class ReadAhead {
 public:
  ReadAhead(const uint8_t* from, const uint8_t* end)
      : next_(AlignDown(from)), end_(end) {}
  // Requests every line up to kDistance bytes past p not requested yet.
  void Before(const uint8_t* p) {
    const uint8_t* target = end_ - p > kDistance ? p + kDistance : end_;
    for (; next_ < target; next_ += kLine) __builtin_prefetch(next_, 0, 3);
  }

 private:
  static constexpr ptrdiff_t kLine = 64;
  // Bytes in flight: memory latency times bandwidth is about 2-3 KB.
  static constexpr ptrdiff_t kDistance = 4096;
  static const uint8_t* AlignDown(const uint8_t* p) {
    return reinterpret_cast<const uint8_t*>(reinterpret_cast<uintptr_t>(p) &
                                            ~static_cast<uintptr_t>(kLine - 1));
  }
  const uint8_t* next_;
  const uint8_t* end_;
};

// Reads the top-level Snapshot field at *p: a resource is only framed (*p
// moves past it), a header field is parsed into `header`.
TopField NextTopField(const uint8_t** p, const uint8_t* end,
                      SnapshotHeaderView* header, uint32_t* number,
                      absl::string_view* resource) {
  const uint8_t* field = *p;
  uint32_t wire_type;
  if (!wire::ReadTag(p, end, number, &wire_type)) return TopField::kMalformed;
  if (*number == snapshot_fields::kResources) {
    uint32_t n;
    if (wire_type != wire::kLengthDelimited || !wire::ReadLength(p, end, &n)) {
      return TopField::kMalformed;
    }
    *resource = absl::string_view(reinterpret_cast<const char*>(*p), n);
    *p += n;
    return TopField::kResource;
  }
  *p = field;
  Field f;
  if (!NextField(p, end, &f) || !ParseHeaderField(f, header)) {
    return TopField::kMalformed;
  }
  return TopField::kHeader;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InventoryScan>> InventoryScan::Frame(
    absl::string_view bytes) {
  auto scan = absl::WrapUnique(new InventoryScan(bytes));
  const uint8_t* const begin = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = begin + bytes.size();
  const uint8_t* p = begin;
  size_t count = 0;
  bool ok = true;
  ReadAhead ahead(p, end);
  while (p < end) {
    ahead.Before(p);
    const uint8_t* field = p;
    uint32_t number;
    absl::string_view resource;
    TopField t = NextTopField(&p, end, &scan->inv_.header_, &number, &resource);
    if (t == TopField::kMalformed) {
      ok = false;
      break;
    }
    if (t == TopField::kResource) {
      if (count % kChunk == 0) scan->chunk_starts_.push_back(field - begin);
      ++count;
    }
  }
  // Reserved, not constructed: each chunk's parser constructs its views.
  scan->inv_.resources_.resize(count);
  const size_t chunks = scan->chunk_starts_.size();
  scan->state_ = std::make_unique<std::atomic<uint8_t>[]>(chunks);
  for (size_t c = 0; c < chunks; ++c) scan->state_[c].store(kPending);
  if (!ok) {
    // A serial scan would have stopped at a malformed resource before
    // reaching the bad top-level field: report that one if there is one.
    for (size_t c = 0; c < chunks && scan->ParseChunk(c); ++c) {
    }
    if (scan->failed_.load()) return std::move(*scan).Finish().status();
    return Malformed("onus.v1.Snapshot");
  }
  return scan;
}

absl::StatusOr<std::unique_ptr<InventoryScan>> InventoryScan::Start(
    absl::string_view bytes) {
  auto scan = absl::WrapUnique(new InventoryScan(bytes));
  scan->streaming_ = true;
  // The header fields before the first resource (all of them, as protobuf
  // serializers write fields in number order and resources are field 5).
  const uint8_t* const begin = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = begin + bytes.size();
  const uint8_t* p = begin;
  while (p < end) {
    const uint8_t* field = p;
    uint32_t number;
    absl::string_view resource;
    TopField t = NextTopField(&p, end, &scan->inv_.header_, &number, &resource);
    if (t == TopField::kMalformed) return Malformed("onus.v1.Snapshot");
    if (t == TopField::kResource) {
      p = field;
      break;
    }
  }
  absl::MutexLock lock(&scan->frame_mu_);
  scan->pos_ = p - begin;
  scan->frame_done_ = p == end;
  return scan;
}

size_t InventoryScan::ParseNext(ResourceView* views, size_t* chunk,
                                size_t* first) {
  if (failed_.load(std::memory_order_relaxed)) return 0;
  const uint8_t* const begin = reinterpret_cast<const uint8_t*>(bytes_.data());
  const uint8_t* const end = begin + bytes_.size();
  size_t n = 0;
  {
    // Claiming is framing: the next kChunk resources are found (a tag and
    // a length each, ~10 ns) under the lock, held for a few microseconds
    // while the claimant then spends far longer parsing and evaluating.
    absl::MutexLock lock(&frame_mu_);
    if (frame_done_) return 0;
    const uint8_t* p = begin + pos_;
    ReadAhead ahead(p, end);
    while (p < end && n < kChunk) {
      ahead.Before(p);
      uint32_t number;
      // Each resource's bytes go into its view; parsed below.
      TopField t = NextTopField(&p, end, &inv_.header_, &number, &views[n].raw);
      if (t == TopField::kMalformed) {
        // Resources before this field are still handed out: one of them
        // may be the error a serial scan would report first.
        top_level_error_.store(true, std::memory_order_relaxed);
        frame_done_ = true;
        break;
      }
      if (t == TopField::kResource) {
        ++n;
      } else if (number == snapshot_fields::kCollectedAt) {
        late_collected_at_.store(true, std::memory_order_relaxed);
      }
    }
    if (p == end) frame_done_ = true;
    pos_ = p - begin;
    *chunk = claims_++;
    *first = framed_;
    framed_ += n;
  }
  // Parse what was framed, outside the lock.
  for (size_t k = 0; k < n; ++k) {
    if (!ParseResourceViewInto(views[k].raw, static_cast<uint32_t>(*first + k),
                               &views[k])) {
      Fail(*first + k, ParseResourceView(views[k].raw).status());
      return 0;
    }
  }
  return n;
}

absl::Status InventoryScan::status() const {
  {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
  }
  if (top_level_error_.load()) return Malformed("onus.v1.Snapshot");
  return absl::OkStatus();
}

bool InventoryScan::ParseChunk(size_t c) {
  const uint8_t* const begin = reinterpret_cast<const uint8_t*>(bytes_.data());
  const uint8_t* const end = begin + bytes_.size();
  const uint8_t* p = begin + chunk_starts_[c];
  ResourceView* views = inv_.resources_.data();
  bool ok = true;
  // Frame() checked every field's tag and length up to the end (or up to a
  // malformed one past this chunk's resources).
  for (size_t i = ChunkBegin(c), last = ChunkEnd(c); i < last;) {
    Field f;
    if (!NextField(&p, end, &f)) {  // cannot happen after Frame()
      Fail(i, Malformed("onus.v1.Snapshot"));
      ok = false;
      break;
    }
    if (f.number != snapshot_fields::kResources) continue;
    ResourceView* v = ::new (static_cast<void*>(&views[i])) ResourceView;
    if (!ParseResourceViewInto(f.bytes, static_cast<uint32_t>(i), v)) {
      Fail(i, ParseResourceView(f.bytes).status());
      ok = false;
      break;
    }
    ++i;
  }
  state_[c].store(ok ? kParsed : kFailed, std::memory_order_release);
  return ok;
}

void InventoryScan::Fail(size_t resource, absl::Status status) {
  absl::MutexLock lock(&mu_);
  if (error_.ok() || resource < error_resource_) {
    error_resource_ = resource;
    error_ = absl::InvalidArgumentError(
        absl::StrCat("resource #", resource, ": ", status.message()));
  }
  failed_.store(true, std::memory_order_release);
}

bool InventoryScan::ClaimAndParse(size_t limit) {
  size_t n = next_.load(std::memory_order_relaxed);
  if (n > limit) return false;
  if (!next_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) {
    return true;  // lost the race (or spurious): look again
  }
  ParseChunk(n);
  return true;
}

bool InventoryScan::EnsureParsed(size_t c) {
  for (;;) {
    const uint8_t s = state_[c].load(std::memory_order_acquire);
    if (s != kPending) return s == kParsed;
    // Chunks are claimed in order, so every unclaimed chunk lies past any
    // failed one: stopping here cannot hide an earlier error.
    if (failed_.load(std::memory_order_relaxed)) return false;
    if (!ClaimAndParse(c)) break;  // claimed by another thread
  }
  // Another thread is parsing chunk c: a few microseconds at most.
  uint8_t s;
  while ((s = state_[c].load(std::memory_order_acquire)) == kPending) {
    std::this_thread::yield();
  }
  return s == kParsed;
}

bool InventoryScan::EnsureAllParsed() {
  if (all_parsed_.load(std::memory_order_acquire)) return true;
  const size_t chunks = num_chunks();
  while (chunks > 0 && !failed_.load(std::memory_order_relaxed) &&
         ClaimAndParse(chunks - 1)) {
  }
  for (size_t c = 0; c < chunks; ++c) {
    uint8_t s;
    while ((s = state_[c].load(std::memory_order_acquire)) == kPending) {
      if (failed_.load(std::memory_order_relaxed) &&
          next_.load(std::memory_order_relaxed) <= c) {
        return false;  // never claimed: the scan stopped at an error
      }
      std::this_thread::yield();
    }
    if (s != kParsed) return false;
  }
  all_parsed_.store(true, std::memory_order_release);
  return true;
}

absl::StatusOr<Inventory> InventoryScan::Finish() && {
  absl::Status s = status();
  if (!s.ok()) return s;
  return std::move(inv_);
}

absl::StatusOr<Inventory> Inventory::FromSnapshotBytes(
    absl::string_view bytes) {
  absl::StatusOr<std::unique_ptr<InventoryScan>> scan =
      InventoryScan::Frame(bytes);
  if (!scan.ok()) return scan.status();
  for (size_t c = 0; c < (*scan)->num_chunks() && (*scan)->EnsureParsed(c);
       ++c) {
  }
  return std::move(**scan).Finish();
}

Inventory::Inventory(Inventory&& other) noexcept
    : header_(std::move(other.header_)),
      resources_(std::move(other.resources_)) {}

Inventory& Inventory::operator=(Inventory&& other) noexcept {
  header_ = std::move(other.header_);
  resources_ = std::move(other.resources_);
  DropIndexes();
  return *this;
}

void Inventory::Add(ResourceView r) {
  r.ordinal = static_cast<uint32_t>(resources_.size());
  resources_.push_back(std::move(r));
  DropIndexes();
}

void Inventory::DropIndexes() {
  absl::MutexLock lock(&mu_);
  indexes_.reset();
  parts_claimed_ = 0;
  parts_done_ = 0;
  ready_.store(nullptr);
}

int Inventory::IdShard(const TypeAndString& key) {
  // A high bit: the map itself places keys by the low bits of the same
  // hash, which a shard's keys must not all share.
  return static_cast<int>((absl::Hash<TypeAndString>{}(key) >> 40) %
                          Indexes::kIdShards);
}

void Inventory::BuildIndexPart(int part, Indexes* idx) const {
  const uint32_t n = static_cast<uint32_t>(resources_.size());
  if (part < Indexes::kIdShards) {
    auto& by_type_id = idx->by_type_id[part];
    by_type_id.reserve(n / Indexes::kIdShards + 1);
    for (uint32_t i = 0; i < n; ++i) {
      const ResourceView& r = resources_[i];
      const TypeAndString key(r.type, r.id);
      // First occurrence wins for lookup(); duplicates keep their findings.
      if (IdShard(key) == part) by_type_id.try_emplace(key, i);
    }
  } else if (part == Indexes::kIdShards) {
    for (uint32_t i = 0; i < n; ++i) {
      const ResourceView& r = resources_[i];
      idx->by_type_account[{r.type, r.account}].push_back(i);
    }
  } else {
    absl::flat_hash_set<absl::string_view> seen;
    for (uint32_t i = 0; i < n; ++i) {
      const ResourceView& r = resources_[i];
      idx->by_type[r.type].push_back(i);
      if (seen.insert(r.account).second) idx->accounts.push_back(r.account);
    }
  }
}

const Inventory::Indexes& Inventory::indexes() const {
  if (const Indexes* ready = ready_.load(std::memory_order_acquire)) {
    return *ready;
  }
  mu_.Lock();
  if (indexes_ == nullptr) indexes_ = std::make_unique<Indexes>();
  Indexes* idx = indexes_.get();
  // Each part writes its own members of *idx, so parts run unlocked.
  while (parts_claimed_ < kIndexParts) {
    const int part = parts_claimed_++;
    mu_.Unlock();
    BuildIndexPart(part, idx);
    mu_.Lock();
    if (++parts_done_ == kIndexParts) {
      ready_.store(idx, std::memory_order_release);
    }
  }
  // Every part is claimed: wait for the threads still building theirs.
  mu_.Await(absl::Condition(
      +[](std::atomic<const Indexes*>* ready) {
        return ready->load(std::memory_order_relaxed) != nullptr;
      },
      &ready_));
  mu_.Unlock();
  return *idx;
}

absl::Span<const uint32_t> Inventory::OfType(absl::string_view type) const {
  const auto& m = indexes().by_type;
  auto it = m.find(type);
  if (it == m.end()) return {};
  return it->second;
}

absl::Span<const uint32_t> Inventory::OfTypeInAccount(
    absl::string_view type, absl::string_view account) const {
  const auto& m = indexes().by_type_account;
  auto it = m.find(std::make_pair(type, account));
  if (it == m.end()) return {};
  return it->second;
}

int64_t Inventory::Lookup(absl::string_view type, absl::string_view id) const {
  const TypeAndString key(type, id);
  const auto& m = indexes().by_type_id[IdShard(key)];
  auto it = m.find(key);
  return it == m.end() ? -1 : static_cast<int64_t>(it->second);
}

const std::vector<absl::string_view>& Inventory::accounts() const {
  return indexes().accounts;
}

absl::StatusOr<StreamReader::Item> StreamReader::Next() {
  Item item;
  // Varint length prefix, read byte by byte so a clean EOF is detectable.
  uint64_t len = 0;
  int shift = 0;
  uint64_t start = offset_;
  for (;;) {
    int c = in_->get();
    if (c == EOF) {
      if (shift == 0) return item;  // clean end
      return absl::DataLossError(absl::StrCat("stream item #", items_ + 1,
                                              " at byte ", start,
                                              ": truncated length prefix"));
    }
    ++offset_;
    len |= static_cast<uint64_t>(c & 0x7f) << shift;
    if ((c & 0x80) == 0) break;
    shift += 7;
    if (shift >= 64) {
      return absl::DataLossError(absl::StrCat(
          "stream item #", items_ + 1, " at byte ", start, ": bad length"));
    }
  }
  if (len > max_item_bytes_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("stream item #", items_ + 1, " at byte ", start, " is ",
                     len, " bytes, over the limit of ", max_item_bytes_));
  }
  buf_.resize(len);
  in_->read(buf_.data(), static_cast<std::streamsize>(len));
  if (static_cast<uint64_t>(in_->gcount()) != len) {
    return absl::DataLossError(
        absl::StrCat("stream item #", items_ + 1, " at byte ", start,
                     ": truncated (", in_->gcount(), " of ", len, " bytes)"));
  }
  offset_ += len;
  ++items_;
  absl::Status error;
  bool ok = ForEachField(buf_, [&](const Field& f) {
    if (!IsBytes(f)) return true;
    switch (f.number) {
      case stream_fields::kHeader:
        item.kind = ItemKind::kHeader;
        return ForEachField(f.bytes, [&](const Field& h) {
          return ParseHeaderField(h, &item.header);
        });
      case stream_fields::kResource: {
        absl::StatusOr<ResourceView> r = ParseResourceView(f.bytes);
        if (!r.ok()) {
          error = r.status();
          return false;
        }
        item.kind = ItemKind::kResource;
        item.resource = *std::move(r);
        return true;
      }
      case stream_fields::kAccountComplete:
        item.kind = ItemKind::kAccountComplete;
        return ForEachField(f.bytes, [&](const Field& a) {
          if (a.number == 1 && IsBytes(a)) item.account = a.bytes;
          if (a.number == 3 && a.wire_type == wire::kVarint) {
            item.resource_count = a.varint;
          }
          return true;
        });
      default:
        return true;
    }
  });
  if (!ok || item.kind == ItemKind::kEnd) {
    return absl::DataLossError(absl::StrCat(
        "stream item #", items_, " at byte ", start, ": ",
        error.ok() ? "not a valid onus.v1.StreamItem" : error.message()));
  }
  return item;
}

}  // namespace onus::engine
