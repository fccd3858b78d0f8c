// yaml_config.cc — see yaml_config.h.
#include "yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "newsflow/rules/yaml_document.h"

namespace newsflow::cli {
namespace {

// Options whose value the file gave, by long name: "FILE:LINE" of the key.
// Filled on the main thread while CLI11 parses; read after it.
std::map<std::string, std::string>& ConfigLines() {
  static std::map<std::string, std::string> lines;
  return lines;
}

std::string ConfigPath(const CLI::App* app) {
  const CLI::Option* opt = app->get_config_ptr();
  return opt != nullptr && !opt->empty() ? opt->as<std::string>() : std::string("config");
}

std::set<std::string> KnownKeys(const CLI::App* command) {
  std::set<std::string> keys;
  for (const CLI::Option* o : command->get_options()) {
    if (o == command->get_help_ptr() || !o->get_configurable()) continue;
    for (const auto& n : o->get_lnames()) keys.insert(n);
  }
  return keys;
}

std::string At(const CLI::App* app, const YAML::Node& at) {
  return ConfigPath(app) + ":" + std::to_string(at.Mark().line + 1);
}

[[noreturn]] void Fail(const CLI::App* app, const YAML::Node& at, const std::string& what) {
  throw CLI::ConfigError(At(app, at) + ": " + what);
}

// One option's value from the file: its joined key, where the key is, and
// the item CLI11 would apply.
struct Entry {
  std::string key;
  YAML::Node key_node;
  CLI::ConfigItem item;
};

void Flatten(const CLI::App* app, const CLI::App* command, const YAML::Node& map, const std::string& prefix,
             const std::set<std::string>& known, std::vector<Entry>* out) {
  for (const auto& kv : map) {
    const std::string key = prefix + kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (v.IsMap()) {
      // `json: {}` named no option and set nothing, silently.
      if (v.size() == 0) Fail(app, kv.first, "`" + key + "` has no value");
      Flatten(app, command, v, key + "-", known, out);
      continue;
    }
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      Fail(app, kv.first, "unknown key `" + key + "` (known: " + list + ")");
    }
    Entry e{key, kv.first, {}};
    e.item.parents = {command->get_name()};
    e.item.name = key;
    if (v.IsScalar()) {
      e.item.inputs.push_back(v.Scalar());
    } else if (v.IsSequence()) {
      for (const auto& x : v) {
        if (!x.IsScalar()) Fail(app, x, "`" + key + "`: a list must hold plain values");
        e.item.inputs.push_back(x.Scalar());
      }
    } else {
      Fail(app, kv.first, "`" + key + "` has no value");
    }
    out->push_back(std::move(e));
  }
}

}  // namespace

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& in) const {
  // The app's hidden option is reached by every command (fallthrough); only
  // `run` reads the file.
  if (command_->parsed() == 0)
    throw CLI::ConfigError("--config " + ConfigPath(app_) + ": only `newsflow " + command_->get_name() +
                           "` reads a config file");
  std::stringstream text;
  text << in.rdbuf();
  // One document: options after a `---` would be dropped unsaid (a
  // `retain: 30d` never applied, an unknown key never reported).
  YAML::Node root;
  if (Status one = rules::LoadOneYamlDocument(text.str(), ConfigPath(app_), &root); !one.ok())
    throw CLI::ConfigError(one.message());
  if (root.IsNull()) return {};  // an empty file
  if (!root.IsMap()) throw CLI::ConfigError(ConfigPath(app_) + ": expected a mapping of option: value");
  std::vector<Entry> entries;
  try {
    Flatten(app_, command_, root, "", KnownKeys(command_), &entries);
  } catch (const YAML::Exception& e) {
    throw CLI::ConfigError(ConfigPath(app_) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  // One option, two keys: the same joined name twice (yaml-cpp keeps the
  // first of two equal keys in one map; `story-window` and `story: {window}`
  // are two maps), or a flag and its negation. Which did the operator mean?
  std::map<const CLI::Option*, const Entry*> first;
  for (const Entry& e : entries) {
    const CLI::Option* op = command_->get_option_no_throw("--" + e.key);
    const auto [it, fresh] = first.emplace(op, &e);
    if (fresh) continue;
    const Entry& before = *it->second;
    Fail(app_, e.key_node,
         before.key == e.key
             ? "`" + e.key + "` is given twice (also at " + At(app_, before.key_node) + ")"
             : "`" + e.key + "` and `" + before.key + "` (" + At(app_, before.key_node) +
                   ") set the same option: give one");
  }
  // Applied as CLI11 applies config items (an option the command line gave
  // keeps its value), one at a time, so that an error names its key.
  for (const Entry& e : entries) {
    CLI::Option* op = command_->get_option_no_throw("--" + e.key);
    if (!op->empty()) continue;
    if (op->get_expected_min() == 0) {
      // A flag is true or false: CLI11 took "" and 2 as "on".
      static const std::set<std::string> kFlagWords = {"true", "false", "yes", "no", "on", "off", "1", "0"};
      std::string word = e.item.inputs.size() == 1 ? e.item.inputs[0] : "";
      for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!kFlagWords.count(word)) Fail(app_, e.key_node, "`" + e.key + "` is a flag: give true or false");
    }
    try {
      if (op->get_expected_min() == 0) {
        op->add_result(op->get_flag_value(e.key, to_flag(e.item)));
      } else {
        op->add_result(e.item.inputs);
      }
      op->run_callback();
    } catch (const CLI::Error& err) {
      Fail(app_, e.key_node, "`" + e.key + "`: " + err.what());
    }
    for (const std::string& name : op->get_lnames()) ConfigLines()[name] = At(app_, e.key_node);
  }
  return {};
}

std::string WithConfigLine(const std::string& message) {
  for (size_t at = message.find("--"); at != std::string::npos; at = message.find("--", at + 2)) {
    size_t end = at + 2;
    while (end < message.size() && (std::islower(static_cast<unsigned char>(message[end])) ||
                                    std::isdigit(static_cast<unsigned char>(message[end])) || message[end] == '-'))
      ++end;
    const auto it = ConfigLines().find(message.substr(at + 2, end - at - 2));
    if (it != ConfigLines().end()) return it->second + ": " + message;
    if (end > at + 2) return message;  // the first option named came from the command line
  }
  return message;
}

void AddYamlConfig(CLI::App* app, CLI::App* command) {
  // CLI11 reads config files through the app's option only: hidden, and fed
  // by the command's own --config as it is parsed.
  CLI::Option* read = app->set_config("--config", "", "`" + command->get_name() + "` only: see its --help");
  read->group("");
  app->config_formatter(std::make_shared<YamlConfig>(app, command));
  command
      ->add_option_function<std::string>(
          "--config", [read](const std::string& path) { read->add_result(path); },
          "a YAML file of these options (each key a long option without --, nested keys joined with -; "
          "flags given on the command line override it)")
      ->type_name("FILE")
      ->configurable(false)
      ->trigger_on_parse();
}

}  // namespace newsflow::cli
