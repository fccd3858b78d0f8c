// time_zone.h — a named IANA time zone from the system tz database, for
// showing times and reading --since/--until in the desk's zone.
//
// The zone data is the system's (Debian `tzdata`: /usr/share/zoneinfo, or
// $TZDIR); nothing here holds its own tables. Conversions go through the C
// library (localtime_r, mktime), whose zone is the process-global TZ: every
// conversion takes one process-wide mutex and points TZ at its zone only
// when another zone was last set (so a run of conversions in one zone costs
// no re-read). Nothing else in newsflow reads TZ (the pipeline's own time
// math is UTC: decode/time_util.h), so conversions are safe from any thread.
// One caveat the C library imposes: setenv() is not synchronized with
// getenv() in other threads, so the first conversion in a zone should not
// race another thread's getenv (the CLI converts on its main thread; the
// RocksDB threads of a reader do not read the environment after open).
//
// A TimeZone is a small value (its name); copy it freely. Load() fails with
// InvalidArgument for a name that is not a zone file of the database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "newsflow/base/status.h"

namespace newsflow::pipeline {

// The zone the human outputs use when neither --tz nor NEWSFLOW_TZ names one:
// the desks read Beijing time.
inline constexpr std::string_view kDefaultDisplayZone = "Asia/Shanghai";

// A local civil time.
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

class TimeZone {
 public:
  // "UTC" until Load()ed.
  TimeZone() = default;

  // `name` is an IANA zone id ("Asia/Shanghai", "Europe/London", "UTC").
  static Status Load(std::string_view name, TimeZone* out);

  const std::string& name() const { return name_; }

  // Offset from UTC, in seconds, at the instant utc_ms.
  int64_t OffsetSecondsAt(int64_t utc_ms) const;
  // The local civil time at utc_ms.
  CivilTime ToCivil(int64_t utc_ms) const;
  // The UTC ms of a local civil time. A time skipped by a DST change is read
  // as the C library does (shifted forward); a repeated one as its first
  // occurrence.
  int64_t FromCivil(const CivilTime& t) const;

  // "2026-05-14 08:08:23 +08:00" (seconds; the offset says which zone).
  std::string Format(int64_t utc_ms) const;
  // "+08:00" at utc_ms.
  std::string FormatOffset(int64_t utc_ms) const;

 private:
  std::string name_ = "UTC";
};

// The zone of the human outputs: `flag` (--tz) if non-empty, else
// $NEWSFLOW_TZ if set and non-empty, else kDefaultDisplayZone. Fails like
// TimeZone::Load, naming where the bad name came from.
Status DisplayZone(std::string_view flag, TimeZone* out);

}  // namespace newsflow::pipeline
