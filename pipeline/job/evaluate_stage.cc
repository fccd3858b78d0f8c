// evaluate_stage.cc — see evaluate_stage.h.
#include "pipeline/job/evaluate_stage.h"

#include <algorithm>

namespace newsflow::pipeline {

void EvaluateStage::Run(Item& it) {
  it.tags.clear();
  if (!it.error.empty()) return;
  matches_.clear();
  labels_.clear();
  for (const auto& l : it.doc.labels) labels_.push_back({l.field, l.name});
  rules_.Evaluate(scratch_, labels_, &matches_);
  const auto& tags = rules_.tags();
  const auto title_len = static_cast<uint32_t>(it.title_norm.text.size());
  for (const auto& m : matches_) {
    ItemTag t;
    t.tag = tags[m.tag];
    t.score = m.score;
    t.alert = m.alert;
    t.spans.reserve(m.spans.size() + m.labels.size());
    for (const auto& h : m.spans) {
      ItemSpan s;
      s.keyword = h.pattern;
      if (h.begin < title_len) {
        s.field = storage::Field::kTitle;
        it.title_norm.MapBack(h.begin, std::min(h.end, title_len), it.doc.title, &s.begin, &s.end);
      } else {
        s.field = storage::Field::kBody;
        const uint32_t off = title_len + 1;  // the '\n' between title and body
        it.body_norm.MapBack(h.begin - off, h.end - off, it.doc.body, &s.begin, &s.end);
      }
      t.spans.push_back(s);
    }
    for (uint32_t li : m.labels) t.spans.push_back({li, storage::Field::kLabel, li, li + 1});  // batch.h
    it.tags.push_back(std::move(t));
  }
}

}  // namespace newsflow::pipeline
