#include "engine/report/writers.h"

#include <algorithm>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace onus::engine::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

onus::v1::Report SampleReport() {
  onus::v1::Report r;
  const char* text = R"pb(
    snapshot_id: "snap-1"
    engine_version: "0.1.0"
    policies {
      id: "aws.s3.block_public_access"
      title: "S3 buckets block public access"
      severity: HIGH
      owner: CUSTOMER
      service_models: IAAS
      service_models: PAAS
      domain: DATA_PROTECTION
      frameworks: "cis-aws-7.0:3.1.4"
      remediation: "Turn on all four settings."
      source_file: "policies/aws/s3.onus"
      line: 12
    }
    policies {
      id: "aws.iam.console_mfa"
      title: "Console users have MFA"
      severity: CRITICAL
      owner: CUSTOMER
      service_models: IAAS
      domain: IDENTITY
      frameworks: "cis-aws-7.0:1.10"
    }
    findings {
      policy_id: "aws.s3.block_public_access"
      resource_id: "arn:aws:s3:::open, \"quoted\""
      provider: AWS
      account: "111122223333"
      outcome: FAIL
      severity: HIGH
      owner: CUSTOMER
      service_models: IAAS
      service_models: PAAS
      domain: DATA_PROTECTION
      frameworks: "cis-aws-7.0:3.1.4"
      message: "bucket open does not block <public> access"
      fingerprint: "abc123"
      evidence {
        expression: "b.public_access_block.block_public_acls"
        observed {
          expression: "b.public_access_block.block_public_acls"
          value: "false"
        }
        span { file: "policies/aws/s3.onus" line: 14 column: 13 }
      }
    }
    findings {
      policy_id: "aws.s3.block_public_access"
      resource_id: "arn:aws:s3:::closed"
      provider: AWS
      account: "111122223333"
      outcome: PASS
      severity: HIGH
      service_models: IAAS
      domain: DATA_PROTECTION
      frameworks: "cis-aws-7.0:3.1.4"
      fingerprint: "def456"
    }
    findings {
      policy_id: "aws.iam.console_mfa"
      resource_id: "arn:aws:iam::111122223333:user/bob"
      provider: AWS
      account: "111122223333"
      outcome: ERROR
      severity: CRITICAL
      service_models: IAAS
      domain: IDENTITY
      error_reason: "no such field 'mfa'"
      fingerprint: "0f0f"
    }
    findings {
      policy_id: "aws.iam.console_mfa"
      resource_id: "arn:aws:iam::111122223333:user/svc"
      provider: AWS
      account: "111122223333"
      outcome: WAIVED
      severity: CRITICAL
      service_models: IAAS
      domain: IDENTITY
      fingerprint: "1e1e"
      waiver { id: "W-1" reason: "break-glass" owner: "secops" ticket: "SEC-9" }
    }
    summary {
      totals { pass: 1 fail: 1 error: 1 waived: 1 }
      resources_evaluated: 4
      policies: 2
    }
  )pb";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &r));
  return r;
}

TEST(WritersTest, ParseFormatRejectsUnknownNames) {
  EXPECT_EQ(*ParseFormat("sarif"), Format::kSarif);
  EXPECT_FALSE(ParseFormat("yaml").ok());
}

TEST(WritersTest, JsonRoundTripsThroughProtobufParser) {
  onus::v1::Report r = SampleReport();
  std::string json = RenderJson(r);
  EXPECT_THAT(json, HasSubstr("\"policy_id\""));
  onus::v1::Report back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), r.SerializeAsString());
}

TEST(WritersTest, SarifHasRulesLevelsFingerprintsAndSuppressions) {
  std::string sarif = RenderSarif(SampleReport());
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(sarif, &doc).ok())
      << sarif;
  EXPECT_EQ(doc.fields().at("version").string_value(), "2.1.0");
  const auto& run =
      doc.fields().at("runs").list_value().values(0).struct_value();
  const auto& driver = run.fields()
                           .at("tool")
                           .struct_value()
                           .fields()
                           .at("driver")
                           .struct_value();
  EXPECT_EQ(driver.fields().at("rules").list_value().values_size(), 2);
  const auto& results = run.fields().at("results").list_value();
  // FAIL, ERROR and WAIVED become results; PASS does not.
  ASSERT_EQ(results.values_size(), 3);
  const auto& fail = results.values(0).struct_value().fields();
  EXPECT_EQ(fail.at("level").string_value(), "error");  // high -> error
  EXPECT_EQ(fail.at("partialFingerprints")
                .struct_value()
                .fields()
                .at("onusFindingHash/v1")
                .string_value(),
            "abc123");
  const auto& waived = results.values(2).struct_value().fields();
  EXPECT_TRUE(waived.count("suppressions"));
  EXPECT_THAT(sarif, HasSubstr("\"startLine\": 14"));
}

// runs[0].results of a parsed SARIF document.
const google::protobuf::ListValue& SarifResults(
    const google::protobuf::Struct& doc) {
  return doc.fields()
      .at("runs")
      .list_value()
      .values(0)
      .struct_value()
      .fields()
      .at("results")
      .list_value();
}

// Results are printed in batches of 256 and spliced into the document:
// across batch boundaries every result is there once, in report order, with
// its own fingerprint; an empty report has an empty results array.
TEST(WritersTest, SarifResultsAcrossPrintBatches) {
  onus::v1::Report r = SampleReport();
  const onus::v1::Finding proto = r.findings(0);  // a FAIL
  r.clear_findings();
  std::vector<std::string> want;
  for (int i = 0; i < 700; ++i) {
    onus::v1::Finding* f = r.add_findings();
    *f = proto;
    f->set_resource_id(absl::StrCat("r", i, " \"],[{\\"));
    f->set_fingerprint(absl::StrCat("fp", i));
    if (i % 3 == 0) {
      f->set_outcome(onus::v1::PASS);  // not a result
    } else {
      want.push_back(f->fingerprint());
    }
  }
  google::protobuf::Struct doc;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(RenderSarif(r), &doc).ok());
  const google::protobuf::ListValue& results = SarifResults(doc);
  ASSERT_EQ(results.values_size(), static_cast<int>(want.size()));
  for (int i = 0; i < results.values_size(); ++i) {
    EXPECT_EQ(results.values(i)
                  .struct_value()
                  .fields()
                  .at("partialFingerprints")
                  .struct_value()
                  .fields()
                  .at("onusFindingHash/v1")
                  .string_value(),
              want[i]);
  }
  r.clear_findings();
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(RenderSarif(r), &doc).ok());
  EXPECT_EQ(SarifResults(doc).values_size(), 0);
}

// Writes `report` through a FindingWriter, one finding at a time, and
// finishes with the report stripped of its findings (as a streamed input
// gives it); "" when the format has no writer.
std::string Streamed(const onus::v1::Report& report, Format format,
                     const RenderOptions& options = {}) {
  std::vector<const onus::v1::PolicyMetadata*> policies;
  for (const auto& p : report.policies()) policies.push_back(&p);
  std::ostringstream out;
  std::unique_ptr<FindingWriter> w =
      NewFindingWriter(format, policies, &out, options);
  if (w == nullptr) return "";
  for (const auto& f : report.findings()) w->Add(f);
  onus::v1::Report rest = report;
  rest.clear_findings();
  w->Finish(rest);
  return out.str();
}

// Streamed SARIF and CSV are Render()'s bytes; streamed JSON is the same
// Report once parsed, with one finding per line. A finding whose policy has
// no metadata gets its rule while streaming (the rules come after the
// results in the document).
TEST(WritersTest, FindingWritersGiveTheReportsOutput) {
  onus::v1::Report r = SampleReport();
  for (int i = 0; i < 600; ++i) *r.add_findings() = r.findings(i % 4);
  for (Format f : {Format::kSarif, Format::kCsv, Format::kText}) {
    EXPECT_EQ(Streamed(r, f), Render(r, f)) << FormatName(f);
  }
  RenderOptions verbose;
  verbose.verbose = verbose.color = true;
  EXPECT_EQ(Streamed(r, Format::kText, verbose),
            Render(r, Format::kText, verbose));
  const std::string json = Streamed(r, Format::kJson);
  onus::v1::Report back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), r.SerializeAsString());
  std::vector<std::string> lines = absl::StrSplit(json, '\n');
  ASSERT_GT(lines.size(), 606u);
  EXPECT_EQ(lines[1], "\"findings\": [");
  for (int i = 0; i < r.findings_size(); ++i) {
    absl::string_view line = lines[2 + i];
    if (i + 1 < r.findings_size()) {
      ASSERT_TRUE(absl::ConsumeSuffix(&line, ",")) << i;
    }
    onus::v1::Finding f;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(std::string(line), &f).ok())
        << line;
    EXPECT_EQ(f.SerializeAsString(), r.findings(i).SerializeAsString()) << i;
  }

  onus::v1::Report unlisted = r;
  unlisted.mutable_policies()->DeleteSubrange(0, 1);  // the S3 policy
  const std::string sarif = Streamed(unlisted, Format::kSarif);
  EXPECT_EQ(sarif, RenderSarif(unlisted));
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(sarif, &doc).ok());
  const auto& rules = doc.fields()
                          .at("runs")
                          .list_value()
                          .values(0)
                          .struct_value()
                          .fields()
                          .at("tool")
                          .struct_value()
                          .fields()
                          .at("driver")
                          .struct_value()
                          .fields()
                          .at("rules")
                          .list_value();
  ASSERT_EQ(rules.values_size(), 2);
  EXPECT_EQ(rules.values(1).struct_value().fields().at("id").string_value(),
            "aws.s3.block_public_access");
  EXPECT_EQ(SarifResults(doc)
                .values(0)
                .struct_value()
                .fields()
                .at("ruleIndex")
                .number_value(),
            1);

  for (Format f : {Format::kJunit, Format::kHtml}) {
    EXPECT_EQ(Streamed(r, f), "") << FormatName(f);
  }
}

TEST(WritersTest, JunitCountsAndEscapes) {
  std::string xml = RenderJunit(SampleReport());
  EXPECT_THAT(xml, HasSubstr("tests=\"4\" failures=\"1\" errors=\"1\" "
                             "skipped=\"1\""));
  EXPECT_THAT(xml, HasSubstr("&lt;public&gt;"));
  EXPECT_THAT(xml, Not(HasSubstr("<public>")));
}

TEST(WritersTest, CsvQuotesFieldsWithCommasAndQuotes) {
  std::string csv = RenderCsv(SampleReport());
  EXPECT_THAT(csv, HasSubstr("\"arn:aws:s3:::open, \"\"quoted\"\"\""));
  // Header + 4 rows, CRLF line ends.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
  for (size_t i = csv.find('\n'); i != std::string::npos;
       i = csv.find('\n', i + 1)) {
    ASSERT_TRUE(i > 0 && csv[i - 1] == '\r') << i;
  }
  // Sixteen columns in every row, the last one empty when unwaived.
  EXPECT_THAT(csv, HasSubstr(",abc123,\r\n"));
}

TEST(WritersTest, HtmlCountsMatchTheReport) {
  std::string html = RenderHtml(SampleReport());
  EXPECT_THAT(html, HasSubstr("<b id=\"count-fail\">1</b>"));
  EXPECT_THAT(html, HasSubstr("<b id=\"count-error\">1</b>"));
  EXPECT_THAT(html, HasSubstr("<b id=\"count-waived\">1</b>"));
  EXPECT_THAT(html, HasSubstr("id=\"sev-critical-error\" class=\"err\">1<"));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("Responsibility matrix"));
  EXPECT_THAT(html, HasSubstr("id=\"matrix-iaas-identity\""));
  EXPECT_THAT(html, Not(HasSubstr("<public>")));  // escaped
  EXPECT_THAT(html, Not(HasSubstr("<script")));   // self-contained, no JS
}

// Text rows: FAIL and ERROR only (all with verbose), most severe first and
// in report order within a severity.
TEST(WritersTest, TextOrdersRowsBySeverityThenReportOrder) {
  onus::v1::Report r = SampleReport();
  r.clear_findings();
  const onus::v1::Severity sev[] = {onus::v1::LOW, onus::v1::CRITICAL,
                                    onus::v1::LOW, onus::v1::HIGH,
                                    onus::v1::CRITICAL};
  for (int i = 0; i < 5; ++i) {
    onus::v1::Finding* f = r.add_findings();
    f->set_policy_id(absl::StrCat("p", i));
    f->set_resource_id(absl::StrCat("res", i));
    f->set_severity(sev[i]);
    f->set_outcome(i == 2 ? onus::v1::ERROR : onus::v1::FAIL);
  }
  onus::v1::Finding* pass = r.add_findings();
  pass->set_policy_id("p5");
  pass->set_resource_id("res5");
  pass->set_severity(onus::v1::CRITICAL);
  pass->set_outcome(onus::v1::PASS);
  std::string text = RenderText(r, {});
  std::vector<size_t> at;
  for (const char* id : {"res1", "res4", "res3", "res0", "res2"}) {
    at.push_back(text.find(id));
    ASSERT_NE(at.back(), std::string::npos) << id;
  }
  EXPECT_TRUE(std::is_sorted(at.begin(), at.end())) << text;
  EXPECT_EQ(text.find("res5"), std::string::npos);
  RenderOptions verbose;
  verbose.verbose = true;
  text = RenderText(r, verbose);
  EXPECT_LT(text.find("res4"), text.find("res5"));
  EXPECT_LT(text.find("res5"), text.find("res3"));
}

TEST(WritersTest, TextShowsFailuresWithEvidenceAndASummary) {
  RenderOptions opts;
  std::string text = RenderText(SampleReport(), opts);
  EXPECT_THAT(text, HasSubstr("FAIL"));
  EXPECT_THAT(text, HasSubstr("because: b.public_access_block.block_public_acls"
                              "  (policies/aws/s3.onus:14:13)"));
  EXPECT_THAT(text, HasSubstr("1 pass, 1 fail, 1 error"));
  EXPECT_THAT(text, Not(HasSubstr("\x1b[")));  // no colour unless asked
  opts.color = true;
  EXPECT_THAT(RenderText(SampleReport(), opts), HasSubstr("\x1b[31m"));
}

}  // namespace
}  // namespace onus::engine::report
