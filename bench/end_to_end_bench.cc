// end_to_end_bench.cc — file -> RocksDB, and where the time goes.
//
//   e2e/file-rocksdb/cls/threads:N/stories:S
//                                    pipeline::Run on cls-shared.jsonl.gz
//                                    into a fresh store, N worker threads,
//                                    story ids assigned (S=1) or not (S=0)
//                                    (plus the reader and the writer thread),
//                                    wall time; items = lines read; counters
//                                    cpu_us_per_item (CPU of all threads, RocksDB's
//                                    included, per item) and items_per_s_2cores_bound
//                                    (2 / that: what 2 idle cores could give)
//   e2e/startup/cache:C              what Run() does before the first item
//                                    (Tagger::Open, Store::Open), with the
//                                    compiled-rules cache warm (C=1) or off
//                                    (C=0: Hyperscan compiles every time)
//                                    The file runs use a warm cache too.
//   e2e/breakdown/cls                the runner's stage classes run one after
//                                    the other on one thread, batch by batch
//                                    (1024 lines), with a timer around each
//                                    (read on the reader thread; decode,
//                                    normalize, match, prepare on workers;
//                                    store on the writer, opened as file
//                                    ingest opens it: no WAL, the final
//                                    flush in Close() counted; "match" is
//                                    MatchStage + EvaluateStage, the scan and
//                                    the rule evaluation): counters
//                                    <stage>_s (seconds per pass) and
//                                    <stage>_pct (share of the pass)
// The store lives under $NEWSFLOW_BENCH_TMP (default: the system temp dir).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include "bench_util.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/batch.h"
#include "pipeline/job/decode_stage.h"
#include "pipeline/job/evaluate_stage.h"
#include "pipeline/job/match_stage.h"
#include "pipeline/job/normalize_stage.h"
#include "pipeline/job/prepare_stage.h"
#include "pipeline/job/runner.h"
#include "pipeline/job/store_stage.h"
#include "pipeline/job/tagger.h"
#include "pipeline/source/source.h"

namespace newsflow::bench {
namespace {

std::filesystem::path TmpRoot() {
  if (const char* t = std::getenv("NEWSFLOW_BENCH_TMP"); t != nullptr && *t) return t;
  return std::filesystem::temp_directory_path();
}

// CPU seconds used so far by every thread of the process (RocksDB's
// background threads included).
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string ClsPath() { return CorpusDir() + "/" + CorpusFile("cls"); }

// Removes a benchmark's scratch store when the benchmark returns, on its
// error paths too (SkipWithError returns early).
struct RemoveOnExit {
  std::filesystem::path dir;
  ~RemoveOnExit() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// A compiled-rules cache of this process's own, warmed once (a run after
// the first one on a machine finds its database there).
std::string WarmRulesCache() {
  static const std::string dir = [] {
    const auto d = TmpRoot() / ("newsflow-rules-cache-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(d);
    pipeline::TaggerOptions to;
    to.rules_dir = RulesDir();
    to.rules_cache_dir = d.string();
    std::shared_ptr<const pipeline::Tagger> warm;
    if (!pipeline::Tagger::Open(to, &warm).ok()) return std::string();
    std::atexit([] { std::filesystem::remove_all(TmpRoot() / ("newsflow-rules-cache-bench-" + std::to_string(getpid()))); });
    return d.string();
  }();
  return dir;
}

void BM_EndToEnd(benchmark::State& state) {
  const std::string path = ClsPath();
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("corpus not found: " + path).c_str());
    return;
  }
  const auto dir = TmpRoot() / ("newsflow-e2e-bench-" + std::to_string(getpid()));
  const RemoveOnExit cleanup{dir};
  pipeline::RunSummary sum;
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    pipeline::RunOptions o;
    o.source = path;
    o.format = "cls";
    o.rules_dir = RulesDir();
    o.rules_cache_dir = WarmRulesCache();
    o.db = dir.string();
    o.threads = static_cast<int>(state.range(0));
    o.story.enabled = state.range(1) != 0;
    o.progress = false;
    state.ResumeTiming();
    const double c0 = ProcessCpuSeconds();
    if (Status s = pipeline::Run(o, &sum); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    cpu += ProcessCpuSeconds() - c0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sum.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sum.read));
  state.counters["stored"] = static_cast<double>(sum.stored);
  state.counters["tagged"] = static_cast<double>(sum.tagged);
  state.counters["dead_lettered"] = static_cast<double>(sum.dead_lettered);
  // Load-independent cost: CPU seconds of all threads per item, and the
  // items/s two fully available cores could give at that cost.
  const double items = static_cast<double>(state.iterations() * sum.read);
  state.counters["cpu_us_per_item"] = 1e6 * cpu / items;
  state.counters["items_per_s_2cores_bound"] = 2.0 * items / cpu;
}

void BM_Breakdown(benchmark::State& state) {
  const std::string path = ClsPath();
  // Before anything is opened: no store is created for a missing corpus.
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("corpus not found: " + path).c_str());
    return;
  }
  const ProjectRules& pr = GetProjectRules();
  if (!pr.error.empty()) {
    state.SkipWithError(pr.error.c_str());
    return;
  }
  const auto dir = TmpRoot() / ("newsflow-breakdown-bench-" + std::to_string(getpid()));
  const RemoveOnExit cleanup{dir};
  const char* names[] = {"read", "decode", "normalize", "match", "prepare", "store"};
  constexpr int kParts = 6;
  double t[kParts] = {};
  size_t items = 0, bytes = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    std::unique_ptr<storage::Store> store;
    storage::StoreOptions so;
    so.path = dir.string();
    so.disable_wal = true;  // as the runner opens it for a regular file (file ingest)
    if (auto s = storage::Store::Open(so, &store); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    std::unique_ptr<pipeline::Source> src;
    if (Status s = pipeline::OpenLineSource(path, pipeline::SourceLimits{}, &src); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    pipeline::FormatSpec spec;
    if (Status s = pipeline::ParseFormatSpec("cls", &spec); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    // The stage objects a BatchWorker (decode + TagWorker + prepare) and the
    // runner's writer (store) hold, built from the same Tagger; called one
    // step at a time here so that each step can be timed.
    const pipeline::Tagger& tagger = *pr.tagger;
    std::unique_ptr<rules::ScanScratch> scratch;
    if (Status s = tagger.rules().NewScratch(&scratch); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    pipeline::DecodeStage decode(spec, pipeline::DecoderOptions{});
    const pipeline::NormalizeStage normalize(tagger.normalizer());
    pipeline::MatchStage match(tagger.rules(), scratch.get());
    pipeline::EvaluateStage evaluate(tagger.rules(), scratch.get());
    const pipeline::PrepareStage prepare(tagger.compiled());
    pipeline::StoreStage store_stage(store.get());
    std::fill(std::begin(t), std::end(t), 0.0);
    items = bytes = 0;
    for (;;) {
      pipeline::Batch b;
      auto t0 = Clock::now();
      const bool more = src->Next(&b);
      auto t1 = Clock::now();
      t[0] += Seconds(t1 - t0);
      if (!more) break;
      items += b.items.size();
      bytes += b.bytes;
      for (pipeline::Item& it : b.items) decode.Run(it);
      t0 = Clock::now();
      t[1] += Seconds(t0 - t1);
      for (pipeline::Item& it : b.items) normalize.Run(it);
      t1 = Clock::now();
      t[2] += Seconds(t1 - t0);
      for (pipeline::Item& it : b.items) {  // evaluate reads the scratch match just filled
        match.Run(it);
        evaluate.Run(it);
      }
      t0 = Clock::now();
      t[3] += Seconds(t0 - t1);
      prepare.Process(b);
      t1 = Clock::now();
      t[4] += Seconds(t1 - t0);
      const Status stored = store_stage.Process(b);
      t0 = Clock::now();
      t[5] += Seconds(t0 - t1);
      if (!stored.ok()) {
        state.SkipWithError(stored.message().c_str());
        return;
      }
    }
    if (Status s = src->status(); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    // The final flush (no WAL: the records are durable only after it, and a
    // file run pays it before it ends) counts as store time.
    const auto c0 = Clock::now();
    const Status closed = store->Close();
    t[5] += Seconds(Clock::now() - c0);
    if (!closed.ok()) {
      state.SkipWithError(closed.message().c_str());
      return;
    }
    store.reset();
    double total = 0;
    for (double x : t) total += x;
    state.SetIterationTime(total);
  }
  double total = 0;
  for (double x : t) total += x;
  for (int i = 0; i < kParts; ++i) {
    state.counters[std::string(names[i]) + "_s"] = t[i];
    state.counters[std::string(names[i]) + "_pct"] = 100.0 * t[i] / total;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items));
}

// What Run() does before the first item: pipeline::Tagger::Open (load +
// compile the rules, or load them from the warm cache; build the
// normalizer's OpenCC table), open a fresh store.
void BM_Startup(benchmark::State& state) {
  const auto dir = TmpRoot() / ("newsflow-startup-bench-" + std::to_string(getpid()));
  const RemoveOnExit cleanup{dir};
  const std::string cache = state.range(0) ? WarmRulesCache() : std::string();
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
    pipeline::TaggerOptions to;
    to.rules_dir = RulesDir();
    to.rules_cache_dir = cache;
    std::shared_ptr<const pipeline::Tagger> tagger;
    if (Status s = pipeline::Tagger::Open(to, &tagger); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    std::unique_ptr<storage::Store> store;
    storage::StoreOptions so;
    so.path = dir.string();
    if (Status s = storage::Store::Open(so, &store); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    benchmark::DoNotOptimize(tagger.get());
    if (Status s = store->Close(); !s.ok()) {  // timed, as the destructor's close was
      state.SkipWithError(s.message().c_str());
      return;
    }
  }
}

BENCHMARK(BM_Startup)->Name("e2e/startup")->ArgName("cache")->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EndToEnd)
    ->Name("e2e/file-rocksdb/cls")
    ->ArgNames({"threads", "stories"})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Args({2, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Breakdown)->Name("e2e/breakdown/cls")->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow::bench

BENCHMARK_MAIN();
