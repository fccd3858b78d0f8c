// match_stage.h — step 3: one Hyperscan scan per document over the normalized
// `title '\n' body`, filling the worker's ScanScratch with every keyword hit.
//
// Ownership: borrows the CompiledRules (shared, immutable) and the worker's
// ScanScratch. Threads: one per worker thread. Errors: a Hyperscan failure
// (never caused by content) becomes Item::error "match: ..." and the item is
// dead-lettered.
#pragma once

#include <string>

#include "newsflow/rules/compiled_rules.h"
#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

class MatchStage {
 public:
  MatchStage(const rules::CompiledRules& rules, rules::ScanScratch* scratch) : rules_(rules), scratch_(scratch) {}
  // Scans the item; its hits stay in the scratch until the next Run().
  void Run(Item& it);

 private:
  const rules::CompiledRules& rules_;
  rules::ScanScratch* scratch_;
  std::string text_;  // reused scan buffer
};

}  // namespace newsflow::pipeline
