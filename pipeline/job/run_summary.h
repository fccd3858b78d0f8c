// run_summary.h — what one run did: counts, rates, tags, dead-letter
// reasons and (Kafka) latency; printed for people or as JSON for scripts.
//
// Ownership: a plain value filled by Run(). Threads: filled by the writer
// thread; read after Run() returns. Errors: none.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace newsflow::pipeline {

struct RunSummary {
  uint64_t read = 0, stored = 0, tagged = 0, dead_lettered = 0, alerts = 0;
  uint64_t bytes = 0;
  uint64_t story_joined = 0;  // stored documents that joined an earlier document's story
  // Stored documents dated more than an hour (StoryOptions::max_lead_ms)
  // after the wall clock: a wrong time; kept out of the story window.
  uint64_t story_future_dated = 0;
  // Of story_joined, documents older than the story window (a file loaded
  // after another feed's, a delayed feed) that joined a stored story.
  uint64_t story_late_joined = 0;
  // Late indexes built from the store for such documents: many per batch
  // mean input that jumps back and forth between distant days.
  uint64_t story_late_builds = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> tag_counts;
  std::map<std::string, uint64_t> dead_reasons;  // reason prefix -> count
  std::map<std::string, uint64_t> alerts_by_subscription;  // subscription alerts raised, per subscription
  uint64_t alerts_redelivered = 0;  // alerts an earlier run stored but never saw acknowledged, delivered again
  uint64_t tagged_republished = 0;  // --tagged: documents of a batch an earlier run stored, published again
  uint64_t rules_reloaded = 0, rules_reload_failed = 0;  // hot reloads (SIGHUP, POST /api/rules/reload) taken and rejected
  std::string ruleset_version;
  // False when the store's final flush or close failed: then the documents
  // written since its last durable flush are NOT stored (the run fails).
  bool durable = true;
  // The store kept a write-ahead log that this run did not fsync (live input
  // without --sync): `stored` then counts what reached that log, which
  // outlives the process (kill -9) but not a failing disk or a power loss.
  bool unsynced_log = false;
  // A regular file is resumable: a re-run skips the records an earlier run
  // made durable (resumed_from of them), and a file already stored to its
  // end is not read again (already_complete).
  uint64_t resumed_from = 0;
  bool already_complete = false;
  // The file was read before another way (its progress mark's `as`: the
  // format, a map's content, the record cap): read again from its start.
  bool reread = false;
  // SIGINT/SIGTERM ended the run early (everything read was stored);
  // resumable: a regular file or follow: source continues there next run.
  bool interrupted = false, resumable = false;
  // The most raw bytes that were in flight at once (RunOptions::max_inflight_bytes).
  uint64_t peak_inflight_bytes = 0;
  // When the input failed (a corrupt gzip member, data after the last
  // member): the byte offset in the input the error is about, else -1.
  int64_t input_error_offset = -1;
  // --retain: prune passes made, documents, alert log entries and dead
  // letters they removed, and the last cutoff (UTC ms; documents before it
  // were removed). 0s and INT64_MIN without.
  uint64_t prune_passes = 0, pruned = 0, alerts_pruned = 0, dead_letters_pruned = 0;
  int64_t retain_cutoff_ms = INT64_MIN;
  // Backups the writer took on request (`newsflow backup` while it ran).
  uint64_t backups = 0;
  // Kafka source: partitions whose stored offset Kafka did not confirm on
  // assignment (no committed offset for the group: a recreated topic or
  // expired group offsets), and partitions whose stored offset was past the
  // partition's end (a recreated or truncated log: read from its start).
  bool kafka_source = false;
  uint64_t kafka_offsets_unconfirmed = 0, kafka_offsets_beyond_end = 0;
  // Partitions revoked without their final Kafka commit (OffsetChecks).
  uint64_t kafka_uncommitted_handovers = 0;
  // Kafka records only: RocksDB commit time minus the record's timestamp.
  uint64_t latency_samples = 0;
  double latency_p50_ms = 0, latency_p99_ms = 0, latency_p999_ms = 0, latency_max_ms = 0;
};

// Human-readable summary (several lines).
std::string FormatSummary(const RunSummary& s);
// The same as one JSON object (no newline): read, stored, tagged,
// dead_lettered, alerts, bytes, seconds, durable, resumed_from,
// already_complete, peak_inflight_bytes, input_error_offset, interrupted,
// ruleset_version,
// story_joined, story_late_joined, story_late_builds, tag_counts {tag: n}, dead_reasons
// {reason: n}, alerts_by_subscription
// {name: n}, alerts_redelivered, tagged_republished, rules_reloaded, rules_reload_failed,
// latency_ms (Kafka only); kafka_offsets_unconfirmed, kafka_offsets_beyond_end,
// kafka_uncommitted_handovers (Kafka source only); with --retain: prune_passes, pruned,
// alerts_pruned, dead_letters_pruned, retain_cutoff_ms; backups (when any was taken); story_future_dated (when
// any document was kept out of the story window for its time); reread (when
// the file was read before another way and read again from its start);
// resumable (when interrupted: a later run continues where this one stopped);
// unsynced_log (when not durable and the log was not fsynced: see RunSummary).
std::string SummaryToJson(const RunSummary& s);

}  // namespace newsflow::pipeline
