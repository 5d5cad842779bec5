// Loading and saving inventory snapshots (proto/onus/v1/snapshot.proto).
//
// A Snapshot file may be binary, text format or JSON; LoadSnapshot picks the
// format from the file extension or, failing that, from the content. The
// streaming form (length-delimited StreamItem messages) has its own reader
// and writer. These functions parse into full messages and suit tools, the
// CLI and tests; the evaluator's zero-copy scanner is engine/inventory.h.
//
// Typed payloads (google.protobuf.Any) in text format and JSON are resolved
// against the generated descriptor pool, so the binary must link
// //proto:all_resources_proto (this library does).
#ifndef ONUS_ENGINE_SNAPSHOT_IO_H_
#define ONUS_ENGINE_SNAPSHOT_IO_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::engine {

enum class SnapshotFormat {
  kAuto,    // by extension, else by content
  kBinary,  // one binary onus.v1.Snapshot (.pb, .bin, .binpb)
  kText,    // text format (.textproto, .txtpb, .pbtxt, .textpb)
  kJson,    // proto3 JSON mapping (.json)
  kStream,  // length-delimited StreamItem messages (.stream)
};

const char* SnapshotFormatName(SnapshotFormat f);

// The format of `path` from its extension, or kAuto when it says nothing.
SnapshotFormat FormatFromExtension(absl::string_view path);

// The format of `contents` by sniffing: JSON starts with '{', text format is
// printable text, anything else is binary. Never returns kAuto or kStream
// (a stream cannot be told from a binary Snapshot by content).
SnapshotFormat SniffFormat(absl::string_view contents);

// Parses `contents` in `format` (kAuto: sniffed). `name` prefixes errors
// ("acme.textproto:12:5: ..."). Fails on malformed input, on fields the
// schema does not know (a different message type is an error, not an empty
// snapshot), and on Any payloads whose type is not linked in.
absl::StatusOr<onus::v1::Snapshot> ParseSnapshot(absl::string_view contents,
                                                 SnapshotFormat format,
                                                 absl::string_view name);

// Reads and parses a file; kAuto uses the extension, then the content.
absl::StatusOr<onus::v1::Snapshot> LoadSnapshot(
    absl::string_view path, SnapshotFormat format = SnapshotFormat::kAuto);

// Serializes `snapshot` in `format` (kAuto: by extension, binary if none).
absl::StatusOr<std::string> SerializeSnapshot(
    const onus::v1::Snapshot& snapshot, SnapshotFormat format);
absl::Status SaveSnapshot(const onus::v1::Snapshot& snapshot,
                          absl::string_view path,
                          SnapshotFormat format = SnapshotFormat::kAuto);

// Checks what the parsers cannot: every resource has an id, a type and a
// known provider; a typed payload's type_url is "type.googleapis.com/" +
// type, names a message in the generated pool and its bytes parse as that
// message; resource ids are unique; every resource's (provider, account) is
// listed in accounts. The error names the resource id and the field.
absl::Status ValidateSnapshot(const onus::v1::Snapshot& snapshot);

// ---------------------------------------------------------------------------
// Streaming form: each item is a varint length then a binary StreamItem.

class StreamItemWriter {
 public:
  // `out` must outlive the writer.
  explicit StreamItemWriter(std::ostream* out) : out_(out) {}
  absl::Status Write(const onus::v1::StreamItem& item);
  uint64_t items_written() const { return items_; }

 private:
  std::ostream* out_;
  uint64_t items_ = 0;
};

class StreamItemReader {
 public:
  // `in` must outlive the reader; `name` prefixes errors.
  StreamItemReader(std::istream* in, std::string name);
  ~StreamItemReader();
  StreamItemReader(const StreamItemReader&) = delete;
  StreamItemReader& operator=(const StreamItemReader&) = delete;

  // Reads the next item. Returns false at a clean end of input; an error
  // for a truncated or corrupt item (naming its index).
  absl::StatusOr<bool> Next(onus::v1::StreamItem* item);
  uint64_t items_read() const { return items_; }

 private:
  struct Impl;
  Impl* impl_;
  std::string name_;
  uint64_t items_ = 0;
};

// Writes `snapshot` as a stream: the header, then each account's resources
// followed by its account_complete marker (accounts in the order of
// snapshot.accounts, then any account only resources mention).
absl::Status WriteSnapshotStream(const onus::v1::Snapshot& snapshot,
                                 std::ostream* out);

// Reads a whole stream back into one Snapshot, checking the protocol: a
// header first and only first, no resource of an account after its
// account_complete, and account_complete counts that match.
absl::StatusOr<onus::v1::Snapshot> ReadSnapshotStream(std::istream* in,
                                                      absl::string_view name);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_SNAPSHOT_IO_H_
