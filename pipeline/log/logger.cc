// logger.cc — the process-wide logger: spdlog sinks and loggers, and the
// two line formats (logger.h).
#include "pipeline/log/logger.h"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "pipeline/sink/record_json.h"

namespace newsflow::pipeline {
namespace {

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::err;
}

LogLevel FromSpdlog(spdlog::level::level_enum level) {
  if (level <= spdlog::level::debug) return LogLevel::kDebug;
  if (level == spdlog::level::info) return LogLevel::kInfo;
  if (level == spdlog::level::warn) return LogLevel::kWarn;
  return LogLevel::kError;
}

// The text format keeps a message on one line: control characters are
// written as \n, \r or \xNN (a tab stays a tab).
void AppendOneLine(std::string* out, std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') out->append("\\n");
    else if (c == '\r') out->append("\\r");
    else if ((c < 0x20 && c != '\t') || c == 0x7f) out->append(fmt::format("\\x{:02x}", c));
    else out->push_back(ch);
  }
}

// spdlog formatter writing FormatLogLine(); the spdlog logger's name is the
// component.
class LineFormatter : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}
  void format(const spdlog::details::log_msg& m, spdlog::memory_buf_t& dest) override {
    const std::string line =
        FormatLogLine(format_, m.time, FromSpdlog(m.level), std::string_view(m.logger_name.data(), m.logger_name.size()),
                      std::string_view(m.payload.data(), m.payload.size()));
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<LineFormatter>(format_); }

 private:
  LogFormat format_;
};

std::shared_ptr<spdlog::sinks::sink> MakeSink(const LoggerOptions& o) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (o.out) sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*o.out, /*force_flush=*/true);
  else sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();  // flushes every line
  sink->set_formatter(std::make_unique<LineFormatter>(o.format));
  return sink;
}

// The configuration and one spdlog logger per component, all on one sink.
// Never destroyed: librdkafka's threads may log while the process exits.
class LoggerRegistry {
 public:
  static LoggerRegistry& Get() {
    static LoggerRegistry* registry = new LoggerRegistry();
    return *registry;
  }

  void Configure(const LoggerOptions& o) {
    auto sink = MakeSink(o);
    std::lock_guard lock(mu_);
    sink_ = std::move(sink);
    loggers_.clear();  // a caller still holding one writes to the old sink, whole
    level_.store(static_cast<int>(o.level));
  }

  bool Enabled(LogLevel level) const { return static_cast<int>(level) >= level_.load(); }

  std::shared_ptr<spdlog::logger> For(std::string_view component) {
    std::lock_guard lock(mu_);
    auto it = loggers_.find(std::string(component));
    if (it != loggers_.end()) return it->second;
    auto logger = std::make_shared<spdlog::logger>(std::string(component), sink_);
    logger->set_level(spdlog::level::trace);  // Enabled() filters
    loggers_.emplace(std::string(component), logger);
    return logger;
  }

 private:
  LoggerRegistry() : sink_(MakeSink(LoggerOptions{})) {}

  std::mutex mu_;
  std::shared_ptr<spdlog::sinks::sink> sink_;                                  // under mu_
  std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> loggers_;  // under mu_
  std::atomic<int> level_{static_cast<int>(LogLevel::kInfo)};
};

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  if (text == "debug") *out = LogLevel::kDebug;
  else if (text == "info") *out = LogLevel::kInfo;
  else if (text == "warn") *out = LogLevel::kWarn;
  else if (text == "error") *out = LogLevel::kError;
  else return false;
  return true;
}

bool ParseLogFormat(std::string_view text, LogFormat* out) {
  if (text == "text") *out = LogFormat::kText;
  else if (text == "json") *out = LogFormat::kJson;
  else return false;
  return true;
}

void ConfigureLogger(const LoggerOptions& options) { LoggerRegistry::Get().Configure(options); }

bool LogEnabled(LogLevel level) { return LoggerRegistry::Get().Enabled(level); }

void Log(LogLevel level, std::string_view component, std::string_view message) {
  LoggerRegistry& registry = LoggerRegistry::Get();
  if (!registry.Enabled(level)) return;
  registry.For(component)->log(ToSpdlog(level), spdlog::string_view_t(message.data(), message.size()));
}

std::string FormatLogLine(LogFormat format, std::chrono::system_clock::time_point time, LogLevel level,
                          std::string_view component, std::string_view message) {
  static constexpr const char* kLower[] = {"debug", "info", "warn", "error"};
  static constexpr const char* kUpper[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
  const int l = static_cast<int>(level);
  const std::string ts =
      FormatTime(std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count());
  std::string line;
  line.reserve(ts.size() + component.size() + message.size() + 64);
  if (format == LogFormat::kJson) {
    line += "{\"ts\":\"";
    line += ts;
    line += "\",\"level\":\"";
    line += kLower[l];
    line += "\",\"component\":";
    AppendJsonString(&line, component);
    line += ",\"msg\":";
    AppendJsonString(&line, message);
    line += "}\n";
    return line;
  }
  line += ts;
  line += ' ';
  line += kUpper[l];
  line += ' ';
  AppendOneLine(&line, component);
  line += ": ";
  AppendOneLine(&line, message);
  line += '\n';
  return line;
}

}  // namespace newsflow::pipeline
