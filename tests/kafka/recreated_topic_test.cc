// A consumer restarted on its store after its topic was deleted and
// recreated. librdkafka 2.0.2 has no topic ids (KIP-516), so the store's
// offsets cannot be tied to one incarnation of the topic; what Kafka lets a
// member see is checked on assignment (kafka_source.h, ASSIGNMENT):
//   * a stored offset past the new log's end: read from its start, counted
//     in the summary (kafka_offsets_beyond_end);
//   * a stored offset the group has no committed offset for (Kafka drops a
//     deleted topic's group offsets): warned and counted
//     (kafka_offsets_unconfirmed); the messages before it are still skipped.
#include "kafka_test_util.h"

namespace newsflow::kafkatest {
namespace {

using testing::JsonObject;

// Deletes a topic and waits until the broker no longer knows it. "" on success.
std::string DeleteTopic(const std::string& bootstrap, const std::string& topic) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) return errstr;
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, &dt, 1, nullptr, q);
  std::string out;
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) out = "DeleteTopics timed out";
  else if (rd_kafka_event_error(ev)) out = rd_kafka_event_error_string(ev);
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_DeleteTopic_destroy(dt);
  for (int i = 0; out.empty() && PartitionCount(rk, topic) > 0; ++i) {
    if (i == 100) out = "topic " + topic + " still there 20 s after its deletion";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  rd_kafka_destroy(rk);
  return out;
}

class KafkaRecreatedTopic : public KafkaTest {
 protected:
  // Produces `lines` into a new 1-partition topic (deleting the old one
  // first when `recreate`).
  void Fill(const std::string& topic, const std::vector<std::string>& lines, bool recreate) {
    if (recreate) {
      ASSERT_EQ(DeleteTopic(bootstrap_, topic), "");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    ASSERT_EQ(CreateTopic(bootstrap_, topic, 1), "");
    const std::string file = tmp_.path(Unique("in") + ".jsonl");
    WriteLines(file, lines);
    auto p = RunShell(ProduceCmd(bootstrap_, topic, file));
    ASSERT_EQ(p.exit_code, 0) << p.err;
    ASSERT_EQ(EndOffsets(bootstrap_, topic).at(0), static_cast<int64_t>(lines.size()));
  }
  // One run to the end of the topic; its --json summary.
  JsonObject Consume(const std::string& topic, const std::string& group, const std::string& db) {
    auto r = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules_, db));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    last_err_ = r.err;
    return JsonObject::LastLine(r.out);
  }
  TempDir tmp_;
  std::string rules_ = WriteRules(tmp_);
  std::string last_err_;
};

TEST_F(KafkaRecreatedTopic, StoredOffsetPastTheNewEndReadsTheNewLogFromItsStart) {
  const auto lines = FixtureLines();
  const std::vector<std::string> old_lines(lines.begin(), lines.begin() + 240), new_lines(lines.begin() + 240, lines.end());
  const std::string topic = Unique("recreate"), group = Unique("g"), db = tmp_.path("db");
  Fill(topic, old_lines, false);
  JsonObject first = Consume(topic, group, db);
  ASSERT_EQ(first.Uint("stored"), KeysOf(old_lines).size()) << last_err_;
  ASSERT_EQ(StoredOffset(db, group, topic, 0).value_or(-1), 240);

  Fill(topic, new_lines, true);  // 120 messages: the stored 240 is past the end
  JsonObject second = Consume(topic, group, db);
  EXPECT_EQ(second.Uint("stored"), KeysOf(new_lines).size()) << last_err_;
  EXPECT_EQ(second.Uint("kafka_offsets_beyond_end"), 1u) << last_err_;
  EXPECT_EQ(ReadDb(db).keys, KeysOf(lines));
  EXPECT_EQ(StoredOffset(db, group, topic, 0).value_or(-1), 120);
}

TEST_F(KafkaRecreatedTopic, StoredOffsetTheGroupHasNotCommittedIsCounted) {
  const auto lines = FixtureLines();
  const std::vector<std::string> old_lines(lines.begin(), lines.begin() + 120), new_lines(lines.begin() + 120, lines.end());
  const std::string topic = Unique("recreate"), group = Unique("g"), db = tmp_.path("db");
  Fill(topic, old_lines, false);
  ASSERT_EQ(Consume(topic, group, db).Uint("stored"), KeysOf(old_lines).size()) << last_err_;
  // A plain restart: the group's committed offset confirms the stored one.
  JsonObject again = Consume(topic, group, db);
  EXPECT_EQ(again.Uint("stored"), 0u);
  EXPECT_EQ(again.Uint("kafka_offsets_unconfirmed"), 0u) << last_err_;
  EXPECT_EQ(again.Uint("kafka_offsets_beyond_end"), 0u);

  // 240 messages: the stored 120 is inside the new log, which cannot be
  // told from expired group offsets. Reported, not guessed at.
  Fill(topic, new_lines, true);
  JsonObject second = Consume(topic, group, db);
  EXPECT_EQ(second.Uint("kafka_offsets_unconfirmed"), 1u) << last_err_;
  EXPECT_EQ(second.Uint("kafka_offsets_beyond_end"), 0u) << last_err_;
  EXPECT_EQ(StoredOffset(db, group, topic, 0).value_or(-1), 240);
}

}  // namespace
}  // namespace newsflow::kafkatest
