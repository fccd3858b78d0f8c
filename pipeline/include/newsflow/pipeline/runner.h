// runner.h — the main job: source -> decode -> normalize -> match -> store.
//
//   reader thread      N worker threads                   writer (caller's thread)
//   Source::Next  ->  [queue] -> Decode, Normalize, Match -> [queue] -> reorder -> Store -> sinks
//
// Batches are written in the order the source produced them, one RocksDB
// WriteBatch each, so consumer offsets stored with a batch never run ahead of
// the documents before them. Bad records never stop the run: they become
// dead letters. Run() fails only for things a user must fix (missing input,
// unreadable rules, unusable DB directory) or a store write error.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "newsflow/pipeline/batch.h"
#include "newsflow/pipeline/source.h"

namespace newsflow::pipeline {

struct RunOptions {
  std::string source = "-";         // "-", "file:PATH", a bare PATH, or kafka://... (kafka_source.h)
  std::string format = "auto";      // cls | eastmoney | ths | auto | map:FILE
  std::string rules_dir = "rules/sets";
  std::string db;                   // RocksDB directory (required)
  int threads = 0;                  // worker threads; 0 = hardware concurrency
  SourceLimits limits;              // batch size and record size limits
  size_t queue_batches = 8;         // batches buffered between stages
  bool progress = true;             // progress line on stderr (only if stderr is a terminal)
  bool sync_writes = false;         // fsync each batch (always on for a kafka:// source)
  std::string alerts;               // "" | "file:PATH" | "kafka://HOST:PORT/TOPIC"
  std::string dead_letter;          // "" | "kafka://HOST:PORT/TOPIC": also publish dead letters there
  std::string latency_out;          // "" | PATH: per Kafka record, commit time - record timestamp (ms), one per line
  const std::atomic<bool>* stop = nullptr;  // set by a signal handler to stop a streaming source
};

struct RunSummary {
  uint64_t read = 0, stored = 0, tagged = 0, dead_lettered = 0, alerts = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> tag_counts;
  std::map<std::string, uint64_t> dead_reasons;  // reason prefix -> count
  std::string ruleset_version;
  // Kafka records only: RocksDB commit time minus the record's timestamp.
  uint64_t latency_samples = 0;
  double latency_p50_ms = 0, latency_p99_ms = 0, latency_p999_ms = 0, latency_max_ms = 0;
};

// Runs to the end of the source (or until *stop). Returns an empty string on
// success, else the message to print.
std::string Run(const RunOptions& options, RunSummary* summary);

// Human-readable summary (several lines).
std::string FormatSummary(const RunSummary& s);

}  // namespace newsflow::pipeline
