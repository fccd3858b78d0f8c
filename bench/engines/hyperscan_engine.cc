// hyperscan_engine.cc — the project's matcher and a batched raw-Hyperscan engine.
#include "hyperscan_engine.h"

#include <hs/hs.h>

#include <algorithm>
#include <map>

namespace newsflow::bench {

// ---- HyperscanEngine: rules::CompiledRules ----------------------------------

class HyperscanEngine::HsScanner : public Scanner {
 public:
  explicit HsScanner(const HyperscanEngine& e) : e_(e) {
    if (!e.rules_->NewScratch(&scratch_).ok()) scratch_.reset();  // Scan then reports failure
  }
  bool Scan(std::string_view doc, MatchFn on_match) override {
    if (!scratch_ || !e_.rules_->Scan(doc, 0, scratch_.get()).ok()) return false;
    for (uint32_t p : scratch_->matches().touched)
      for (uint32_t s : e_.spec_ids_[p]) on_match(s);
    return true;
  }

 private:
  const HyperscanEngine& e_;
  std::unique_ptr<rules::ScanScratch> scratch_;
};

std::string HyperscanEngine::Build(const std::vector<PatternSpec>& specs) {
  rules::RuleSet set;
  if (set_) {
    set = *set_;
  } else {
    rules::Rule r;
    r.tag = "bench:all";
    r.file = "<bench>";
    for (const PatternSpec& s : specs) {
      rules::Keyword k;
      k.text = s.text;
      k.case_sensitive = !s.caseless;
      r.any.push_back(std::move(k));
    }
    set.rules.push_back(std::move(r));
  }
  rules::CompileOptions compile;
  compile.literal_tier_from = literal_tier_from_;
  compile.leadless_scan = leadless_;
  if (auto st = rules::CompiledRules::Compile(set, rules::EvaluateOptions(), compile, &rules_); !st.ok())
    return "compile: " + st.message();

  std::map<std::pair<std::string_view, bool>, std::vector<uint32_t>> by_key;
  for (uint32_t i = 0; i < specs.size(); ++i) by_key[{specs[i].text, specs[i].caseless}].push_back(i);
  const auto& pats = rules_->patterns();
  spec_ids_.assign(pats.size(), {});
  size_t covered = 0;
  for (uint32_t p = 0; p < pats.size(); ++p) {
    if (pats[p].regex) continue;
    auto it = by_key.find({pats[p].text, pats[p].caseless});
    if (it == by_key.end()) continue;
    for (uint32_t s : it->second) {
      // The project bounds each ASCII end of a keyword; the contract's `b`
      // bounds both ends. They agree only when both or neither end is ASCII.
      if (pats[p].left_boundary != pats[p].right_boundary || pats[p].left_boundary != specs[s].boundary)
        return "pattern '" + specs[s].text + "': the project's boundary rule (left " +
               std::to_string(pats[p].left_boundary) + ", right " + std::to_string(pats[p].right_boundary) +
               ") cannot be expressed with this pattern's flags";
    }
    spec_ids_[p] = it->second;
    covered += it->second.size();
  }
  if (covered != specs.size()) return "some patterns are not in the compiled rule set";
  return "";
}

std::unique_ptr<Scanner> HyperscanEngine::NewScanner() const { return std::make_unique<HsScanner>(*this); }

// ---- HyperscanBatchedEngine ------------------------------------------------

HyperscanBatchedEngine::~HyperscanBatchedEngine() { hs_free_database(db_); }

std::string HyperscanBatchedEngine::Build(const std::vector<PatternSpec>& specs) {
  hs_free_database(db_);
  db_ = nullptr;
  const size_t n = specs.size();
  std::vector<const char*> ptrs(n);
  std::vector<size_t> lens(n);
  std::vector<unsigned> flags(n), ids(n);
  lens_.resize(n);
  boundary_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    ptrs[i] = specs[i].text.data();
    lens[i] = specs[i].text.size();
    flags[i] = specs[i].caseless ? HS_FLAG_CASELESS : 0;
    ids[i] = static_cast<unsigned>(i);
    lens_[i] = static_cast<uint32_t>(lens[i]);
    boundary_[i] = specs[i].boundary;
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(), lens.data(), static_cast<unsigned>(n),
                           HS_MODE_BLOCK, nullptr, &db_, &err) != HS_SUCCESS) {
    std::string msg = err ? err->message : "hs_compile_lit_multi failed";
    hs_free_compile_error(err);
    return msg;
  }
  return "";
}

size_t HyperscanBatchedEngine::database_bytes() const {
  size_t n = 0;
  if (db_) hs_database_size(db_, &n);
  return n;
}

size_t HyperscanBatchedEngine::scratch_bytes() const {
  hs_scratch_t* s = nullptr;
  size_t n = 0;
  if (db_ && hs_alloc_scratch(db_, &s) == HS_SUCCESS) {
    hs_scratch_size(s, &n);
    hs_free_scratch(s);
  }
  return n;
}

class HyperscanBatchedEngine::BatchScanner : public Scanner {
 public:
  explicit BatchScanner(const HyperscanBatchedEngine& e) : e_(e), stamp_(e.lens_.size(), 0) {
    if (hs_alloc_scratch(e.db_, &scratch_) != HS_SUCCESS) scratch_ = nullptr;
    block_.reserve(e.block_bytes_ * 2);
  }
  ~BatchScanner() override { hs_free_scratch(scratch_); }

  bool Scan(std::string_view doc, MatchFn on_match) override {
    const std::string_view one[1] = {doc};
    return ScanMany(one, [&](size_t, uint32_t p) { on_match(p); });
  }

  bool ScanMany(std::span<const std::string_view> docs, BatchMatchFn on_match) override {
    if (scratch_ == nullptr) return false;
    on_match_ = &on_match;
    size_t d = 0;
    while (d < docs.size()) {
      block_.clear();
      starts_.clear();
      first_doc_ = d;
      do {
        starts_.push_back(static_cast<uint32_t>(block_.size()));
        block_.append(docs[d]);
        block_.push_back('\n');
        ++d;
      } while (d < docs.size() && block_.size() + docs[d].size() < e_.block_bytes_);
      if (epoch_ > 0xF0000000u) {  // stamps about to wrap: start over
        std::fill(stamp_.begin(), stamp_.end(), 0);
        epoch_ = 0;
      }
      cursor_ = 0;
      const hs_error_t rc = hs_scan(e_.db_, block_.data(), static_cast<unsigned>(block_.size()), 0, scratch_,
                                    &OnHit, this);
      epoch_ += static_cast<uint32_t>(starts_.size());
      if (rc != HS_SUCCESS) return false;
    }
    return true;
  }

 private:
  static int OnHit(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
    auto* s = static_cast<BatchScanner*>(ctx);
    const auto end = static_cast<uint32_t>(to);
    const uint32_t begin = end - s->e_.lens_[id];
    if (s->e_.boundary_[id] && !BoundaryOk(s->block_, begin, end)) return 0;
    size_t c = s->cursor_;
    if (begin < s->starts_[c]) {
      c = static_cast<size_t>(std::upper_bound(s->starts_.begin(), s->starts_.end(), begin) - s->starts_.begin()) - 1;
    } else {
      while (c + 1 < s->starts_.size() && s->starts_[c + 1] <= begin) ++c;
    }
    s->cursor_ = c;
    const uint32_t stamp = s->epoch_ + static_cast<uint32_t>(c) + 1;
    if (s->stamp_[id] == stamp) return 0;
    s->stamp_[id] = stamp;
    (*s->on_match_)(s->first_doc_ + c, id);
    return 0;
  }

  const HyperscanBatchedEngine& e_;
  hs_scratch_t* scratch_ = nullptr;
  std::string block_;
  std::vector<uint32_t> starts_;
  std::vector<uint32_t> stamp_;
  uint32_t epoch_ = 0;
  size_t cursor_ = 0, first_doc_ = 0;
  const BatchMatchFn* on_match_ = nullptr;
};

std::unique_ptr<Scanner> HyperscanBatchedEngine::NewScanner() const { return std::make_unique<BatchScanner>(*this); }

}  // namespace newsflow::bench
