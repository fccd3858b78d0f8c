// /ready and /metrics of `run --http` on a Kafka source: the consumer lag
// per partition reaches 0 once the topic is consumed, and while the broker
// is down the pipeline reports itself disconnected and not ready, then
// ready again when the broker is back.
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

class KafkaHttp : public KafkaTest {};

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
