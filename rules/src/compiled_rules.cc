// compiled_rules.cc — builds the Hyperscan database, scans, evaluates rules.
#include "newsflow/rules/compiled_rules.h"

#include <hs/hs.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace newsflow::rules {
namespace {

inline bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

std::string EscapeLiteral(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 4);
  for (unsigned char c : s) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

CompiledRules::~CompiledRules() { hs_free_database(db_); }

ScanScratch::~ScanScratch() { hs_free_scratch(hs_); }

Status CompiledRules::Compile(const RuleSet& set, std::shared_ptr<const CompiledRules>* out) {
  std::shared_ptr<CompiledRules> c(new CompiledRules());
  c->set_ = set;

  // Tags: sorted, unique; their index is the tag id used in TagMatch.
  for (const auto& r : set.rules) c->tags_.push_back(r.tag);
  std::sort(c->tags_.begin(), c->tags_.end());
  c->tags_.erase(std::unique(c->tags_.begin(), c->tags_.end()), c->tags_.end());

  // Patterns: distinct (text, caseless, regex). Remember the first rule that
  // used each, to name it in compile errors.
  std::map<std::tuple<std::string, bool, bool>, uint32_t> index;
  std::vector<std::pair<uint32_t, int>> first_use;  // pattern -> (rule, line)
  bool any_regex = false;
  auto intern = [&](const Keyword& k, uint32_t rule) -> uint32_t {
    const bool caseless = !k.case_sensitive;
    auto key = std::make_tuple(k.text, caseless, k.regex);
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    const auto id = static_cast<uint32_t>(c->patterns_.size());
    Pattern p;
    p.text = k.text;
    p.caseless = caseless;
    p.regex = k.regex;
    if (!k.regex) {
      p.left_boundary = IsAsciiAlnum(static_cast<unsigned char>(k.text.front()));
      p.right_boundary = IsAsciiAlnum(static_cast<unsigned char>(k.text.back()));
    }
    any_regex |= k.regex;
    c->patterns_.push_back(std::move(p));
    first_use.emplace_back(rule, k.line);
    index.emplace(std::move(key), id);
    return id;
  };

  for (uint32_t ri = 0; ri < set.rules.size(); ++ri) {
    const Rule& r = set.rules[ri];
    CompiledRule cr;
    cr.tag = static_cast<uint32_t>(std::lower_bound(c->tags_.begin(), c->tags_.end(), r.tag) - c->tags_.begin());
    for (const auto& k : r.any) cr.any.push_back(intern(k, ri));
    for (const auto& g : r.all) {
      cr.all.emplace_back();
      for (const auto& k : g) cr.all.back().push_back(intern(k, ri));
    }
    for (const auto& k : r.veto) cr.veto.push_back(intern(k, ri));
    for (const auto& k : r.except) cr.except.push_back(intern(k, ri));
    cr.title_weight = r.title_weight;
    cr.min_score = r.min_score;
    cr.alert = r.alert;
    c->rules_.push_back(std::move(cr));
  }
  if (c->patterns_.empty()) return Status::Error("rule set has no keywords");

  // Which rules a positive hit of each pattern can make fire.
  c->rules_of_pattern_.resize(c->patterns_.size());
  for (uint32_t ri = 0; ri < c->rules_.size(); ++ri) {
    auto add = [&](uint32_t p) {
      auto& v = c->rules_of_pattern_[p];
      if (v.empty() || v.back() != ri) v.push_back(ri);
    };
    for (uint32_t p : c->rules_[ri].any) add(p);
    for (const auto& g : c->rules_[ri].all)
      for (uint32_t p : g) add(p);
  }

  const auto n = static_cast<unsigned>(c->patterns_.size());
  std::vector<unsigned> flags(n), ids(n);
  std::vector<size_t> lens(n);
  std::vector<std::string> exprs(n);
  std::vector<const char*> ptrs(n);
  for (unsigned i = 0; i < n; ++i) {
    const Pattern& p = c->patterns_[i];
    ids[i] = i;
    flags[i] = p.caseless ? HS_FLAG_CASELESS : 0;
    if (p.regex) {
      exprs[i] = p.text;
      flags[i] |= HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;
    } else {
      exprs[i] = any_regex ? EscapeLiteral(p.text) : p.text;
    }
    ptrs[i] = exprs[i].c_str();
    lens[i] = exprs[i].size();
  }
  hs_compile_error_t* err = nullptr;
  hs_error_t rc;
  if (!any_regex) {
    rc = hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(), lens.data(), n, HS_MODE_BLOCK, nullptr,
                              &c->db_, &err);
    c->literal_api_ = true;
  } else {
    rc = hs_compile_multi(ptrs.data(), flags.data(), ids.data(), n, HS_MODE_BLOCK, nullptr, &c->db_, &err);
  }
  if (rc != HS_SUCCESS) {
    std::string msg = "hyperscan compile failed";
    if (err) {
      msg = err->message;
      if (err->expression >= 0 && static_cast<size_t>(err->expression) < first_use.size()) {
        const auto [ri, line] = first_use[err->expression];
        const Rule& r = set.rules[ri];
        msg = r.file + ":" + std::to_string(line) + ": rule '" + r.tag + "': pattern '" +
              c->patterns_[err->expression].text + "': " + err->message;
      }
      hs_free_compile_error(err);
    }
    return Status::Error(msg);
  }
  *out = std::move(c);
  return Status::Ok();
}

std::unique_ptr<ScanScratch> CompiledRules::NewScratch() const {
  std::unique_ptr<ScanScratch> s(new ScanScratch());
  if (hs_alloc_scratch(db_, &s->hs_) != HS_SUCCESS) return nullptr;
  s->owner_ = this;
  s->m_.bits.assign((patterns_.size() + 63) / 64, 0);
  s->m_.hits.reserve(256);
  s->rule_seen_.assign(rules_.size(), 0);
  return s;
}

size_t CompiledRules::database_bytes() const {
  size_t n = 0;
  hs_database_size(db_, &n);
  return n;
}

size_t CompiledRules::scratch_bytes() const {
  hs_scratch_t* s = nullptr;
  size_t n = 0;
  if (hs_alloc_scratch(db_, &s) == HS_SUCCESS) {
    hs_scratch_size(s, &n);
    hs_free_scratch(s);
  }
  return n;
}

int CompiledRules::OnMatch(unsigned id, unsigned long long from, unsigned long long to, unsigned,
                           void* ctx) {
  auto* s = static_cast<ScanScratch*>(ctx);
  const Pattern& p = s->owner_->patterns_[id];
  const auto end = static_cast<uint32_t>(to);
  const auto begin = p.regex ? static_cast<uint32_t>(from) : end - static_cast<uint32_t>(p.text.size());
  const std::string_view t = s->text_;
  if (p.left_boundary && begin > 0 && IsAsciiAlnum(static_cast<unsigned char>(t[begin - 1]))) return 0;
  if (p.right_boundary && end < t.size() && IsAsciiAlnum(static_cast<unsigned char>(t[end]))) return 0;
  MatchSet& m = s->m_;
  uint64_t& word = m.bits[id >> 6];
  const uint64_t bit = uint64_t{1} << (id & 63);
  if (!(word & bit)) {
    word |= bit;
    m.touched.push_back(id);
  }
  if (m.hits.size() < MatchSet::kMaxHits) {
    m.hits.push_back({id, begin, end});
  } else {
    m.truncated = true;
  }
  return 0;
}

bool CompiledRules::Scan(std::string_view text, uint32_t title_end, ScanScratch* s) const {
  MatchSet& m = s->m_;
  for (uint32_t p : m.touched) m.bits[p >> 6] = 0;
  m.touched.clear();
  m.hits.clear();
  m.truncated = false;
  m.title_end = title_end;
  s->text_ = text;
  if (text.empty()) return true;
  const hs_error_t rc = hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, s->hs_, &OnMatch, s);
  return rc == HS_SUCCESS;
}

void CompiledRules::Evaluate(ScanScratch* s, std::vector<TagMatch>* out) const {
  const MatchSet& m = s->m_;
  auto& cands = s->candidate_rules_;
  cands.clear();
  for (uint32_t p : m.touched)
    for (uint32_t r : rules_of_pattern_[p])
      if (!s->rule_seen_[r]) {
        s->rule_seen_[r] = 1;
        cands.push_back(r);
      }
  for (uint32_t r : cands) s->rule_seen_[r] = 0;
  std::sort(cands.begin(), cands.end());

  const size_t first_out = out->size();
  for (uint32_t ri : cands) {
    const CompiledRule& r = rules_[ri];
    bool vetoed = false;
    for (uint32_t p : r.veto) vetoed |= m.Has(p);
    if (vetoed) continue;

    auto inside_except = [&](const Hit& h) {
      if (r.except.empty()) return false;
      for (const Hit& e : m.hits) {
        if (e.begin > h.begin || e.end < h.end) continue;
        if (std::find(r.except.begin(), r.except.end(), e.pattern) != r.except.end()) return true;
      }
      return false;
    };
    double score = 0;
    std::vector<Hit> spans;
    // Scores one keyword once, however many of the rule's lists name it
    // (SCHEMA.md: each distinct keyword adds to the score); returns whether
    // it counted.
    std::vector<std::pair<uint32_t, bool>> scored;
    auto score_pattern = [&](uint32_t p) -> bool {
      if (!m.Has(p)) return false;
      for (const auto& [q, counted] : scored)
        if (q == p) return counted;
      scored.emplace_back(p, false);
      unsigned n = 0;
      bool in_title = false;
      for (const Hit& h : m.hits) {
        if (h.pattern != p || inside_except(h)) continue;
        ++n;
        in_title |= h.begin < m.title_end;
        if (spans.size() < 32) spans.push_back(h);
      }
      if (n == 0 && m.truncated && r.except.empty()) n = 1;  // hit beyond the span cap
      if (n == 0) return false;
      score += (in_title ? r.title_weight : 1.0) + 0.25 * std::min(n - 1, 4u);
      scored.back().second = true;
      return true;
    };
    bool any_hit = r.any.empty();
    for (uint32_t p : r.any) any_hit |= score_pattern(p);
    bool all_hit = true;
    for (const auto& g : r.all) {
      bool group_hit = false;
      for (uint32_t p : g) group_hit |= score_pattern(p);
      all_hit &= group_hit;
    }
    if (!any_hit || !all_hit || score < r.min_score) continue;
    std::sort(spans.begin(), spans.end(), [](const Hit& a, const Hit& b) {
      return std::tie(a.begin, a.end, a.pattern) < std::tie(b.begin, b.end, b.pattern);
    });
    spans.erase(std::unique(spans.begin(), spans.end(),
                            [](const Hit& a, const Hit& b) {
                              return a.begin == b.begin && a.end == b.end && a.pattern == b.pattern;
                            }),
                spans.end());
    out->push_back({r.tag, score, r.alert, std::move(spans)});
  }
  // One entry per tag: the best score wins; alert if any firing rule alerts.
  auto begin = out->begin() + static_cast<std::ptrdiff_t>(first_out);
  std::stable_sort(begin, out->end(), [](const TagMatch& a, const TagMatch& b) {
    return a.tag != b.tag ? a.tag < b.tag : a.score > b.score;
  });
  auto w = begin;
  for (auto it = begin; it != out->end(); ++it) {
    if (w != begin && (w - 1)->tag == it->tag) {
      (w - 1)->alert |= it->alert;
      continue;
    }
    if (w != it) *w = std::move(*it);
    ++w;
  }
  out->erase(w, out->end());
}

bool CompiledRules::Tag(std::string_view text, uint32_t title_end, ScanScratch* scratch,
                        std::vector<TagMatch>* out) const {
  if (!Scan(text, title_end, scratch)) return false;
  Evaluate(scratch, out);
  return true;
}

}  // namespace newsflow::rules
