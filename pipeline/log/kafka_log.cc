// kafka_log.cc — librdkafka's log callback (kafka_log.h).
#include "pipeline/log/kafka_log.h"

#include <fmt/format.h>

namespace newsflow::pipeline {
namespace {

void OnKafkaLog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  const LogLevel l = KafkaLogLevel(level);
  if (!LogEnabled(l)) return;
  Log(l, "kafka",
      fmt::format("{} {}: {}", rk ? rd_kafka_name(rk) : "rdkafka", facility ? facility : "", message ? message : ""));
}

}  // namespace

LogLevel KafkaLogLevel(int syslog_level) {
  if (syslog_level <= 3) return LogLevel::kError;
  if (syslog_level == 4) return LogLevel::kWarn;
  if (syslog_level <= 6) return LogLevel::kInfo;
  return LogLevel::kDebug;
}

void RouteKafkaLogs(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, &OnKafkaLog); }

}  // namespace newsflow::pipeline
