// alert_sink.h — where alerts go: documents carrying a tag whose rule says
// `alert: true`, published only after the document is durably stored.
//
// Formats: "file:PATH" appends JSON Lines (flushed per batch);
// "kafka://HOST:PORT/TOPIC" publishes with an idempotent producer keyed by
// document key, and Flush() waits for the delivery reports (kafka_producer.h).
// Used by the writer thread only.
#pragma once

#include <memory>
#include <string>

#include "newsflow/storage/record.h"

namespace newsflow::pipeline {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Queues one alert (the record rendered as JSON). Empty string = ok.
  virtual std::string Publish(const storage::Record& record) = 0;
  // Makes everything queued so far durable/delivered. Empty string = ok.
  virtual std::string Flush() = 0;
};

// Opens a sink from its spec. nullptr and *error on failure.
std::unique_ptr<AlertSink> OpenAlertSink(const std::string& spec, std::string* error);

}  // namespace newsflow::pipeline
