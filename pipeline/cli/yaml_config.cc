// yaml_config.cc — see yaml_config.h.
#include "yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>

namespace newsflow::cli {
namespace {

std::string ConfigPath(const CLI::App* app) {
  const CLI::Option* opt = app->get_config_ptr();
  return opt != nullptr && !opt->empty() ? opt->as<std::string>() : std::string("config");
}

std::set<std::string> KnownKeys(const CLI::App* command) {
  std::set<std::string> keys;
  for (const CLI::Option* o : command->get_options()) {
    if (o == command->get_help_ptr()) continue;
    for (const auto& n : o->get_lnames()) keys.insert(n);
  }
  return keys;
}

[[noreturn]] void Fail(const CLI::App* app, const YAML::Node& at, const std::string& what) {
  throw CLI::ConfigError(ConfigPath(app) + ":" + std::to_string(at.Mark().line + 1) + ": " + what);
}

void Flatten(const CLI::App* app, const CLI::App* command, const YAML::Node& map, const std::string& prefix,
             const std::set<std::string>& known, std::vector<CLI::ConfigItem>* out) {
  // yaml-cpp keeps the first of two equal keys and drops the other without
  // a word (YAML forbids them): which value did the operator mean?
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!seen.insert(kv.first.Scalar()).second) Fail(app, kv.first, "`" + prefix + kv.first.Scalar() + "` is given twice");
    const std::string key = prefix + kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (v.IsMap()) {
      Flatten(app, command, v, key + "-", known, out);
      continue;
    }
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      Fail(app, kv.first, "unknown key `" + key + "` (known: " + list + ")");
    }
    CLI::ConfigItem item;
    item.parents = {command->get_name()};
    item.name = key;
    if (v.IsScalar()) {
      item.inputs.push_back(v.Scalar());
    } else if (v.IsSequence()) {
      for (const auto& e : v) {
        if (!e.IsScalar()) Fail(app, e, "`" + key + "`: a list must hold plain values");
        item.inputs.push_back(e.Scalar());
      }
    } else {
      Fail(app, kv.first, "`" + key + "` has no value");
    }
    out->push_back(std::move(item));
  }
}

}  // namespace

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& in) const {
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw CLI::ConfigError(ConfigPath(app_) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;  // an empty file
  if (!root.IsMap()) throw CLI::ConfigError(ConfigPath(app_) + ": expected a mapping of option: value");
  try {
    Flatten(app_, command_, root, "", KnownKeys(command_), &items);
  } catch (const YAML::Exception& e) {
    throw CLI::ConfigError(ConfigPath(app_) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return items;
}

void AddYamlConfig(CLI::App* app, CLI::App* command) {
  app->set_config("--config", "", "`run`: a YAML file of its options (flags given on the command line override it)");
  app->config_formatter(std::make_shared<YamlConfig>(app, command));
}

}  // namespace newsflow::cli
