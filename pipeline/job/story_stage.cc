// story_stage.cc — see story_stage.h.
#include "pipeline/job/story_stage.h"

#include <algorithm>

#include <fmt/format.h>

namespace newsflow::pipeline {

Status StoryStage::Open(storage::Store* store, const Normalizer& normalizer, const StoryOptions& options,
                        std::unique_ptr<StoryStage>* out) {
  std::unique_ptr<StoryStage> stage(new StoryStage(store, options));
  NEWSFLOW_RETURN_IF_ERROR(stage->Rebuild(normalizer).Prefixed("story index"));
  *out = std::move(stage);
  return Status::OK();
}

// The window is every stored document within window_ms of the newest one.
Status StoryStage::Rebuild(const Normalizer& normalizer) {
  storage::QueryOptions newest;
  newest.limit = 1;
  std::vector<storage::Record> records;
  NEWSFLOW_RETURN_IF_ERROR(store_->Query(newest, &records));
  if (records.empty()) return Status::OK();
  storage::QueryOptions window;
  window.since_ms = records.front().time_ms - index_.options().window_ms;
  window.limit = 0;
  NEWSFLOW_RETURN_IF_ERROR(store_->Query(window, &records));
  std::reverse(records.begin(), records.end());  // oldest first, so the watermark only rises
  NormalizedText title, body;
  StorySketch sketch;
  for (const storage::Record& r : records) {
    normalizer.Normalize(r.title, &title);
    normalizer.Normalize(r.body, &body);
    BuildStorySketch(title.text, body.text, &sketch, r.stock_codes);
    index_.Add(r.key, r.source, r.time_ms, r.story.empty() ? r.key : r.story, std::move(sketch));
  }
  return Status::OK();
}

Status StoryStage::StoryOf(Item& it, const std::function<Status()>& stored_before, std::string* story) {
  const Document& d = it.doc;
  if (index_.Find(d.key)) {
    *story = index_.Update(d.key, d.source, d.time_ms, std::move(it.sketch));  // not needed after this step
    return Status::OK();
  }
  if (index_.InWindow(d.time_ms)) {
    *story = index_.Assign(d.key, d.source, d.time_ms, std::move(it.sketch));
    return Status::OK();
  }
  // Older than the window: keep the story it was stored with, if any (the
  // batches before this one, which may store it, written first).
  NEWSFLOW_RETURN_IF_ERROR(stored_before());
  storage::Record old;
  bool found = false;
  NEWSFLOW_RETURN_IF_ERROR(store_->Get(d.key, &old, &found));
  *story = found && !old.story.empty() ? old.story : d.key;
  return Status::OK();
}

Status StoryStage::Process(Batch& batch, const std::function<Status()>& stored_before) {
  size_t next = 0;
  for (Item& it : batch.items) {
    if (!it.error.empty()) continue;
    if (next >= batch.prepared.records.size() || batch.prepared.records[next].key != it.doc.key) {
      return Status::Internal(fmt::format("batch {}: prepared records do not match its items", batch.seq));
    }
    NEWSFLOW_RETURN_IF_ERROR(StoryOf(it, stored_before, &it.story));
    NEWSFLOW_RETURN_IF_ERROR(storage::AssignStory(&batch.prepared.records[next], it.story));
    ++next;
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
