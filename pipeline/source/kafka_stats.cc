// kafka_stats.cc — see kafka_stats.h.
#include "pipeline/source/kafka_stats.h"

#include <simdjson.h>

namespace newsflow::pipeline {

bool ParseConsumerStats(std::string_view json, const std::set<std::pair<std::string, int32_t>>& assigned,
                        ConsumerStats* out) {
  *out = ConsumerStats{};
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) return false;
  simdjson::dom::object brokers;
  if (!root["brokers"].get(brokers)) {
    for (auto [name, b] : brokers) {
      int64_t nodeid = -1;
      std::string_view state;
      if (b["nodeid"].get(nodeid) || nodeid < 0 || b["state"].get(state)) continue;  // bootstrap entries
      out->brokers_known = true;
      if (state == "UP") out->broker_up = true;
    }
  }
  simdjson::dom::object topics;
  if (!root["topics"].get(topics)) {
    for (auto [topic, t] : topics) {
      simdjson::dom::object partitions;
      if (t["partitions"].get(partitions)) continue;
      for (auto [id, p] : partitions) {
        int64_t lag = -1, partition = -1;
        if (p["partition"].get(partition) || partition < 0) continue;
        if (!assigned.count({std::string(topic), static_cast<int32_t>(partition)})) continue;
        if (p["consumer_lag"].get(lag)) lag = -1;
        // librdkafka's consumer_lag is the partition's end less the committed
        // offset it knows, -1 while it knows none: newsflow assigns each
        // partition at the offset its own store holds and commits
        // asynchronously, so until its first commit of the partition (never,
        // with ?commit=none) there is none, and a partition stuck at its
        // first message (a fetch that keeps failing) had no series at all.
        // Then, while it is fetching, the lag is the end (the last stable
        // offset under read_committed, else the high watermark) less the
        // application's position: past the last message handed to it, or,
        // before any, the offset being fetched.
        if (lag < 0) {
          std::string_view state;
          int64_t ls = -1, hi = -1, app = -1, next = -1;
          if (!p["fetch_state"].get(state) && state == "active") {
            if (p["ls_offset"].get(ls)) ls = -1;
            if (p["hi_offset"].get(hi)) hi = -1;
            if (p["app_offset"].get(app)) app = -1;
            if (p["next_offset"].get(next)) next = -1;
            const int64_t end = ls >= 0 ? ls : hi, at = app >= 0 ? app : next;
            if (end >= 0 && at >= 0) lag = end > at ? end - at : 0;
          }
        }
        if (lag < 0) continue;
        out->lags.push_back({std::string(topic), static_cast<int32_t>(partition), lag});
      }
    }
  }
  return true;
}

}  // namespace newsflow::pipeline
