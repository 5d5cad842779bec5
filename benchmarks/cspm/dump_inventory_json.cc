// Writes genInventory(N, 42) as JSON exactly as
// `node gen_inventory_json.mjs N` does (JSON.stringify: no whitespace, keys
// in object-literal insertion order), so crosscheck_node.sh can compare the
// two byte for byte.
//
//   dump_inventory_json N > inv.json
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "generator.h"

namespace onus::bench::cspm {
namespace {

// JSON string literal. The generator only produces printable ASCII, but
// quote and backslash are escaped anyway so the output is always JSON.
void Str(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

void Key(absl::string_view k, std::string* out) {
  Str(k, out);
  out->push_back(':');
}

const char* Bool(bool b) { return b ? "true" : "false"; }

void S3(const S3Bucket& b, std::string* o) {
  o->append("{");
  Key("name", o), Str(b.name(), o), o->append(",");
  Key("arn", o), Str(b.arn(), o), o->append(",");
  Key("region", o), Str(b.region(), o), o->append(",");
  Key("created_at", o), absl::StrAppend(o, b.created_at(), ",");
  Key("acl", o), Str(b.acl(), o), o->append(",");
  const PublicAccessBlock& p = b.public_access_block();
  Key("public_access_block", o);
  absl::StrAppend(
      o, "{\"block_public_acls\":", Bool(p.block_public_acls()),
      ",\"ignore_public_acls\":", Bool(p.ignore_public_acls()),
      ",\"block_public_policy\":", Bool(p.block_public_policy()),
      ",\"restrict_public_buckets\":", Bool(p.restrict_public_buckets()), "},");
  Key("encryption", o), o->append("{");
  Key("algorithm", o), Str(b.encryption().algorithm(), o), o->append("},");
  // A protobuf map has no order; JavaScript keeps insertion order, which the
  // generator fixes as owner, env, cost_center, k0, k1, k2.
  Key("tags", o), o->append("{");
  bool first = true;
  for (absl::string_view k :
       {"owner", "env", "cost_center", "k0", "k1", "k2"}) {
    auto it = b.tags().find(std::string(k));
    if (it == b.tags().end()) continue;
    if (!first) o->append(",");
    first = false;
    Key(k, o), Str(it->second, o);
  }
  o->append("},");
  Key("versioning", o), o->append("{");
  Key("status", o), Str(b.versioning().status(), o);
  absl::StrAppend(o, ",\"mfa_delete\":", Bool(b.versioning().mfa_delete()),
                  "}}");
}

void Sg(const SecurityGroup& sg, std::string* o) {
  o->append("{");
  Key("id", o), Str(sg.id(), o), o->append(",");
  Key("name", o), Str(sg.name(), o), o->append(",");
  Key("vpc_id", o), Str(sg.vpc_id(), o), o->append(",");
  Key("region", o), Str(sg.region(), o), o->append(",");
  Key("ingress", o), o->append("[");
  for (int i = 0; i < sg.ingress_size(); ++i) {
    const IngressRule& r = sg.ingress(i);
    if (i) o->append(",");
    o->append("{");
    Key("cidr", o), Str(r.cidr(), o);
    absl::StrAppend(o, ",\"from_port\":", r.from_port(),
                    ",\"to_port\":", r.to_port(), ",");
    Key("protocol", o), Str(r.protocol(), o), o->append("}");
  }
  o->append("]}");
}

void Iam(const IamUser& u, std::string* o) {
  o->append("{");
  Key("name", o), Str(u.name(), o), o->append(",");
  Key("arn", o), Str(u.arn(), o), o->append(",");
  absl::StrAppend(o, "\"console_access\":", Bool(u.console_access()),
                  ",\"mfa_enabled\":", Bool(u.mfa_enabled()), ",");
  Key("access_keys", o), o->append("[");
  for (int i = 0; i < u.access_keys_size(); ++i) {
    const AccessKey& k = u.access_keys(i);
    if (i) o->append(",");
    o->append("{");
    Key("id", o), Str(k.id(), o);
    absl::StrAppend(o, ",\"age_days\":", k.age_days(),
                    ",\"active\":", Bool(k.active()), "}");
  }
  o->append("],");
  Key("groups", o), o->append("[");
  for (int i = 0; i < u.groups_size(); ++i) {
    if (i) o->append(",");
    Str(u.groups(i), o);
  }
  o->append("]}");
}

template <typename T>
void Array(absl::string_view key, const std::vector<T>& items,
           void (*emit)(const T&, std::string*), std::string* o) {
  Key(key, o);
  o->append("[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) o->append(",");
    emit(items[i], o);
  }
  o->append("]");
}

}  // namespace
}  // namespace onus::bench::cspm

int main(int argc, char** argv) {
  using namespace onus::bench::cspm;  // NOLINT: a small tool's main
  int64_t n = 100000;
  if (argc > 2 || (argc == 2 && !absl::SimpleAtoi(argv[1], &n)) || n < 0) {
    std::fprintf(stderr, "usage: %s [N >= 0]\n", argv[0]);
    return 2;
  }
  const Inventory inv = GenInventory(n);
  std::string out = "{";
  Array<S3Bucket>("s3_buckets", inv.s3_buckets, S3, &out);
  out.append(",");
  Array<SecurityGroup>("security_groups", inv.security_groups, Sg, &out);
  out.append(",");
  Array<IamUser>("iam_users", inv.iam_users, Iam, &out);
  out.append("}");
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
