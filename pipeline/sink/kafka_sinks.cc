// kafka_sinks.cc — alert and dead-letter sinks on one Kafka topic each.
#include "pipeline/sink/kafka_sinks.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <vector>

#include "pipeline/sink/kafka_producer.h"
#include "pipeline/sink/record_json.h"
#include "pipeline/source/kafka_uri.h"

namespace newsflow::pipeline {
namespace {

// A sink's kafka://BROKERS/TOPIC: one topic, only rdkafka.* parameters
// (returned without their prefix). `what` prefixes errors.
Status ParseSinkUri(const std::string& spec, const std::string& what, KafkaUri* uri,
                    std::map<std::string, std::string>* settings) {
  NEWSFLOW_RETURN_IF_ERROR(ParseKafkaUri(spec, uri).Prefixed(what));
  if (uri->topics.size() != 1) return Status::InvalidArgument(what + ": exactly one topic expected in '" + spec + "'");
  // A pattern names the topics a consumer reads; a producer writes one.
  if (uri->topics[0][0] == '^')
    return Status::InvalidArgument(what + ": '" + uri->topics[0] + "' is a pattern; a sink writes one topic, in '" +
                                   spec + "'");
  for (const auto& [k, v] : uri->params) {
    if (k.rfind("rdkafka.", 0) != 0)
      return Status::InvalidArgument(what + ": unknown parameter '" + k + "' (known: rdkafka.NAME)");
    (*settings)[k.substr(8)] = v;
  }
  return Status::OK();
}

// One topic written through an idempotent producer; `what` prefixes errors.
class TopicWriter {
 public:
  // kafka://BROKERS/TOPIC with only rdkafka.* parameters.
  Status Open(const std::string& spec, std::string what) {
    what_ = std::move(what);
    KafkaUri uri;
    std::map<std::string, std::string> settings;
    NEWSFLOW_RETURN_IF_ERROR(ParseSinkUri(spec, what_, &uri, &settings));
    topic_ = uri.topics[0];
    NEWSFLOW_RETURN_IF_ERROR(KafkaProducer::Open(uri.brokers, settings, &producer_, topic_));
    // Flush waits for the producer's own message timeout, and then some.
    const auto it = settings.find("message.timeout.ms");
    timeout_ms_ = (it != settings.end() ? std::atoi(it->second.c_str()) : 30000) + 10000;
    return Status::OK();
  }
  Status Produce(std::string_view key, std::string_view value, const std::vector<KafkaHeader>& headers = {}) {
    return producer_->Produce(topic_, key, value, headers).Prefixed(what_);
  }
  Status Flush() { return producer_->Flush(timeout_ms_).Prefixed(what_); }

 private:
  std::unique_ptr<KafkaProducer> producer_;
  std::string topic_, what_;
  int timeout_ms_ = 0;
};

class KafkaAlertSink : public AlertSink {
 public:
  explicit KafkaAlertSink(TopicWriter w) : w_(std::move(w)) {}
  Status PublishJson(std::string_view id, std::string_view json) override { return w_.Produce(id, json); }
  Status Flush() override { return w_.Flush(); }

 private:
  TopicWriter w_;
};

class KafkaDeadLetterSink : public DeadLetterSink {
 public:
  explicit KafkaDeadLetterSink(TopicWriter w) : w_(std::move(w)) {}
  Status Publish(const Item& it) override {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::vector<KafkaHeader> h = {{"newsflow.reason", it.error},
                                  {"newsflow.position", it.position},
                                  {"newsflow.time_ms", std::to_string(now_ms)}};
    if (it.kafka) {
      h.push_back({"newsflow.topic", it.kafka->topic});
      h.push_back({"newsflow.partition", std::to_string(it.kafka->partition)});
      h.push_back({"newsflow.offset", std::to_string(it.kafka->offset)});
      if (it.kafka->key) h.push_back({"newsflow.key", *it.kafka->key});
    }
    return w_.Produce(it.position, it.raw, h);
  }
  Status Flush() override { return w_.Flush(); }

 private:
  TopicWriter w_;
};

}  // namespace

Status CheckKafkaSinkUri(const std::string& spec, const std::string& what) {
  KafkaUri uri;
  std::map<std::string, std::string> settings;
  NEWSFLOW_RETURN_IF_ERROR(ParseSinkUri(spec, what, &uri, &settings));
  return KafkaProducer::CheckSettings(uri.brokers, settings).Prefixed(what);
}

Status OpenKafkaAlertSink(const std::string& spec, std::unique_ptr<AlertSink>* out) {
  TopicWriter w;
  NEWSFLOW_RETURN_IF_ERROR(w.Open(spec, "alerts"));
  *out = std::make_unique<KafkaAlertSink>(std::move(w));
  return Status::OK();
}

Status OpenKafkaTaggedSink(const std::string& spec, std::unique_ptr<AlertSink>* out) {
  TopicWriter w;
  NEWSFLOW_RETURN_IF_ERROR(w.Open(spec, "tagged documents"));
  *out = std::make_unique<KafkaAlertSink>(std::move(w));
  return Status::OK();
}

Status OpenKafkaDeadLetterSink(const std::string& spec, std::unique_ptr<DeadLetterSink>* out) {
  TopicWriter w;
  NEWSFLOW_RETURN_IF_ERROR(w.Open(spec, "dead letters"));
  *out = std::make_unique<KafkaDeadLetterSink>(std::move(w));
  return Status::OK();
}

Status OpenDeadLetterSink(const std::string& spec, std::unique_ptr<DeadLetterSink>* out) {
  if (!IsKafkaUri(spec)) {
    return Status::InvalidArgument("unknown dead-letter destination '" + spec + "' (expected kafka://HOST:PORT/TOPIC)");
  }
  return OpenKafkaDeadLetterSink(spec, out);
}

}  // namespace newsflow::pipeline
