// logger.h — newsflow's one logger. Every operational message of a running
// job (the Kafka source's rebalances and retries, broker errors, a failed
// run, librdkafka's own lines through kafka_log.h) is one call to Log(),
// which writes one line to stderr with a UTC timestamp, a level and the
// component that speaks:
//
//   text: 2026-11-29T02:10:00.123Z WARN  kafka: offset commit to Kafka failed: ...
//   json: {"ts":"2026-11-29T02:10:00.123Z","level":"warn","component":"kafka","msg":"..."}
//
// Command results (a run summary, query output, the progress line on a
// terminal) and CLI usage errors are not logs and do not come here.
//
// Built on spdlog: one thread-safe (_mt) sink shared by one spdlog logger
// per component, with the formatter below; a line is written and flushed
// whole, so lines from several threads (librdkafka's included) never mix.
//
// Ownership: the configuration is process-wide, set by ConfigureLogger()
// (the CLI does it once, after parsing); until then: text, info, stderr.
// Threads: every function is thread-safe. Errors: none are reported; a line
// that cannot be written (stderr closed) is lost.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>

namespace newsflow::pipeline {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

// "debug" | "info" | "warn" | "error"; false for anything else.
bool ParseLogLevel(std::string_view text, LogLevel* out);
// "text" | "json"; false for anything else.
bool ParseLogFormat(std::string_view text, LogFormat* out);

struct LoggerOptions {
  // text: for people reading a terminal or a file; json: one object per
  // line for a log collector.
  LogFormat format = LogFormat::kText;
  // Messages below this level are dropped.
  LogLevel level = LogLevel::kInfo;
  // Where lines go: nullptr = stderr. Otherwise a stream the caller keeps
  // alive until the next ConfigureLogger() (tests capture lines this way).
  std::ostream* out = nullptr;
};

// Replaces the process-wide configuration. A line being written meanwhile
// goes out with the old configuration or the new one, whole.
void ConfigureLogger(const LoggerOptions& options);

// True when a message of `level` would be written (to skip building one).
bool LogEnabled(LogLevel level);

// Writes one message from `component` ("kafka", "run", ...) if `level` is
// enabled. A message may hold any bytes: the text format escapes control
// characters (a message stays one line), the JSON format escapes as JSON and
// turns invalid UTF-8 into U+FFFD.
void Log(LogLevel level, std::string_view component, std::string_view message);

inline void LogDebug(std::string_view component, std::string_view message) {
  Log(LogLevel::kDebug, component, message);
}
inline void LogInfo(std::string_view component, std::string_view message) {
  Log(LogLevel::kInfo, component, message);
}
inline void LogWarn(std::string_view component, std::string_view message) {
  Log(LogLevel::kWarn, component, message);
}
inline void LogError(std::string_view component, std::string_view message) {
  Log(LogLevel::kError, component, message);
}

// The line Log() writes for a message logged at `time`, '\n' included.
std::string FormatLogLine(LogFormat format, std::chrono::system_clock::time_point time, LogLevel level,
                          std::string_view component, std::string_view message);

}  // namespace newsflow::pipeline
