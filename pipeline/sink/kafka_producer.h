// kafka_producer.h — an idempotent librdkafka producer that reports delivery
// failures loudly. The alert and dead-letter sinks (kafka_sinks.h) and
// `newsflow produce` are built on it.
//
// Producer settings: enable.idempotence=true (acks=all, no duplicates or
// reordering from retries), linger.ms=5, message.timeout.ms=30000,
// partitioner murmur2_random (same partition as Java clients for a key).
// Settings given to Open() override these.
//
// message.max.bytes is 16 MiB, so that the broker's limit decides. A message
// refused for its size can never be delivered: by the producer, or by the
// broker when it travelled in a record batch of its own (at least
// batch.size long; a shorter one may have been refused for its batch, a
// failure as any other). It is logged as an error naming its key and
// dropped, not retried and not a failure of the flush, so that one
// oversized document or alert does not stop every later one (an alert
// stays in the store's log).
//
// A topic whose max.message.bytes is below batch.size (1 MB) refuses whole
// record batches of ordinary messages, on every restart too. Open() asks
// the broker for the limit of the topic it is opened for (3 s at most) and
// makes its batches fit under it. Should a shorter message still be refused
// for its batch (the limit unknown at Open, or lowered since), it is sent
// again in a batch of its own, by a second producer that sends one message
// per batch, and so is every later message to that topic, after the ones
// waiting to be sent again (said once in a warning); only a message refused
// alone is dropped as above. Flush() waits for those too. (Messages of the
// first refused batches that a smaller batch after them overtook stay
// overtaken.)
//
// Ownership: the caller owns the producer; the destructor flushes for up to
// 5 s and destroys the handle. Threads: thread-compatible, one thread
// produces and flushes. Errors: Status (InvalidArgument for a bad setting,
// Unavailable for delivery failures and time-outs).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/base/status.h"

namespace newsflow::pipeline {

struct KafkaHeader {
  std::string name, value;
};

// Thread-compatible: one thread produces and flushes.
class KafkaProducer {
 public:
  // `settings` are librdkafka properties applied after newsflow's defaults.
  // `topic`: the topic it will write, whose limit sizes the batches (see
  // above; "" or a batch.size in `settings`: not asked).
  static Status Open(const std::string& brokers, const std::map<std::string, std::string>& settings,
                     std::unique_ptr<KafkaProducer>* out, const std::string& topic = "");
  // The settings Open() would refuse, without a broker (a silent handle is
  // made and dropped: kafka_settings_check.h).
  static Status CheckSettings(const std::string& brokers, const std::map<std::string, std::string>& settings);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues one message (empty key = null key; partition -1 = by key). Waits
  // while librdkafka's queue is full.
  Status Produce(const std::string& topic, std::string_view key, std::string_view value,
                      const std::vector<KafkaHeader>& headers = {}, int32_t partition = -1);
  // Waits up to timeout_ms for every queued message's delivery report.
  // Returns the first delivery error since the previous Flush(), a timeout,
  // or OK when everything queued was acknowledged.
  Status Flush(int timeout_ms);
  // Number of partitions of `topic` (metadata request).
  Status PartitionCount(const std::string& topic, int timeout_ms, int* out);
  // Waits until the idempotent producer has its producer id, so that the
  // first messages are not held back (needs settings
  // statistics.interval.ms > 0, which is how the id state is observed).
  Status WaitReady(int timeout_ms);

 private:
  KafkaProducer() = default;
  static Status OpenHandle(const std::string& brokers, const std::map<std::string, std::string>& settings,
                           std::unique_ptr<KafkaProducer>* out);
  Status SendWaitingAlone(const std::string& topic);
  Status ResendAlone(int timeout_ms);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace newsflow::pipeline
