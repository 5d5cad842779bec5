// The server reads Evaluate and EvaluateStream requests as the wire views
// of proto/onus/internal/service_wire.proto. A field added to an onus.v1
// request but not to its view would be dropped without a word (an unknown
// field of the view), so the two must stay field-for-field the same: same
// numbers, names, labels and types, except where the view keeps a message
// as its serialized bytes.
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "onus/internal/service_wire.pb.h"
#include "onus/v1/service.pb.h"
#include "onus/v1/snapshot.pb.h"

namespace onus::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

void ExpectSameFields(const Descriptor* api, const Descriptor* wire) {
  SCOPED_TRACE(api->full_name() + " vs " + wire->full_name());
  EXPECT_EQ(api->field_count(), wire->field_count());
  for (int i = 0; i < api->field_count(); ++i) {
    const FieldDescriptor* a = api->field(i);
    const FieldDescriptor* w = wire->FindFieldByNumber(a->number());
    ASSERT_NE(w, nullptr) << "field " << a->name() << " = " << a->number()
                          << " has no counterpart in the wire view";
    EXPECT_EQ(a->name(), w->name());
    EXPECT_EQ(a->label(), w->label()) << a->name();
    EXPECT_EQ(a->has_presence(), w->has_presence()) << a->name();
    EXPECT_EQ(a->real_containing_oneof() == nullptr,
              w->real_containing_oneof() == nullptr)
        << a->name();
    if (a->type() == FieldDescriptor::TYPE_MESSAGE &&
        w->type() == FieldDescriptor::TYPE_BYTES) {
      // Kept serialized: only resources are.
      EXPECT_EQ(a->message_type(), onus::v1::Resource::descriptor())
          << a->name();
      continue;
    }
    ASSERT_EQ(a->type(), w->type()) << a->name();
    if (a->type() != FieldDescriptor::TYPE_MESSAGE) continue;
    const Descriptor* am = a->message_type();
    const Descriptor* wm = w->message_type();
    if (am == wm) continue;  // the same onus.v1 message
    ExpectSameFields(am, wm);
  }
}

TEST(ServiceWireTest, ViewsMatchTheApiFieldForField) {
  ExpectSameFields(onus::v1::EvaluateRequest::descriptor(),
                   EvaluateRequestWire::descriptor());
  ExpectSameFields(onus::v1::EvaluateStreamRequest::descriptor(),
                   EvaluateStreamRequestWire::descriptor());
}

TEST(ServiceWireTest, ResourcesParseAsTheirBytes) {
  onus::v1::EvaluateStreamRequest req;
  req.mutable_options()->set_batch_findings(true);
  onus::v1::Resource* r = req.add_items()->mutable_resource();
  r->set_id("arn:aws:s3:::b");
  r->set_type("onus.aws.s3.Bucket");
  (*r->mutable_tags())["env"] = "prod";
  req.add_items()->mutable_account_complete()->set_account("1");
  EvaluateStreamRequestWire wire;
  ASSERT_TRUE(wire.ParseFromString(req.SerializeAsString()));
  ASSERT_EQ(wire.items_size(), 2);
  EXPECT_TRUE(wire.options().batch_findings());
  EXPECT_EQ(wire.items(0).resource(), r->SerializeAsString());
  EXPECT_EQ(wire.items(1).account_complete().account(), "1");
  EXPECT_EQ(wire.SerializeAsString(), req.SerializeAsString());
}

}  // namespace
}  // namespace onus::internal
