// log_options.cc — the global --log-format and --log-level options: parsed
// on the main app, so they go before or after the subcommand
// (`newsflow --log-format json run ...`, `newsflow run ... --log-level warn`),
// and applied to the logger (pipeline/log/logger.h) once parsing is done,
// before any subcommand runs. A bad value is a usage error (exit 2).
#include "commands.h"
#include "pipeline/log/logger.h"

namespace newsflow::cli {

void RegisterLogOptions(CLI::App& app) {
  auto format = std::make_shared<std::string>("text");
  auto level = std::make_shared<std::string>("info");
  app.add_option("--log-format", *format,
                 "how log lines on stderr look: text (timestamp, level, component, message) or json "
                 "(one object per line: ts, level, component, msg)")
      ->envname("NEWSFLOW_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text");
  app.add_option("--log-level", *level, "least severe log line written: debug | info | warn | error")
      ->envname("NEWSFLOW_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->default_str("info");
  // Subcommands created after this pass the options they do not know to
  // the main app, which is what lets these two follow the subcommand.
  app.fallthrough();
  app.parse_complete_callback([format, level] {
    pipeline::LoggerOptions o;
    // Both values were checked by the validators above.
    (void)pipeline::ParseLogFormat(*format, &o.format);
    (void)pipeline::ParseLogLevel(*level, &o.level);
    pipeline::ConfigureLogger(o);
  });
}

}  // namespace newsflow::cli
