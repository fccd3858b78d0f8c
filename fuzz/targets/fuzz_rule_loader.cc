// fuzz_rule_loader.cc — an arbitrary rule file through ParseRuleFile, and a
// file that parses through CompiledRules::Compile, NewScratch and Tag (of a
// fixed text and of the input itself, so keywords the file lists do hit),
// with the set's own label table entries (and a name no entry has) as the
// document's feed labels, so label evidence is evaluated too.
//
// Bounds, so that a run measures the loader and not Hyperscan's compiler on
// pathological patterns: inputs over 8 KiB are skipped, as are parsed sets
// with more than 256 keywords, a keyword over 256 bytes, more than 4 regexes,
// a regex over 32 bytes, or a regex with a bounded repeat `{` (x{1000} is
// tiny and expensive to compile).
#include <memory>
#include <vector>

#include "fuzz_util.h"
#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/rule_set.h"

namespace {

using newsflow::rules::CompiledRules;
using newsflow::rules::Keyword;
using newsflow::rules::RuleSet;
using newsflow::rules::ScanScratch;
using newsflow::rules::TagMatch;

constexpr std::string_view kText =
    "【深圳:支持数字人民币试点】AI芯片与集成电路产业 SAIC e-CNY 碳交易 粤港澳大湾区\n"
    "鹏城实验室发布AIGC大模型, 华为昇腾 DCEP 低碳 低碳 低碳 数据要素市场化配置 CBDC";

bool WithinBounds(const RuleSet& set) {
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

void CheckTags(const CompiledRules& cr, std::string_view text, const std::vector<TagMatch>& tags,
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return -1;
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  RuleSet set;
  const newsflow::Status s = newsflow::rules::ParseRuleFile(yaml, "fuzz.yaml", &set);
  if (!s.ok()) {
    FUZZ_CHECK(!s.message().empty(), "error without a message");
    return 0;
  }
  if (!WithinBounds(set)) return 0;
  std::shared_ptr<const CompiledRules> cr;
  if (!CompiledRules::Compile(set, &cr).ok()) return 0;
  FUZZ_CHECK(cr != nullptr, "Compile returned OK without rules");
  std::unique_ptr<ScanScratch> scratch;
  const newsflow::Status ss = cr->NewScratch(&scratch);
  FUZZ_CHECK(ss.ok(), "NewScratch: %s", ss.ToString().c_str());
  std::vector<TagMatch> tags;
  const auto title_end = static_cast<uint32_t>(kText.find('\n'));
  const newsflow::Status ts = cr->Tag(kText, title_end, scratch.get(), &tags);
  FUZZ_CHECK(ts.ok(), "Tag: %s", ts.ToString().c_str());
  CheckTags(*cr, kText, tags);
  tags.clear();
  const newsflow::Status ts2 = cr->Tag(yaml, static_cast<uint32_t>(size / 2), scratch.get(), &tags);
  FUZZ_CHECK(ts2.ok(), "Tag: %s", ts2.ToString().c_str());
  CheckTags(*cr, yaml, tags);
  std::vector<newsflow::rules::DocLabel> labels;
  for (size_t i = 0; i < set.labels.size() && i < 16; ++i) {
    labels.push_back({set.labels[i].field, set.labels[i].name});
    if (i % 3 == 0) labels.push_back(labels.back());  // a repeated label counts once
  }
  labels.push_back({"ths.tagInfo", "no such label"});
  tags.clear();
  const newsflow::Status ts3 = cr->Tag(kText, title_end, labels, scratch.get(), &tags);
  FUZZ_CHECK(ts3.ok(), "Tag: %s", ts3.ToString().c_str());
  CheckTags(*cr, kText, tags, labels.size());
  return 0;
}
