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
        if (p["partition"].get(partition) || partition < 0 || p["consumer_lag"].get(lag) || lag < 0) continue;
        if (!assigned.count({std::string(topic), static_cast<int32_t>(partition)})) continue;
        out->lags.push_back({std::string(topic), static_cast<int32_t>(partition), lag});
      }
    }
  }
  return true;
}

}  // namespace newsflow::pipeline
