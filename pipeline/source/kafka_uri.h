// kafka_uri.h — the `kafka://` addresses that name a broker, topics and
// options for the Kafka source, the alert sink and the dead-letter sink.
//
//   kafka://HOST:PORT[,HOST:PORT...]/TOPIC[,TOPIC...][?key=value&key=value...]
//
// Values are taken literally (no percent-decoding); a key given twice is
// refused. Topic names follow Kafka's rule (1-249 of a-z A-Z 0-9 . _ -), or
// start with ^ (a pattern librdkafka subscribes to). A key `rdkafka.NAME=VALUE`
// passes NAME=VALUE to librdkafka unchanged, for settings newsflow does not
// name itself (e.g. rdkafka.session.timeout.ms=6000).
//
// Ownership: KafkaUri is a plain value. Threads: pure functions. Errors:
// InvalidArgument with the reason (ParseKafkaUri).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/base/status.h"

namespace newsflow::pipeline {

struct KafkaUri {
  std::string brokers;                        // "host:port[,host:port]"
  std::vector<std::string> topics;            // at least one
  std::map<std::string, std::string> params;  // the query string
};

// The non-empty items of a comma-separated list ("h1:9092,h2:9092").
std::vector<std::string> SplitComma(std::string_view s);

// True if `spec` starts with "kafka://".
bool IsKafkaUri(std::string_view spec);

// Parses a kafka:// address. InvalidArgument with the reason if it is not one.
Status ParseKafkaUri(std::string_view spec, KafkaUri* out);

}  // namespace newsflow::pipeline
