// cmd_eval.cc — `newsflow eval --gold FILE`: precision/recall/F1 of the rule
// set against a hand-labelled development set, per tag and per family.
//
// Gold lines: {"key", "feed", "title", "body", "labels": [{"tag", "evidence"}],
// "feed_labels": [{"field", "name"}]}: `labels` are the gold tags; the
// optional `feed_labels` are the item's own feed labels (ths tagInfo, cls
// subjects ...), evidence the rule set's label table reads, as in a run.
// Only the fixed families (cluster:, theme:, region:) are scored. With
// --floor FILE (YAML: family: min micro-F1) the command fails when a family
// falls below its floor, which is how CI guards tag quality.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "commands.h"
#include "headline.h"
#include "gold_set.h"
#include "newsflow/rules/yaml_document.h"
#include "pipeline/sink/record_json.h"
#include "rule_change.h"
#include "tagging.h"

namespace newsflow::cli {
namespace {

const char* const kFamilies[] = {"cluster", "theme", "region"};

std::string FamilyOf(const std::string& tag) { return tag.substr(0, tag.find(':')); }
bool ScoredFamily(const std::string& family) {
  return std::find(std::begin(kFamilies), std::end(kFamilies), family) != std::end(kFamilies);
}
bool Scored(const std::string& tag) { return ScoredFamily(FamilyOf(tag)); }

struct Counts {
  uint64_t tp = 0, fp = 0, fn = 0;
  double P() const { return tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1.0; }
  double R() const { return tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 1.0; }
  double F() const { return P() + R() > 0 ? 2 * P() * R() / (P() + R()) : 0.0; }
  // No gold and no predicted tag: nothing measured (P, R and F1 would read
  // 1.000 and pass any floor).
  bool Empty() const { return tp + fp + fn == 0; }
};

// A figure, or n/a when nothing was measured.
std::string Figure(const Counts& c, double v, int width) {
  return c.Empty() ? fmt::format("{:>{}}", "n/a", width) : fmt::format("{:{}.3f}", v, width);
}
// Below its floor, or nothing measured (a floor that cannot gate).
bool BelowFloor(const Counts& micro, double floor) { return micro.Empty() || micro.F() + 1e-9 < floor; }

struct EvalArgs {
  std::vector<std::string> gold;
  std::string rules = "rules/sets", floor;
  bool errors = false;
  bool json = false;
};

// A false positive or negative, with the evidence: the keywords that fired
// (FP) or the gold label's evidence (FN).
struct Miss {
  std::string kind, key, feed, tag, evidence, title;
};

// Counts per tag, per feed and tag, and the misses of one evaluation.
struct Scores {
  std::map<std::string, Counts> per_tag;
  std::map<std::string, std::map<std::string, Counts>> per_feed;  // feed -> tag -> counts
  std::vector<Miss> misses;
  size_t items = 0;
};

std::string FeedOf(const GoldItem& g) { return g.key.substr(0, g.key.find(':')); }

void ScoreItem(const GoldItem& g, const pipeline::Item& it, const rules::CompiledRules& rules, Scores* s) {
  ++s->items;
  const std::string feed = FeedOf(g);
  std::set<std::string> predicted;
  for (const auto& tag : it.tags)
    if (Scored(tag.tag)) predicted.insert(tag.tag);
  for (const auto& p : predicted) {
    const bool tp = g.labels.count(p) > 0;
    ++(tp ? s->per_tag[p].tp : s->per_tag[p].fp);
    ++(tp ? s->per_feed[feed][p].tp : s->per_feed[feed][p].fp);
    if (tp) continue;
    std::string why;
    pipeline::ForEachSpan(it, rules, [&](const pipeline::SpanView& sp) {
      if (sp.tag == p) why += (why.empty() ? "" : ",") + SpanEvidence(sp);
    });
    s->misses.push_back({"FP", g.key, feed, p, why, std::string(Utf8Prefix(g.title, 90))});
  }
  for (const auto& l : g.labels) {
    if (!Scored(l) || predicted.count(l)) continue;
    ++s->per_tag[l].fn;
    ++s->per_feed[feed][l].fn;
    const auto ev = g.evidence.find(l);
    s->misses.push_back({"FN", g.key, feed, l, ev == g.evidence.end() ? "" : ev->second, std::string(Utf8Prefix(g.title, 90))});
  }
}

struct FamilyFigures {
  Counts micro;
  double macro_f1 = 0;
};

FamilyFigures Family(const std::map<std::string, Counts>& per_tag, const std::string& fam) {
  FamilyFigures f;
  int n = 0;
  for (const auto& [tag, c] : per_tag) {
    if (FamilyOf(tag) != fam || c.tp + c.fp + c.fn == 0) continue;
    f.micro.tp += c.tp;
    f.micro.fp += c.fp;
    f.micro.fn += c.fn;
    f.macro_f1 += c.F();
    ++n;
  }
  if (n) f.macro_f1 /= n;
  return f;
}

// The floor file, {family: minimum micro-F1}: the CI gate. A floor that is
// not a number in [0, 1] (`.nan` passes every score: nothing is below it), a
// family given twice (the last would win) or a second YAML document is an
// InvalidArgument at its FILE:LINE; a file that cannot be read, an IOError.
// `lines` gets each family's line, for errors found once the rules are read.
Status LoadFloors(const std::string& path, std::map<std::string, double>* floors, std::map<std::string, int>* lines) {
  if (path.empty()) return Status::OK();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read floor file " + path);
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  NEWSFLOW_RETURN_IF_ERROR(rules::LoadOneYamlDocument(text.str(), path, &root));
  if (!root.IsMap()) return Status::InvalidArgument(path + ":1: expected a mapping {family: minimum micro-F1}");
  std::map<std::string, int> first_line;
  for (const auto& kv : root) {
    const int line = kv.first.Mark().line + 1;
    const std::string where = path + ":" + std::to_string(line) + ": ", family = kv.first.Scalar();
    if (const auto [it, fresh] = first_line.emplace(family, line); !fresh)
      return Status::InvalidArgument(where + "family '" + family + "' given twice (first at line " +
                                     std::to_string(it->second) + ")");
    double value = 0;
    try {
      value = kv.second.as<double>();
    } catch (const YAML::Exception&) {
      return Status::InvalidArgument(where + "the floor of '" + family + "' must be a number");
    }
    if (!std::isfinite(value) || value < 0 || value > 1)
      return Status::InvalidArgument(where + "the floor of '" + family + "' must be a micro-F1 in [0, 1]");
    (*floors)[family] = value;
    (*lines)[family] = line;
  }
  return Status::OK();
}

void PrintText(const Scores& s, const std::string& version, const std::map<std::string, double>& floors,
               bool errors) {
  fmt::print("{} gold items, rule set {}\n\n{:45} {:>4} {:>4} {:>4} {:>6} {:>6} {:>6}\n", s.items, version, "tag",
             "tp", "fp", "fn", "P", "R", "F1");
  for (const auto& [tag, c] : s.per_tag)
    if (c.tp + c.fp + c.fn)
      fmt::print("{:45} {:4} {:4} {:4} {:6.3f} {:6.3f} {:6.3f}\n", tag, c.tp, c.fp, c.fn, c.P(), c.R(), c.F());
  fmt::print("\n{:8} {:>6} {:>6} {:>8} {:>8}  (tags with gold or predicted items)\n", "family", "microP", "microR",
             "microF1", "macroF1");
  for (const char* fam : kFamilies) {
    const FamilyFigures f = Family(s.per_tag, fam);
    std::string verdict;
    if (const auto it = floors.find(fam); it != floors.end())
      verdict = fmt::format("  floor {:.3f} {}", it->second,
                            f.micro.Empty()                      ? "NOTHING MEASURED (no gold or predicted tag)"
                            : BelowFloor(f.micro, it->second) ? "BELOW FLOOR"
                                                                 : "ok");
    fmt::print("{:8} {} {} {} {}{}\n", fam, Figure(f.micro, f.micro.P(), 6), Figure(f.micro, f.micro.R(), 6),
               Figure(f.micro, f.micro.F(), 8), Figure(f.micro, f.macro_f1, 8), verdict);
  }
  fmt::print("\nper feed   family   microP microR microF1\n");
  for (const auto& [feed, tags] : s.per_feed)
    for (const char* fam : kFamilies) {
      const FamilyFigures f = Family(tags, fam);
      fmt::print("{:10} {:8} {} {} {}\n", feed, fam, Figure(f.micro, f.micro.P(), 6), Figure(f.micro, f.micro.R(), 6),
                 Figure(f.micro, f.micro.F(), 7));
    }
  if (!errors) return;
  fmt::print("\nerrors:\n");
  for (const auto& m : s.misses)
    fmt::print("  {} {} {} via [{}]: {}\n", m.kind, m.key, m.tag, m.evidence, m.title);
}

// p, r and f1 are null when nothing was measured.
std::string CountsJson(const Counts& c) {
  if (c.Empty()) return "{\"tp\":0,\"fp\":0,\"fn\":0,\"p\":null,\"r\":null,\"f1\":null}";
  return fmt::format("{{\"tp\":{},\"fp\":{},\"fn\":{},\"p\":{:.4f},\"r\":{:.4f},\"f1\":{:.4f}}}", c.tp, c.fp, c.fn,
                     c.P(), c.R(), c.F());
}

std::string FamiliesJson(const std::map<std::string, Counts>& per_tag) {
  std::string out = "{";
  for (const char* fam : kFamilies) {
    const FamilyFigures f = Family(per_tag, fam);
    if (out.size() > 1) out += ',';
    std::string micro = CountsJson(f.micro);
    micro.pop_back();
    out += fmt::format("\"{}\":{},\"macro_f1\":{}}}", fam, micro,
                       f.micro.Empty() ? std::string("null") : fmt::format("{:.4f}", f.macro_f1));
  }
  return out + "}";
}

void PrintJson(const Scores& s, const std::string& version, bool below) {
  std::string out = fmt::format("{{\"items\":{},\"ruleset_version\":\"{}\",\"below_floor\":{},\"families\":{}",
                                s.items, version, below ? "true" : "false", FamiliesJson(s.per_tag));
  out += ",\"per_feed\":{";
  bool first = true;
  for (const auto& [feed, tags] : s.per_feed) {
    out += fmt::format("{}\"{}\":{}", first ? "" : ",", feed, FamiliesJson(tags));
    first = false;
  }
  out += "},\"tags\":{";
  first = true;
  for (const auto& [tag, c] : s.per_tag) {
    if (c.tp + c.fp + c.fn == 0) continue;
    out += fmt::format("{}\"{}\":{}", first ? "" : ",", tag, CountsJson(c));
    first = false;
  }
  out += "},\"misses\":[";
  first = true;
  for (const auto& m : s.misses) {
    out += first ? "{" : ",{";
    first = false;
    out += fmt::format("\"kind\":\"{}\",\"key\":", m.kind);
    pipeline::AppendJsonString(&out, m.key);
    out += ",\"feed\":";
    pipeline::AppendJsonString(&out, m.feed);
    out += fmt::format(",\"tag\":\"{}\",\"evidence\":", m.tag);
    pipeline::AppendJsonString(&out, m.evidence);
    out += ",\"title\":";
    pipeline::AppendJsonString(&out, m.title);
    out += '}';
  }
  out += "]}\n";
  std::fputs(out.c_str(), stdout);
}

void Eval(const EvalArgs& a, int* exit_code) {
  // A floor that cannot gate is a usage error (exit 2), said before the
  // rules are compiled.
  std::map<std::string, double> floors;
  std::map<std::string, int> floor_lines;
  if (const Status fs = LoadFloors(a.floor, &floors, &floor_lines); !fs.ok()) {
    std::fprintf(stderr, "newsflow eval: %s\n", fs.message().c_str());
    *exit_code = fs.IsInvalidArgument() ? 2 : 1;
    return;
  }
  OfflineTagger t;
  if (!t.Open(a.rules, "newsflow eval")) {
    *exit_code = 1;
    return;
  }
  std::vector<GoldItem> gold;
  Status st = LoadGoldFiles(a.gold, &gold);
  // A floor on a family no tag belongs to (a typo: "clusterr") would pass
  // any score, and so would one on a family eval does not score (project,
  // watch: its figures are those of no tag): a usage error at its line, as
  // the floor file's other errors.
  for (const auto& [fam, floor] : floors) {
    bool known = false;
    for (const auto& tag : t.rules().tags()) known |= tag.rfind(fam + ":", 0) == 0;
    if (known && ScoredFamily(fam)) continue;
    if (!known)
      std::fprintf(stderr, "newsflow eval: %s:%d: no tag of the rules is in family '%s'\n", a.floor.c_str(),
                   floor_lines[fam], fam.c_str());
    else
      std::fprintf(stderr, "newsflow eval: %s:%d: eval scores the families cluster, theme and region, not '%s'\n",
                   a.floor.c_str(), floor_lines[fam], fam.c_str());
    *exit_code = 2;
    return;
  }
  // Figures over no item would pass any floor: an error.
  if (st.ok() && gold.empty()) st = Status::InvalidArgument("the gold files hold no item");
  if (!st.ok()) {
    std::fprintf(stderr, "newsflow eval: %s\n", st.message().c_str());
    *exit_code = 1;
    return;
  }
  Scores scores;
  for (const auto& tag : t.rules().tags())
    if (Scored(tag)) scores.per_tag[tag];
  for (const auto& g : gold) ScoreItem(g, t.worker->TagText(g.title, g.body, g.feed_labels), t.rules(), &scores);
  bool below = false;
  for (const auto& [fam, floor] : floors) below |= BelowFloor(Family(scores.per_tag, fam).micro, floor);
  if (a.json) PrintJson(scores, t.rules().version(), below);
  else PrintText(scores, t.rules().version(), floors, a.errors);
  if (below) *exit_code = 1;
}

}  // namespace

void RegisterEval(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("eval", "Precision/recall/F1 of the rules on a labelled development set");
  auto a = std::make_shared<EvalArgs>();
  cmd->add_option("--gold", a->gold, "gold JSON Lines file(s)")->required();
  cmd->add_option("--rules", a->rules, "rules directory")->default_str("rules/sets");
  cmd->add_option("--floor", a->floor, "YAML {family: minimum micro-F1}; fail when below");
  cmd->add_flag("--errors", a->errors, "list false positives and false negatives with their evidence");
  cmd->add_flag("--json", a->json, "one JSON object: families, per_feed, tags, misses (with evidence)");
  cmd->callback([a, exit_code] { Eval(*a, exit_code); });
}

}  // namespace newsflow::cli
