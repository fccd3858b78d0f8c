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
    // This document's own earlier version may have been filed under another
    // story (a key stored again after it left the window): an alert raised
    // for that story counts as this one's.
    std::string old_story;
    {
      storage::Record old;
      bool found = false;
      NEWSFLOW_RETURN_IF_ERROR(store_->Get(rec.key, &old, &found));
      // The same document stored again unchanged (a replayed file, a Kafka
      // group reset, a restore then a replay) is no news: it raises nothing,
      // also for a subscription added since it was first stored, which would
      // otherwise get a burst of old stories dressed as fresh alerts. A
      // feed's correction (other text or time) is a new member.
      if (found && old.title == rec.title && old.body == rec.body && old.time_ms == rec.time_ms) {
        st.batch_keys.push_back(rec.key);
        continue;
      }
      if (found) old_story = old.story.empty() ? old.key : old.story;
      if (old_story == story) old_story.clear();
    }
    for (uint32_t sub : matched_) {
      if (st.raised_or_known.count(sub)) continue;
      // Raised before for this story? The alert log's id index says, not the
      // stored tags: a retag (or a subscription added later) can make earlier
      // members, or this key's earlier version, match a subscription that was
      // never alerted.
      const std::string& name = matcher_.subscriptions()[sub].name;
      std::optional<uint64_t> seq;
      NEWSFLOW_RETURN_IF_ERROR(store_->AlertSeq(name + "/" + story, &seq));
      if (!seq && !old_story.empty()) NEWSFLOW_RETURN_IF_ERROR(store_->AlertSeq(name + "/" + old_story, &seq));
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
