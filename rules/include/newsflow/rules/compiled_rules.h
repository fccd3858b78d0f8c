// compiled_rules.h — one Hyperscan database for every keyword of every rule,
// and the evaluation of the rules on what one scan found.
//
// Compile once, share everywhere: a CompiledRules is immutable after Compile()
// and safe to use from any number of threads. Each thread owns a ScanScratch
// (Hyperscan scratch + reusable match buffers); never share one between
// threads.
//
// Patterns are the distinct keywords of the rule set (same text and flags =
// one pattern); the Hyperscan id of a pattern is its index in patterns().
// When no rule uses a regex, the database is built with the literal API
// (hs_compile_lit_multi); otherwise every pattern goes through hs_compile_multi
// with literals escaped. ASCII ends of a keyword match on word boundaries:
// the callback checks the byte before / after the hit, so "AI" never fires
// inside "SAIC" while the database stays literal.
//
// Scan text layout: the caller passes normalized `title '\n' body` and the
// byte length of the title part; hits before that length are title hits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/rules/rule_set.h"
#include "newsflow/rules/status.h"

struct hs_database;
struct hs_scratch;

namespace newsflow::rules {

// A distinct keyword as compiled.
struct Pattern {
  std::string text;
  bool caseless = true;
  bool regex = false;
  bool left_boundary = false;   // first byte is ASCII alnum: byte before must not be
  bool right_boundary = false;  // last byte is ASCII alnum: byte after must not be
};

// One keyword occurrence in the scanned text, [begin, end) in its bytes.
struct Hit {
  uint32_t pattern;
  uint32_t begin;
  uint32_t end;
};

// What one scan found. Owned by a ScanScratch; valid until its next Scan().
struct MatchSet {
  std::vector<Hit> hits;            // in order of end offset; capped at kMaxHits
  std::vector<uint32_t> touched;    // distinct patterns that hit, first-hit order
  std::vector<uint64_t> bits;       // bit p set <=> pattern p hit at least once
  uint32_t title_end = 0;           // hits with begin < title_end are in the title
  bool truncated = false;           // more than kMaxHits hits: later spans dropped, bits still exact
  static constexpr size_t kMaxHits = 4096;

  bool Has(uint32_t p) const { return (bits[p >> 6] >> (p & 63)) & 1u; }
};

// A tag that applies to the scanned document.
struct TagMatch {
  uint32_t tag;                 // index into CompiledRules::tags()
  double score;
  bool alert;
  std::vector<Hit> spans;       // the hits that counted for it (capped at 32)
};

class ScanScratch;

class CompiledRules {
 public:
  // Builds the database. Errors name the file, line and rule of the pattern
  // Hyperscan rejected.
  static Status Compile(const RuleSet& set, std::shared_ptr<const CompiledRules>* out);
  ~CompiledRules();
  CompiledRules(const CompiledRules&) = delete;
  CompiledRules& operator=(const CompiledRules&) = delete;

  // A new per-thread scratch for this database.
  std::unique_ptr<ScanScratch> NewScratch() const;

  // Scans `text` once; fills scratch's MatchSet. Returns false only if
  // Hyperscan reports an error (never on content).
  [[nodiscard]] bool Scan(std::string_view text, uint32_t title_end, ScanScratch* scratch) const;

  // Evaluates every rule touched by the scratch's last scan; appends the tags
  // that apply, sorted by tag id, one entry per tag (the best-scoring rule
  // wins).
  void Evaluate(ScanScratch* scratch, std::vector<TagMatch>* out) const;

  // Convenience: Scan + Evaluate.
  [[nodiscard]] bool Tag(std::string_view text, uint32_t title_end, ScanScratch* scratch,
                         std::vector<TagMatch>* out) const;

  const std::vector<Pattern>& patterns() const { return patterns_; }
  const std::vector<std::string>& tags() const { return tags_; }
  const RuleSet& rule_set() const { return set_; }
  const std::string& version() const { return set_.version; }
  bool literal_api() const { return literal_api_; }
  size_t database_bytes() const;
  size_t scratch_bytes() const;

 private:
  friend class ScanScratch;
  CompiledRules() = default;
  // Hyperscan match callback; ctx is the ScanScratch.
  static int OnMatch(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                     void* ctx);

  // A keyword reference inside one compiled rule.
  struct RuleRef {
    uint32_t rule;
    enum Kind : uint8_t { kAny, kAll, kNot, kExcept } kind;
    uint16_t group;  // index of the `all` group
  };
  struct CompiledRule {
    uint32_t tag;
    std::vector<uint32_t> any;                  // pattern ids
    std::vector<std::vector<uint32_t>> all;
    std::vector<uint32_t> veto;
    std::vector<uint32_t> except;
    double title_weight, min_score;
    bool alert;
  };

  RuleSet set_;
  std::vector<Pattern> patterns_;
  std::vector<std::string> tags_;
  std::vector<CompiledRule> rules_;
  std::vector<std::vector<uint32_t>> rules_of_pattern_;  // pattern -> rules using it
  hs_database* db_ = nullptr;
  bool literal_api_ = false;
};

// Per-thread scan state. Create with CompiledRules::NewScratch().
class ScanScratch {
 public:
  ~ScanScratch();
  ScanScratch(const ScanScratch&) = delete;
  ScanScratch& operator=(const ScanScratch&) = delete;
  const MatchSet& matches() const { return m_; }

 private:
  friend class CompiledRules;
  ScanScratch() = default;
  hs_scratch* hs_ = nullptr;
  MatchSet m_;
  // Evaluation scratch, reused across documents.
  std::vector<uint32_t> candidate_rules_;
  std::vector<uint8_t> rule_seen_;
  const CompiledRules* owner_ = nullptr;
  std::string_view text_;
};

}  // namespace newsflow::rules
