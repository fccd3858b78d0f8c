// time_util.h — civil time <-> UTC milliseconds, without the C library's
// time zone state (which is process-global and not thread-safe).
//
// Threads: pure functions, thread-safe. Errors: the parsers return false
// for text that is not such a time; nothing is thrown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace newsflow::pipeline {

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// The times a feed item may carry: 1990-01-01 (inclusive) to 2100-01-01
// (exclusive), UTC. Anything else is a wrong unit or a corrupt value.
inline constexpr int64_t kMinPlausibleTimeMs = 631152000000;   // 1990-01-01T00:00:00Z
inline constexpr int64_t kMaxPlausibleTimeMs = 4102444800000;  // 2100-01-01T00:00:00Z
inline bool PlausibleTimeMs(int64_t ms) { return ms >= kMinPlausibleTimeMs && ms < kMaxPlausibleTimeMs; }
// Why `ms` fails PlausibleTimeMs, for a dead letter: "out of range: N ms is
// not in 1990..2099 (UTC)".
std::string ImplausibleTimeReason(int64_t ms);

// Exactly "YYYY-MM-DD HH:MM:SS" (or with 'T'; nothing after it) in local time
// at UTC+tz_minutes -> UTC ms.
bool ParseDateTime(std::string_view s, int tz_minutes, int64_t* out_ms);

// A command-line time: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", the same with
// 'T', an optional trailing 'Z' (all UTC), or plain digits = unix ms.
bool ParseTimeArg(std::string_view s, int64_t* out_ms);

}  // namespace newsflow::pipeline
