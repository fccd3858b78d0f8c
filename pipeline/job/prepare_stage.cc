// prepare_stage.cc — see prepare_stage.h.
#include "pipeline/job/prepare_stage.h"

#include <chrono>

namespace newsflow::pipeline {

std::string_view SpanKeyword(const ItemSpan& span, const Item& item, const rules::CompiledRules& rules) {
  return span.field == storage::Field::kLabel ? std::string_view(item.doc.labels[span.keyword].name)
                                              : std::string_view(rules.patterns()[span.keyword].text);
}

namespace {

// The record's fields that are not the document's own: tags, spans, the
// rule set's version, origin and story. Reads item.doc only for the names
// of labels that label spans number.
storage::Record BuildRecord(const Item& item, const rules::CompiledRules& rules) {
  storage::Record r;
  r.time_ms = item.doc.time_ms;
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

// Moves the document's own fields into the record and back: the prepare
// step lends them while the record is encoded instead of copying them (the
// story step and the sinks read them later).
void LendDocument(Document& d, storage::Record* r) {
  r->key = std::move(d.key);
  r->source = std::move(d.source);
  r->title = std::move(d.title);
  r->body = std::move(d.body);
  r->url = std::move(d.url);
  r->level = std::move(d.level);
  r->stocks = std::move(d.stocks);
  r->stock_codes = std::move(d.stock_codes);
  r->labels = std::move(d.labels);
}

void ReturnDocument(storage::Record* r, Document& d) {
  d.key = std::move(r->key);
  d.source = std::move(r->source);
  d.title = std::move(r->title);
  d.body = std::move(r->body);
  d.url = std::move(r->url);
  d.level = std::move(r->level);
  d.stocks = std::move(r->stocks);
  d.stock_codes = std::move(r->stock_codes);
  d.labels = std::move(r->labels);
}

}  // namespace

storage::Record ToRecord(const Item& item, const rules::CompiledRules& rules) {
  const Document& d = item.doc;
  storage::Record r = BuildRecord(item, rules);
  r.key = d.key;
  r.source = d.source;
  r.title = d.title;
  r.body = d.body;
  r.url = d.url;
  r.level = d.level;
  r.stocks = d.stocks;
  r.stock_codes = d.stock_codes;
  r.labels = d.labels;
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
  p.records.reserve(batch.items.size());  // growing it moved every prepared record again
  for (Item& it : batch.items) {
    if (it.error.empty()) {
      // The document's fields are lent to the record and taken back once it
      // is encoded (after the spans: a label span's keyword is a label's name).
      storage::Record r = BuildRecord(it, *rules_);
      LendDocument(it.doc, &r);
      Status s = storage::PrepareRecord(r, &p);
      ReturnDocument(&r, it.doc);
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
