// prepare_stage.cc — see prepare_stage.h.
#include "pipeline/job/prepare_stage.h"

#include <chrono>

namespace newsflow::pipeline {

storage::Record ToRecord(const Item& item, const std::string& ruleset_version) {
  const Document& d = item.doc;
  storage::Record r;
  r.key = d.key;
  r.source = d.source;
  r.time_ms = d.time_ms;
  r.title = d.title;
  r.body = d.body;
  r.url = d.url;
  r.level = d.level;
  r.stocks = d.stocks;
  r.stock_codes = d.stock_codes;
  r.labels = d.labels;
  for (const auto& t : item.tags) {
    r.tags.push_back({t.tag, t.score});
    r.spans.insert(r.spans.end(), t.spans.begin(), t.spans.end());
  }
  r.ruleset_version = ruleset_version;
  r.origin = item.position;
  r.story = item.story;  // empty until the writer's story step
  return r;
}

storage::DeadLetter ToDeadLetter(const Item& item) {
  storage::DeadLetter d;
  d.reason = item.error;
  d.position = item.position;
  d.raw = item.raw;
  d.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  return d;
}

void PrepareStage::Process(Batch& batch) const {
  storage::PreparedWriteSet& p = batch.prepared;
  p.records.clear();
  p.dead_letters.clear();
  p.progress.clear();  // the story step and the writer add this batch's marks
  for (Item& it : batch.items) {
    if (it.error.empty()) {
      Status s = storage::PrepareRecord(ToRecord(it, it.tagged ? it.tagged->ruleset_version : ruleset_version_), &p);
      if (s.ok()) continue;
      it.error = "store: " + s.message();  // e.g. an empty id: dead-letter it instead
    }
    storage::PrepareDeadLetter(ToDeadLetter(it), &p);
  }
  p.offsets = batch.offsets;
  p.ruleset_version = ruleset_version_;
  batch.prepared_ready = true;
}

}  // namespace newsflow::pipeline
