// Report writers: one onus.v1.Report rendered as text, JSON, SARIF 2.1.0,
// JUnit XML, CSV or a self-contained HTML page.
//
// A Report is self-contained (it carries the metadata of every policy it
// evaluated), so every format renders from the report alone and `onus eval
// --format json` output can be turned into any other format later.
#ifndef ONUS_ENGINE_REPORT_WRITERS_H_
#define ONUS_ENGINE_REPORT_WRITERS_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

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

// Writes a report whose findings arrive one at a time (an input evaluated
// as it is read), so that they need not be held: the start of the document
// when made, each finding as it is added, the rest from the final report.
// The bytes are those Render() gives for the final report holding the same
// findings in the same order, except that JSON puts "findings" first, one
// per line (the same Report when parsed).
class FindingWriter {
 public:
  virtual ~FindingWriter() = default;
  virtual void Add(const onus::v1::Finding& finding) = 0;
  // `report`: the final report (summary, policies); its findings are not
  // read. Call once, after the last Add.
  virtual void Finish(const onus::v1::Report& report) = 0;
};

// JSON, SARIF, CSV and text; nullptr for JUnit and HTML, which need every
// finding before the first byte (JUnit counts them in its first element,
// HTML charts them). Text holds the rows it will show (FAIL and ERROR; all
// with `verbose`), already rendered, to print them most severe first.
// `policies`: the metadata the final report will list, in its order (SARIF
// numbers its rules from it). Writes to `out`, which must outlive the
// writer.
std::unique_ptr<FindingWriter> NewFindingWriter(
    Format format, const std::vector<const onus::v1::PolicyMetadata*>& policies,
    std::ostream* out, const RenderOptions& options = {});

// NewFindingWriter(Format::kSarif, ...), kept in sarif.cc with the rest of
// the SARIF mapping.
std::unique_ptr<FindingWriter> NewSarifWriter(
    const std::vector<const onus::v1::PolicyMetadata*>& policies,
    std::ostream* out);

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
