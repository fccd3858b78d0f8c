// Two consumers in one group on a 4-partition topic, each with its own
// RocksDB (one writer process per DB). What kafka_source.h promises:
//   * clean handovers (rebalance on join, SIGTERM leave) with the default
//     eager strategy: the union of the two DBs is exactly the produced set
//     and no key is in both;
//   * cooperative-sticky: no loss in the union; a key in both DBs is possible
//     when librdkafka 2.0.2 declares the assignment lost (issue #4059);
//   * a member killed with -9: the union still holds every record (records it
//     stored after its last Kafka commit may be in both DBs).
#include "json_util.h"
#include "kafka_test_util.h"

namespace newsflow::kafkatest {
namespace {

// Non-empty when the consumer has been assigned at least one partition.
std::string StderrAssigned(const Process& p) {
  const std::string e = p.Stderr();
  for (size_t at = e.find("kafka: assigned "); at != std::string::npos; at = e.find("kafka: assigned ", at + 1))
    if (e.compare(at + 16, 1, "\n") != 0) return e;
  return "";
}

class KafkaGroup : public KafkaTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(KafkaGroup, TwoConsumersSplitPartitionsThenOneLeavesCleanly) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const auto lines = FixtureLines();
  const auto keys = KeysOf(lines);
  const std::vector<std::string> first(lines.begin(), lines.begin() + 240), rest(lines.begin() + 240, lines.end());
  WriteLines(tmp.path("first.jsonl"), first);
  WriteLines(tmp.path("rest.jsonl"), rest);
  const std::string topic = Unique("grp"), group = Unique("g");
  // topic.sh create NAME 4 does the same through Kafka's own tool (a JVM).
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 4), "");
  const std::string query = "group=" + group + "&strategy=" + GetParam();
  const std::string db_a = tmp.path("db-a"), db_b = tmp.path("db-b");

  Process a(RunKafkaCmd(bootstrap_, topic, query, rules, db_a, "--batch 4"), tmp.path("a.out"), tmp.path("a.err"));
  ASSERT_TRUE(WaitFor([&] { return !StderrAssigned(a).empty() || !a.Running(); }, 30000)) << a.Stderr();
  Process b(RunKafkaCmd(bootstrap_, topic, query, rules, db_b, "--batch 4"), tmp.path("b.out"), tmp.path("b.err"));
  ASSERT_TRUE(WaitFor([&] { return !StderrAssigned(b).empty() || !b.Running(); }, 30000)) << b.Stderr();
  ASSERT_TRUE(a.Running()) << a.Stderr();
  ASSERT_TRUE(b.Running()) << b.Stderr();

  // Both members work: production starts once both are in the group.
  auto p1 = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("first.jsonl"), "--rate 400"));
  ASSERT_EQ(p1.exit_code, 0) << p1.err;
  ASSERT_TRUE(WaitFor([&] { return DocCount(db_a) + DocCount(db_b) >= first.size(); }, 60000))
      << a.Stderr() << b.Stderr();
  EXPECT_GT(DocCount(db_a), 0u) << a.Stderr();
  EXPECT_GT(DocCount(db_b), 0u) << b.Stderr();

  // B leaves cleanly; A takes its partitions over where B stopped.
  b.Signal(SIGTERM);
  ASSERT_EQ(b.Wait(10000), 0) << b.Stderr();
  auto p2 = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("rest.jsonl")));
  ASSERT_EQ(p2.exit_code, 0) << p2.err;
  ASSERT_TRUE(WaitFor([&] { return DocCount(db_a) + DocCount(db_b) >= keys.size() || !a.Running(); }, 60000))
      << a.Stderr();
  a.Signal(SIGTERM);
  ASSERT_EQ(a.Wait(10000), 0) << a.Stderr();

  const DbView va = ReadDb(db_a), vb = ReadDb(db_b);
  ASSERT_TRUE(va.ok && vb.ok);
  std::set<std::string> both, uni = va.keys;
  uni.insert(vb.keys.begin(), vb.keys.end());
  for (const auto& k : vb.keys)
    if (va.keys.count(k)) both.insert(k);
  EXPECT_EQ(uni, keys) << "union of the two DBs must be the produced set";
  EXPECT_EQ(va.docs, va.keys.size());
  EXPECT_EQ(vb.docs, vb.keys.size());
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, topic), EndOffsets(bootstrap_, topic));
  RecordProperty("keys_in_both_dbs", static_cast<int>(both.size()));
  if (std::string(GetParam()) == "range") {
    EXPECT_TRUE(both.empty()) << both.size() << " keys stored by both consumers, e.g. " << *both.begin()
                              << "\nA: " << a.Stderr() << "\nB: " << b.Stderr();
    EXPECT_EQ(va.docs + vb.docs, keys.size());
  } else if (!both.empty()) {
    // Only a lost assignment (librdkafka #4059) may hand a partition over
    // without its final commit.
    EXPECT_NE((a.Stderr() + b.Stderr()).find("(lost)"), std::string::npos)
        << both.size() << " keys in both DBs without a lost assignment\nA: " << a.Stderr() << "\nB: " << b.Stderr();
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, KafkaGroup, ::testing::Values("range", "cooperative-sticky"),
                         [](const auto& info) { return std::string(info.param[0] == 'c' ? "Cooperative" : "Eager"); });

// cooperative-sticky while records flow: members join one after another,
// each join makes a member revoke part of its assignment, and that member
// keeps storing and committing while the rebalance's second join runs. A
// commit in that window met the bumped generation, librdkafka declared the
// member's whole assignment lost, and its partitions moved without their
// final commit (keys in two DBs). Commits are now held until the second
// join's assign: at most a key or two is in two DBs (a race left open).
TEST_F(KafkaTest, CooperativeJoinsWhileConsumingStoreEachKeyOnce) {
  TempDir tmp;
  const auto [rules, lines, keys] = WriteFixtureInput(tmp);
  const std::string topic = Unique("grpcoop"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 6), "");
  const std::string query = "group=" + group + "&strategy=cooperative-sticky";
  std::vector<std::unique_ptr<Process>> members;
  std::vector<std::string> dbs;
  auto join = [&] {
    const std::string n = std::to_string(members.size());
    dbs.push_back(tmp.path("db-" + n));
    members.push_back(std::make_unique<Process>(RunKafkaCmd(bootstrap_, topic, query, rules, dbs.back(), "--batch 2"),
                                                tmp.path(n + ".out"), tmp.path(n + ".err")));
  };
  join();
  ASSERT_TRUE(WaitFor([&] { return !StderrAssigned(*members[0]).empty() || !members[0]->Running(); }, 30000))
      << members[0]->Stderr();
  Process producer(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl"), "--rate 30"), tmp.path("p.out"),
                   tmp.path("p.err"));
  for (int i = 0; i < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    join();
    ASSERT_TRUE(WaitFor([&] { return !StderrAssigned(*members.back()).empty() || !members.back()->Running(); }, 30000))
        << members.back()->Stderr();
  }
  ASSERT_EQ(producer.Wait(60000), 0) << ReadFile(tmp.path("p.err"));
  const auto stored = [&] {
    uint64_t n = 0;
    for (const auto& db : dbs) n += DocCount(db);
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return stored() >= keys.size(); }, 60000)) << stored() << " of " << keys.size();
  for (auto& m : members) m->Signal(SIGTERM);
  for (auto& m : members) ASSERT_EQ(m->Wait(15000), 0) << m->Stderr();

  std::set<std::string> uni;
  std::map<std::string, int> dbs_with_key;
  for (const auto& db : dbs)
    for (const auto& k : ReadDb(db).keys) {
      uni.insert(k);
      ++dbs_with_key[k];
    }
  EXPECT_EQ(uni, keys);
  size_t in_two = 0;
  for (const auto& [k, n] : dbs_with_key) in_two += n > 1;
  // Narrowed, not closed: a member that commits while ANOTHER member's
  // second join runs cannot see it (kafka_source.h), and librdkafka 2.0.2
  // then declares its assignment lost (or fails the commit of a revoke
  // that follows): those partitions move without their last commit. Before
  // the hold: 8 and 15 keys in two DBs in two runs; with it 0 in most. How
  // many one loss duplicates depends on where it lands (4 and 5 on a loaded
  // CI machine), so the test holds the cause: keys are in two DBs only when
  // a member's summary counts a partition handed over without its commit.
  uint64_t uncommitted = 0;
  std::string logs;
  for (size_t i = 0; i < members.size(); ++i) {
    uncommitted += testing::JsonObject::LastLine(ReadFile(tmp.path(std::to_string(i) + ".out"))).Uint("kafka_uncommitted_handovers");
    logs += "\n--- member " + std::to_string(i) + "\n" + members[i]->Stderr();
  }
  RecordProperty("keys_in_two_dbs", static_cast<int>(in_two));
  RecordProperty("uncommitted_handovers", static_cast<int>(uncommitted));
  if (in_two > 0) {
    EXPECT_GT(uncommitted, 0u) << in_two << " keys stored by two members, every handover committed" << logs;
  }
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, topic), EndOffsets(bootstrap_, topic));
}

// librdkafka keeps a partition's pause flag across a revoke: a member whose
// backlog paused its partitions when a rebalance took some of them away must
// read them again when they come back (librdkafka issues #1849, #2190). A's
// writer is held (test hook) until its backlog paused its partitions and B's
// join revokes them; B leaves once the first messages are stored, and A must
// then read every partition to its end.
TEST_F(KafkaTest, APartitionRevokedWhilePausedIsReadWhenItComesBack) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  const auto lines = FixtureLines();
  const auto keys = KeysOf(lines);
  const std::vector<std::string> first(lines.begin(), lines.begin() + 200), rest(lines.begin() + 200, lines.end());
  WriteLines(tmp.path("first.jsonl"), first);
  WriteLines(tmp.path("rest.jsonl"), rest);
  const std::string topic = Unique("grppause"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 4), "");
  const std::string db_a = tmp.path("db-a"), db_b = tmp.path("db-b"), hold = tmp.path("hold");
  WriteLines(hold, {});
  Process a("env NEWSFLOW_LOG_LEVEL=debug NEWSFLOW_TEST_HOLD_WRITES_FILE=" + hold + " " +
                RunKafkaCmd(bootstrap_, topic, "group=" + group + "&inflight=8", rules, db_a, "--batch 4"),
            tmp.path("a.out"), tmp.path("a.err"));
  ASSERT_TRUE(WaitFor([&] { return !StderrAssigned(a).empty() || !a.Running(); }, 30000)) << a.Stderr();
  auto p1 = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("first.jsonl")));
  ASSERT_EQ(p1.exit_code, 0) << p1.err;
  // A's backlog is full and its partitions paused: nothing can be stored.
  ASSERT_TRUE(WaitFor([&] { return a.Stderr().find("kafka: paused 4 partitions") != std::string::npos; }, 30000))
      << a.Stderr();
  EXPECT_EQ(DocCount(db_a), 0u);

  Process b(RunKafkaCmd(bootstrap_, topic, "group=" + group, rules, db_b, "--batch 4"), tmp.path("b.out"),
            tmp.path("b.err"));
  // B's join makes A revoke while paused; the revoke waits for A's writer.
  ASSERT_TRUE(WaitFor([&] { return a.Stderr().find("kafka: revoking ") != std::string::npos || !a.Running(); }, 30000))
      << a.Stderr();
  std::remove(hold.c_str());
  ASSERT_TRUE(WaitFor([&] { return !StderrAssigned(b).empty() || !b.Running(); }, 30000)) << b.Stderr();
  ASSERT_TRUE(WaitFor([&] { return DocCount(db_a) + DocCount(db_b) >= first.size(); }, 60000))
      << a.Stderr() << b.Stderr();

  // B leaves: A gets B's partitions back, among them partitions it paused.
  b.Signal(SIGTERM);
  ASSERT_EQ(b.Wait(10000), 0) << b.Stderr();
  auto p2 = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("rest.jsonl")));
  ASSERT_EQ(p2.exit_code, 0) << p2.err;
  const auto union_keys = [&] {
    auto ka = ReadDb(db_a).keys, kb = ReadDb(db_b).keys;
    ka.insert(kb.begin(), kb.end());
    return ka;
  };
  EXPECT_TRUE(WaitFor([&] { return union_keys().size() >= keys.size() || !a.Running(); }, 60000))
      << union_keys().size() << " of " << keys.size() << " keys stored\n" << a.Stderr();
  a.Signal(SIGTERM);
  ASSERT_EQ(a.Wait(10000), 0) << a.Stderr();
  EXPECT_EQ(union_keys(), keys);
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, topic), EndOffsets(bootstrap_, topic));
}

// A member killed with -9: its partitions move to the survivor after the
// session timeout; the union of the DBs still holds every record.
TEST_F(KafkaTest, GroupMemberKilledNothingLostInTheUnion) {
  TempDir tmp;
  const auto [rules, lines, keys] = WriteFixtureInput(tmp);
  const std::string topic = Unique("grpkill"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 4), "");
  const std::string query = "group=" + group + "&rdkafka.session.timeout.ms=6000";
  const std::string db_a = tmp.path("db-a"), db_b = tmp.path("db-b");
  Process a(RunKafkaCmd(bootstrap_, topic, query, rules, db_a, "--batch 4"), tmp.path("a.out"), tmp.path("a.err"));
  ASSERT_TRUE(WaitFor([&] { return !StderrAssigned(a).empty() || !a.Running(); }, 30000)) << a.Stderr();
  Process b(RunKafkaCmd(bootstrap_, topic, query, rules, db_b, "--batch 4"), tmp.path("b.out"), tmp.path("b.err"));
  ASSERT_TRUE(WaitFor([&] { return !StderrAssigned(b).empty() || !b.Running(); }, 30000)) << b.Stderr();

  Process producer(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl"), "--rate 150"), tmp.path("p.out"),
                   tmp.path("p.err"));
  ASSERT_TRUE(WaitFor([&] { return DocCount(db_b) >= 40 || !b.Running(); }, 60000)) << b.Stderr();
  b.Signal(SIGKILL);
  ASSERT_EQ(b.Wait(10000), 128 + SIGKILL);
  ASSERT_EQ(producer.Wait(60000), 0) << ReadFile(tmp.path("p.err"));
  const auto union_size = [&] {
    auto ka = ReadDb(db_a).keys, kb = ReadDb(db_b).keys;
    ka.insert(kb.begin(), kb.end());
    return ka.size();
  };
  ASSERT_TRUE(WaitFor([&] { return union_size() >= keys.size() || !a.Running(); }, 60000)) << a.Stderr();
  a.Signal(SIGTERM);
  ASSERT_EQ(a.Wait(10000), 0) << a.Stderr();

  const DbView va = ReadDb(db_a), vb = ReadDb(db_b);
  std::set<std::string> uni = va.keys;
  uni.insert(vb.keys.begin(), vb.keys.end());
  EXPECT_EQ(uni, keys);
  EXPECT_GT(vb.docs, 0u);
  // Within each DB nothing is stored twice (documents are keyed; the count
  // matches the keys) whatever was read twice across the two.
  EXPECT_EQ(va.docs, va.keys.size());
  EXPECT_EQ(vb.docs, vb.keys.size());
}

}  // namespace
}  // namespace newsflow::kafkatest
