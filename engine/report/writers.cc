#include "engine/report/writers.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
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

std::vector<const Finding*> SortedFindings(const Report& report, bool verbose) {
  std::vector<const Finding*> out;
  for (const Finding& f : report.findings()) {
    if (verbose || f.outcome() == onus::v1::FAIL ||
        f.outcome() == onus::v1::ERROR) {
      out.push_back(&f);
    }
  }
  // Most severe first; the engine's deterministic order breaks ties.
  std::stable_sort(out.begin(), out.end(),
                   [](const Finding* a, const Finding* b) {
                     return a->severity() > b->severity();
                   });
  return out;
}
}  // namespace

std::string RenderText(const Report& report, const RenderOptions& options) {
  std::string out;
  std::vector<const Finding*> rows = SortedFindings(report, options.verbose);
  for (const Finding* f : rows) {
    std::string outcome = absl::AsciiStrToUpper(OutcomeName(f->outcome()));
    if (options.color) {
      outcome = absl::StrCat(OutcomeColor(f->outcome()), outcome, kReset);
    }
    absl::StrAppendFormat(&out, "%-6s %-8s %-40s %s\n", outcome,
                          SeverityName(f->severity()), f->policy_id(),
                          f->resource_id());
    if (!f->message().empty())
      absl::StrAppend(&out, "    ", f->message(), "\n");
    if (!f->error_reason().empty()) {
      absl::StrAppend(&out, "    error: ", f->error_reason(), "\n");
    }
    if (f->has_evidence() && !f->evidence().expression().empty()) {
      const auto& ev = f->evidence();
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
    if (f->has_waiver()) {
      absl::StrAppend(&out, "    waiver ", f->waiver().id(),
                      f->waiver().expired() ? " (EXPIRED)" : "", ": ",
                      f->waiver().reason(), "\n");
    }
  }
  const auto& t = report.summary().totals();
  absl::StrAppend(
      &out, rows.empty() ? "" : "\n",
      absl::StrFormat("%d resources, %d policies: %d pass, %d "
                      "fail, %d error, %d not applicable, %d "
                      "waived\n",
                      report.summary().resources_evaluated(),
                      report.summary().policies(), t.pass(), t.fail(),
                      t.error(), t.not_applicable(), t.waived()));
  for (const auto& w : report.summary().expired_waivers()) {
    absl::StrAppend(&out, "expired waiver ", w.id(), " (", w.owner(),
                    "): no longer suppresses findings\n");
  }
  return out;
}

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
}  // namespace

std::string RenderCsv(const Report& report) {
  std::string out =
      "policy_id,resource_id,resource_type,provider,account,region,outcome,"
      "severity,owner,domain,frameworks,message,error,evidence,fingerprint,"
      "waiver\r\n";
  for (const Finding& f : report.findings()) {
    std::vector<std::string> cols = {
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
    std::vector<std::string> quoted;
    quoted.reserve(cols.size());
    for (const std::string& c : cols) quoted.push_back(CsvField(c));
    absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\r\n");
  }
  return out;
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
