#include "baselines.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "lang/status_macros.h"
#include "onus/v1/snapshot.pb.h"
#include "snapshot_codec.h"

namespace onus::bench::cspm {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::DynamicMessageFactory;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

// Reused per thread: parsing into a cleared message keeps its allocated
// repeated fields, as a hand-written loop would.
struct Checker {
  S3Bucket s3;
  SecurityGroup sg;
  IamUser user;
  FailCounts fails{};

  absl::Status Check(Group g, absl::string_view bytes) {
    bool ok = false;
    switch (g) {
      case Group::kS3Buckets:
        ok = s3.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
        if (ok) CheckS3Bucket(s3, &fails);
        break;
      case Group::kSecurityGroups:
        ok = sg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
        if (ok) CheckSecurityGroup(sg, &fails);
        break;
      case Group::kIamUsers:
        ok = user.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
        if (ok) CheckIamUser(user, &fails);
        break;
    }
    if (!ok) {
      return absl::DataLossError(
          absl::StrCat("malformed ", GroupMessageName(g), " payload"));
    }
    return absl::OkStatus();
  }

  absl::Status Check(const onus::v1::Resource& r) {
    if (!r.has_typed()) {
      return absl::InvalidArgumentError(
          absl::StrCat("resource ", r.id(), " has no typed payload"));
    }
    ONUS_ASSIGN_OR_RETURN(Group g, GroupFromTypeUrl(r.typed().type_url()));
    return Check(g, r.typed().value());
  }
};

const Descriptor* FindType(absl::string_view name) {
  return DescriptorPool::generated_pool()->FindMessageTypeByName(
      std::string(name));
}

}  // namespace

absl::Status ForEachPayload(
    absl::string_view snapshot,
    const std::function<absl::Status(Group, absl::string_view)>& fn) {
  using ::google::protobuf::internal::WireFormatLite;
  using ::google::protobuf::io::CodedInputStream;
  const auto* base = reinterpret_cast<const uint8_t*>(snapshot.data());
  CodedInputStream in(base, static_cast<int>(snapshot.size()));
  // Reads a length-delimited field's bytes as a view into `snapshot`.
  auto view = [&](absl::string_view* out) {
    uint32_t len;
    if (!in.ReadVarint32(&len)) return false;
    const int pos = in.CurrentPosition();
    if (!in.Skip(static_cast<int>(len))) return false;
    *out = snapshot.substr(pos, len);
    return true;
  };
  auto bad = [](int64_t index, absl::string_view what) {
    return absl::DataLossError(
        absl::StrCat("snapshot: resource #", index, ": ", what));
  };
  constexpr uint32_t kResources =
      WireFormatLite::MakeTag(onus::v1::Snapshot::kResourcesFieldNumber,
                              WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  constexpr uint32_t kTyped =
      WireFormatLite::MakeTag(onus::v1::Resource::kTypedFieldNumber,
                              WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  constexpr uint32_t kTypeUrl = WireFormatLite::MakeTag(
      1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);  // Any.type_url
  constexpr uint32_t kValue = WireFormatLite::MakeTag(
      2, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);  // Any.value
  int64_t index = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (tag != kResources) {
      if (!WireFormatLite::SkipField(&in, tag)) {
        return absl::DataLossError("snapshot: malformed header field");
      }
      continue;
    }
    uint32_t len;
    if (!in.ReadVarint32(&len)) return bad(index, "truncated");
    const CodedInputStream::Limit res_limit = in.PushLimit(len);
    bool has_typed = false;
    absl::string_view type_url, value;
    while (uint32_t rtag = in.ReadTag()) {
      if (rtag != kTyped) {
        if (!WireFormatLite::SkipField(&in, rtag)) {
          return bad(index, "malformed field");
        }
        continue;
      }
      has_typed = true;
      uint32_t any_len;
      if (!in.ReadVarint32(&any_len)) return bad(index, "truncated");
      const CodedInputStream::Limit any_limit = in.PushLimit(any_len);
      while (uint32_t atag = in.ReadTag()) {
        bool ok;
        if (atag == kTypeUrl) {
          ok = view(&type_url);
        } else if (atag == kValue) {
          ok = view(&value);
        } else {
          ok = WireFormatLite::SkipField(&in, atag);
        }
        if (!ok) return bad(index, "malformed Any");
      }
      if (!in.ConsumedEntireMessage()) return bad(index, "malformed Any");
      in.PopLimit(any_limit);
    }
    if (!in.ConsumedEntireMessage()) return bad(index, "malformed resource");
    in.PopLimit(res_limit);
    if (!has_typed) {
      return absl::InvalidArgumentError(
          absl::StrCat("snapshot: resource #", index, " has no typed payload"));
    }
    absl::StatusOr<Group> g = GroupFromTypeUrl(type_url);
    if (!g.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "snapshot: resource #", index, ": ", g.status().message()));
    }
    ONUS_RETURN_IF_ERROR(fn(*g, value));
    ++index;
  }
  if (!in.ConsumedEntireMessage()) {
    return absl::DataLossError(
        absl::StrCat("snapshot: malformed after resource #", index));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Payload>> ExtractPayloads(
    const std::string& snapshot) {
  std::vector<Payload> out;
  ONUS_RETURN_IF_ERROR(
      ForEachPayload(snapshot, [&](Group g, absl::string_view bytes) {
        out.push_back({g, std::string(bytes)});
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<int64_t> DynamicParseSnapshot(const std::string& snapshot) {
  // The factory builds its own (dynamic) prototypes from the descriptors;
  // it does not delegate to the generated classes unless told to.
  DynamicMessageFactory factory;
  const Descriptor* snap_desc = FindType("onus.v1.Snapshot");
  const Descriptor* res_desc = FindType("onus.v1.Resource");
  const Descriptor* any_desc = FindType("google.protobuf.Any");
  if (!snap_desc || !res_desc || !any_desc) {
    return absl::InternalError("onus.v1 descriptors missing from the pool");
  }
  const FieldDescriptor* resources = snap_desc->FindFieldByName("resources");
  const FieldDescriptor* typed = res_desc->FindFieldByName("typed");
  const FieldDescriptor* type_url = any_desc->FindFieldByName("type_url");
  const FieldDescriptor* value = any_desc->FindFieldByName("value");
  const Message* payload_proto[kNumGroups];
  for (int g = 0; g < kNumGroups; ++g) {
    const Descriptor* d = FindType(GroupMessageName(static_cast<Group>(g)));
    if (!d) return absl::InternalError("workload descriptors missing");
    payload_proto[g] = factory.GetPrototype(d);
  }

  google::protobuf::Arena arena;
  Message* snap = factory.GetPrototype(snap_desc)->New(&arena);
  if (!snap->ParseFromString(snapshot)) {
    return absl::DataLossError("snapshot: not a valid onus.v1.Snapshot");
  }
  const Reflection* snap_ref = snap->GetReflection();
  const int n = snap_ref->FieldSize(*snap, resources);
  std::string scratch_url, scratch_value;
  for (int i = 0; i < n; ++i) {
    const Message& res = snap_ref->GetRepeatedMessage(*snap, resources, i);
    const Message& any = res.GetReflection()->GetMessage(res, typed);
    const Reflection* any_ref = any.GetReflection();
    const std::string& url =
        any_ref->GetStringReference(any, type_url, &scratch_url);
    ONUS_ASSIGN_OR_RETURN(Group g, GroupFromTypeUrl(url));
    Message* payload = payload_proto[static_cast<int>(g)]->New(&arena);
    if (!payload->ParseFromString(
            any_ref->GetStringReference(any, value, &scratch_value))) {
      return absl::DataLossError(
          absl::StrCat("resource ", i, ": malformed ", GroupMessageName(g)));
    }
  }
  return n;
}

absl::StatusOr<int64_t> DynamicParsePayloads(
    const std::vector<Payload>& payloads) {
  DynamicMessageFactory factory;
  std::unique_ptr<Message> msgs[kNumGroups];
  for (int g = 0; g < kNumGroups; ++g) {
    const Descriptor* d = FindType(GroupMessageName(static_cast<Group>(g)));
    if (!d) return absl::InternalError("workload descriptors missing");
    msgs[g].reset(factory.GetPrototype(d)->New());
  }
  for (const Payload& p : payloads) {
    if (!msgs[static_cast<int>(p.group)]->ParseFromString(p.bytes)) {
      return absl::DataLossError(
          absl::StrCat("malformed ", GroupMessageName(p.group), " payload"));
    }
  }
  return static_cast<int64_t>(payloads.size());
}

absl::StatusOr<FailCounts> HandWrittenSnapshot(const std::string& snapshot) {
  Checker c;
  ONUS_RETURN_IF_ERROR(ForEachPayload(
      snapshot,
      [&c](Group g, absl::string_view bytes) { return c.Check(g, bytes); }));
  return c.fails;
}

absl::StatusOr<FailCounts> HandWrittenSnapshotFullParse(
    const std::string& snapshot) {
  google::protobuf::Arena arena;
  auto* snap =
      google::protobuf::Arena::CreateMessage<onus::v1::Snapshot>(&arena);
  if (!snap->ParseFromString(snapshot)) {
    return absl::DataLossError("snapshot: not a valid onus.v1.Snapshot");
  }
  Checker c;
  for (const onus::v1::Resource& r : snap->resources()) {
    ONUS_RETURN_IF_ERROR(c.Check(r));
  }
  return c.fails;
}

absl::StatusOr<FailCounts> HandWrittenPayloads(
    const std::vector<Payload>& payloads, int threads) {
  if (threads < 1) threads = 1;
  std::vector<Checker> checkers(threads);
  std::vector<absl::Status> status(threads);
  const size_t per = (payloads.size() + threads - 1) / threads;
  auto work = [&](int t) {
    const size_t end = std::min(payloads.size(), (t + 1) * per);
    for (size_t i = t * per; i < end; ++i) {
      status[t] = checkers[t].Check(payloads[i].group, payloads[i].bytes);
      if (!status[t].ok()) return;
    }
  };
  if (threads == 1) {
    work(0);  // no thread start-up in the single-thread figure
  } else {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) workers.emplace_back(work, t);
    for (std::thread& w : workers) w.join();
  }
  FailCounts total{};
  for (int t = 0; t < threads; ++t) {
    ONUS_RETURN_IF_ERROR(status[t]);
    for (int r = 0; r < kNumRules; ++r) total[r] += checkers[t].fails[r];
  }
  return total;
}

absl::StatusOr<FailCounts> HandWrittenStream(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  google::protobuf::io::FileInputStream file(fd);
  file.SetCloseOnDelete(true);
  onus::v1::StreamItem item;
  Checker c;
  int64_t index = 0;
  bool clean_eof = false;
  while (google::protobuf::util::ParseDelimitedFromZeroCopyStream(&item, &file,
                                                                  &clean_eof)) {
    if (index == 0 && !item.has_header()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": first stream item is not a header"));
    }
    if (item.has_resource()) {
      absl::Status s = c.Check(item.resource());
      if (!s.ok()) {
        return absl::Status(
            s.code(), absl::StrCat(path, ": item ", index, ": ", s.message()));
      }
    }
    ++index;
  }
  if (!clean_eof) {
    return absl::DataLossError(
        absl::StrCat(path, ": truncated or malformed item ", index));
  }
  return c.fails;
}

}  // namespace onus::bench::cspm
