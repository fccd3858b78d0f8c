// yaml_config.h — `newsflow run --config FILE`: the run's options from a YAML
// file, as CLI11 config items, so flags given on the command line override
// the file (CLI11 fills only options the command line left empty).
//
// CLI11 2.1 reads config files for the top-level app only: --config is the
// app's option (reached from after `run` because the subcommands fall
// through to the app's options) and every item is addressed to `run`.
//
//   source: follow:/var/lib/feeds/cls.jsonl   # key = a long option of `run`
//   db: /var/lib/newsflow/db
//   subscriptions: /etc/newsflow/subscriptions.yaml
//   alerts: kafka://127.0.0.1:9092/alerts
//   story:                                   # nested keys join with '-':
//     window: 24                             #   story-window
//   sync: true                               # flags take true/false
//
// A key that is not an option of the command is an error naming the file,
// the line and the known keys; a value must be a scalar or a list of them.
//
// Ownership: holds a pointer to the command it configures (which outlives
// it: CLI11 owns both). Threads: the main thread, during parsing.
// Errors: CLI::ConfigError (the CLI exits 2).
#pragma once

#include <CLI/CLI.hpp>

#include <istream>
#include <string>
#include <vector>

namespace newsflow::cli {

class YamlConfig : public CLI::Config {
 public:
  // `app` owns --config; `command` is the subcommand configured.
  YamlConfig(const CLI::App* app, const CLI::App* command) : app_(app), command_(command) {}
  std::vector<CLI::ConfigItem> from_config(std::istream& in) const override;
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return {}; }

 private:
  const CLI::App* app_;
  const CLI::App* command_;
};

// Adds --config FILE to `app`, read with YamlConfig for `command`.
void AddYamlConfig(CLI::App* app, CLI::App* command);

}  // namespace newsflow::cli
