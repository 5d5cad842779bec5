// Writes a length-delimited StreamItem stream of CSPM-shaped AWS resources
// (S3 buckets, security groups, IAM users) for the streamed-memory tests:
//
//   gen_stream OUT.stream RESOURCES [PER_ACCOUNT]
//
// Resources are grouped by account (PER_ACCOUNT each, default 5000), every
// account closed by an account_complete item, so a pack with joins holds at
// most one account. About a third of each kind fails a built-in policy.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/snapshot_io.h"
#include "onus/aws/ec2.pb.h"
#include "onus/aws/iam.pb.h"
#include "onus/aws/s3.pb.h"
#include "onus/v1/snapshot.pb.h"

namespace {

void Envelope(onus::v1::Resource* r, const std::string& id,
              const std::string& account, const google::protobuf::Message& m) {
  r->set_id(id);
  r->set_type(m.GetDescriptor()->full_name());
  r->set_provider(onus::v1::AWS);
  r->set_account(account);
  r->set_region("eu-west-1");
  r->mutable_typed()->PackFrom(m);
}

void MakeResource(uint64_t i, const std::string& account,
                  onus::v1::Resource* r) {
  // Kinds rotate every 7 resources so each kind sees every `bad` phase.
  bool bad = i % 3 == 0;
  switch ((i / 7) % 3) {
    case 0: {
      onus::aws::s3::Bucket b;
      b.set_name(absl::StrCat("bucket-", i));
      auto* pab = b.mutable_public_access_block_configuration();
      pab->set_block_public_acls(!bad);
      pab->set_ignore_public_acls(true);
      pab->set_block_public_policy(true);
      pab->set_restrict_public_buckets(true);
      b.mutable_versioning()->set_status("Enabled");
      b.mutable_server_side_encryption_configuration()
          ->add_rules()
          ->mutable_apply_server_side_encryption_by_default()
          ->set_sse_algorithm("aws:kms");
      b.set_policy(
          R"({"Statement":[{"Effect":"Deny","Action":"s3:*",)"
          R"("Condition":{"Bool":{"aws:SecureTransport":"false"}}}]})");
      b.mutable_logging_enabled()->set_target_bucket("access-logs");
      Envelope(r, absl::StrCat("arn:aws:s3:::bucket-", i), account, b);
      break;
    }
    case 1: {
      onus::aws::ec2::SecurityGroup sg;
      sg.set_group_id(absl::StrCat("sg-", i));
      sg.set_group_name(absl::StrCat("group-", i));
      auto* p = sg.add_ip_permissions();
      p->set_ip_protocol("tcp");
      p->set_from_port(bad ? 22 : 443);
      p->set_to_port(bad ? 22 : 443);
      p->add_ip_ranges()->set_cidr_ip("0.0.0.0/0");
      Envelope(r,
               absl::StrCat("arn:aws:ec2:eu-west-1:", account,
                            ":security-group/sg-", i),
               account, sg);
      break;
    }
    default: {
      onus::aws::iam::User u;
      u.set_user_name(absl::StrCat("user-", i));
      u.mutable_credential_report()->set_password_enabled("true");
      u.mutable_credential_report()->set_mfa_active(!bad);
      Envelope(r, absl::StrCat("arn:aws:iam::", account, ":user/user-", i),
               account, u);
      break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t count = 0, per_account = 5000;
  if (argc < 3 || !absl::SimpleAtoi(argv[2], &count) ||
      (argc > 3 &&
       (!absl::SimpleAtoi(argv[3], &per_account) || per_account == 0))) {
    std::cerr << "usage: gen_stream OUT.stream RESOURCES [PER_ACCOUNT]\n";
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary);
  onus::engine::StreamItemWriter writer(&out);
  onus::v1::StreamItem header;
  header.mutable_header()->set_id("stream-memory-test");
  header.mutable_header()->mutable_collected_at()->set_seconds(1767225600);
  uint64_t accounts = (count + per_account - 1) / per_account;
  for (uint64_t a = 0; a < accounts; ++a) {
    auto* acct = header.mutable_header()->add_accounts();
    acct->set_provider(onus::v1::AWS);
    acct->set_id(absl::StrCat(100000000000 + a));
  }
  if (!writer.Write(header).ok()) return 1;
  onus::v1::StreamItem item;
  for (uint64_t i = 0; i < count; ++i) {
    std::string account = absl::StrCat(100000000000 + i / per_account);
    item.Clear();
    MakeResource(i, account, item.mutable_resource());
    if (!writer.Write(item).ok()) return 1;
    if ((i + 1) % per_account == 0 || i + 1 == count) {
      item.Clear();
      item.mutable_account_complete()->set_account(account);
      item.mutable_account_complete()->set_provider(onus::v1::AWS);
      item.mutable_account_complete()->set_resource_count((i % per_account) +
                                                          1);
      if (!writer.Write(item).ok()) return 1;
    }
  }
  out.close();
  if (!out) {
    std::cerr << "gen_stream: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
