// kafka_producer.cc — idempotent producer with delivery-report checking.
#include "pipeline/sink/kafka_producer.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>

#include "pipeline/log/kafka_log.h"
#include "pipeline/log/logger.h"
#include "pipeline/source/kafka_settings_check.h"

namespace newsflow::pipeline {

struct KafkaProducer::State {
  rd_kafka_t* rk = nullptr;
  std::string brokers;
  std::map<std::string, std::string> settings;  // as given to Open()
  std::mutex mu;
  // A message refused for its batch's size (see the header), to send again
  // alone; the topics whose messages now go one per batch; the producer
  // that sends them (opened at the first such refusal).
  struct Resend {
    std::string topic, key, value;
    std::vector<KafkaHeader> headers;
    int32_t partition = -1;
  };
  std::vector<Resend> resend;
  std::set<std::string> single_topics;
  std::unique_ptr<KafkaProducer> single;
  std::string first_error;  // first delivery error since the last Flush()
  uint64_t failed = 0;
  int message_timeout_ms = 30000;
  // batch.size: a message at least this long travels in a record batch of
  // its own, so a size refusal of it is about the message itself; a
  // shorter one may have been refused for the batch it was in.
  size_t batch_bytes = 1000000;
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
    if (!m->err) return;
    if (TooLarge(m->err) && m->len >= s->batch_bytes) {  // no retry will ever take it: said, not a failure
      Refused(rd_kafka_topic_name(m->rkt), m->key ? std::string_view(static_cast<const char*>(m->key), m->key_len)
                                                  : std::string_view("(null)"),
              m->len, m->err);
      return;
    }
    std::lock_guard lock(s->mu);
    if (TooLarge(m->err)) {  // refused for its batch: sent again alone (Flush)
      Resend r;
      r.topic = rd_kafka_topic_name(m->rkt);
      if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
      r.value.assign(static_cast<const char*>(m->payload), m->len);
      r.partition = m->partition;
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
          r.headers.push_back({name, value ? std::string(static_cast<const char*>(value), size) : std::string()});
      }
      if (s->single_topics.insert(r.topic).second)
        LogWarn("kafka", fmt::format("{} refused a record batch for its size ({}): the topic's max.message.bytes is "
                                     "below the producer's batch.size ({} bytes); its messages are now sent one per "
                                     "batch (set rdkafka.batch.size below the topic's limit to batch them)",
                                     r.topic, rd_kafka_err2str(m->err), s->batch_bytes));
      s->resend.push_back(std::move(r));
      return;
    }
    ++s->failed;
    if (s->first_error.empty()) {
      std::string key = m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : "(null)";
      s->first_error = std::string("delivery to ") + rd_kafka_topic_name(m->rkt) + " failed (key " + key +
                       "): " + rd_kafka_err2str(m->err);
    }
  }
  // A message larger than the producer's or the broker's limit
  // (message.max.bytes; the topic's max.message.bytes).
  static bool TooLarge(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE ||
           err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
  }
  static void Refused(std::string_view topic, std::string_view key, size_t bytes, rd_kafka_resp_err_t err) {
    LogError("kafka", fmt::format("{} refused the message of key {} ({} bytes): {}; it is not retried (raise the "
                                  "topic's max.message.bytes and the producer's rdkafka.message.max.bytes to publish "
                                  "such messages)",
                                  topic, key, bytes, rd_kafka_err2str(err)));
  }

  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* s = static_cast<State*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      LogError("kafka", std::string(rd_kafka_name(rk)) + ": fatal error: " + reason);
      std::lock_guard lock(s->mu);
      if (s->first_error.empty()) s->first_error = std::string("kafka producer fatal error: ") + reason;
      return;
    }
    // Transport errors while a broker restarts are retried by librdkafka
    // (which logs them itself, kafka_log.h); only a delivery report decides
    // whether a message failed.
    LogDebug("kafka", std::string(rd_kafka_name(rk)) + ": " + reason);
  }
};

namespace {

// newsflow's producer defaults with `settings` over them, set on a new
// librdkafka configuration (the caller destroys it, or hands it to
// rd_kafka_new). InvalidArgument naming the first setting refused.
Status BuildProducerConf(const std::string& brokers, const std::map<std::string, std::string>& settings,
                         rd_kafka_conf_t** out, std::map<std::string, std::string>* all) {
  *all = {{"bootstrap.servers", brokers}, {"client.id", "newsflow"},        {"enable.idempotence", "true"},
          {"linger.ms", "5"},             {"message.timeout.ms", "30000"}, {"partitioner", "murmur2_random"},
          {"log.connection.close", "false"},
          // A stored document's JSON (body, spans) can pass librdkafka's default
          // of 1,000,000 bytes while its line was within --max-record-bytes: let
          // the broker's (the topic's) limit decide.
          {"message.max.bytes", "16777216"}};
  for (const auto& [k, v] : settings) (*all)[k] = v;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : *all) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument("kafka producer: " + k + "=" + v + ": " + errstr);
    }
  }
  *out = conf;
  return Status::OK();
}

}  // namespace

Status KafkaProducer::CheckSettings(const std::string& brokers, const std::map<std::string, std::string>& settings) {
  rd_kafka_conf_t* conf = nullptr;
  std::map<std::string, std::string> all;
  NEWSFLOW_RETURN_IF_ERROR(BuildProducerConf(brokers, settings, &conf, &all));
  return CheckSettingsByHandle(RD_KAFKA_PRODUCER, conf).Prefixed("kafka producer");
}

namespace {
// The topic's max.message.bytes as the broker describes it (0: unknown: no
// answer within timeout_ms, no such topic yet, not allowed to ask).
size_t TopicMessageLimit(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, errstr, sizeof errstr);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DescribeConfigs(rk, &res, 1, options, q);
  size_t limit = 0;
  if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 1000)) {
    const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(ev);
    size_t n = 0;
    const rd_kafka_ConfigResource_t** described =
        result != nullptr && !rd_kafka_event_error(ev) ? rd_kafka_DescribeConfigs_result_resources(result, &n) : nullptr;
    for (size_t i = 0; i < n && rd_kafka_ConfigResource_error(described[i]) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      size_t cnt = 0;
      const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(described[i], &cnt);
      for (size_t e = 0; e < cnt; ++e)
        if (std::string_view(rd_kafka_ConfigEntry_name(entries[e])) == "max.message.bytes" &&
            rd_kafka_ConfigEntry_value(entries[e]) != nullptr)
          limit = std::strtoull(rd_kafka_ConfigEntry_value(entries[e]), nullptr, 10);
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_ConfigResource_destroy(res);
  return limit;
}
}  // namespace

Status KafkaProducer::Open(const std::string& brokers, const std::map<std::string, std::string>& settings,
                           std::unique_ptr<KafkaProducer>* out, const std::string& topic) {
  NEWSFLOW_RETURN_IF_ERROR(OpenHandle(brokers, settings, out));
  if (topic.empty() || settings.count("batch.size")) return Status::OK();
  // Batches that fit under the topic's limit (with room for the record
  // batch's own framing): a handle made again with that batch.size.
  const size_t limit = TopicMessageLimit((*out)->state_->rk, topic, 3000);
  constexpr size_t kFraming = 512;
  if (limit == 0 || limit >= (*out)->state_->batch_bytes + kFraming) return Status::OK();
  std::map<std::string, std::string> fitted = settings;
  fitted["batch.size"] = std::to_string(limit > 2 * kFraming ? limit - kFraming : limit / 2 + 1);
  LogInfo("kafka", fmt::format("{} takes messages of at most {} bytes: record batches of at most {} bytes", topic,
                               limit, fitted["batch.size"]));
  out->reset();
  return OpenHandle(brokers, fitted, out);
}

Status KafkaProducer::OpenHandle(const std::string& brokers, const std::map<std::string, std::string>& settings,
                                 std::unique_ptr<KafkaProducer>* out) {
  std::unique_ptr<KafkaProducer> p(new KafkaProducer());
  p->state_ = std::make_unique<State>();
  char errstr[512];
  rd_kafka_conf_t* conf = nullptr;
  std::map<std::string, std::string> all;
  NEWSFLOW_RETURN_IF_ERROR(BuildProducerConf(brokers, settings, &conf, &all));
  p->state_->brokers = brokers;
  p->state_->settings = settings;
  p->state_->message_timeout_ms = std::atoi(all["message.timeout.ms"].c_str());
  if (auto it = all.find("batch.size"); it != all.end()) p->state_->batch_bytes = std::strtoull(it->second.c_str(), nullptr, 10);
  rd_kafka_conf_set_opaque(conf, p->state_.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &State::OnDelivery);
  rd_kafka_conf_set_error_cb(conf, &State::OnError);
  rd_kafka_conf_set_stats_cb(conf, &State::OnStats);
  RouteKafkaLogs(conf);
  p->state_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!p->state_->rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka producer: ") + errstr);
  }
  *out = std::move(p);
  return Status::OK();
}

KafkaProducer::~KafkaProducer() {
  if (state_ && state_->rk) {
    rd_kafka_flush(state_->rk, 5000);
    // Refused for their batch during that flush: sent alone, not dropped.
    if (Status s = ResendAlone(5000); !s.ok()) LogError("kafka", "closing the producer: " + s.message());
    rd_kafka_destroy(state_->rk);
  }
}

Status KafkaProducer::Produce(const std::string& topic, std::string_view key, std::string_view value,
                                   const std::vector<KafkaHeader>& headers, int32_t partition) {
  {
    bool single = false;
    {
      std::lock_guard lock(state_->mu);
      single = state_->single_topics.count(topic) > 0;
    }
    // After the messages of that topic waiting to be sent again: a later
    // version of a key never goes before an earlier one still waiting.
    if (single) {
      NEWSFLOW_RETURN_IF_ERROR(SendWaitingAlone(topic));
      return state_->single->Produce(topic, key, value, headers, partition);
    }
  }
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
      return Status::OK();
    }
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    if (State::TooLarge(err)) {  // over the producer's own limit: as a broker's refusal (above)
      State::Refused(topic, key.empty() ? std::string_view("(null)") : key, value.size(), err);
      return Status::OK();
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
      return Status::Unavailable("produce to " + topic + ": " + rd_kafka_err2str(err));
    rd_kafka_poll(state_->rk, 100);
  }
}

Status KafkaProducer::Flush(int timeout_ms) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(state_->rk, timeout_ms);
  Status alone = ResendAlone(timeout_ms);
  std::lock_guard lock(state_->mu);
  std::string e = std::move(state_->first_error);
  state_->first_error.clear();
  if (e.empty() && !alone.ok()) return alone;
  if (!e.empty()) {
    if (state_->failed > 1) e += " (and " + std::to_string(state_->failed - 1) + " more)";
    state_->failed = 0;
    return Status::Unavailable(std::move(e));
  }
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
    return Status::Unavailable(std::to_string(rd_kafka_outq_len(state_->rk)) +
                               " messages not acknowledged by Kafka within " + std::to_string(timeout_ms / 1000) +
                               " s");
  return Status::OK();
}

// Queues the messages refused for their batch's size (of `topic` only, or
// all: "") on the second producer, which sends one per batch (opened now if
// it is not yet), in the order they were refused.
Status KafkaProducer::SendWaitingAlone(const std::string& topic) {
  std::vector<State::Resend> resend;
  {
    std::lock_guard lock(state_->mu);
    auto& waiting = state_->resend;
    auto first = std::stable_partition(waiting.begin(), waiting.end(),
                                       [&](const State::Resend& r) { return !topic.empty() && r.topic != topic; });
    resend.assign(std::make_move_iterator(first), std::make_move_iterator(waiting.end()));
    waiting.erase(first, waiting.end());
  }
  if (!state_->single) {
    std::map<std::string, std::string> one = state_->settings;
    one["batch.num.messages"] = "1";
    one["linger.ms"] = "0";
    NEWSFLOW_RETURN_IF_ERROR(OpenHandle(state_->brokers, one, &state_->single));
    state_->single->state_->batch_bytes = 0;  // alone in its batch: a size refusal is the message's own
  }
  for (const State::Resend& r : resend)
    NEWSFLOW_RETURN_IF_ERROR(state_->single->Produce(r.topic, r.key, r.value, r.headers, r.partition));
  return Status::OK();
}

// What was refused for its batch's size, sent again alone, and whatever the
// second producer holds.
Status KafkaProducer::ResendAlone(int timeout_ms) {
  bool waiting = false;
  {
    std::lock_guard lock(state_->mu);
    waiting = !state_->resend.empty();
  }
  if (waiting) NEWSFLOW_RETURN_IF_ERROR(SendWaitingAlone(""));
  return state_->single ? state_->single->Flush(timeout_ms) : Status::OK();
}

Status KafkaProducer::PartitionCount(const std::string& topic, int timeout_ms, int* out) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(state_->rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(state_->rk, 0, t, &md, timeout_ms);
  rd_kafka_topic_destroy(t);
  if (err) return Status::Unavailable("metadata for " + topic + ": " + rd_kafka_err2str(err));
  Status result;
  if (md->topic_cnt == 1 && !md->topics[0].err) {
    *out = md->topics[0].partition_cnt;
  } else {
    result = Status::NotFound("topic " + topic + ": " +
                              rd_kafka_err2str(md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN));
  }
  rd_kafka_metadata_destroy(md);
  return result;
}

Status KafkaProducer::WaitReady(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!state_->id_assigned.load()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Unavailable("the idempotent producer got no producer id within " +
                                 std::to_string(timeout_ms / 1000) + " s");
    rd_kafka_poll(state_->rk, 20);
  }
  return Status::OK();
}


}  // namespace newsflow::pipeline
