// label_evidence.cc — feed labels as evidence for tags (SCHEMA.md, "Feed
// labels"): the label table's index, and its merge into the keyword tags of
// one document. Part of CompiledRules (compiled_rules.h).
#include <algorithm>

#include "newsflow/rules/compiled_rules.h"

namespace newsflow::rules {
namespace {

constexpr char kKeySeparator = '\x1f';  // not valid in a field name (rule_loader.cc)

void LabelKey(std::string_view field, std::string_view name, std::string* key) {
  key->assign(field);
  key->push_back(kKeySeparator);
  key->append(name);
}

// A label of at least this weight means its tag by itself (SCHEMA.md "Feed
// labels"); lighter ones only add to a tag that applies otherwise.
constexpr double kLabelAloneWeight = 1.0;

}  // namespace

void CompiledRules::IndexLabels() {
  rules_of_tag_.assign(tags_.size(), {});
  for (uint32_t ri = 0; ri < rules_.size(); ++ri) rules_of_tag_[rules_[ri].tag].push_back(ri);
  std::string key;
  for (uint32_t i = 0; i < set_.labels.size(); ++i) {
    const LabelEntry& e = set_.labels[i];
    LabelKey(e.field, e.name, &key);
    label_index_.emplace(key, i);  // the loader rejects duplicates
    auto& tags = label_tags_.emplace_back();
    for (const auto& t : e.tags) {
      const auto tag = static_cast<uint32_t>(std::lower_bound(tags_.begin(), tags_.end(), t) - tags_.begin());
      tags.emplace_back(tag, e.weight);
    }
  }
}

const LabelEntry* CompiledRules::FindLabel(const DocLabel& label) const {
  std::string key;
  LabelKey(label.field, label.name, &key);
  const auto it = label_index_.find(key);
  return it == label_index_.end() ? nullptr : &set_.labels[it->second];
}

bool CompiledRules::TagVetoed(uint32_t tag, const MatchSet& m) const {
  for (uint32_t ri : rules_of_tag_[tag])
    for (uint32_t p : rules_[ri].veto)
      if (m.Has(p)) return true;
  return false;
}

void CompiledRules::AddLabelEvidence(ScanScratch* s, std::span<const DocLabel> labels, size_t first_out,
                                     std::vector<TagMatch>* out) const {
  // Each entry counts once, however often the feed repeats its name.
  auto& entries = s->label_entries_;
  auto& hits = s->label_hits_;
  entries.clear();
  hits.clear();
  for (uint32_t li = 0; li < labels.size(); ++li) {
    LabelKey(labels[li].field, labels[li].name, &s->label_key_);
    const auto it = label_index_.find(s->label_key_);
    if (it == label_index_.end()) continue;
    if (std::find(entries.begin(), entries.end(), it->second) != entries.end()) continue;
    entries.push_back(it->second);
    for (const auto& [tag, weight] : label_tags_[it->second]) hits.emplace_back(tag, li, weight);
  }
  if (hits.empty()) return;
  // hits and entries are in label order; group the hits by tag.
  std::stable_sort(hits.begin(), hits.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  const size_t keyword_end = out->size();
  for (size_t i = 0; i < hits.size();) {
    const uint32_t tag = std::get<0>(hits[i]);
    size_t j = i;
    double score = 0;
    bool alone = false;  // one of the labels means the tag by itself
    for (; j < hits.size() && std::get<0>(hits[j]) == tag; ++j) {
      score += std::get<2>(hits[j]);
      alone |= std::get<2>(hits[j]) >= kLabelAloneWeight;
    }
    auto kw = std::lower_bound(out->begin() + static_cast<std::ptrdiff_t>(first_out),
                               out->begin() + static_cast<std::ptrdiff_t>(keyword_end), tag,
                               [](const TagMatch& m, uint32_t t) { return m.tag < t; });
    TagMatch* target = nullptr;
    if (kw != out->begin() + static_cast<std::ptrdiff_t>(keyword_end) && kw->tag == tag) {
      target = &*kw;
    } else if (alone && !TagVetoed(tag, s->m_)) {
      // No alert: `alert: true` is a rule's, and no rule fired (the desk's
      // subscriptions still see the tag).
      target = &out->emplace_back(TagMatch{tag, 0.0, false, {}});
    }
    if (target) {
      target->score += score;
      target->label_score = score;
      for (size_t k = i; k < j; ++k) target->labels.push_back(std::get<1>(hits[k]));
    }
    i = j;
  }
  // Label-only tags were appended after the keyword tags: one sorted run again.
  std::inplace_merge(out->begin() + static_cast<std::ptrdiff_t>(first_out),
                     out->begin() + static_cast<std::ptrdiff_t>(keyword_end), out->end(),
                     [](const TagMatch& a, const TagMatch& b) { return a.tag < b.tag; });
}

}  // namespace newsflow::rules
