// prepare_stage.cc — see prepare_stage.h.
#include "pipeline/job/prepare_stage.h"

#include <chrono>

namespace newsflow::pipeline {

std::string_view SpanKeyword(const ItemSpan& span, const Item& item, const rules::CompiledRules& rules) {
  return span.field == storage::Field::kLabel ? std::string_view(item.doc.labels[span.keyword].name)
                                              : std::string_view(rules.patterns()[span.keyword].text);
}

namespace {

// ToRecord with the title and body given (copied or lent by the caller):
// reads neither from item.doc.
storage::Record BuildRecord(const Item& item, const rules::CompiledRules& rules, std::string title,
                            std::string body) {
  const Document& d = item.doc;
  storage::Record r;
  r.key = d.key;
  r.source = d.source;
  r.time_ms = d.time_ms;
  r.title = std::move(title);
  r.body = std::move(body);
  r.url = d.url;
  r.level = d.level;
  r.stocks = d.stocks;
  r.stock_codes = d.stock_codes;
  r.labels = d.labels;
  r.tags.reserve(item.tags.size());
  for (const auto& t : item.tags) r.tags.push_back({t.tag, t.score});
  size_t n = item.tagged ? item.tagged->spans.size() : 0;
  for (const auto& t : item.tags) n += t.spans.size();
  r.spans.reserve(n);
  ForEachSpan(item, rules, [&r](const SpanView& s) {
    r.spans.push_back({std::string(s.tag), std::string(s.keyword), s.field, s.begin, s.end});
  });
  r.ruleset_version = item.tagged ? item.tagged->ruleset_version : rules.version();
  r.origin = item.position;
  r.story = item.story;  // empty until the writer's story step
  return r;
}

}  // namespace

storage::Record ToRecord(const Item& item, const rules::CompiledRules& rules) {
  return BuildRecord(item, rules, item.doc.title, item.doc.body);
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
      // The text is lent to the record and taken back once it is encoded:
      // the story step and the sinks read it later.
      storage::Record r = BuildRecord(it, *rules_, std::move(it.doc.title), std::move(it.doc.body));
      Status s = storage::PrepareRecord(r, &p);
      it.doc.title = std::move(r.title);
      it.doc.body = std::move(r.body);
      if (s.ok()) continue;
      it.error = "store: " + s.message();  // e.g. an empty id: dead-letter it instead
    }
    storage::PrepareDeadLetter(ToDeadLetter(it), &p);
  }
  p.offsets = batch.offsets;
  p.ruleset_version = rules_->version();
  batch.rules = rules_;
  batch.prepared_ready = true;
}

}  // namespace newsflow::pipeline
