// cmd_eval.cc — `newsflow eval --gold FILE`: precision/recall/F1 of the rule
// set against a hand-labelled development set, per tag and per family.
//
// Gold lines: {"key", "feed", "title", "body", "labels": [{"tag", "evidence"}]}.
// Only the fixed families (cluster:, theme:, region:) are scored. With
// --floor FILE (YAML: family: min micro-F1) the command fails when a family
// falls below its floor, which is how CI guards tag quality.
#include <fmt/format.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "commands.h"
#include "tagging.h"

namespace newsflow::cli {
namespace {

const char* const kFamilies[] = {"cluster", "theme", "region"};

std::string FamilyOf(const std::string& tag) { return tag.substr(0, tag.find(':')); }
bool Scored(const std::string& tag) {
  const auto f = FamilyOf(tag);
  return f == "cluster" || f == "theme" || f == "region";
}

struct Counts {
  uint64_t tp = 0, fp = 0, fn = 0;
  double P() const { return tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1.0; }
  double R() const { return tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 1.0; }
  double F() const { return P() + R() > 0 ? 2 * P() * R() / (P() + R()) : 0.0; }
};

struct GoldItem {
  std::string key, title, body;
  std::set<std::string> labels;
};

bool LoadGold(const std::string& path, std::vector<GoldItem>* out, std::string* err) {
  std::ifstream in(path);
  if (!in) {
    *err = "cannot read " + path;
    return false;
  }
  simdjson::dom::parser parser;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    simdjson::dom::element e;
    if (auto ec = parser.parse(line).get(e)) {
      *err = fmt::format("{}:{}: {}", path, n, simdjson::error_message(ec));
      return false;
    }
    GoldItem g;
    std::string_view sv;
    if (e["key"].get(sv)) {
      *err = fmt::format("{}:{}: missing key", path, n);
      return false;
    }
    g.key = sv;
    if (!e["title"].get(sv)) g.title = sv;
    if (!e["body"].get(sv)) g.body = sv;
    simdjson::dom::array labels;
    if (e["labels"].get(labels)) {
      *err = fmt::format("{}:{}: missing labels", path, n);
      return false;
    }
    for (auto l : labels) {
      if (l["tag"].get(sv)) {
        *err = fmt::format("{}:{}: label without tag", path, n);
        return false;
      }
      g.labels.insert(std::string(sv));
    }
    out->push_back(std::move(g));
  }
  return true;
}

struct Args {
  std::vector<std::string> gold;
  std::string rules = "rules/sets", floor;
  bool errors = false;
};

void Eval(const Args& a, int* exit_code) {
  OfflineTagger t;
  if (!t.Open(a.rules, "newsflow eval")) {
    *exit_code = 1;
    return;
  }
  std::vector<GoldItem> gold;
  for (const auto& g : a.gold) {
    std::string err;
    if (!LoadGold(g, &gold, &err)) {
      std::fprintf(stderr, "newsflow eval: %s\n", err.c_str());
      *exit_code = 1;
      return;
    }
  }
  std::map<std::string, Counts> per_tag;
  for (const auto& tag : t.rules->tags())
    if (Scored(tag)) per_tag[tag];
  std::vector<std::string> error_lines;
  for (const auto& g : gold) {
    pipeline::Item it = t.TagText(g.title, g.body);
    std::set<std::string> predicted;
    for (const auto& tag : it.tags)
      if (Scored(tag.tag)) predicted.insert(tag.tag);
    for (const auto& p : predicted) {
      if (g.labels.count(p)) {
        ++per_tag[p].tp;
      } else {
        ++per_tag[p].fp;
        if (a.errors) {
          std::string why;
          for (const auto& tag : it.tags)
            if (tag.tag == p)
              for (const auto& s : tag.spans) why += (why.empty() ? "" : ",") + s.keyword;
          error_lines.push_back(fmt::format("FP {} {} via [{}]: {}", g.key, p, why, g.title.substr(0, 90)));
        }
      }
    }
    for (const auto& l : g.labels) {
      if (!Scored(l) || predicted.count(l)) continue;
      ++per_tag[l].fn;
      if (a.errors) error_lines.push_back(fmt::format("FN {} {}: {}", g.key, l, g.title.substr(0, 90)));
    }
  }
  fmt::print("{} gold items, rule set {}\n\n{:45} {:>4} {:>4} {:>4} {:>6} {:>6} {:>6}\n", gold.size(),
             t.rules->version(), "tag", "tp", "fp", "fn", "P", "R", "F1");
  for (const auto& [tag, c] : per_tag)
    if (c.tp + c.fp + c.fn)
      fmt::print("{:45} {:4} {:4} {:4} {:6.3f} {:6.3f} {:6.3f}\n", tag, c.tp, c.fp, c.fn, c.P(), c.R(), c.F());
  std::map<std::string, double> floors;
  if (!a.floor.empty()) {
    try {
      for (const auto& kv : YAML::LoadFile(a.floor)) floors[kv.first.as<std::string>()] = kv.second.as<double>();
    } catch (const YAML::Exception& e) {
      std::fprintf(stderr, "newsflow eval: %s: %s\n", a.floor.c_str(), e.what());
      *exit_code = 1;
      return;
    }
  }
  fmt::print("\n{:8} {:>6} {:>6} {:>8} {:>8}  (tags with gold or predicted items)\n", "family", "microP", "microR",
             "microF1", "macroF1");
  bool below = false;
  for (const char* fam : kFamilies) {
    Counts micro;
    double macro = 0;
    int n = 0;
    for (const auto& [tag, c] : per_tag) {
      if (FamilyOf(tag) != fam || c.tp + c.fp + c.fn == 0) continue;
      micro.tp += c.tp;
      micro.fp += c.fp;
      micro.fn += c.fn;
      macro += c.F();
      ++n;
    }
    const double f1 = micro.F();
    std::string verdict;
    if (floors.count(fam)) {
      const bool ok = f1 + 1e-9 >= floors[fam];
      below |= !ok;
      verdict = fmt::format("  floor {:.3f} {}", floors[fam], ok ? "ok" : "BELOW FLOOR");
    }
    fmt::print("{:8} {:6.3f} {:6.3f} {:8.3f} {:8.3f}{}\n", fam, micro.P(), micro.R(), f1, n ? macro / n : 0.0, verdict);
  }
  if (a.errors) {
    fmt::print("\nerrors:\n");
    for (const auto& l : error_lines) fmt::print("  {}\n", l);
  }
  if (below) *exit_code = 1;
}

}  // namespace

void RegisterEval(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("eval", "Precision/recall/F1 of the rules on a labelled development set");
  auto a = std::make_shared<Args>();
  cmd->add_option("--gold", a->gold, "gold JSON Lines file(s)")->required();
  cmd->add_option("--rules", a->rules, "rules directory")->default_str("rules/sets");
  cmd->add_option("--floor", a->floor, "YAML {family: minimum micro-F1}; fail when below");
  cmd->add_flag("--errors", a->errors, "list false positives and false negatives");
  cmd->callback([a, exit_code] { Eval(*a, exit_code); });
}

}  // namespace newsflow::cli
