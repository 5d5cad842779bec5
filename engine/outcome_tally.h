// Counts of (policy, resource) outcomes, shared by the evaluator's summaries
// and the report writers.
#ifndef ONUS_ENGINE_OUTCOME_TALLY_H_
#define ONUS_ENGINE_OUTCOME_TALLY_H_

#include <cstdint>

#include "onus/v1/report.pb.h"

namespace onus::engine {

struct OutcomeTally {
  uint64_t pass = 0, fail = 0, error = 0, na = 0, waived = 0;

  void Add(onus::v1::Outcome o) {
    switch (o) {
      case onus::v1::PASS:
        ++pass;
        break;
      case onus::v1::FAIL:
        ++fail;
        break;
      case onus::v1::ERROR:
        ++error;
        break;
      case onus::v1::NOT_APPLICABLE:
        ++na;
        break;
      case onus::v1::WAIVED:
        ++waived;
        break;
      default:
        break;
    }
  }
  void Merge(const OutcomeTally& c) {
    pass += c.pass;
    fail += c.fail;
    error += c.error;
    na += c.na;
    waived += c.waived;
  }
  // Pairs whose duty was decided (errors count: the duty was not shown met).
  uint64_t evaluated() const { return pass + fail + error; }
  uint64_t total() const { return pass + fail + error + na + waived; }
  void ToProto(onus::v1::OutcomeCounts* out) const {
    out->set_pass(pass);
    out->set_fail(fail);
    out->set_error(error);
    out->set_not_applicable(na);
    out->set_waived(waived);
  }
};

}  // namespace onus::engine

#endif  // ONUS_ENGINE_OUTCOME_TALLY_H_
