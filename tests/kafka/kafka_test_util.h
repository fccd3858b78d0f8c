// kafka_test_util.h — helpers for the tests against the real broker: the
// bootstrap address (NEWSFLOW_KAFKA_BOOTSTRAP, required: the tests fail
// without it), unique names, topic admin, reading topics and committed
// offsets with librdkafka, `newsflow` subprocesses that can be killed, and a
// read-only look into a consumer's RocksDB.
#pragma once

#include "json_util.h"
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/decode/decoder.h"
#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::kafkatest {

using testing::Newsflow;
using testing::ReadFile;
using testing::ReadLines;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

// ---- broker -----------------------------------------------------------------

inline std::string BootstrapFromEnv() {
  const char* b = std::getenv("NEWSFLOW_KAFKA_BOOTSTRAP");
  return b ? b : "";
}

// "" if the broker answers a metadata request within timeout_ms, else why not.
inline std::string BrokerProblem(const std::string& bootstrap, int timeout_ms = 15000) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) return errstr;
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, nullptr, &md, timeout_ms);
  std::string out;
  if (err) out = std::string("broker ") + bootstrap + " does not answer: " + rd_kafka_err2str(err);
  else rd_kafka_metadata_destroy(md);
  rd_kafka_destroy(rk);
  return out;
}

// A test fixture that FAILS (never skips) without a reachable broker.
class KafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bootstrap_ = BootstrapFromEnv();
    ASSERT_FALSE(bootstrap_.empty())
        << "NEWSFLOW_KAFKA_BOOTSTRAP is not set: start a broker (deploy/kafka/start.sh) and export its address, "
           "or run tests/run.sh, which does both";
    const std::string problem = BrokerProblem(bootstrap_);
    ASSERT_TRUE(problem.empty()) << problem;
  }
  std::string bootstrap_;
};

inline std::string Unique(const std::string& prefix) {
  static std::atomic<int> n{0};
  const auto t = std::chrono::system_clock::now().time_since_epoch().count();
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++n) + "-" + std::to_string(t % 1000000007);
}

// Creates a topic with the admin API (replication 1) and waits until its
// partitions have leaders. "" on success.
inline std::string CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                               const std::vector<std::pair<std::string, std::string>>& configs = {}) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) return errstr;
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, errstr, sizeof errstr);
  for (const auto& [name, value] : configs) rd_kafka_NewTopic_set_config(nt, name.c_str(), value.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  std::string out;
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) {
    out = "CreateTopics timed out";
  } else if (rd_kafka_event_error(ev)) {
    out = rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i)
      if (rd_kafka_topic_result_error(res[i]) && rd_kafka_topic_result_error(res[i]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        out = rd_kafka_topic_result_error_string(res[i]);
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  // Wait for leaders.
  for (int i = 0; out.empty() && i < 100; ++i) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    bool ready = false;
    if (!rd_kafka_metadata(rk, 0, t, &md, 5000)) {
      ready = md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt == partitions;
      for (int p = 0; ready && p < md->topics[0].partition_cnt; ++p) ready = md->topics[0].partitions[p].leader >= 0;
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(t);
    if (ready) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (i == 99) out = "topic " + topic + " has no leaders after 10 s";
  }
  rd_kafka_destroy(rk);
  return out;
}

struct Msg {
  std::string key, value;
  bool has_key = false;
  int32_t partition = 0;
  int64_t offset = 0;
  std::map<std::string, std::string> headers;
};

inline rd_kafka_t* NewConsumer(const std::string& bootstrap, const std::string& group) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk) rd_kafka_poll_set_consumer(rk);
  return rk;
}

inline int PartitionCount(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = -1;
  if (!rd_kafka_metadata(rk, 0, t, &md, 10000)) {
    if (md->topic_cnt == 1 && !md->topics[0].err) n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  return n;
}

// High watermark (end offset) of every partition.
inline std::map<int32_t, int64_t> EndOffsets(const std::string& bootstrap, const std::string& topic) {
  rd_kafka_t* rk = NewConsumer(bootstrap, Unique("probe"));
  std::map<int32_t, int64_t> out;
  const int n = PartitionCount(rk, topic);
  for (int p = 0; p < n; ++p) {
    int64_t lo = 0, hi = 0;
    if (!rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000)) out[p] = hi;
  }
  rd_kafka_destroy(rk);
  return out;
}

// Offsets committed in Kafka by `group` for every partition of `topic`
// (-1001 = none).
inline std::map<int32_t, int64_t> CommittedOffsets(const std::string& bootstrap, const std::string& group,
                                                   const std::string& topic) {
  rd_kafka_t* rk = NewConsumer(bootstrap, group);
  std::map<int32_t, int64_t> out;
  const int n = PartitionCount(rk, topic);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(n > 0 ? n : 1);
  for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(l, topic.c_str(), p);
  if (!rd_kafka_committed(rk, l, 15000))
    for (int i = 0; i < l->cnt; ++i) out[l->elems[i].partition] = l->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

// Every message of the topic, from the beginning to the end offsets seen at
// the start of the call.
inline std::vector<Msg> ReadTopic(const std::string& bootstrap, const std::string& topic, int timeout_ms = 30000) {
  const auto ends = EndOffsets(bootstrap, topic);
  rd_kafka_t* rk = NewConsumer(bootstrap, Unique("reader"));
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(static_cast<int>(ends.size()) + 1);
  std::map<int32_t, int64_t> pos;
  for (const auto& [p, hi] : ends) {
    if (hi <= 0) continue;
    rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    pos[p] = -1;
  }
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  std::vector<Msg> out;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  auto done = [&] {
    for (const auto& [p, o] : pos)
      if (o + 1 < ends.at(p)) return false;
    return true;
  };
  while (!done() && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (!m->err) {
      Msg x;
      x.has_key = m->key != nullptr;
      if (m->key) x.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) x.value.assign(static_cast<const char*>(m->payload), m->len);
      x.partition = m->partition;
      x.offset = m->offset;
      rd_kafka_headers_t* h = nullptr;
      if (!rd_kafka_message_headers(m, &h)) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &size); ++i)
          x.headers[name] = std::string(static_cast<const char*>(val), size);
      }
      pos[m->partition] = std::max(pos[m->partition], m->offset);
      out.push_back(std::move(x));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

// ---- processes --------------------------------------------------------------

// `newsflow ...` (or any command line) in the background, stdout/stderr to
// files; the pid is the command's own (sh execs it), so kill -9 hits it.
class Process {
 public:
  Process(const std::string& cmdline, const std::string& out, const std::string& err) : err_path_(err) {
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      const std::string full = "exec " + cmdline + " >" + out + " 2>" + err;
      execl("/bin/sh", "sh", "-c", full.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      Wait(10000);
    }
  }
  pid_t pid() const { return pid_; }
  void Signal(int sig) { kill(pid_, sig); }
  // Exit code, 128+signal if killed, or -1 if still running after timeout_ms.
  int Wait(int timeout_ms) {
    if (exited_) return code_;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      int st = 0;
      const pid_t r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return code_;
      }
      if (Clock::now() >= deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bool Running() { return Wait(0) == -1; }
  std::string Stderr() const { return ReadFile(err_path_); }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
  std::string err_path_;
};

// Polls `cond` every 20 ms until it holds or timeout_ms passes.
inline bool WaitFor(const std::function<bool()>& cond, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

// Two free ports in a row (the broker's and its controller's), below the
// kernel's ephemeral range (32768+): a port taken from that range could be
// given to some client's socket before the broker's JVM binds it (a CI run
// lost a test to "Address already in use" on the controller's port).
inline int FreePortPair() {
  auto free_port = [](int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    return ok;
  };
  static unsigned seed = static_cast<unsigned>(getpid()) * 2654435761u ^ static_cast<unsigned>(time(nullptr));
  for (int attempt = 0; attempt < 200; ++attempt) {
    seed = seed * 1103515245u + 12345u;
    const int port = 20000 + static_cast<int>((seed >> 8) % 12000);  // 20000..31999, +1 below 32768
    if (free_port(port) && free_port(port + 1)) return port;
  }
  return -1;
}

// ---- data -------------------------------------------------------------------

// The 360 real fixture items of the three feeds.
inline std::vector<std::string> FixtureLines() {
  std::vector<std::string> out;
  for (const char* f : {"cls", "eastmoney", "ths"})
    for (auto& l : ReadLines(SourcePath(std::string("tests/fixtures/") + f + "-sample.jsonl")))
      if (!l.empty()) out.push_back(l);
  return out;
}

inline std::set<std::string> KeysOf(const std::vector<std::string>& lines) {
  pipeline::Decoder dec(pipeline::FormatSpec{});
  std::set<std::string> keys;
  for (const auto& l : lines) {
    pipeline::Document d;
    if (dec.Decode(l, &d).ok()) keys.insert(d.key);
  }
  return keys;
}

inline void WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& l : lines) out << l << '\n';
}

// A small rule set: five tags, one with `alert: true`.
inline const std::vector<std::string>& TestTags() {
  static const std::vector<std::string> tags = {"region:shenzhen", "cluster:ai", "region:guangzhou", "region:guangdong",
                                                "cluster:semiconductors"};
  return tags;
}
inline std::string WriteRules(const TempDir& tmp) {
  std::filesystem::create_directories(tmp.path("rules"));
  std::ofstream(tmp.path("rules/a.yaml")) << "version: 1\nrules:\n"
                                             "  - tag: region:shenzhen\n    any: [深圳]\n    alert: true\n    provenance: [{seed: s.txt, clause: c}]\n"
                                             "  - tag: cluster:ai\n    any: [人工智能]\n    provenance: [{seed: s.txt, clause: c}]\n"
                                             "  - tag: region:guangzhou\n    any: [广州]\n    provenance: [{seed: s.txt, clause: c}]\n"
                                             "  - tag: region:guangdong\n    any: [广东]\n    provenance: [{seed: s.txt, clause: c}]\n"
                                             "  - tag: cluster:semiconductors\n    any: [半导体, 芯片]\n    provenance: [{seed: s.txt, clause: c}]\n";
  return tmp.path("rules");
}

// What most tests start from: the rules (WriteRules), the 360 fixture lines
// written to tmp's in.jsonl, and their keys.
struct FixtureInput {
  std::string rules;
  std::vector<std::string> lines;
  std::set<std::string> keys;
};
inline FixtureInput WriteFixtureInput(const TempDir& tmp) {
  FixtureInput in{WriteRules(tmp), FixtureLines(), {}};
  in.keys = KeysOf(in.lines);
  WriteLines(tmp.path("in.jsonl"), in.lines);
  return in;
}

// What a consumer's DB holds, read-only (works while the consumer writes).
struct DbView {
  bool ok = false;
  uint64_t docs = 0, dead = 0;
  std::set<std::string> keys;
  std::map<std::string, uint64_t> tag_index;  // by_tag entries per tag
  std::map<std::string, uint64_t> tag_query;  // Count(tag) per tag
  std::vector<storage::DeadLetter> dead_letters;
};

inline std::unique_ptr<storage::Store> OpenRead(const std::string& db) {
  storage::StoreOptions o;
  o.path = db;
  o.read_only = true;
  o.create_if_missing = false;
  o.block_cache_bytes = 1 << 20;
  std::unique_ptr<storage::Store> s;
  if (!storage::Store::Open(o, &s).ok()) return nullptr;
  return s;
}

inline uint64_t DocCount(const std::string& db) {
  auto s = OpenRead(db);
  storage::Counts c;
  if (!s || !s->GetCounts(&c).ok()) return 0;
  return c.docs;
}

inline DbView ReadDb(const std::string& db) {
  DbView v;
  auto s = OpenRead(db);
  if (!s) return v;
  storage::Counts c;
  if (!s->GetCounts(&c).ok()) return v;
  v.docs = c.docs;
  v.dead = c.dead_letters;
  storage::QueryOptions q;
  q.limit = 0;
  std::vector<storage::Record> recs;
  if (!s->Query(q, &recs).ok()) return v;
  for (const auto& r : recs) v.keys.insert(r.key);
  for (const auto& t : TestTags()) {
    uint64_t n = 0;
    if (!s->CountTagIndex(t, &n).ok()) return v;
    v.tag_index[t] = n;
    storage::QueryOptions tq;
    tq.tags = {t};
    if (!s->Count(tq, &n).ok()) return v;
    v.tag_query[t] = n;
  }
  if (!s->DeadLetters(0, &v.dead_letters).ok()) return v;
  v.ok = true;
  return v;
}

inline std::optional<int64_t> StoredOffset(const std::string& db, const std::string& group, const std::string& topic,
                                           int32_t partition) {
  auto s = OpenRead(db);
  std::optional<int64_t> out;
  if (s && !s->GetOffset(group, topic, partition, &out).ok()) out.reset();
  return out;
}

// A broker of the test's own (its port and state dir, via deploy/kafka/start.sh
// with KAFKA_PORT / KAFKA_STATE_DIR), which a test may stop and restart
// without touching the shared one; wiped when destroyed.
class PrivateBroker {
 public:
  explicit PrivateBroker(const std::string& state_dir) : state_(state_dir), port_(FreePortPair()) {}
  ~PrivateBroker() { RunShell(Env() + SourcePath("deploy/kafka/stop.sh") + " --wipe"); }
  // "" on success.
  std::string Start() {
    auto r = RunShell(Env() + SourcePath("deploy/kafka/start.sh"));
    // Taken meanwhile by another process: two more pairs before giving up.
    for (int retry = 0; retry < 2 && r.exit_code != 0 && r.err.find("Address already in use") != std::string::npos;
         ++retry) {
      RunShell(Env() + SourcePath("deploy/kafka/stop.sh") + " --wipe");
      port_ = FreePortPair();
      r = RunShell(Env() + SourcePath("deploy/kafka/start.sh"));
    }
    if (r.exit_code != 0) return "start.sh failed: " + r.err;
    std::string last = r.out;
    while (!last.empty() && last.back() == '\n') last.pop_back();
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    bootstrap_ = last;
    return "";
  }
  std::string Stop() {
    auto r = RunShell(Env() + SourcePath("deploy/kafka/stop.sh"));
    return r.exit_code == 0 ? "" : "stop.sh failed: " + r.err;
  }
  const std::string& bootstrap() const { return bootstrap_; }
  int port() const { return port_; }

 private:
  // The scripts' environment: this broker's port and state dir.
  std::string Env() const { return "KAFKA_PORT=" + std::to_string(port_) + " KAFKA_STATE_DIR=" + state_ + " "; }

  std::string state_, bootstrap_;
  int port_ = -1;
};

// Produces `values` in order to partition 0 of `topic` with a producer that
// takes messages up to 100 MB (`newsflow produce` keeps librdkafka's 1 MB).
// "" when every one was delivered, else the first error.
inline std::string ProduceValues(const std::string& bootstrap, const std::string& topic,
                                 const std::vector<std::string>& values) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "message.max.bytes", "100000000", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof errstr);
  std::string first_error;
  rd_kafka_conf_set_opaque(conf, &first_error);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* err = static_cast<std::string*>(opaque);
    if (m->err && err->empty()) *err = rd_kafka_err2str(m->err);
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) return errstr;
  for (const std::string& v : values) {
    // Sent one at a time, so that the order on the partition is `values`'.
    const rd_kafka_resp_err_t e =
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()), RD_KAFKA_V_END);
    if (e && first_error.empty()) first_error = rd_kafka_err2str(e);
    rd_kafka_flush(rk, 30000);
  }
  if (rd_kafka_outq_len(rk) > 0 && first_error.empty()) first_error = "not delivered within 30 s";
  rd_kafka_destroy(rk);
  return first_error;
}

// `newsflow run` from a kafka:// source (extra: more flags).
inline std::string RunKafkaCmd(const std::string& bootstrap, const std::string& topic, const std::string& query,
                               const std::string& rules, const std::string& db, const std::string& extra = "") {
  return Newsflow() + " run -q --json --rules " + rules + " --db " + db + " --source 'kafka://" + bootstrap + "/" + topic +
         "?" + query + "' " + extra;
}

inline std::string ProduceCmd(const std::string& bootstrap, const std::string& topic, const std::string& file,
                              const std::string& extra = "") {
  return Newsflow() + " produce -q --broker " + bootstrap + " --topic " + topic + " " + extra + " " + file;
}

// The reference: the same lines through the file source into a fresh DB.
inline DbView ReferenceRun(const TempDir& tmp, const std::string& rules, const std::string& file) {
  const std::string db = tmp.path("reference-db");
  auto r = RunShell(Newsflow() + " run -q --rules " + rules + " --db " + db + " --source " + file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return ReadDb(db);
}

}  // namespace newsflow::kafkatest
