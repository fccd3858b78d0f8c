// kafka_source.cc — librdkafka high-level consumer behind the Source
// interface. See kafka_source.h for the offset, rebalance, backpressure and
// shutdown design; this file follows it literally.
#include "pipeline/source/kafka_source.h"
#include "pipeline/source/repeat_limiter.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "newsflow/base/thread_name.h"
#include "pipeline/log/kafka_log.h"
#include "pipeline/log/logger.h"
#include "pipeline/source/kafka_settings_check.h"
#include "pipeline/source/kafka_stats.h"
#include "pipeline/source/kafka_uri.h"
#include "pipeline/source/offset_commit_state.h"

namespace newsflow::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using TP = std::pair<std::string, int32_t>;

// Warnings to the logger (component "kafka"), the same text at most once
// per 10 s.
class RateLimitedWarn {
 public:
  void operator()(const std::string& msg) {
    if (limiter_.Allow(msg)) LogWarn("kafka", msg);
  }

 private:
  RepeatLimiter limiter_;
};

struct PartState {
  bool eof = false;
  std::optional<int64_t> stored;  // next offset known stored in this DB (or where we started)
  OffsetCommitState commit;       // the async commits of `stored` to Kafka
  // Stored here past what Kafka confirmed: handed over without a commit,
  // the next owner would store those records again.
  bool StoredPastCommit() const { return stored && *stored > commit.confirmed; }
};


struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

std::string PartsText(const rd_kafka_topic_partition_list_t* parts, bool with_offsets) {
  std::string out;
  for (int i = 0; i < parts->cnt; ++i) {
    const auto& p = parts->elems[i];
    if (i) out += ' ';
    out += p.topic;
    out += '/';
    out += std::to_string(p.partition);
    if (!with_offsets) continue;
    out += '@';
    if (p.offset >= 0) out += std::to_string(p.offset);
    else out += p.offset == RD_KAFKA_OFFSET_STORED ? "committed" : "reset";
  }
  return out;
}

class KafkaSource : public Source {
 public:
  ~KafkaSource() override { Close(); }
  void Close() override;
  Status Init(const KafkaSourceOptions& o);
  Status Configure(const std::string& uri_text, const KafkaConsumerTuning& tuning, KafkaUri* uri,
                   struct ConfBuilder* conf);
  Status ApplyParam(const std::string& k, const std::string& v, struct ConfBuilder* conf);

  bool Next(Batch* batch) override;
  Status status() const override {
    std::lock_guard lock(mu_);
    return status_;
  }
  uint64_t bytes_read() const override { return bytes_read_.load(); }
  void Stop() override {
    abort_.store(true);
    cv_.notify_all();
  }
  bool connected() const override {
    std::lock_guard lock(health_mu_);
    return connected_;
  }
  std::vector<PartitionLag> lag() const override {
    std::lock_guard lock(health_mu_);
    return lag_;
  }
  void Committed(const Batch& batch) override;
  OffsetChecks offset_checks() const override {
    std::lock_guard lock(mu_);
    return {unconfirmed_.size(), beyond_end_.size(), uncommitted_handovers_};
  }

 private:
  static void RebalanceCb(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
    static_cast<KafkaSource*>(opaque)->OnRebalance(err, parts);
  }
  static void CommitCb(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                       void* opaque) {
    auto* self = static_cast<KafkaSource*>(opaque);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
      self->log_(std::string("offset commit to Kafka failed: ") + rd_kafka_err2str(err));
    if (offsets) self->CommitsAnswered(err, offsets);
  }
  // A commit that failed (e.g. the session expired during a broker outage)
  // is sent again by the next MaybeCommit, once the member has rejoined; one
  // not confirmed in time, too (offset_commit_state.h).
  void CommitsAnswered(rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t* offsets) {
    std::lock_guard lock(mu_);
    for (int i = 0; i < offsets->cnt; ++i) {
      const auto& e = offsets->elems[i];
      auto p = parts_.find({e.topic, e.partition});
      if (p != parts_.end()) p->second.commit.Answered(e.offset, !err && !e.err);
    }
  }
  // librdkafka's statistics (statistics.interval.ms): the cluster brokers'
  // states tell whether the source is connected; each assigned partition's
  // consumer_lag is its lag (-1 = not known yet: left out). Partitions no
  // longer assigned are left out too (kafka_stats.h).
  static int StatsCb(rd_kafka_t*, char* json, size_t len, void* opaque) {
    static_cast<KafkaSource*>(opaque)->OnStats(std::string_view(json, len));
    return 0;  // librdkafka frees json
  }
  void OnStats(std::string_view json) {
    std::set<TP> assigned;
    {
      std::lock_guard lock(mu_);
      for (const auto& [tp, st] : parts_) assigned.insert(tp);
    }
    ConsumerStats stats;
    if (!ParseConsumerStats(json, assigned, &stats)) return;
    std::lock_guard lock(health_mu_);
    if (stats.brokers_known) connected_ = stats.broker_up;
    if (stats.brokers_known && stats.broker_up) ever_up_.store(true);
    lag_ = std::move(stats.lags);
  }
  // Drops the lag of partitions that are no longer this member's at once,
  // not only at the next statistics.
  void ForgetLag(const std::set<TP>& revoked) {
    std::lock_guard lock(health_mu_);
    std::erase_if(lag_, [&](const PartitionLag& l) { return revoked.count({l.topic, l.partition}) > 0; });
  }

  static void ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<KafkaSource*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(rk, buf, sizeof buf);
      self->Fail(Status::Unavailable(std::string("kafka consumer fatal error: ") + buf));
      return;
    }
    // A broker connection that failed is logged by librdkafka itself (its
    // FAIL line, kafka_log.h); the error callback would say it twice.
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      std::lock_guard lock(self->health_mu_);
      self->connected_ = false;
    }
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE) {
      LogDebug("kafka", reason);
      return;
    }
    self->log_(reason);
  }

  bool StopRequested() const { return abort_.load() || (ext_stop_ && ext_stop_->load()); }
  void Fail(const Status& e) {
    {
      std::lock_guard lock(mu_);
      if (status_.ok()) status_ = e;
    }
    Stop();
  }
  bool AllAtEofLocked() const {
    if (!ever_assigned_ || parts_.empty()) return false;
    for (const auto& [tp, st] : parts_)
      if (!st.eof) return false;
    return true;
  }
  void PollLoop();
  // Sends an async commit of every stored offset not yet sent (or sent and
  // not confirmed in time), if commits are on, not held, and (unless `now`)
  // the interval has passed.
  void MaybeCommit(bool now);
  void HandleMessage(const rd_kafka_message_t* m, bool stopping);
  void SetPaused(bool paused);
  void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);
  void Assign(rd_kafka_topic_partition_list_t* parts);
  void Revoke(rd_kafka_topic_partition_list_t* parts);
  // Where a partition with an offset stored in this DB starts, after
  // checking that offset against Kafka (see ASSIGNMENT in kafka_source.h).
  int64_t CheckedStart(const char* topic, int32_t partition, int64_t stored, std::optional<int64_t> committed,
                       bool committed_known);
  // The group's negotiated protocol ("NONE" before the first join).
  bool Cooperative() const {
    const char* p = rd_kafka_rebalance_protocol(rk_);
    return p != nullptr && std::string_view(p) == "COOPERATIVE";
  }

  rd_kafka_t* rk_ = nullptr;
  std::string group_;
  bool exit_at_eof_ = false;
  int linger_ms_ = 0;  // from KafkaConsumerTuning
  KafkaConsumerTuning tuning_;
  bool commit_to_kafka_ = true;
  bool configured_cooperative_ = false;  // the URI asks for cooperative-sticky
  // Async Kafka commits are held back from a cooperative revoke until the
  // rebalance ends: librdkafka 2.0 declares the whole assignment lost when
  // such a commit meets the generation bumped by the second join
  // (librdkafka issue #4059), and a lost partition is handed over without
  // its final commit. A revoke in a cooperative rebalance is followed by an
  // assign of the same round (often empty, in the same millisecond), after
  // which librdkafka joins again; only the assign of that second join ends
  // the rebalance. So the assign right after a revoke keeps the hold, the
  // next one lifts it; hold_until_ lifts it anyway should no second assign
  // come (a lost assignment is revoked and then assigned in one join).
  bool hold_commits_ = false;              // under mu_
  bool revoked_since_assign_ = false;      // under mu_: a cooperative revoke, no assign yet
  Clock::time_point hold_until_{};         // under mu_: a hold lasts at most until then
  Clock::time_point last_commit_{};        // under mu_
  size_t max_inflight_msgs_ = 0, max_inflight_bytes_ = 0;  // from KafkaConsumerTuning
  SourceLimits limits_;
  OffsetLookup lookup_;
  const std::atomic<bool>* ext_stop_ = nullptr;
  std::atomic<bool> abort_{false}, shutdown_{false};
  std::atomic<uint64_t> bytes_read_{0};
  std::thread poller_;
  bool paused_ = false;    // poll thread (and destructor after join) only
  uint64_t pauses_ = 0;    // times the backlog paused the partitions
  bool stopping_ = false;  // poll thread only
  RateLimitedWarn log_;

  mutable std::mutex health_mu_;         // guards the two below (written from librdkafka's callbacks)
  bool connected_ = true;                // a cluster broker is UP (statistics), false after ALL_BROKERS_DOWN
  std::vector<PartitionLag> lag_;        // from the last statistics
  // A broker ever answered (statistics, an assignment, a message or a
  // partition's end): with exit=eof, a run whose brokers never answer ends
  // after eof_connect_wait_ instead of waiting for ever.
  std::atomic<bool> ever_up_{false};
  Clock::time_point started_{};
  std::string bootstrap_;
  std::chrono::milliseconds eof_connect_wait_{60000};  // NEWSFLOW_TEST_EOF_CONNECT_WAIT_MS in tests

  mutable std::mutex mu_;
  std::condition_variable cv_;  // buffer filled, batches stored, assignment changed, stop
  std::deque<Item> buffer_;     // read, not yet handed out
  size_t inflight_msgs_ = 0, inflight_bytes_ = 0;  // read and not yet stored (buffer + handed out)
  uint64_t handed_out_ = 0, committed_ = 0;        // batches
  std::map<TP, PartState> parts_;                  // current assignment
  std::set<TP> unconfirmed_, beyond_end_;          // OffsetChecks, by partition
  uint64_t uncommitted_handovers_ = 0;             // OffsetChecks::uncommitted_handovers
  bool ever_assigned_ = false;
  bool closing_ = false;
  Status status_;
};

// librdkafka configuration under construction: collects the first error.
struct ConfBuilder {
  struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
  };
  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf{rd_kafka_conf_new()};
  Status status;
  void Set(const std::string& k, const std::string& v) {
    char errstr[512];
    if (status.ok() && rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      status = Status::InvalidArgument("kafka source: " + k + "=" + v + ": " + errstr);
  }
};

// Applies one ?key=value parameter of the source URI (kafka_source.h lists them).
Status KafkaSource::ApplyParam(const std::string& k, const std::string& v, ConfBuilder* conf) {
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument("kafka source: " + k + " " + what + ", got '" + v + "'");
  };
  if (k == "group") {
    group_ = v;
    conf->Set("group.id", v);
  } else if (k == "strategy" || k == "partition.assignment.strategy") {
    if (v != "cooperative-sticky" && v != "range" && v != "roundrobin" && v != "range,roundrobin" &&
        v != "roundrobin,range")
      return bad("must be cooperative-sticky, range, roundrobin or range,roundrobin");
    conf->Set("partition.assignment.strategy", v);
    configured_cooperative_ = v == "cooperative-sticky";
  } else if (k == "reset") {
    if (v != "earliest" && v != "latest") return bad("must be earliest or latest");
    conf->Set("auto.offset.reset", v);
  } else if (k == "inflight" || k == "inflight.mb") {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end || n == 0 || n > (1ull << 30)) return bad("must be a positive number");
    if (k == "inflight") max_inflight_msgs_ = n;
    else max_inflight_bytes_ = static_cast<size_t>(n) << 20;
  } else if (k == "linger.ms") {
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end || n < 0 || n > 10000) return bad("must be 0..10000");
    linger_ms_ = static_cast<int>(n);
  } else if (k == "commit") {
    if (v != "kafka" && v != "none") return bad("must be kafka or none");
    commit_to_kafka_ = v == "kafka";
  } else if (k == "exit") {
    if (v != "eof" && v != "never") return bad("must be eof or never");
    exit_at_eof_ = v == "eof";
  } else if (k.rfind("rdkafka.", 0) == 0) {
    const std::string name = k.substr(8);
    if (name == "enable.auto.commit" || name == "enable.auto.offset.store" || name == "group.id")
      return Status::InvalidArgument("kafka source: " + name + " is managed by newsflow");
    conf->Set(name, v);
    if (name == "partition.assignment.strategy") configured_cooperative_ = v.find("cooperative") != std::string::npos;
  } else {
    return Status::InvalidArgument("kafka source: unknown parameter '" + k +
                                   "' (known: group, strategy, reset, inflight, inflight.mb, linger.ms, commit, "
                                   "exit, rdkafka.NAME)");
  }
  return conf->status;
}

// Everything of Init() that needs no broker and no handle: the URI, its
// parameters and the librdkafka settings they make (CheckKafkaSourceUri()
// runs it alone, so that a mistake is a usage error before anything opens).
Status KafkaSource::Configure(const std::string& uri_text, const KafkaConsumerTuning& tuning, KafkaUri* uri,
                              ConfBuilder* conf) {
  NEWSFLOW_RETURN_IF_ERROR(ParseKafkaUri(uri_text, uri));
  tuning_ = tuning;
  max_inflight_msgs_ = tuning_.max_inflight_messages;
  max_inflight_bytes_ = tuning_.max_inflight_bytes;
  linger_ms_ = tuning_.linger_ms;

  conf->Set("bootstrap.servers", uri->brokers);
  conf->Set("client.id", "newsflow");
  conf->Set("enable.auto.commit", "false");
  conf->Set("enable.auto.offset.store", "false");
  conf->Set("enable.partition.eof", "true");
  conf->Set("auto.offset.reset", "earliest");
  // Once a second: broker states (connected()) and consumer lag (lag()), for /ready and /metrics.
  conf->Set("statistics.interval.ms", "1000");
  // Eager by default: with librdkafka 2.0, cooperative-sticky plus manual
  // commits can lose an assignment mid-rebalance (see hold_commits_).
  conf->Set("partition.assignment.strategy", "range");
  conf->Set("session.timeout.ms", std::to_string(tuning_.session_timeout_ms));
  conf->Set("heartbeat.interval.ms", std::to_string(tuning_.heartbeat_interval_ms));
  // Bounded prefetch: the local queue holds a fixed amount whatever the backlog.
  conf->Set("queued.max.messages.kbytes", std::to_string(tuning_.queued_max_kbytes));
  conf->Set("queued.min.messages", std::to_string(tuning_.queued_min_messages));
  conf->Set("fetch.max.bytes", std::to_string(tuning_.fetch_max_bytes));
  // A fetch response holds at least one record batch whatever fetch.max.bytes
  // says (KIP-74), up to the topic's max.message.bytes: a lower limit here
  // refuses the response that holds a bigger message, again and again, and
  // its partition never moves. 256 MiB lets any message a sane topic takes
  // arrive and be dead-lettered (--max-record-bytes), and still refuses the
  // size a peer that is not Kafka (TLS, HTTP) sends in its first bytes,
  // which librdkafka would otherwise reserve and wait for (rdkafka.NAME in
  // the URI raises it for a topic of bigger messages).
  conf->Set("receive.message.max.bytes", std::to_string(std::max(kReceiveMessageMaxBytes, tuning_.fetch_max_bytes + 65536)));
  conf->Set("log.connection.close", "false");
  // Partitions added to a topic are found at the next metadata refresh:
  // librdkafka's default of 5 minutes left them unread (and out of /metrics'
  // lag) that long. One metadata request per 30 s is nothing to a broker.
  conf->Set("topic.metadata.refresh.interval.ms", "30000");
  NEWSFLOW_RETURN_IF_ERROR(conf->status);
  for (const auto& [k, v] : uri->params) NEWSFLOW_RETURN_IF_ERROR(ApplyParam(k, v, conf));
  if (group_.empty()) return Status::InvalidArgument("kafka source: ?group=NAME is required in '" + uri_text + "'");
  return Status::OK();
}

Status KafkaSource::Init(const KafkaSourceOptions& o) {
  if (!o.lookup) return Status::InvalidArgument("kafka source: no offset lookup");
  limits_ = o.limits;
  lookup_ = o.lookup;
  ext_stop_ = o.stop;
  KafkaUri uri;
  ConfBuilder conf;
  NEWSFLOW_RETURN_IF_ERROR(Configure(o.uri, o.tuning, &uri, &conf));
  bootstrap_ = uri.brokers;
  started_ = Clock::now();
  if (const char* ms = std::getenv("NEWSFLOW_TEST_EOF_CONNECT_WAIT_MS"); ms != nullptr && std::atoi(ms) > 0)
    eof_connect_wait_ = std::chrono::milliseconds(std::atoi(ms));

  rd_kafka_conf_t* c = conf.conf.get();
  rd_kafka_conf_set_opaque(c, this);
  rd_kafka_conf_set_rebalance_cb(c, &KafkaSource::RebalanceCb);
  rd_kafka_conf_set_offset_commit_cb(c, &KafkaSource::CommitCb);
  rd_kafka_conf_set_error_cb(c, &KafkaSource::ErrorCb);
  rd_kafka_conf_set_stats_cb(c, &KafkaSource::StatsCb);
  RouteKafkaLogs(c);
  char errstr[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
  if (!rk_) return Status::InvalidArgument(std::string("kafka source: ") + errstr);
  conf.conf.release();  // rd_kafka_new took it
  rd_kafka_poll_set_consumer(rk_);
  PartList topics(rd_kafka_topic_partition_list_new(static_cast<int>(uri.topics.size())));
  for (const auto& t : uri.topics) rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics.get()))
    return Status::Unavailable(std::string("kafka source: subscribe: ") + rd_kafka_err2str(e));
  poller_ = std::thread([this] {
    NameThisThread("nf-kafka-poll");
    PollLoop();
  });
  return Status::OK();
}

namespace {

// Errors after which the same commit can succeed once the group coordinator
// is (re)elected or loaded.
bool IsTransientCommitError(rd_kafka_resp_err_t e) {
  switch (e) {
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
      return true;
    default:
      return false;
  }
}

}  // namespace

void KafkaSource::Close() {
  shutdown_.store(true);
  cv_.notify_all();
  if (poller_.joinable()) poller_.join();
  if (!rk_) return;
  if (pauses_ > 0)
    LogInfo("kafka", fmt::format("backpressure: paused the partitions {} times (limit {} messages, {} MiB in flight)",
                                 pauses_, max_inflight_msgs_, max_inflight_bytes_ >> 20));
  PartList final_offsets(rd_kafka_topic_partition_list_new(4));
  uint64_t final_behind = 0;  // partitions stored past their last confirmed commit
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    for (const auto& [tp, st] : parts_) {
      if (!st.stored) continue;
      rd_kafka_topic_partition_list_add(final_offsets.get(), tp.first.c_str(), tp.second)->offset = *st.stored;
      final_behind += st.StoredPastCommit();
    }
  }
  // The final commit and the cooperative leave below share 3 s: SIGTERM to
  // exit must stay under 5 s.
  const auto close_deadline = Clock::now() + std::chrono::seconds(3);
  if (final_offsets->cnt > 0 && commit_to_kafka_) {
    // Right after a broker restart the group coordinator may still be
    // loading: retry transient errors for up to 2 s. Recovery never depends
    // on this commit; lag tools do.
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_commit(rk_, final_offsets.get(), 0)) != RD_KAFKA_RESP_ERR_NO_ERROR &&
           e != RD_KAFKA_RESP_ERR__NO_OFFSET && IsTransientCommitError(e) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      log_(std::string("final offset commit to Kafka failed: ") + rd_kafka_err2str(e));
      std::lock_guard lock(mu_);
      uncommitted_handovers_ += final_behind;  // the next owner starts from the older commit
    }
  }
  if (configured_cooperative_ || Cooperative()) {
    // librdkafka before 2.4 can hang in rd_kafka_consumer_close() when an
    // incremental grant arrives while it closes (its issue #4527). Leave the
    // subscription first and serve what is queued (a grant included) and
    // the revoke here, so the close finds no assignment and no rebalance
    // under way. Polled messages are dropped: never handed out, never
    // committed.
    rd_kafka_unsubscribe(rk_);
    const auto deadline = std::min(close_deadline, Clock::now() + std::chrono::seconds(2));
    for (int timeout_ms = 0;; timeout_ms = 50) {
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms)) rd_kafka_message_destroy(m);
      rd_kafka_topic_partition_list_t* raw = nullptr;
      if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (PartList(raw)->cnt == 0 || Clock::now() >= deadline) break;
    }
  }
  rd_kafka_consumer_close(rk_);  // leaves the group (runs the revoke callback)
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
}

void KafkaSource::PollLoop() {
  while (!shutdown_.load()) {
    if (!stopping_ && StopRequested()) {
      stopping_ = true;
      SetPaused(true);
      cv_.notify_all();
    }
    if (!stopping_) {
      size_t msgs, bytes;
      {
        std::lock_guard lock(mu_);
        msgs = inflight_msgs_;
        bytes = inflight_bytes_;
      }
      if (!paused_ && (msgs >= max_inflight_msgs_ || bytes >= max_inflight_bytes_)) {
        SetPaused(true);
        ++pauses_;
      }
      else if (paused_ && msgs <= max_inflight_msgs_ / 2 && bytes <= max_inflight_bytes_ / 2) SetPaused(false);
    }
    MaybeCommit(false);  // what the writer stored since the last commit
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, tuning_.poll_timeout_ms);
    if (!m) continue;
    HandleMessage(m, stopping_);
    rd_kafka_message_destroy(m);
  }
}

void KafkaSource::HandleMessage(const rd_kafka_message_t* m, bool stopping) {
  // A message or a partition's end came from a broker (statistics may be
  // off: rdkafka.statistics.interval.ms=0).
  if (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) ever_up_.store(true);
  if (m->err) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      std::lock_guard lock(mu_);
      auto it = parts_.find({rd_kafka_topic_name(m->rkt), m->partition});
      if (it != parts_.end()) it->second.eof = true;
      cv_.notify_all();
      return;
    }
    std::string what = rd_kafka_message_errstr(m);
    if (m->rkt) what = std::string(rd_kafka_topic_name(m->rkt)) + ": " + what;
    log_(what);
    return;
  }
  if (stopping) return;  // not handed out, offset not stored: read again next time
  Item it;
  if (m->payload) it.raw.assign(static_cast<const char*>(m->payload), m->len);
  else it.error = "empty message (null value)";
  KafkaPosition k;
  k.topic = rd_kafka_topic_name(m->rkt);
  k.partition = m->partition;
  k.offset = m->offset;
  rd_kafka_timestamp_type_t tstype;
  k.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
  if (m->key) k.key.emplace(static_cast<const char*>(m->key), m->key_len);
  it.position = "kafka:" + k.topic + "/" + std::to_string(k.partition) + "@" + std::to_string(k.offset);
  const TP tp{k.topic, k.partition};
  it.kafka = std::move(k);
  bytes_read_ += m->len;
  std::lock_guard lock(mu_);
  auto p = parts_.find(tp);
  if (p == parts_.end()) return;  // not (or no longer) ours
  p->second.eof = false;
  ++inflight_msgs_;
  inflight_bytes_ += it.raw.size();
  buffer_.push_back(std::move(it));
  // Wake the reader for the first message and when a batch is full.
  if (buffer_.size() == 1 || buffer_.size() == limits_.max_items) cv_.notify_all();
}

void KafkaSource::SetPaused(bool paused) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  PartList list(raw);
  if (list->cnt > 0) {
    if (paused) {
      rd_kafka_pause_partitions(rk_, list.get());
    } else {
      rd_kafka_resume_partitions(rk_, list.get());
      // librdkafka 2.0 does not wake the fetcher on resume (it waits for its
      // next ~1 s idle tick); a seek to the current position does.
      // Only partitions with a known position (something was consumed):
      // seeking to an invalid offset would mean auto.offset.reset.
      if (!rd_kafka_position(rk_, list.get())) {
        PartList known(rd_kafka_topic_partition_list_new(list->cnt));
        for (int i = 0; i < list->cnt; ++i)
          if (list->elems[i].offset >= 0)
            rd_kafka_topic_partition_list_add(known.get(), list->elems[i].topic, list->elems[i].partition)->offset =
                list->elems[i].offset;
        if (known->cnt > 0)
          if (rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_, known.get(), 0)) rd_kafka_error_destroy(e);
      }
    }
  }
  if (paused != paused_)
    LogDebug("kafka", fmt::format("{} {} partitions", paused ? "paused" : "resumed", list->cnt));
  paused_ = paused;
}

bool KafkaSource::Next(Batch* batch) {
  batch->items.clear();
  batch->bytes = 0;
  batch->offsets.clear();
  std::unique_lock lock(mu_);
  for (;;) {
    if (StopRequested()) return false;
    if (!buffer_.empty()) break;
    if (exit_at_eof_ && AllAtEofLocked()) return false;
    if (exit_at_eof_ && !ever_up_.load() && Clock::now() - started_ > eof_connect_wait_) {
      if (status_.ok())
        status_ = Status::Unavailable(fmt::format(
            "kafka source: no broker of {} answered within {} s (with exit=eof a run does not wait for one for ever; "
            "without it, it waits and retries)",
            bootstrap_, eof_connect_wait_.count() / 1000.0));
      return false;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  // Linger briefly for a fuller batch: each batch costs one fsync'd RocksDB
  // write and one offset commit, so at a trickle of messages one-item
  // batches would cap throughput; under load the buffer is already full.
  if (buffer_.size() < limits_.max_items && linger_ms_ > 0) {
    const auto until = Clock::now() + std::chrono::milliseconds(linger_ms_);
    cv_.wait_until(lock, until, [&] { return buffer_.size() >= limits_.max_items || StopRequested(); });
  }
  std::map<TP, int64_t> next;
  while (!buffer_.empty() && batch->items.size() < limits_.max_items &&
         (batch->items.empty() || batch->bytes < limits_.max_bytes)) {
    Item& it = buffer_.front();
    batch->bytes += it.raw.size();
    next[{it.kafka->topic, it.kafka->partition}] = it.kafka->offset + 1;
    batch->items.push_back(std::move(it));
    buffer_.pop_front();
  }
  for (const auto& [tp, off] : next) batch->offsets.push_back({group_, tp.first, tp.second, off});
  ++handed_out_;
  return true;
}

void KafkaSource::Committed(const Batch& batch) {
  {
    std::lock_guard lock(mu_);
    size_t bytes = 0;
    for (const Item& it : batch.items) bytes += it.raw.size();
    inflight_msgs_ -= std::min(inflight_msgs_, batch.items.size());
    inflight_bytes_ -= std::min(inflight_bytes_, bytes);
    ++committed_;
    for (const auto& o : batch.offsets) {
      auto p = parts_.find({o.topic, o.partition});
      if (p == parts_.end()) continue;  // revoked meanwhile: the new owner commits
      p->second.stored = o.next_offset;
    }
  }
  cv_.notify_all();
  MaybeCommit(false);
}

void KafkaSource::MaybeCommit(bool now) {
  if (!commit_to_kafka_) return;
  PartList list(rd_kafka_topic_partition_list_new(4));
  bool again = false;  // a commit not confirmed in time is among them
  {
    std::lock_guard lock(mu_);
    const auto t = Clock::now();
    if (hold_commits_ && t >= hold_until_) {
      hold_commits_ = false;
      LogDebug("kafka", "no assignment ended the rebalance in time: committing again");
    }
    if (hold_commits_ || closing_) return;
    if (!now && t - last_commit_ < std::chrono::milliseconds(tuning_.commit_interval_ms)) return;
    const auto confirm_timeout = std::chrono::milliseconds(tuning_.commit_confirm_timeout_ms);
    for (auto& [tp, st] : parts_) {
      if (!st.stored || !st.commit.Due(*st.stored, t, confirm_timeout)) continue;
      again |= *st.stored == st.commit.sent;
      rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = *st.stored;
      st.commit.Sent(*st.stored, t);
    }
    if (list->cnt == 0) return;
    last_commit_ = t;
  }
  if (again)
    log_(fmt::format("an offset commit was not confirmed by Kafka in {} ms: sending it again",
                     tuning_.commit_confirm_timeout_ms));
  rd_kafka_commit(rk_, list.get(), 1);  // async; errors reach CommitCb
}

void KafkaSource::OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    Assign(parts);
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    Revoke(parts);
  } else {
    log_(std::string("rebalance error: ") + rd_kafka_err2str(err));
    if (Cooperative()) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
    {
      std::lock_guard lock(mu_);
      parts_.clear();
    }
    std::lock_guard lock(health_mu_);
    lag_.clear();
  }
}

void KafkaSource::Assign(rd_kafka_topic_partition_list_t* parts) {
  ever_up_.store(true);  // the group coordinator answered
  bool closing;
  {
    std::lock_guard lock(mu_);
    closing = closing_;
  }
  if (closing) {
    // A grant served while the source closes (a rebalance was under way
    // when the run stopped): its offsets are not read (the store may be
    // closed) and its partitions are not tracked, so nothing of theirs is
    // handed out or committed.
    if (Cooperative()) {
      // Answered all the same. In rd_kafka_consumer_close() librdkafka turns
      // it into an unassign; after the cooperative unsubscribe it is a real
      // assignment, which that unsubscribe's revoke then takes back.
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
    LogInfo("kafka", "not reading " + PartsText(parts, false) + " (closing)");
    return;
  }
  // Start at max(stored in this DB, committed in Kafka); librdkafka's own
  // committed-offset lookup (OFFSET_STORED) when this DB has nothing.
  PartList committed(rd_kafka_topic_partition_list_copy(parts));
  const rd_kafka_resp_err_t cerr = rd_kafka_committed(rk_, committed.get(), tuning_.committed_timeout_ms);
  if (cerr) log_(std::string("reading committed offsets failed (using the stored ones): ") + rd_kafka_err2str(cerr));
  for (int i = 0; i < parts->cnt; ++i) {
    auto& p = parts->elems[i];
    std::optional<int64_t> stored;
    if (Status e = lookup_(group_, p.topic, p.partition, &stored); !e.ok()) {
      Fail(e.Prefixed("reading stored offset"));
      stored.reset();
    }
    int64_t start = RD_KAFKA_OFFSET_STORED;
    if (stored) {
      const bool committed_known = !cerr && committed->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
      std::optional<int64_t> group_offset;
      if (committed_known && committed->elems[i].offset >= 0) group_offset = committed->elems[i].offset;
      start = CheckedStart(p.topic, p.partition, *stored, group_offset, committed_known);
    }
    p.offset = start;
  }
  if (Cooperative()) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, parts)) {
      Fail(Status::Unavailable(std::string("incremental assign: ") + rd_kafka_error_string(e)));
      rd_kafka_error_destroy(e);
      return;
    }
  } else if (rd_kafka_resp_err_t e = rd_kafka_assign(rk_, parts)) {
    Fail(Status::Unavailable(std::string("assign: ") + rd_kafka_err2str(e)));
    return;
  }
  {
    std::lock_guard lock(mu_);
    for (int i = 0; i < parts->cnt; ++i) {
      PartState st;
      if (parts->elems[i].offset >= 0) st.stored = parts->elems[i].offset;
      // What the group holds already counts as confirmed: a partition
      // handed on before this member commits repeats nothing below it.
      if (!cerr && committed->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && committed->elems[i].offset >= 0)
        st.commit.confirmed = committed->elems[i].offset;
      parts_[{parts->elems[i].topic, parts->elems[i].partition}] = st;
    }
    ever_assigned_ = true;
    if (revoked_since_assign_) {
      // The assign of the revoke's own round: the second join follows.
      revoked_since_assign_ = false;
      hold_until_ = Clock::now() + std::chrono::milliseconds(tuning_.session_timeout_ms);
    } else {
      hold_commits_ = false;
    }
  }
  // librdkafka keeps a partition's pause flag across revoke and re-assign
  // (its issues #1849, #2190): a partition this member paused, lost while
  // paused and got back later would otherwise stay paused for good, since
  // SetPaused(false) only resumes the assignment of its time. So every
  // grant gets the member's present state, both ways.
  if (paused_ || stopping_) rd_kafka_pause_partitions(rk_, parts);
  else rd_kafka_resume_partitions(rk_, parts);
  cv_.notify_all();
  LogInfo("kafka", "assigned " + PartsText(parts, true));
}

int64_t KafkaSource::CheckedStart(const char* topic, int32_t partition, int64_t stored,
                                  std::optional<int64_t> committed, bool committed_known) {
  const std::string tp = fmt::format("{}/{}", topic, partition);
  const int64_t start = std::max(stored, committed.value_or(stored));
  // Past the partition's end: the log was recreated (or truncated), the
  // stored offset counts messages that are gone. Read from its start (or
  // from the group's offset, which can only be about the new log then).
  int64_t low = 0, high = 0;
  if (rd_kafka_resp_err_t e =
          rd_kafka_query_watermark_offsets(rk_, topic, partition, &low, &high, tuning_.committed_timeout_ms)) {
    LogDebug("kafka", tp + ": reading the partition's end offsets failed: " + rd_kafka_err2str(e));
  } else if (start > high) {
    const int64_t from = committed && *committed <= high ? *committed : low;
    LogWarn("kafka", fmt::format("{}: the offset stored in this database ({}) is past the partition's end ({}): the "
                                 "topic was recreated or truncated; reading from offset {}",
                                 tp, start, high, from));
    std::lock_guard lock(mu_);
    beyond_end_.insert({topic, partition});
    return from;
  }
  // Stored here, unknown to the group: either the topic was deleted and
  // recreated (Kafka drops a deleted topic's group offsets; the new log's
  // messages before the stored offset are then skipped) or the group's
  // offsets expired (offsets.retention.minutes) and nothing is wrong.
  // librdkafka 2.0 has no topic ids to tell the two apart.
  if (commit_to_kafka_ && committed_known && !committed) {
    LogWarn("kafka", fmt::format("{}: starting at offset {} stored in this database, but group {} has no committed "
                                 "offset for it: either the topic was deleted and recreated (then its messages "
                                 "before offset {} are skipped: use a new database or group to read it from the "
                                 "start) or the group's committed offsets expired",
                                 tp, start, group_, start));
    std::lock_guard lock(mu_);
    unconfirmed_.insert({topic, partition});
  }
  return start;
}

void KafkaSource::Revoke(rd_kafka_topic_partition_list_t* parts) {
  const bool lost = rd_kafka_assignment_lost(rk_);
  std::set<TP> revoked;
  for (int i = 0; i < parts->cnt; ++i) revoked.insert({parts->elems[i].topic, parts->elems[i].partition});
  PartList commit(rd_kafka_topic_partition_list_new(parts->cnt));
  uint64_t behind = 0;  // revoked partitions stored past their last confirmed commit
  bool drained = true;
  {
    std::unique_lock lock(mu_);
    // Messages of revoked partitions that were not handed out are dropped:
    // the next owner reads them from the offset committed below.
    for (auto it = buffer_.begin(); it != buffer_.end();) {
      if (revoked.count({it->kafka->topic, it->kafka->partition})) {
        --inflight_msgs_;
        inflight_bytes_ -= it->raw.size();
        it = buffer_.erase(it);
      } else {
        ++it;
      }
    }
    // Every batch handed out must be stored before the partitions go.
    if (committed_ < handed_out_)
      LogDebug("kafka", fmt::format("revoking {}: waiting for {} batches to be stored", PartsText(parts, false),
                                    handed_out_ - committed_));
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (committed_ < handed_out_ && !closing_ && !abort_.load() && Clock::now() < deadline)
      cv_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
    drained = committed_ >= handed_out_ || closing_;
    for (const TP& tp : revoked) {
      auto p = parts_.find(tp);
      if (p == parts_.end()) continue;
      if (p->second.stored)
        rd_kafka_topic_partition_list_add(commit.get(), tp.first.c_str(), tp.second)->offset = *p->second.stored;
      behind += p->second.StoredPastCommit();
      parts_.erase(p);
    }
  }
  ForgetLag(revoked);
  if (!drained) log_("revoked partitions before the writer stored every batch (30 s): records may be stored twice");
  // Counted: partitions that go without the commit of what this member
  // stored (lost: librdkafka refuses commits; a failed commit; or batches
  // still unstored, whose documents this store gets after the handover).
  // Not while closing: Close() counted what its final commit left.
  uint64_t uncommitted = closing_ ? 0 : !drained ? revoked.size() : lost ? behind : 0;
  if (!lost && !closing_ && commit_to_kafka_ && commit->cnt > 0)
    if (rd_kafka_resp_err_t e = rd_kafka_commit(rk_, commit.get(), 0); e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      log_(std::string("offset commit on revoke failed: ") + rd_kafka_err2str(e));
      if (drained) uncommitted = behind;
    }
  if (uncommitted > 0) {
    log_(fmt::format("{} partition(s) handed over without the commit of what this member stored", uncommitted));
    std::lock_guard lock(mu_);
    uncommitted_handovers_ += uncommitted;
  }
  if (Cooperative()) {
    {
      std::lock_guard lock(mu_);
      hold_commits_ = true;  // until the assignment that ends this rebalance
      // A lost assignment is revoked alone; the next assign is the new join's.
      revoked_since_assign_ = !lost;
      hold_until_ = Clock::now() + std::chrono::milliseconds(tuning_.session_timeout_ms);
    }
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, parts)) {
      log_(std::string("incremental unassign: ") + rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
  } else {
    rd_kafka_assign(rk_, nullptr);
  }
  LogInfo("kafka", "revoked " + PartsText(parts, false) + (lost ? " (lost)" : ""));
}

}  // namespace

Status KafkaCommittedOffsets(const std::string& uri, std::vector<CommittedOffset>* parts, int timeout_ms) {
  if (parts->empty()) return Status::OK();
  KafkaSource unopened;
  KafkaUri parsed;
  ConfBuilder conf;
  NEWSFLOW_RETURN_IF_ERROR(unopened.Configure(uri, {}, &parsed, &conf));
  conf.Set("statistics.interval.ms", "0");  // a handle for one question
  NEWSFLOW_RETURN_IF_ERROR(conf.status);
  RouteKafkaLogs(conf.conf.get());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.conf.get(), errstr, sizeof errstr);
  if (!rk) return Status::InvalidArgument(std::string("kafka source: ") + errstr);
  conf.conf.release();  // rd_kafka_new took it
  PartList list(rd_kafka_topic_partition_list_new(static_cast<int>(parts->size())));
  for (const CommittedOffset& p : *parts) rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition);
  const rd_kafka_resp_err_t err = rd_kafka_committed(rk, list.get(), timeout_ms);
  Status result;
  if (err) {
    result = Status::Unavailable(std::string("committed offsets of the group: ") + rd_kafka_err2str(err));
  } else {
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      for (CommittedOffset& p : *parts)
        if (p.topic == e.topic && p.partition == e.partition) p.committed = e.err ? -1 : e.offset;
    }
  }
  rd_kafka_destroy(rk);
  return result;
}

Status CheckKafkaSourceUri(const std::string& uri, const KafkaConsumerTuning& tuning) {
  KafkaSource unopened;
  KafkaUri parsed;
  ConfBuilder conf;
  NEWSFLOW_RETURN_IF_ERROR(unopened.Configure(uri, tuning, &parsed, &conf));
  return CheckSettingsByHandle(RD_KAFKA_CONSUMER, conf.conf.release()).Prefixed("kafka source");
}

Status OpenKafkaSource(const KafkaSourceOptions& options, std::unique_ptr<Source>* out) {
  auto src = std::make_unique<KafkaSource>();
  NEWSFLOW_RETURN_IF_ERROR(src->Init(options));
  *out = std::move(src);
  return Status::OK();
}

}  // namespace newsflow::pipeline
