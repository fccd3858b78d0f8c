// tagger.h — everything tagging needs, set up once: the rule set loaded from
// its directory and compiled into one Hyperscan database, and the normalizer.
// The runner, `rules explain`, `rules coverage`, `eval` and the benchmarks all
// tag through it, so they tag a document identically.
//
//   Tagger (shared, immutable)   ->  TagWorker (one per thread)
//   rules + normalizer               normalize -> match -> evaluate
//
// Ownership: a Tagger is held by shared_ptr; each TagWorker keeps it alive.
// Threads: a Tagger is immutable and safe to share; a TagWorker belongs to one
// thread (it owns the Hyperscan scratch). Open() builds the normalizer on a
// second thread while the rule files parse, and joins it before returning.
// Errors: Open() fails with the rule loader's or compiler's Status (file:line
// and rule id), or the normalizer's.
#pragma once

#include <memory>
#include <string>

#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/rule_set.h"
#include "pipeline/job/batch.h"
#include "pipeline/job/evaluate_stage.h"
#include "pipeline/job/match_stage.h"
#include "pipeline/job/normalize_stage.h"
#include "pipeline/normalize/normalizer.h"

namespace newsflow::pipeline {

// Where compiled Hyperscan databases are cached by default
// (rules::CompileOptions::cache_dir): NEWSFLOW_RULES_CACHE if set ("off" or
// empty: no cache), else $XDG_CACHE_HOME/newsflow/hyperscan, else
// $HOME/.cache/newsflow/hyperscan, else none.
std::string DefaultRulesCacheDir();

struct TaggerOptions {
  std::string rules_dir = "rules/sets";
  rules::EvaluateOptions evaluate;
  NormalizerOptions normalizer;
  std::string rules_cache_dir = DefaultRulesCacheDir();  // "" = compile every time
};

class TagWorker;

class Tagger : public std::enable_shared_from_this<Tagger> {
 public:
  static Status Open(const TaggerOptions& options, std::shared_ptr<const Tagger>* out);
  // The same from an already loaded rule set (tests, benchmarks). Every
  // literal keyword written in traditional Chinese (rule files and watch
  // lists; any, all, not and except) gets its simplified spelling beside
  // it (documents are matched simplified).
  static Status FromRuleSet(rules::RuleSet set, const TaggerOptions& options, std::shared_ptr<const Tagger>* out);

  // A worker for the calling thread. Fails only if Hyperscan cannot allocate
  // a scratch.
  Status NewWorker(std::unique_ptr<TagWorker>* out) const;

  const rules::CompiledRules& rules() const { return *rules_; }
  const std::shared_ptr<const rules::CompiledRules>& compiled() const { return rules_; }
  const Normalizer& normalizer() const { return *normalizer_; }
  const std::string& version() const { return rules_->version(); }

 private:
  Tagger() = default;
  // Compiles `set` (with the keywords' simplified spellings) and takes
  // the normalizer built for it.
  static Status Build(rules::RuleSet set, std::unique_ptr<Normalizer> normalizer, const TaggerOptions& options,
                      std::shared_ptr<const Tagger>* out);
  std::shared_ptr<const rules::CompiledRules> rules_;
  std::unique_ptr<Normalizer> normalizer_;
};

// normalize -> match -> evaluate for one thread.
class TagWorker {
 public:
  // Tags one decoded item (skips items with an error).
  void Tag(Item& it) {
    normalize_.Run(it);  // also for a pre-tagged item: its story sketch reads the normalized text
    if (it.tagged) {
      if (it.error.empty()) it.tags = it.tagged->tags;
      return;
    }
    match_.Run(it);
    evaluate_.Run(it);
  }
  // Tags a title/body pair (and the feed's labels, if any) as a document
  // with that title, body and labels.
  Item TagText(std::string title, std::string body, std::vector<FeedLabel> labels = {});
  // Every keyword hit of the last Tag() (valid until the next one), for tools
  // that report keywords as well as tags (`rules coverage`).
  const rules::MatchSet& last_matches() const { return scratch_->matches(); }
  const Tagger& tagger() const { return *tagger_; }

 private:
  friend class Tagger;
  TagWorker(std::shared_ptr<const Tagger> tagger, std::unique_ptr<rules::ScanScratch> scratch);
  std::shared_ptr<const Tagger> tagger_;
  std::unique_ptr<rules::ScanScratch> scratch_;
  NormalizeStage normalize_;
  MatchStage match_;
  EvaluateStage evaluate_;
};

}  // namespace newsflow::pipeline
