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
  std::unique_ptr<StoryStage> stage(new StoryStage(store, normalizer, options, order));
  NEWSFLOW_RETURN_IF_ERROR(stage->Rebuild().Prefixed("story index"));
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
Status StoryStage::Rebuild() {
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
  if (records.empty()) {
    // No document at all (dated after the horizon either): until this
    // stage assigns a key, no key is stored.
    storage::QueryOptions any;
    any.limit = 1;
    std::vector<storage::Record> one;
    NEWSFLOW_RETURN_IF_ERROR(store_->Query(any, &one));
    if (one.empty()) assigned_ = std::make_unique<AssignedKeyFilter>();
  }
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
  for (const storage::Record& r : records) AddStored(r, &index_);
  return Status::OK();
}

// A document stored without a story id (story ids off) is its own story.
static const std::string& StoredStoryId(const storage::Record& r) { return r.story.empty() ? r.key : r.story; }

void StoryStage::AddStored(const storage::Record& r, StoryIndex* index) {
  normalizer_.Normalize(r.title, &title_);
  normalizer_.Normalize(r.body, &body_);
  BuildStorySketch(title_.text, body_.text, &sketch_, r.stock_codes);
  index->Add(r.key, r.source, r.time_ms, StoredStoryId(r), std::move(sketch_));
}

Status StoryStage::StoryOf(Item& it, std::string* story, StoryIndex** late) {
  const Document& d = it.doc;
  if (d.time_ms > horizon_) {
    ++future_dated_;
    // A copy of a key in the window keeps its story, and leaves the window:
    // the store now holds this copy, which a rebuild leaves out too.
    if (index_.Find(d.key)) {
      *story = index_.Remove(d.key);
      return Status::OK();
    }
    return StoredStoryOrOwn(d, story);
  }
  if (index_.Find(d.key)) {
    *story = index_.Update(d.key, d.source, d.time_ms, std::move(it.sketch));  // not needed after this step
    return Status::OK();
  }
  if (index_.InWindow(d.time_ms)) {
    // A key stored before whose copy is not in the window (it was older
    // than the window, or dated after the horizon) keeps its story too,
    // and is in the window with it from now on.
    bool found = false;
    NEWSFLOW_RETURN_IF_ERROR(StoredStory(d.key, story, &found));
    if (found) {
      index_.Add(d.key, d.source, d.time_ms, *story, std::move(it.sketch));
      return Status::OK();
    }
    *story = index_.Assign(d.key, d.source, d.time_ms, std::move(it.sketch));
    return Status::OK();
  }
  if (index_.options().late) return LateStory(it, story, late);
  return StoredStoryOrOwn(d, story);
}

// Older than the window: a key stored before (or earlier in this batch)
// keeps its story (SyncLate then updates the cached late indexes; a
// re-ingest builds none); a new one is assigned among the stored documents
// around its time, in its bucket's late index.
Status StoryStage::LateStory(Item& it, std::string* story, StoryIndex** late) {
  const Document& d = it.doc;
  bool found = false;
  NEWSFLOW_RETURN_IF_ERROR(StoredStory(d.key, story, &found));
  if (found) return Status::OK();
  StoryIndex* index = nullptr;
  NEWSFLOW_RETURN_IF_ERROR(LateIndexFor(d.time_ms, &index));
  *late = index;
  const uint64_t joined_before = index->stats().joined;
  *story = index->Assign(d.key, d.source, d.time_ms, std::move(it.sketch));
  late_joined_ += index->stats().joined - joined_before;
  return Status::OK();
}

bool StoryStage::LateCovers(int64_t time_ms) const {
  for (const LateIndex& l : late_)
    if (time_ms >= l.lo && time_ms < l.hi) return true;
  return false;
}

Status StoryStage::LateIndexFor(int64_t time_ms, StoryIndex** out) {
  const int64_t w = index_.options().window_ms;
  const int64_t len = kLateBucketWindows * w;
  const int64_t bucket = time_ms >= 0 ? time_ms / len : -((-time_ms + len - 1) / len);
  for (LateIndex& l : late_) {
    if (l.bucket != bucket) continue;
    l.used = ++use_clock_;
    *out = l.index.get();
    return Status::OK();
  }
  NEWSFLOW_RETURN_IF_ERROR((*wait_stored_)());  // the store must hold every batch before this one
  LateIndex l;
  l.bucket = bucket;
  l.lo = bucket * len - w;
  l.hi = (bucket + 1) * len + w;
  l.used = ++use_clock_;
  StoryOptions options = index_.options();
  options.span_ms = l.hi - 1 - l.lo;
  l.index = std::make_unique<StoryIndex>(options);
  l.index->RaiseWatermark(l.hi - 1);
  // What the store holds in the range (a time after the horizon left out,
  // as in the window) ...
  storage::QueryOptions range;
  range.since_ms = l.lo;
  range.until_ms = std::min(l.hi - 1, horizon_);
  range.limit = 0;
  if (*range.until_ms >= l.lo) {
    NEWSFLOW_RETURN_IF_ERROR(store_->ForEach(range, [&](const storage::Record& r) {
      AddStored(r, l.index.get());
      return true;
    }).Prefixed("late story index"));
  }
  // ... and what this batch has assigned so far, not stored yet.
  for (const Item* it : done_) {
    const Document& d = it->doc;
    if (l.index->Find(d.key)) l.index->Remove(d.key);
    if (d.time_ms < l.lo || d.time_ms >= l.hi || d.time_ms > horizon_) continue;
    BuildStorySketch(it->title_norm.text, it->body_norm.text, &sketch_, d.stock_codes);
    l.index->Add(d.key, d.source, d.time_ms, it->story, std::move(sketch_));
  }
  ++late_builds_;
  late_.push_back(std::move(l));
  *out = late_.back().index.get();
  TrimLateCache(*out);
  return Status::OK();
}

void StoryStage::TrimLateCache(const StoryIndex* keep) {
  size_t total = 0;
  for (const LateIndex& l : late_) total += l.index->size();
  while ((total > index_.options().late_cache_docs || late_.size() > index_.options().late_cache_indexes) &&
         late_.size() > 1) {
    auto oldest = late_.end();
    for (auto l = late_.begin(); l != late_.end(); ++l)
      if (l->index.get() != keep && (oldest == late_.end() || l->used < oldest->used)) oldest = l;
    total -= oldest->index->size();
    late_.erase(oldest);
  }
}

void StoryStage::SyncLate(const Item& it, const StorySketch* sketch, const StoryIndex* assigned_by) {
  const Document& d = it.doc;
  for (LateIndex& l : late_) {
    if (l.index.get() == assigned_by) continue;
    if (l.index->Find(d.key)) l.index->Remove(d.key);
    if (sketch && d.time_ms >= l.lo && d.time_ms < l.hi && d.time_ms <= horizon_)
      l.index->Add(d.key, d.source, d.time_ms, it.story, StorySketch(*sketch));
  }
}

// Older than the window (or dated after the horizon): keep the story it was
// stored with, if any (the batches before this one, which may store it,
// written first), else its own.
Status StoryStage::StoredStoryOrOwn(const Document& d, std::string* story) {
  bool found = false;
  NEWSFLOW_RETURN_IF_ERROR(StoredStory(d.key, story, &found));
  if (!found) *story = d.key;
  return Status::OK();
}

// The story of a key assigned before: earlier in this batch, in a batch
// handed on but maybe not stored yet, or in the store. Never waits for the
// writer: the batches not in the store when it is read are in in_flight_
// (dropped only once stored_through says they are stored).
Status StoryStage::StoredStory(const std::string& key, std::string* story, bool* found) {
  if (assigned_ && !assigned_->MayContain(key)) {  // neither in this batch, in flight nor stored
    *found = false;
    return Status::OK();
  }
  if (auto earlier = batch_story_.find(key); earlier != batch_story_.end()) {
    *story = earlier->second;
    *found = true;
    return Status::OK();
  }
  DropStoredInFlight();
  for (auto b = in_flight_.rbegin(); b != in_flight_.rend(); ++b) {
    if (auto at = b->stories.find(key); at != b->stories.end()) {
      *story = at->second;
      *found = true;
      return Status::OK();
    }
  }
  storage::Record old;
  NEWSFLOW_RETURN_IF_ERROR(store_->Get(key, &old, found));
  if (*found) *story = StoredStoryId(old);
  return Status::OK();
}

void StoryStage::DropStoredInFlight() {
  const uint64_t through = (*stored_through_)();
  while (!in_flight_.empty() && in_flight_.front().seq < through) in_flight_.pop_front();
}

// A regular file's batch is assigned in event-time order (published time,
// then feed, then arrival), not in arrival order: how the feeds happened to
// interleave within a batch does not change its story ids. A later copy of a
// key (a feed re-publishing an item) never sorts before an earlier copy, so
// the copies keep their arrival order and the last one is what the index
// holds, as in the store.
Status StoryStage::Process(Batch& batch, const std::function<Status()>& stored_before,
                           const std::function<uint64_t()>& stored_through) {
  wait_stored_ = &stored_before;
  stored_through_ = &stored_through;
  const Status s = Assign(batch);
  wait_stored_ = nullptr;
  stored_through_ = nullptr;
  return s;
}

Status StoryStage::Assign(Batch& batch) {
  horizon_ = Horizon(index_.options());
  if (pruned_.exchange(false, std::memory_order_relaxed)) late_.clear();
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
  done_.clear();
  batch_story_.clear();
  batch_story_.reserve(order.size());
  // Each item was filled on a worker thread a batch or more ago: its fields,
  // its sketch's trigrams and the end of its encoded record (where
  // AssignStory writes the story id) are cold here, and waiting for them one
  // item at a time was most of the time of the stage's own steps
  // (SetEncodedStory alone ~3% of the thread, nearly all of it the load of
  // the record's last byte; the filter's line for the key another ~2%). The
  // structs are fetched kFetchAhead items ahead, what they point to half as
  // far (16: the thread ~5% shorter on the three feeds; 8 gained ~2%).
  auto fetch_structs = [&](size_t k) {
    if (k >= order.size()) return;
    const Item& it = batch.items[order[k].item];
    __builtin_prefetch(&it.doc.key), __builtin_prefetch(&it.doc.time_ms), __builtin_prefetch(&it.sketch);
    __builtin_prefetch(&batch.prepared.records[order[k].record].value);
  };
  auto fetch_data = [&](size_t k) {
    if (k >= order.size()) return;
    const Item& it = batch.items[order[k].item];
    __builtin_prefetch(it.doc.key.data()), __builtin_prefetch(it.sketch.grams.data());
    if (assigned_) assigned_->Prefetch(it.doc.key);  // StoredStory's lookup, then Add
    const std::string& value = batch.prepared.records[order[k].record].value;
    if (!value.empty()) __builtin_prefetch(value.data()), __builtin_prefetch(value.data() + value.size() - 1);
  };
  constexpr size_t kFetchAhead = 16;
  for (size_t k = 0; k < kFetchAhead; ++k) fetch_structs(k);
  for (size_t k = 0; k < kFetchAhead / 2; ++k) fetch_data(k);
  for (size_t i = 0; i < order.size(); ++i) {
    fetch_structs(i + kFetchAhead);
    fetch_data(i + kFetchAhead / 2);
    const Slot& s = order[i];
    Item& it = batch.items[s.item];
    // A copy of the sketch for the late indexes whose range holds the item
    // (the index that assigns it keeps the original).
    std::optional<StorySketch> copy;
    if (!late_.empty() && LateCovers(it.doc.time_ms)) copy = it.sketch;
    StoryIndex* late = nullptr;
    NEWSFLOW_RETURN_IF_ERROR(StoryOf(it, &it.story, &late));
    NEWSFLOW_RETURN_IF_ERROR(storage::AssignStory(&batch.prepared.records[s.record], it.story));
    if (!late_.empty()) SyncLate(it, copy ? &*copy : nullptr, late);
    done_.push_back(&it);
    batch_story_[it.doc.key] = it.story;
    if (assigned_) assigned_->Add(it.doc.key);
  }
  // Kept until the writer has stored the batch: a later batch's document
  // with one of its keys finds the story without waiting for the store.
  // batch_story_ already holds copies: it becomes the batch's entry.
  InFlight kept;
  kept.seq = batch.seq;
  kept.stories = std::move(batch_story_);
  DropStoredInFlight();
  in_flight_.push_back(std::move(kept));
  done_.clear();
  batch_story_.clear();
  // Stored with the batch, atomically: a restart rebuilds the window up to
  // where this batch left it.
  if (!order.empty()) batch.prepared.progress.push_back({kWatermarkMark, std::to_string(index_.watermark())});
  return Status::OK();
}

}  // namespace newsflow::pipeline
