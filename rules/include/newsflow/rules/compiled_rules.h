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
// When no rule uses a regex and no literal is of a class the literal API
// mis-scans, the database is built with the literal API
// (hs_compile_lit_multi) and verified; otherwise (or if that verification
// fails) every pattern goes through hs_compile_multi with literals escaped. ASCII ends of a keyword match on word boundaries:
// the callback checks the byte before / after the hit, so "AI" never fires
// inside "SAIC" while the database stays literal.
//
// Scan text layout: the caller passes normalized `title '\n' body` and the
// byte length of the title part; hits before that length are title hits.
//
// The leadless scan (CompileOptions::leadless_scan, on by default): when
// every pattern Hyperscan holds is a literal of valid UTF-8, the database
// holds the literals without the lead bytes of their three-byte sequences
// and scans the text without them (src/leadless_text.h: a third fewer bytes
// in Chinese text, and the ones that tell ideographs apart), and each hit is
// mapped back to the text and kept only if the text holds the literal
// there. The hits are exactly those of a scan of the UTF-8 bytes; the scan
// is ~1.3x faster on cls (bench/RESULTS.md, "The leadless scan").
//
// Big literal sets (CompileOptions::literal_tier_from): the literals are
// matched by a character-wise Aho-Corasick automaton instead (the literal
// tier, src/literal_automaton.h), and Hyperscan keeps the regexes, if any.
// Both report into the same MatchSet with the same ids and checks, so the
// tags do not depend on which engine found a hit.
//
// Compile time: Hyperscan cannot interrupt a compile, and a short regex can
// take a long time (`(a|b|c|d){1000}x{5000}` about a minute). When the set has
// regexes, Compile first compiles each regex alone in a forked child process
// under CompileOptions::regex_compile_budget (3 s by default); the child is
// killed when the budget runs out and the set is rejected, naming the file,
// line and rule of the regex that was compiling. The database itself is then
// compiled in-process as before. Literal-only sets (hs_compile_lit_multi) are
// fast and never fork.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <unordered_map>
#include <vector>

#include "newsflow/rules/rule_set.h"
#include "newsflow/base/status.h"

struct hs_database;
struct hs_scratch;

namespace newsflow::rules {

class LiteralAutomaton;
class LeadlessText;

// Deleters so Hyperscan handles live in unique_ptrs like librdkafka's.
struct HsDatabaseDeleter {
  void operator()(hs_database* db) const;
};
struct HsScratchDeleter {
  void operator()(hs_scratch* s) const;
};

// How rule evaluation scores and reports. Defaults are the ones SCHEMA.md
// documents; the evaluation set was measured with them.
struct EvaluateOptions {
  // Spans kept per tag for highlighting (the score counts every hit).
  size_t max_spans_per_tag = 32;
  // Each further occurrence of a keyword adds this much to the rule's score...
  double repeat_bonus = 0.25;
  // ...for at most this many further occurrences.
  unsigned max_repeats_scored = 4;
};

// How the database is built (see "Compile time" above).
struct CompileOptions {
  // Wall-clock time the trial compile of all the set's regexes may take;
  // zero or negative skips the check (and the fork). The accepted set then
  // takes about as long again to compile in-process.
  std::chrono::milliseconds regex_compile_budget{3000};
  // Where compiled databases are kept between runs ("" = no cache). A file
  // is keyed by the patterns, the Hyperscan version and the CPU's features
  // (src/database_cache.h); a cached database is used only after it passes
  // the checks there and a scan in which every literal pattern reports
  // itself; otherwise the set is compiled and the file rewritten. Failing to
  // write the cache is not an error (cache_detail() says why).
  std::string cache_dir;
  // From this many literal patterns on, the literals go to a character-wise
  // Aho-Corasick automaton (src/literal_automaton.h) instead of the
  // Hyperscan database, which then holds only the regexes (if any).
  // Hyperscan's literal matcher slows down as literals fill its hash
  // buckets; the automaton barely does. The default lies where the two
  // cross on cls (bench/RESULTS.md, "Watch lists": Hyperscan is faster at
  // 50k and 75k names, the automaton at 100k). 0 = always, SIZE_MAX = never.
  size_t literal_tier_from = kDefaultLiteralTierFrom;
  static constexpr size_t kDefaultLiteralTierFrom = 80000;
  // When the Hyperscan database holds literals only, each of valid UTF-8,
  // scan the text without the lead bytes of its three-byte sequences
  // (src/leadless_text.h) for the keywords without theirs, and keep a hit
  // only where the text holds the keyword: the same hits as a scan of the
  // UTF-8 bytes (the same set: hits that end at one offset may come in
  // another order), found ~1.3x faster in Chinese text (bench/RESULTS.md,
  // "The leadless scan"). false: always the UTF-8 bytes (for the
  // benchmark's side-by-side row and the tests that compare the two).
  bool leadless_scan = true;
};

// What the database cache did for one Compile.
enum class CacheState {
  kOff,       // no cache_dir
  kHit,       // loaded and verified
  kMiss,      // no file for this key: compiled (and written)
  kRejected,  // a file was there but failed a check: compiled (and rewritten)
};

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
  std::vector<Hit> hits;            // in order of end offset; capped at kMaxHits (and the ties of the last kept)
  std::vector<uint32_t> touched;    // distinct patterns that hit, first-hit order
  std::vector<uint64_t> bits;       // bit p set <=> pattern p hit at least once
  uint32_t title_end = 0;           // hits with begin < title_end are in the title
  bool truncated = false;           // more than kMaxHits hits: later spans dropped, bits still exact
  static constexpr size_t kMaxHits = 4096;

  bool Has(uint32_t p) const { return (bits[p >> 6] >> (p & 63)) & 1u; }
};

// One feed label of the document being evaluated (rule_set.h, LabelEntry):
// views into the caller's strings, valid for the Evaluate call.
struct DocLabel {
  std::string_view field;  // "ths.tagInfo", "cls.subjects", ...
  std::string_view name;
};

// A tag that applies to the scanned document.
struct TagMatch {
  uint32_t tag;                 // index into CompiledRules::tags()
  double score;                 // best rule's keyword score + label_score
  bool alert;
  std::vector<Hit> spans;       // the hits that counted for it (capped at max_spans_per_tag)
  std::vector<uint32_t> labels = {};  // indexes of the DocLabels that counted for it
  double label_score = 0;       // what those labels added (sum of their entries' weights)
};

class ScanScratch;

class CompiledRules {
 public:
  // Builds the database. Errors (InvalidArgument) name the file, line and
  // rule of the pattern Hyperscan rejected, or of the regex that was
  // compiling when compile.regex_compile_budget ran out; InvalidArgument
  // too for a rule set with no keywords. Internal if the trial compile's
  // child process cannot be started, or if the literal tier's automaton
  // cannot be built or does not report one of its literals.
  static Status Compile(const RuleSet& set, const EvaluateOptions& options, const CompileOptions& compile,
                        std::shared_ptr<const CompiledRules>* out);
  // The same, keeping `set` itself instead of a copy (a watch list's rules).
  static Status Compile(RuleSet&& set, const EvaluateOptions& options, const CompileOptions& compile,
                        std::shared_ptr<const CompiledRules>* out);
  static Status Compile(const RuleSet& set, const EvaluateOptions& options,
                        std::shared_ptr<const CompiledRules>* out) {
    return Compile(set, options, CompileOptions(), out);
  }
  static Status Compile(const RuleSet& set, std::shared_ptr<const CompiledRules>* out) {
    return Compile(set, EvaluateOptions(), CompileOptions(), out);
  }
  ~CompiledRules();
  CompiledRules(const CompiledRules&) = delete;
  CompiledRules& operator=(const CompiledRules&) = delete;

  // A new per-thread scratch for this database. Fails (Internal) only if
  // Hyperscan cannot allocate it.
  Status NewScratch(std::unique_ptr<ScanScratch>* out) const;

  // Scans `text` once; fills scratch's MatchSet. Fails (Internal) only if
  // Hyperscan reports an error, never because of the content; and
  // (InvalidArgument) for a text of 4 GiB or more, which Hyperscan's 32-bit
  // lengths cannot scan whole.
  Status Scan(std::string_view text, uint32_t title_end, ScanScratch* scratch) const;

  // Evaluates every rule touched by the scratch's last scan, then the
  // document's feed labels (the set's label table, SCHEMA.md "Feed
  // labels"); appends the tags that apply, sorted by tag id, one entry per
  // tag (the best-scoring rule wins; label evidence adds to it, or makes the
  // tag apply alone when one matching entry has weight >= 1.0 and no `not`
  // keyword of the tag's rules hit; such a tag does not alert). Allocates
  // only for the tags that fire.
  void Evaluate(ScanScratch* scratch, std::span<const DocLabel> labels, std::vector<TagMatch>* out) const;
  void Evaluate(ScanScratch* scratch, std::vector<TagMatch>* out) const { Evaluate(scratch, {}, out); }

  // Convenience for tests and tools: Scan + Evaluate.
  Status Tag(std::string_view text, uint32_t title_end, ScanScratch* scratch,
             std::vector<TagMatch>* out) const {
    return Tag(text, title_end, {}, scratch, out);
  }
  Status Tag(std::string_view text, uint32_t title_end, std::span<const DocLabel> labels, ScanScratch* scratch,
             std::vector<TagMatch>* out) const;

  // The label table entry a DocLabel matches, or nullptr.
  const LabelEntry* FindLabel(const DocLabel& label) const;

  const std::vector<Pattern>& patterns() const { return patterns_; }
  const std::vector<std::string>& tags() const { return tags_; }
  const RuleSet& rule_set() const { return set_; }
  const std::string& version() const { return set_.version; }
  bool literal_api() const { return literal_api_; }
  // True if Hyperscan scans the leadless form (CompileOptions::leadless_scan).
  bool leadless_scan() const { return leadless_; }
  // Patterns matched by the literal tier (0 = all by Hyperscan), and its size.
  size_t literal_tier_patterns() const;
  size_t literal_tier_bytes() const;
  CacheState cache_state() const { return cache_state_; }
  // The literal tier's automaton and the cache (kOff without a cache
  // directory or a tier; else a hit, a miss or a rejected file).
  CacheState tier_cache_state() const { return tier_cache_state_; }
  // Why a cached automaton was rejected, or a built one not written ("" if neither).
  const std::string& tier_cache_detail() const { return tier_cache_detail_; }
  // Why a cached file was rejected, and/or why writing one failed ("" if neither).
  const std::string& cache_detail() const { return cache_detail_; }
  // After a miss or a rejection: whether the compiled database was written
  // to the cache.
  bool cache_written() const { return cache_written_; }
  // Of the Hyperscan database (0 when the literal tier holds every pattern).
  size_t database_bytes() const;
  size_t scratch_bytes() const;

 private:
  friend class ScanScratch;
  CompiledRules() = default;
  // Hyperscan match callback; ctx is the ScanScratch.
  static int OnMatch(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                     void* ctx);
  // The same for a scan of the leadless form: maps the hit back to the text
  // and keeps it if the text holds the literal there.
  static int OnLeadlessMatch(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                             void* ctx);
  // The bytes Hyperscan is given for literal `p`: its text, or its leadless form.
  std::string HsLiteral(const Pattern& p) const;
  // Records one hit of pattern `id` at [begin, end) unless a word boundary
  // or, for a case-sensitive literal in the tier, its bytes reject it (both
  // engines report through here).
  static void RecordHit(ScanScratch* s, uint32_t id, uint32_t begin, uint32_t end);
  static void KeepHit(std::vector<Hit>* hits, const Hit& h, bool* truncated);
  // Moves the literals into the automaton when there are at least
  // `tier_from` of them; fills hs_patterns_ with what Hyperscan keeps.
  Status SplitTiers(size_t tier_from, const std::string& cache_dir);
  // Compile steps. Interning fills patterns_, rules_ and rules_of_pattern_
  // and records, per pattern, the first (rule, line) that used it.
  // rule_tag: each rule's tag id (index into tags_).
  void InternPatterns(const std::vector<uint32_t>& rule_tag, std::vector<std::pair<uint32_t, int>>* first_use);
  // "FILE:LINE: rule 'TAG': pattern 'TEXT'" of pattern `p`.
  std::string PatternWhere(uint32_t p, const std::vector<std::pair<uint32_t, int>>& first_use) const;
  Status CheckRegexBudget(std::chrono::milliseconds budget,
                          const std::vector<std::pair<uint32_t, int>>& first_use) const;
  Status BuildDatabase(bool any_regex, const std::vector<std::pair<uint32_t, int>>& first_use);
  // One hs_compile_lit_multi (literal_api) or hs_compile_multi of every pattern into db_.
  Status CompileDatabase(bool literal_api, const std::vector<std::pair<uint32_t, int>>& first_use);
  // A database from the cache (compile.cache_dir), verified; false = compile.
  bool LoadFromCache(const CompileOptions& compile, uint64_t key);
  // A scan of every literal, one per line: each is reported with its own id
  // at the end of its own line by the engine that holds it (Hyperscan or
  // the literal tier), no id is out of range, the scans succeed.
  // Checks a freshly compiled literal-API database (Hyperscan 5.4's literal
  // API can build databases whose scans fail; compiled_rules.cc says which)
  // and one loaded from the cache.
  bool VerifyLiterals() const;
  // The exact inputs of the compiles BuildDatabase may run (the cache key's
  // source: database_cache.h).
  std::string CompilePlan() const;
  // Evaluates one candidate rule on the scratch's match set; appends a
  // TagMatch if it fires.
  void EvaluateRule(uint32_t rule, ScanScratch* s, std::vector<TagMatch>* out) const;
  // Label evidence (label_evidence.cc): the index from (field, name) to the
  // entries of set_.labels, built by Compile; and the merge of one
  // document's labels into the keyword tags in `out` from `first_out`.
  void IndexLabels();
  void AddLabelEvidence(ScanScratch* s, std::span<const DocLabel> labels, size_t first_out,
                        std::vector<TagMatch>* out) const;
  bool TagVetoed(uint32_t tag, const MatchSet& m) const;

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
  std::vector<std::vector<uint32_t>> rules_of_tag_;      // tag -> its rules
  // "field\x1fname" -> index into set_.labels; entry -> (tag, weight) pairs.
  std::unordered_map<std::string, uint32_t> label_index_;
  std::vector<std::vector<std::pair<uint32_t, double>>> label_tags_;
  std::unique_ptr<hs_database, HsDatabaseDeleter> db_;  // null when hs_patterns_ is empty
  std::vector<uint32_t> hs_patterns_;                   // the patterns db_ holds (ids = indexes into patterns_)
  std::unique_ptr<const LiteralAutomaton> tier_;        // null when Hyperscan holds every pattern
  size_t tier_patterns_ = 0;
  // Per pattern, for the match callbacks: the checks a hit must pass, and
  // the literal's length (kRegexLength for a regex: Hyperscan gives its start).
  static constexpr uint8_t kLeftBoundary = 1, kRightBoundary = 2;
  static constexpr uint8_t kExactBytes = 4;  // a tier hit must equal its bytes (case-sensitive, ASCII letters)
  static constexpr uint32_t kRegexLength = 0xFFFFFFFFu;
  std::vector<uint8_t> hit_flags_;
  std::vector<uint32_t> literal_bytes_;
  bool literal_api_ = false;
  bool leadless_ = false;  // Hyperscan scans the leadless form (CompileOptions::leadless_scan)
  // The leadless scan's check of a hit: per pattern, where its bytes are in
  // literal_arena_, and kFoldLetters if its ASCII letters compare folded.
  static constexpr uint32_t kFoldLetters = 0x80000000u;
  std::vector<uint32_t> literal_at_;
  std::string literal_arena_;
  CacheState cache_state_ = CacheState::kOff;
  CacheState tier_cache_state_ = CacheState::kOff;
  std::string tier_cache_detail_;
  std::string cache_detail_;
  bool cache_written_ = false;
  EvaluateOptions options_;
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
  std::unique_ptr<hs_scratch, HsScratchDeleter> hs_;
  MatchSet m_;
  // Evaluation scratch, reused across documents and rules.
  std::vector<uint32_t> candidate_rules_;
  std::vector<uint8_t> rule_seen_;
  std::vector<Hit> rule_spans_;                       // spans of the rule being evaluated
  std::vector<std::pair<uint32_t, bool>> scored_;     // (pattern, counted) of that rule
  std::string label_key_;                             // lookup key of one label
  std::vector<uint32_t> label_entries_;               // entries matched in this document
  std::vector<std::tuple<uint32_t, uint32_t, double>> label_hits_;  // (tag, doc label index, weight)
  std::vector<Hit> tier_hits_, merged_hits_;          // the literal tier's hits beside Hyperscan's
  std::vector<Hit>* into_ = nullptr;                  // where RecordHit keeps hits now
  const CompiledRules* owner_ = nullptr;
  std::string_view text_;
  std::unique_ptr<LeadlessText> leadless_;            // the text's leadless form (leadless scan only)
};

}  // namespace newsflow::rules
