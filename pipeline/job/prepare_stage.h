// prepare_stage.h — step 5: a tagged batch -> the encoded store write
// (records, dead letters, offsets) in Batch::prepared, on a worker thread, so
// the single writer only talks to RocksDB.
//
// Ownership: shares the rule set that tagged the batches it prepares (their
// spans number its keywords) and stamps its version on records. Threads: one
// per worker thread. Errors: a record the store would refuse
// (an empty key) is turned into a dead letter with the reason.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "newsflow/rules/compiled_rules.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

// The keyword of one of an item's spans: the text of the pattern it numbers
// in `rules`, the rule set that tagged the item, or for a label span the
// label's name. Valid while `rules` and `item` are.
std::string_view SpanKeyword(const ItemSpan& span, const Item& item, const rules::CompiledRules& rules);

// The record the store keeps for a processed item tagged by `rules` (a
// pre-tagged item keeps its own spans and version), and the dead letter for
// a failed one.
storage::Record ToRecord(const Item& item, const rules::CompiledRules& rules);
storage::DeadLetter ToDeadLetter(const Item& item);

class PrepareStage {
 public:
  explicit PrepareStage(std::shared_ptr<const rules::CompiledRules> rules) : rules_(std::move(rules)) {}
  // Fills batch.prepared and batch.rules. Each item's text is lent to its
  // record while the record is encoded and given back (not copied).
  void Process(Batch& batch) const;

 private:
  std::shared_ptr<const rules::CompiledRules> rules_;
};

}  // namespace newsflow::pipeline
