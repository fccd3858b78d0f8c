// story_stage.cc — see story_stage.h.
#include "pipeline/job/story_stage.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace newsflow::pipeline {

Status StoryStage::Open(storage::Store* store, const Normalizer& normalizer, const StoryOptions& options,
                        Order order, std::unique_ptr<StoryStage>* out) {
  std::unique_ptr<StoryStage> stage(new StoryStage(store, options, order));
  NEWSFLOW_RETURN_IF_ERROR(stage->Rebuild(normalizer).Prefixed("story index"));
  *out = std::move(stage);
  return Status::OK();
}

int64_t StoryStage::Horizon(const StoryOptions& options) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return now > INT64_MAX - options.max_lead_ms ? INT64_MAX : now + options.max_lead_ms;
}

// The window is every stored document within window_ms of the watermark:
// the one the last stored batch persisted, or the newest stored time if
// that is newer (a store written without story ids). The persisted mark
// matters when the newest document seen was later replaced by a copy with
// an earlier time: the uninterrupted run's window had moved past it.
// Documents stored with a time after the horizon are left out, as they were
// when they were stored.
Status StoryStage::Rebuild(const Normalizer& normalizer) {
  horizon_ = Horizon(index_.options());
  std::optional<std::string> mark;
  NEWSFLOW_RETURN_IF_ERROR(store_->GetProgress(kWatermarkMark, &mark));
  int64_t watermark = INT64_MIN;
  if (mark) {
    const char* end = mark->data() + mark->size();
    if (auto [p, ec] = std::from_chars(mark->data(), end, watermark); ec != std::errc() || p != end) {
      return Status::Corruption(fmt::format("stored story watermark is not a time: \"{}\"", *mark));
    }
    // A mark past the horizon was moved by a wrong time (a store written
    // before the horizon existed): not trusted; the newest document stored
    // with a right time stands in for it.
    if (watermark > horizon_) watermark = INT64_MIN;
  }
  storage::QueryOptions newest;
  newest.limit = 1;
  newest.until_ms = horizon_;
  std::vector<storage::Record> records;
  NEWSFLOW_RETURN_IF_ERROR(store_->Query(newest, &records));
  if (!records.empty()) watermark = std::max(watermark, records.front().time_ms);
  if (watermark == INT64_MIN) return Status::OK();
  index_.RaiseWatermark(watermark);
  if (records.empty()) return Status::OK();
  storage::QueryOptions window;
  window.since_ms = watermark - index_.options().window_ms;
  window.until_ms = horizon_;
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
  if (d.time_ms > horizon_) {
    ++future_dated_;
    // A copy of a key in the window keeps its story, and leaves the window:
    // the store now holds this copy, which a rebuild leaves out too.
    if (index_.Find(d.key)) {
      *story = index_.Remove(d.key);
      return Status::OK();
    }
    return StoredStoryOrOwn(d, stored_before, story);
  }
  if (index_.Find(d.key)) {
    *story = index_.Update(d.key, d.source, d.time_ms, std::move(it.sketch));  // not needed after this step
    return Status::OK();
  }
  if (index_.InWindow(d.time_ms)) {
    *story = index_.Assign(d.key, d.source, d.time_ms, std::move(it.sketch));
    return Status::OK();
  }
  return StoredStoryOrOwn(d, stored_before, story);
}

// Older than the window (or dated after the horizon): keep the story it was
// stored with, if any (the batches before this one, which may store it,
// written first), else its own.
Status StoryStage::StoredStoryOrOwn(const Document& d, const std::function<Status()>& stored_before,
                                    std::string* story) {
  NEWSFLOW_RETURN_IF_ERROR(stored_before());
  storage::Record old;
  bool found = false;
  NEWSFLOW_RETURN_IF_ERROR(store_->Get(d.key, &old, &found));
  *story = found && !old.story.empty() ? old.story : d.key;
  return Status::OK();
}

// A regular file's batch is assigned in event-time order (published time,
// then feed, then arrival), not in arrival order: how the feeds happened to
// interleave within a batch does not change its story ids. A later copy of a
// key (a feed re-publishing an item) never sorts before an earlier copy, so
// the copies keep their arrival order and the last one is what the index
// holds, as in the store.
Status StoryStage::Process(Batch& batch, const std::function<Status()>& stored_before) {
  horizon_ = Horizon(index_.options());
  struct Slot {
    int64_t time_ms;
    size_t item, record;
  };
  std::vector<Slot> order;
  order.reserve(batch.items.size());
  std::unordered_map<std::string_view, int64_t> sort_time;  // of each key's latest copy so far
  size_t next = 0;
  for (size_t i = 0; i < batch.items.size(); ++i) {
    const Item& it = batch.items[i];
    if (!it.error.empty()) continue;
    if (next >= batch.prepared.records.size() || batch.prepared.records[next].key != it.doc.key) {
      return Status::Internal(fmt::format("batch {}: prepared records do not match its items", batch.seq));
    }
    int64_t t = it.doc.time_ms;
    if (order_ == Order::kEventTimeWithinBatch) {
      auto [at, fresh] = sort_time.try_emplace(it.doc.key, t);
      if (!fresh) at->second = std::max(at->second, t);
      t = at->second;
    }
    order.push_back({t, i, next++});
  }
  if (order_ == Order::kEventTimeWithinBatch) {
    std::stable_sort(order.begin(), order.end(), [&](const Slot& a, const Slot& b) {
      if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
      return batch.items[a.item].doc.source < batch.items[b.item].doc.source;
    });
  }
  batch.story_order.clear();
  if (order_ == Order::kEventTimeWithinBatch)
    for (const Slot& s : order) batch.story_order.push_back(static_cast<uint32_t>(s.item));
  for (const Slot& s : order) {
    Item& it = batch.items[s.item];
    NEWSFLOW_RETURN_IF_ERROR(StoryOf(it, stored_before, &it.story));
    NEWSFLOW_RETURN_IF_ERROR(storage::AssignStory(&batch.prepared.records[s.record], it.story));
  }
  // Stored with the batch, atomically: a restart rebuilds the window up to
  // where this batch left it.
  if (!order.empty()) batch.prepared.progress.push_back({kWatermarkMark, std::to_string(index_.watermark())});
  return Status::OK();
}

}  // namespace newsflow::pipeline
