// query_time.h — the times `query --since/--until` accept, read in the
// display zone.
//
//   2026-07-01                 that day's local midnight (--until: through its last millisecond)
//   2026-07-01 09:30[:00]      local time (also with 'T')
//   2026-07-01T01:30:00Z       UTC (a trailing Z)
//   1778688503000              unix milliseconds (11+ digits)
//   today, yesterday           local midnight of today / yesterday (--until: through that day's end)
//   now                        the current instant
//   30m, 2h, 3d, 1w            that long before now (s, m/min, h, d, w)
//
// Pure except for the zone conversions (time_zone.h) and ParseQueryTimes'
// reading of the wall clock; `now_ms` is passed in so tests can fix the
// clock. Errors: ParseQueryTime returns false, with *error saying what was
// expected; ParseQueryTimes returns InvalidArgument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/query/time_zone.h"

namespace newsflow::pipeline {

enum class TimeBound { kSince, kUntil };

bool ParseQueryTime(std::string_view s, const TimeZone& zone, int64_t now_ms, TimeBound bound, int64_t* out_ms,
                    std::string* error);

// True for a time read against the clock (now, today, yesterday, 3d ...):
// the same text names another instant when read again later.
bool IsRelativeQueryTime(std::string_view s);

// The --since/--until pair of a command or request (an empty text: no
// bound), read at the wall clock's now. InvalidArgument "bad time 'TEXT':
// WHY" for the first that does not parse. Whether since <= until is the
// caller's check (its message names its own options).
Status ParseQueryTimes(std::string_view since, std::string_view until, const TimeZone& zone,
                       std::optional<int64_t>* since_ms, std::optional<int64_t>* until_ms);

}  // namespace newsflow::pipeline
