// story_stage.h — the writer's step before store: gives every document of a
// prepared batch its story id (same-story clustering, pipeline/story/).
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
// the same input gives the same ids); a document older than the window
// keeps the story it was stored with, or starts its own; so does a document
// dated more than StoryOptions::max_lead_ms (an hour) after the wall clock
// (a wrong time: it never moves the window, or one such item would push
// every later document out of it; a copy of a key in the window takes the
// key out of it; counted in future_dated()). What counts as "after the
// clock" is decided when a document is stored and again at Open, so an
// item dated a few hours ahead can be left out by one run and taken in by a
// later restart or re-ingest, once the clock has passed its time. Open() rebuilds
// the window from the store, up to the watermark the last stored batch
// persisted, so a restarted run assigns what an uninterrupted one would
// have.
//
// Ownership: borrows the Store and the Normalizer (for re-sketching stored
// documents at Open); owns the StoryIndex. Threads: one thread at a time
// (the run's story thread, between the workers and the writer, so
// assignment overlaps the store writes of the batches before it).
// Errors: Status from the store (reads at Open and for old keys), or Internal
// for a batch whose records do not line up with its items.
#pragma once

#include <functional>
#include <memory>

#include "newsflow/storage/store.h"
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

  static Status Open(storage::Store* store, const Normalizer& normalizer, const StoryOptions& options, Order order,
                     std::unique_ptr<StoryStage>* out);
  // `stored_before` is called before the store is read for a document (one
  // older than the window, for the story it was stored with): it returns
  // once every batch before this one is in the store, or an error if they
  // never will be (the writer stopped).
  Status Process(Batch& batch, const std::function<Status()>& stored_before);
  const StoryIndex& index() const { return index_; }
  // Documents kept out of the window for a time after the wall clock plus
  // StoryOptions::max_lead_ms, since Open.
  uint64_t future_dated() const { return future_dated_; }

 private:
  StoryStage(storage::Store* store, const StoryOptions& options, Order order)
      : store_(store), index_(options), order_(order) {}
  Status Rebuild(const Normalizer& normalizer);
  Status StoryOf(Item& it, const std::function<Status()>& stored_before,
                 std::string* story);  // moves it.sketch into the index
  Status StoredStoryOrOwn(const Document& d, const std::function<Status()>& stored_before, std::string* story);

  // The wall clock plus max_lead_ms, read once per batch (and at Open).
  static int64_t Horizon(const StoryOptions& options);

  storage::Store* store_;
  StoryIndex index_;
  Order order_;
  int64_t horizon_ = 0;  // times after this are wrong (Horizon)
  uint64_t future_dated_ = 0;
};

}  // namespace newsflow::pipeline
