// SARIF 2.1.0 (OASIS): one run, one rule per policy, one result per FAIL,
// ERROR or WAIVED finding. The document is built from google.protobuf.Struct
// values printed by protobuf's JSON printer, so escaping is never
// hand-written (engine/json_print.h: with the keys of each object in order).
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/json_print.h"
#include "engine/report/writers.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace onus::engine::report {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

Value Str(absl::string_view s) {
  Value v;
  v.set_string_value(std::string(s));
  return v;
}
Value Num(double d) {
  Value v;
  v.set_number_value(d);
  return v;
}
Value Obj(Struct s) {
  Value v;
  *v.mutable_struct_value() = std::move(s);
  return v;
}
Value List(ListValue l) {
  Value v;
  *v.mutable_list_value() = std::move(l);
  return v;
}
void Set(Struct& s, const std::string& k, Value v) {
  (*s.mutable_fields())[k] = std::move(v);
}
Value Text(absl::string_view text) {
  Struct s;
  Set(s, "text", Str(text));
  return Obj(std::move(s));
}

// SARIF levels from policy severity.
const char* Level(onus::v1::Severity s) {
  switch (s) {
    case onus::v1::CRITICAL:
    case onus::v1::HIGH:
      return "error";
    case onus::v1::MEDIUM:
      return "warning";
    default:
      return "note";
  }
}

// GitHub code scanning reads `security-severity` (0.0-10.0) for ranking.
const char* SecurityScore(onus::v1::Severity s) {
  switch (s) {
    case onus::v1::CRITICAL:
      return "9.5";
    case onus::v1::HIGH:
      return "8.0";
    case onus::v1::MEDIUM:
      return "5.5";
    case onus::v1::LOW:
      return "3.0";
    default:
      return "1.0";
  }
}

Value Rule(const onus::v1::PolicyMetadata& p) {
  Struct r;
  Set(r, "id", Str(p.id()));
  Set(r, "name", Str(p.name().empty() ? p.id() : p.name()));
  Set(r, "shortDescription", Text(p.title().empty() ? p.id() : p.title()));
  if (!p.description().empty()) {
    Set(r, "fullDescription", Text(p.description()));
  }
  if (!p.remediation().empty()) Set(r, "help", Text(p.remediation()));
  Struct config;
  Set(config, "level", Str(Level(p.severity())));
  Set(r, "defaultConfiguration", Obj(std::move(config)));
  Struct props;
  ListValue tags;
  *tags.add_values() = Str("security");
  for (const std::string& f : p.frameworks()) *tags.add_values() = Str(f);
  Set(props, "tags", List(std::move(tags)));
  Set(props, "security-severity", Str(SecurityScore(p.severity())));
  Set(props, "severity", Str(SeverityName(p.severity())));
  Set(props, "owner", Str(OwnerName(p.owner())));
  Set(props, "domain", Str(DomainName(p.domain())));
  ListValue models;
  for (int m : p.service_models()) {
    *models.add_values() =
        Str(ServiceModelName(static_cast<onus::v1::ServiceModel>(m)));
  }
  Set(props, "serviceModels", List(std::move(models)));
  Set(props, "resourceType", Str(p.resource_type()));
  Set(r, "properties", Obj(std::move(props)));
  return Obj(std::move(r));
}

Value Location(const onus::v1::Finding& f, const std::string& policy_file,
               int policy_line) {
  Struct loc;
  // The physical location is the policy source that decided the finding
  // (code-scanning tools need a file); the resource is a logical location.
  std::string file = f.evidence().span().file();
  int line = static_cast<int>(f.evidence().span().line());
  int column = static_cast<int>(f.evidence().span().column());
  if (file.empty()) {
    file = policy_file;
    line = policy_line;
    column = 0;
  }
  if (!file.empty()) {
    Struct phys, artifact, region;
    Set(artifact, "uri", Str(file));
    Set(phys, "artifactLocation", Obj(std::move(artifact)));
    if (line > 0) {
      Set(region, "startLine", Num(line));
      if (column > 0) Set(region, "startColumn", Num(column));
      Set(phys, "region", Obj(std::move(region)));
    }
    Set(loc, "physicalLocation", Obj(std::move(phys)));
  }
  Struct logical;
  Set(logical, "fullyQualifiedName", Str(f.resource_id()));
  Set(logical, "name", Str(f.resource_id()));
  Set(logical, "kind", Str("resource"));
  ListValue logicals;
  *logicals.add_values() = Obj(std::move(logical));
  Set(loc, "logicalLocations", List(std::move(logicals)));
  return Obj(std::move(loc));
}

// FAIL, ERROR and WAIVED findings are results; passes are not.
bool InSarif(const onus::v1::Finding& f) {
  return f.outcome() == onus::v1::FAIL || f.outcome() == onus::v1::ERROR ||
         f.outcome() == onus::v1::WAIVED;
}

// The document is printed from a skeleton whose one empty "results" array
// receives the results, printed 256 at a time straight into the output:
// holding every result as a Struct took about ten times the report's size
// (755 MB for 66,000 results). Keys are printed in order, so the part
// before "results" ("$schema", "runs", "invocations") is written when the
// writer is made and the part after it (the tool and its rules, which
// grow when a finding's policy has no metadata) at Finish.
class SarifWriter : public FindingWriter {
 public:
  SarifWriter(const std::vector<const onus::v1::PolicyMetadata*>& policies,
              std::ostream* out)
      : out_(out) {
    opts_.add_whitespace = true;
    for (const onus::v1::PolicyMetadata* p : policies) {
      if (rules_by_id_.count(p->id())) continue;
      rules_by_id_[p->id()] = {rules_.values_size(), p->source_file(),
                               static_cast<int>(p->line())};
      *rules_.add_values() = Rule(*p);
    }
    const std::string skeleton = Skeleton("0");
    const size_t hole = absl::string_view(skeleton).find(kHole);
    out_->write(skeleton.data(),
                static_cast<std::streamsize>(std::min(hole, skeleton.size())));
    *out_ << "\"results\": [";
  }

  void Add(const onus::v1::Finding& f) override {
    if (!InSarif(f)) return;
    auto it = rules_by_id_.find(f.policy_id());
    if (it == rules_by_id_.end()) {
      // A finding whose policy metadata is missing still gets a rule.
      onus::v1::PolicyMetadata p;
      p.set_id(f.policy_id());
      p.set_severity(f.severity());
      it = rules_by_id_
               .emplace(f.policy_id(), RuleRef{rules_.values_size(), "", 0})
               .first;
      *rules_.add_values() = Rule(p);
    }
    Struct r;
    Set(r, "ruleId", Str(f.policy_id()));
    Set(r, "ruleIndex", Num(it->second.index));
    Set(r, "level",
        Str(f.outcome() == onus::v1::ERROR ? "error" : Level(f.severity())));
    std::string text = f.message();
    if (f.outcome() == onus::v1::ERROR) {
      text = absl::StrCat("evaluation error: ", f.error_reason());
    } else if (text.empty()) {
      text = absl::StrCat(f.policy_id(), " failed for ", f.resource_id());
    }
    if (!f.evidence().expression().empty()) {
      absl::StrAppend(&text, " (because ", f.evidence().expression(), ")");
    }
    Set(r, "message", Text(text));
    ListValue locs;
    *locs.add_values() = Location(f, it->second.source_file, it->second.line);
    Set(r, "locations", List(std::move(locs)));
    Struct fp;
    Set(fp, "onusFindingHash/v1", Str(f.fingerprint()));
    Set(r, "partialFingerprints", Obj(std::move(fp)));
    if (f.outcome() == onus::v1::WAIVED) {
      Struct sup;
      Set(sup, "kind", Str("external"));
      Set(sup, "status", Str("accepted"));
      Set(sup, "justification",
          Str(absl::StrCat(f.waiver().reason(), " (owner ", f.waiver().owner(),
                           ", ticket ", f.waiver().ticket(), ")")));
      ListValue sups;
      *sups.add_values() = Obj(std::move(sup));
      Set(r, "suppressions", List(std::move(sups)));
    }
    Struct props;
    Set(props, "outcome", Str(OutcomeName(f.outcome())));
    Set(props, "resourceType", Str(f.resource_type()));
    Set(props, "account", Str(f.account()));
    Set(props, "region", Str(f.region()));
    Set(props, "provider", Str(ProviderDisplayName(f.provider())));
    Set(r, "properties", Obj(std::move(props)));
    *batch_.add_values() = Obj(std::move(r));
    if (batch_.values_size() == kBatch) Flush();
  }

  void Finish(const onus::v1::Report& report) override {
    Flush();
    *out_ << (first_ ? "]" : "\n]");
    const std::string skeleton = Skeleton(
        report.engine_version().empty() ? "0" : report.engine_version());
    const size_t hole = absl::string_view(skeleton).find(kHole);
    if (hole != std::string::npos)
      *out_ << skeleton.substr(hole + kHole.size());
  }

 private:
  struct RuleRef {
    int index;
    std::string source_file;
    int line;
  };
  static constexpr int kBatch = 256;
  // The one empty "results" array of the skeleton (a key, so its quotes are
  // not escaped: no string value can contain this text).
  static constexpr absl::string_view kHole = "\"results\": []";

  // The whole document with no results. Keys in order: the same report
  // gives the same bytes in every run (a Struct's fields are a hash map,
  // whose order changes per process).
  std::string Skeleton(const std::string& version) const {
    Struct driver;
    Set(driver, "name", Str("onus"));
    Set(driver, "version", Str(version));
    Set(driver, "rules", List(rules_));
    Struct tool;
    Set(tool, "driver", Obj(std::move(driver)));
    Struct run;
    Set(run, "tool", Obj(std::move(tool)));
    Set(run, "results", List(ListValue()));
    Struct invocation;
    (*invocation.mutable_fields())["executionSuccessful"].set_bool_value(true);
    ListValue invocations;
    *invocations.add_values() = Obj(std::move(invocation));
    Set(run, "invocations", List(std::move(invocations)));
    Struct doc;
    Set(doc, "$schema", Str("https://json.schemastore.org/sarif-2.1.0.json"));
    Set(doc, "version", Str("2.1.0"));
    ListValue runs;
    *runs.add_values() = Obj(std::move(run));
    Set(doc, "runs", List(std::move(runs)));
    std::string out;
    (void)PrintJson(doc, opts_, &out);
    return out;
  }

  void Flush() {
    if (batch_.values_size() == 0) return;
    std::string json;
    (void)PrintJson(batch_, opts_, &json);
    batch_.Clear();
    // The array's elements, without its brackets and outer blank space.
    const size_t open = json.find('['), close = json.rfind(']');
    *out_ << (first_ ? "\n" : ",\n")
          << absl::StripAsciiWhitespace(absl::string_view(json).substr(
                 open + 1, close == std::string::npos ? 0 : close - open - 1));
    first_ = false;
  }

  std::ostream* out_;
  google::protobuf::util::JsonPrintOptions opts_;
  ListValue rules_;
  std::map<std::string, RuleRef> rules_by_id_;
  ListValue batch_;
  bool first_ = true;
};

}  // namespace

std::unique_ptr<FindingWriter> NewSarifWriter(
    const std::vector<const onus::v1::PolicyMetadata*>& policies,
    std::ostream* out) {
  return std::make_unique<SarifWriter>(policies, out);
}

}  // namespace onus::engine::report
