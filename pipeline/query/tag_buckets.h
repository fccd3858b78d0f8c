// tag_buckets.h — documents per tag per local hour or day: the analyst's
// view (`newsflow stats`, GET /api/tags).
//
// Every document matching the query counts once under each of its tags
// (only the `wanted` ones, when given) and, when `wanted` is empty, under
// "*" (all documents). Buckets are "YYYY-MM-DD" or "YYYY-MM-DD HH:00" in
// `zone`. Streamed over the store (ForEach): nothing is loaded but the
// counts.
//
// Ownership: borrows the store. Threads: any (store reads). Errors: the
// store's Status; Aborted when keep_going() returned false.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "newsflow/storage/store.h"
#include "pipeline/query/time_zone.h"

namespace newsflow::pipeline {

using TagBucketCounts = std::map<std::pair<std::string, std::string>, uint64_t>;  // (bucket, tag) -> documents

Status CountTagBuckets(storage::Store& store, const storage::QueryOptions& q, const TimeZone& zone, bool hourly,
                       const std::set<std::string>& wanted, const std::function<bool()>& keep_going,
                       TagBucketCounts* out);

}  // namespace newsflow::pipeline
