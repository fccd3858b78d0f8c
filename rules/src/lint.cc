// lint.cc — see lint.h.
#include "newsflow/rules/lint.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "newsflow/rules/yaml_document.h"
#include "rule_text_checks.h"

namespace newsflow::rules {
namespace {

bool IsAlnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

std::string Where(const Rule& r, int line) { return r.file + ":" + std::to_string(line ? line : r.line); }

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The label table (SCHEMA.md, "Feed labels"): the loader already rejects
// duplicates and entries without a reason; a tag no rule defines is a typo
// or a tag outside the taxonomy the rules implement.
void LintLabels(const RuleSet& set, std::vector<LintFinding>* out) {
  std::set<std::string> rule_tags;
  for (const Rule& r : set.rules) rule_tags.insert(r.tag);
  for (const LabelEntry& e : set.labels)
    for (const auto& t : e.tags)
      if (!rule_tags.count(t))
        out->push_back({"unknown-tag", t,
                        e.file + ":" + std::to_string(e.line) + ": label " + e.field + " '" + e.name + "': tag '" + t +
                            "' is not defined by any rule of the set",
                        ""});
}

// What a finding about a watch list's name says instead of an allow entry:
// the list is the desk's data, so a reload never waits on it.
constexpr const char* kWatchListFinding =
    "a watch list's name (reported for the desk to read; never blocks a reload)";

}  // namespace

std::vector<LintFinding> Lint(const RuleSet& set, const std::string& seeds_dir, const KeywordSpelling& spelling) {
  std::vector<LintFinding> out;
  std::set<std::string> watch_tags;
  for (const Rule& r : set.rules)
    if (r.watch_list) watch_tags.insert(r.tag);
  // Keyword -> tags whose positive keywords contain it. Keywords are grouped
  // as normalized documents spell them (full-width ASCII folded, traditional
  // Chinese through `spelling`), and caseless ones (all but `case: true`
  // ones) ASCII-caselessly, as they match: NVIDIA of one tag and Nvidia of
  // another, 晶圓 and 晶圆, hit the same text.
  auto as_read = [&](const Keyword& k) {
    // Between two marks, so that a space at an end stays (rule_loader.cc).
    const std::string folded = FoldLikeNormalizedText("|" + k.text + "|");
    std::string text = folded.substr(1, folded.size() - 2);
    if (spelling) text = spelling(text);
    return k.case_sensitive ? text : AsciiLowered(text);
  };
  std::map<std::string, std::set<std::string>> tags_of;
  std::map<std::string, std::string> first_where, first_text;
  std::map<std::string, std::string> seeds;
  for (const Rule& r : set.rules) {
    std::vector<const Keyword*> positive;
    for (const auto& k : r.any) positive.push_back(&k);
    for (const auto& g : r.all)
      for (const auto& k : g) positive.push_back(&k);
    for (const Keyword* k : positive) {
      if (k->regex) continue;
      const std::string group = as_read(*k);
      tags_of[group].insert(r.tag);
      first_where.emplace(group, Where(r, k->line));
      first_text.emplace(group, k->text);
      const auto f = static_cast<unsigned char>(k->text.front()), b = static_cast<unsigned char>(k->text.back());
      // A space is a boundary itself; what it does is narrow the keyword.
      if (f == ' ' || b == ' ')
        out.push_back({"edge-space", k->text,
                       Where(r, k->line) + ": rule '" + r.tag + "': keyword '" + k->text +
                           "' starts or ends with a space: that end matches only where a document has a space "
                           "(not before punctuation, a CJK character or the end of the text)",
                       r.watch_list ? kWatchListFinding : ""});
      if ((f < 0x80 && !IsAlnum(f) && f != ' ') || (b < 0x80 && !IsAlnum(b) && b != ' '))
        out.push_back({"no-boundary", k->text,
                       Where(r, k->line) + ": rule '" + r.tag + "': keyword '" + k->text +
                           "' starts or ends with ASCII punctuation, so that end matches without a word boundary",
                       r.watch_list ? kWatchListFinding : ""});
    }
    // Within one rule's `any`, a longer keyword containing a shorter one always co-fires with it.
    // A watch list's names are alternatives by design (贵州茅台 beside 茅台), and a watch list
    // cites no seed: the list itself is where its entries come from.
    if (r.watch_list) continue;
    for (const auto& a : r.any)
      for (const auto& b : r.any) {
        if (&a == &b || a.regex || b.regex || a.text.size() >= b.text.size()) continue;
        if (b.text.find(a.text) == std::string::npos) continue;
        // ASCII boundary keywords may not co-fire ("AI" vs "AIGC"): only CJK-contained cases.
        const bool a_boundary = IsAlnum(static_cast<unsigned char>(a.text.front())) ||
                                IsAlnum(static_cast<unsigned char>(a.text.back()));
        if (a_boundary && b.text.size() > a.text.size()) {
          const size_t pos = b.text.find(a.text);
          const bool left_ok = pos == 0 || !IsAlnum(static_cast<unsigned char>(b.text[pos - 1]));
          const size_t e = pos + a.text.size();
          const bool right_ok = e == b.text.size() || !IsAlnum(static_cast<unsigned char>(b.text[e]));
          if (!left_ok || !right_ok) continue;
        }
        out.push_back({"shadowed", b.text,
                       Where(r, b.line) + ": rule '" + r.tag + "': keyword '" + b.text +
                           "' always co-fires with the shorter '" + a.text +
                           "' of the same rule (it only adds score)",
                       ""});
      }
    if (r.provenance.empty()) {
      out.push_back({"no-provenance", r.tag, Where(r, 0) + ": rule '" + r.tag + "' has no provenance", ""});
    }
    for (const auto& p : r.provenance) {
      auto it = seeds.find(p.seed);
      if (it == seeds.end()) {
        bool ok;
        std::string text = ReadFile((std::filesystem::path(seeds_dir) / p.seed).string(), &ok);
        it = seeds.emplace(p.seed, ok ? text : std::string("\x01missing")).first;
      }
      if (it->second == "\x01missing")
        out.push_back({"bad-provenance", r.tag, Where(r, 0) + ": rule '" + r.tag + "': seed file '" + p.seed +
                                                    "' not found in " + seeds_dir, ""});
      else if (it->second.find(p.clause) == std::string::npos)
        out.push_back({"bad-provenance", r.tag,
                       Where(r, 0) + ": rule '" + r.tag + "': clause not found verbatim in " + p.seed + ": \"" +
                           p.clause + "\"",
                       ""});
    }
  }
  LintLabels(set, &out);
  for (const auto& [kw, tags] : tags_of) {
    if (tags.size() < 2) continue;
    std::string list;
    for (const auto& t : tags) list += (list.empty() ? "" : ", ") + t;
    // A watch name shared with watch entities or one policy tag informs the
    // desk; two policy tags sharing a keyword stay the rule set's finding.
    const auto policy = std::count_if(tags.begin(), tags.end(), [&](const std::string& t) { return !watch_tags.count(t); });
    const bool watched = policy < static_cast<std::ptrdiff_t>(tags.size()) && policy <= 1;
    const std::string& text = first_text[kw];
    out.push_back({"duplicate", text, first_where[kw] + ": keyword '" + text + "' is used by several tags: " + list,
                   watched ? kWatchListFinding : ""});
  }
  return out;
}

Status ApplyLintAllowList(const std::string& allow_file, std::vector<LintFinding>* findings) {
  if (!std::filesystem::exists(allow_file)) return Status::OK();
  try {
    bool read = false;
    const std::string text = ReadFile(allow_file, &read);
    if (!read) return Status::IOError("cannot read allow file " + allow_file);
    YAML::Node root;
    NEWSFLOW_RETURN_IF_ERROR(LoadOneYamlDocument(text, allow_file, &root));
    if (!root.IsSequence()) return Status::InvalidArgument(allow_file + ": must be a list of {check, keyword, why}");
    for (const auto& n : root) {
      if (!n["check"] || !n["keyword"] || !n["why"])
        return Status::InvalidArgument(allow_file + ":" + std::to_string(n.Mark().line + 1) + ": entry needs check, keyword, why");
      const auto check = n["check"].as<std::string>(), kw = n["keyword"].as<std::string>(),
                 why = n["why"].as<std::string>();
      bool used = false;
      for (auto& f : *findings)
        if (f.check == check && f.keyword == kw) {
          f.explained = why;
          used = true;
        }
      if (!used)
        findings->push_back({"stale-allow", kw,
                             allow_file + ":" + std::to_string(n.Mark().line + 1) + ": allow entry for " + check +
                                 " '" + kw + "' matches no finding (remove it)",
                             ""});
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(allow_file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return Status::OK();
}

}  // namespace newsflow::rules
