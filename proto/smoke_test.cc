#include "gtest/gtest.h"
#include "onus/v1/smoke.grpc.pb.h"
#include "re2/re2.h"
#include "absl/strings/str_cat.h"
TEST(Smoke, Works) {
  onus::v1::Smoke s; s.set_id(absl::StrCat("a", 1));
  EXPECT_TRUE(RE2::FullMatch(s.id(), "a\\d"));
}
