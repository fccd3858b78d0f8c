// tag_buckets.cc — see tag_buckets.h.
#include "pipeline/query/tag_buckets.h"

#include <fmt/format.h>

namespace newsflow::pipeline {

Status CountTagBuckets(storage::Store& store, const storage::QueryOptions& q, const TimeZone& zone, bool hourly,
                       const std::set<std::string>& wanted, const std::function<bool()>& keep_going,
                       TagBucketCounts* out) {
  out->clear();
  bool stopped = false;
  NEWSFLOW_RETURN_IF_ERROR(store.ForEach(q, [&](const storage::Record& r) {
    const CivilTime t = zone.ToCivil(r.time_ms);
    const std::string bucket = hourly ? fmt::format("{:04}-{:02}-{:02} {:02}:00", t.year, t.month, t.day, t.hour)
                                      : fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
    if (wanted.empty()) ++(*out)[{bucket, "*"}];
    for (const auto& tag : r.tags)
      if (wanted.empty() || wanted.count(tag.tag)) ++(*out)[{bucket, tag.tag}];
    if (keep_going && !keep_going()) stopped = true;
    return !stopped;
  }));
  return stopped ? Status::Aborted("stopped") : Status::OK();
}

}  // namespace newsflow::pipeline
