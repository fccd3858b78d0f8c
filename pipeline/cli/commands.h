// commands.h — the `newsflow` subcommands. Each Register* adds one command
// (or a group) to the CLI app and returns nothing; the callback stores the
// process exit code in *exit_code.
//
// Threads: registration and the callbacks run on the main thread. Errors: a
// command's failure is its exit code (2 for usage errors, 1 otherwise).
#pragma once

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace newsflow::cli {

// For real-valued options: a finite number from `lo` to `hi`. CLI::Range
// alone lets "nan" through (every comparison with NaN is false). Fails the
// parse: exit 2.
inline CLI::Validator FiniteRange(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& s) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < lo || v > hi)
          return fmt::format("expected a number from {} to {}, got '{}'", lo, hi, s);
        return {};
      },
      "FLOAT");
}

// For counts and sizes held in 64-bit unsigned types: digits only, no sign,
// no exponent, at most 2^64-1 (CLI11 alone wraps "-1" to 2^64-1 and
// saturates a larger number). Fails the parse: exit 2.
inline CLI::Validator UnsignedNumber() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        uint64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || ec != std::errc() ||
            end != s.data() + s.size())
          return "expected a whole number from 0 to 18446744073709551615, got '" + s + "'";
        return {};
      },
      "UINT");
}

// For filters and time bounds: a value given empty ("--since ''", a
// script's unset variable) is a mistake, not "no filter": it would widen a
// query, a re-tag or an alert listing to everything. Fails the parse: exit 2.
inline CLI::Validator NonEmpty() {
  return CLI::Validator([](std::string& s) -> std::string { return s.empty() ? "an empty value" : ""; }, "TEXT");
}

// --log-format, --log-level (global: before or after the subcommand). Call
// before the Register* of the subcommands.
void RegisterLogOptions(CLI::App& app);
void RegisterRun(CLI::App& app, int* exit_code);
void RegisterQuery(CLI::App& app, int* exit_code);     // query, show, dead-letter
void RegisterRules(CLI::App& app, int* exit_code);     // rules check|explain|lint|coverage
void RegisterEval(CLI::App& app, int* exit_code);
void RegisterProduce(CLI::App& app, int* exit_code);  // produce: replay a corpus into Kafka
void RegisterStory(CLI::App& app, int* exit_code);    // story features|eval
void RegisterAlerts(CLI::App& app, int* exit_code);   // alerts: the alert log (--follow)
void RegisterStats(CLI::App& app, int* exit_code);    // stats: documents per tag per day/hour
void RegisterOps(CLI::App& app, int* exit_code);      // prune, backup, restore
void RegisterRetag(CLI::App& app, int* exit_code);    // retag: stored documents with the current rules
void RegisterServe(CLI::App& app, int* exit_code);    // serve: HTTP API and web desk over a store

}  // namespace newsflow::cli
