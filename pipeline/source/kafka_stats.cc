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
        // librdkafka 2.0 says -1 until a message of the partition reached
        // the application since it was assigned: a partition stuck at its
        // first message (a fetch that keeps failing) would have no lag at
        // all. While it is fetching, the lag is then the high watermark less
        // the next offset to fetch.
        if (lag < 0) {
          std::string_view state;
          int64_t hi = -1, next = -1;
          if (!p["fetch_state"].get(state) && state == "active" && !p["hi_offset"].get(hi) &&
              !p["next_offset"].get(next) && hi >= 0 && next >= 0)
            lag = hi > next ? hi - next : 0;
        }
        if (lag < 0) continue;
        out->lags.push_back({std::string(topic), static_cast<int32_t>(partition), lag});
      }
    }
  }
  return true;
}

}  // namespace newsflow::pipeline
