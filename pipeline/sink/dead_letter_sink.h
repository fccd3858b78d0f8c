// dead_letter_sink.h — where dead letters go besides the store: a Kafka
// dead-letter topic (kafka_sinks.h), published after the batch they come
// from is durably stored.
//
// A dead letter's message value is the raw record bytes exactly as read (so
// it can be re-injected after a fix), its key is its position
// ("kafka:TOPIC/P@OFFSET" or "file:PATH:LINE"), and its headers are:
//   newsflow.reason     why it was dead-lettered, e.g. "json: TAPE_ERROR ..."
//   newsflow.position   same as the key
//   newsflow.topic, newsflow.partition, newsflow.offset   (Kafka input only)
//   newsflow.key        the source message's key, raw bytes (Kafka input with
//                       a non-null key only; the store's dead letter has no
//                       field for it)
//   newsflow.time_ms    when it was dead-lettered (UTC ms, decimal)
//
// Ownership: the runner owns its sink. Threads: the writer thread only.
// Errors: Status; a failed Publish or Flush ends the run (exit 1).
#pragma once

#include <memory>
#include <string>

#include "newsflow/base/status.h"
#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

class DeadLetterSink {
 public:
  virtual ~DeadLetterSink() = default;
  // Queues one item whose `error` is set.
  virtual Status Publish(const Item& item) = 0;
  virtual Status Flush() = 0;
};

// "kafka://HOST:PORT/TOPIC"; anything else is InvalidArgument.
Status OpenDeadLetterSink(const std::string& spec, std::unique_ptr<DeadLetterSink>* out);

}  // namespace newsflow::pipeline
