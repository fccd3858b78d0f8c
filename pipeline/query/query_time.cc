// query_time.cc — see query_time.h.
#include "pipeline/query/query_time.h"

#include <chrono>
#include <tuple>

#include <charconv>

#include "pipeline/decode/time_util.h"

namespace newsflow::pipeline {
namespace {

constexpr int64_t kDayMs = 86400000;

// Local midnight of the day `days_back` days before the local day of now_ms
// (negative: after). mktime normalizes a day number out of the month's range.
int64_t LocalMidnight(const TimeZone& zone, int64_t now_ms, int days_back) {
  CivilTime c = zone.ToCivil(now_ms);
  c.day -= days_back;
  c.hour = c.minute = c.second = 0;
  return zone.FromCivil(c);
}

// "2h", "30m", "3d": the count and the unit's milliseconds.
bool ParseAgo(std::string_view s, int64_t* ago_ms) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return false;
  int64_t n = 0;
  std::from_chars(s.data(), s.data() + digits, n);
  const std::string_view unit = s.substr(digits);
  int64_t unit_ms;
  if (unit == "s") unit_ms = 1000;
  else if (unit == "m" || unit == "min") unit_ms = 60000;
  else if (unit == "h") unit_ms = 3600000;
  else if (unit == "d") unit_ms = kDayMs;
  else if (unit == "w") unit_ms = 7 * kDayMs;
  else return false;
  *ago_ms = n * unit_ms;
  return true;
}

}  // namespace

bool ParseQueryTime(std::string_view s, const TimeZone& zone, int64_t now_ms, TimeBound bound, int64_t* out_ms,
                    std::string* error) {
  const bool until = bound == TimeBound::kUntil;
  int64_t ago = 0;
  if (s == "now") {
    *out_ms = now_ms;
    return true;
  }
  if (s == "today" || s == "yesterday") {
    const int back = s == "today" ? 0 : 1;
    *out_ms = until ? LocalMidnight(zone, now_ms, back - 1) - 1 : LocalMidnight(zone, now_ms, back);
    return true;
  }
  if (ParseAgo(s, &ago)) {
    *out_ms = now_ms - ago;
    return true;
  }
  if (!s.empty() && s.back() == 'Z') {  // UTC, the old form
    if (!ParseTimeArg(s, out_ms)) goto bad;
    if (until && s.size() == 11) *out_ms += kDayMs - 1;
    return true;
  }
  if (s.find_first_not_of("0123456789") == std::string_view::npos && s.size() > 10) {
    if (!ParseTimeArg(s, out_ms)) goto bad;
    return true;
  }
  // Unix ms of 10 digits or fewer are times before 1970-04-27: far more
  // likely unix seconds (10 digits now), which would silently select 1970.
  // Said as what it is, with the two ways out.
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos) {
    *error = "a number of " + std::to_string(s.size()) +
             " digit(s) as unix ms is a time before 1970-04-27; unix seconds need 000 appended (unix ms have 11 "
             "or more digits), a date is YYYY-MM-DD; documents with no time are at 1970-01-01";
    return false;
  }
  {
    // A civil time in the zone: read its fields as if UTC, then place them in the zone.
    int64_t as_utc;
    if (s.size() < 10 || !ParseTimeArg(s, &as_utc)) goto bad;
    CivilTime c = TimeZone().ToCivil(as_utc);  // TimeZone() is UTC
    if (until && s.size() == 10) {  // a date: through its end
      c.day += 1;
      *out_ms = zone.FromCivil(c) - 1;
    } else {
      *out_ms = zone.FromCivil(c);
    }
    return true;
  }
bad:
  *error = "expected YYYY-MM-DD[ HH:MM[:SS]] (in the display zone), the same with a trailing Z (UTC), unix ms, "
           "today, yesterday, now, or an age such as 30m, 2h, 3d, 1w";
  return false;
}

bool IsRelativeQueryTime(std::string_view s) {
  int64_t ago = 0;
  return s == "now" || s == "today" || s == "yesterday" || ParseAgo(s, &ago);
}

Status ParseQueryTimes(std::string_view since, std::string_view until, const TimeZone& zone,
                       std::optional<int64_t>* since_ms, std::optional<int64_t>* until_ms) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (auto [text, dst, bound] : {std::tuple{since, since_ms, TimeBound::kSince},
                                  std::tuple{until, until_ms, TimeBound::kUntil}}) {
    if (text.empty()) continue;
    int64_t ms = 0;
    std::string why;
    if (!ParseQueryTime(text, zone, now, bound, &ms, &why))
      return Status::InvalidArgument("bad time '" + std::string(text) + "': " + why);
    *dst = ms;
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
