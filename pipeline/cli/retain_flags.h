// retain_flags.h — --retain, --retain-from and --retain-interval as `run`
// and `serve` take them, read into one RetentionOptions.
//
// Usage errors (a bad duration or reference, --retain-from or
// --retain-interval without --retain: they would do nothing, and an
// operator who forgot --retain would believe the store pruned) are said on
// stderr as "newsflow COMMAND: ..." and make ParseRetainFlags false (exit 2).
// Threads: the command line's. Errors: as said.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "pipeline/job/retention_stage.h"

namespace newsflow::cli {

bool ParseRetainFlags(const CLI::App& cmd, const char* command, const std::string& retain,
                      const std::string& retain_from, double retain_interval_s, pipeline::RetentionOptions* out);

}  // namespace newsflow::cli
