// retain_flags.cc — see retain_flags.h.
#include "retain_flags.h"

#include <cstdio>

#include "yaml_config.h"

namespace newsflow::cli {

bool ParseRetainFlags(const CLI::App& cmd, const char* command, const std::string& retain,
                      const std::string& retain_from, double retain_interval_s, pipeline::RetentionOptions* out) {
  std::string error;
  if (!retain.empty() && !pipeline::ParseRetainDuration(retain, &out->retain_ms, &error)) {
    std::fprintf(stderr, "newsflow %s: %s\n", command, WithConfigLine("--retain: " + error).c_str());
    return false;
  }
  if (retain.empty() && (cmd.count("--retain-from") > 0 || cmd.count("--retain-interval") > 0)) {
    std::fprintf(stderr, "newsflow %s: %s\n", command,
                 WithConfigLine("--retain-from and --retain-interval need --retain DURATION").c_str());
    return false;
  }
  if (!pipeline::ParseRetainFrom(retain_from, &out->from)) {
    std::fprintf(stderr, "newsflow %s: %s\n", command,
                 WithConfigLine("--retain-from must be now or newest, got '" + retain_from + "'").c_str());
    return false;
  }
  out->interval_ms = static_cast<int64_t>(retain_interval_s * 1000);
  return true;
}

}  // namespace newsflow::cli
