// story_stage.h — the story step, on the run's story thread between the
// workers and the writer: gives every document of a prepared batch its story
// id (same-story clustering, pipeline/story/).
//
// Streaming and deterministic: a document is assigned using only the
// documents assigned before it. The order is the arrival order, except for
// a regular file (Order::kEventTimeWithinBatch), whose batches are cut the
// same way on every run and after every restart (given the same --batch and
// --max-record-bytes): there each batch is taken in event-time order
// (published time, feed, arrival; a later copy of a key never before an
// earlier one), so how the feeds interleave within a batch does not change
// the ids. Inputs that cannot be replayed (stdin, even redirected from a
// file; pipes, follow:, Kafka) may hand on batches as timing allows, so they
// keep arrival order: their ids depend only on the order items arrive. A key stored before keeps its story (so re-ingesting
// the same input gives the same ids), wherever its new time falls: in the
// window (even when its stored copy was older than the window or dated
// after the horizon: the copy then enters the window with that story),
// older than the window, or after the horizon.
//
// A new document older than the window (a feed's file loaded after
// another's, a delayed feed, a replay) is paired with the stored documents
// within the window of its own time, on both sides (a link before it first,
// as the time-ordered stream would have made; StoryIndex): a late index holds the
// stored documents of [b*L - W, (b+1)*L + W) for the bucket b of its time
// (W the window, L = kLateBucketWindows * W), built from the store when
// first needed and then kept equal to what the store holds there (every
// document assigned afterwards is added to the late indexes whose range
// holds its time). So what a late document joins depends only on the store
// and the order of the input, never on which late indexes happened to be
// cached: a restart assigns what one run does. Late indexes are dropped,
// least recently used first, beyond StoryOptions::late_cache_indexes or
// late_cache_docs; input that jumps back and forth between distant days
// rebuilds them often (counted in
// late_builds()). With StoryOptions::late off, such a document keeps the
// story it was stored with, or starts its own. So does a document
// dated more than StoryOptions::max_lead_ms (an hour) after the wall clock
// (a wrong time: it never moves the window, or one such item would push
// every later document out of it; a copy of a key in the window takes the
// key out of it; counted in future_dated()). What counts as "after the
// clock" is decided when a document is stored and again at Open, so an
// item dated a few hours ahead can be left out by one run and taken in by a
// later restart or re-ingest, once the clock has passed its time. Open() rebuilds
// the window from the store, up to the watermark the last stored batch
// persisted, so a restarted run assigns what an uninterrupted one would
// have. A store pruned by retention (StorePruned) drops the late indexes
// before the next batch; retention runs by the clock and between the
// writer's batches, so with --retain the ids of documents near the cutoff
// (late ones, and re-published keys found or not in the store) can depend
// on timing, as the window's can (README). A late index, like the window,
// leaves out documents dated after the clock when it is built; one such
// document the clock has passed since is in an index built later.
//
// Ownership: borrows the Store and the Normalizer (for re-sketching stored
// documents at Open and for late indexes); owns the StoryIndex and the late
// indexes. Threads: one thread at a time
// (the run's story thread, between the workers and the writer, so
// assignment overlaps the store writes of the batches before it);
// StorePruned may be called from any thread.
// Errors: Status from the store (reads at Open and for old keys), or Internal
// for a batch whose records do not line up with its items.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "newsflow/storage/store.h"
#include "pipeline/job/assigned_key_filter.h"
#include "pipeline/job/batch.h"
#include "pipeline/normalize/normalizer.h"
#include "pipeline/story/story_index.h"

namespace newsflow::pipeline {

class StoryStage {
 public:
  enum class Order { kArrival, kEventTimeWithinBatch };
  // The meta mark (Store::GetProgress) under which each batch stores the
  // window's watermark after it.
  static constexpr const char* kWatermarkMark = "story-window";
  // A late bucket's length, in windows. Each stored document is in the
  // range of 1.5 late indexes on average (3 with buckets one window long),
  // so walking forward through time builds each about 1.5 times: measured
  // on the corpora loaded one file after another (bench/RESULTS.md), 4
  // halves the eastmoney and ths files' time against 1 and groups alike
  // within 0.2 points.
  static constexpr int64_t kLateBucketWindows = 4;

  static Status Open(storage::Store* store, const Normalizer& normalizer, const StoryOptions& options, Order order,
                     std::unique_ptr<StoryStage>* out);
  // `stored_before` is called before a late index is built from the store:
  // it returns once every batch before this one is in the store, or an
  // error if they never will be (the writer stopped). `stored_through`
  // returns, without waiting, the seq below which every batch is stored:
  // the story of a key stored before is read from the store for those, and
  // from what this stage handed on for the batches after.
  Status Process(Batch& batch, const std::function<Status()>& stored_before,
                 const std::function<uint64_t()>& stored_through);
  const StoryIndex& index() const { return index_; }
  // Documents that joined an earlier document's story, in the window or
  // late, since Open.
  uint64_t joined() const { return index_.stats().joined + late_joined_; }
  // Of those, documents older than the window that joined a stored story.
  uint64_t late_joined() const { return late_joined_; }
  // Late indexes built from the store since Open.
  uint64_t late_builds() const { return late_builds_; }
  // The store lost documents (retention): the late indexes no longer match
  // it and are dropped before the next batch.
  void StorePruned() { pruned_.store(true, std::memory_order_relaxed); }
  // Documents kept out of the window for a time after the wall clock plus
  // StoryOptions::max_lead_ms, since Open.
  uint64_t future_dated() const { return future_dated_; }

 private:
  // The stored documents of one bucket's range [lo, hi) (see above).
  struct LateIndex {
    int64_t bucket = 0, lo = 0, hi = 0;
    std::unique_ptr<StoryIndex> index;
    uint64_t used = 0;  // use_clock_ when last used
  };

  StoryStage(storage::Store* store, const Normalizer& normalizer, const StoryOptions& options, Order order)
      : store_(store), normalizer_(normalizer), index_(options), order_(order) {}
  Status Rebuild();
  // Re-sketches a stored document and adds it to `index` with the story it
  // was stored with.
  void AddStored(const storage::Record& r, StoryIndex* index);
  Status Assign(Batch& batch);
  Status StoryOf(Item& it, std::string* story, StoryIndex** late);  // moves it.sketch into an index (*late: which late one)
  Status LateStory(Item& it, std::string* story, StoryIndex** late);
  // The late index of the bucket holding time_ms, built if not cached.
  Status LateIndexFor(int64_t time_ms, StoryIndex** out);
  Status StoredStory(const std::string& key, std::string* story, bool* found);
  void DropStoredInFlight();
  // Keeps the cached late indexes equal to the store once `it` is stored
  // with `story` (`assigned_by` already holds it): its key leaves the
  // others, and enters those whose range holds its time.
  // (sketch: null if no late index held its range before it was assigned).
  void SyncLate(const Item& it, const StorySketch* sketch, const StoryIndex* assigned_by);
  bool LateCovers(int64_t time_ms) const;
  void TrimLateCache(const StoryIndex* keep);
  Status StoredStoryOrOwn(const Document& d, std::string* story);

  // The wall clock plus max_lead_ms, read once per batch (and at Open).
  static int64_t Horizon(const StoryOptions& options);

  storage::Store* store_;
  const Normalizer& normalizer_;
  StoryIndex index_;
  Order order_;
  std::vector<LateIndex> late_;
  uint64_t use_clock_ = 0;
  // The current batch's items assigned so far, in order: a late index built
  // mid-batch holds them too (they are not in the store yet).
  std::vector<const Item*> done_;
  // Key -> story, done_ so far: copies, so that the map itself becomes the
  // batch's InFlight::stories (no second map built and hashed per batch).
  std::unordered_map<std::string, std::string> batch_story_;
  uint64_t late_joined_ = 0, late_builds_ = 0;
  // The key -> story of each batch handed on and not yet known stored.
  struct InFlight {
    uint64_t seq = 0;
    std::unordered_map<std::string, std::string> stories;
  };
  std::deque<InFlight> in_flight_;
  // Every key assigned since Open, when the store held no document then
  // (else null): a key it never saw is not stored (StoredStory).
  std::unique_ptr<AssignedKeyFilter> assigned_;
  // Process's callbacks, for the calls it makes (null outside Process).
  const std::function<Status()>* wait_stored_ = nullptr;
  const std::function<uint64_t()>* stored_through_ = nullptr;
  std::atomic<bool> pruned_{false};
  NormalizedText title_, body_;  // scratch: AddStored
  StorySketch sketch_;           // scratch: AddStored, LateIndexFor
  int64_t horizon_ = 0;  // times after this are wrong (Horizon)
  uint64_t future_dated_ = 0;
};

}  // namespace newsflow::pipeline
