// story_stage.h — the writer's step before store: gives every document of a
// prepared batch its story id (same-story clustering, pipeline/story/).
//
// Streaming and deterministic: documents are assigned in input order using
// only documents stored before them (or assigned before them, in batches the
// writer has not stored yet). A key stored before keeps its story (so
// re-ingesting the same input gives the same ids); a document older than the
// window starts its own story. Open() rebuilds the window from the store, so
// a restarted run assigns what an uninterrupted one would have.
//
// Ownership: borrows the Store and the Normalizer (for re-sketching stored
// documents at Open); owns the StoryIndex. Threads: one thread at a time
// (the run's story thread, between the workers and the writer, so
// assignment overlaps the store writes of the batches before it).
// Errors: Status from the store (reads at Open and for old keys), or Internal
// for a batch whose records do not line up with its items.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "newsflow/storage/store.h"
#include "pipeline/job/batch.h"
#include "pipeline/normalize/normalizer.h"
#include "pipeline/story/story_index.h"

namespace newsflow::pipeline {

class StoryStage {
 public:
  static Status Open(storage::Store* store, const Normalizer& normalizer, const StoryOptions& options,
                     std::unique_ptr<StoryStage>* out);
  // Assigns the batch's story ids. `stored_through`: every batch whose seq
  // is below it is in the store (the writer's progress when this batch is
  // taken up; batches are processed in seq order). A document older than
  // the window keeps the story its key was last given: by this stage, if
  // that was in a batch not yet stored, else as the store holds it. So
  // assignment never waits for the writer.
  Status Process(Batch& batch, uint64_t stored_through);
  const StoryIndex& index() const { return index_; }

 private:
  StoryStage(storage::Store* store, const StoryOptions& options) : store_(store), index_(options) {}
  Status Rebuild(const Normalizer& normalizer);
  Status StoryOf(Item& it, uint64_t seq, std::string* story);  // moves it.sketch into the index
  // Forgets the assignments of the batches now stored.
  void ExpireStored(uint64_t stored_through);

  storage::Store* store_;
  StoryIndex index_;
  // The story each key of an assigned but maybe not yet stored batch got
  // (the last occurrence in source order), with that batch's seq; and the
  // batches' keys in seq order, to forget them once stored.
  struct Assigned {
    uint64_t seq;
    std::string story;
  };
  std::unordered_map<std::string, Assigned> unstored_;
  std::deque<std::pair<uint64_t, std::vector<std::string>>> unstored_keys_;
};

}  // namespace newsflow::pipeline
