// Dead letters (RocksDB + DLQ topic) and alerts (Kafka topic), and memory
// under a backlog.
#include <fstream>

#include "kafka_test_util.h"

namespace newsflow::kafkatest {
namespace {

class KafkaSinks : public KafkaTest {};

// Produces (key, value) pairs to partition 0 in order; a nullopt key is a
// null key. "" on success.
std::string ProduceKeyed(const std::string& bootstrap, const std::string& topic,
                         const std::vector<std::pair<std::optional<std::string>, std::string>>& msgs) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) return errstr;
  std::string out;
  for (const auto& [key, value] : msgs) {
    const void* key_bytes = key ? key->data() : nullptr;
    const size_t key_len = key ? key->size() : 0;
    const rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_KEY(key_bytes, key_len),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_END);
    if (e) out = rd_kafka_err2str(e);
  }
  if (out.empty() && rd_kafka_flush(rk, 30000)) out = "flush timed out";
  rd_kafka_destroy(rk);
  return out;
}

// Gives the body of the first cls item naming 深圳 `extra` more bytes (a
// document an alert is raised for, whose tagged message is then too big);
// its key, or "" when there is none.
std::string GrowAShenzhenClsItem(std::vector<std::string>* lines, size_t extra) {
  pipeline::Decoder dec(pipeline::FormatSpec{});
  for (auto& l : *lines) {
    pipeline::Document d;
    if (!dec.Decode(l, &d).ok() || d.key.rfind("cls:", 0) != 0 || d.body.find("深圳") == std::string::npos) continue;
    const size_t at = l.find("\"content\":\"");
    if (at == std::string::npos) return "";
    l.insert(at + 11, std::string(extra, 'x'));
    return d.key;
  }
  return "";
}

// A dead letter from a Kafka source carries the source message's key, raw
// bytes, as the newsflow.key header; a null key gives no header.
TEST_F(KafkaSinks, DeadLetterCarriesTheSourceMessageKey) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const std::string topic = Unique("keyed"), dlq = Unique("dlq"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 1), "");
  ASSERT_EQ(CreateTopic(bootstrap_, dlq, 1), "");
  const std::string binary_key("k\0\xff", 3);
  ASSERT_EQ(ProduceKeyed(bootstrap_, topic,
                         {{std::string("cls:123456"), "not json {"}, {binary_key, "{broken"}, {std::nullopt, "[1, 2"}}),
            "");
  auto r = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, tmp.path("db"),
                                "--dead-letter kafka://" + bootstrap_ + "/" + dlq));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::JsonObject::LastLine(r.out).Uint("dead_lettered"), 3u) << r.out;

  std::map<std::string, std::map<std::string, std::string>> headers_by_offset;
  for (auto& m : ReadTopic(bootstrap_, dlq)) headers_by_offset[m.headers["newsflow.offset"]] = m.headers;
  ASSERT_EQ(headers_by_offset.size(), 3u);
  EXPECT_EQ(headers_by_offset["0"]["newsflow.key"], "cls:123456");
  EXPECT_EQ(headers_by_offset["1"]["newsflow.key"], binary_key);
  EXPECT_EQ(headers_by_offset["2"].count("newsflow.key"), 0u);
}

// Poison interleaved with good items: not JSON, wrong shape, invalid UTF-8,
// oversized, empty object, and poison as the very last message. Every good
// item is stored; every poison message is dead-lettered once with its reason
// and Kafka position, goes to the DLQ topic with the raw bytes, and the
// committed offsets move past it.
TEST_F(KafkaSinks, PoisonMessagesAreDeadLetteredAndTheirOffsetsCommitted) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const auto good = FixtureLines();
  const auto keys = KeysOf(good);
  std::string bad_utf8 = good[0];
  const size_t at = bad_utf8.find("\xE8\xB4\xA2");  // 财
  ASSERT_NE(at, std::string::npos);
  bad_utf8.replace(at, 3, "\xFF\xFE\xFD");
  std::string oversized = good[1];
  oversized.insert(1, "\"pad\":\"" + std::string(20000, 'x') + "\",");
  const std::vector<std::string> poison = {"this is not json", "{\"neither\": \"a feed item\"}", "[1, 2, 3]", bad_utf8,
                                           oversized, "{}", "{\"last\": tru"};
  std::vector<std::string> lines;
  std::map<int64_t, std::string> poison_at;  // offset -> raw
  for (size_t i = 0; i < good.size(); ++i) {
    if (i % 60 == 10 && poison_at.size() + 1 < poison.size()) {
      const std::string& bad = poison[poison_at.size()];
      poison_at[static_cast<int64_t>(lines.size())] = bad;
      lines.push_back(bad);
    }
    lines.push_back(good[i]);
  }
  poison_at[static_cast<int64_t>(lines.size())] = poison.back();
  lines.push_back(poison.back());
  ASSERT_EQ(poison_at.size(), poison.size());
  WriteLines(tmp.path("in.jsonl"), lines);

  const std::string topic = Unique("poison"), dlq = Unique("dlq"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 1), "");
  ASSERT_EQ(CreateTopic(bootstrap_, dlq, 1), "");
  auto p = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl")));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::string db = tmp.path("db");
  auto r = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, db,
                                "--batch 16 --max-record-bytes 16384 --dead-letter kafka://" + bootstrap_ + "/" + dlq));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const DbView v = ReadDb(db);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.docs, keys.size());
  EXPECT_EQ(v.keys, keys);
  ASSERT_EQ(v.dead, poison.size());
  ASSERT_EQ(v.dead_letters.size(), poison.size());
  std::map<std::string, std::string> reasons;
  for (const auto& d : v.dead_letters) {
    const std::string prefix = "kafka:" + topic + "/0@";
    ASSERT_EQ(d.position.rfind(prefix, 0), 0u) << d.position;
    const int64_t off = std::stoll(d.position.substr(prefix.size()));
    ASSERT_TRUE(poison_at.count(off)) << d.position;
    EXPECT_EQ(d.raw, poison_at[off]);
    EXPECT_FALSE(d.reason.empty());
    reasons[poison_at[off].substr(0, 12)] = d.reason;
  }
  EXPECT_NE(reasons[oversized.substr(0, 12)].find("oversized"), std::string::npos) << reasons[oversized.substr(0, 12)];

  // The DLQ topic: raw bytes as the value, position as the key, the reason
  // and the source coordinates in headers.
  const auto msgs = ReadTopic(bootstrap_, dlq);
  ASSERT_EQ(msgs.size(), poison.size());
  for (const auto& m : msgs) {
    ASSERT_TRUE(m.headers.count("newsflow.offset")) << m.key;
    const int64_t off = std::stoll(m.headers.at("newsflow.offset"));
    ASSERT_TRUE(poison_at.count(off));
    EXPECT_EQ(m.value, poison_at[off]);
    EXPECT_EQ(m.key, "kafka:" + topic + "/0@" + std::to_string(off));
    EXPECT_EQ(m.headers.at("newsflow.position"), m.key);
    EXPECT_EQ(m.headers.at("newsflow.topic"), topic);
    EXPECT_EQ(m.headers.at("newsflow.partition"), "0");
    EXPECT_FALSE(m.headers.at("newsflow.reason").empty());
  }

  // Offsets advanced past the poison, also past the last message.
  const auto end = static_cast<int64_t>(lines.size());
  EXPECT_EQ(EndOffsets(bootstrap_, topic).at(0), end);
  EXPECT_EQ(StoredOffset(db, group, topic, 0).value_or(-1), end);
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, topic).at(0), end);
}

// A message bigger than the consumer's fetch size (16 MiB) on a topic that
// takes it: librdkafka refused the response that held it, again and again,
// and the partition never moved (no dead letter, the items behind it never
// read, `exit=eof` never reached). It is dead-lettered as any oversized
// message, and the one behind it is stored.
TEST_F(KafkaSinks, AMessageBiggerThanTheFetchSizeIsDeadLetteredAndThePartitionMovesOn) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const auto good = FixtureLines();
  std::string big = good[1];
  big.insert(1, "\"pad\":\"" + std::string(20u << 20, 'x') + "\",");
  const std::string topic = Unique("big"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 1, {{"max.message.bytes", "25000000"}}), "");
  ASSERT_EQ(ProduceValues(bootstrap_, topic, {good[0], big, good[2]}), "");
  const std::string db = tmp.path("db");
  const auto r = RunShell("timeout 120 " + RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, db));
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  const DbView v = ReadDb(db);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.keys, KeysOf({good[0], good[2]}));
  ASSERT_EQ(v.dead, 1u);
  EXPECT_NE(v.dead_letters.at(0).reason.find("oversized"), std::string::npos) << v.dead_letters.at(0).reason;
  EXPECT_EQ(StoredOffset(db, group, topic, 0).value_or(-1), 3);
}

// Alerts go to a Kafka topic, keyed by document key, once each, and only for
// documents with an `alert: true` tag; the same set the file sink gets.
TEST_F(KafkaSinks, AlertsTopicGetsTheExpectedKeysOnceEach) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const auto lines = FixtureLines();
  WriteLines(tmp.path("in.jsonl"), lines);
  auto ref = RunShell(Newsflow() + " run -q --rules " + rules + " --db " + tmp.path("ref-db") + " --source " +
                      tmp.path("in.jsonl") + " --alerts file:" + tmp.path("alerts.jsonl"));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  std::set<std::string> expected;
  {
    pipeline::Decoder dec(pipeline::FormatSpec{});
    for (const auto& l : lines) {
      pipeline::Document d;
      ASSERT_TRUE(dec.Decode(l, &d).ok());
      if ((d.title + d.body).find("深圳") != std::string::npos) expected.insert(d.key);
    }
  }
  ASSERT_GT(expected.size(), 5u);

  const std::string topic = Unique("news"), alerts = Unique("alerts"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 3), "");
  ASSERT_EQ(CreateTopic(bootstrap_, alerts, 2), "");
  auto p = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl")));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::string db = tmp.path("db");
  const std::string sink = "--alerts kafka://" + bootstrap_ + "/" + alerts;
  auto r = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, db, "--batch 20 " + sink));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::JsonObject::LastLine(r.out).Uint("alerts"), expected.size()) << r.out;

  auto msgs = ReadTopic(bootstrap_, alerts);
  std::multiset<std::string> got;
  for (const auto& m : msgs) {
    got.insert(m.key);
    EXPECT_NE(m.value.find("\"key\":\"" + m.key + "\""), std::string::npos) << m.value.substr(0, 200);
    EXPECT_NE(m.value.find("\"region:shenzhen\""), std::string::npos);
    EXPECT_NE(m.value.find("\"spans\""), std::string::npos);
  }
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
  EXPECT_EQ(got.size(), expected.size()) << "an alert was published twice";
  EXPECT_EQ(ReadLines(tmp.path("alerts.jsonl")).size(), expected.size());

  // Consuming again from the stored offsets publishes nothing new.
  auto again = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, db, sink));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReadTopic(bootstrap_, alerts).size(), expected.size());
}

// A document whose JSON is over the broker's limit (1 MB by default) while
// its line was within --max-record-bytes: the broker will never take its
// tagged message. That one is said and dropped; the rest of the batch is
// published (they were lost with it), the run ends 0 (it ended 1, and the
// producer's own limit refused it before the broker's), and the next run
// starts clean. Alerts and dead letters go through the same producer.
TEST_F(KafkaSinks, AMessageTheBrokerRefusesForItsSizeDoesNotHoldUpTheOthers) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  auto lines = FixtureLines();
  const auto keys = KeysOf(lines);
  const std::string big_key = GrowAShenzhenClsItem(&lines, 1200000);  // over the broker's 1 MB
  ASSERT_FALSE(big_key.empty());
  WriteLines(tmp.path("in.jsonl"), lines);
  const std::string tagged = Unique("tagged"), alerts = Unique("alerts");
  ASSERT_EQ(CreateTopic(bootstrap_, tagged, 2), "");
  ASSERT_EQ(CreateTopic(bootstrap_, alerts, 2), "");
  const std::string run = Newsflow() + " run -q --json --rules " + rules + " --db " + tmp.path("db") +
                          " --max-record-bytes 4000000 --batch 32 --tagged kafka://" + bootstrap_ + "/" + tagged +
                          " --alerts kafka://" + bootstrap_ + "/" + alerts + " --source " + tmp.path("in.jsonl");
  auto r = RunShell(run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(big_key), std::string::npos) << "the refused message is not named: " << r.err;
  std::set<std::string> published;
  for (const auto& m : ReadTopic(bootstrap_, tagged)) published.insert(m.key);
  std::set<std::string> want = keys;
  want.erase(big_key);
  EXPECT_EQ(published, want);  // every other document of its batch and the batches after it
  std::set<std::string> alerted;  // an alert carries no body: the big document's goes too
  for (const auto& m : ReadTopic(bootstrap_, alerts)) alerted.insert(m.key);
  EXPECT_TRUE(alerted.count(big_key));
  // The next run has nothing pending that would stop it.
  auto again = RunShell(run);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(testing::JsonObject::LastLine(again.out).Uint("alerts_redelivered"), 0u) << again.out;
}

// A topic whose max.message.bytes (20,000) is below the producer's
// batch.size (1 MB) refused whole record batches of ordinary documents: the
// run ended 1 naming an ordinary key, and every restart failed the same
// batch again. The producer now sizes its batches under the topic's limit
// (asked at open); with a batch.size given that does not fit (or a limit
// lowered after open), refused messages are sent again one per batch, and
// the topic's later ones after them. Either way only the document over the
// limit by itself is dropped, named.
TEST_F(KafkaSinks, ATopicWhoseLimitIsBelowTheBatchSizeStillGetsEveryMessageItCanTake) {
  for (const std::string sized : {"", "?rdkafka.batch.size=1000000"}) {
    TempDir tmp;
    const std::string rules = WriteRules(tmp);
    auto lines = FixtureLines();
    const auto keys = KeysOf(lines);
    const std::string big_key = GrowAShenzhenClsItem(&lines, 30000);  // over the topic's limit alone
    ASSERT_FALSE(big_key.empty());
    WriteLines(tmp.path("in.jsonl"), lines);
    const std::string tagged = Unique("tagged-small"), alerts = Unique("alerts-small");
    ASSERT_EQ(CreateTopic(bootstrap_, tagged, 2, {{"max.message.bytes", "20000"}}), "");
    ASSERT_EQ(CreateTopic(bootstrap_, alerts, 1, {{"max.message.bytes", "20000"}}), "");
    const std::string run = Newsflow() + " run -q --json --rules " + rules + " --db " + tmp.path("db") +
                            " --tagged 'kafka://" + bootstrap_ + "/" + tagged + sized + "' --alerts 'kafka://" +
                            bootstrap_ + "/" + alerts + sized + "' --source " + tmp.path("in.jsonl");
    auto r = RunShell(run);
    ASSERT_EQ(r.exit_code, 0) << sized << r.err;
    EXPECT_NE(r.err.find(big_key), std::string::npos) << "the refused message is not named: " << r.err;
    std::set<std::string> published;
    size_t messages = 0;
    for (const auto& m : ReadTopic(bootstrap_, tagged)) published.insert(m.key), ++messages;
    std::set<std::string> want = keys;
    want.erase(big_key);
    EXPECT_EQ(published, want) << sized;
    EXPECT_EQ(messages, want.size()) << sized;  // each once
    std::set<std::string> alerted;
    size_t alert_messages = 0;
    for (const auto& m : ReadTopic(bootstrap_, alerts)) alerted.insert(m.key), ++alert_messages;
    EXPECT_TRUE(alerted.count(big_key)) << sized;  // an alert carries no body
    EXPECT_EQ(alert_messages, alerted.size()) << sized;
    EXPECT_EQ(alert_messages, testing::JsonObject::LastLine(r.out).Uint("alerts")) << sized << r.out;
    // The next run has nothing pending that would stop it.
    auto again = RunShell(run);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(testing::JsonObject::LastLine(again.out).Uint("alerts_redelivered"), 0u) << again.out;
  }
}

// An alert Kafka does not acknowledge (the broker unreachable for longer
// than the producer's retries) ends the run with an error (exit 1) naming
// the alerts sink, instead of being dropped silently; the alerts stay in the
// store's outbox and the next run delivers them once a broker takes them.
TEST_F(KafkaSinks, UndeliverableAlertsFailTheRunLoudlyAndAreDeliveredWhenTheBrokerIsBack) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  WriteLines(tmp.path("in.jsonl"), FixtureLines());
  const std::string topic = Unique("news"), group = Unique("g"), alerts = Unique("alerts");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 1), "");
  ASSERT_EQ(CreateTopic(bootstrap_, alerts, 1), "");
  auto p = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl")));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const int dead_port = FreePortPair();  // nothing listens there
  auto r = RunShell("NEWSFLOW_LOG_FORMAT=json " +
                    RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, tmp.path("db"),
                                "--alerts 'kafka://127.0.0.1:" + std::to_string(dead_port) +
                                    "/alerts?rdkafka.message.timeout.ms=2000'"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  bool named = false;  // an error log line of the run about the alerts sink
  for (const auto& line : testing::JsonLines(r.err))
    named |= line.String("level") == "error" && line.String("component") == "run" &&
             line.String("msg").rfind("alerts: ", 0) == 0;
  EXPECT_TRUE(named) << r.err;

  // The alerts wait in the store; a run with a reachable broker (and nothing
  // new to read) delivers every one of them.
  auto log = RunShell(Newsflow() + " alerts --json --db " + tmp.path("db"));
  ASSERT_EQ(log.exit_code, 0) << log.err;
  std::set<std::string> pending;
  for (const auto& a : testing::JsonLines(log.out)) pending.insert(a.String("id"));
  ASSERT_FALSE(pending.empty());
  auto later = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, tmp.path("db"),
                                    "--alerts kafka://" + bootstrap_ + "/" + alerts));
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(testing::JsonObject::LastLine(later.out).Uint("alerts_redelivered"), pending.size()) << later.out;
  std::set<std::string> delivered;
  for (const auto& m : ReadTopic(bootstrap_, alerts)) delivered.insert(m.key);
  EXPECT_EQ(delivered, pending);
}

// A backlog far larger than the in-flight limit: the source pauses its
// partitions (and keeps polling) instead of buffering, memory stays bounded,
// and everything is stored.
TEST_F(KafkaSinks, BacklogIsConsumedWithBoundedMemoryAndPausedPartitions) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const auto lines = FixtureLines();
  WriteLines(tmp.path("in.jsonl"), lines);
  const std::string topic = Unique("backlog"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 2), "");
  const int repeat = 25;  // 9,000 messages, ~26 MB
  auto p = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl"), "--repeat " + std::to_string(repeat)));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::string db = tmp.path("db");
  Process c(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof&inflight=300&inflight.mb=2", rules, db,
                        "--batch 32 --threads 2"),
            tmp.path("c.out"), tmp.path("c.err"));
  long peak_kb = 0;
  while (c.Running()) {
    std::ifstream st("/proc/" + std::to_string(c.pid()) + "/status");
    for (std::string l; std::getline(st, l);)
      if (l.rfind("VmHWM:", 0) == 0) peak_kb = std::max(peak_kb, std::atol(l.c_str() + 6));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(c.Wait(0), 0) << c.Stderr();
  const std::string out = ReadFile(tmp.path("c.out"));
  EXPECT_EQ(testing::JsonObject::LastLine(out).Uint("read"), lines.size() * repeat) << out;
  EXPECT_NE(c.Stderr().find("backpressure: paused"), std::string::npos) << c.Stderr();
  EXPECT_EQ(DocCount(db), lines.size());
  EXPECT_GT(peak_kb, 0);
  EXPECT_LT(peak_kb, 400 * 1024) << "peak RSS " << peak_kb << " kB";
  RecordProperty("peak_rss_kb", static_cast<int>(peak_kb));
  const auto ends = EndOffsets(bootstrap_, topic);
  for (const auto& [part, end] : ends) EXPECT_EQ(StoredOffset(db, group, topic, part).value_or(-1), end);
}

}  // namespace
}  // namespace newsflow::kafkatest
