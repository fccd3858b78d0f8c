// hyperscan_engine.h — two Hyperscan engines.
//
// HyperscanEngine is the project's own matcher: rules::CompiledRules compiled
// from a RuleSet (by default one rule whose `any` lists every pattern), block
// scan of each document with the boundary checks of its match callback. With
// UseRuleSet() it compiles the real rule set instead (regex keywords and
// all, i.e. the database the pipeline scans with) and reports only the
// patterns of the spec list, found by (text, caseless). The engine named
// "hyperscan" keeps every pattern in Hyperscan (CompileOptions::
// literal_tier_from = never); "literal-tier" is the same CompiledRules with
// every literal in its Aho-Corasick tier (= 0), Hyperscan keeping only the
// regexes and case-sensitive ASCII keywords.
//
// HyperscanBatchedEngine is what Hyperscan can do when the per-call overhead
// is taken out: a raw literal database (hs_compile_lit_multi), documents
// joined with '\n' into ~64 KB blocks, one hs_scan per block, each hit mapped
// back to its document; boundary checks and per-document dedup in the
// callback. '\n' never occurs in a pattern, so no hit spans two documents.
#pragma once

#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>

#include "engine.h"
#include "newsflow/rules/compiled_rules.h"

struct hs_database;

namespace newsflow::bench {

class HyperscanEngine : public Engine {
 public:
  static constexpr size_t kNever = std::numeric_limits<size_t>::max();
  // leadless: CompileOptions::leadless_scan (false: Hyperscan scans the
  // UTF-8 bytes, the engine named "hyperscan-utf8", for the side-by-side row).
  explicit HyperscanEngine(size_t literal_tier_from = kNever, bool leadless = true)
      : literal_tier_from_(literal_tier_from), leadless_(leadless) {}
  std::string name() const override {
    return literal_tier_from_ != kNever ? "literal-tier" : leadless_ ? "hyperscan" : "hyperscan-utf8";
  }
  // Compile `set` (the project's rules) rather than a one-rule set of the specs.
  void UseRuleSet(const rules::RuleSet& set) { set_ = set; }
  std::string Build(const std::vector<PatternSpec>& patterns) override;
  std::unique_ptr<Scanner> NewScanner() const override;
  // The Hyperscan database plus the literal tier's automaton.
  size_t database_bytes() const override {
    return rules_ ? rules_->database_bytes() + rules_->literal_tier_bytes() : 0;
  }
  size_t scratch_bytes() const override { return rules_ ? rules_->scratch_bytes() : 0; }
  const rules::CompiledRules& compiled() const { return *rules_; }

 private:
  class HsScanner;
  size_t literal_tier_from_;
  bool leadless_;
  std::optional<rules::RuleSet> set_;
  std::shared_ptr<const rules::CompiledRules> rules_;
  // Project pattern id -> spec ids (usually one; none for patterns that are
  // not in the spec list, e.g. regexes of the real rule set).
  std::vector<std::vector<uint32_t>> spec_ids_;
};

class HyperscanBatchedEngine : public Engine {
 public:
  explicit HyperscanBatchedEngine(size_t block_bytes = 64 * 1024) : block_bytes_(block_bytes) {}
  ~HyperscanBatchedEngine() override;
  std::string name() const override { return "hyperscan-batched"; }
  std::string Build(const std::vector<PatternSpec>& patterns) override;
  std::unique_ptr<Scanner> NewScanner() const override;
  size_t database_bytes() const override;
  size_t scratch_bytes() const override;

 private:
  class BatchScanner;
  size_t block_bytes_;
  hs_database* db_ = nullptr;
  std::vector<uint32_t> lens_;
  std::vector<uint8_t> boundary_;
};

}  // namespace newsflow::bench
