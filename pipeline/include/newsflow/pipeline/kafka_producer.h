// kafka_producer.h — an idempotent librdkafka producer that reports delivery
// failures loudly, and the two sinks built on it:
//
//   --alerts      kafka://HOST:PORT/TOPIC   alert documents (see alert_sink.h)
//   --dead-letter kafka://HOST:PORT/TOPIC   dead-lettered raw records (DLQ)
//
// Both are used by the runner's writer thread after the batch they come from
// is durably stored, and Flush() (once per batch) waits for the broker's
// delivery reports: a batch's alerts and dead letters are acknowledged by
// Kafka before its offsets go to Kafka and before the writer moves on. A
// delivery error ends the run with the error (exit 1). A crash between the
// store write and the acknowledgement can lose that batch's alerts/DLQ
// messages (they are still in RocksDB: `newsflow query`, `dead-letter`);
// no alert is ever published for a document that is not stored.
//
// ALERTS: key = document key ("cls:2370637"), value = RecordToJson(record)
// (key, source, time, title, url, tags, scores, spans with matched text).
//
// DEAD LETTERS: value = the raw record bytes exactly as read (so the message
// can be re-injected after a fix), key = its position ("kafka:TOPIC/P@OFFSET"
// or "file:PATH:LINE"), and headers:
//   newsflow.reason     why it was dead-lettered, e.g. "json: TAPE_ERROR ..."
//   newsflow.position   same as the key
//   newsflow.topic, newsflow.partition, newsflow.offset   (Kafka input only)
//   newsflow.time_ms    when it was dead-lettered (UTC ms, decimal)
//
// Producer settings: enable.idempotence=true (acks=all, no duplicates or
// reordering from retries), linger.ms=5, message.timeout.ms=30000,
// partitioner murmur2_random (same partition as Java clients for a key).
// URI parameters rdkafka.NAME=VALUE override librdkafka settings.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/pipeline/alert_sink.h"
#include "newsflow/pipeline/batch.h"

namespace newsflow::pipeline {

struct KafkaHeader {
  std::string name, value;
};

// Thread-compatible: one thread produces and flushes.
class KafkaProducer {
 public:
  // `settings` are librdkafka properties applied after newsflow's defaults.
  // nullptr and *error on a bad setting.
  static std::unique_ptr<KafkaProducer> Open(const std::string& brokers,
                                             const std::map<std::string, std::string>& settings,
                                             std::string* error);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues one message (empty key = null key; partition -1 = by key). Waits
  // while librdkafka's queue is full. Empty string = queued.
  std::string Produce(const std::string& topic, std::string_view key, std::string_view value,
                      const std::vector<KafkaHeader>& headers = {}, int32_t partition = -1);
  // Waits up to timeout_ms for every queued message's delivery report.
  // Returns the first delivery error since the previous Flush(), a timeout,
  // or "" when everything queued was acknowledged.
  std::string Flush(int timeout_ms);
  // Number of partitions of `topic` (metadata request), or -1 and *error.
  int PartitionCount(const std::string& topic, int timeout_ms, std::string* error);
  // Waits until the idempotent producer has its producer id, so that the
  // first messages are not held back (needs settings
  // statistics.interval.ms > 0, which is how the id state is observed).
  std::string WaitReady(int timeout_ms);
  uint64_t delivered() const;

 private:
  KafkaProducer() = default;
  struct State;
  std::unique_ptr<State> state_;
};

// Dead letters to a DLQ topic (format above).
class DeadLetterSink {
 public:
  virtual ~DeadLetterSink() = default;
  virtual std::string Publish(const Item& item) = 0;  // an item with a non-empty error
  virtual std::string Flush() = 0;
};

// kafka://HOST:PORT/TOPIC. nullptr and *error on failure.
std::unique_ptr<DeadLetterSink> OpenDeadLetterSink(const std::string& spec, std::string* error);

// kafka://HOST:PORT/TOPIC alert sink (OpenAlertSink dispatches here).
std::unique_ptr<AlertSink> OpenKafkaAlertSink(const std::string& spec, std::string* error);

}  // namespace newsflow::pipeline
