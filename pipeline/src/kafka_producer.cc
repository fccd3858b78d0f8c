// kafka_producer.cc — idempotent producer with delivery-report checking, and
// the Kafka alert and dead-letter sinks.
#include "newsflow/pipeline/kafka_producer.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "newsflow/pipeline/kafka_uri.h"
#include "newsflow/pipeline/record_json.h"

namespace newsflow::pipeline {

struct KafkaProducer::State {
  rd_kafka_t* rk = nullptr;
  std::mutex mu;
  std::string first_error;  // first delivery error since the last Flush()
  uint64_t failed = 0;
  std::atomic<uint64_t> delivered{0};
  int message_timeout_ms = 30000;
  std::atomic<bool> id_assigned{false};  // from statistics, when enabled

  static int OnStats(rd_kafka_t*, char* json, size_t len, void* opaque) {
    const std::string_view j(json, len);
    const size_t at = j.find("\"idemp_state\"");
    if (at != std::string_view::npos && j.substr(at, 40).find("\"Assigned\"") != std::string_view::npos)
      static_cast<State*>(opaque)->id_assigned.store(true);
    return 0;  // librdkafka frees json
  }

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* s = static_cast<State*>(opaque);
    if (!m->err) {
      ++s->delivered;
      return;
    }
    std::lock_guard lock(s->mu);
    ++s->failed;
    if (s->first_error.empty()) {
      std::string key = m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : "(null)";
      s->first_error = std::string("delivery to ") + rd_kafka_topic_name(m->rkt) + " failed (key " + key +
                       "): " + rd_kafka_err2str(m->err);
    }
  }
  static void OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* s = static_cast<State*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      std::lock_guard lock(s->mu);
      if (s->first_error.empty()) s->first_error = std::string("kafka producer fatal error: ") + reason;
      return;
    }
    // Transport errors while a broker restarts are retried by librdkafka;
    // only a delivery report decides whether a message failed.
    (void)reason;
  }
};

std::unique_ptr<KafkaProducer> KafkaProducer::Open(const std::string& brokers,
                                                   const std::map<std::string, std::string>& settings,
                                                   std::string* error) {
  std::unique_ptr<KafkaProducer> p(new KafkaProducer());
  p->state_ = std::make_unique<State>();
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::map<std::string, std::string> all = {
      {"bootstrap.servers", brokers}, {"client.id", "newsflow"},        {"enable.idempotence", "true"},
      {"linger.ms", "5"},             {"message.timeout.ms", "30000"}, {"partitioner", "murmur2_random"},
      {"log.connection.close", "false"}};
  for (const auto& [k, v] : settings) all[k] = v;
  for (const auto& [k, v] : all) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      *error = "kafka producer: " + k + "=" + v + ": " + errstr;
      return nullptr;
    }
  }
  p->state_->message_timeout_ms = std::atoi(all["message.timeout.ms"].c_str());
  rd_kafka_conf_set_opaque(conf, p->state_.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &State::OnDelivery);
  rd_kafka_conf_set_error_cb(conf, &State::OnError);
  rd_kafka_conf_set_stats_cb(conf, &State::OnStats);
  p->state_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!p->state_->rk) {
    rd_kafka_conf_destroy(conf);
    *error = std::string("kafka producer: ") + errstr;
    return nullptr;
  }
  return p;
}

KafkaProducer::~KafkaProducer() {
  if (state_ && state_->rk) {
    rd_kafka_flush(state_->rk, 5000);
    rd_kafka_destroy(state_->rk);
  }
}

std::string KafkaProducer::Produce(const std::string& topic, std::string_view key, std::string_view value,
                                   const std::vector<KafkaHeader>& headers, int32_t partition) {
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& h : headers)
        rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                            static_cast<ssize_t>(h.value.size()));
    }
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        state_->rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_poll(state_->rk, 0);  // serve delivery reports
      return "";
    }
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return "produce to " + topic + ": " + rd_kafka_err2str(err);
    rd_kafka_poll(state_->rk, 100);
  }
}

std::string KafkaProducer::Flush(int timeout_ms) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(state_->rk, timeout_ms);
  std::lock_guard lock(state_->mu);
  std::string e = std::move(state_->first_error);
  state_->first_error.clear();
  if (!e.empty()) {
    if (state_->failed > 1) e += " (and " + std::to_string(state_->failed - 1) + " more)";
    state_->failed = 0;
    return e;
  }
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
    return std::to_string(rd_kafka_outq_len(state_->rk)) + " messages not acknowledged by Kafka within " +
           std::to_string(timeout_ms / 1000) + " s";
  return "";
}

int KafkaProducer::PartitionCount(const std::string& topic, int timeout_ms, std::string* error) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(state_->rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(state_->rk, 0, t, &md, timeout_ms);
  rd_kafka_topic_destroy(t);
  if (err) {
    *error = "metadata for " + topic + ": " + rd_kafka_err2str(err);
    return -1;
  }
  int n = -1;
  if (md->topic_cnt == 1 && !md->topics[0].err) n = md->topics[0].partition_cnt;
  else *error = "topic " + topic + ": " + rd_kafka_err2str(md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN);
  rd_kafka_metadata_destroy(md);
  return n;
}

std::string KafkaProducer::WaitReady(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!state_->id_assigned.load()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return "the idempotent producer got no producer id within " + std::to_string(timeout_ms / 1000) + " s";
    rd_kafka_poll(state_->rk, 20);
  }
  return "";
}

uint64_t KafkaProducer::delivered() const { return state_->delivered.load(); }

namespace {

// kafka://BROKERS/TOPIC with only rdkafka.* parameters.
std::unique_ptr<KafkaProducer> OpenForSink(const std::string& spec, const char* what, std::string* topic,
                                           int* timeout_ms, std::string* error) {
  KafkaUri uri;
  if (std::string e = ParseKafkaUri(spec, &uri); !e.empty()) {
    *error = std::string(what) + ": " + e;
    return nullptr;
  }
  if (uri.topics.size() != 1) {
    *error = std::string(what) + ": exactly one topic expected in '" + spec + "'";
    return nullptr;
  }
  std::map<std::string, std::string> settings;
  for (const auto& [k, v] : uri.params) {
    if (k.rfind("rdkafka.", 0) != 0) {
      *error = std::string(what) + ": unknown parameter '" + k + "' (known: rdkafka.NAME)";
      return nullptr;
    }
    settings[k.substr(8)] = v;
  }
  *topic = uri.topics[0];
  auto p = KafkaProducer::Open(uri.brokers, settings, error);
  if (!p) return nullptr;
  const auto it = settings.find("message.timeout.ms");
  *timeout_ms = (it != settings.end() ? std::atoi(it->second.c_str()) : 30000) + 10000;
  return p;
}

class KafkaAlertSink : public AlertSink {
 public:
  KafkaAlertSink(std::unique_ptr<KafkaProducer> p, std::string topic, int timeout_ms)
      : p_(std::move(p)), topic_(std::move(topic)), timeout_ms_(timeout_ms) {}
  std::string Publish(const storage::Record& r) override {
    if (std::string e = p_->Produce(topic_, r.key, RecordToJson(r)); !e.empty()) return "alerts: " + e;
    return "";
  }
  std::string Flush() override {
    if (std::string e = p_->Flush(timeout_ms_); !e.empty()) return "alerts: " + e;
    return "";
  }

 private:
  std::unique_ptr<KafkaProducer> p_;
  std::string topic_;
  int timeout_ms_;
};

class KafkaDeadLetterSink : public DeadLetterSink {
 public:
  KafkaDeadLetterSink(std::unique_ptr<KafkaProducer> p, std::string topic, int timeout_ms)
      : p_(std::move(p)), topic_(std::move(topic)), timeout_ms_(timeout_ms) {}
  std::string Publish(const Item& it) override {
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
    }
    if (std::string e = p_->Produce(topic_, it.position, it.raw, h); !e.empty()) return "dead letters: " + e;
    return "";
  }
  std::string Flush() override {
    if (std::string e = p_->Flush(timeout_ms_); !e.empty()) return "dead letters: " + e;
    return "";
  }

 private:
  std::unique_ptr<KafkaProducer> p_;
  std::string topic_;
  int timeout_ms_;
};

}  // namespace

std::unique_ptr<DeadLetterSink> OpenDeadLetterSink(const std::string& spec, std::string* error) {
  if (!IsKafkaUri(spec)) {
    *error = "unknown dead-letter destination '" + spec + "' (expected kafka://HOST:PORT/TOPIC)";
    return nullptr;
  }
  std::string topic;
  int timeout_ms = 0;
  auto p = OpenForSink(spec, "dead letters", &topic, &timeout_ms, error);
  if (!p) return nullptr;
  return std::make_unique<KafkaDeadLetterSink>(std::move(p), topic, timeout_ms);
}

std::unique_ptr<AlertSink> OpenKafkaAlertSink(const std::string& spec, std::string* error) {
  std::string topic;
  int timeout_ms = 0;
  auto p = OpenForSink(spec, "alerts", &topic, &timeout_ms, error);
  if (!p) return nullptr;
  return std::make_unique<KafkaAlertSink>(std::move(p), topic, timeout_ms);
}

}  // namespace newsflow::pipeline
