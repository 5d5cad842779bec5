// Timestamp and duration accessors. Timestamps are read in UTC unless a
// time zone is given: an IANA name ("America/Los_Angeles", loaded from the
// system tzdata through absl/cctz, which caches zones) or a fixed offset
// ("+05:30", "-08:00").
#include "absl/time/time.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "engine/builtins/internal.h"

namespace onus::engine {
namespace {

using builtins_internal::Err;
using builtins_internal::FirstError;
using builtins_internal::NoOverload;

// "[+-]HH:MM" (cel-go also accepts a missing sign).
bool ParseOffset(absl::string_view s, int* seconds) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  if (s.size() != 5 || s[2] != ':' || !absl::ascii_isdigit(s[0]) ||
      !absl::ascii_isdigit(s[1]) || !absl::ascii_isdigit(s[3]) ||
      !absl::ascii_isdigit(s[4])) {
    return false;
  }
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return false;
  *seconds = sign * (h * 3600 + m * 60);
  return true;
}

bool LoadZone(absl::string_view name, absl::TimeZone* tz) {
  int offset;
  if (name.find(':') != absl::string_view::npos) {
    if (!ParseOffset(name, &offset)) return false;
    *tz = absl::FixedTimeZone(offset);
    return true;
  }
  if (name == "UTC" || name == "utc") {
    *tz = absl::UTCTimeZone();
    return true;
  }
  // Zone names become file paths under /usr/share/zoneinfo: accept only
  // IANA-style names so user input cannot point elsewhere.
  if (name.empty() || name.size() > 64 || name[0] == '/' ||
      name.find("..") != absl::string_view::npos) {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '/' && c != '_' && c != '-' &&
        c != '+') {
      return false;
    }
  }
  return absl::LoadTimeZone(std::string(name), tz);
}

enum class Part {
  kFullYear,
  kMonth,
  kDayOfYear,
  kDayOfMonth,
  kDate,
  kDayOfWeek,
  kHours,
  kMinutes,
  kSeconds,
  kMilliseconds,
};

constexpr const char* kPartNames[] = {
    "getFullYear", "getMonth",       "getDayOfYear", "getDayOfMonth",
    "getDate",     "getDayOfWeek",   "getHours",     "getMinutes",
    "getSeconds",  "getMilliseconds"};

Value DurationPart(CallContext& ctx, Part part, const Value* args,
                   uint32_t argc) {
  if (argc != 1) return NoOverload(ctx, kPartNames[int(part)], args, argc);
  absl::int128 nanos = builtins_internal::TotalNanos(args[0]);
  int64_t div;
  switch (part) {
    case Part::kHours:
      div = int64_t{3600} * 1000000000;
      break;
    case Part::kMinutes:
      div = int64_t{60} * 1000000000;
      break;
    case Part::kSeconds:
      div = 1000000000;
      break;
    case Part::kMilliseconds:
      // The milliseconds component, not the total (CEL spec and the
      // conformance suite).
      return Value::Int(args[0].nanos() / 1000000);
    default:
      return NoOverload(ctx, kPartNames[int(part)], args, argc);
  }
  return Value::Int(static_cast<int64_t>(nanos / div));  // truncates
}

template <Part P>
Value Getter(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  const Value& t = args[0];
  if (t.kind == Kind::kDuration) return DurationPart(ctx, P, args, argc);
  if (t.kind != Kind::kTimestamp ||
      (argc == 2 && args[1].kind != Kind::kString)) {
    return NoOverload(ctx, kPartNames[int(P)], args, argc);
  }
  absl::TimeZone tz = absl::UTCTimeZone();
  if (argc == 2 && !LoadZone(args[1].string_view(), &tz)) {
    return Err(ctx, ErrorCode::kInvalidArgument,
               absl::StrCat("unknown time zone '", args[1].string_view(), "'"));
  }
  absl::CivilSecond cs = absl::ToCivilSecond(absl::FromUnixSeconds(t.i), tz);
  switch (P) {
    case Part::kFullYear:
      return Value::Int(cs.year());
    case Part::kMonth:
      return Value::Int(cs.month() - 1);
    case Part::kDayOfYear:
      return Value::Int(absl::GetYearDay(absl::CivilDay(cs)) - 1);
    case Part::kDayOfMonth:
      return Value::Int(cs.day() - 1);
    case Part::kDate:
      return Value::Int(cs.day());
    case Part::kDayOfWeek: {
      // absl weekdays start at Monday; CEL counts from Sunday = 0.
      int wd = static_cast<int>(absl::GetWeekday(absl::CivilDay(cs)));
      return Value::Int((wd + 1) % 7);
    }
    case Part::kHours:
      return Value::Int(cs.hour());
    case Part::kMinutes:
      return Value::Int(cs.minute());
    case Part::kSeconds:
      return Value::Int(cs.second());
    case Part::kMilliseconds:
      return Value::Int(t.nanos() / 1000000);
  }
  return Value();
}

const Builtin kTime[] = {
    {"getFullYear", true, 1, 2, Getter<Part::kFullYear>},
    {"getMonth", true, 1, 2, Getter<Part::kMonth>},
    {"getDayOfYear", true, 1, 2, Getter<Part::kDayOfYear>},
    {"getDayOfMonth", true, 1, 2, Getter<Part::kDayOfMonth>},
    {"getDate", true, 1, 2, Getter<Part::kDate>},
    {"getDayOfWeek", true, 1, 2, Getter<Part::kDayOfWeek>},
    {"getHours", true, 1, 2, Getter<Part::kHours>},
    {"getMinutes", true, 1, 2, Getter<Part::kMinutes>},
    {"getSeconds", true, 1, 2, Getter<Part::kSeconds>},
    {"getMilliseconds", true, 1, 2, Getter<Part::kMilliseconds>},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> TimeBuiltins() { return kTime; }
}  // namespace builtins_internal

}  // namespace onus::engine
