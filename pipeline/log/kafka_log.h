// kafka_log.h — librdkafka's own log lines (connection failures, broker
// state, group coordination) routed through newsflow's logger (logger.h),
// component "kafka", instead of librdkafka's raw "%3|...|FAIL|..." lines on
// stderr. The message names the client and the facility:
//
//   newsflow#consumer-1 FAIL: [thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to ... failed
//
// Every rd_kafka_conf_t newsflow creates gets RouteKafkaLogs() before
// rd_kafka_new(). librdkafka then calls the callback from its own threads;
// Log() is thread-safe, so no log queue is needed.
//
// Ownership: nothing is kept; the callback is a plain function. Errors: none.
#pragma once

#include <librdkafka/rdkafka.h>

#include "pipeline/log/logger.h"

namespace newsflow::pipeline {

// syslog level (librdkafka's: 0 emerg .. 7 debug) -> logger level:
// 0-3 error, 4 warn, 5-6 info, 7 debug.
LogLevel KafkaLogLevel(int syslog_level);

// Sets the log callback on `conf` (to be called before rd_kafka_new()).
void RouteKafkaLogs(rd_kafka_conf_t* conf);

}  // namespace newsflow::pipeline
