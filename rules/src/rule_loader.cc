// rule_loader.cc — parses and validates rules/sets/*.yaml into a RuleSet.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {
namespace {

namespace fs = std::filesystem;

// Thrown inside this file only; converted to a Status at the API boundary.
struct RuleError {
  int line;
  std::string rule;
  std::string what;
};

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

bool IsValidTag(std::string_view t) {
  static constexpr std::string_view kFamilies[] = {"cluster:", "theme:", "region:", "project:",
                                                   "program:"};
  for (auto f : kFamilies) {
    if (t.substr(0, f.size()) != f) continue;
    std::string_view slug = t.substr(f.size());
    if (slug.empty() || slug.front() == '-' || slug.back() == '-') return false;
    return std::all_of(slug.begin(), slug.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
  }
  return false;
}

std::string Scalar(const YAML::Node& n, const std::string& rule, const char* key) {
  if (!n.IsScalar()) throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be a string"};
  return n.as<std::string>();
}

double Number(const YAML::Node& n, const std::string& rule, const char* key) {
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be a number"};
  }
}

Keyword ParseKeyword(const YAML::Node& n, const std::string& rule, bool regex) {
  Keyword k;
  k.line = LineOf(n);
  k.regex = regex;
  if (n.IsScalar()) {
    k.text = n.as<std::string>();
  } else if (n.IsMap() && !regex) {
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      if (key == "kw") {
        k.text = Scalar(kv.second, rule, "kw");
      } else if (key == "case") {
        k.case_sensitive = kv.second.as<bool>();
      } else {
        throw RuleError{LineOf(kv.first), rule, "unknown keyword key `" + key + "` (expected kw, case)"};
      }
    }
  } else {
    throw RuleError{k.line, rule, regex ? "a regex must be a string" : "a keyword must be a string or {kw, case}"};
  }
  if (k.text.empty()) throw RuleError{k.line, rule, "empty keyword"};
  if (!regex && k.text.find('\n') != std::string::npos)
    throw RuleError{k.line, rule, "keyword contains a newline"};
  return k;
}

std::vector<Keyword> ParseKeywordList(const YAML::Node& n, const std::string& rule, const char* key,
                                      bool regex = false) {
  if (!n.IsSequence()) throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be a list"};
  std::vector<Keyword> out;
  std::set<std::pair<std::string, bool>> seen;
  for (const auto& item : n) {
    Keyword k = ParseKeyword(item, rule, regex);
    if (!seen.insert({k.text, k.case_sensitive}).second)
      throw RuleError{k.line, rule, std::string("duplicate keyword '") + k.text + "' in `" + key + "`"};
    out.push_back(std::move(k));
  }
  return out;
}

Rule ParseRule(const YAML::Node& n, const std::string& file) {
  Rule r;
  r.file = file;
  r.line = LineOf(n);
  if (!n.IsMap()) throw RuleError{r.line, "?", "a rule must be a mapping"};
  if (!n["tag"]) throw RuleError{r.line, "?", "rule has no `tag`"};
  r.tag = Scalar(n["tag"], "?", "tag");
  if (!IsValidTag(r.tag))
    throw RuleError{LineOf(n["tag"]), r.tag,
                    "bad tag id (expected cluster:|theme:|region:|project:|program: and a lowercase slug)"};
  std::vector<Keyword> regexes;
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "tag") {
    } else if (key == "name") {
      r.name = Scalar(v, r.tag, "name");
    } else if (key == "any") {
      r.any = ParseKeywordList(v, r.tag, "any");
    } else if (key == "all") {
      if (!v.IsSequence()) throw RuleError{LineOf(v), r.tag, "`all` must be a list of keyword lists"};
      for (const auto& g : v) {
        r.all.push_back(ParseKeywordList(g, r.tag, "all"));
        if (r.all.back().empty()) throw RuleError{LineOf(g), r.tag, "empty `all` group"};
      }
    } else if (key == "not") {
      r.veto = ParseKeywordList(v, r.tag, "not");
    } else if (key == "except") {
      r.except = ParseKeywordList(v, r.tag, "except");
    } else if (key == "regex") {
      regexes = ParseKeywordList(v, r.tag, "regex", /*regex=*/true);
    } else if (key == "title_weight") {
      r.title_weight = Number(v, r.tag, "title_weight");
      if (r.title_weight <= 0) throw RuleError{LineOf(v), r.tag, "`title_weight` must be > 0"};
    } else if (key == "min_score") {
      r.min_score = Number(v, r.tag, "min_score");
    } else if (key == "alert") {
      r.alert = v.as<bool>();
    } else if (key == "provenance") {
      if (!v.IsSequence()) throw RuleError{LineOf(v), r.tag, "`provenance` must be a list"};
      for (const auto& p : v) {
        if (!p.IsMap() || !p["seed"] || !p["clause"])
          throw RuleError{LineOf(p), r.tag, "a provenance entry needs `seed` and `clause`"};
        for (const auto& pk : p) {
          const auto pkey = pk.first.as<std::string>();
          if (pkey != "seed" && pkey != "clause")
            throw RuleError{LineOf(pk.first), r.tag, "unknown provenance key `" + pkey + "`"};
        }
        r.provenance.push_back({Scalar(p["seed"], r.tag, "seed"), Scalar(p["clause"], r.tag, "clause")});
      }
    } else {
      throw RuleError{LineOf(kv.first), r.tag,
                      "unknown key `" + key +
                          "` (expected tag, name, any, all, not, except, regex, title_weight, min_score, "
                          "alert, provenance)"};
    }
  }
  // Regexes count like `any` keywords.
  for (auto& k : regexes) r.any.push_back(std::move(k));
  if (r.any.empty() && r.all.empty())
    throw RuleError{r.line, r.tag, "rule has no positive keywords (`any`, `all` or `regex`)"};
  return r;
}

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

bool IsAsciiWord(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

Status ParseRuleFile(std::string_view yaml_text, const std::string& file, RuleSet* out) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap()) return Status::Error(file + ":1: a rule file must be a mapping with `version` and `rules`");
    for (const auto& kv : root) {
      const auto key = kv.first.as<std::string>();
      if (key != "version" && key != "rules")
        return Status::Error(file + ":" + std::to_string(LineOf(kv.first)) + ": unknown top-level key `" + key +
                             "` (expected version, rules)");
    }
    if (!root["version"] || root["version"].as<std::string>() != "1")
      return Status::Error(file + ":1: `version: 1` is required");
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence())
      return Status::Error(file + ":1: `rules` must be a list");
    for (const auto& n : rules) out->rules.push_back(ParseRule(n, file));
  } catch (const RuleError& e) {
    return Status::Error(file + ":" + std::to_string(e.line) + ": rule '" + e.rule + "': " + e.what);
  } catch (const YAML::Exception& e) {
    return Status::Error(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return Status::Ok();
}

Status LoadRuleDir(const std::string& dir, RuleSet* out) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::Error("rules directory not found: " + dir);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  if (ec) return Status::Error("cannot read rules directory " + dir + ": " + ec.message());
  if (files.empty()) return Status::Error("no *.yaml rule files in " + dir);
  std::sort(files.begin(), files.end());
  RuleSet set;
  uint64_t h = 1469598103934665603ull;
  for (const auto& p : files) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return Status::Error("cannot read rule file " + p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    h = Fnv1a(Fnv1a(h, p.filename().string()), text);
    Status s = ParseRuleFile(text, p.string(), &set);
    if (!s.ok()) return s;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  set.version = buf;
  *out = std::move(set);
  return Status::Ok();
}

}  // namespace newsflow::rules
