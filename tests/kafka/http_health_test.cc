// /ready and /metrics of `run --http` on a Kafka source: the consumer lag
// per partition reaches 0 once the topic is consumed, and while the broker
// is down the pipeline reports itself disconnected and not ready, then
// ready again when the broker is back. Each member of a group reports the
// lag of its own partitions only, also after a rebalance took one away.
#include "kafka_test_util.h"

namespace newsflow::kafkatest {
namespace {

struct HttpReply {
  int status = 0;
  std::string body;
};

// GET with curl (the test machine's; installed by deploy/install-deps.sh).
HttpReply Get(int port, const std::string& path, const TempDir& tmp) {
  const std::string body_file = tmp.path("http.body");
  auto r = RunShell("curl -s -o " + body_file + " -w '%{http_code}' --max-time 10 http://127.0.0.1:" +
                    std::to_string(port) + path);
  HttpReply out;
  out.status = std::atoi(r.out.c_str());
  out.body = ReadFile(body_file);
  return out;
}

// The value of one sample line of the text format ("" when absent).
std::string Sample(const std::string& metrics, const std::string& name_and_labels) {
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name_and_labels + " ", 0) == 0) return line.substr(name_and_labels.size() + 1);
  return "";
}

// The partitions of `topic` that have a lag sample in `metrics`.
std::set<int> LagPartitions(const std::string& metrics, const std::string& topic) {
  std::set<int> out;
  const std::string prefix = "newsflow_kafka_consumer_lag{topic=\"" + topic + "\",partition=\"";
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) out.insert(std::atoi(line.c_str() + prefix.size()));
  return out;
}

class KafkaHttp : public KafkaTest {};

TEST_F(KafkaHttp, LagOnlyForPartitionsTheMemberOwnsAfterARebalance) {
  TempDir tmp;
  const std::string rules = WriteRules(tmp);
  WriteLines(tmp.path("in.jsonl"), FixtureLines());
  const std::string topic = Unique("lag"), group = Unique("g");
  ASSERT_EQ(CreateTopic(bootstrap_, topic, 2), "");
  auto p = RunShell(ProduceCmd(bootstrap_, topic, tmp.path("in.jsonl")));
  ASSERT_EQ(p.exit_code, 0) << p.err;

  auto start = [&](const std::string& name) {
    return std::make_unique<Process>(RunKafkaCmd(bootstrap_, topic, "group=" + group, rules, tmp.path("db-" + name),
                                                 "--http 127.0.0.1:0 --http-port-file " + tmp.path("port-" + name)),
                                     tmp.path(name + ".out"), tmp.path(name + ".err"));
  };
  auto port_of = [&](const std::string& name, Process& proc) {
    EXPECT_TRUE(WaitFor([&] { return !ReadFile(tmp.path("port-" + name)).empty() || !proc.Running(); }, 30000));
    return std::atoi(ReadFile(tmp.path("port-" + name)).c_str());
  };
  // A alone owns both partitions and reports both.
  auto a = start("a");
  const int port_a = port_of("a", *a);
  ASSERT_GT(port_a, 0) << a->Stderr();
  std::string ma;
  ASSERT_TRUE(WaitFor([&] { return LagPartitions(ma = Get(port_a, "/metrics", tmp).body, topic) == std::set<int>{0, 1}; },
                      60000))
      << ma << a->Stderr();

  // B joins and takes one partition (range: one each).
  auto b = start("b");
  const int port_b = port_of("b", *b);
  ASSERT_GT(port_b, 0) << b->Stderr();
  std::string mb;
  ASSERT_TRUE(WaitFor([&] { return LagPartitions(mb = Get(port_b, "/metrics", tmp).body, topic).size() == 1; }, 60000))
      << mb << b->Stderr();
  const std::set<int> of_b = LagPartitions(mb, topic);
  // A's statistics have come round several times since the rebalance.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ma = Get(port_a, "/metrics", tmp).body;
  const std::set<int> of_a = LagPartitions(ma, topic);
  EXPECT_EQ(of_a.size(), 1u) << ma << a->Stderr();
  for (int part : of_b) EXPECT_EQ(of_a.count(part), 0u) << "partition " << part << " is B's\n" << ma;

  b->Signal(SIGTERM);
  a->Signal(SIGTERM);
  EXPECT_EQ(b->Wait(15000), 0) << b->Stderr();
  EXPECT_EQ(a->Wait(15000), 0) << a->Stderr();
}

TEST_F(KafkaHttp, LagPerPartitionAndReadinessFollowTheBroker) {
  TempDir tmp;
  PrivateBroker broker(tmp.path("broker"));
  ASSERT_GT(broker.port(), 0);
  ASSERT_EQ(broker.Start(), "");
  const std::string b = broker.bootstrap();
  const std::string rules = WriteRules(tmp);
  const auto lines = FixtureLines();
  WriteLines(tmp.path("in.jsonl"), lines);
  const std::string topic = Unique("health"), group = Unique("g");
  ASSERT_EQ(CreateTopic(b, topic, 2), "");
  auto p = RunShell(ProduceCmd(b, topic, tmp.path("in.jsonl")));
  ASSERT_EQ(p.exit_code, 0) << p.err;

  const std::string db = tmp.path("db"), port_file = tmp.path("port");
  Process c(RunKafkaCmd(b, topic, "group=" + group, rules, db,
                        "--batch 8 --http 127.0.0.1:0 --http-port-file " + port_file),
            tmp.path("c.out"), tmp.path("c.err"));
  ASSERT_TRUE(WaitFor([&] { return !ReadFile(port_file).empty() || !c.Running(); }, 30000)) << c.Stderr();
  const int port = std::atoi(ReadFile(port_file).c_str());
  ASSERT_GT(port, 0);

  // Consumed to the end: every partition's lag is reported, and is 0.
  const std::string lag0 = "newsflow_kafka_consumer_lag{topic=\"" + topic + "\",partition=\"0\"}";
  const std::string lag1 = "newsflow_kafka_consumer_lag{topic=\"" + topic + "\",partition=\"1\"}";
  std::string metrics;
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = Get(port, "/metrics", tmp).body;
        return Sample(metrics, lag0) == "0" && Sample(metrics, lag1) == "0" &&
               Sample(metrics, "newsflow_items_read_total") == std::to_string(lines.size());
      },
      60000))
      << metrics << c.Stderr();
  EXPECT_EQ(Get(port, "/ready", tmp).status, 200);
  EXPECT_EQ(Sample(metrics, "newsflow_source_connected"), "1");

  ASSERT_EQ(broker.Stop(), "");
  HttpReply ready;
  ASSERT_TRUE(WaitFor([&] { return (ready = Get(port, "/ready", tmp)).status == 503; }, 30000))
      << ready.status << " " << ready.body << c.Stderr();
  EXPECT_NE(ready.body.find("disconnected"), std::string::npos) << ready.body;
  EXPECT_EQ(Sample(Get(port, "/metrics", tmp).body, "newsflow_source_connected"), "0");
  EXPECT_EQ(Get(port, "/health", tmp).status, 200);  // alive, only not ready

  ASSERT_EQ(broker.Start(), "");
  ASSERT_TRUE(WaitFor([&] { return Get(port, "/ready", tmp).status == 200; }, 90000)) << c.Stderr();
  EXPECT_EQ(Sample(Get(port, "/metrics", tmp).body, "newsflow_source_connected"), "1");
  c.Signal(SIGTERM);
  ASSERT_EQ(c.Wait(15000), 0) << c.Stderr();
  EXPECT_EQ(DocCount(db), KeysOf(lines).size());
}

}  // namespace
}  // namespace newsflow::kafkatest
