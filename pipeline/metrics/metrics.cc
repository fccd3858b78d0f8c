// metrics.cc — the run's metrics in prometheus-cpp's data model, and their
// text exposition by its TextSerializer.
#include "pipeline/metrics/metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <tuple>

namespace newsflow::pipeline {

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

Metrics::Metrics() {
  const prometheus::Histogram::BucketBoundaries bounds(kStageBounds.begin(), kStageBounds.end());
  for (auto& h : stages_) h = std::make_unique<prometheus::Histogram>(bounds);
}

Metrics::~Metrics() = default;

void Metrics::ObserveStage(Stage s, double seconds) {
  if (!(seconds >= 0)) seconds = 0;
  stages_[static_cast<size_t>(s)]->Observe(seconds);
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

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, MetricType type, std::string help) {
  MetricFamily f;
  f.name = std::move(name);
  f.type = type;
  f.help = std::move(help);
  return f;
}

// One sample of a counter or gauge family.
void Add(MetricFamily* f, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f->type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f->metric.push_back(std::move(m));
}

MetricFamily Scalar(std::string name, MetricType type, std::string help, double value) {
  MetricFamily f = Family(std::move(name), type, std::move(help));
  Add(&f, value);
  return f;
}

}  // namespace

std::string Metrics::Render() const {
  constexpr auto kCounter = MetricType::Counter;
  constexpr auto kGauge = MetricType::Gauge;
  auto load = [](const auto& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
  std::vector<MetricFamily> families;
  const bool runs = runs_pipeline.load(std::memory_order_relaxed);
  if (runs) {
    families.push_back(Scalar("newsflow_items_read_total", kCounter,
                              "Items read from the source (stored or dead-lettered).", load(items_read)));
    families.push_back(Scalar("newsflow_items_stored_total", kCounter, "Documents durably written to the store.",
                              load(items_stored)));
    families.push_back(Scalar("newsflow_dead_letters_total", kCounter,
                              "Items that could not be processed, stored as dead letters.", load(dead_letters)));
    families.push_back(
        Scalar("newsflow_alerts_published_total", kCounter, "Alerts the sink acknowledged.", load(alerts_published)));
  }
  if (const int64_t n = store_documents.load(std::memory_order_relaxed); n >= 0)
    families.push_back(Scalar("newsflow_store_documents", kGauge,
                              "Documents the store holds now (falls when retention prunes).", static_cast<double>(n)));
  if (const int64_t n = store_dead_letters.load(std::memory_order_relaxed); n >= 0)
    families.push_back(
        Scalar("newsflow_store_dead_letters", kGauge, "Dead letters the store holds now.", static_cast<double>(n)));
  families.push_back(Scalar("newsflow_alerts_pending", kGauge,
                            "Alerts stored in the outbox, not yet acknowledged by the sink.", load(alerts_pending)));
  if (runs) {
    families.push_back(Scalar("newsflow_source_connected", kGauge,
                              "1 while the source is connected (0: a Kafka broker is down).",
                              source_connected.load(std::memory_order_relaxed) ? 1 : 0));
    families.push_back(Scalar("newsflow_kafka_uncommitted_handovers_total", kCounter,
                              "Kafka partitions revoked from this member without their last offset commit (another "
                              "member may store their last records again).",
                              load(kafka_uncommitted_handovers)));
    MetricFamily stages =
        Family("newsflow_stage_seconds", MetricType::Histogram, "Seconds one batch spent in a stage.");
    for (size_t i = 0; i < stages_.size(); ++i) {
      ClientMetric m = stages_[i]->Collect();
      m.label = {{"stage", std::string(StageName(static_cast<Stage>(i)))}};
      stages.metric.push_back(std::move(m));
    }
    families.push_back(std::move(stages));
  }

  MetricFamily reloads = Family("newsflow_rules_reloads_total", kCounter, "Hot reloads of the rules, taken or rejected.");
  Add(&reloads, load(reloads_ok), {{"result", "ok"}});
  Add(&reloads, load(reloads_rejected), {{"result", "rejected"}});
  families.push_back(std::move(reloads));

  std::lock_guard lock(mu_);
  MetricFamily info = Family("newsflow_ruleset_info", kGauge, "The rule set tagging now (its version label).");
  if (!ruleset_version_.empty()) Add(&info, 1, {{"version", ruleset_version_}});
  families.push_back(std::move(info));
  MetricFamily lag = Family("newsflow_kafka_consumer_lag", kGauge,
                            "Messages between the consumer's position and the partition's high watermark.");
  for (const auto& [topic, partition, n] : kafka_lag_)
    Add(&lag, static_cast<double>(n), {{"topic", topic}, {"partition", std::to_string(partition)}});
  families.push_back(std::move(lag));
  MetricFamily http = Family("newsflow_http_requests_total", kCounter, "HTTP requests answered, by status code.");
  for (const auto& [code, n] : http_requests_) Add(&http, static_cast<double>(n), {{"code", std::to_string(code)}});
  families.push_back(std::move(http));
  families.push_back(Scalar("newsflow_http_requests_abandoned_total", kCounter,
                            "Requests dropped unrun: the client closed the connection while they waited.",
                            load(http_abandoned)));
  families.push_back(Scalar("newsflow_sse_streams", kGauge, "Alert streams (SSE) open.", load(sse_streams)));
  families.push_back(Scalar("newsflow_sse_streams_dropped_total", kCounter,
                            "Alert stream clients dropped because a write to them waited past the deadline.",
                            load(sse_dropped)));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace newsflow::pipeline
