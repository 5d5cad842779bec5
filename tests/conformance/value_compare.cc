#include "tests/conformance/value_compare.h"

#include <cmath>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"

namespace onus::conformance {

namespace pb = ::google::protobuf;

namespace {

constexpr int kMaxDepth = 64;

const pb::FieldDescriptor* KindOf(const pb::Message& v) {
  const pb::OneofDescriptor* kind = v.GetDescriptor()->FindOneofByName("kind");
  if (kind == nullptr) return nullptr;
  return v.GetReflection()->GetOneofFieldDescriptor(v, kind);
}

std::string KindName(const pb::FieldDescriptor* f) {
  if (f == nullptr) return "unset";
  absl::string_view n = f->name();
  absl::ConsumeSuffix(&n, "_value");
  return std::string(n);
}

std::string Render(const pb::Message& v) { return ShortDebugString(v, 80); }

absl::Status Diff(absl::string_view path, absl::string_view what) {
  return absl::NotFoundError(path.empty() ? std::string(what)
                                          : absl::StrCat(path, ": ", what));
}

}  // namespace

absl::StatusOr<std::unique_ptr<pb::Message>> UnpackAny(
    const pb::Message& any, pb::MessageFactory* factory) {
  const pb::Descriptor* d = any.GetDescriptor();
  const pb::Reflection* r = any.GetReflection();
  std::string url = r->GetString(any, d->FindFieldByName("type_url"));
  std::string bytes = r->GetString(any, d->FindFieldByName("value"));
  absl::string_view name = url;
  size_t slash = name.rfind('/');
  if (slash != absl::string_view::npos) name.remove_prefix(slash + 1);
  const pb::Descriptor* type =
      d->file()->pool()->FindMessageTypeByName(std::string(name));
  if (type == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown message type ", url));
  }
  std::unique_ptr<pb::Message> m(factory->GetPrototype(type)->New());
  if (!m->ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("cannot parse ", url));
  }
  return m;
}

namespace {

absl::Status Compare(const pb::Message& want, const pb::Message& got,
                     pb::MessageFactory* factory, const std::string& path,
                     int depth) {
  if (depth > kMaxDepth) return Diff(path, "values nested too deeply");
  const pb::FieldDescriptor* wk = KindOf(want);
  const pb::FieldDescriptor* gk = KindOf(got);
  if (wk == nullptr || gk == nullptr || wk->number() != gk->number()) {
    return Diff(path,
                absl::StrCat("want ", Render(want), ", got ", Render(got)));
  }
  const pb::Reflection* wr = want.GetReflection();
  const pb::Reflection* gr = got.GetReflection();
  auto mismatch = [&]() {
    return Diff(path,
                absl::StrCat("want ", Render(want), ", got ", Render(got)));
  };
  switch (wk->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_ENUM:  // null_value
      return absl::OkStatus();
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return wr->GetBool(want, wk) == gr->GetBool(got, gk) ? absl::OkStatus()
                                                           : mismatch();
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return wr->GetInt64(want, wk) == gr->GetInt64(got, gk) ? absl::OkStatus()
                                                             : mismatch();
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return wr->GetUInt64(want, wk) == gr->GetUInt64(got, gk)
                 ? absl::OkStatus()
                 : mismatch();
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      double a = wr->GetDouble(want, wk), b = gr->GetDouble(got, gk);
      if (std::isnan(a) && std::isnan(b)) return absl::OkStatus();
      return a == b ? absl::OkStatus() : mismatch();
    }
    case pb::FieldDescriptor::CPPTYPE_STRING:  // string, bytes, type
      return wr->GetString(want, wk) == gr->GetString(got, gk)
                 ? absl::OkStatus()
                 : mismatch();
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;
    default:
      return Diff(path, absl::StrCat("unexpected value field ", wk->name()));
  }
  const pb::Message& wm = wr->GetMessage(want, wk);
  const pb::Message& gm = gr->GetMessage(got, gk);
  if (wk->name() == "enum_value") {
    return pb::util::MessageDifferencer::Equals(wm, gm) ? absl::OkStatus()
                                                        : mismatch();
  }
  if (wk->name() == "list_value") {
    const pb::FieldDescriptor* vf =
        wm.GetDescriptor()->FindFieldByName("values");
    int n = wm.GetReflection()->FieldSize(wm, vf);
    int m = gm.GetReflection()->FieldSize(gm, vf);
    if (n != m) {
      return Diff(path, absl::StrCat("want list of ", n, " elements, got ", m,
                                     ": ", Render(got)));
    }
    for (int i = 0; i < n; ++i) {
      absl::Status s =
          Compare(wm.GetReflection()->GetRepeatedMessage(wm, vf, i),
                  gm.GetReflection()->GetRepeatedMessage(gm, vf, i), factory,
                  absl::StrCat(path, "[", i, "]"), depth + 1);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (wk->name() == "map_value") {
    const pb::FieldDescriptor* ef =
        wm.GetDescriptor()->FindFieldByName("entries");
    const pb::Descriptor* entry = ef->message_type();
    const pb::FieldDescriptor* kf = entry->FindFieldByName("key");
    const pb::FieldDescriptor* vf = entry->FindFieldByName("value");
    int n = wm.GetReflection()->FieldSize(wm, ef);
    int m = gm.GetReflection()->FieldSize(gm, ef);
    if (n != m) {
      return Diff(path, absl::StrCat("want map of ", n, " entries, got ", m,
                                     ": ", Render(got)));
    }
    // Maps are unordered: find each wanted key among the actual entries.
    std::vector<bool> used(m, false);
    for (int i = 0; i < n; ++i) {
      const pb::Message& we = wm.GetReflection()->GetRepeatedMessage(wm, ef, i);
      const pb::Message& wkey = we.GetReflection()->GetMessage(we, kf);
      int found = -1;
      for (int j = 0; j < m && found < 0; ++j) {
        if (used[j]) continue;
        const pb::Message& ge =
            gm.GetReflection()->GetRepeatedMessage(gm, ef, j);
        if (Compare(wkey, ge.GetReflection()->GetMessage(ge, kf), factory, "",
                    depth + 1)
                .ok()) {
          found = j;
        }
      }
      std::string key_path = absl::StrCat(path, "{", Render(wkey), "}");
      if (found < 0) return Diff(key_path, "key missing");
      used[found] = true;
      const pb::Message& ge =
          gm.GetReflection()->GetRepeatedMessage(gm, ef, found);
      absl::Status s = Compare(we.GetReflection()->GetMessage(we, vf),
                               ge.GetReflection()->GetMessage(ge, vf), factory,
                               key_path, depth + 1);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (wk->name() == "object_value") {
    absl::StatusOr<std::unique_ptr<pb::Message>> a = UnpackAny(wm, factory);
    if (!a.ok()) return Diff(path, a.status().message());
    absl::StatusOr<std::unique_ptr<pb::Message>> b = UnpackAny(gm, factory);
    if (!b.ok()) return Diff(path, b.status().message());
    if ((*a)->GetDescriptor() != (*b)->GetDescriptor()) {
      return Diff(path,
                  absl::StrCat("want ", (*a)->GetDescriptor()->full_name(),
                               ", got ", (*b)->GetDescriptor()->full_name()));
    }
    pb::util::DefaultFieldComparator cmp;
    cmp.set_treat_nan_as_equal(true);
    pb::util::MessageDifferencer differ;
    differ.set_field_comparator(&cmp);
    std::string report;
    differ.ReportDifferencesToString(&report);
    if (differ.Compare(**a, **b)) return absl::OkStatus();
    absl::string_view first = report;
    size_t nl = first.find('\n');
    if (nl != absl::string_view::npos) first = first.substr(0, nl);
    return Diff(path, absl::StrCat((*a)->GetDescriptor()->full_name(),
                                   " differs: ", first));
  }
  return Diff(path, absl::StrCat("unexpected value kind ", KindName(wk)));
}

}  // namespace

absl::Status CompareValues(const pb::Message& want, const pb::Message& got,
                           pb::MessageFactory* factory) {
  return Compare(want, got, factory, "", 0);
}

std::string ShortDebugString(const pb::Message& m, size_t max_len) {
  pb::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.SetExpandAny(true);
  std::string out;
  printer.PrintToString(m, &out);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > max_len) {
    out.resize(max_len > 3 ? max_len - 3 : 0);
    out += "...";
  }
  return out;
}

}  // namespace onus::conformance
