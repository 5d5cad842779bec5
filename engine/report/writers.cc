#include "engine/report/writers.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/json_scan.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace onus::engine::report {

using onus::v1::Finding;
using onus::v1::Outcome;
using onus::v1::Report;

absl::StatusOr<Format> ParseFormat(absl::string_view name) {
  static const std::pair<const char*, Format> kFormats[] = {
      {"text", Format::kText},   {"json", Format::kJson},
      {"sarif", Format::kSarif}, {"junit", Format::kJunit},
      {"csv", Format::kCsv},     {"html", Format::kHtml},
  };
  for (const auto& [n, f] : kFormats) {
    if (name == n) return f;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown format `", name,
                   "`: use text, json, sarif, junit, csv or html"));
}

const char* FormatName(Format f) {
  switch (f) {
    case Format::kText:
      return "text";
    case Format::kJson:
      return "json";
    case Format::kSarif:
      return "sarif";
    case Format::kJunit:
      return "junit";
    case Format::kCsv:
      return "csv";
    case Format::kHtml:
      return "html";
  }
  return "text";
}

namespace {
// "SEVERITY_UNSPECIFIED" -> "unspecified", "HIGH" -> "high".
std::string EnumWord(const std::string& name, absl::string_view prefix) {
  std::string s = absl::AsciiStrToLower(name);
  std::string p = absl::AsciiStrToLower(prefix);
  if (absl::StartsWith(s, p)) s = s.substr(p.size());
  return s.empty() ? "unspecified" : s;
}
}  // namespace

std::string SeverityName(onus::v1::Severity s) {
  return EnumWord(onus::v1::Severity_Name(s), "severity_");
}
std::string OwnerName(onus::v1::Owner o) {
  return EnumWord(onus::v1::Owner_Name(o), "owner_");
}
std::string ServiceModelName(onus::v1::ServiceModel m) {
  return EnumWord(onus::v1::ServiceModel_Name(m), "service_model_");
}
std::string DomainName(onus::v1::ControlDomain d) {
  return EnumWord(onus::v1::ControlDomain_Name(d), "control_domain_");
}
std::string OutcomeName(onus::v1::Outcome o) {
  return EnumWord(onus::v1::Outcome_Name(o), "outcome_");
}
std::string ProviderDisplayName(onus::v1::Provider p) {
  return EnumWord(onus::v1::Provider_Name(p), "provider_");
}

std::string Render(const Report& report, Format format,
                   const RenderOptions& options) {
  switch (format) {
    case Format::kText:
      return RenderText(report, options);
    case Format::kJson:
      return RenderJson(report);
    case Format::kSarif:
      return RenderSarif(report);
    case Format::kJunit:
      return RenderJunit(report);
    case Format::kCsv:
      return RenderCsv(report);
    case Format::kHtml:
      return RenderHtml(report);
  }
  return "";
}

// ---------------------------------------------------------------------------
// Text: the findings that need attention (FAIL, ERROR; everything with
// --verbose), most severe first, then a summary.

namespace {
const char* kReset = "\x1b[0m";
const char* OutcomeColor(Outcome o) {
  switch (o) {
    case onus::v1::FAIL:
      return "\x1b[31m";
    case onus::v1::ERROR:
      return "\x1b[35m";
    case onus::v1::PASS:
      return "\x1b[32m";
    case onus::v1::WAIVED:
      return "\x1b[36m";
    default:
      return "\x1b[2m";
  }
}

// Findings are rendered as they are added and kept as text, one string per
// severity (most severe first on output; within one, the engine's
// deterministic order), so a streamed input holds only the rows it shows.
class TextWriter : public FindingWriter {
 public:
  TextWriter(const RenderOptions& options, std::ostream* out)
      : options_(options), out_(out) {}

  void Add(const Finding& f) override {
    if (!options_.verbose && f.outcome() != onus::v1::FAIL &&
        f.outcome() != onus::v1::ERROR) {
      return;
    }
    std::string& out = by_severity_[f.severity()];
    std::string outcome = absl::AsciiStrToUpper(OutcomeName(f.outcome()));
    if (options_.color) {
      outcome = absl::StrCat(OutcomeColor(f.outcome()), outcome, kReset);
    }
    absl::StrAppendFormat(&out, "%-6s %-8s %-40s %s\n", outcome,
                          SeverityName(f.severity()), f.policy_id(),
                          f.resource_id());
    if (!f.message().empty()) absl::StrAppend(&out, "    ", f.message(), "\n");
    if (!f.error_reason().empty()) {
      absl::StrAppend(&out, "    error: ", f.error_reason(), "\n");
    }
    if (f.has_evidence() && !f.evidence().expression().empty()) {
      const auto& ev = f.evidence();
      absl::StrAppend(&out, "    because: ", ev.expression());
      if (!ev.span().file().empty()) {
        absl::StrAppend(&out, "  (", ev.span().file(), ":", ev.span().line(),
                        ":", ev.span().column(), ")");
      }
      absl::StrAppend(&out, "\n");
      for (const auto& ov : ev.observed()) {
        absl::StrAppend(&out, "      ", ov.expression(), " = ", ov.value(),
                        "\n");
      }
    }
    if (f.has_waiver()) {
      absl::StrAppend(&out, "    waiver ", f.waiver().id(),
                      f.waiver().expired() ? " (EXPIRED)" : "", ": ",
                      f.waiver().reason(), "\n");
    }
  }

  void Finish(const Report& report) override {
    for (const auto& [severity, rows] : by_severity_) *out_ << rows;
    const auto& t = report.summary().totals();
    *out_ << (by_severity_.empty() ? "" : "\n")
          << absl::StrFormat(
                 "%d resources, %d policies: %d pass, %d fail, %d error, %d "
                 "not applicable, %d waived\n",
                 report.summary().resources_evaluated(),
                 report.summary().policies(), t.pass(), t.fail(), t.error(),
                 t.not_applicable(), t.waived());
    for (const auto& w : report.summary().expired_waivers()) {
      *out_ << "expired waiver " << w.id() << " (" << w.owner()
            << "): no longer suppresses findings\n";
    }
  }

 private:
  const RenderOptions options_;
  std::ostream* out_;
  // Rendered rows per severity, most severe first.
  std::map<int, std::string, std::greater<int>> by_severity_;
};
}  // namespace

// ---------------------------------------------------------------------------
// JSON: protobuf's canonical JSON mapping, snake_case field names.

std::string RenderJson(const Report& report) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = false;
  std::string out;
  // Serialising a well-formed message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(report, &out, opts);
  return out;
}

// ---------------------------------------------------------------------------
// CSV (RFC 4180): one row per finding.

namespace {
std::string CsvField(absl::string_view s) {
  if (s.find_first_of(",\"\r\n") == absl::string_view::npos) {
    return std::string(s);
  }
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\"\""}}), "\"");
}

class CsvWriter : public FindingWriter {
 public:
  explicit CsvWriter(std::ostream* out) : out_(out) {
    *out_ << "policy_id,resource_id,resource_type,provider,account,region,"
             "outcome,severity,owner,domain,frameworks,message,error,"
             "evidence,fingerprint,waiver\r\n";
  }
  void Add(const Finding& f) override {
    const std::string cols[] = {
        f.policy_id(),
        f.resource_id(),
        f.resource_type(),
        ProviderDisplayName(f.provider()),
        f.account(),
        f.region(),
        OutcomeName(f.outcome()),
        SeverityName(f.severity()),
        OwnerName(f.owner()),
        DomainName(f.domain()),
        absl::StrJoin(f.frameworks(), ";"),
        f.message(),
        f.error_reason(),
        f.evidence().expression(),
        f.fingerprint(),
        f.waiver().id(),
    };
    std::string row;
    for (const std::string& c : cols) {
      absl::StrAppend(&row, CsvField(c), ",");
    }
    row.back() = '\r';  // the last separator
    *out_ << row << "\n";
  }
  void Finish(const Report&) override {}

 private:
  std::ostream* out_;
};

// JSON with "findings" first, one finding per line, then the rest of the
// report. Findings are printed by protobuf's JSON printer in batches: a
// call per finding spent most of its time setting the printer up (a third
// of an `onus eval --format json` on an inventory that fails often). A
// batch is a Report holding only findings, printed without whitespace as
// {"findings":[{...},{...}]}; the array is cut back into its elements at
// the commas outside strings, objects and arrays (engine/json_scan.h).
class JsonWriter : public FindingWriter {
 public:
  explicit JsonWriter(std::ostream* out) : out_(out) {
    opts_.preserve_proto_field_names = true;
    *out_ << "{\n\"findings\": [";
  }
  void Add(const Finding& f) override {
    *batch_.add_findings() = f;
    if (batch_.findings_size() == kBatch) Flush();
  }
  void Finish(const Report& report) override {
    Flush();
    Report rest = report;
    rest.clear_findings();
    const std::string json = RenderJson(rest);
    const size_t brace = json.find('{');
    *out_ << "\n],"
          << (brace == std::string::npos ? json : json.substr(brace + 1));
  }

 private:
  void Flush() {
    if (batch_.findings_size() == 0) return;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(batch_, &json, opts_);
    batch_.clear_findings();
    // {"findings":[A,B,...]}: the array's brackets are at depth 1, the
    // commas between its elements at depth 2.
    size_t start = 0;
    ScanJsonStructure(json, [&](size_t i, char c, int depth) {
      if (depth == 1 && c == '[') {
        start = i + 1;
      } else if ((depth == 2 && c == ',') || (depth == 1 && c == ']')) {
        *out_ << (first_ ? "\n" : ",\n");
        out_->write(json.data() + start,
                    static_cast<std::streamsize>(i - start));
        first_ = false;
        start = i + 1;
        return c != ']';  // the end of the findings array
      }
      return true;
    });
  }

  static constexpr int kBatch = 256;
  std::ostream* out_;
  google::protobuf::util::JsonPrintOptions opts_;
  Report batch_;
  bool first_ = true;
};

}  // namespace

// A whole report through its format's FindingWriter: one path for whole
// and streamed reports.
std::string RenderWithWriter(const Report& report, Format format,
                             const RenderOptions& options) {
  std::vector<const onus::v1::PolicyMetadata*> policies;
  for (const auto& p : report.policies()) policies.push_back(&p);
  std::ostringstream out;
  std::unique_ptr<FindingWriter> w =
      NewFindingWriter(format, policies, &out, options);
  for (const Finding& f : report.findings()) w->Add(f);
  w->Finish(report);
  return out.str();
}

std::string RenderText(const Report& report, const RenderOptions& options) {
  return RenderWithWriter(report, Format::kText, options);
}
std::string RenderSarif(const Report& report) {
  return RenderWithWriter(report, Format::kSarif, {});
}
std::string RenderCsv(const Report& report) {
  return RenderWithWriter(report, Format::kCsv, {});
}

std::unique_ptr<FindingWriter> NewFindingWriter(
    Format format, const std::vector<const onus::v1::PolicyMetadata*>& policies,
    std::ostream* out, const RenderOptions& options) {
  switch (format) {
    case Format::kText:
      return std::make_unique<TextWriter>(options, out);
    case Format::kJson:
      return std::make_unique<JsonWriter>(out);
    case Format::kSarif:
      return NewSarifWriter(policies, out);
    case Format::kCsv:
      return std::make_unique<CsvWriter>(out);
    case Format::kJunit:
    case Format::kHtml:
      break;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// JUnit XML: one testsuite per policy, one testcase per resource. FAIL is a
// <failure>, ERROR an <error>, NOT_APPLICABLE and WAIVED are <skipped>.

namespace {
std::string Xml(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' &&
            c != '\r') {
          out += "?";
        } else {
          out += c;
        }
    }
  }
  return out;
}
}  // namespace

std::string RenderJunit(const Report& report) {
  std::map<std::string, std::vector<const Finding*>> by_policy;
  for (const Finding& f : report.findings()) {
    by_policy[f.policy_id()].push_back(&f);
  }
  const auto& t = report.summary().totals();
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppendFormat(
      &out,
      "<testsuites name=\"onus\" tests=\"%d\" failures=\"%d\" "
      "errors=\"%d\" skipped=\"%d\">\n",
      report.findings_size(), t.fail(), t.error(),
      t.not_applicable() + t.waived());
  for (const auto& [policy, findings] : by_policy) {
    int failures = 0, errors = 0, skipped = 0;
    for (const Finding* f : findings) {
      failures += f->outcome() == onus::v1::FAIL;
      errors += f->outcome() == onus::v1::ERROR;
      skipped += f->outcome() == onus::v1::NOT_APPLICABLE ||
                 f->outcome() == onus::v1::WAIVED;
    }
    absl::StrAppendFormat(&out,
                          "  <testsuite name=\"%s\" tests=\"%d\" "
                          "failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n",
                          Xml(policy), findings.size(), failures, errors,
                          skipped);
    for (const Finding* f : findings) {
      absl::StrAppendFormat(&out, "    <testcase classname=\"%s\" name=\"%s\"",
                            Xml(policy), Xml(f->resource_id()));
      switch (f->outcome()) {
        case onus::v1::FAIL:
          absl::StrAppendFormat(
              &out,
              ">\n      <failure type=\"%s\" message=\"%s\">%s</failure>\n"
              "    </testcase>\n",
              SeverityName(f->severity()), Xml(f->message()),
              Xml(f->evidence().expression()));
          break;
        case onus::v1::ERROR:
          absl::StrAppendFormat(&out,
                                ">\n      <error message=\"%s\"/>\n"
                                "    </testcase>\n",
                                Xml(f->error_reason()));
          break;
        case onus::v1::NOT_APPLICABLE:
        case onus::v1::WAIVED:
          absl::StrAppendFormat(&out,
                                ">\n      <skipped message=\"%s\"/>\n"
                                "    </testcase>\n",
                                OutcomeName(f->outcome()));
          break;
        default:
          absl::StrAppend(&out, "/>\n");
      }
    }
    absl::StrAppend(&out, "  </testsuite>\n");
  }
  absl::StrAppend(&out, "</testsuites>\n");
  return out;
}

}  // namespace onus::engine::report
