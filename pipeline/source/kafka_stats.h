// kafka_stats.h — what the Kafka source reads from librdkafka's statistics
// JSON (statistics.interval.ms): whether a cluster broker is up, and the
// consumer lag of the partitions this member is assigned.
//
// librdkafka keeps reporting a partition after it is revoked (with the lag
// of its last fetch), so the lags are filtered by the member's current
// assignment: a partition another member owns is not this member's lag.
// Where librdkafka has no lag (it knows no committed offset of the
// partition: newsflow assigns at its own stored offsets and commits
// asynchronously, or not at all with ?commit=none), a partition it is
// fetching gets its end (last stable offset, else high watermark) less the
// application's position (app_offset, else the offset being fetched): one
// whose fetch keeps failing shows its backlog instead of nothing.
//
// Ownership: ConsumerStats is a plain value. Threads: a pure function (the
// source calls it from librdkafka's stats callback). Errors: false for a
// document that does not parse.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/source/source.h"

namespace newsflow::pipeline {

struct ConsumerStats {
  bool brokers_known = false;  // at least one cluster broker (not a bootstrap entry) is listed
  bool broker_up = false;      // ... and one of them is in state UP
  std::vector<PartitionLag> lags;  // assigned partitions with a known lag (>= 0)
};

// Parses one statistics document. `assigned` is the member's current
// assignment (topic, partition); other partitions are left out. A document
// that does not parse gives ok=false and nothing else.
bool ParseConsumerStats(std::string_view json, const std::set<std::pair<std::string, int32_t>>& assigned,
                        ConsumerStats* out);

}  // namespace newsflow::pipeline
