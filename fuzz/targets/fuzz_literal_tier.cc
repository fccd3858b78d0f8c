// fuzz_literal_tier.cc — the literal tier (CompileOptions::literal_tier_from)
// and the leadless scan (CompileOptions::leadless_scan) against Hyperscan over
// the UTF-8 bytes on the same literals: the input is up to 64 keywords, one
// per line (a leading '!' makes one case-sensitive), then an empty line, then
// the text. Each keyword becomes a rule; the set is compiled with every
// literal in Hyperscan scanning the bytes, in Hyperscan scanning the leadless
// form, and in the automaton, and all three must report the same hits and
// the same tags, on the text and on the keyword lines themselves (so every
// keyword hits). Invalid UTF-8 in a keyword keeps it in Hyperscan over the
// bytes; in the text it must not change what the others find.
//
// Bounds: inputs over 4 KiB, and keywords over 32 bytes, are skipped.
#include <algorithm>
#include <limits>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include "fuzz_util.h"
#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/rule_set.h"

namespace {

using newsflow::rules::CompiledRules;
using newsflow::rules::CompileOptions;
using newsflow::rules::EvaluateOptions;
using newsflow::rules::ScanScratch;
using newsflow::rules::TagMatch;

using Hits = std::multiset<std::tuple<uint32_t, uint32_t, uint32_t>>;

void Scan(const CompiledRules& c, std::string_view text, Hits* hits, std::vector<std::pair<uint32_t, double>>* tags) {
  std::unique_ptr<ScanScratch> scratch;
  const newsflow::Status ns = c.NewScratch(&scratch);
  FUZZ_CHECK(ns.ok(), "NewScratch: %s", ns.ToString().c_str());
  std::vector<TagMatch> out;
  const newsflow::Status ts = c.Tag(text, static_cast<uint32_t>(text.size() / 3), scratch.get(), &out);
  FUZZ_CHECK(ts.ok(), "Tag: %s", ts.ToString().c_str());
  const auto& m = scratch->matches();
  for (size_t i = 0; i < m.hits.size(); ++i) {
    hits->emplace(m.hits[i].pattern, m.hits[i].begin, m.hits[i].end);
    if (i > 0) FUZZ_CHECK(m.hits[i - 1].end <= m.hits[i].end, "hits out of end order at %zu", i);
  }
  for (const auto& t : out) tags->emplace_back(t.tag, t.score);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return -1;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t split = in.find("\n\n");
  if (split == std::string_view::npos) return -1;
  const std::string_view text = in.substr(split + 2);
  newsflow::rules::RuleSet set;
  std::string lines;  // the keywords, one per line: a second text
  for (size_t pos = 0; pos < split && set.rules.size() < 64;) {
    size_t eol = std::min(in.find('\n', pos), split);
    std::string_view kw = in.substr(pos, eol - pos);
    pos = eol + 1;
    newsflow::rules::Keyword k;
    if (!kw.empty() && kw.front() == '!') {
      k.case_sensitive = true;
      kw.remove_prefix(1);
    }
    if (kw.empty() || kw.size() > 32 || kw.find('\0') != std::string_view::npos) continue;
    k.text = std::string(kw);
    lines.append(kw);
    lines.push_back('\n');
    newsflow::rules::Rule r;
    r.tag = "fuzz:" + std::to_string(set.rules.size());
    r.file = "<fuzz>";
    r.any.push_back(std::move(k));
    set.rules.push_back(std::move(r));
  }
  if (set.rules.empty()) return 0;
  std::shared_ptr<const CompiledRules> bytes, hs, tier;
  CompileOptions never, always, on_bytes;
  never.literal_tier_from = std::numeric_limits<size_t>::max();
  on_bytes.literal_tier_from = std::numeric_limits<size_t>::max();
  on_bytes.leadless_scan = false;
  always.literal_tier_from = 0;
  if (!CompiledRules::Compile(set, EvaluateOptions(), on_bytes, &bytes).ok()) return 0;  // Hyperscan refused a keyword
  const newsflow::Status sl = CompiledRules::Compile(set, EvaluateOptions(), never, &hs);
  FUZZ_CHECK(sl.ok(), "the leadless scan failed where the bytes compiled: %s", sl.ToString().c_str());
  const newsflow::Status s = CompiledRules::Compile(set, EvaluateOptions(), always, &tier);
  FUZZ_CHECK(s.ok(), "the tier failed where Hyperscan compiled: %s", s.ToString().c_str());
  FUZZ_CHECK(hs->literal_tier_patterns() == 0, "tier used with literal_tier_from = max");
  FUZZ_CHECK(!bytes->leadless_scan(), "leadless scan with leadless_scan = false");
  for (const std::string_view t : {text, std::string_view(lines)}) {
    Hits r, a, b;
    std::vector<std::pair<uint32_t, double>> tr, ta, tb;
    Scan(*bytes, t, &r, &tr);
    Scan(*hs, t, &a, &ta);
    Scan(*tier, t, &b, &tb);
    FUZZ_CHECK(a == r, "hits differ: %zu from the leadless scan, %zu from the bytes", a.size(), r.size());
    FUZZ_CHECK(ta == tr, "tags differ: %zu from the leadless scan, %zu from the bytes", ta.size(), tr.size());
    FUZZ_CHECK(b == r, "hits differ: %zu from the tier, %zu from the bytes", b.size(), r.size());
    FUZZ_CHECK(tb == tr, "tags differ: %zu from the tier, %zu from the bytes", tb.size(), tr.size());
  }
  return 0;
}
