// metrics.h — the run's live counters, gauges and stage histograms, and
// their Prometheus text exposition (format 0.0.4) for `GET /metrics`.
//
//   newsflow_items_read_total              counter
//   newsflow_items_stored_total            counter
//   newsflow_dead_letters_total            counter
//   newsflow_alerts_published_total        counter (acknowledged by the sink)
//   newsflow_alerts_pending                gauge   (in the outbox)
//   newsflow_stage_seconds{stage}          histogram, one observation per batch and stage
//   newsflow_kafka_consumer_lag{topic,partition}  gauge (Kafka sources)
//   newsflow_ruleset_info{version}         gauge 1 (the rule set tagging now)
//   newsflow_source_connected              gauge 1/0
//   newsflow_rules_reloads_total{result}   counter (ok | rejected)
//   newsflow_http_requests_total{code}     counter
//
// Debian ships no Prometheus client library for C++ (prometheus-cpp is not
// packaged), and the text format is a few lines per family, so it is
// written here; tests/http parses it with python's prometheus_client.
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
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace newsflow::pipeline {

// A fixed-bucket histogram of seconds (Prometheus `le` buckets, cumulative
// when rendered).
class SecondsHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
  void Observe(double seconds);
  // Appends the _bucket/_sum/_count lines with `labels` (e.g. stage="match").
  void Render(std::string_view name, std::string_view labels, std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // last: +Inf only
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};
};

// The stages the runner times (label values of newsflow_stage_seconds).
enum class Stage { kDecode, kTag, kPrepare, kStory, kAlerts, kStore, kPublish, kCount };
std::string_view StageName(Stage s);

class Metrics {
 public:
  std::atomic<uint64_t> items_read{0};
  std::atomic<uint64_t> items_stored{0};
  std::atomic<uint64_t> dead_letters{0};
  std::atomic<uint64_t> alerts_published{0};
  std::atomic<int64_t> alerts_pending{0};
  std::atomic<uint64_t> reloads_ok{0}, reloads_rejected{0};
  std::atomic<bool> source_connected{true};
  // Set by the runner once its rules are compiled and its store is open.
  std::atomic<bool> pipeline_open{false};

  void ObserveStage(Stage s, double seconds) { stages_[static_cast<size_t>(s)].Observe(seconds); }
  void SetRulesetVersion(std::string version);
  std::string ruleset_version() const;
  // Replaces the consumer lag of every partition (topic, partition, lag).
  void SetKafkaLag(std::vector<std::tuple<std::string, int32_t, int64_t>> lag);
  void CountHttpRequest(int status);

  // The whole exposition, text format 0.0.4.
  std::string Render() const;

 private:
  std::array<SecondsHistogram, static_cast<size_t>(Stage::kCount)> stages_;
  mutable std::mutex mu_;  // guards the strings and maps below
  std::string ruleset_version_;
  std::vector<std::tuple<std::string, int32_t, int64_t>> kafka_lag_;
  std::map<int, uint64_t> http_requests_;
};

// A label value escaped for the text format (\\, \", \n).
std::string PromLabelValue(std::string_view v);

}  // namespace newsflow::pipeline
