#include "engine/snapshot_io.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/json_print.h"
#include "engine/wire_internal.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/json_util.h"
#include "lang/status_macros.h"

namespace onus::engine {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::onus::v1::Snapshot;
using ::onus::v1::StreamItem;

constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";
// Problems listed in one ValidateSnapshot error before "and N more".
constexpr int kMaxListedProblems = 10;
// Messages nest this deep at most in the envelope walk (protobuf's own
// parsers stop at 100 too); deeper input is rejected, never recursed on.
constexpr int kMaxDepth = 100;

// Collects text-format parse errors with 1-based line:column.
class TextErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    // The first error is the useful one; later ones are usually fallout.
    if (first_.empty()) {
      first_ = absl::StrFormat("%d:%d: %s", line + 1, column + 1, message);
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber,
                  const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

// Fails if any message in `root` carries fields its schema does not know:
// in binary input that is how a different message type shows up. Walks with
// an explicit stack; Any payloads are opaque bytes here (ValidateSnapshot
// parses them).
absl::Status CheckNoUnknownFields(const Message& root, absl::string_view name) {
  struct Item {
    const Message* msg;
    std::string path;
    int depth;
  };
  std::vector<Item> stack = {{&root, std::string(root.GetTypeName()), 0}};
  while (!stack.empty()) {
    Item it = std::move(stack.back());
    stack.pop_back();
    if (it.depth > kMaxDepth) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": messages nested deeper than ", kMaxDepth));
    }
    const Reflection* r = it.msg->GetReflection();
    const auto& unknown = r->GetUnknownFields(*it.msg);
    if (!unknown.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": not an onus.v1.Snapshot: unknown field number ",
                       unknown.field(0).number(), " in ", it.path));
    }
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(*it.msg, &fields);
    for (const FieldDescriptor* f : fields) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (f->is_repeated()) {
        int n = r->FieldSize(*it.msg, f);
        for (int i = 0; i < n; ++i) {
          stack.push_back({&r->GetRepeatedMessage(*it.msg, f, i),
                           absl::StrCat(it.path, ".", f->name(), "[", i, "]"),
                           it.depth + 1});
        }
      } else {
        stack.push_back({&r->GetMessage(*it.msg, f),
                         absl::StrCat(it.path, ".", f->name()), it.depth + 1});
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(absl::string_view path) {
  std::ifstream in(std::string(path), std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat(path, ": read error"));
  }
  return ss.str();
}

// protobuf's util::Status carries a StringPiece message.
template <typename S>
std::string MessageOf(const S& status) {
  return std::string(status.message().data(), status.message().size());
}

std::string ProviderLabel(onus::v1::Provider p) {
  return onus::v1::Provider_Name(p);
}

// Why `bytes` does not parse as `d`, for the errors that matter in
// practice: bytes that are not protobuf, and a proto3 string that is not
// UTF-8 (text format writes such a string; the binary parser refuses it).
// Returns the problem after the path of the field, relative to `d`
// ("password_policy.name: not valid UTF-8", "ingress[2]: malformed
// protobuf at byte 7"), or "" when none of these is found. Recurses into
// sub-messages at most kMaxDepth deep, as protobuf's parser does. Only run
// on a payload protobuf refused, so the path is built only then.
std::string PayloadProblem(const Descriptor* d, absl::string_view bytes,
                           int depth) {
  if (depth > kMaxDepth) {
    return absl::StrCat(": messages nested deeper than ", kMaxDepth);
  }
  const auto* const begin = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = begin + bytes.size();
  // "name" or "name[i]" for the occurrence of f whose tag is at `at`: the
  // index counts the earlier length-delimited occurrences.
  auto name_of = [&](const FieldDescriptor* f, const uint8_t* at) {
    if (!f->is_repeated()) return f->name();
    int index = 0;
    uint32_t number, wt;
    const uint8_t* val;
    for (const uint8_t* p = begin; p < at;) {
      if (!wire::NextField(&p, end, &number, &wt, &val)) break;
      index += number == static_cast<uint32_t>(f->number()) &&
               wt == wire::kLengthDelimited;
    }
    return absl::StrCat(f->name(), "[", index, "]");
  };
  for (const uint8_t* p = begin; p < end;) {
    const uint8_t* const tag = p;
    uint32_t number, wt;
    const uint8_t* val;
    if (!wire::NextField(&p, end, &number, &wt, &val)) {
      return absl::StrCat(": malformed protobuf at byte ", tag - begin);
    }
    const FieldDescriptor* f = d->FindFieldByNumber(static_cast<int>(number));
    if (f == nullptr || wt != wire::kLengthDelimited) continue;
    // The value after its length prefix: NextField checked it fits.
    uint32_t len = 0;
    if (!wire::ReadLength(&val, end, &len)) continue;
    const absl::string_view value(reinterpret_cast<const char*>(val), len);
    if (f->type() == FieldDescriptor::TYPE_STRING &&
        f->file()->syntax() ==
            google::protobuf::FileDescriptor::SYNTAX_PROTO3 &&
        !wire::ValidUtf8(value)) {
      return absl::StrCat(name_of(f, tag), ": not valid UTF-8");
    }
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      std::string inner = PayloadProblem(f->message_type(), value, depth + 1);
      if (!inner.empty()) {
        return absl::StrCat(name_of(f, tag), inner[0] == ':' ? "" : ".", inner);
      }
    }
  }
  return "";
}

}  // namespace

const char* SnapshotFormatName(SnapshotFormat f) {
  switch (f) {
    case SnapshotFormat::kAuto:
      return "auto";
    case SnapshotFormat::kBinary:
      return "binary";
    case SnapshotFormat::kText:
      return "text";
    case SnapshotFormat::kJson:
      return "json";
    case SnapshotFormat::kStream:
      return "stream";
  }
  return "unknown";
}

SnapshotFormat FormatFromExtension(absl::string_view path) {
  std::string p = absl::AsciiStrToLower(path);
  for (absl::string_view ext : {".textproto", ".txtpb", ".pbtxt", ".textpb"}) {
    if (absl::EndsWith(p, ext)) return SnapshotFormat::kText;
  }
  if (absl::EndsWith(p, ".json")) return SnapshotFormat::kJson;
  if (absl::EndsWith(p, ".stream")) return SnapshotFormat::kStream;
  for (absl::string_view ext : {".pb", ".bin", ".binpb"}) {
    if (absl::EndsWith(p, ext)) return SnapshotFormat::kBinary;
  }
  return SnapshotFormat::kAuto;
}

SnapshotFormat SniffFormat(absl::string_view contents) {
  absl::string_view s = absl::StripLeadingAsciiWhitespace(contents);
  if (!s.empty() && s.front() == '{') return SnapshotFormat::kJson;
  // Text format is printable: no control bytes besides whitespace. Binary
  // snapshots start with a field tag and a length, which are not.
  size_t n = std::min<size_t>(contents.size(), 4096);
  if (n == 0) return SnapshotFormat::kText;  // empty text = empty snapshot
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(contents[i]);
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
      return SnapshotFormat::kBinary;
    }
  }
  return SnapshotFormat::kText;
}

absl::StatusOr<Snapshot> ParseSnapshot(absl::string_view contents,
                                       SnapshotFormat format,
                                       absl::string_view name) {
  if (format == SnapshotFormat::kAuto) format = SniffFormat(contents);
  Snapshot snapshot;
  switch (format) {
    case SnapshotFormat::kBinary:
      if (!snapshot.ParseFromArray(contents.data(),
                                   static_cast<int>(contents.size()))) {
        return absl::InvalidArgumentError(
            absl::StrCat(name,
                         ": not a valid binary onus.v1.Snapshot (truncated or "
                         "corrupt)"));
      }
      ONUS_RETURN_IF_ERROR(CheckNoUnknownFields(snapshot, name));
      return snapshot;
    case SnapshotFormat::kText: {
      google::protobuf::TextFormat::Parser parser;
      TextErrors errors;
      parser.RecordErrorsTo(&errors);
      // The parser writes each Any payload with protobuf's serializer,
      // which logs a string that is not UTF-8 to stderr; ValidateSnapshot
      // reports it with the field's path instead.
      google::protobuf::LogSilencer quiet;
      if (!parser.ParseFromString(std::string(contents), &snapshot)) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ":",
            errors.first().empty() ? std::string(" invalid text format")
                                   : errors.first()));
      }
      return snapshot;
    }
    case SnapshotFormat::kJson: {
      // Strict: our own format, so an unknown key is a mistake (and the
      // way a different message type shows up).
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = false;
      auto status = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(contents.data(), contents.size()),
          &snapshot, options);
      if (!status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": invalid JSON snapshot: ", MessageOf(status)));
      }
      return snapshot;
    }
    case SnapshotFormat::kStream: {
      std::istringstream in{std::string(contents)};
      return ReadSnapshotStream(&in, name);
    }
    case SnapshotFormat::kAuto:
      break;
  }
  return absl::InternalError("unreachable snapshot format");
}

absl::StatusOr<Snapshot> LoadSnapshot(absl::string_view path,
                                      SnapshotFormat format) {
  ONUS_ASSIGN_OR_RETURN(std::string contents, ReadFile(path));
  if (format == SnapshotFormat::kAuto) format = FormatFromExtension(path);
  return ParseSnapshot(contents, format, path);
}

absl::StatusOr<std::string> SerializeSnapshot(const Snapshot& snapshot,
                                              SnapshotFormat format) {
  std::string out;
  switch (format) {
    case SnapshotFormat::kAuto:
    case SnapshotFormat::kBinary: {
      // Deterministic so equal snapshots give equal bytes (maps sorted).
      google::protobuf::io::StringOutputStream zout(&out);
      google::protobuf::io::CodedOutputStream coded(&zout);
      coded.SetSerializationDeterministic(true);
      if (!snapshot.SerializeToCodedStream(&coded)) {
        return absl::InternalError("cannot serialize snapshot");
      }
      break;
    }
    case SnapshotFormat::kText: {
      google::protobuf::TextFormat::Printer printer;
      printer.SetExpandAny(true);
      if (!printer.PrintToString(snapshot, &out)) {
        return absl::InternalError("cannot print snapshot");
      }
      break;
    }
    case SnapshotFormat::kJson: {
      google::protobuf::util::JsonPrintOptions options;
      options.add_whitespace = true;
      // Tags (maps) in key order: the same snapshot, the same bytes.
      absl::Status status = PrintJson(snapshot, options, &out);
      if (!status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot write JSON: ", status.message()));
      }
      break;
    }
    case SnapshotFormat::kStream: {
      std::ostringstream os;
      ONUS_RETURN_IF_ERROR(WriteSnapshotStream(snapshot, &os));
      out = os.str();
      break;
    }
  }
  return out;
}

absl::Status SaveSnapshot(const Snapshot& snapshot, absl::string_view path,
                          SnapshotFormat format) {
  if (format == SnapshotFormat::kAuto) format = FormatFromExtension(path);
  ONUS_ASSIGN_OR_RETURN(std::string bytes, SerializeSnapshot(snapshot, format));
  std::ofstream out(std::string(path), std::ios::binary | std::ios::trunc);
  if (!out) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot open for writing"));
  }
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

absl::Status ValidateSnapshot(const Snapshot& snapshot) {
  std::vector<std::string> problems;
  int total = 0;
  auto problem = [&](std::string p) {
    if (++total <= kMaxListedProblems) problems.push_back(std::move(p));
  };

  // proto3 strings must be UTF-8; text format input is not checked by its
  // parser. Such a string is reported by position (never quoted), and the
  // scan would refuse it later anyway (engine/inventory.cc).
  if (!wire::ValidUtf8(snapshot.id())) problem("field 'id' is not valid UTF-8");
  if (!wire::ValidUtf8(snapshot.source().name()) ||
      !wire::ValidUtf8(snapshot.source().version())) {
    problem("field 'source' is not valid UTF-8");
  }
  absl::flat_hash_set<std::pair<int, std::string>> accounts;
  for (int i = 0; i < snapshot.accounts_size(); ++i) {
    const auto& a = snapshot.accounts(i);
    if (!wire::ValidUtf8(a.id())) {
      problem(absl::StrCat("accounts[", i, "]: field 'id' is not valid UTF-8"));
      continue;
    }
    if (!wire::ValidUtf8(a.name())) {
      // Reported once, here: the account still counts as listed, so its
      // resources do not each report a missing account.
      problem(absl::StrCat("account \"", a.id(),
                           "\": field 'name' is not valid UTF-8"));
    }
    if (a.id().empty()) problem(absl::StrCat("accounts[", i, "]: id is empty"));
    if (a.provider() == onus::v1::PROVIDER_UNSPECIFIED) {
      problem(absl::StrCat("account \"", a.id(), "\": provider is unset"));
    }
    if (!accounts.insert({a.provider(), a.id()}).second) {
      problem(absl::StrCat("account \"", a.id(), "\": listed twice"));
    }
  }

  absl::flat_hash_set<std::string> ids;
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  for (int i = 0; i < snapshot.resources_size(); ++i) {
    const auto& r = snapshot.resources(i);
    if (!wire::ValidUtf8(r.id())) {
      problem(
          absl::StrCat("resources[", i, "]: field 'id' is not valid UTF-8"));
      continue;
    }
    std::string who = r.id().empty()
                          ? absl::StrCat("resources[", i, "]")
                          : absl::StrCat("resource \"", r.id(), "\"");
    if (r.id().empty()) problem(absl::StrCat(who, ": field 'id' is empty"));
    if (!r.id().empty() && !ids.insert(r.id()).second) {
      problem(absl::StrCat(who, ": duplicate id"));
    }
    const char* bad = !wire::ValidUtf8(r.type())      ? "type"
                      : !wire::ValidUtf8(r.account()) ? "account"
                      : !wire::ValidUtf8(r.region())  ? "region"
                      : !wire::ValidUtf8(r.typed().type_url())
                          ? "typed.type_url"
                          : nullptr;
    if (bad != nullptr) {
      problem(absl::StrCat(who, ": field '", bad, "' is not valid UTF-8"));
      continue;
    }
    if (r.type().empty()) problem(absl::StrCat(who, ": field 'type' is empty"));
    if (r.provider() == onus::v1::PROVIDER_UNSPECIFIED) {
      problem(absl::StrCat(who, ": field 'provider' is unset"));
    }
    if (!accounts.contains(
            std::make_pair(static_cast<int>(r.provider()), r.account()))) {
      problem(absl::StrCat(who, ": field 'account' (\"", r.account(), "\", ",
                           ProviderLabel(r.provider()),
                           ") is not in the snapshot's accounts"));
    }
    switch (r.payload_case()) {
      case onus::v1::Resource::kTyped: {
        const std::string& url = r.typed().type_url();
        if (url != absl::StrCat(kTypeUrlPrefix, r.type())) {
          problem(absl::StrCat(who, ": field 'typed.type_url' is \"", url,
                               "\", expected \"", kTypeUrlPrefix, r.type(),
                               "\""));
          break;
        }
        const Descriptor* d = pool->FindMessageTypeByName(r.type());
        if (d == nullptr) {
          problem(absl::StrCat(who, ": field 'type': \"", r.type(),
                               "\" is not a known resource schema"));
          break;
        }
        std::unique_ptr<Message> payload(factory->GetPrototype(d)->New());
        bool parsed;
        {
          // Protobuf logs a string that is not UTF-8 to stderr; the
          // problem below names it with its path instead.
          google::protobuf::LogSilencer quiet;
          parsed = payload->ParseFromString(r.typed().value());
        }
        if (!parsed) {
          std::string why = PayloadProblem(d, r.typed().value(), 0);
          if (!why.empty() && why[0] == ':') why = "the payload" + why;
          problem(absl::StrCat(
              who, ": field 'typed.value' does not parse as ", r.type(),
              why.empty() ? "" : absl::StrCat(" (", why, ")")));
        }
        break;
      }
      case onus::v1::Resource::kSchemaless:
        break;
      case onus::v1::Resource::PAYLOAD_NOT_SET:
        problem(absl::StrCat(who,
                             ": no payload (neither 'typed' nor "
                             "'schemaless')"));
        break;
    }
  }
  if (total == 0) return absl::OkStatus();
  std::string msg = absl::StrJoin(problems, "\n");
  if (total > kMaxListedProblems) {
    absl::StrAppend(&msg, "\n... and ", total - kMaxListedProblems, " more");
  }
  return absl::InvalidArgumentError(msg);
}

// ---------------------------------------------------------------------------
// Streams.

absl::Status StreamItemWriter::Write(const StreamItem& item) {
  if (!google::protobuf::util::SerializeDelimitedToOstream(item, out_)) {
    return absl::DataLossError(
        absl::StrCat("cannot write stream item #", items_ + 1));
  }
  ++items_;
  return absl::OkStatus();
}

struct StreamItemReader::Impl {
  explicit Impl(std::istream* in) : zin(in) {}
  google::protobuf::io::IstreamInputStream zin;
};

StreamItemReader::StreamItemReader(std::istream* in, std::string name)
    : impl_(new Impl(in)), name_(std::move(name)) {}

StreamItemReader::~StreamItemReader() { delete impl_; }

absl::StatusOr<bool> StreamItemReader::Next(StreamItem* item) {
  // A fresh CodedInputStream per item keeps protobuf's total-bytes limit
  // per item rather than per stream; its destructor hands unread buffered
  // bytes back to `zin`.
  google::protobuf::io::CodedInputStream coded(&impl_->zin);
  bool clean_eof = false;
  if (!google::protobuf::util::ParseDelimitedFromCodedStream(item, &coded,
                                                             &clean_eof)) {
    if (clean_eof) return false;
    return absl::DataLossError(absl::StrCat(
        name_, ": stream item #", items_ + 1, " is truncated or corrupt"));
  }
  ++items_;
  return true;
}

absl::Status WriteSnapshotStream(const Snapshot& snapshot, std::ostream* out) {
  StreamItemWriter writer(out);
  StreamItem item;
  auto* h = item.mutable_header();
  h->set_id(snapshot.id());
  *h->mutable_collected_at() = snapshot.collected_at();
  *h->mutable_source() = snapshot.source();
  *h->mutable_accounts() = snapshot.accounts();
  ONUS_RETURN_IF_ERROR(writer.Write(item));

  // Group resources by account, keeping their order within each account.
  using Key = std::pair<int, std::string>;
  std::vector<Key> order;
  absl::flat_hash_map<Key, std::vector<int>> by_account;
  for (const auto& a : snapshot.accounts()) {
    Key k{a.provider(), a.id()};
    if (by_account.emplace(k, std::vector<int>()).second) order.push_back(k);
  }
  for (int i = 0; i < snapshot.resources_size(); ++i) {
    const auto& r = snapshot.resources(i);
    Key k{r.provider(), r.account()};
    auto [it, inserted] = by_account.emplace(k, std::vector<int>());
    if (inserted) order.push_back(k);
    it->second.push_back(i);
  }
  for (const Key& k : order) {
    const std::vector<int>& members = by_account[k];
    for (int i : members) {
      item.Clear();
      *item.mutable_resource() = snapshot.resources(i);
      ONUS_RETURN_IF_ERROR(writer.Write(item));
    }
    item.Clear();
    auto* done = item.mutable_account_complete();
    done->set_account(k.second);
    done->set_provider(static_cast<onus::v1::Provider>(k.first));
    done->set_resource_count(members.size());
    ONUS_RETURN_IF_ERROR(writer.Write(item));
  }
  out->flush();
  if (!*out) return absl::DataLossError("stream write failed");
  return absl::OkStatus();
}

absl::StatusOr<Snapshot> ReadSnapshotStream(std::istream* in,
                                            absl::string_view name) {
  StreamItemReader reader(in, std::string(name));
  Snapshot snapshot;
  StreamItem item;
  bool have_header = false;
  using Key = std::pair<int, std::string>;
  absl::flat_hash_map<Key, uint64_t> seen;
  absl::flat_hash_set<Key> complete;
  while (true) {
    item.Clear();
    ONUS_ASSIGN_OR_RETURN(bool more, reader.Next(&item));
    if (!more) break;
    uint64_t n = reader.items_read();
    if (!have_header && item.item_case() != StreamItem::kHeader) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": stream item #", n, ": the first item must be a header"));
    }
    switch (item.item_case()) {
      case StreamItem::kHeader: {
        if (have_header) {
          return absl::InvalidArgumentError(
              absl::StrCat(name, ": stream item #", n, ": second header"));
        }
        have_header = true;
        const auto& h = item.header();
        snapshot.set_id(h.id());
        *snapshot.mutable_collected_at() = h.collected_at();
        *snapshot.mutable_source() = h.source();
        *snapshot.mutable_accounts() = h.accounts();
        break;
      }
      case StreamItem::kResource: {
        Key k{item.resource().provider(), item.resource().account()};
        if (complete.contains(k)) {
          return absl::InvalidArgumentError(
              absl::StrCat(name, ": stream item #", n, ": resource \"",
                           item.resource().id(), "\" of account \"", k.second,
                           "\" after that account's account_complete"));
        }
        ++seen[k];
        *snapshot.add_resources() = std::move(*item.mutable_resource());
        break;
      }
      case StreamItem::kAccountComplete: {
        const auto& done = item.account_complete();
        Key k{done.provider(), done.account()};
        uint64_t got = seen.contains(k) ? seen[k] : 0;
        if (got != done.resource_count()) {
          return absl::DataLossError(
              absl::StrCat(name, ": stream item #", n, ": account \"", k.second,
                           "\" complete with ", done.resource_count(),
                           " resources, but the stream carried ", got));
        }
        complete.insert(k);
        break;
      }
      case StreamItem::ITEM_NOT_SET:
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": stream item #", n, " is empty"));
    }
  }
  if (!have_header) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": empty stream (no header)"));
  }
  return snapshot;
}

}  // namespace onus::engine
