// Inventory: the resources of a snapshot, as views over its wire bytes.
//
// The engine never parses a Snapshot into messages. FromSnapshotBytes walks
// the serialized onus.v1.Snapshot and records, for each Resource, its
// envelope (id, type, provider, account, region) and the bytes of its
// payload, all as string views into the caller's buffer. Payloads stay
// undecoded until a policy reads a field (engine/message_type.h). The walk
// is split in two (engine/inventory_scan.h): a serial pass that only finds
// where every 256th resource starts, and envelope parsing per chunk, which
// EvaluateSnapshot (engine/evaluator.h) spreads over its worker threads.
//
// The Inventory indexes resources by (type, account) and by (type, id) on
// first use, once, so the policy builtins `resources(T)` and `lookup(T, id)`
// cost no rescans; a run whose policies make no joins never builds them.
// Threads that ask for them together share the building.
//
// For inventories too large for one buffer, StreamReader reads the
// length-delimited StreamItem form (proto/onus/v1/snapshot.proto) one
// resource at a time in constant memory.
#ifndef ONUS_ENGINE_INVENTORY_H_
#define ONUS_ENGINE_INVENTORY_H_

#include <atomic>
#include <cstdint>
#include <istream>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "engine/large_alloc.h"

namespace onus::engine {

// Resource.provider values (onus.v1.Provider).
enum class ProviderId : uint8_t {
  kUnspecified = 0,
  kAws = 1,
  kGcp = 2,
  kAzure = 3,
  kOther = 4
};

const char* ProviderName(ProviderId p);

struct ResourceView {
  absl::string_view id;
  absl::string_view type;  // fully qualified message name
  ProviderId provider = ProviderId::kUnspecified;
  absl::string_view account;
  absl::string_view region;
  // The whole serialized Resource: tags (and anything else rarely needed)
  // are decoded from it on demand, so the scan allocates nothing per
  // resource.
  absl::string_view raw;
  // Payload: for `typed` the Any's type_url and value bytes; for
  // `schemaless` the serialized google.protobuf.Struct.
  absl::string_view type_url;
  absl::string_view payload;
  bool schemaless = false;
  // Position in the snapshot (stable order for reports).
  uint32_t ordinal = 0;
};

struct SnapshotHeaderView {
  absl::string_view id;
  int64_t collected_seconds = 0;
  int32_t collected_nanos = 0;
  absl::string_view source_name;
  absl::string_view source_version;
  struct Account {
    ProviderId provider = ProviderId::kUnspecified;
    absl::string_view id;
    absl::string_view name;
  };
  std::vector<Account> accounts;
};

// Decodes one serialized onus.v1.Resource. Errors name the field.
absl::StatusOr<ResourceView> ParseResourceView(absl::string_view bytes);
// The same into *out, with the given ordinal; false when the envelope is
// malformed (ParseResourceView's error). For the scans, which parse every
// resource of a snapshot.
bool ParseResourceViewInto(absl::string_view bytes, uint32_t ordinal,
                           ResourceView* out);

class InventoryScan;  // engine/inventory_scan.h

namespace inventory_internal {
// An allocator whose value-initialisation is a no-op: resize() then only
// reserves the elements, and each is constructed by the thread that parses
// it (InventoryScan). Zero-filling 100,000 views on one thread first would
// be a serial step of several milliseconds (and page faults) before any
// parallel work. Large arrays get huge pages (engine/large_alloc.h).
template <typename T>
struct NoInitAllocator : LargeAllocator<T> {
  template <typename U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  NoInitAllocator() = default;
  template <typename U>
  NoInitAllocator(const NoInitAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U*) noexcept {}
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
}  // namespace inventory_internal

class Inventory {
 public:
  // Scans a serialized onus.v1.Snapshot. `bytes` must outlive the Inventory.
  static absl::StatusOr<Inventory> FromSnapshotBytes(absl::string_view bytes);

  const SnapshotHeaderView& header() const { return header_; }
  absl::Span<const ResourceView> resources() const { return resources_; }
  // Resources of one type, in snapshot order (empty span if none).
  absl::Span<const uint32_t> OfType(absl::string_view type) const;
  // Resources of one type in one account, in snapshot order.
  absl::Span<const uint32_t> OfTypeInAccount(absl::string_view type,
                                             absl::string_view account) const;
  // Index of the resource with this type and id, or -1.
  int64_t Lookup(absl::string_view type, absl::string_view id) const;
  // Distinct accounts that own at least one resource, in first-seen order.
  const std::vector<absl::string_view>& accounts() const;

  // Adds one resource (used by the streaming path and by tests). Not safe
  // to call concurrently with the lookups above.
  void Add(ResourceView r);

  Inventory() = default;
  Inventory(Inventory&& other) noexcept;
  Inventory& operator=(Inventory&& other) noexcept;

 private:
  friend class InventoryScan;

  // Built on first use by the lookups (thread-safe), dropped by Add(): a
  // run whose policies make no joins never pays for them. The build is
  // split into parts, and every thread that asks while it is under way
  // builds an unclaimed part instead of waiting (an evaluation's workers
  // all reach their first join at about the same time).
  using TypeAndString = std::pair<absl::string_view, absl::string_view>;
  struct Indexes {
    // by_type_id, the largest, is split by a bit of the key's hash.
    static constexpr int kIdShards = 2;
    // The per-resource tables are large-block memory (huge pages) at
    // 1,000,000 resources: tens of MB each, written once per inventory.
    using Ordinals = std::vector<uint32_t, LargeAllocator<uint32_t>>;
    absl::flat_hash_map<absl::string_view, Ordinals> by_type;
    absl::flat_hash_map<TypeAndString, std::vector<uint32_t>> by_type_account;
    absl::flat_hash_map<
        TypeAndString, uint32_t, absl::Hash<TypeAndString>,
        std::equal_to<TypeAndString>,
        LargeAllocator<std::pair<const TypeAndString, uint32_t>>>
        by_type_id[kIdShards];
    std::vector<absl::string_view> accounts;
  };
  // Parts: the id shards, by_type_account, by_type with accounts.
  static constexpr int kIndexParts = Indexes::kIdShards + 2;
  static int IdShard(const TypeAndString& key);
  const Indexes& indexes() const;
  void BuildIndexPart(int part, Indexes* idx) const;
  void DropIndexes();

  SnapshotHeaderView header_;
  std::vector<ResourceView, inventory_internal::NoInitAllocator<ResourceView>>
      resources_;
  mutable absl::Mutex mu_;
  mutable std::unique_ptr<Indexes> indexes_ ABSL_GUARDED_BY(mu_);
  mutable int parts_claimed_ ABSL_GUARDED_BY(mu_) = 0;
  mutable int parts_done_ ABSL_GUARDED_BY(mu_) = 0;
  mutable std::atomic<const Indexes*> ready_{nullptr};
};

// Reads the length-delimited StreamItem form one item at a time. The views
// in a returned item stay valid until the next call to Next().
class StreamReader {
 public:
  explicit StreamReader(std::istream* in, size_t max_item_bytes = 64 << 20)
      : in_(in), max_item_bytes_(max_item_bytes) {}

  enum class ItemKind { kEnd, kHeader, kResource, kAccountComplete };
  struct Item {
    ItemKind kind = ItemKind::kEnd;
    SnapshotHeaderView header;    // kHeader
    ResourceView resource;        // kResource
    absl::string_view account;    // kAccountComplete
    uint64_t resource_count = 0;  // kAccountComplete
  };

  // kEnd at a clean end of input; an error for a partial or malformed item
  // (the message names the item number and byte offset).
  absl::StatusOr<Item> Next();
  uint64_t items_read() const { return items_; }

 private:
  std::istream* in_;
  size_t max_item_bytes_;
  std::string buf_;
  uint64_t items_ = 0;
  uint64_t offset_ = 0;
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_INVENTORY_H_
