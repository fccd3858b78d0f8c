// `newsflow --log-format text|json --log-level ...`: what a running job
// writes to stderr is log lines only, every one of them structured, and
// librdkafka's own lines come through the logger (never raw "%3|...|FAIL|").
// No broker is needed: the Kafka source is pointed at 127.0.0.1:1, where
// nothing listens, so librdkafka logs refused connections; `timeout` sends
// SIGTERM after 2 s, which ends the run cleanly (exit 0).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonObject;
using testing::Newsflow;
using testing::ReadLinesOf;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

const std::regex kTimestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
// A librdkafka log line as kafka_log.h words it: "<client> <FACILITY>: ...".
const std::regex kFromLibrdkafka(R"(^newsflow#consumer-\d+ [A-Z]+: )");

// `newsflow <before> run ... <after>` against a broker that is not there,
// stopped by SIGTERM after 2 s (killed if it has not ended 20 s later).
testing::CommandResult RunWithoutBroker(const TempDir& tmp, const std::string& before, const std::string& after,
                                        const std::string& env = "") {
  return RunShell(env + " timeout --preserve-status -k 20 2 " + Newsflow() + " " + before +
                  " run -q --source 'kafka://127.0.0.1:1/news?group=g' --rules " + SourcePath("rules/sets") +
                  " --db " + tmp.path("db") + " " + after);
}

TEST(LogCli, JsonEveryStderrLineIsALogObjectWithLibrdkafkaLines) {
  TempDir tmp;
  const auto r = RunWithoutBroker(tmp, "--log-format json", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = ReadLinesOf(r.err);
  ASSERT_FALSE(lines.empty());
  int from_librdkafka = 0;
  for (const auto& line : lines) {
    EXPECT_NE(line[0], '%') << line;
    const auto j = JsonObject::Of(line);
    ASSERT_TRUE(j.ok()) << line;
    EXPECT_EQ(j.Keys(), (std::vector<std::string>{"ts", "level", "component", "msg"})) << line;
    EXPECT_TRUE(std::regex_match(j.String("ts"), kTimestamp)) << line;
    EXPECT_EQ(std::set<std::string>({"debug", "info", "warn", "error"}).count(j.String("level")), 1u) << line;
    EXPECT_FALSE(j.String("msg").empty()) << line;
    if (j.String("component") == "kafka" && std::regex_search(j.String("msg"), kFromLibrdkafka)) {
      ++from_librdkafka;
      // A refused connection is librdkafka's FAIL at syslog level 3.
      if (j.String("msg").find(" FAIL: ") != std::string::npos) {
        EXPECT_EQ(j.String("level"), "error") << line;
      }
    }
  }
  EXPECT_GT(from_librdkafka, 0) << r.err;
  // The run's summary is a result, on stdout, not a log line.
  EXPECT_NE(r.out.find("read 0"), std::string::npos) << r.out;
}

TEST(LogCli, EnvSelectsJsonAndOptionsAfterTheSubcommandWork) {
  TempDir tmp;
  const auto r = RunWithoutBroker(tmp, "", "--log-level error", "NEWSFLOW_LOG_FORMAT=json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = ReadLinesOf(r.err);
  ASSERT_FALSE(lines.empty());
  bool from_librdkafka = false;
  for (const auto& line : lines) {
    const auto j = JsonObject::Of(line);
    ASSERT_TRUE(j.ok()) << line;
    EXPECT_EQ(j.String("level"), "error") << line;  // warn and info lines are dropped
    from_librdkafka |= std::regex_search(j.String("msg"), kFromLibrdkafka);
  }
  EXPECT_TRUE(from_librdkafka) << r.err;

  // The option wins over the environment.
  TempDir tmp2;
  const auto t = RunWithoutBroker(tmp2, "--log-format text", "", "NEWSFLOW_LOG_FORMAT=json");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  for (const auto& line : ReadLinesOf(t.err)) EXPECT_NE(line[0], '{') << line;
}

TEST(LogCli, TextLinesHaveTimestampLevelAndComponent) {
  TempDir tmp;
  const auto r = RunWithoutBroker(tmp, "", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::regex line_re(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO |WARN |ERROR) [a-z]+: (.+))");
  const auto lines = ReadLinesOf(r.err);
  ASSERT_FALSE(lines.empty());
  bool from_librdkafka = false;
  for (const auto& line : lines) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, line_re)) << line;
    from_librdkafka |= std::regex_search(m[2].str(), kFromLibrdkafka);
  }
  EXPECT_TRUE(from_librdkafka) << r.err;
}

TEST(LogCli, AFailedRunIsAnErrorLogLine) {
  TempDir tmp;
  const auto r = RunShell(Newsflow() + " --log-format json run -q --source " + tmp.path("missing.jsonl") +
                          " --rules " + SourcePath("rules/sets") + " --db " + tmp.path("db"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = ReadLinesOf(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  const auto j = JsonObject::Of(lines[0]);
  EXPECT_EQ(j.String("level"), "error") << lines[0];
  EXPECT_EQ(j.String("component"), "run") << lines[0];
  EXPECT_NE(j.String("msg").find("missing.jsonl"), std::string::npos) << lines[0];
}

TEST(LogCli, BadLogOptionsAreUsageErrors) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const std::string run = " run -q --source /dev/null --db " + db;
  const std::vector<std::string> cases = {
      Newsflow() + " --log-format xml" + run,
      Newsflow() + run + " --log-format JSON",
      Newsflow() + " --log-format" + run,
      Newsflow() + " --log-level verbose" + run,
      Newsflow() + run + " --log-level warning",
      "NEWSFLOW_LOG_FORMAT=yaml " + Newsflow() + run,
      "NEWSFLOW_LOG_LEVEL=loud " + Newsflow() + run,
  };
  for (const auto& cmd : cases) {
    const auto r = RunShell(cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find("--log-"), std::string::npos) << cmd << "\n" << r.err;  // names the option
  }
  EXPECT_FALSE(std::filesystem::exists(db)) << "a usage error created the store";
}

// A bad value from the environment (an environment file under systemd,
// where no --log- option appears) names the variable; the command line's
// option still wins over the variable.
TEST(LogCli, ABadEnvironmentValueNamesTheVariable) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const std::string run = " run -q --source /dev/null --db " + db;
  for (const std::string var : {"NEWSFLOW_LOG_LEVEL=WARN", "NEWSFLOW_LOG_FORMAT=JSON"}) {
    const auto r = RunShell(var + " " + Newsflow() + run);
    EXPECT_EQ(r.exit_code, 2) << var << "\n" << r.err;
    EXPECT_NE(r.err.find(var.substr(0, var.find('='))), std::string::npos) << var << "\n" << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(db)) << "a usage error created the store";
  const auto r = RunShell("NEWSFLOW_LOG_LEVEL=WARN NEWSFLOW_LOG_FORMAT=JSON " + Newsflow() + run +
                          " --rules " + SourcePath("rules/sets") + " --log-level warn --log-format json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace newsflow::pipeline
