// alert_sink.h — where alerts go, published only after their document is
// durably stored: subscription alerts (one per subscription and story,
// job/alert_stage.h), and documents carrying a tag whose rule says
// `alert: true`.
//
// Destinations: "file:PATH" appends JSON Lines, flushed per batch
// (file_alert_sink.h); "kafka://HOST:PORT/TOPIC" publishes with an idempotent
// producer keyed by the alert's id (a subscription alert's
// `<subscription>/<story>`, a document alert's key), and Flush() waits for
// the delivery reports (kafka_sinks.h).
//
// Ownership: the runner owns its sink. Threads: used by the writer thread
// only. Errors: Status; a failed Publish or Flush ends the run (exit 1) before
// the batch's offsets are acknowledged.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "newsflow/base/status.h"
#include "newsflow/storage/record.h"

namespace newsflow::pipeline {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Queues one alert: `json` is one JSON object, `id` its identity (the
  // Kafka message key; consumers de-duplicate by it).
  virtual Status PublishJson(std::string_view id, std::string_view json) = 0;
  // Queues a document alert: RecordToJson(record), keyed by its key.
  Status Publish(const storage::Record& record);
  // Makes everything queued so far durable (file) or delivered (Kafka).
  virtual Status Flush() = 0;
};

// Opens a sink from its destination ("file:PATH" or "kafka://..."); an
// unknown scheme is InvalidArgument.
// `stop` (may be null): the run's stop request, which ends a file sink's
// wait for a pipe's reader (OpenFileAlertSink).
Status OpenAlertSink(const std::string& spec, std::unique_ptr<AlertSink>* out,
                     const std::atomic<bool>* stop = nullptr);

}  // namespace newsflow::pipeline
