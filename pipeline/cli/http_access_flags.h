// http_access_flags.h — who the HTTP server answers and how much one client
// may hold, as `serve` (--allow-host, --max-connections,
// --max-streams-per-client) and `run --http` (the same names after
// --http-) take them, into one DeskServerOptions.
//
// Ownership: the options outlive the command (CLI11 writes them while it
// parses). Threads: the command line's. Errors: CLI11's (exit 2).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "pipeline/http/desk_server.h"

namespace newsflow::cli {

// Adds the three options to `cmd`, each named "--" + prefix + its name.
void AddHttpAccessFlags(CLI::App* cmd, const std::string& prefix, pipeline::DeskServerOptions* o);

}  // namespace newsflow::cli
