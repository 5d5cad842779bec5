#include "engine/importer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/json_scan.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "lang/status_macros.h"

namespace onus::engine {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// Deeper JSON is refused before protobuf's parser sees it. Provider
// documents nest a dozen levels at most; the limit keeps every later walk
// (printing, merging) shallow whatever the input.
constexpr int kMaxJsonDepth = 64;

// protobuf's util::Status carries a StringPiece message.
template <typename S>
std::string MessageOf(const S& status) {
  return std::string(status.message().data(), status.message().size());
}

const char* KindName(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return "a number";
    case Value::kStringValue:
      return "a string";
    case Value::kBoolValue:
      return "a bool";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "a list";
    default:
      return "nothing";
  }
}

const char* ProviderWord(ImportProvider p) {
  switch (p) {
    case ImportProvider::kAws:
      return "aws";
    case ImportProvider::kGcp:
      return "gcp";
    case ImportProvider::kAzure:
      return "azure";
    default:
      return "auto";
  }
}

// A string field of `s`, or "" when absent or not a string.
absl::string_view Str(const Struct& s, absl::string_view key) {
  auto it = s.fields().find(std::string(key));
  if (it == s.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

// A dotted path of objects ("Placement.AvailabilityZone") to a string.
absl::string_view StrPath(const Struct& s, absl::string_view path) {
  const Struct* cur = &s;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto it = cur->fields().find(std::string(parts[i]));
    if (it == cur->fields().end() || !it->second.has_struct_value()) return "";
    cur = &it->second.struct_value();
  }
  return Str(*cur, parts.back());
}

const Struct* Obj(const Struct& s, absl::string_view key) {
  auto it = s.fields().find(std::string(key));
  if (it == s.fields().end() || !it->second.has_struct_value()) return nullptr;
  return &it->second.struct_value();
}

// The first of '|'-separated keys holding a string.
absl::string_view FirstStr(const Struct& s, absl::string_view keys) {
  for (absl::string_view k : absl::StrSplit(keys, '|', absl::SkipEmpty())) {
    absl::string_view v = Str(s, k);
    if (!v.empty()) return v;
  }
  return "";
}

// Checks nesting depth without recursion, skipping string contents, so a
// hostile document is refused before anything walks it.
absl::Status CheckDepth(absl::string_view name, absl::string_view text) {
  size_t too_deep = absl::string_view::npos;
  ScanJsonStructure(text, [&](size_t i, char c, int depth) {
    if ((c == '{' || c == '[') && depth + 1 > kMaxJsonDepth) {
      too_deep = i;
      return false;
    }
    return true;
  });
  if (too_deep == absl::string_view::npos) return absl::OkStatus();
  const int line = 1 + static_cast<int>(std::count(
                           text.begin(), text.begin() + too_deep, '\n'));
  return absl::InvalidArgumentError(absl::StrCat(
      name, ":", line, ": JSON nested deeper than ", kMaxJsonDepth, " levels"));
}

absl::StatusOr<Value> ParseValue(absl::string_view name,
                                 absl::string_view text) {
  Value v;
  google::protobuf::util::JsonParseOptions opts;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &v, opts);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": invalid JSON: ", MessageOf(status)));
  }
  return v;
}

// ---------------------------------------------------------------------------
// AWS CLI responses: which top-level key holds which resource type.

struct AwsKind {
  absl::string_view key;        // response key ("SecurityGroups")
  absl::string_view type;       // message name
  absl::string_view arn_field;  // '|'-separated keys holding the ARN
  absl::string_view service;    // for synthesised ARNs
  absl::string_view prefix;     // resource part before the id
  absl::string_view id_field;   // '+'-separated keys joined with '/'
  absl::string_view account_field;
  absl::string_view zone_field;  // availability zone -> region
  bool global;                   // IAM: region "global", none in the ARN
};

// Keys of the list calls the schemas model (docs/schemas.md). Singular keys
// (`Role`, `User`, `KeyMetadata`) are the get/describe calls of one resource.
constexpr AwsKind kAwsKinds[] = {
    {"Buckets", "onus.aws.s3.Bucket", "", "s3", "", "Name", "", "", false},
    {"SecurityGroups", "onus.aws.ec2.SecurityGroup", "SecurityGroupArn", "ec2",
     "security-group/", "GroupId", "OwnerId", "", false},
    {"Instances", "onus.aws.ec2.Instance", "", "ec2", "instance/", "InstanceId",
     "OwnerId", "Placement.AvailabilityZone", false},
    {"Users", "onus.aws.iam.User", "Arn", "iam", "user/", "UserName", "", "",
     true},
    {"User", "onus.aws.iam.User", "Arn", "iam", "user/", "UserName", "", "",
     true},
    {"Roles", "onus.aws.iam.Role", "Arn", "iam", "role/", "RoleName", "", "",
     true},
    {"Role", "onus.aws.iam.Role", "Arn", "iam", "role/", "RoleName", "", "",
     true},
    {"Policies", "onus.aws.iam.Policy", "Arn", "iam", "policy/", "PolicyName",
     "", "", true},
    {"Volumes", "onus.aws.ec2.Volume", "", "ec2", "volume/", "VolumeId", "",
     "AvailabilityZone", false},
    {"Snapshots", "onus.aws.ec2.Snapshot", "", "ec2", "snapshot/", "SnapshotId",
     "OwnerId", "", false},
    {"Vpcs", "onus.aws.ec2.Vpc", "", "ec2", "vpc/", "VpcId", "OwnerId", "",
     false},
    {"trailList", "onus.aws.cloudtrail.Trail", "TrailARN", "cloudtrail",
     "trail/", "Name", "", "", false},
    {"KeyMetadata", "onus.aws.kms.Key", "Arn|KeyArn", "kms", "key/", "KeyId",
     "AWSAccountId", "", false},
    {"Keys", "onus.aws.kms.Key", "Arn|KeyArn", "kms", "key/", "KeyId",
     "AWSAccountId", "", false},
    {"DBInstances", "onus.aws.rds.DBInstance", "DBInstanceArn", "rds",
     "db:", "DBInstanceIdentifier", "", "", false},
    {"Functions", "onus.aws.lambda.Function", "FunctionArn", "lambda",
     "function:", "FunctionName", "", "", false},
    {"logGroups", "onus.aws.logs.LogGroup", "logGroupArn|arn", "logs",
     "log-group:", "logGroupName", "", "", false},
    {"metricFilters", "onus.aws.logs.MetricFilter", "", "logs",
     "metric-filter:", "logGroupName+filterName", "", "", false},
    {"MetricAlarms", "onus.aws.cloudwatch.MetricAlarm", "AlarmArn",
     "cloudwatch", "alarm:", "AlarmName", "", "", false},
    {"Subscriptions", "onus.aws.sns.Subscription", "SubscriptionArn", "sns", "",
     "TopicArn+Endpoint", "", "", false},
    {"ConfigurationRecorders", "onus.aws.config.ConfigurationRecorder", "",
     "config", "config-recorder/", "name", "", "", false},
};

// Response keys that describe the call, not resources.
constexpr absl::string_view kAwsMetaKeys[] = {
    "NextToken",  "nextToken",         "Marker",
    "NextMarker", "IsTruncated",       "ResponseMetadata",
    "Owner",      "ContinuationToken", "Prefix"};

const AwsKind* FindAwsKind(absl::string_view key) {
  for (const AwsKind& k : kAwsKinds) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

struct Arn {
  std::string region, account;
};

// arn:partition:service:region:account:resource
bool ParseArn(absl::string_view s, Arn* out) {
  if (!absl::StartsWith(s, "arn:")) return false;
  std::vector<absl::string_view> parts =
      absl::StrSplit(s, absl::MaxSplits(':', 5));
  if (parts.size() < 6) return false;
  out->region = std::string(parts[3]);
  out->account = std::string(parts[4]);
  return true;
}

// A region is the first three parts of a zone: "us-east-1a" -> "us-east-1",
// and local or Wavelength zones ("us-west-2-lax-1a",
// "us-east-1-wl1-bos-wlz-1") -> "us-west-2", "us-east-1".
std::string RegionOfZone(absl::string_view zone) {
  std::vector<absl::string_view> parts = absl::StrSplit(zone, '-');
  if (parts.size() < 3) return "";
  absl::string_view last = parts[2];
  while (!last.empty() && absl::ascii_isalpha(last.back())) {
    last.remove_suffix(1);
  }
  return absl::StrCat(parts[0], "-", parts[1], "-", last);
}

// ---------------------------------------------------------------------------
// GCP asset types and Azure ARM types with a schema.

constexpr std::pair<absl::string_view, absl::string_view> kGcpTypes[] = {
    {"cloudresourcemanager.googleapis.com/Project",
     "onus.gcp.resourcemanager.Project"},
    {"storage.googleapis.com/Bucket", "onus.gcp.storage.Bucket"},
    {"compute.googleapis.com/Firewall", "onus.gcp.compute.Firewall"},
    {"compute.googleapis.com/Instance", "onus.gcp.compute.Instance"},
    {"sqladmin.googleapis.com/Instance", "onus.gcp.sql.Instance"},
    {"iam.googleapis.com/ServiceAccountKey", "onus.gcp.iam.ServiceAccountKey"},
    {"cloudkms.googleapis.com/CryptoKey", "onus.gcp.kms.CryptoKey"},
};

// Lower case: ARM types are case-insensitive and Resource Graph lowercases
// them.
constexpr std::pair<absl::string_view, absl::string_view> kAzureTypes[] = {
    {"microsoft.storage/storageaccounts", "onus.azure.storage.StorageAccount"},
    {"microsoft.network/networksecuritygroups",
     "onus.azure.network.NetworkSecurityGroup"},
    {"microsoft.compute/disks", "onus.azure.compute.Disk"},
    {"microsoft.sql/servers", "onus.azure.sql.Server"},
    {"microsoft.keyvault/vaults", "onus.azure.keyvault.Vault"},
    {"microsoft.insights/diagnosticsettings",
     "onus.azure.insights.DiagnosticSetting"},
};

template <size_t N>
absl::string_view Lookup(
    const std::pair<absl::string_view, absl::string_view> (&table)[N],
    absl::string_view key) {
  for (const auto& [k, v] : table) {
    if (k == key) return v;
  }
  return "";
}

// "/subscriptions/<id>/..." -> <id>.
std::string SubscriptionOf(absl::string_view id) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(id, '/', absl::SkipEmpty());
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (absl::EqualsIgnoreCase(parts[i], "subscriptions")) {
      return std::string(parts[i + 1]);
    }
  }
  return "";
}

// ".../projects/<id>/..." -> <id>.
std::string ProjectOf(absl::string_view name) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(name, '/', absl::SkipEmpty());
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "projects") return std::string(parts[i + 1]);
  }
  return "";
}

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(c);
  });
}

}  // namespace

// ---------------------------------------------------------------------------

absl::StatusOr<ImportProvider> ParseImportProvider(absl::string_view word) {
  std::string w = absl::AsciiStrToLower(word);
  if (w == "auto") return ImportProvider::kAuto;
  if (w == "aws") return ImportProvider::kAws;
  if (w == "gcp") return ImportProvider::kGcp;
  if (w == "azure") return ImportProvider::kAzure;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown provider `", word, "`: use aws, gcp, azure or auto"));
}

// One element waiting for Finish(): the provider's JSON object and what the
// envelope needs.
struct Pending {
  onus::v1::Provider provider = onus::v1::PROVIDER_UNSPECIFIED;
  std::string type;  // message name, or the provider's type when no schema
  const google::protobuf::Descriptor* descriptor = nullptr;  // null: Struct
  std::string id;
  // Where the account goes in `id` once known (synthesised AWS ARNs of
  // resources whose JSON does not name the account); npos: nowhere.
  size_t account_pos = std::string::npos;
  std::string account;  // empty: resolved in Finish()
  std::string region;
  // `region` came from --region, not from the JSON: a merged element that
  // knows better replaces it.
  bool region_defaulted = false;
  Struct data;
  std::string origin;  // "file: SecurityGroups[3]"
};

struct Importer::State {
  ImportOptions options;
  std::vector<Pending> pending;
  absl::flat_hash_map<std::string, size_t> by_id;
  // Unknown types -> count, in first-seen order.
  std::vector<std::pair<std::string, uint64_t>> unknown;
  absl::flat_hash_map<std::string, size_t> unknown_index;
  // GCP project number -> project id, from Project assets.
  absl::flat_hash_map<std::string, std::string> gcp_projects;
  uint64_t merged = 0;
  uint64_t no_region = 0;
  std::vector<std::string> warnings;
  bool finished = false;

  void Add(Pending p) {
    std::string key = absl::StrCat(p.provider, "\n", p.id);
    auto [it, inserted] = by_id.try_emplace(key, pending.size());
    if (inserted) {
      if (p.descriptor == nullptr) {
        auto [u, fresh] = unknown_index.try_emplace(p.type, unknown.size());
        if (fresh) unknown.emplace_back(p.type, 0);
        ++unknown[u->second].second;
      }
      pending.push_back(std::move(p));
      return;
    }
    // The same resource from another call: later keys win, as the
    // schemas' composite rule merges call outputs key by key.
    Pending& old = pending[it->second];
    for (auto& [k, v] : *p.data.mutable_fields()) {
      (*old.data.mutable_fields())[k] = std::move(v);
    }
    if (old.account.empty()) old.account = std::move(p.account);
    if (old.region.empty() ||
        (old.region_defaulted && !p.region_defaulted && !p.region.empty())) {
      old.region = std::move(p.region);
      old.region_defaulted = p.region_defaulted;
    }
    ++merged;
  }

  absl::Status AddAwsElement(const AwsKind* kind, absl::string_view key,
                             absl::string_view origin_file, std::string where,
                             Struct data, absl::string_view account_hint);
  absl::Status AddAws(absl::string_view name, const Struct& doc);
  absl::Status AddGcp(absl::string_view origin, Struct data);
  absl::Status AddAzure(absl::string_view origin, Struct data);
  absl::Status AddRows(absl::string_view name, const ListValue& rows,
                       absl::string_view where);
};

absl::Status Importer::State::AddAwsElement(const AwsKind* kind,
                                            absl::string_view key,
                                            absl::string_view origin_file,
                                            std::string where, Struct data,
                                            absl::string_view account_hint) {
  Pending p;
  p.provider = onus::v1::AWS;
  p.origin = absl::StrCat(origin_file, ": ", where);
  Arn arn;
  bool has_arn = false;
  if (kind != nullptr) {
    p.type = std::string(kind->type);
    p.descriptor = google::protobuf::DescriptorPool::generated_pool()
                       ->FindMessageTypeByName(p.type);
    if (p.descriptor == nullptr) {
      return absl::InternalError(
          absl::StrCat(p.type, " is not linked into this binary"));
    }
    absl::string_view arn_text = FirstStr(data, kind->arn_field);
    if (!kind->arn_field.empty() && ParseArn(arn_text, &arn)) {
      has_arn = true;
      p.id = std::string(arn_text);
      // Log group ARNs from describe-log-groups end in ":*".
      if (kind->service == "logs" && absl::EndsWith(p.id, ":*")) {
        p.id.resize(p.id.size() - 2);
      }
    }
  } else {
    // Unknown list: keep it, schemaless, named after the response key.
    p.type = absl::StrCat("aws:", key);
    for (const auto& [k, v] : data.fields()) {
      if ((absl::EndsWith(k, "Arn") || absl::EndsWith(k, "ARN") ||
           absl::EqualsIgnoreCase(k, "arn")) &&
          v.has_string_value() && ParseArn(v.string_value(), &arn)) {
        has_arn = true;
        p.id = v.string_value();
        break;
      }
    }
  }

  // A pending SNS subscription has no ARN of its own; its topic's ARN
  // still says where it lives.
  Arn topic;
  if (!has_arn && ParseArn(Str(data, "TopicArn"), &topic)) {
    arn = topic;
    has_arn = true;
    p.id.clear();
  }
  bool own_arn = has_arn && !p.id.empty();
  std::string account = has_arn ? arn.account : "";
  if (account.empty() && kind != nullptr && !kind->account_field.empty()) {
    account = std::string(Str(data, kind->account_field));
  }
  if (account.empty()) account = std::string(account_hint);
  if (account.empty()) account = options.account;

  if (has_arn && !arn.region.empty()) {
    p.region = arn.region;
  } else if (kind != nullptr && kind->global) {
    p.region = "global";
  } else if (kind != nullptr && kind->key == "Buckets") {
    // list-buckets says BucketRegion; get-bucket-location an empty or null
    // LocationConstraint for us-east-1.
    absl::string_view r = Str(data, "BucketRegion");
    if (r.empty()) r = Str(data, "LocationConstraint");
    auto lc = data.fields().find("LocationConstraint");
    if (r.empty() && lc != data.fields().end()) r = "us-east-1";
    p.region = std::string(r);
  } else if (kind != nullptr && kind->key == "trailList") {
    p.region = std::string(Str(data, "HomeRegion"));
  } else if (kind != nullptr && !kind->zone_field.empty()) {
    p.region = RegionOfZone(StrPath(data, kind->zone_field));
  }
  if (p.region.empty()) {
    p.region = options.region;
    p.region_defaulted = true;
  }

  if (!own_arn) {
    if (kind == nullptr) {
      p.id = absl::StrCat("aws:", key, "/", p.origin);
    } else {
      std::vector<std::string> parts;
      for (absl::string_view f : absl::StrSplit(kind->id_field, '+')) {
        absl::string_view v = Str(data, f);
        if (v.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(p.origin, ": ", p.type, " without `", f,
                           "` (needed for its id)"));
        }
        parts.emplace_back(v);
      }
      std::string local = absl::StrJoin(parts, "/");
      if (kind->key == "Buckets") {
        p.id = absl::StrCat("arn:aws:s3:::", local);
      } else if (kind->key == "Subscriptions") {
        // "PendingConfirmation" instead of an ARN: the topic and endpoint
        // identify it until it is confirmed.
        p.id = absl::StrCat(parts[0], ":pending/", parts[1]);
      } else {
        std::string head = absl::StrCat("arn:aws:", kind->service, ":",
                                        kind->global ? "" : p.region, ":");
        std::string tail = absl::StrCat(":", kind->prefix, local);
        if (account.empty()) {
          p.account_pos = head.size();
          p.id = absl::StrCat(head, tail);
        } else {
          p.id = absl::StrCat(head, account, tail);
        }
      }
    }
  }
  p.account = std::move(account);
  p.data = std::move(data);
  Add(std::move(p));
  return absl::OkStatus();
}

absl::Status Importer::State::AddAws(absl::string_view name,
                                     const Struct& doc) {
  // sts get-caller-identity (optionally merged with the account-level
  // calls, as proto/testdata/aws/account.json): the account itself.
  absl::string_view acct = Str(doc, "Account");
  if (!acct.empty() && AllDigits(acct)) {
    Pending p;
    p.provider = onus::v1::AWS;
    p.type = "onus.aws.Account";
    p.descriptor = google::protobuf::DescriptorPool::generated_pool()
                       ->FindMessageTypeByName(p.type);
    p.id = absl::StrCat("arn:aws:iam::", acct, ":root");
    p.account = std::string(acct);
    p.region = "global";
    p.origin = absl::StrCat(name, ": (account ", acct, ")");
    p.data = doc;
    Add(std::move(p));
    return absl::OkStatus();
  }

  // Sorted keys: Struct's map has no order, and results must not depend on
  // hashing.
  std::vector<std::string> keys;
  for (const auto& [k, v] : doc.fields()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    const Value& v = doc.fields().at(key);
    const AwsKind* kind = FindAwsKind(key);
    if (key == "Reservations") {
      kind = FindAwsKind("Instances");
      if (!v.has_list_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": Reservations: expected a list, got ", KindName(v)));
      }
      const ListValue& rs = v.list_value();
      for (int r = 0; r < rs.values_size(); ++r) {
        const Value& rv = rs.values(r);
        if (!rv.has_struct_value()) {
          return absl::InvalidArgumentError(
              absl::StrCat(name, ": Reservations[", r,
                           "]: expected an object, got ", KindName(rv)));
        }
        const Struct& res = rv.struct_value();
        auto it = res.fields().find("Instances");
        if (it == res.fields().end()) continue;
        if (!it->second.has_list_value()) {
          return absl::InvalidArgumentError(absl::StrCat(
              name, ": Reservations[", r, "].Instances: expected a list, got ",
              KindName(it->second)));
        }
        const ListValue& is = it->second.list_value();
        for (int i = 0; i < is.values_size(); ++i) {
          std::string where =
              absl::StrCat("Reservations[", r, "].Instances[", i, "]");
          if (!is.values(i).has_struct_value()) {
            return absl::InvalidArgumentError(
                absl::StrCat(name, ": ", where, ": expected an object, got ",
                             KindName(is.values(i))));
          }
          ONUS_RETURN_IF_ERROR(AddAwsElement(kind, key, name, where,
                                             is.values(i).struct_value(),
                                             Str(res, "OwnerId")));
        }
      }
      continue;
    }
    if (std::find(std::begin(kAwsMetaKeys), std::end(kAwsMetaKeys), key) !=
        std::end(kAwsMetaKeys)) {
      continue;
    }
    // get-role, get-user and describe-key describe one resource.
    bool singular = key == "Role" || key == "User" || key == "KeyMetadata";
    if (v.has_struct_value() && (singular || kind == nullptr)) {
      if (kind == nullptr) {
        warnings.push_back(absl::StrCat(name, ": ignored key `", key,
                                        "` (an object, not a known resource)"));
        continue;
      }
      ONUS_RETURN_IF_ERROR(
          AddAwsElement(kind, key, name, key, v.struct_value(), ""));
      continue;
    }
    if (!v.has_list_value() || singular) {
      if (kind != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": ", key, ": expected ",
                         singular ? "an object" : "a list of objects", ", got ",
                         KindName(v)));
      }
      warnings.push_back(
          absl::StrCat(name, ": ignored key `", key, "` (", KindName(v), ")"));
      continue;
    }
    const ListValue& list = v.list_value();
    if (kind == nullptr && list.values_size() > 0 &&
        !list.values(0).has_struct_value()) {
      warnings.push_back(absl::StrCat(name, ": ignored key `", key,
                                      "` (a list of ", KindName(list.values(0)),
                                      " values, not of resources)"));
      continue;
    }
    for (int i = 0; i < list.values_size(); ++i) {
      const Value& e = list.values(i);
      std::string where = absl::StrCat(key, "[", i, "]");
      if (!e.has_struct_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": ", where, ": expected an object, got ", KindName(e)));
      }
      ONUS_RETURN_IF_ERROR(
          AddAwsElement(kind, key, name, where, e.struct_value(), ""));
    }
  }
  return absl::OkStatus();
}

absl::Status Importer::State::AddGcp(absl::string_view origin, Struct data) {
  Pending p;
  p.provider = onus::v1::GCP;
  p.origin = std::string(origin);
  absl::string_view asset_type = Str(data, "assetType");
  p.id = std::string(Str(data, "name"));
  if (p.id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": asset without a `name`"));
  }
  absl::string_view type = Lookup(kGcpTypes, asset_type);
  if (type.empty()) {
    p.type = std::string(asset_type);
  } else {
    p.type = std::string(type);
    p.descriptor = google::protobuf::DescriptorPool::generated_pool()
                       ->FindMessageTypeByName(p.type);
  }
  const Struct* resource = Obj(data, "resource");
  const Struct* rdata = resource ? Obj(*resource, "data") : nullptr;
  if (resource != nullptr) p.region = std::string(Str(*resource, "location"));
  if (p.region.empty()) p.region = "global";

  // The project id: from the name, from the data, from a Project asset
  // (number -> id, resolved in Finish), else the number from ancestors.
  std::string project = ProjectOf(p.id);
  if (rdata != nullptr && (project.empty() || AllDigits(project))) {
    absl::string_view pid = Str(*rdata, "projectId");
    if (!pid.empty()) project = std::string(pid);
  }
  if (asset_type == "cloudresourcemanager.googleapis.com/Project" &&
      rdata != nullptr) {
    absl::string_view pid = Str(*rdata, "projectId");
    std::string number = ProjectOf(p.id);
    if (number.empty()) number = std::string(Str(*rdata, "projectNumber"));
    if (!pid.empty() && !number.empty()) {
      gcp_projects[number] = std::string(pid);
    }
  }
  if (project.empty()) {
    auto it = data.fields().find("ancestors");
    if (it != data.fields().end() && it->second.has_list_value()) {
      for (const Value& a : it->second.list_value().values()) {
        if (a.has_string_value() &&
            absl::StartsWith(a.string_value(), "projects/")) {
          project = a.string_value().substr(9);
          break;
        }
      }
    }
  }
  if (project.empty() && resource != nullptr) {
    project = ProjectOf(Str(*resource, "parent"));
  }
  p.account = std::move(project);
  p.data = std::move(data);
  Add(std::move(p));
  return absl::OkStatus();
}

absl::Status Importer::State::AddAzure(absl::string_view origin, Struct data) {
  Pending p;
  p.provider = onus::v1::AZURE;
  p.origin = std::string(origin);
  p.id = std::string(Str(data, "id"));
  absl::string_view arm_type = Str(data, "type");
  if (p.id.empty() || arm_type.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": Azure row without `id` and `type`"));
  }
  absl::string_view type = Lookup(kAzureTypes, absl::AsciiStrToLower(arm_type));
  if (type.empty()) {
    p.type = std::string(arm_type);
  } else {
    p.type = std::string(type);
    p.descriptor = google::protobuf::DescriptorPool::generated_pool()
                       ->FindMessageTypeByName(p.type);
  }
  p.account = std::string(Str(data, "subscriptionId"));
  if (p.account.empty()) p.account = SubscriptionOf(p.id);
  if (p.account.empty()) p.account = options.account;
  p.region = std::string(Str(data, "location"));
  if (p.region.empty()) p.region = "global";
  p.data = std::move(data);
  Add(std::move(p));
  return absl::OkStatus();
}

// A list of GCP assets or Azure rows, told apart per element.
absl::Status Importer::State::AddRows(absl::string_view name,
                                      const ListValue& rows,
                                      absl::string_view where) {
  for (int i = 0; i < rows.values_size(); ++i) {
    const Value& e = rows.values(i);
    std::string origin = absl::StrCat(name, ": ", where, "[", i, "]");
    if (!e.has_struct_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": expected an object, got ", KindName(e)));
    }
    const Struct& s = e.struct_value();
    bool gcp = !Str(s, "assetType").empty();
    bool azure = !gcp && !Str(s, "type").empty() && !Str(s, "id").empty();
    ImportProvider want = options.provider;
    if (gcp &&
        (want == ImportProvider::kAuto || want == ImportProvider::kGcp)) {
      ONUS_RETURN_IF_ERROR(AddGcp(origin, s));
    } else if (azure && (want == ImportProvider::kAuto ||
                         want == ImportProvider::kAzure)) {
      ONUS_RETURN_IF_ERROR(AddAzure(origin, s));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ": ",
          want == ImportProvider::kGcp
              ? "not a Cloud Asset Inventory asset (no `assetType`)"
          : want == ImportProvider::kAzure
              ? "not an Azure Resource Graph row (no `id` and `type`)"
              : "neither a GCP asset (`assetType`) nor an Azure row (`id`, "
                "`type`)"));
    }
  }
  return absl::OkStatus();
}

Importer::Importer(ImportOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}
Importer::~Importer() = default;

const std::vector<std::string>& Importer::warnings() const {
  return state_->warnings;
}

absl::Status Importer::AddDocument(absl::string_view name,
                                   absl::string_view contents) {
  State& st = *state_;
  if (st.finished) return absl::FailedPreconditionError("import finished");
  absl::ConsumePrefix(&contents, "\xEF\xBB\xBF");  // UTF-8 BOM
  absl::string_view body = absl::StripAsciiWhitespace(contents);
  if (body.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": empty document"));
  }
  ONUS_RETURN_IF_ERROR(CheckDepth(name, contents));
  ImportProvider want = st.options.provider;

  absl::StatusOr<Value> whole = ParseValue(name, body);
  if (!whole.ok()) {
    // Newline-delimited JSON (a Cloud Asset Inventory export): one object a
    // line. Only when the first line is a whole object by itself; otherwise
    // this is one malformed (pretty-printed) document and its own error is
    // the useful one.
    size_t eol = body.find('\n');
    if (eol == absl::string_view::npos || body.front() != '{' ||
        !ParseValue(name, absl::StripAsciiWhitespace(body.substr(0, eol)))
             .ok()) {
      return whole.status();
    }
    if (want == ImportProvider::kAws) {
      return absl::InvalidArgumentError(absl::StrCat(
          name,
          ": not one JSON document (newline-delimited JSON, as a Cloud Asset "
          "Inventory export?), but the provider is aws: ",
          whole.status().message()));
    }
    int line_no = 0;
    for (absl::string_view line : absl::StrSplit(contents, '\n')) {
      ++line_no;
      line = absl::StripAsciiWhitespace(line);
      if (line.empty()) continue;
      std::string where = absl::StrCat(name, ":", line_no);
      ONUS_ASSIGN_OR_RETURN(Value v, ParseValue(where, line));
      ListValue one;
      *one.add_values() = std::move(v);
      ONUS_RETURN_IF_ERROR(
          st.AddRows(name, one, absl::StrCat("line ", line_no)));
    }
    return absl::OkStatus();
  }

  if (whole->has_list_value()) {
    if (want == ImportProvider::kAws) {
      return absl::InvalidArgumentError(absl::StrCat(
          name,
          ": a JSON list, but AWS CLI responses are objects whose keys "
          "name the lists"));
    }
    return st.AddRows(name, whole->list_value(), "");
  }
  if (!whole->has_struct_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": expected a JSON object or list, got ", KindName(*whole)));
  }
  const Struct& doc = whole->struct_value();
  bool gcp = !Str(doc, "assetType").empty();
  bool azure_row = !gcp && !Str(doc, "type").empty() && !Str(doc, "id").empty();
  auto list_key = [&](absl::string_view key) {
    auto it = doc.fields().find(std::string(key));
    return it != doc.fields().end() && it->second.has_list_value()
               ? &it->second.list_value()
               : nullptr;
  };
  // `az graph query` prints {"count", "data": [...], "skip_token", ...};
  // ARM list calls {"value": [...], "nextLink"}.
  const ListValue* azure_list = list_key("data");
  if (azure_list == nullptr) azure_list = list_key("value");

  ImportProvider shape = gcp                     ? ImportProvider::kGcp
                         : azure_row             ? ImportProvider::kAzure
                         : azure_list != nullptr ? ImportProvider::kAzure
                                                 : ImportProvider::kAws;
  if (want != ImportProvider::kAuto && want != shape) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": looks like ", ProviderWord(shape),
                     " JSON, but the provider is ", ProviderWord(want)));
  }
  if (gcp) return st.AddGcp(absl::StrCat(name, ": asset"), doc);
  if (azure_row) return st.AddAzure(absl::StrCat(name, ": row"), doc);
  if (azure_list != nullptr) {
    return st.AddRows(name, *azure_list, list_key("data") ? "data" : "value");
  }
  return st.AddAws(name, doc);
}

absl::Status Importer::AddPath(absl::string_view path) {
  std::error_code ec;
  std::filesystem::path p{std::string(path)};
  std::vector<std::string> files;
  if (std::filesystem::is_directory(p, ec)) {
    for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
         !ec && it != std::filesystem::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string ext = it->path().extension().string();
      if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson") {
        files.push_back(it->path().string());
      }
    }
    if (ec) {
      return absl::NotFoundError(
          absl::StrCat(path, ": cannot list: ", ec.message()));
    }
    if (files.empty()) {
      return absl::NotFoundError(
          absl::StrCat(path, ": no .json, .jsonl or .ndjson files"));
    }
    std::sort(files.begin(), files.end());
  } else {
    files.emplace_back(path);
  }
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(f, ": cannot read"));
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return absl::DataLossError(absl::StrCat(f, ": read error"));
    ONUS_RETURN_IF_ERROR(AddDocument(f, ss.str()));
  }
  return absl::OkStatus();
}

absl::StatusOr<onus::v1::Snapshot> Importer::Finish() {
  State& st = *state_;
  if (st.finished) return absl::FailedPreconditionError("import finished");
  st.finished = true;

  // Accounts: AWS resources whose JSON names none take --account, else the
  // only AWS account the import saw; GCP project numbers become ids where a
  // Project asset told us the mapping.
  std::vector<std::string> aws_accounts;
  for (const Pending& p : st.pending) {
    if (p.provider == onus::v1::AWS && !p.account.empty() &&
        std::find(aws_accounts.begin(), aws_accounts.end(), p.account) ==
            aws_accounts.end()) {
      aws_accounts.push_back(p.account);
    }
  }
  for (Pending& p : st.pending) {
    if (p.provider == onus::v1::GCP && AllDigits(p.account)) {
      auto it = st.gcp_projects.find(p.account);
      if (it != st.gcp_projects.end()) {
        p.account = it->second;
      } else if (!st.options.account.empty()) {
        p.account = st.options.account;
      }
    }
    if (!p.account.empty()) continue;
    if (!st.options.account.empty()) {
      p.account = st.options.account;
    } else if (p.provider == onus::v1::AWS && aws_accounts.size() == 1) {
      p.account = aws_accounts[0];
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          p.origin, ": cannot tell the account of ", p.type, " `", p.id,
          "`: its JSON does not name one",
          aws_accounts.size() > 1 ? " and the import holds several accounts"
                                  : "",
          "; pass --account (onus import) or add the output of `aws sts "
          "get-caller-identity`"));
    }
  }

  onus::v1::Snapshot snap;
  snap.set_id(st.options.snapshot_id.empty() ? "import"
                                             : st.options.snapshot_id);
  snap.mutable_source()->set_name("onus import");
  absl::Time at = st.options.collected_at == absl::InfiniteFuture()
                      ? absl::Now()
                      : st.options.collected_at;
  snap.mutable_collected_at()->set_seconds(absl::ToUnixSeconds(at));
  absl::flat_hash_map<std::string, bool> seen_accounts;
  google::protobuf::util::JsonParseOptions parse_opts;
  parse_opts.ignore_unknown_fields = true;
  absl::flat_hash_map<const google::protobuf::Descriptor*,
                      std::unique_ptr<google::protobuf::Message>>
      scratch;
  std::string json;
  for (Pending& p : st.pending) {
    if (p.provider == onus::v1::AWS && p.region.empty()) ++st.no_region;
    if (p.account_pos != std::string::npos) {
      p.id.insert(p.account_pos, p.account);
    }
    if (seen_accounts
            .try_emplace(absl::StrCat(p.provider, "\n", p.account), true)
            .second) {
      onus::v1::Account* a = snap.add_accounts();
      a->set_provider(p.provider);
      a->set_id(p.account);
    }
    onus::v1::Resource* r = snap.add_resources();
    r->set_id(p.id);
    r->set_type(p.type);
    r->set_provider(p.provider);
    r->set_account(p.account);
    r->set_region(p.region);

    // Tags, flattened: AWS lists of {Key, Value} (or {TagKey, TagValue})
    // and maps (Lambda, GuardDuty); GCP labels; Azure tags.
    auto add_map = [r](const Struct* m) {
      if (m == nullptr) return;
      for (const auto& [k, v] : m->fields()) {
        if (v.has_string_value()) (*r->mutable_tags())[k] = v.string_value();
      }
    };
    if (p.provider == onus::v1::AWS) {
      for (absl::string_view key : {"Tags", "TagSet", "TagList"}) {
        auto it = p.data.fields().find(std::string(key));
        if (it == p.data.fields().end()) continue;
        if (it->second.has_struct_value()) add_map(&it->second.struct_value());
        if (!it->second.has_list_value()) continue;
        for (const Value& t : it->second.list_value().values()) {
          if (!t.has_struct_value()) continue;
          absl::string_view k = FirstStr(t.struct_value(), "Key|TagKey");
          if (k.empty()) continue;
          (*r->mutable_tags())[std::string(k)] =
              std::string(FirstStr(t.struct_value(), "Value|TagValue"));
        }
      }
    } else if (p.provider == onus::v1::GCP) {
      const Struct* res = Obj(p.data, "resource");
      const Struct* d = res ? Obj(*res, "data") : nullptr;
      if (d != nullptr) add_map(Obj(*d, "labels"));
    } else {
      add_map(Obj(p.data, "tags"));
    }

    if (p.descriptor == nullptr) {
      *r->mutable_schemaless() = std::move(p.data);
      continue;
    }
    auto& msg = scratch[p.descriptor];
    if (msg == nullptr) {
      msg.reset(google::protobuf::MessageFactory::generated_factory()
                    ->GetPrototype(p.descriptor)
                    ->New());
    }
    msg->Clear();
    json.clear();
    auto printed = google::protobuf::util::MessageToJsonString(p.data, &json);
    if (!printed.ok()) {
      return absl::InternalError(
          absl::StrCat(p.origin, ": ", MessageOf(printed)));
    }
    auto parsed = google::protobuf::util::JsonStringToMessage(json, msg.get(),
                                                              parse_opts);
    if (!parsed.ok()) {
      // protobuf names the field path ("IpPermissions[0].FromPort: ...").
      return absl::InvalidArgumentError(absl::StrCat(p.origin, " (", p.id,
                                                     "): does not fit ", p.type,
                                                     ": ", MessageOf(parsed)));
    }
    google::protobuf::Any* any = r->mutable_typed();
    any->set_type_url(absl::StrCat("type.googleapis.com/", p.type));
    msg->SerializeToString(any->mutable_value());
    p.data.Clear();
  }

  for (const auto& [type, count] : st.unknown) {
    st.warnings.push_back(absl::StrCat(
        count, count == 1 ? " resource" : " resources", " of type `", type,
        "` without a schema imported as schemaless (policies cannot type-check "
        "them)"));
  }
  if (st.merged > 0) {
    st.warnings.push_back(
        absl::StrCat(st.merged,
                     " element(s) repeated a resource id and were merged into "
                     "the first (later keys win)"));
  }
  if (st.no_region > 0) {
    st.warnings.push_back(absl::StrCat(
        st.no_region,
        " AWS resource(s) have no region in their JSON; pass --region"));
  }
  if (snap.resources_size() == 0) {
    st.warnings.push_back("no resources found in the input");
  }
  st.pending.clear();
  return snap;
}

absl::StatusOr<onus::v1::Snapshot> ImportProviderJson(
    absl::string_view name, absl::string_view contents,
    const ImportOptions& options, std::vector<std::string>* warnings) {
  Importer imp(options);
  ONUS_RETURN_IF_ERROR(imp.AddDocument(name, contents));
  absl::StatusOr<onus::v1::Snapshot> snap = imp.Finish();
  if (warnings != nullptr) *warnings = imp.warnings();
  return snap;
}

absl::StatusOr<onus::v1::Snapshot> ImportProviderPaths(
    const std::vector<std::string>& paths, const ImportOptions& options,
    std::vector<std::string>* warnings) {
  Importer imp(options);
  for (const std::string& p : paths) ONUS_RETURN_IF_ERROR(imp.AddPath(p));
  absl::StatusOr<onus::v1::Snapshot> snap = imp.Finish();
  if (warnings != nullptr) *warnings = imp.warnings();
  return snap;
}

bool LooksLikeProviderJson(absl::string_view contents) {
  absl::string_view body = absl::StripAsciiWhitespace(contents);
  if (body.empty() || body.front() != '{') return !body.empty();
  google::protobuf::util::JsonParseOptions opts;
  onus::v1::Snapshot snap;
  if (google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(body.data(), body.size()), &snap, opts)
          .ok()) {
    return false;
  }
  // A broken Snapshot (`{"resources": 5}`) must fail as a Snapshot, not
  // import as an empty AWS response: only Snapshot keys means Snapshot.
  auto snapshot_key = [](absl::string_view k) {
    return k == "id" || k == "collectedAt" || k == "collected_at" ||
           k == "source" || k == "accounts" || k == "resources";
  };
  // The first key settles most documents without a second full parse.
  size_t q = body.find('"');
  size_t e = q == absl::string_view::npos ? q : body.find('"', q + 1);
  if (e == absl::string_view::npos) return true;
  absl::string_view first = body.substr(q + 1, e - q - 1);
  if (!snapshot_key(first)) return true;
  Value v;
  if (CheckDepth("", body).ok() &&
      google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(body.data(), body.size()), &v, opts)
          .ok()) {
    if (!v.has_struct_value()) return true;
    for (const auto& [k, unused] : v.struct_value().fields()) {
      if (!snapshot_key(k)) return true;
    }
    return false;
  }
  // Malformed: "id" also starts Azure rows, the other keys only Snapshots.
  return first == "id";
}

}  // namespace onus::engine
