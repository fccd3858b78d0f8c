// stages.cc — decode, normalize, match and store stages.
#include "newsflow/pipeline/stages.h"

#include <chrono>

namespace newsflow::pipeline {

Batch DecodeStage::Process(Batch batch) {
  for (Item& it : batch.items) {
    if (!it.error.empty()) continue;
    DecodeResult r = decoder_.Decode(it.raw, &it.doc);
    if (!r.ok()) it.error = std::move(r.error);
  }
  return batch;
}

Batch NormalizeStage::Process(Batch batch) {
  for (Item& it : batch.items) {
    if (!it.error.empty()) continue;
    normalizer_.Normalize(it.doc.title, &it.title_norm);
    normalizer_.Normalize(it.doc.body, &it.body_norm);
  }
  return batch;
}

MatchStage::MatchStage(std::shared_ptr<const rules::CompiledRules> rules)
    : rules_(std::move(rules)), scratch_(rules_->NewScratch()) {}

Batch MatchStage::Process(Batch batch) {
  const auto& patterns = rules_->patterns();
  const auto& tags = rules_->tags();
  for (Item& it : batch.items) {
    if (!it.error.empty()) continue;
    const auto title_len = static_cast<uint32_t>(it.title_norm.text.size());
    text_.assign(it.title_norm.text);
    text_.push_back('\n');
    text_.append(it.body_norm.text);
    matches_.clear();
    if (!rules_->Tag(text_, title_len, scratch_.get(), &matches_)) {
      it.error = "match: hyperscan scan failed";
      continue;
    }
    it.tags.clear();
    for (const auto& m : matches_) {
      ItemTag t;
      t.tag = tags[m.tag];
      t.score = m.score;
      t.alert = m.alert;
      for (const auto& h : m.spans) {
        storage::Span s;
        s.tag = t.tag;
        s.keyword = patterns[h.pattern].text;
        if (h.begin < title_len) {
          s.field = storage::Field::kTitle;
          it.title_norm.MapBack(h.begin, std::min(h.end, title_len), it.doc.title, &s.begin, &s.end);
        } else {
          s.field = storage::Field::kBody;
          const uint32_t off = title_len + 1;
          it.body_norm.MapBack(h.begin - off, h.end - off, it.doc.body, &s.begin, &s.end);
        }
        t.spans.push_back(std::move(s));
      }
      it.tags.push_back(std::move(t));
    }
  }
  return batch;
}

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
  for (const auto& t : item.tags) {
    r.tags.push_back({t.tag, t.score});
    r.spans.insert(r.spans.end(), t.spans.begin(), t.spans.end());
  }
  r.ruleset_version = ruleset_version;
  r.origin = item.position;
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

Batch PrepareStage::Process(Batch batch) {
  storage::PreparedWriteSet& p = batch.prepared;
  p.records.clear();
  p.dead_letters.clear();
  for (Item& it : batch.items) {
    if (it.error.empty()) {
      storage::Status s = storage::PrepareRecord(ToRecord(it, ruleset_version_), &p);
      if (s.ok()) continue;
      it.error = "store: " + s.message();  // e.g. an empty id: dead-letter it instead
    }
    storage::PrepareDeadLetter(ToDeadLetter(it), &p);
  }
  p.offsets = batch.offsets;
  p.ruleset_version = ruleset_version_;
  batch.prepared_ready = true;
  return batch;
}

Batch StoreStage::Process(Batch batch) {
  if (!batch.prepared_ready) batch = prepare_.Process(std::move(batch));
  status_ = store_->Write(batch.prepared);
  batch.prepared_ready = false;
  return batch;
}

}  // namespace newsflow::pipeline
