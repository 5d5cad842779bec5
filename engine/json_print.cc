#include "engine/json_print.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace onus::engine {

absl::Status PrintJson(const google::protobuf::Message& message,
                       const google::protobuf::util::JsonPrintOptions& options,
                       std::string* out) {
  // What MessageToJsonString does (serialize, then convert the binary form
  // with a type resolver over the message's pool), with the serialization
  // deterministic: map entries sorted by key. The converter prints fields in
  // the order of the bytes.
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!message.SerializeToCodedStream(&coded)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot serialize ", message.GetTypeName()));
    }
  }
  constexpr char kPrefix[] = "type.googleapis.com";
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kPrefix, message.GetDescriptor()->file()->pool()));
  out->clear();
  const auto status = google::protobuf::util::BinaryToJsonString(
      resolver.get(), absl::StrCat(kPrefix, "/", message.GetTypeName()), binary,
      out, options);
  if (!status.ok()) {
    // protobuf's util::Status carries a StringPiece message.
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot print ", message.GetTypeName(), " as JSON: ",
        std::string(status.message().data(), status.message().size())));
  }
  return absl::OkStatus();
}

}  // namespace onus::engine
