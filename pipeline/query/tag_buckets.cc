// tag_buckets.cc — see tag_buckets.h.
#include "pipeline/query/tag_buckets.h"

#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace newsflow::pipeline {

namespace {

std::string Bucket(const TimeZone& zone, bool hourly, int64_t time_ms) {
  const CivilTime t = zone.ToCivil(time_ms);
  return hourly ? fmt::format("{:04}-{:02}-{:02} {:02}:00", t.year, t.month, t.day, t.hour)
                : fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
}

// True if the query filters on nothing but time and sources: what the
// indexes answer without reading a document (a key is "<source>:<id>").
bool IndexAnswers(const storage::QueryOptions& q) {
  return q.tags.empty() && q.any_tags.empty() && q.not_tags.empty() && q.text.empty() && q.stock.empty();
}

}  // namespace

Status CountTagBuckets(storage::Store& store, const storage::QueryOptions& q, const TimeZone& zone, bool hourly,
                       const std::set<std::string>& wanted, const std::function<bool()>& keep_going,
                       TagBucketCounts* out) {
  out->clear();
  bool stopped = false;
  if (IndexAnswers(q)) {
    // The tag index holds each (tag, time, key) once: count its entries
    // instead of reading every document (a tag of the 400k-document store:
    // 4.5 s -> 0.07 s). "*" is the time index; one snapshot for all.
    const std::vector<std::string> tags =
        wanted.empty() ? std::vector<std::string>{""} : std::vector<std::string>(wanted.begin(), wanted.end());
    NEWSFLOW_RETURN_IF_ERROR(store.ForEachIndexEntry(
        tags, wanted.empty(), q.since_ms, q.until_ms, [&](std::string_view tag, int64_t t, std::string_view key) {
          if (storage::KeyOfSources(key, q.sources)) ++(*out)[{Bucket(zone, hourly, t), tag.empty() ? "*" : std::string(tag)}];
          if (keep_going && !keep_going()) stopped = true;
          return !stopped;
        }));
    return stopped ? Status::Aborted("stopped") : Status::OK();
  }
  NEWSFLOW_RETURN_IF_ERROR(store.ForEach(q, [&](const storage::Record& r) {
    const std::string bucket = Bucket(zone, hourly, r.time_ms);
    if (wanted.empty()) ++(*out)[{bucket, "*"}];
    for (const auto& tag : r.tags)
      if (wanted.empty() || wanted.count(tag.tag)) ++(*out)[{bucket, tag.tag}];
    if (keep_going && !keep_going()) stopped = true;
    return !stopped;
  }));
  return stopped ? Status::Aborted("stopped") : Status::OK();
}

}  // namespace newsflow::pipeline
