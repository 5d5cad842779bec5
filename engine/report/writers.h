// Report writers: one onus.v1.Report rendered as text, JSON, SARIF 2.1.0,
// JUnit XML, CSV or a self-contained HTML page.
//
// A Report is self-contained (it carries the metadata of every policy it
// evaluated), so every format renders from the report alone and `onus eval
// --format json` output can be turned into any other format later.
#ifndef ONUS_ENGINE_REPORT_WRITERS_H_
#define ONUS_ENGINE_REPORT_WRITERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "onus/v1/report.pb.h"

namespace onus::engine::report {

enum class Format { kText, kJson, kSarif, kJunit, kCsv, kHtml };

// "text", "json", "sarif", "junit", "csv", "html".
absl::StatusOr<Format> ParseFormat(absl::string_view name);
const char* FormatName(Format f);

struct RenderOptions {
  // ANSI colours in the text table (the CLI sets this on a TTY only).
  bool color = false;
  // Text format: list passing and not-applicable pairs too.
  bool verbose = false;
};

std::string Render(const onus::v1::Report& report, Format format,
                   const RenderOptions& options = {});

std::string RenderText(const onus::v1::Report& report,
                       const RenderOptions& options);
std::string RenderJson(const onus::v1::Report& report);
std::string RenderSarif(const onus::v1::Report& report);
std::string RenderJunit(const onus::v1::Report& report);
std::string RenderCsv(const onus::v1::Report& report);
std::string RenderHtml(const onus::v1::Report& report);

// Display names shared by the writers ("high", "customer", "iaas",
// "data_protection", "fail").
std::string SeverityName(onus::v1::Severity s);
std::string OwnerName(onus::v1::Owner o);
std::string ServiceModelName(onus::v1::ServiceModel m);
std::string DomainName(onus::v1::ControlDomain d);
std::string OutcomeName(onus::v1::Outcome o);
std::string ProviderDisplayName(onus::v1::Provider p);

}  // namespace onus::engine::report

#endif  // ONUS_ENGINE_REPORT_WRITERS_H_
