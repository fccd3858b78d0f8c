// metrics.cc — counters and the Prometheus text exposition.
#include "pipeline/metrics/metrics.h"

#include <fmt/format.h>

#include <cmath>
#include <tuple>

namespace newsflow::pipeline {

void SecondsHistogram::Observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // NaN or negative clock steps count as 0
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e9)), std::memory_order_relaxed);
}

void SecondsHistogram::Render(std::string_view name, std::string_view labels, std::string* out) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    *out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, kBounds[i], cumulative);
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  // The count is the +Inf bucket, so the two always agree within a scrape.
  *out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  *out += fmt::format("{}_sum{{{}}} {:.9f}\n", name, labels,
                      static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9);
  *out += fmt::format("{}_count{{{}}} {}\n", name, labels, cumulative);
}

std::string_view StageName(Stage s) {
  switch (s) {
    case Stage::kDecode: return "decode";
    case Stage::kTag: return "tag";
    case Stage::kPrepare: return "prepare";
    case Stage::kStory: return "story";
    case Stage::kAlerts: return "alerts";
    case Stage::kStore: return "store";
    case Stage::kPublish: return "publish";
    case Stage::kCount: break;
  }
  return "unknown";
}

std::string PromLabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void Metrics::SetRulesetVersion(std::string version) {
  std::lock_guard lock(mu_);
  ruleset_version_ = std::move(version);
}

std::string Metrics::ruleset_version() const {
  std::lock_guard lock(mu_);
  return ruleset_version_;
}

void Metrics::SetKafkaLag(std::vector<std::tuple<std::string, int32_t, int64_t>> lag) {
  std::lock_guard lock(mu_);
  kafka_lag_ = std::move(lag);
}

void Metrics::CountHttpRequest(int status) {
  std::lock_guard lock(mu_);
  ++http_requests_[status];
}

namespace {

void Family(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string Metrics::Render() const {
  std::string out;
  auto scalar = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    Family(&out, name, type, help);
    out += fmt::format("{} {}\n", name, value);
  };
  scalar("newsflow_items_read_total", "counter", "Items read from the source (stored or dead-lettered).",
         items_read.load(std::memory_order_relaxed));
  scalar("newsflow_items_stored_total", "counter", "Documents durably written to the store.",
         items_stored.load(std::memory_order_relaxed));
  scalar("newsflow_dead_letters_total", "counter", "Items that could not be processed, stored as dead letters.",
         dead_letters.load(std::memory_order_relaxed));
  scalar("newsflow_alerts_published_total", "counter", "Alerts the sink acknowledged.",
         alerts_published.load(std::memory_order_relaxed));
  scalar("newsflow_alerts_pending", "gauge", "Alerts stored in the outbox, not yet acknowledged by the sink.",
         alerts_pending.load(std::memory_order_relaxed));
  scalar("newsflow_source_connected", "gauge", "1 while the source is connected (0: a Kafka broker is down).",
         source_connected.load(std::memory_order_relaxed) ? 1 : 0);
  Family(&out, "newsflow_stage_seconds", "histogram", "Seconds one batch spent in a stage.");
  for (size_t i = 0; i < stages_.size(); ++i)
    stages_[i].Render("newsflow_stage_seconds", fmt::format("stage=\"{}\"", StageName(static_cast<Stage>(i))), &out);
  Family(&out, "newsflow_rules_reloads_total", "counter", "Hot reloads of the rules, taken or rejected.");
  out += fmt::format("newsflow_rules_reloads_total{{result=\"ok\"}} {}\n", reloads_ok.load());
  out += fmt::format("newsflow_rules_reloads_total{{result=\"rejected\"}} {}\n", reloads_rejected.load());
  std::lock_guard lock(mu_);
  Family(&out, "newsflow_ruleset_info", "gauge", "The rule set tagging now (its version label).");
  if (!ruleset_version_.empty())
    out += fmt::format("newsflow_ruleset_info{{version=\"{}\"}} 1\n", PromLabelValue(ruleset_version_));
  Family(&out, "newsflow_kafka_consumer_lag", "gauge",
         "Messages between the consumer's position and the partition's high watermark.");
  for (const auto& [topic, partition, lag] : kafka_lag_)
    out += fmt::format("newsflow_kafka_consumer_lag{{topic=\"{}\",partition=\"{}\"}} {}\n", PromLabelValue(topic),
                       partition, lag);
  Family(&out, "newsflow_http_requests_total", "counter", "HTTP requests answered, by status code.");
  for (const auto& [code, n] : http_requests_)
    out += fmt::format("newsflow_http_requests_total{{code=\"{}\"}} {}\n", code, n);
  return out;
}

}  // namespace newsflow::pipeline
