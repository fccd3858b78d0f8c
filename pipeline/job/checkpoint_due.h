// checkpoint_due.h — when a bulk load of a regular file (no write-ahead
// log) flushes the store: a checkpoint, which makes the run's progress mark
// durable, so a crash loses at most the work since the last one.
//
// Every `cap` records (--checkpoint-records; 0: only at the end), or once
// `quarter` bytes of the file (a quarter of its size; 0: not known) have
// been read since the last checkpoint, if that comes first but no sooner
// than kMinCheckpointRecords after it. Without the quarter, a 30k-item
// file's only checkpoint came at two thirds of it and was still flushing
// when the final flush waited for it (bench/RESULTS.md, End to end,
// 2026-12-06 13:45); a big file keeps the cap (more level-0 tables set off
// a compaction during a 400k-item load). Bytes are the source's own
// (Source::bytes_read: a gzip file's compressed bytes) and are read ahead of
// the records by up to one read (1 MiB), so in a file of a few MiB the
// quarter is reached early and the minimum spaces the checkpoints.
//
// Ownership: a value type. Threads: the writer's. Errors: none.
#pragma once

#include <cstdint>

namespace newsflow::pipeline {

inline constexpr uint64_t kMinCheckpointRecords = 5000;

struct CheckpointDue {
  uint64_t cap = 0;      // records between checkpoints at most (0: none before the end)
  uint64_t quarter = 0;  // bytes of the file between checkpoints at most (0: not known)
  uint64_t since = 0;    // records stored since the last checkpoint
  uint64_t from = 0;     // bytes read when it was taken (or where the run started)

  // Counts a stored batch of `records`, read through `bytes_read`; true
  // when a checkpoint is due now (and then counts from here).
  bool Stored(uint64_t records, uint64_t bytes_read) {
    if (cap == 0) return false;
    since += records;
    const bool by_bytes = quarter > 0 && since >= kMinCheckpointRecords && bytes_read >= from + quarter;
    if (since < cap && !by_bytes) return false;
    since = 0;
    from = bytes_read;
    return true;
  }
};

}  // namespace newsflow::pipeline
