// watch_list.cc — parses a watch list (*.tsv) into rules; see ParseWatchList
// in rule_set.h and rules/SCHEMA.md, "Watch lists".
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "newsflow/rules/rule_set.h"
#include "rule_text_checks.h"

namespace newsflow::rules {
namespace {

constexpr std::string_view kWatchFamily = "watch:";

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Status ParseWatchList(std::string_view text, const std::string& file, RuleSet* out) {
  // Tags of the watch lists already loaded: an entity is one line.
  std::unordered_map<std::string_view, const Rule*> first;
  for (const Rule& r : out->rules)
    if (r.watch_list) first.emplace(r.tag, &r);
  std::vector<Rule> rules;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a spreadsheet's BOM
  int line_no = 0;
  auto error = [&](std::string_view rule, const std::string& what) {
    return Status::InvalidArgument(file + ":" + std::to_string(line_no) + ": rule '" + std::string(rule) +
                                   "': " + what);
  };
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t lead = line.find_first_not_of(" \t");
    if (lead == std::string_view::npos || line[lead] == '#') continue;

    Rule r;
    r.file = file;
    r.line = line_no;
    r.watch_list = true;
    std::unordered_set<std::string_view> names;
    for (size_t col = 0; !line.empty() || col == 0; ++col) {
      const size_t tab = line.find('\t');
      const std::string_view field = TrimSpaces(line.substr(0, tab));
      line.remove_prefix(tab == std::string_view::npos ? line.size() : tab + 1);
      if (col == 0) {
        r.tag = std::string(field);
        if (!IsValidTag(r.tag) || r.tag.compare(0, kWatchFamily.size(), kWatchFamily) != 0)
          return error(r.tag, "bad tag id (a watch list's first column is watch:<slug>, a lowercase slug of a-z, "
                              "0-9 and '-'; tags of other families come from YAML rules with provenance)");
        continue;
      }
      if (field.empty()) continue;  // an empty cell, e.g. a spreadsheet's trailing columns
      Keyword k{std::string(field), false, false, line_no};
      if (std::string problem = KeywordTextProblem(k); !problem.empty()) return error(r.tag, problem);
      if (!names.insert(field).second) return error(r.tag, "duplicate name '" + k.text + "' on one line");
      r.any.push_back(std::move(k));
    }
    if (r.any.empty()) return error(r.tag, "no names (TAB-separated after the tag)");
    rules.push_back(std::move(r));
  }
  for (const Rule& r : rules) {
    const auto [it, fresh] = first.emplace(r.tag, &r);
    if (!fresh) {
      line_no = r.line;
      return error(r.tag, "tag listed twice (first at " + it->second->file + ":" + std::to_string(it->second->line) +
                              "): an entity's names go on its one line");
    }
  }
  for (Rule& r : rules) out->rules.push_back(std::move(r));
  return Status::OK();
}

}  // namespace newsflow::rules
