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

// A span as the record stores it, viewed without copying: valid while the
// item and the rule set are.
struct SpanView {
  std::string_view tag, keyword;  // keyword: for a label span, the label's name
  storage::Field field;
  uint32_t begin, end;
};

// Calls f(const SpanView&) for every span of `item`, in record order: a
// pre-tagged item's spans as the producer stored them, else its evaluated
// spans with their keywords looked up in `rules`, the rule set that tagged it.
template <typename F>
void ForEachSpan(const Item& item, const rules::CompiledRules& rules, F&& f) {
  if (item.tagged) {
    for (const storage::Span& s : item.tagged->spans) f(SpanView{s.tag, s.keyword, s.field, s.begin, s.end});
    return;
  }
  for (const ItemTag& t : item.tags)
    for (const ItemSpan& s : t.spans) f(SpanView{t.tag, SpanKeyword(s, item, rules), s.field, s.begin, s.end});
}

// The record the store keeps for a processed item tagged by `rules` (a
// pre-tagged item keeps its own spans and version), and the dead letter for
// a failed one.
storage::Record ToRecord(const Item& item, const rules::CompiledRules& rules);
storage::DeadLetter ToDeadLetter(const Item& item);

class PrepareStage {
 public:
  explicit PrepareStage(std::shared_ptr<const rules::CompiledRules> rules) : rules_(std::move(rules)) {}
  // Fills batch.prepared and batch.rules. Each item's document fields (key,
  // text, url, stocks, labels...) are lent to its record while the record is
  // encoded and given back (not copied).
  void Process(Batch& batch) const;

 private:
  std::shared_ptr<const rules::CompiledRules> rules_;
};

}  // namespace newsflow::pipeline
