// The logger (pipeline/log/logger.h): both line formats byte for byte, JSON
// escaping checked by parsing the lines back (simdjson), level filtering,
// whole lines from concurrent threads, and librdkafka's own lines routed
// through it (kafka_log.h) with no broker: a producer pointed at a port
// where nothing listens logs its connection failures.
#include "pipeline/log/logger.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "json_util.h"
#include "pipeline/log/kafka_log.h"
#include "pipeline/sink/kafka_producer.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// 2026-11-29T02:10:00.123Z
const system_clock::time_point kTime{milliseconds(1795918200123)};

// Captures the logger's lines while alive; back to stderr, text, info after.
class CapturedLog {
 public:
  explicit CapturedLog(LogFormat format, LogLevel level = LogLevel::kInfo) {
    LoggerOptions o;
    o.format = format;
    o.level = level;
    o.out = &out_;
    ConfigureLogger(o);
  }
  ~CapturedLog() { ConfigureLogger(LoggerOptions{}); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

TEST(LogFormat, TextLineHasTimestampLevelComponentAndMessage) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kWarn, "kafka", "offset commit failed"),
            "2026-11-29T02:10:00.123Z WARN  kafka: offset commit failed\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "run", "x"),
            "2026-11-29T02:10:00.123Z INFO  run: x\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kError, "run", "x"),
            "2026-11-29T02:10:00.123Z ERROR run: x\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kDebug, "run", "x"),
            "2026-11-29T02:10:00.123Z DEBUG run: x\n");
}

TEST(LogFormat, TextKeepsAMessageOnOneLine) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "kafka", "a\nb\r\x01" "c\t深圳"),
            "2026-11-29T02:10:00.123Z INFO  kafka: a\\nb\\r\\x01c\t深圳\n");
}

TEST(LogFormat, JsonLineIsOneObjectWithTsLevelComponentMsg) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kWarn, "kafka", "offset commit failed"),
            "{\"ts\":\"2026-11-29T02:10:00.123Z\",\"level\":\"warn\",\"component\":\"kafka\","
            "\"msg\":\"offset commit failed\"}\n");
}

TEST(LogFormat, JsonEscapesQuotesControlsAndKeepsChinese) {
  const std::string msg = std::string("深圳 \"12英寸\" 芯片\\产线\n\t\r\x01\x1f end ") + "\xff" + "\xe6\xb7";
  const std::string line = FormatLogLine(LogFormat::kJson, kTime, LogLevel::kError, "run", msg);
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1) << line;  // one line
  const auto j = testing::JsonObject::Of(line.substr(0, line.size() - 1));
  ASSERT_TRUE(j.ok()) << line;
  EXPECT_EQ(j.Keys(), (std::vector<std::string>{"ts", "level", "component", "msg"}));
  EXPECT_EQ(j.String("ts"), "2026-11-29T02:10:00.123Z");
  EXPECT_EQ(j.String("level"), "error");
  EXPECT_EQ(j.String("component"), "run");
  // Invalid UTF-8 (a stray 0xff, a cut-off 3-byte sequence) becomes U+FFFD.
  EXPECT_EQ(j.String("msg"), std::string("深圳 \"12英寸\" 芯片\\产线\n\t\r\x01\x1f end ") + "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  // Chinese text is written as UTF-8, not as \u escapes.
  EXPECT_NE(line.find("深圳"), std::string::npos) << line;
}

TEST(LogOptions, ParseAcceptsTheDocumentedNamesOnly) {
  LogLevel l = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("error", &l));
  EXPECT_EQ(l, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("WARN", &l));
  EXPECT_FALSE(ParseLogLevel("warning", &l));
  LogFormat f = LogFormat::kText;
  EXPECT_TRUE(ParseLogFormat("json", &f));
  EXPECT_EQ(f, LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("", &f));
  EXPECT_FALSE(ParseLogFormat("yaml", &f));
}

TEST(Logger, WritesEnabledLevelsOnlyWithTheCurrentTime) {
  CapturedLog log(LogFormat::kJson, LogLevel::kWarn);
  const auto before = system_clock::now();
  LogDebug("kafka", "debug line");
  LogInfo("kafka", "info line");
  LogWarn("kafka", "warn line");
  LogError("run", "error line");
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarn));
  const auto lines = testing::JsonLines(log.text());
  ASSERT_EQ(lines.size(), 2u) << log.text();
  EXPECT_EQ(lines[0].String("level"), "warn");
  EXPECT_EQ(lines[0].String("msg"), "warn line");
  EXPECT_EQ(lines[1].String("level"), "error");
  EXPECT_EQ(lines[1].String("component"), "run");
  const auto after = system_clock::now();
  // The timestamp is the time of the call, in UTC, to the millisecond.
  const std::string ts = lines[0].String("ts");
  ASSERT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << ts;
  std::tm tm{};
  int millis = 0;
  ASSERT_EQ(std::sscanf(ts.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec, &millis),
            7);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const int64_t ts_ms = int64_t{timegm(&tm)} * 1000 + millis;
  auto ms_of = [](system_clock::time_point t) {
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
  };
  EXPECT_GE(ts_ms, ms_of(before)) << ts;
  EXPECT_LE(ts_ms, ms_of(after)) << ts;
}

TEST(Logger, TextFormatByDefaultLevelsInfoAndAbove) {
  CapturedLog log(LogFormat::kText);
  LogDebug("kafka", "not shown");
  LogInfo("kafka", "assigned t/0@5");
  const auto lines = testing::ReadLinesOf(log.text());
  ASSERT_EQ(lines.size(), 1u) << log.text();
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  kafka: assigned t/0@5)")))
      << lines[0];
}

TEST(Logger, LinesFromConcurrentThreadsStayWhole) {
  CapturedLog log(LogFormat::kJson);
  constexpr int kThreads = 4, kLines = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t] {
      const std::string component = fmt::format("c{}", t);
      const std::string msg = fmt::format("thread {} {}", t, std::string(500, 'x'));
      for (int i = 0; i < kLines; ++i) LogWarn(component, msg);
    });
  for (auto& th : threads) th.join();
  const auto lines = testing::JsonLines(log.text());
  ASSERT_EQ(lines.size(), size_t{kThreads * kLines});
  for (const auto& j : lines) {
    ASSERT_TRUE(j.ok());
    const std::string c = j.String("component");
    EXPECT_EQ(j.String("msg"), "thread " + c.substr(1) + " " + std::string(500, 'x'));
  }
}

TEST(KafkaLog, SyslogLevelsMapToLoggerLevels) {
  for (int l : {0, 1, 2, 3}) EXPECT_EQ(KafkaLogLevel(l), LogLevel::kError) << l;
  EXPECT_EQ(KafkaLogLevel(4), LogLevel::kWarn);
  EXPECT_EQ(KafkaLogLevel(5), LogLevel::kInfo);
  EXPECT_EQ(KafkaLogLevel(6), LogLevel::kInfo);
  EXPECT_EQ(KafkaLogLevel(7), LogLevel::kDebug);
}

// No broker: the idempotent producer asks 127.0.0.1:1 (nothing listens
// there) for a producer id, and librdkafka logs the refused connection.
TEST(KafkaLog, ProducerLinesGoThroughTheLogger) {
  CapturedLog log(LogFormat::kJson);
  {
    std::unique_ptr<KafkaProducer> producer;
    ASSERT_TRUE(KafkaProducer::Open("127.0.0.1:1", {}, &producer).ok());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (log.text().find("FAIL") == std::string::npos && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(20));
  }
  const auto lines = testing::JsonLines(log.text());
  bool from_librdkafka = false;
  for (const auto& j : lines) {
    ASSERT_TRUE(j.ok()) << log.text();
    EXPECT_EQ(j.String("component"), "kafka");
    // "<client> <facility>: ...", e.g. "newsflow#producer-1 FAIL: [thrd:...]: ... Connection refused"
    if (std::regex_search(j.String("msg"), std::regex(R"(^newsflow#producer-\d+ FAIL: )"))) {
      from_librdkafka = true;
      EXPECT_EQ(j.String("level"), "error");
    }
  }
  EXPECT_TRUE(from_librdkafka) << log.text();
}

}  // namespace
}  // namespace newsflow::pipeline
