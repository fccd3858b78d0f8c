// Time zones from the system tz database and the --since/--until forms,
// with the clock fixed; the UTC "time" of query --json and --csv.
#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include "pipeline/query/query_time.h"
#include "pipeline/query/time_zone.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::pipeline {
namespace {

TimeZone Zone(const char* name) {
  TimeZone z;
  EXPECT_TRUE(TimeZone::Load(name, &z).ok()) << name;
  return z;
}

// 2026-07-31T16:30:00Z = 2026-08-01 00:30 in Shanghai (already the next day there).
constexpr int64_t kNow = 1785515400000;

int64_t Parse(const char* s, const TimeZone& z, TimeBound b = TimeBound::kSince) {
  int64_t ms = 0;
  std::string why;
  EXPECT_TRUE(ParseQueryTime(s, z, kNow, b, &ms, &why)) << s << ": " << why;
  return ms;
}

TEST(TimeZone, FormatsInTheZone) {
  EXPECT_EQ(Zone("Asia/Shanghai").Format(kNow), "2026-08-01 00:30:00 +08:00");
  EXPECT_EQ(Zone("UTC").Format(kNow), "2026-07-31 16:30:00 +00:00");
  EXPECT_EQ(Zone("America/New_York").Format(kNow), "2026-07-31 12:30:00 -04:00");  // summer time
  EXPECT_EQ(Zone("America/New_York").Format(1767225600000), "2025-12-31 19:00:00 -05:00");
  EXPECT_EQ(Zone("Asia/Kolkata").FormatOffset(kNow), "+05:30");
}

// A store an older binary wrote may hold any int64 time: each still prints
// as a time, the milliseconds floored (never negative), a year outside
// 0000..9999 with its sign (ISO 8601's expanded years).
TEST(FormatTime, EveryStoredTimePrintsAsATime) {
  EXPECT_EQ(FormatTime(kNow), "2026-07-31T16:30:00.000Z");
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTime(-62135596800001), "0000-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTime(std::numeric_limits<int64_t>::max()), "+292278994-08-17T07:12:55.807Z");
  EXPECT_EQ(FormatTime(std::numeric_limits<int64_t>::min()), "-292275055-05-16T16:47:04.192Z");
  EXPECT_EQ(Zone("UTC").Format(-1), "1969-12-31 23:59:59 +00:00");
}

TEST(TimeZone, UnknownZonesAreRejected) {
  TimeZone z;
  for (const char* bad : {"Asia/Shangai", "", "/etc/passwd", "../../etc/passwd", "Mars/Olympus"})
    EXPECT_FALSE(TimeZone::Load(bad, &z).ok()) << bad;
}

TEST(TimeZone, DisplayZoneFlagThenEnvironmentThenShanghai) {
  TimeZone z;
  unsetenv("NEWSFLOW_TZ");
  ASSERT_TRUE(DisplayZone("", &z).ok());
  EXPECT_EQ(z.name(), "Asia/Shanghai");
  setenv("NEWSFLOW_TZ", "Europe/London", 1);
  ASSERT_TRUE(DisplayZone("", &z).ok());
  EXPECT_EQ(z.name(), "Europe/London");
  ASSERT_TRUE(DisplayZone("UTC", &z).ok());
  EXPECT_EQ(z.name(), "UTC");
  setenv("NEWSFLOW_TZ", "Nowhere/Atall", 1);
  EXPECT_FALSE(DisplayZone("", &z).ok());
  unsetenv("NEWSFLOW_TZ");
}

// 2026-08-01T00:00:00Z; Shanghai's midnight of that day is 8 hours earlier.
constexpr int64_t kAug1Utc = 1785542400000;
constexpr int64_t kHour = 3600000;
constexpr int64_t kDay = 24 * kHour;

TEST(QueryTime, AbsoluteTimesAreReadInTheZone) {
  const TimeZone sh = Zone("Asia/Shanghai");
  EXPECT_EQ(Parse("2026-08-01", sh), kAug1Utc - 8 * kHour);
  EXPECT_EQ(Parse("2026-08-01 08:00", sh), kAug1Utc);
  EXPECT_EQ(Parse("2026-08-01T08:00:00", sh), kAug1Utc);
  EXPECT_EQ(Parse("2026-08-01T08:00:00Z", sh), kAug1Utc + 8 * kHour) << "Z is UTC whatever the zone";
  EXPECT_EQ(Parse("1785542400000", sh), kAug1Utc);
  EXPECT_EQ(Parse("2026-08-01", sh, TimeBound::kUntil), kAug1Utc - 8 * kHour + kDay - 1);
  EXPECT_EQ(Parse("2026-08-01", Zone("UTC")), kAug1Utc);
}

TEST(QueryTime, RelativeTimes) {
  const TimeZone sh = Zone("Asia/Shanghai");
  EXPECT_EQ(Parse("now", sh), kNow);
  EXPECT_EQ(Parse("2h", sh), kNow - 2 * kHour);
  EXPECT_EQ(Parse("30m", sh), kNow - 30 * 60000);
  EXPECT_EQ(Parse("3d", sh), kNow - 3 * kDay);
  EXPECT_EQ(Parse("1w", sh), kNow - 7 * kDay);
  const int64_t sh_today = kAug1Utc - 8 * kHour;  // kNow is 00:30 on 2026-08-01 in Shanghai
  EXPECT_EQ(Parse("today", sh), sh_today);
  EXPECT_EQ(Parse("yesterday", sh), sh_today - kDay);
  EXPECT_EQ(Parse("yesterday", sh, TimeBound::kUntil), sh_today - 1);
  EXPECT_EQ(Parse("today", sh, TimeBound::kUntil), sh_today + kDay - 1);
  // In UTC it is still 2026-07-31 at kNow.
  EXPECT_EQ(Parse("today", Zone("UTC")), 1785456000000);
  // A DST day: New York's 2026-03-08 has 23 hours; "today" at noon that day.
  const TimeZone ny = Zone("America/New_York");
  int64_t ms;
  std::string why;
  ASSERT_TRUE(ParseQueryTime("today", ny, 1772989200000 /* 2026-03-08T17:00Z */, TimeBound::kSince, &ms, &why));
  EXPECT_EQ(ms, 1772946000000) << "midnight EST = 05:00Z";
  ASSERT_TRUE(ParseQueryTime("today", ny, 1772989200000, TimeBound::kUntil, &ms, &why));
  EXPECT_EQ(ms, 1773028800000 - 1) << "the next midnight is EDT = 04:00Z";
}

TEST(QueryTime, BadTimesAreRejected) {
  const TimeZone sh = Zone("Asia/Shanghai");
  for (const char* bad : {"", "2h30", "h", "-2h", "2y", "tomorrow", "2026-13-01", "2026-05-18 12:00:00garbage",
                          "99999999999999999999", "last tuesday", "10000000000h"}) {
    int64_t ms;
    std::string why;
    EXPECT_FALSE(ParseQueryTime(bad, sh, kNow, TimeBound::kSince, &ms, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

// A number of 10 digits or fewer as unix ms is a time before 1970-04-27:
// unix seconds typed for ms (1783000000) would select 1970 silently. It is
// refused, and the message names what to write instead; 11 digits are ms.
TEST(QueryTime, ShortNumbersAreNotTakenAsUnixMs) {
  const TimeZone sh = Zone("Asia/Shanghai");
  for (const char* s : {"0", "1000", "86400000", "1783000000", "20260801"}) {
    int64_t ms;
    std::string why;
    EXPECT_FALSE(ParseQueryTime(s, sh, kNow, TimeBound::kUntil, &ms, &why)) << s;
    EXPECT_NE(why.find("unix seconds"), std::string::npos) << s << ": " << why;
    EXPECT_NE(why.find("1970-01-01"), std::string::npos) << s << ": " << why;
    EXPECT_EQ(why.find("--until"), std::string::npos) << "prune's --before and the API's since= read it too: " << why;
  }
  EXPECT_EQ(Parse("10000000000", sh), 10000000000) << "11 digits: unix ms";
}

}  // namespace
}  // namespace newsflow::pipeline
