// runner.cc — wires source, worker stages and the writer together.
#include "newsflow/pipeline/runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

#include "newsflow/pipeline/alert_sink.h"
#include "newsflow/pipeline/bounded_queue.h"
#include "newsflow/pipeline/kafka_producer.h"
#include "newsflow/pipeline/kafka_source.h"
#include "newsflow/pipeline/kafka_uri.h"
#include "newsflow/pipeline/stages.h"
#include "newsflow/rules/compiled_rules.h"
#include "newsflow/storage/store.h"

namespace newsflow::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<Source> OpenSource(const RunOptions& o, storage::Store* store, std::string* error) {
  if (IsKafkaUri(o.source)) {
    KafkaSourceOptions ko;
    ko.uri = o.source;
    ko.limits = o.limits;
    ko.stop = o.stop;
    ko.lookup = [store](const std::string& group, const std::string& topic, int32_t partition,
                        std::optional<int64_t>* out) {
      const storage::Status s = store->GetOffset(group, topic, partition, out);
      return s.ok() ? std::string() : s.message();
    };
    return OpenKafkaSource(ko, error);
  }
  std::string path = o.source;
  if (path.rfind("file:", 0) == 0) path = path.substr(5);
  return OpenLineSource(path, o.limits, error);
}

// "field `id`: expected ..." -> "field `id`"; "json: TAPE_ERROR..." -> "json: TAPE_ERROR".
std::string ReasonClass(const std::string& reason) {
  const size_t colon = reason.find(':');
  if (colon == std::string::npos) return reason.substr(0, 40);
  if (reason.rfind("json:", 0) == 0) {
    const size_t end = reason.find_first_of(":(.", colon + 2);
    return reason.substr(0, std::min(end, size_t{60}));
  }
  return reason.substr(0, colon);
}

}  // namespace

std::string Run(const RunOptions& o, RunSummary* summary) {
  *summary = RunSummary{};
  if (o.db.empty()) return "--db is required";

  FormatSpec spec;
  if (std::string e = ParseFormatSpec(o.format, &spec); !e.empty()) return e;

  rules::RuleSet set;
  if (auto s = rules::LoadRuleDir(o.rules_dir, &set); !s.ok()) return "rules: " + s.message();
  std::shared_ptr<const rules::CompiledRules> compiled;
  if (auto s = rules::CompiledRules::Compile(set, &compiled); !s.ok()) return "rules: " + s.message();
  summary->ruleset_version = compiled->version();

  std::unique_ptr<Normalizer> normalizer;
  try {
    normalizer = std::make_unique<Normalizer>();
  } catch (const std::exception& e) {
    return std::string("normalizer: ") + e.what();
  }

  std::unique_ptr<storage::Store> store;
  storage::StoreOptions so;
  so.path = o.db;
  so.sync_writes = o.sync_writes || IsKafkaUri(o.source);  // offsets must be as durable as the broker's
  // A file can be run again (re-ingesting is idempotent): bulk-load it
  // without a WAL. stdin and Kafka keep the WAL.
  so.disable_wal = !IsKafkaUri(o.source) && o.source != "-" && !o.sync_writes;
  if (auto s = storage::Store::Open(so, &store); !s.ok()) return s.message();

  std::unique_ptr<AlertSink> alerts;
  if (!o.alerts.empty()) {
    std::string e;
    alerts = OpenAlertSink(o.alerts, &e);
    if (!alerts) return e;
  }

  std::unique_ptr<DeadLetterSink> dlq;
  if (!o.dead_letter.empty()) {
    std::string e;
    dlq = OpenDeadLetterSink(o.dead_letter, &e);
    if (!dlq) return e;
  }
  std::FILE* latency_file = nullptr;
  if (!o.latency_out.empty()) {
    latency_file = std::fopen(o.latency_out.c_str(), "w");
    if (!latency_file) return "cannot write " + o.latency_out + ": " + std::strerror(errno);
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> latency_closer(latency_file, [](std::FILE* f) {
    return f ? std::fclose(f) : 0;
  });
  std::vector<double> latencies;

  std::string err;
  std::unique_ptr<Source> source = OpenSource(o, store.get(), &err);
  if (!source) return err;

  const int workers = std::max(1, o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency()));
  BoundedQueue<Batch> in(o.queue_batches), out(o.queue_batches + static_cast<size_t>(workers));
  const auto t0 = Clock::now();

  // Written batches come back here, so the reader refills batches whose
  // strings and vectors already have capacity instead of allocating anew.
  BoundedQueue<Batch> recycled(o.queue_batches + static_cast<size_t>(workers) + 2);
  std::thread reader([&] {
    uint64_t seq = 0;
    for (;;) {
      Batch b = recycled.TryPop().value_or(Batch{});
      if (!source->Next(&b)) break;
      b.seq = seq++;
      if (!in.Push(std::move(b))) break;
    }
    in.Close();
  });

  DecoderOptions dopt;
  dopt.max_line_bytes = o.limits.max_record_bytes;
  std::vector<std::thread> pool;
  std::atomic<int> live_workers{workers};
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      DecodeStage decode(spec, dopt);
      NormalizeStage normalize(*normalizer);
      MatchStage match(compiled);
      PrepareStage prepare(compiled->version());
      while (auto b = in.Pop()) {
        Batch done = prepare.Process(match.Process(normalize.Process(decode.Process(std::move(*b)))));
        if (!out.Push(std::move(done))) break;
      }
      if (--live_workers == 0) out.Close();
    });
  }

  // Writer: in source order, one WriteBatch per batch, then sinks.
  StoreStage store_stage(store.get(), compiled->version());
  std::map<uint64_t, Batch> pending;
  uint64_t next_seq = 0;
  std::string fatal;
  const bool show_progress = o.progress && isatty(2);
  auto last_progress = Clock::now();
  auto write_one = [&](Batch& b) {
    b = store_stage.Process(std::move(b));
    if (!store_stage.status().ok()) {
      fatal = "store: " + store_stage.status().message();
      return;
    }
    if (latency_file) {
      const double now_ms = std::chrono::duration<double, std::milli>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
      for (const Item& it : b.items)
        if (it.kafka) {
          const double ms = now_ms - static_cast<double>(it.kafka->timestamp_ms);
          latencies.push_back(ms);
          std::fprintf(latency_file, "%.3f\n", ms);
        }
    }
    for (const Item& it : b.items) {
      ++summary->read;
      summary->bytes += it.raw.size() + 1;
      if (!it.error.empty()) {
        ++summary->dead_lettered;
        ++summary->dead_reasons[ReasonClass(it.error)];
        if (dlq)
          if (std::string e = dlq->Publish(it); !e.empty()) fatal = e;
        continue;
      }
      ++summary->stored;
      if (!it.tags.empty()) ++summary->tagged;
      bool alert = false;
      for (const auto& t : it.tags) {
        ++summary->tag_counts[t.tag];
        alert |= t.alert;
      }
      if (alert && alerts) {
        if (std::string e = alerts->Publish(ToRecord(it, compiled->version())); !e.empty()) fatal = e;
        ++summary->alerts;
      }
    }
    if (alerts)
      if (std::string e = alerts->Flush(); !e.empty()) fatal = e;
    if (dlq)
      if (std::string e = dlq->Flush(); !e.empty()) fatal = e;
    if (!fatal.empty()) return;  // not acknowledged: do not tell the source it is done
    source->Committed(b);
    if (show_progress && Clock::now() - last_progress > std::chrono::milliseconds(500)) {
      last_progress = Clock::now();
      const double secs = std::chrono::duration<double>(last_progress - t0).count();
      std::string pct;
      if (source->bytes_total() > 0)
        pct = fmt::format(" {:5.1f}% of input,", 100.0 * static_cast<double>(source->bytes_read()) /
                                                 static_cast<double>(source->bytes_total()));
      std::fprintf(stderr, "\r%s %llu items, %.0f items/s, %.1f MB/s, %.1f%% tagged   ", pct.c_str(),
                   static_cast<unsigned long long>(summary->read), static_cast<double>(summary->read) / secs,
                   static_cast<double>(summary->bytes) / secs / 1e6,
                   summary->stored ? 100.0 * static_cast<double>(summary->tagged) / static_cast<double>(summary->stored)
                                   : 0.0);
    }
  };
  while (auto b = out.Pop()) {
    if (!fatal.empty()) continue;  // drain so the workers can finish
    pending.emplace(b->seq, std::move(*b));
    while (fatal.empty() && !pending.empty() && pending.begin()->first == next_seq) {
      Batch ready = std::move(pending.begin()->second);
      pending.erase(pending.begin());
      ++next_seq;
      write_one(ready);
      (void)recycled.TryPush(std::move(ready));
    }
    if (!fatal.empty()) {
      source->Stop();
      in.Close();
    }
  }
  reader.join();
  for (auto& t : pool) t.join();
  if (show_progress) std::fprintf(stderr, "\n");
  summary->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double q) {
      return latencies[std::min(latencies.size() - 1, static_cast<size_t>(q * static_cast<double>(latencies.size())))];
    };
    summary->latency_samples = latencies.size();
    summary->latency_p50_ms = pct(0.50);
    summary->latency_p99_ms = pct(0.99);
    summary->latency_p999_ms = pct(0.999);
    summary->latency_max_ms = latencies.back();
  }
  if (!fatal.empty()) return fatal;
  if (!source->error().empty()) return source->error();
  return "";
}

std::string FormatSummary(const RunSummary& s) {
  std::string out;
  const double secs = s.seconds > 0 ? s.seconds : 1e-9;
  out += fmt::format("read {}  stored {}  tagged {} ({:.1f}%)  dead-lettered {}  alerts {}\n", s.read, s.stored,
                     s.tagged, s.stored ? 100.0 * static_cast<double>(s.tagged) / static_cast<double>(s.stored) : 0.0,
                     s.dead_lettered, s.alerts);
  out += fmt::format("{:.2f} s  {:.0f} items/s  {:.1f} MB/s  rule set {}\n", s.seconds,
                     static_cast<double>(s.read) / secs, static_cast<double>(s.bytes) / secs / 1e6,
                     s.ruleset_version);
  std::vector<std::pair<uint64_t, std::string>> top;
  for (const auto& [tag, n] : s.tag_counts) top.emplace_back(n, tag);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (!top.empty()) {
    out += "top tags:";
    for (size_t i = 0; i < std::min<size_t>(top.size(), 12); ++i)
      out += fmt::format("{}{} {}", i % 4 == 0 ? "\n  " : "   ", top[i].second, top[i].first);
    out += '\n';
  }
  if (s.latency_samples > 0)
    out += fmt::format("latency (record timestamp -> RocksDB commit, {} records): p50 {:.1f} ms  p99 {:.1f} ms  "
                       "p99.9 {:.1f} ms  max {:.1f} ms\n",
                       s.latency_samples, s.latency_p50_ms, s.latency_p99_ms, s.latency_p999_ms, s.latency_max_ms);
  if (!s.dead_reasons.empty()) {
    out += "dead letters:";
    for (const auto& [r, n] : s.dead_reasons) out += fmt::format("\n  {} {}", r, n);
    out += '\n';
  }
  return out;
}

}  // namespace newsflow::pipeline
