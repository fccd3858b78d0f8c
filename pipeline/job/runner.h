// runner.h — the main job: the stage path run by threads.
//
//   reader thread        N worker threads (BatchWorker)                 story thread         writer (caller's thread)
//   Source::Next -> [in] -> decode, normalize, match, evaluate, prepare -> [out] -> reorder -> story ids -> [storied] -> store -> sinks
//
// (Without story ids the writer takes [out] itself.) Beside them: the
// reloader thread (nf-reloader) compiles a requested rule set and copies the
// source's health into the metrics; the requests thread (nf-requests)
// serves `backup`, `retag` and checkpoints of the held store
// (WriterRequestService).
//
// Batches are written in the order the source produced them, one RocksDB
// WriteBatch each, so consumer offsets stored with a batch never run ahead of
// the documents before them. Bad records never stop the run: they become
// dead letters. Run() fails for things a user must fix (bad options, missing
// input, unreadable rules, unusable DB directory), a store write error, or a
// failed final flush or close of the store (RunSummary::durable is then
// false: the run must not be reported as stored).
//
// Ownership: Run() owns everything it opens for the length of the call.
// Threads: Run() blocks its caller, which becomes the writer. Errors: Status.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "newsflow/base/status.h"
#include "newsflow/rules/compiled_rules.h"
#include "pipeline/story/story_index.h"
#include "pipeline/job/retention_stage.h"
#include "pipeline/job/run_summary.h"
#include "pipeline/job/tagger.h"
#include "pipeline/source/source.h"

namespace rocksdb {
class Env;
}
namespace newsflow::storage {
class Store;
}

namespace newsflow::pipeline {

class Metrics;
class ReloadRequests;

struct RunOptions {
  std::string source = "-";         // "-", "file:PATH", a bare PATH, "follow:PATH", or kafka://... (kafka_source.h)
  std::string format = "auto";      // cls | eastmoney | ths | auto | tagged | map:FILE
  std::string rules_dir = "rules/sets";
  std::string rules_cache_dir = DefaultRulesCacheDir();  // compiled databases kept here ("" = none); tagger.h
  std::string db;                   // RocksDB directory (required)
  int threads = 0;                  // worker threads; 0 = hardware concurrency, at most kMaxThreads
  SourceLimits limits;              // batch size and record size limits
  size_t queue_batches = 8;         // batches buffered between stages
  // Raw bytes in flight across the run (read, not yet stored), whatever the
  // line sizes: the reader waits while the cap is reached (byte_budget.h).
  // Peak memory is a small multiple of it. At least max_record_bytes.
  size_t max_inflight_bytes = kDefaultMaxInflightBytes;
  bool progress = true;             // progress line on stderr (only if stderr is a terminal)
  bool sync_writes = false;         // fsync each batch (always on for a kafka:// source)
  std::string alerts;               // "" | "file:PATH" | "kafka://HOST:PORT/TOPIC"
  // "" | PATH: a subscriptions YAML file (subscribe/subscription.h); needs
  // alerts or alert_log. The writer re-reads it when it changes (checked
  // between batches, at most once a second: an edit through the HTTP API or
  // by hand); a file that fails to load is logged and the old list stays.
  std::string subscriptions;
  // Keep the alerts in the store's alert log for its readers (the HTTP
  // stream, `newsflow alerts`) even without a sink. Set by `run --http`.
  bool alert_log = false;
  std::string dead_letter;          // "" | "kafka://HOST:PORT/TOPIC": also publish dead letters there
  // "" | "kafka://HOST:PORT/TOPIC": publish every stored document there (key
  // = its key, value = its query --json object with body), acknowledged by
  // the broker before the batch's offsets are committed: a desk node builds
  // a complete store from it with --format tagged (scale-out on Kafka).
  std::string tagged;
  std::string latency_out;          // "" | PATH: per Kafka record, commit time - record timestamp (ms), one per line
  rules::EvaluateOptions evaluate;  // scoring and span limits
  // Bulk load of a regular file (no WAL): flush the store after this many
  // records, or after a quarter of the file's bytes if that comes first
  // (5,000 records apart at least: CheckpointDue), so a crash loses only
  // the work since the last flush and a re-run resumes from there. 0 = only
  // at the end. A run that raises alerts keeps the WAL (every batch
  // survives a crash) and needs no checkpoints.
  uint64_t checkpoint_records = 20000;
  StoryOptions story;               // same-story clustering (window, threshold)
  // Pair a new document older than the story window with the stored ones
  // around its time (StoryStage): unset = for a regular file only.
  std::optional<bool> late_stories;
  // --retain: the writer prunes documents older than the cutoff between
  // batches (retention_stage.h). Off by default.
  RetentionOptions retention;
  const std::atomic<bool>* stop = nullptr;  // set by a signal handler to stop a streaming source
  // Set (by SIGHUP) to reload the rules: the run compiles and lints the rules
  // directory again off the hot path and switches to it between batches; a
  // set that fails to load, compile or lint (or lacks a tag a subscription
  // names) is rejected with a log line and the old one keeps tagging. The
  // runner clears the flag when it takes the request.
  std::atomic<bool>* reload = nullptr;
  // Reloads asked for with an answer (POST /api/rules/reload); null = none.
  ReloadRequests* reload_requests = nullptr;
  std::string seeds_dir = "seeds";  // reload's lint: where provenance seed files are
  std::string lint_allow;           // reload's lint: the allow file ("" = RULES/../lint-allow.yaml)
  // The RocksDB Env the store writes through (storage::StoreOptions::env);
  // null = the default. Tests pass one that injects I/O faults.
  std::shared_ptr<rocksdb::Env> store_env;
  // Live counters for GET /metrics (metrics/metrics.h); null = none kept.
  Metrics* metrics = nullptr;
  // Called on Run()'s thread once the rules are compiled and the store is
  // open (the HTTP server starts serving it), and before the store closes
  // (it must stop using it). The store is safe for concurrent reads.
  std::function<void(storage::Store*)> on_store_open;
  std::function<void()> on_store_closing;
  // Called on Run()'s thread about every 10 s while another command (a
  // backup, prune or retag) holds the store and the run waits for it: a
  // service manager is told the start goes on (systemd's start timeout).
  std::function<void()> on_waiting_for_store;
  // Called with the tags of the rules the run tags with: once they are
  // compiled, and after each reload (on the reloader's thread). The desk of
  // `run --http` tells a subscription edit naming a tag they lack that it
  // waits for a reload.
  std::function<void(std::shared_ptr<const std::set<std::string>>)> on_rules_loaded;

  static constexpr int kMaxThreads = 256;
  static constexpr size_t kDefaultMaxInflightBytes = size_t{256} << 20;  // 256 MiB
  // The checks every caller needs: --db given, sizes and counts in range, a
  // known format name, destinations of a known kind. InvalidArgument naming
  // the option.
  Status Validate() const;
};

// Runs to the end of the source (or until *stop). While it runs, the
// writer also serves `newsflow backup` and `retag` requests (writer_requests.h).
Status Run(const RunOptions& options, RunSummary* summary);

}  // namespace newsflow::pipeline
