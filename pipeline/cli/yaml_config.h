// yaml_config.h — `newsflow run --config FILE`: the run's options from a YAML
// file, as CLI11 config items, so flags given on the command line override
// the file (CLI11 fills only options the command line left empty).
//
// CLI11 2.1 reads config files for the top-level app only: the file is read
// through a hidden --config option of the app, and `run` has its own
// --config (shown in `newsflow run --help`) that hands its value on as it is
// parsed. Every item is addressed to `run`; any other command given
// --config (it reaches the app's hidden option through fallthrough) is a
// usage error, not a file silently ignored.
//
//   source: follow:/var/lib/feeds/cls.jsonl   # key = a long option of `run`
//   db: /var/lib/newsflow/db
//   subscriptions: /etc/newsflow/subscriptions.yaml
//   alerts: kafka://127.0.0.1:9092/alerts
//   story:                                   # nested keys join with '-':
//     window: 24                             #   story-window
//   sync: true                               # flags take true/false
//
// Errors name the file and the line of the key (the service's journal has
// nothing else to point at): a key that is not an option of the command
// (with the known keys); one option given by two keys (the same joined name
// twice, `story-window` flat and `story: {window: ..}` nested, or a flag and
// its negation, `late-stories` and `no-late-stories`: both lines); a value
// that is not a scalar or a list of them; and a value the option's own
// validator refuses (`batch: many`); and, through WithConfigLine, a value
// the command refuses after parsing (`retain: 30x`, `alerts: foo:bar`).
// The values are applied here, with
// CLI11's rules (an option the command line gave keeps its value), so that
// a value error is known to be the key's.
//
// Ownership: holds pointers to the apps (which outlive it: CLI11 owns
// both). Threads: the main thread, during parsing.
// Errors: CLI::ConfigError (the CLI exits 2).
#pragma once

#include <CLI/CLI.hpp>

#include <istream>
#include <string>
#include <vector>

namespace newsflow::cli {

class YamlConfig : public CLI::Config {
 public:
  // `app` owns the config option; `command` is the subcommand configured.
  YamlConfig(CLI::App* app, CLI::App* command) : app_(app), command_(command) {}
  // Applies the file's values to `command` and returns no items (nothing is
  // left for CLI11 to apply).
  std::vector<CLI::ConfigItem> from_config(std::istream& in) const override;
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return {}; }

 private:
  CLI::App* app_;
  CLI::App* command_;
};

// Adds --config FILE to `command` (and the hidden option of `app` that
// CLI11 reads config files through), read with YamlConfig.
void AddYamlConfig(CLI::App* app, CLI::App* command);

// A usage error found after parsing (a --retain the command checks itself,
// an --alerts of no known kind) prefixed with "FILE:LINE: " when the first
// option it names (`--NAME`) took its value from the config file; else
// `message` as it is. The service's journal then points at the line.
std::string WithConfigLine(const std::string& message);

}  // namespace newsflow::cli
