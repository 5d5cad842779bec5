#include "snapshot_codec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::bench::cspm {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::internal::WireFormatLite;

// Builds resource envelopes and the reference counts while the generator
// hands out resources one at a time.
class ResourceEncoder {
 public:
  // Fills `res` for the generator's next resource and updates the counts.
  void Next(onus::v1::Resource* res, EncodedWorkload* w) {
    const Group g = gen_.Next(&s3_, &sg_, &user_);
    const Message* payload = nullptr;
    absl::string_view id, region;
    switch (g) {
      case Group::kS3Buckets:
        CheckS3Bucket(s3_, &w->reference);
        payload = &s3_;
        id = s3_.arn();
        region = s3_.region();
        break;
      case Group::kSecurityGroups:
        CheckSecurityGroup(sg_, &w->reference);
        payload = &sg_;
        id = sg_.id();
        region = sg_.region();
        break;
      case Group::kIamUsers:
        CheckIamUser(user_, &w->reference);
        payload = &user_;
        id = user_.arn();
        region = "global";
        break;
    }
    res->Clear();
    res->set_id(std::string(id));
    res->set_type(std::string(GroupMessageName(g)));
    res->set_provider(onus::v1::AWS);
    res->set_account(std::string(kAccountId));
    res->set_region(std::string(region));
    google::protobuf::Any* any = res->mutable_typed();
    any->set_type_url(absl::StrCat(kTypeUrlPrefix, GroupMessageName(g)));
    *any->mutable_value() = SerializeDeterministic(*payload);
    w->payload_bytes += static_cast<int64_t>(any->value().size());
    ++w->resources;
  }

  explicit ResourceEncoder(uint32_t seed) : gen_(seed) {}

 private:
  InventoryGenerator gen_;
  S3Bucket s3_;
  SecurityGroup sg_;
  IamUser user_;
};

void FillHeader(int64_t n, onus::v1::SnapshotHeader* h) {
  h->set_id(absl::StrCat("cspm-v1-n", n, "-seed42"));
  h->mutable_source()->set_name("onus-cspm-bench-generator");
  h->mutable_source()->set_version("1");
  onus::v1::Account* acct = h->add_accounts();
  acct->set_provider(onus::v1::AWS);
  acct->set_id(std::string(kAccountId));
  acct->set_name("cspm-benchmark");
}

}  // namespace

std::string SerializeDeterministic(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

EncodedWorkload EncodeSnapshot(int64_t n, uint32_t seed) {
  EncodedWorkload w;
  // The snapshot is written field by field rather than as one Snapshot
  // object: a repeated field may be emitted piecewise on the wire, and this
  // keeps 1,000,000 Resource objects out of memory.
  onus::v1::SnapshotHeader header;
  FillHeader(n, &header);
  onus::v1::Snapshot head;
  head.set_id(header.id());
  *head.mutable_source() = header.source();
  *head.mutable_accounts() = header.accounts();
  w.snapshot = SerializeDeterministic(head);

  google::protobuf::io::StringOutputStream raw(&w.snapshot);
  google::protobuf::io::CodedOutputStream out(&raw);
  out.SetSerializationDeterministic(true);
  ResourceEncoder enc(seed);
  onus::v1::Resource res;
  for (int64_t i = 0; i < n; ++i) {
    enc.Next(&res, &w);
    WireFormatLite::WriteTag(onus::v1::Snapshot::kResourcesFieldNumber,
                             WireFormatLite::WIRETYPE_LENGTH_DELIMITED, &out);
    out.WriteVarint32(static_cast<uint32_t>(res.ByteSizeLong()));
    res.SerializeWithCachedSizes(&out);
  }
  return w;
}

absl::StatusOr<EncodedWorkload> WriteStreamFile(int64_t n,
                                                const std::string& path,
                                                uint32_t seed) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  EncodedWorkload w;
  bool ok = true;
  {
    google::protobuf::io::FileOutputStream file(fd);
    onus::v1::StreamItem item;
    FillHeader(n, item.mutable_header());
    ok =
        google::protobuf::util::SerializeDelimitedToZeroCopyStream(item, &file);
    ResourceEncoder enc(seed);
    for (int64_t i = 0; ok && i < n; ++i) {
      enc.Next(item.mutable_resource(), &w);
      ok = google::protobuf::util::SerializeDelimitedToZeroCopyStream(item,
                                                                      &file);
    }
    onus::v1::AccountComplete* done = item.mutable_account_complete();
    done->set_account(std::string(kAccountId));
    done->set_provider(onus::v1::AWS);
    done->set_resource_count(static_cast<uint64_t>(w.resources));
    ok = ok && google::protobuf::util::SerializeDelimitedToZeroCopyStream(
                   item, &file);
    ok = file.Close() && ok;
  }
  if (!ok) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return w;
}

absl::StatusOr<Group> GroupFromTypeUrl(absl::string_view type_url) {
  absl::string_view name = type_url;
  if (!absl::ConsumePrefix(&name, kTypeUrlPrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload type_url '", type_url, "' does not start with ",
                     kTypeUrlPrefix));
  }
  for (Group g :
       {Group::kS3Buckets, Group::kSecurityGroups, Group::kIamUsers}) {
    if (name == GroupMessageName(g)) return g;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("payload type '", name, "' is not a CSPM workload type"));
}

}  // namespace onus::bench::cspm
