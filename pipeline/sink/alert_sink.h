// alert_sink.h — where alerts go: documents carrying a tag whose rule says
// `alert: true`, published only after the document is durably stored.
//
// Destinations: "file:PATH" appends JSON Lines, flushed per batch
// (file_alert_sink.h); "kafka://HOST:PORT/TOPIC" publishes with an idempotent
// producer keyed by document key, and Flush() waits for the delivery reports
// (kafka_sinks.h). The value is RecordToJson(record) (record_json.h).
//
// Ownership: the runner owns its sink. Threads: used by the writer thread
// only. Errors: Status; a failed Publish or Flush ends the run (exit 1) before
// the batch's offsets are acknowledged.
#pragma once

#include <memory>
#include <string>

#include "newsflow/base/status.h"
#include "newsflow/storage/record.h"

namespace newsflow::pipeline {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Queues one alert.
  virtual Status Publish(const storage::Record& record) = 0;
  // Makes everything queued so far durable (file) or delivered (Kafka).
  virtual Status Flush() = 0;
};

// Opens a sink from its destination ("file:PATH" or "kafka://..."); an
// unknown scheme is InvalidArgument.
Status OpenAlertSink(const std::string& spec, std::unique_ptr<AlertSink>* out);

}  // namespace newsflow::pipeline
