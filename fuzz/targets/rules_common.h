// rules_common.h — what the rule-file fuzz targets (fuzz_rule_loader,
// fuzz_watch_list) share: a fixed text that hits the real rules, the bounds
// that keep a run on the loader rather than on Hyperscan's compiler, and the
// invariants every tagging result must hold. Header-only; aborts (FUZZ_CHECK)
// on a broken invariant.
#pragma once

#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/rule_set.h"

namespace fuzz_rules {

using newsflow::rules::CompiledRules;
using newsflow::rules::Keyword;
using newsflow::rules::RuleSet;
using newsflow::rules::ScanScratch;
using newsflow::rules::TagMatch;

inline constexpr std::string_view kText =
    "【深圳:支持数字人民币试点】AI芯片与集成电路产业 SAIC e-CNY 碳交易 粤港澳大湾区\n"
    "鹏城实验室发布AIGC大模型, 华为昇腾 DCEP 低碳 低碳 低碳 数据要素市场化配置 CBDC";

inline bool WithinBounds(const RuleSet& set) {
  size_t keywords = 0, regexes = 0;
  auto visit = [&](const std::vector<Keyword>& ks) {
    for (const auto& k : ks) {
      ++keywords;
      if (k.text.size() > 256) return false;
      if (k.regex) {
        ++regexes;
        if (k.text.size() > 32 || k.text.find('{') != std::string::npos) return false;
      }
    }
    return true;
  };
  for (const auto& r : set.rules) {
    if (!visit(r.any) || !visit(r.veto) || !visit(r.except)) return false;
    for (const auto& g : r.all)
      if (!visit(g)) return false;
  }
  return keywords <= 256 && regexes <= 4;
}

inline void CheckTags(const CompiledRules& cr, std::string_view text, const std::vector<TagMatch>& tags,
                      size_t n_labels = 0) {
  for (size_t i = 0; i < tags.size(); ++i) {
    const TagMatch& t = tags[i];
    for (uint32_t l : t.labels) FUZZ_CHECK(l < n_labels, "label index %u of %zu", l, n_labels);
    FUZZ_CHECK(t.labels.empty() == (t.label_score == 0), "label score %g with %zu labels", t.label_score,
               t.labels.size());
    FUZZ_CHECK(t.tag < cr.tags().size(), "tag id %u of %zu", t.tag, cr.tags().size());
    if (i > 0) FUZZ_CHECK(tags[i - 1].tag < t.tag, "tags not sorted and unique at %zu", i);
    FUZZ_CHECK(t.spans.size() <= newsflow::rules::EvaluateOptions().max_spans_per_tag, "%zu spans", t.spans.size());
    for (const auto& h : t.spans) {
      FUZZ_CHECK(h.pattern < cr.patterns().size(), "hit of pattern %u of %zu", h.pattern, cr.patterns().size());
      FUZZ_CHECK(h.begin <= h.end && h.end <= text.size(), "hit [%u, %u) in %zu bytes", h.begin, h.end,
                 text.size());
    }
  }
}

}  // namespace fuzz_rules
