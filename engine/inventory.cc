#include "engine/inventory.h"

#include <utility>

#include "absl/strings/str_cat.h"
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

// Calls fn(Field) for every field of `msg`; false on malformed wire data.
template <typename Fn>
bool ForEachField(absl::string_view msg, Fn fn) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(msg.data());
  const uint8_t* end = p + msg.size();
  while (p < end) {
    Field f;
    if (!wire::ReadTag(&p, end, &f.number, &f.wire_type)) return false;
    if (f.wire_type == wire::kLengthDelimited) {
      uint32_t n;
      if (!wire::ReadLength(&p, end, &n)) return false;
      f.bytes = absl::string_view(reinterpret_cast<const char*>(p), n);
      p += n;
    } else if (f.wire_type == wire::kVarint) {
      if (!wire::ReadVarint(&p, end, &f.varint)) return false;
    } else if (!wire::SkipValue(&p, end, f.wire_type, f.number)) {
      return false;
    }
    if (!fn(f)) return false;
  }
  return true;
}

bool IsBytes(const Field& f) { return f.wire_type == wire::kLengthDelimited; }

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "malformed protobuf: ", what, " (truncated or not an onus.v1 message)"));
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
    return true;
  });
}

// Header fields shared by Snapshot and SnapshotHeader (same numbers 1-4).
bool ParseHeaderField(const Field& f, SnapshotHeaderView* h) {
  switch (f.number) {
    case snapshot_fields::kId:
      if (IsBytes(f)) h->id = f.bytes;
      return true;
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
        return true;
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

absl::StatusOr<ResourceView> ParseResourceView(absl::string_view bytes) {
  ResourceView r;
  r.raw = bytes;
  bool ok = ForEachField(bytes, [&](const Field& f) {
    switch (f.number) {
      case resource_fields::kId:
        if (IsBytes(f)) r.id = f.bytes;
        break;
      case resource_fields::kType:
        if (IsBytes(f)) r.type = f.bytes;
        break;
      case resource_fields::kProvider:
        if (f.wire_type == wire::kVarint) {
          r.provider = static_cast<ProviderId>(f.varint <= 4 ? f.varint : 4);
        }
        break;
      case resource_fields::kAccount:
        if (IsBytes(f)) r.account = f.bytes;
        break;
      case resource_fields::kRegion:
        if (IsBytes(f)) r.region = f.bytes;
        break;
      case resource_fields::kTyped:
        if (!IsBytes(f)) return false;
        r.schemaless = false;
        r.type_url = {};
        r.payload = {};
        return ForEachField(f.bytes, [&](const Field& a) {
          if (a.number == 1 && IsBytes(a)) r.type_url = a.bytes;
          if (a.number == 2 && IsBytes(a)) r.payload = a.bytes;
          return true;
        });
      case resource_fields::kSchemaless:
        if (!IsBytes(f)) return false;
        r.schemaless = true;
        r.type_url = {};
        r.payload = f.bytes;
        break;
      default:
        break;
    }
    return true;
  });
  if (!ok) return Malformed("onus.v1.Resource");
  // An untyped envelope takes its type from the Any's URL.
  if (r.type.empty() && !r.type_url.empty()) {
    size_t slash = r.type_url.rfind('/');
    r.type = slash == absl::string_view::npos ? r.type_url
                                              : r.type_url.substr(slash + 1);
  }
  return r;
}

absl::StatusOr<Inventory> Inventory::FromSnapshotBytes(
    absl::string_view bytes) {
  Inventory inv;
  // One cheap pass to size the vector: growing a vector of 100k+ views
  // (reallocating and copying) cost more than the scan itself.
  size_t count = 0;
  ForEachField(bytes, [&](const Field& f) {
    count += f.number == snapshot_fields::kResources;
    return true;
  });
  inv.resources_.reserve(count);
  absl::Status error;
  uint32_t index = 0;
  bool ok = ForEachField(bytes, [&](const Field& f) {
    if (f.number == snapshot_fields::kResources) {
      if (!IsBytes(f)) return false;
      absl::StatusOr<ResourceView> r = ParseResourceView(f.bytes);
      if (!r.ok()) {
        error = absl::InvalidArgumentError(
            absl::StrCat("resource #", index, ": ", r.status().message()));
        return false;
      }
      r->ordinal = index++;
      // No index exists yet: append without Add()'s locking.
      inv.resources_.push_back(*std::move(r));
      return true;
    }
    return ParseHeaderField(f, &inv.header_);
  });
  if (!error.ok()) return error;
  if (!ok) return Malformed("onus.v1.Snapshot");
  return inv;
}

Inventory::Inventory(Inventory&& other) noexcept
    : header_(std::move(other.header_)),
      resources_(std::move(other.resources_)) {}

Inventory& Inventory::operator=(Inventory&& other) noexcept {
  header_ = std::move(other.header_);
  resources_ = std::move(other.resources_);
  absl::MutexLock lock(&mu_);
  indexes_.reset();
  ready_.store(nullptr);
  return *this;
}

void Inventory::Add(ResourceView r) {
  r.ordinal = static_cast<uint32_t>(resources_.size());
  resources_.push_back(std::move(r));
  absl::MutexLock lock(&mu_);
  indexes_.reset();
  ready_.store(nullptr);
}

const Inventory::Indexes& Inventory::indexes() const {
  if (const Indexes* ready = ready_.load(std::memory_order_acquire)) {
    return *ready;
  }
  absl::MutexLock lock(&mu_);
  if (indexes_ == nullptr) {
    auto idx = std::make_unique<Indexes>();
    absl::flat_hash_map<absl::string_view, bool> seen;
    for (uint32_t i = 0; i < resources_.size(); ++i) {
      const ResourceView& r = resources_[i];
      idx->by_type[r.type].push_back(i);
      idx->by_type_account[{r.type, r.account}].push_back(i);
      // First occurrence wins for lookup(); duplicates keep their findings.
      idx->by_type_id.try_emplace(std::make_pair(r.type, r.id), i);
      if (seen.try_emplace(r.account, true).second) {
        idx->accounts.push_back(r.account);
      }
    }
    indexes_ = std::move(idx);
    ready_.store(indexes_.get(), std::memory_order_release);
  }
  return *indexes_;
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
  const auto& m = indexes().by_type_id;
  auto it = m.find(std::make_pair(type, id));
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
