// retention_stage.cc — see retention_stage.h.
#include "pipeline/job/retention_stage.h"

#include <charconv>
#include <optional>

namespace newsflow::pipeline {

bool ParseRetainDuration(std::string_view s, int64_t* out_ms, std::string* error) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  const std::string_view unit(end, static_cast<size_t>(s.data() + s.size() - end));
  int64_t unit_ms = 0;
  if (unit == "s") unit_ms = 1000;
  else if (unit == "m" || unit == "min") unit_ms = 60 * 1000;
  else if (unit == "h") unit_ms = 3600 * 1000;
  else if (unit == "d") unit_ms = 24 * 3600 * 1000;
  else if (unit == "w") unit_ms = 7 * 24 * 3600 * 1000;
  if (ec != std::errc() || end == s.data() || n <= 0 || unit_ms == 0 || n > INT64_MAX / unit_ms / 2) {
    *error = "expected a duration such as 30d, 12h, 90m, 45s or 2w, got '" + std::string(s) + "'";
    return false;
  }
  *out_ms = n * unit_ms;
  return true;
}

bool ParseRetainFrom(std::string_view s, RetainFrom* out) {
  if (s == "now") *out = RetainFrom::kWallClock;
  else if (s == "newest") *out = RetainFrom::kNewestDocument;
  else return false;
  return true;
}

Status RetentionStage::MaybePrune(RunSummary* summary) {
  if (o_.retain_ms <= 0) return Status::OK();
  if (pruned_once_ && Clock::now() - last_ < std::chrono::milliseconds(o_.interval_ms)) return Status::OK();
  return PruneNow(summary);
}

Status RetentionStage::PruneNow(RunSummary* summary) {
  if (o_.retain_ms <= 0) return Status::OK();
  pruned_once_ = true;
  last_ = Clock::now();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  int64_t reference = now_ms;
  if (o_.from == RetainFrom::kNewestDocument) {
    // A document dated ahead of the clock is a wrong time, not the feed's
    // present: one item dated 2098 would otherwise prune everything else.
    // What counts as ahead is what the story window leaves out too.
    std::optional<int64_t> newest;
    NEWSFLOW_RETURN_IF_ERROR(store_->NewestTime(now_ms + o_.max_lead_ms, &newest));
    if (!newest) return Status::OK();
    reference = *newest;
  }
  storage::PruneOptions po;
  po.before_ms = reference - o_.retain_ms;
  // No compaction of the whole store after a pass: on a live feed some
  // documents expire every interval, and each compaction rewrote every
  // file (31 MB for one document; writes stalled for seconds). RocksDB
  // compacts the files the deletions land in (CompactOnDeletion collector,
  // rocks_store.cc); `newsflow prune` still compacts at once.
  po.compact = false;
  po.misdated_after_ms = now_ms + o_.max_lead_ms;
  storage::PruneStats stats;
  const Status s = store_->Prune(po, &stats);
  // Counted also when a batch failed: the batches before it are gone.
  ++summary->prune_passes;
  summary->pruned += stats.docs_removed;
  summary->alerts_pruned += stats.alerts_removed;
  summary->dead_letters_pruned += stats.dead_letters_removed;
  summary->retain_cutoff_ms = po.before_ms;
  return s.Prefixed("retention");
}

}  // namespace newsflow::pipeline
