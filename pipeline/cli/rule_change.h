// rule_change.h — what a rule set adds and removes against a baseline rule
// set, document by document, for `rules coverage --baseline DIR`.
//
// For each document both rule sets tag, a tag the rules give and the baseline
// does not is "added"; each distinct keyword (or feed label) among that tag's
// spans that the baseline does not have for that tag is credited with the
// document (evidence the baseline already had is not what the change adds).
// A tag the baseline gives and the rules do not is "removed". With gold labels (hand-labelled items), each
// added or removed tag is also counted right or wrong: an added tag is right
// when the gold has it, a removed one when the gold does not.
// Ownership/threads: a plain accumulator, used by one thread. No errors.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/rule_set.h"
#include "pipeline/job/batch.h"
#include "pipeline/job/prepare_stage.h"

namespace newsflow::cli {

// What a span counts as evidence of: its keyword, or "label:NAME" for a
// feed label (`rules coverage` and `eval --errors` name evidence this way).
std::string SpanEvidence(const pipeline::SpanView& s);

class RuleChange {
 public:
  // `baseline`: the rule set compared against; its keywords and label names
  // per tag are the evidence it already had.
  explicit RuleChange(const rules::RuleSet& baseline);

  // The documents, and the keys of the first kExamples of them (what a
  // rules author reads to judge a keyword: `query --json` of a store).
  static constexpr size_t kExamples = 10;
  struct Count {
    uint64_t documents = 0, right = 0, wrong = 0;
    std::vector<std::string> examples;
  };

  // One document tagged by `rules` (`now`) and by the baseline (`before`);
  // `gold` is null for unlabelled text.
  void Add(const pipeline::Item& now, const rules::CompiledRules& rules, const pipeline::Item& before,
           const std::set<std::string>* gold);

  // Prints the figures (text, or one JSON object with `json`).
  void Print(const std::string& version, const std::string& baseline_version, bool json) const;

  uint64_t documents = 0, undecodable = 0;

 private:
  bool with_gold_ = false;
  std::set<std::pair<std::string, std::string>> baseline_evidence_;  // (tag, keyword or "label:NAME")
  std::map<std::string, Count> added_, removed_;                        // tag -> documents
  std::map<std::pair<std::string, std::string>, Count> by_keyword_;     // (tag, keyword) -> documents
};

}  // namespace newsflow::cli
