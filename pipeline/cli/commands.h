// commands.h — the `newsflow` subcommands. Each Register* adds one command
// (or a group) to the CLI app and returns nothing; the callback stores the
// process exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>

namespace newsflow::cli {

void RegisterRun(CLI::App& app, int* exit_code);
void RegisterQuery(CLI::App& app, int* exit_code);     // query, show, dead-letter
void RegisterRules(CLI::App& app, int* exit_code);     // rules check|explain|lint|coverage
void RegisterEval(CLI::App& app, int* exit_code);
void RegisterProduce(CLI::App& app, int* exit_code);  // produce: replay a corpus into Kafka
void RegisterStory(CLI::App& app, int* exit_code);    // story features|eval

}  // namespace newsflow::cli
