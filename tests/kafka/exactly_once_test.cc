// Exactly-once into RocksDB: produce the 360 real fixture items, consume
// them with `newsflow run --source kafka://...`, kill -9 the consumer at
// several points and restart it, stop it with SIGTERM; the stored set must
// equal the produced set every time.
#include "kafka_test_util.h"

namespace newsflow::kafkatest {
namespace {

class KafkaExactlyOnce : public KafkaTest {};

TEST_F(KafkaExactlyOnce, ProduceThenConsumeStoresEveryItemOnce) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const auto lines = FixtureLines();
  const auto keys = KeysOf(lines);
  ASSERT_EQ(lines.size(), 360u);
  ASSERT_EQ(keys.size(), 360u);
  WriteLines(tmp.path("in.jsonl"), lines);
  const std::string topic = Unique("eo"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 3), "");
  auto p = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl")));
  ASSERT_EQ(p.exit_code, 0) << p.err;

  const std::string db = tmp.path("db");
  auto r = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, db, "--batch 50"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = testing::JsonObject::LastLine(r.out);
  EXPECT_EQ(summary.Uint("read"), 360u) << r.out;
  EXPECT_EQ(summary.Uint("stored"), 360u) << r.out;

  const DbView v = ReadDb(db);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.docs, 360u);
  EXPECT_EQ(v.keys, keys);
  EXPECT_EQ(v.dead, 0u);
  const DbView ref = ReferenceRun(tmp, rules, tmp.path("in.jsonl"));
  EXPECT_EQ(v.tag_index, ref.tag_index);
  EXPECT_EQ(v.tag_query, v.tag_index);
  EXPECT_GT(v.tag_index.at("region:shenzhen"), 0u);

  // Offsets: stored in RocksDB and committed to Kafka, both at the end.
  const auto ends = EndOffsets(bootstrap_, topic);
  ASSERT_EQ(ends.size(), 3u);
  int64_t total = 0;
  for (const auto& [part, end] : ends) {
    total += end;
    EXPECT_EQ(StoredOffset(db, group, topic, part).value_or(-1), end) << "partition " << part;
  }
  EXPECT_EQ(total, 360);
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, topic), ends);

  // A second run on the same DB and group reads nothing again.
  auto again = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, db));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto again_summary = testing::JsonObject::LastLine(again.out);
  EXPECT_EQ(again_summary.Uint("read"), 0u) << again.out;
  EXPECT_EQ(again_summary.Uint("stored"), 0u) << again.out;
}

// kill -9 at five (or more) points while production is still going on, then
// a final run to the end: nothing lost, nothing stored twice. Poison lines are
// interleaved so that a record read twice would show as an extra dead letter
// (dead letters are appended, documents are keyed).
TEST_F(KafkaExactlyOnce, KillNineMidStreamThenRestartNeitherLosesNorDuplicates) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  auto lines = FixtureLines();
  const auto keys = KeysOf(lines);
  size_t poison = 0;
  for (size_t i = 30; i < lines.size(); i += 60, ++poison)
    lines.insert(lines.begin() + static_cast<long>(i), "{\"poison\": " + std::to_string(i) + ", not json");
  WriteLines(tmp.path("in.jsonl"), lines);
  const std::string topic = Unique("crash"), group = Unique("g"), instance = Unique("member");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 2), "");
  const std::string db = tmp.path("db");
  // Static membership: a restarted consumer takes its old place at once
  // instead of waiting for the killed one's session to time out.
  const std::string query = "group=" + group + "&rdkafka.group.instance.id=" + instance;

  Process producer(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl"), "--rate 90"), tmp.path("p.out"),
                   tmp.path("p.err"));
  std::vector<uint64_t> kill_counts;
  const uint64_t points[] = {20, 60, 110, 160, 210, 260, 300};
  for (size_t i = 0; i < std::size(points); ++i) {
    // Every other run commits nothing to Kafka, so the group's committed
    // offsets lag: a restart that trusted them instead of the offsets stored
    // in RocksDB would read records again (and dead-letter poison twice).
    const std::string q = query + (i % 2 ? "&commit=none" : "");
    Process c(RunKafkaCmd(bootstrap_, topic, q, rules, db, "--batch 3"), tmp.path("c.out"),
              tmp.path("c" + std::to_string(i) + ".err"));
    ASSERT_TRUE(WaitFor([&] { return DocCount(db) >= points[i] || !c.Running(); }, 60000))
        << "consumer made no progress to " << points[i] << ": " << c.Stderr();
    ASSERT_TRUE(c.Running()) << c.Stderr();
    c.Signal(SIGKILL);
    ASSERT_EQ(c.Wait(10000), 128 + SIGKILL);
    kill_counts.push_back(DocCount(db));
  }
  ASSERT_EQ(producer.Wait(60000), 0) << ReadFile(tmp.path("p.err"));
  size_t mid_stream = 0;
  for (uint64_t k : kill_counts) mid_stream += k < keys.size();
  EXPECT_GE(mid_stream, 5u) << "kill points (docs stored when killed) should be mid-stream";

  auto r = RunShell(RunKafkaCmd(bootstrap_, topic, query + "&exit=eof", rules, db, "--batch 3"));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const DbView v = ReadDb(db);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.docs, keys.size());
  EXPECT_EQ(v.keys, keys);
  EXPECT_EQ(v.dead, poison) << "a dead letter stored twice means a record was processed twice";
  std::set<std::string> positions;
  for (const auto& d : v.dead_letters) positions.insert(d.position);
  EXPECT_EQ(positions.size(), poison);
  WriteLines(tmp.path("good.jsonl"), FixtureLines());
  const DbView ref = ReferenceRun(tmp, rules, tmp.path("good.jsonl"));
  EXPECT_EQ(v.tag_index, ref.tag_index);
  EXPECT_EQ(v.tag_query, v.tag_index);
  const auto ends = EndOffsets(bootstrap_, topic);
  for (const auto& [part, end] : ends)
    EXPECT_EQ(StoredOffset(db, group, topic, part).value_or(-1), end) << "partition " << part;
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, topic), ends);
}

// SIGTERM: stop fetching, store what was handed out with its offsets, commit
// them to Kafka, leave the group, exit 0 within 5 s.
TEST_F(KafkaExactlyOnce, SigtermDrainsCommitsAndExitsWithinFiveSeconds) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const auto lines = FixtureLines();
  WriteLines(tmp.path("in.jsonl"), lines);
  const std::string topic = Unique("term"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 1), "");
  const std::string db = tmp.path("db");
  Process producer(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl"), "--rate 150"), tmp.path("p.out"),
                   tmp.path("p.err"));
  {
    Process c(RunKafkaCmd(bootstrap_, topic, "group=" + group, rules, db, "--batch 8"), tmp.path("c.out"),
              tmp.path("c.err"));
    ASSERT_TRUE(WaitFor([&] { return DocCount(db) >= 100 || !c.Running(); }, 60000)) << c.Stderr();
    const auto t0 = Clock::now();
    c.Signal(SIGTERM);
    const int rc = c.Wait(10000);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    ASSERT_EQ(rc, 0) << c.Stderr();
    EXPECT_LT(secs, 5.0);
    EXPECT_TRUE(testing::JsonObject::LastLine(ReadFile(tmp.path("c.out"))).Has("stored")) << "summary printed";
  }
  // What is stored is exactly a prefix of the partition, and Kafka has the
  // same offset committed (the final synchronous commit).
  const auto stored = StoredOffset(db, group, topic, 0);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(DocCount(db), static_cast<uint64_t>(*stored));
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, topic).at(0), *stored);

  ASSERT_EQ(producer.Wait(60000), 0) << ReadFile(tmp.path("p.err"));
  auto r = RunShell(RunKafkaCmd(bootstrap_, topic, "group=" + group + "&exit=eof", rules, db));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const DbView v = ReadDb(db);
  EXPECT_EQ(v.docs, 360u);
  EXPECT_EQ(v.keys, KeysOf(lines));
}

}  // namespace
}  // namespace newsflow::kafkatest
