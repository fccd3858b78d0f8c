// The broker goes away and comes back while the consumer runs. A second
// broker instance (its own port and state dir, via deploy/kafka/start.sh with
// KAFKA_PORT / KAFKA_STATE_DIR) so the shared one is untouched.
#include "kafka_test_util.h"

namespace newsflow::kafkatest {
namespace {

// The shared broker must be there too (the suite's contract), though this
// test talks only to its own.
class KafkaFaults : public KafkaTest {};

TEST_F(KafkaFaults, BrokerStoppedAndRestartedWhileConsumingConsumerRecovers) {
  TempDir tmp;
  PrivateBroker broker(tmp.path("broker"));
  ASSERT_GT(broker.port(), 0);
  ASSERT_EQ(broker.Start(), "");
  const std::string b = broker.bootstrap();
  ASSERT_EQ(b, "127.0.0.1:" + std::to_string(broker.port()));

  const std::string rules = WriteRules(tmp);
  const auto lines = FixtureLines();
  const auto keys = KeysOf(lines);
  const std::vector<std::string> first(lines.begin(), lines.begin() + 180), rest(lines.begin() + 180, lines.end());
  WriteLines(tmp.path("first.jsonl"), first);
  WriteLines(tmp.path("rest.jsonl"), rest);
  const std::string topic = Unique("restart"), group = Unique("g");
  ASSERT_EQ(CreateTopic(b, topic, 2), "");
  auto p1 = RunShell(ProduceCmd(b, topic, tmp.path("first.jsonl")));
  ASSERT_EQ(p1.exit_code, 0) << p1.err;

  const std::string db = tmp.path("db");
  Process c(RunKafkaCmd(b, topic, "group=" + group, rules, db, "--batch 8"), tmp.path("c.out"), tmp.path("c.err"));
  ASSERT_TRUE(WaitFor([&] { return DocCount(db) >= first.size() || !c.Running(); }, 60000)) << c.Stderr();

  ASSERT_EQ(broker.Stop(), "");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(c.Running()) << "the consumer must outlive a broker outage: " << c.Stderr();
  ASSERT_EQ(broker.Start(), "");
  auto p2 = RunShell(ProduceCmd(b, topic, tmp.path("rest.jsonl")));
  ASSERT_EQ(p2.exit_code, 0) << p2.err;
  ASSERT_TRUE(WaitFor([&] { return DocCount(db) >= keys.size() || !c.Running(); }, 90000))
      << DocCount(db) << " stored; " << c.Stderr();
  // Recovered by itself: once the member has rejoined the group, the offsets
  // that failed to commit during the outage reach Kafka too.
  const auto ends = EndOffsets(b, topic);
  // A commit unanswered through the outage is sent again after 5 s.
  std::map<int32_t, int64_t> committed;
  EXPECT_TRUE(WaitFor([&] { return (committed = CommittedOffsets(b, group, topic)) == ends; }, 45000))
      << "end offsets " << ::testing::PrintToString(ends) << ", committed " << ::testing::PrintToString(committed)
      << "\n" << c.Stderr();
  c.Signal(SIGTERM);
  ASSERT_EQ(c.Wait(10000), 0) << c.Stderr();

  const DbView v = ReadDb(db);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.keys, keys);
  EXPECT_EQ(v.docs, keys.size());
  EXPECT_EQ(v.dead, 0u);
  for (const auto& [part, end] : ends) EXPECT_EQ(StoredOffset(db, group, topic, part).value_or(-1), end);
  EXPECT_EQ(CommittedOffsets(b, group, topic), ends) << c.Stderr();
}

}  // namespace
}  // namespace newsflow::kafkatest
