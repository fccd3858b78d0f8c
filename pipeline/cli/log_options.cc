// log_options.cc — the global --log-format and --log-level options: parsed
// on the main app, so they go before or after the subcommand
// (`newsflow --log-format json run ...`, `newsflow run ... --log-level warn`),
// and applied to the logger (pipeline/log/logger.h) once parsing is done,
// before any subcommand runs. A bad value is a usage error (exit 2) that
// names where it came from: the option, or the environment variable
// (NEWSFLOW_LOG_FORMAT, NEWSFLOW_LOG_LEVEL) when the command line left the
// option out. The variables are read here rather than with CLI11's
// envname(), whose error names only the option: under systemd the value
// comes from an environment file and the option appears nowhere.
#include <cstdlib>

#include "commands.h"
#include "pipeline/log/logger.h"

namespace newsflow::cli {
namespace {

struct LogSetting {
  const char* env;
  std::vector<std::string> allowed;
  std::shared_ptr<std::string> value;
  CLI::Option* option = nullptr;
};

// The variable's value, when the command line did not give the option; a
// value the option refuses is a usage error naming the variable.
void FromEnvironment(const LogSetting& s) {
  if (s.option->count() > 0) return;
  const char* v = std::getenv(s.env);
  if (v == nullptr || *v == '\0') return;
  for (const auto& a : s.allowed)
    if (a == v) {
      *s.value = v;
      return;
    }
  std::string list;
  for (const auto& a : s.allowed) list += (list.empty() ? "" : ", ") + a;
  throw CLI::ValidationError(std::string("environment variable ") + s.env,
                             "'" + std::string(v) + "' is not one of " + list + " (the " + s.option->get_name() +
                                 " option's values)");
}

}  // namespace

void RegisterLogOptions(CLI::App& app) {
  auto format = std::make_shared<LogSetting>(
      LogSetting{"NEWSFLOW_LOG_FORMAT", {"text", "json"}, std::make_shared<std::string>("text")});
  auto level = std::make_shared<LogSetting>(
      LogSetting{"NEWSFLOW_LOG_LEVEL", {"debug", "info", "warn", "error"}, std::make_shared<std::string>("info")});
  format->option = app.add_option("--log-format", *format->value,
                                  "how log lines on stderr look: text (timestamp, level, component, message) or json "
                                  "(one object per line: ts, level, component, msg); default $NEWSFLOW_LOG_FORMAT, "
                                  "else text")
                       ->check(CLI::IsMember(format->allowed))
                       ->default_str("text");
  level->option = app.add_option("--log-level", *level->value,
                                 "least severe log line written: debug | info | warn | error; default "
                                 "$NEWSFLOW_LOG_LEVEL, else info")
                      ->check(CLI::IsMember(level->allowed))
                      ->default_str("info");
  // Subcommands created after this pass the options they do not know to
  // the main app, which is what lets these two follow the subcommand.
  app.fallthrough();
  app.parse_complete_callback([format, level] {
    FromEnvironment(*format);
    FromEnvironment(*level);
    pipeline::LoggerOptions o;
    // Both values were checked: by the validators above, or FromEnvironment.
    (void)pipeline::ParseLogFormat(*format->value, &o.format);
    (void)pipeline::ParseLogLevel(*level->value, &o.level);
    pipeline::ConfigureLogger(o);
  });
}

}  // namespace newsflow::cli
