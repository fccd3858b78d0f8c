// metrics.h — the run's live counters, gauges and stage histograms, and
// their Prometheus text exposition (format 0.0.4) for `GET /metrics`.
//
//   newsflow_items_read_total              counter (these four, the stage histograms
//   newsflow_items_stored_total            counter  and source_connected: what this
//   newsflow_dead_letters_total            counter  process's run did; not shown by a
//   newsflow_alerts_published_total        counter  reader, serve: runs_pipeline false)
//   newsflow_store_documents               gauge   (documents the store holds now:
//                                                   falls when retention prunes)
//   newsflow_store_dead_letters            gauge   (dead letters the store holds)
//   newsflow_alerts_pending                gauge   (in the outbox)
//   newsflow_stage_seconds{stage}          histogram, one observation per batch and stage
//   newsflow_kafka_consumer_lag{topic,partition}  gauge (Kafka sources)
//   newsflow_kafka_uncommitted_handovers_total counter (partitions revoked without their
//                                                   last commit: their last records may
//                                                   be stored by another member too)
//   newsflow_ruleset_info{version}         gauge 1 (the rule set tagging now)
//   newsflow_source_connected              gauge 1/0
//   newsflow_rules_reloads_total{result}   counter (ok | rejected)
//   newsflow_http_requests_total{code}     counter
//   newsflow_http_requests_abandoned_total counter (dropped unrun: the client closed
//                                                   while the request waited)
//   newsflow_sse_streams                   gauge   (alert streams open)
//   newsflow_sse_streams_dropped_total     counter (clients that did not read: a write
//                                                   waited past the deadline)
//
// The stage histograms and the exposition are prometheus-cpp's (Debian's
// prometheus-cpp-dev; only its core library: the metric types, the data
// model and the text serializer, not its civetweb exposer, since the desk's
// HTTP server serves /metrics). The hot counters stay plain relaxed atomics
// the runner bumps, read into the data model at scrape time. tests/http
// parses the output with python's prometheus_client.
//
// Ownership: one Metrics per process, shared by pointer (the runner writes,
// the HTTP server reads). Threads: every method is thread-safe; counters
// are relaxed atomics (a scrape sees each value at some recent instant).
// Errors: none.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prometheus {
class Histogram;
}

namespace newsflow::pipeline {

// The stages the runner times (label values of newsflow_stage_seconds).
enum class Stage { kDecode, kTag, kPrepare, kStory, kAlerts, kStore, kPublish, kCount };
std::string_view StageName(Stage s);

class Metrics {
 public:
  Metrics();
  ~Metrics();
  std::atomic<uint64_t> items_read{0};
  std::atomic<uint64_t> items_stored{0};
  std::atomic<uint64_t> dead_letters{0};
  std::atomic<uint64_t> alerts_published{0};
  std::atomic<int64_t> alerts_pending{0};
  std::atomic<uint64_t> reloads_ok{0}, reloads_rejected{0};
  std::atomic<bool> source_connected{true};
  std::atomic<uint64_t> kafka_uncommitted_handovers{0};  // OffsetChecks::uncommitted_handovers
  // What the store holds now, from its counters (-1: not read yet, not shown).
  std::atomic<int64_t> store_documents{-1}, store_dead_letters{-1};
  // False for a process that only reads a store (serve): the four counters
  // of items and alerts above, the stage histograms and source_connected
  // stay out of the exposition, which then shows no run's figures as if
  // they were zero or the store's contents.
  std::atomic<bool> runs_pipeline{true};
  // The HTTP server's (http_server.h).
  std::atomic<uint64_t> http_abandoned{0};
  std::atomic<int64_t> sse_streams{0};
  std::atomic<uint64_t> sse_dropped{0};
  // Set by the runner once its rules are compiled and its store is open.
  std::atomic<bool> pipeline_open{false};

  // Seconds one batch spent in stage s (NaN or negative clock steps count as 0).
  void ObserveStage(Stage s, double seconds);
  void SetRulesetVersion(std::string version);
  std::string ruleset_version() const;
  // Replaces the consumer lag of every partition (topic, partition, lag).
  void SetKafkaLag(std::vector<std::tuple<std::string, int32_t, int64_t>> lag);
  void CountHttpRequest(int status);

  // The whole exposition, text format 0.0.4.
  std::string Render() const;

 private:
  // newsflow_stage_seconds buckets.
  static constexpr std::array<double, 12> kStageBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                          0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
  std::array<std::unique_ptr<prometheus::Histogram>, static_cast<size_t>(Stage::kCount)> stages_;
  mutable std::mutex mu_;  // guards the strings and maps below
  std::string ruleset_version_;
  std::vector<std::tuple<std::string, int32_t, int64_t>> kafka_lag_;
  std::map<int, uint64_t> http_requests_;
};

}  // namespace newsflow::pipeline
