// retention_stage.h — `run --retain` (and `serve --retain`): the writer
// prunes the store between batches, so a long-running job keeps only a
// window of documents.
//
// The cutoff is a duration before a reference: kWallClock (now, the
// default: what a live feed wants) or kNewestDocument (the newest stored
// document's time, leaving out documents dated over an hour ahead of the
// clock: for a replayed historical corpus, where "now" would remove
// everything). Documents older than the cutoff are removed with
// their index entries (Store::Prune), and so are the dead letters stored
// before the cutoff (the newest stays) and the alert log's entries before
// it; meta (offsets, progress marks) stays.
//
// Ownership: borrows the store (outlives the stage). Threads: the writer's
// only (Prune is a write). Errors: Status from the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "newsflow/base/status.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/run_summary.h"

namespace newsflow::pipeline {

enum class RetainFrom { kWallClock, kNewestDocument };

struct RetentionOptions {
  int64_t retain_ms = 0;                    // 0 = no retention
  RetainFrom from = RetainFrom::kWallClock;
  int64_t interval_ms = 60000;              // prune at most this often; 0 = after every batch
  // Documents dated more than this after the wall clock (wrong times) are
  // not the reference (kNewestDocument), nor do their alerts hold the alert
  // log's pruned start back (as StoryOptions::max_lead_ms).
  int64_t max_lead_ms = 3600LL * 1000;
};

// "30d", "12h", "90m", "45s", "2w" (a positive whole number and a unit) ->
// milliseconds. False with *error saying what was expected.
bool ParseRetainDuration(std::string_view s, int64_t* out_ms, std::string* error);
// "now" | "newest".
bool ParseRetainFrom(std::string_view s, RetainFrom* out);

class RetentionStage {
 public:
  RetentionStage(storage::Store* store, RetentionOptions options) : store_(store), o_(options) {}

  // Prunes when the interval has passed since the last prune (the first
  // call always prunes); counts what was removed into the summary.
  Status MaybePrune(RunSummary* summary);
  // Prunes now, whatever the interval: the last pass of a run whose input
  // ended, so that a replay shorter than the interval ends retained too.
  Status PruneNow(RunSummary* summary);

 private:
  using Clock = std::chrono::steady_clock;
  storage::Store* store_;
  RetentionOptions o_;
  bool pruned_once_ = false;
  Clock::time_point last_;
};

}  // namespace newsflow::pipeline
