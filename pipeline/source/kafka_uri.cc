// kafka_uri.cc — parsing kafka://BROKERS/TOPICS?PARAMS.
#include "pipeline/source/kafka_uri.h"

#include <algorithm>
#include <charconv>

namespace newsflow::pipeline {

std::vector<std::string> SplitComma(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool IsKafkaUri(std::string_view spec) { return spec.rfind("kafka://", 0) == 0; }

Status ParseKafkaUri(std::string_view spec, KafkaUri* out) {
  *out = KafkaUri{};
  const std::string usage = "expected kafka://HOST:PORT/TOPIC[,TOPIC][?key=value&...], got '" + std::string(spec) + "'";
  if (!IsKafkaUri(spec)) return Status::InvalidArgument(usage);
  std::string_view rest = spec.substr(8);
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return Status::InvalidArgument(usage);
  out->brokers = std::string(rest.substr(0, slash));
  for (const auto& b : SplitComma(out->brokers)) {
    const size_t colon = b.rfind(':');
    if (colon == std::string::npos) return Status::InvalidArgument("kafka broker '" + b + "' has no :PORT in '" + std::string(spec) + "'");
    // A port librdkafka cannot use would have it retry port 0 for ever.
    const std::string_view port = std::string_view(b).substr(colon + 1);
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n == 0 || n > 65535)
      return Status::InvalidArgument("kafka broker '" + b + "': the port must be a number from 1 to 65535, in '" +
                                     std::string(spec) + "'");
  }
  out->topics = SplitComma(rest.substr(slash + 1));
  if (out->topics.empty()) return Status::InvalidArgument(usage);
  // Kafka's own rule for a topic's name (a space, say, made a consumer wait
  // for ever for a topic that cannot exist). A name starting with ^ is a
  // pattern (librdkafka subscribes to the topics it matches).
  for (const auto& t : out->topics) {
    const bool legal = t.size() <= 249 && t != "." && t != ".." && std::all_of(t.begin(), t.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
             c == '-';
    });
    if (!legal && t[0] != '^')
      return Status::InvalidArgument("bad kafka topic '" + t + "' in '" + std::string(spec) +
                                     "': a topic's name is 1 to 249 of a-z A-Z 0-9 . _ -");
  }
  size_t i = 0;
  while (i < query.size()) {
    size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    const std::string_view kv = query.substr(i, j - i);
    i = j + 1;
    if (kv.empty()) continue;
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return Status::InvalidArgument("bad kafka parameter '" + std::string(kv) + "' (expected key=value) in '" + std::string(spec) + "'");
    // Twice (group=a&group=b) is a mistake whichever one was meant.
    if (!out->params.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1))).second)
      return Status::InvalidArgument("kafka parameter '" + std::string(kv.substr(0, eq)) + "' given twice in '" +
                                     std::string(spec) + "'");
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
