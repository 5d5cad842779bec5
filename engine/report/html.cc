// A self-contained HTML report: no scripts, no external assets; inline CSS
// and an inline SVG chart. Counts carry stable element ids (`count-fail`,
// `sev-high-fail`, ...) so a browser test can compare the rendered page with
// the JSON report.
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/outcome_tally.h"
#include "engine/report/writers.h"
#include "google/protobuf/util/time_util.h"

namespace onus::engine::report {
namespace {

using onus::v1::Finding;

std::string Esc(absl::string_view s) {
  std::string out;
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
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

using Tally = OutcomeTally;

// Share of decided pairs that pass; errors count against compliance.
std::string Percent(const Tally& t) {
  if (t.evaluated() == 0) return "n/a";
  return absl::StrFormat("%.0f%%", 100.0 * t.pass / t.evaluated());
}

std::string Id(absl::string_view s) {
  std::string out;
  for (char c : s) out += (isalnum(static_cast<unsigned char>(c)) ? c : '-');
  return out;
}

std::string Cells(const Tally& t, const std::string& id_prefix) {
  return absl::StrFormat(
      "<td id=\"%s-pass\">%d</td><td id=\"%s-fail\" class=\"fail\">%d</td>"
      "<td id=\"%s-error\" class=\"err\">%d</td><td>%d</td><td>%d</td>"
      "<td>%s</td>",
      id_prefix, t.pass, id_prefix, t.fail, id_prefix, t.error, t.na, t.waived,
      Percent(t));
}

const char* kHeaderCells =
    "<th>pass</th><th>fail</th><th>error</th><th>n/a</th><th>waived</th>"
    "<th>compliant</th>";

// Horizontal stacked bars (pass/fail/error) per severity, as inline SVG.
std::string Chart(const std::vector<std::pair<std::string, Tally>>& rows) {
  uint64_t max_total = 1;
  for (const auto& [name, t] : rows) {
    max_total = std::max(max_total, t.evaluated());
  }
  const int width = 480, bar_h = 22, label_w = 90;
  std::string svg = absl::StrFormat(
      "<svg role=\"img\" aria-label=\"findings by severity\" width=\"%d\" "
      "height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">",
      width + label_w + 60, static_cast<int>(rows.size()) * (bar_h + 8) + 8);
  int y = 4;
  for (const auto& [name, t] : rows) {
    absl::StrAppendFormat(&svg,
                          "<text x=\"0\" y=\"%d\" font-size=\"13\">%s</text>",
                          y + 16, Esc(name));
    int x = label_w;
    auto seg = [&](uint64_t n, const char* color) {
      int w = static_cast<int>(n * width / max_total);
      if (w > 0) {
        absl::StrAppendFormat(&svg,
                              "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
                              "height=\"%d\" fill=\"%s\"/>",
                              x, y, w, bar_h, color);
      }
      x += w;
    };
    seg(t.pass, "#3a9d5d");
    seg(t.fail, "#d64545");
    seg(t.error, "#9b59b6");
    absl::StrAppendFormat(
        &svg, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%d/%d</text>", x + 6,
        y + 16, t.fail + t.error, t.evaluated());
    y += bar_h + 8;
  }
  svg += "</svg>";
  return svg;
}

}  // namespace

std::string RenderHtml(const onus::v1::Report& report) {
  std::map<std::string, const onus::v1::PolicyMetadata*> meta;
  for (const auto& p : report.policies()) meta[p.id()] = &p;

  Tally total;
  std::map<int, Tally> by_severity;  // severity enum -> tally
  std::map<std::tuple<std::string, std::string>, Tally> by_account;
  // Responsibility matrix: service model x control domain, with owners.
  std::map<std::pair<std::string, std::string>, Tally> matrix;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> owners;
  std::set<std::string> domains, models;
  std::map<std::string, Tally> by_framework;  // "cis-aws-7.0"
  for (const Finding& f : report.findings()) {
    total.Add(f.outcome());
    by_severity[f.severity()].Add(f.outcome());
    by_account[{ProviderDisplayName(f.provider()), f.account()}].Add(
        f.outcome());
    std::string domain = DomainName(f.domain());
    domains.insert(domain);
    for (int m : f.service_models()) {
      std::string model =
          ServiceModelName(static_cast<onus::v1::ServiceModel>(m));
      models.insert(model);
      matrix[{model, domain}].Add(f.outcome());
      owners[{model, domain}].insert(OwnerName(f.owner()));
    }
    std::set<std::string> fws;
    for (const std::string& fw : f.frameworks()) {
      fws.insert(fw.substr(0, fw.find(':')));
    }
    for (const std::string& fw : fws) by_framework[fw].Add(f.outcome());
  }

  std::string h;
  absl::StrAppend(
      &h,
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Onus report ",
      Esc(report.snapshot_id()),
      "</title><style>"
      "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
      "th{background:#f3f3f3}.fail{color:#b00}.err{color:#739}"
      ".cards{display:flex;gap:1em}.card{border:1px solid #ccc;"
      "padding:.6em 1.2em;border-radius:6px}.card b{font-size:1.6em;"
      "display:block}td{max-width:42em;overflow-wrap:anywhere}"
      ".legend span{display:inline-block;width:.8em;height:.8em;"
      "margin:0 .3em 0 1em}</style></head><body>\n");
  absl::StrAppend(&h, "<h1>Onus compliance report</h1>\n<p>Snapshot <code>",
                  Esc(report.snapshot_id()), "</code>");
  if (report.has_collected_at()) {
    absl::StrAppend(
        &h, ", collected ",
        google::protobuf::util::TimeUtil::ToString(report.collected_at()));
  }
  absl::StrAppend(&h, "; ", report.summary().resources_evaluated(),
                  " resources, ", report.summary().policies(),
                  " policies.</p>\n");

  absl::StrAppendFormat(
      &h,
      "<div class=\"cards\"><div class=\"card\"><b id=\"count-pass\">%d</b>"
      "pass</div><div class=\"card fail\"><b id=\"count-fail\">%d</b>fail"
      "</div><div class=\"card err\"><b id=\"count-error\">%d</b>error</div>"
      "<div class=\"card\"><b id=\"count-not-applicable\">%d</b>not "
      "applicable</div><div class=\"card\"><b id=\"count-waived\">%d</b>"
      "waived</div></div>\n",
      total.pass, total.fail, total.error, total.na, total.waived);

  // By severity, most severe first, with the chart.
  std::vector<std::pair<std::string, Tally>> sev_rows;
  absl::StrAppend(&h, "<h2>By severity</h2>\n<table><tr><th>severity</th>",
                  kHeaderCells, "</tr>\n");
  for (auto it = by_severity.rbegin(); it != by_severity.rend(); ++it) {
    std::string name = SeverityName(static_cast<onus::v1::Severity>(it->first));
    sev_rows.push_back({name, it->second});
    absl::StrAppend(&h, "<tr><td>", Esc(name), "</td>",
                    Cells(it->second, "sev-" + Id(name)), "</tr>\n");
  }
  absl::StrAppend(&h, "</table>\n", Chart(sev_rows),
                  "\n<p class=\"legend\"><span style=\"background:#3a9d5d\">"
                  "</span>pass<span style=\"background:#d64545\"></span>fail"
                  "<span style=\"background:#9b59b6\"></span>error &mdash; "
                  "bars show failing / evaluated pairs</p>\n");

  absl::StrAppend(&h,
                  "<h2>By provider and account</h2>\n<table><tr><th>provider"
                  "</th><th>account</th>",
                  kHeaderCells, "</tr>\n");
  for (const auto& [key, t] : by_account) {
    const auto& [provider, account] = key;
    absl::StrAppend(&h, "<tr><td>", Esc(provider), "</td><td>", Esc(account),
                    "</td>", Cells(t, "acct-" + Id(provider + "-" + account)),
                    "</tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");

  // The shared responsibility matrix: which duties (control domains) apply
  // under which service models, who owns them, and how they fare.
  absl::StrAppend(&h,
                  "<h2>Responsibility matrix</h2>\n<p>Service model &times; "
                  "control domain: owner, then failing / evaluated.</p>\n"
                  "<table><tr><th>domain</th>");
  for (const std::string& m : models)
    absl::StrAppend(&h, "<th>", Esc(m), "</th>");
  absl::StrAppend(&h, "</tr>\n");
  for (const std::string& d : domains) {
    absl::StrAppend(&h, "<tr><th>", Esc(d), "</th>");
    for (const std::string& m : models) {
      auto it = matrix.find({m, d});
      if (it == matrix.end()) {
        absl::StrAppend(&h, "<td>&ndash;</td>");
        continue;
      }
      absl::StrAppendFormat(
          &h,
          "<td id=\"matrix-%s-%s\">%s<br><span class=\"fail\">%d</span>"
          " / %d</td>",
          Id(m), Id(d), Esc(absl::StrJoin(owners[{m, d}], ", ")),
          it->second.fail + it->second.error, it->second.evaluated());
    }
    absl::StrAppend(&h, "</tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");

  absl::StrAppend(&h,
                  "<h2>Compliance by framework</h2>\n<table><tr><th>"
                  "framework</th>",
                  kHeaderCells, "</tr>\n");
  for (const auto& [fw, t] : by_framework) {
    absl::StrAppend(&h, "<tr><td>", Esc(fw), "</td>", Cells(t, "fw-" + Id(fw)),
                    "</tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");

  absl::StrAppend(&h,
                  "<h2>Findings</h2>\n<table id=\"findings\"><tr><th>outcome"
                  "</th><th>severity</th><th>policy</th><th>resource</th>"
                  "<th>account</th><th>detail</th></tr>\n");
  for (const Finding& f : report.findings()) {
    if (f.outcome() != onus::v1::FAIL && f.outcome() != onus::v1::ERROR &&
        f.outcome() != onus::v1::WAIVED) {
      continue;
    }
    std::string detail =
        f.outcome() == onus::v1::ERROR ? f.error_reason() : f.message();
    if (!f.evidence().expression().empty()) {
      absl::StrAppend(&detail, " — because ", f.evidence().expression());
    }
    auto it = meta.find(f.policy_id());
    std::string title =
        it != meta.end() && !it->second->title().empty()
            ? absl::StrCat("<br><small>", Esc(it->second->title()), "</small>")
            : "";
    absl::StrAppend(&h, "<tr class=\"finding-", OutcomeName(f.outcome()),
                    "\"><td>", OutcomeName(f.outcome()), "</td><td>",
                    SeverityName(f.severity()), "</td><td>", Esc(f.policy_id()),
                    title, "</td><td>", Esc(f.resource_id()), "</td><td>",
                    Esc(f.account()), "</td><td>", Esc(detail), "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n</body></html>\n");
  return h;
}

}  // namespace onus::engine::report
