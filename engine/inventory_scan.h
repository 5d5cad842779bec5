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

  absl::Mutex mu_;
  size_t error_resource_ = 0;  // guarded by mu_
  absl::Status error_;         // guarded by mu_
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_INVENTORY_SCAN_H_
