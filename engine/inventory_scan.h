// InventoryScan: a snapshot scan in chunks that threads claim, for the
// evaluator (engine/evaluator.h) and Inventory::FromSnapshotBytes.
//
// A Snapshot's resources can only be found by walking the message from the
// start, so one part of the scan is serial: Frame() reads each top-level
// field's tag and length and skips it (a few nanoseconds per resource),
// parses the small header fields, and records where every kChunk-th
// resource starts. Parsing the envelopes (id, type, account, region, Any),
// which costs ten times more, is done per chunk by whoever claims it.
// Chunks are claimed in order, so the evaluator's workers can parse a chunk
// and evaluate it while its bytes are still in cache, and a thread that
// needs the whole inventory (a join) helps parse what is left instead of
// waiting.
//
// Errors are those of a serial scan: the first malformed resource in
// snapshot order ("resource #i: ..."), else a malformed top level.
//
// Two forms: Frame() finds every resource first (about 10 ns each) and
// keeps the parsed views, so the inventory can be indexed for joins and
// handed out; Start()/ParseNext() frames chunk by chunk as threads claim
// them and keeps nothing, for evaluations without joins.
#ifndef ONUS_ENGINE_INVENTORY_SCAN_H_
#define ONUS_ENGINE_INVENTORY_SCAN_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/inventory.h"

namespace onus::engine {

class InventoryScan {
 public:
  // Resources per chunk: large enough that claiming one (an atomic) is
  // noise, small enough that the last chunks balance the threads.
  static constexpr size_t kChunk = 256;

  // The serial part. `bytes` must outlive the scan and the inventory.
  static absl::StatusOr<std::unique_ptr<InventoryScan>> Frame(
      absl::string_view bytes);

  // The streaming form, for an evaluation that keeps no inventory (no
  // joins): nothing is framed up front. Each ParseNext() call frames the
  // next chunk under a short lock and parses it into the caller's buffer,
  // so even finding the resources is spread over the threads. Start()
  // reads the header fields that precede the first resource.
  static absl::StatusOr<std::unique_ptr<InventoryScan>> Start(
      absl::string_view bytes);
  // Claims the next (up to) kChunk resources in snapshot order and parses
  // their envelopes into `views` (room for kChunk). Sets *chunk (claims are
  // numbered in snapshot order) and *first (index of the first resource).
  // Returns how many; 0 at the end or once the snapshot proved malformed.
  size_t ParseNext(ResourceView* views, size_t* chunk, size_t* first);
  // True when a Snapshot.collected_at field came after a resource: a
  // caller that read the header's time at Start() read it too early.
  bool late_collected_at() const { return late_collected_at_.load(); }
  // The first error in snapshot order, once no thread uses the scan.
  absl::Status status() const;
  bool streaming() const { return streaming_; }
  // Streaming form: about how many chunks there are (counting 64 bytes a
  // resource), so that no thread is started that would find nothing.
  size_t EstimatedChunks() const { return bytes_.size() / (kChunk * 64) + 1; }

  // Frame() only (the streaming form has no chunk table).
  size_t num_resources() const { return inv_.resources_.size(); }
  size_t num_chunks() const { return chunk_starts_.size(); }
  size_t ChunkBegin(size_t c) const { return c * kChunk; }
  size_t ChunkEnd(size_t c) const {
    return c + 1 < num_chunks() ? (c + 1) * kChunk : num_resources();
  }

  // The inventory being built: the header is complete after Frame(); a
  // resource may be read once its chunk is parsed (EnsureParsed) and the
  // indexes only once every chunk is (EnsureAllParsed).
  const Inventory& inventory() const { return inv_; }

  // Makes sure chunk `c` is parsed: claims and parses the unclaimed chunks
  // up to it, or waits for the thread that claimed it. Thread-safe. False
  // when the snapshot is malformed (the error is kept for Finish()).
  bool EnsureParsed(size_t c);
  // The same for every chunk. Cheap once it has returned true.
  bool EnsureAllParsed();

  // Once no thread uses the scan any more: the first error in snapshot
  // order, or the inventory (every chunk parsed).
  absl::StatusOr<Inventory> Finish() &&;

 private:
  explicit InventoryScan(absl::string_view bytes) : bytes_(bytes) {}
  // Claims the next chunk if it is at most `limit`; parses it.
  bool ClaimAndParse(size_t limit);
  bool ParseChunk(size_t c);
  void Fail(size_t resource, absl::Status status);

  enum State : uint8_t { kPending = 0, kParsed = 1, kFailed = 2 };

  absl::string_view bytes_;
  Inventory inv_;
  // Offset in bytes_ of the field of each chunk's first resource.
  std::vector<size_t> chunk_starts_;
  std::unique_ptr<std::atomic<uint8_t>[]> state_;
  std::atomic<size_t> next_{0};  // next chunk to claim
  std::atomic<bool> failed_{false};
  std::atomic<bool> all_parsed_{false};

  // Errors. A resource's error wins over a malformed top level: framing
  // stops at the latter, so every resource before it is still parsed.
  mutable absl::Mutex mu_;
  size_t error_resource_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> top_level_error_{false};

  // The streaming form's framing state.
  bool streaming_ = false;
  absl::Mutex frame_mu_;
  size_t pos_ ABSL_GUARDED_BY(frame_mu_) = 0;  // where framing continues
  size_t framed_ ABSL_GUARDED_BY(frame_mu_) = 0;
  size_t claims_ ABSL_GUARDED_BY(frame_mu_) = 0;
  bool frame_done_ ABSL_GUARDED_BY(frame_mu_) = false;
  std::atomic<bool> late_collected_at_{false};
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_INVENTORY_SCAN_H_
