// evaluate_stage.h — step 4: the rules evaluated on what the match step found
// (any/all/not/except, title weight, scores, min_score), giving Item::tags
// with spans mapped back to ORIGINAL title/body byte offsets, and label spans
// for the feed labels (Document::labels) that counted.
//
// Ownership: borrows the CompiledRules and the worker's ScanScratch (the one
// MatchStage just filled). Threads: one per worker thread. Errors: none.
#pragma once

#include <vector>

#include "newsflow/rules/compiled_rules.h"
#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

class EvaluateStage {
 public:
  EvaluateStage(const rules::CompiledRules& rules, rules::ScanScratch* scratch) : rules_(rules), scratch_(scratch) {}
  // Replaces it.tags with the tags that apply. Must follow MatchStage::Run
  // on the same item.
  void Run(Item& it);

 private:
  const rules::CompiledRules& rules_;
  rules::ScanScratch* scratch_;
  std::vector<rules::TagMatch> matches_;  // reused
  std::vector<rules::DocLabel> labels_;   // views of the item's labels, reused
};

}  // namespace newsflow::pipeline
