// alert_stage.cc — see alert_stage.h.
#include "pipeline/job/alert_stage.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "pipeline/job/prepare_stage.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::pipeline {

AlertStage::AlertStage(storage::Store* store, std::vector<Subscription> subscriptions)
    : store_(store), matcher_(std::move(subscriptions)) {}

void AlertStage::MatchItem(const std::vector<storage::TagScore>& tags, std::string_view source,
                           std::vector<uint32_t>* out) {
  doc_tags_.clear();
  for (const auto& t : tags) doc_tags_.push_back({t.tag, t.score});
  matcher_.Match(doc_tags_, source, out);
}

Status AlertStage::Decide(const Batch& batch, std::vector<SubscriptionAlert>* out) {
  out->clear();
  // Per story touched by this batch: its members in the store before the
  // batch (fetched once), and the keys of this batch's items so far.
  struct StoryState {
    bool loaded = false;
    std::vector<storage::Record> stored;
    std::vector<std::string> batch_keys;
    std::set<uint32_t> raised_or_known;  // subscriptions already alerted for (or decided on) in the story
  };
  std::map<std::string, StoryState> stories;
  std::vector<uint32_t> member_matches;
  const std::vector<uint32_t>& order = batch.story_order;
  const size_t n = order.empty() ? batch.items.size() : order.size();
  for (size_t k = 0; k < n; ++k) {
    const Item& it = batch.items[order.empty() ? k : order[k]];
    if (!it.error.empty()) continue;
    const std::string& story = it.story.empty() ? it.doc.key : it.story;
    StoryState& st = stories[story];
    // Matched on the item's own tags: most items match nothing, and the
    // record (a copy of the text) is built only for those that do.
    doc_tags_.clear();
    for (const ItemTag& t : it.tags) doc_tags_.push_back({t.tag, t.score});
    matcher_.Match(doc_tags_, it.doc.source, &matched_);
    if (matched_.empty()) {
      st.batch_keys.push_back(it.doc.key);
      continue;
    }
    storage::Record rec = ToRecord(it, *batch.rules);  // the rules that tagged this batch
    rec.story = story;
    if (!st.loaded) {
      st.loaded = true;
      NEWSFLOW_RETURN_IF_ERROR(store_->StoryMembers(story, 0, &st.stored));  // for `also`
    }
    {
      // This document's own earlier version, wherever it was filed: with
      // story ids off it is in no story index, and a key stored again after
      // it left the window may be given another story. Either way what it
      // matched was alerted then.
      storage::Record old;
      bool found = false;
      NEWSFLOW_RETURN_IF_ERROR(store_->Get(rec.key, &old, &found));
      if (found) {
        MatchItem(old.tags, old.source, &member_matches);
        st.raised_or_known.insert(member_matches.begin(), member_matches.end());
      }
    }
    for (uint32_t sub : matched_) {
      if (st.raised_or_known.count(sub)) continue;
      // Raised before for this story? The alert log's id index says, not the
      // members' tags: a retag (or a subscription added later) can make
      // earlier members match a subscription that was never alerted.
      std::optional<uint64_t> seq;
      NEWSFLOW_RETURN_IF_ERROR(store_->AlertSeq(matcher_.subscriptions()[sub].name + "/" + story, &seq));
      if (!st.raised_or_known.insert(sub).second || seq) continue;
      std::vector<std::string> also;
      for (const storage::Record& m : st.stored)
        if (m.key != rec.key) also.push_back(m.key);
      for (const std::string& k : st.batch_keys)
        if (k != rec.key) also.push_back(k);
      std::sort(also.begin(), also.end());
      also.erase(std::unique(also.begin(), also.end()), also.end());
      RecordJsonOptions jo;
      jo.also = &also;
      jo.body = true;  // the desk reads the text; spans point into it
      const std::string& name = matcher_.subscriptions()[sub].name;
      SubscriptionAlert a;
      a.id = name + "/" + story;
      a.json = "{\"id\":";
      AppendJsonString(&a.json, a.id);
      a.json += ",\"subscription\":";
      AppendJsonString(&a.json, name);
      a.json += ',';
      a.json += std::string_view(RecordToJson(rec, jo)).substr(1);  // the document's fields after '{'
      a.time_ms = rec.time_ms;
      out->push_back(std::move(a));
    }
    st.batch_keys.push_back(rec.key);
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
