// rule_change.cc — see rule_change.h.
#include "rule_change.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "pipeline/sink/record_json.h"

namespace newsflow::cli {
namespace {

void Credit(RuleChange::Count* c, const std::set<std::string>* gold, bool right, const std::string& key) {
  ++c->documents;
  if (gold) ++(right ? c->right : c->wrong);
  if (c->examples.size() < RuleChange::kExamples && !key.empty()) c->examples.push_back(key);
}

// The example keys as one line ("" without any).
std::string ExamplesText(const RuleChange::Count& c) {
  if (c.examples.empty()) return {};
  return fmt::format("      {}{}\n", fmt::join(c.examples, " "), c.documents > c.examples.size() ? " …" : "");
}

std::string Figures(const RuleChange::Count& c, bool with_gold) {
  return with_gold ? fmt::format("{:5} (right {}, wrong {})", c.documents, c.right, c.wrong)
                   : fmt::format("{:5}", c.documents);
}

std::string CountJson(const RuleChange::Count& c, bool with_gold) {
  std::string out = with_gold ? fmt::format("\"documents\":{},\"right\":{},\"wrong\":{}", c.documents, c.right, c.wrong)
                              : fmt::format("\"documents\":{}", c.documents);
  out += ",\"examples\":";
  pipeline::AppendJsonStringArray(&out, c.examples);
  return out;
}

std::string LabelEvidence(std::string_view name) { return fmt::format("label:{}", name); }

}  // namespace

std::string SpanEvidence(const pipeline::SpanView& s) {
  return s.field == storage::Field::kLabel ? LabelEvidence(s.keyword) : std::string(s.keyword);
}

RuleChange::RuleChange(const rules::RuleSet& baseline) {
  for (const auto& r : baseline.rules) {
    for (const auto& k : r.any) baseline_evidence_.insert({r.tag, k.text});
    for (const auto& group : r.all)
      for (const auto& k : group) baseline_evidence_.insert({r.tag, k.text});
  }
  for (const auto& l : baseline.labels)
    for (const auto& t : l.tags) baseline_evidence_.insert({t, LabelEvidence(l.name)});
}

void RuleChange::Add(const pipeline::Item& now, const rules::CompiledRules& rules, const pipeline::Item& before,
                     const std::set<std::string>* gold) {
  ++documents;
  if (gold) with_gold_ = true;
  std::set<std::string> had;
  for (const auto& t : before.tags) had.insert(t.tag);
  std::map<std::string, std::set<std::string>, std::less<>> evidence;  // tag -> its keywords and labels
  pipeline::ForEachSpan(now, rules, [&](const pipeline::SpanView& s) {
    evidence[std::string(s.tag)].insert(SpanEvidence(s));
  });
  std::set<std::string> has;
  for (const auto& t : now.tags) {
    has.insert(t.tag);
    if (had.count(t.tag)) continue;
    const bool right = gold && gold->count(t.tag);
    Credit(&added_[t.tag], gold, right, now.doc.key);
    for (const auto& k : evidence[t.tag])
      if (!baseline_evidence_.count({t.tag, k})) Credit(&by_keyword_[{t.tag, k}], gold, right, now.doc.key);
  }
  for (const auto& tag : had)
    if (!has.count(tag)) Credit(&removed_[tag], gold, gold && !gold->count(tag), now.doc.key);
}

void RuleChange::Print(const std::string& version, const std::string& baseline_version, bool json) const {
  std::vector<std::pair<std::pair<std::string, std::string>, Count>> kw(by_keyword_.begin(), by_keyword_.end());
  std::stable_sort(kw.begin(), kw.end(), [](const auto& a, const auto& b) { return a.second.documents > b.second.documents; });
  std::set<std::string> tags;
  for (const auto& [t, c] : added_) tags.insert(t);
  for (const auto& [t, c] : removed_) tags.insert(t);
  if (json) {
    std::string out = fmt::format(
        "{{\"documents\":{},\"undecodable\":{},\"ruleset_version\":\"{}\",\"baseline_version\":\"{}\",\"gold\":{},"
        "\"tags\":{{",
        documents, undecodable, version, baseline_version, with_gold_ ? "true" : "false");
    bool first = true;
    for (const auto& tag : tags) {
      const auto a = added_.find(tag);
      const auto r = removed_.find(tag);
      if (!first) out += ',';
      first = false;
      pipeline::AppendJsonString(&out, tag);
      out += fmt::format(":{{\"added\":{{{}}},\"removed\":{{{}}}}}",
                         CountJson(a == added_.end() ? Count{} : a->second, with_gold_),
                         CountJson(r == removed_.end() ? Count{} : r->second, with_gold_));
    }
    out += "},\"keywords\":[";
    for (size_t i = 0; i < kw.size(); ++i) {
      out += i ? ",{\"tag\":" : "{\"tag\":";
      pipeline::AppendJsonString(&out, kw[i].first.first);
      out += ",\"keyword\":";
      pipeline::AppendJsonString(&out, kw[i].first.second);
      out += fmt::format(",{}}}", CountJson(kw[i].second, with_gold_));
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
    return;
  }
  fmt::print("{} documents ({} undecodable), rule set {} against baseline {}{}\n\n", documents, undecodable, version,
             baseline_version, with_gold_ ? " (gold: right = the gold has the added tag / lacks the removed one)" : "");
  fmt::print("tags added and removed (documents):\n");
  for (const auto& tag : tags) {
    const auto a = added_.find(tag);
    const auto r = removed_.find(tag);
    fmt::print("  {:45} added {}   removed {}\n", tag, Figures(a == added_.end() ? Count{} : a->second, with_gold_),
               Figures(r == removed_.end() ? Count{} : r->second, with_gold_));
    if (r != removed_.end() && !r->second.examples.empty()) fmt::print("    removed from:\n{}", ExamplesText(r->second));
  }
  fmt::print("\nkeywords the baseline lacks that add a tag (documents; the first {} keys under each):\n", kExamples);
  for (const auto& [k, c] : kw)
    fmt::print("  {:45} {:20} {}\n{}", k.first, k.second, Figures(c, with_gold_), ExamplesText(c));
}

}  // namespace newsflow::cli
