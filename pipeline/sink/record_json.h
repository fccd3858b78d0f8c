// record_json.h — JSON for stored records (query --json, alerts) and a
// string escaper that keeps output valid UTF-8 whatever the input bytes.
//
// Ownership: RecordJsonOptions borrows `also` and `zone` for the call.
// Threads: pure functions, thread-safe. Errors: none (invalid UTF-8 is
// replaced, never refused).
#pragma once

#include <string>
#include <vector>
#include <string_view>

#include "newsflow/storage/record.h"
#include "pipeline/query/time_zone.h"

namespace newsflow::pipeline {

// Appends `s` as a JSON string literal. Invalid UTF-8 becomes U+FFFD.
void AppendJsonString(std::string* out, std::string_view s);

// Appends a JSON array of the strings (each as AppendJsonString writes it).
void AppendJsonStringArray(std::string* out, const std::vector<std::string>& items);

// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD
// (the same rule as AppendJsonString; used by the CSV output).
std::string ValidUtf8(std::string_view s);

// UTC ISO-8601 with milliseconds, e.g. "2026-05-14T00:08:23.000Z"; any
// int64 (before 1970: the milliseconds floored; a year outside 0..9999
// signed, "+292278994-08-17T07:12:55.807Z").
std::string FormatTime(int64_t time_ms);

struct RecordJsonOptions {
  bool body = false;   // include the body text
  bool spans = true;   // include spans with the matched original text
  const std::vector<std::string>* also = nullptr;  // if set: "also", the story's other members
  const TimeZone* zone = nullptr;  // if set: "local_time" in that zone and "tz" (its name), after time_ms
};

// One JSON object (no newline): key, source, time, time_ms, [local_time, tz,]
// title, [body,] url, level,
// stocks (as the feed sent them), stock_codes (canonical, same order, "" =
// none), labels [{field, name}] (the feed's topic names), tags [ids], scores
// {id: score}, spans [{tag, keyword, field, begin, end, text}] (field
// "title"/"body": byte offsets and the original text; "label": begin = the
// index in labels, text = its name), ruleset_version, story (the key itself
// for a document stored before story ids), and "also" when options.also is set.
std::string RecordToJson(const storage::Record& r, const RecordJsonOptions& options = {});

}  // namespace newsflow::pipeline
