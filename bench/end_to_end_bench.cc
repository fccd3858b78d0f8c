// end_to_end_bench.cc — file -> RocksDB, and where the time goes.
//
//   e2e/file-rocksdb/cls/threads:N   pipeline::Run on cls-shared.jsonl.gz
//                                    into a fresh store, N worker threads
//                                    (plus the reader and the writer thread),
//                                    wall time; items = lines read; counters
//                                    cpu_us_per_item (CPU of all threads, RocksDB's
//                                    included, per item) and items_per_s_2cores_bound
//                                    (2 / that: what 2 idle cores could give)
//   e2e/startup                      what Run() does before the first item
//   e2e/breakdown/cls                the same stages run one after the other
//                                    on one thread, batch by batch (1024
//                                    lines), with a timer around each (read on
//                                    the reader thread; decode, normalize, match,
//                                    prepare on workers; store on the writer):
//                                    counters <stage>_s (seconds per pass)
//                                    and <stage>_pct (share of the pass)
// The store lives under $NEWSFLOW_BENCH_TMP (default: the system temp dir).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include "bench_util.h"
#include "newsflow/pipeline/runner.h"
#include "newsflow/pipeline/source.h"
#include "newsflow/pipeline/stages.h"

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

void BM_EndToEnd(benchmark::State& state) {
  const std::string path = ClsPath();
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("corpus not found: " + path).c_str());
    return;
  }
  const auto dir = TmpRoot() / ("newsflow-e2e-bench-" + std::to_string(getpid()));
  pipeline::RunSummary sum;
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    pipeline::RunOptions o;
    o.source = path;
    o.format = "cls";
    o.rules_dir = RulesDir();
    o.db = dir.string();
    o.threads = static_cast<int>(state.range(0));
    o.progress = false;
    state.ResumeTiming();
    const double c0 = ProcessCpuSeconds();
    if (std::string e = pipeline::Run(o, &sum); !e.empty()) {
      state.SkipWithError(e.c_str());
      return;
    }
    cpu += ProcessCpuSeconds() - c0;
  }
  std::filesystem::remove_all(dir);
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
  const ProjectRules& pr = GetProjectRules();
  if (!pr.error.empty()) {
    state.SkipWithError(pr.error.c_str());
    return;
  }
  const auto dir = TmpRoot() / ("newsflow-breakdown-bench-" + std::to_string(getpid()));
  const char* names[] = {"read", "decode", "normalize", "match", "prepare", "store"};
  constexpr int kParts = 6;
  double t[kParts] = {};
  size_t items = 0, bytes = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    std::unique_ptr<storage::Store> store;
    storage::StoreOptions so;
    so.path = dir.string();
    if (auto s = storage::Store::Open(so, &store); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    std::string err;
    auto src = pipeline::OpenLineSource(path, pipeline::SourceLimits{}, &err);
    if (!src) {
      state.SkipWithError(err.c_str());
      return;
    }
    pipeline::FormatSpec spec;
    (void)pipeline::ParseFormatSpec("cls", &spec);
    pipeline::DecodeStage decode(spec, pipeline::DecoderOptions{});
    pipeline::NormalizeStage normalize(SharedNormalizer());
    pipeline::MatchStage match(pr.compiled);
    pipeline::PrepareStage prepare(pr.compiled->version());
    pipeline::StoreStage store_stage(store.get(), pr.compiled->version());
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
      b = decode.Process(std::move(b));
      t0 = Clock::now();
      t[1] += Seconds(t0 - t1);
      b = normalize.Process(std::move(b));
      t1 = Clock::now();
      t[2] += Seconds(t1 - t0);
      b = match.Process(std::move(b));
      t0 = Clock::now();
      t[3] += Seconds(t0 - t1);
      b = prepare.Process(std::move(b));
      t1 = Clock::now();
      t[4] += Seconds(t1 - t0);
      b = store_stage.Process(std::move(b));
      t0 = Clock::now();
      t[5] += Seconds(t0 - t1);
      if (!store_stage.status().ok()) {
        state.SkipWithError(store_stage.status().message().c_str());
        return;
      }
    }
    double total = 0;
    for (double x : t) total += x;
    state.SetIterationTime(total);
    store.reset();
  }
  std::filesystem::remove_all(dir);
  double total = 0;
  for (double x : t) total += x;
  for (int i = 0; i < kParts; ++i) {
    state.counters[std::string(names[i]) + "_s"] = t[i];
    state.counters[std::string(names[i]) + "_pct"] = 100.0 * t[i] / total;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items));
}

// What Run() does before the first item: load + compile the rules, build
// the normalizer (OpenCC table), open a fresh store.
void BM_Startup(benchmark::State& state) {
  const auto dir = TmpRoot() / ("newsflow-startup-bench-" + std::to_string(getpid()));
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
    rules::RuleSet set;
    std::shared_ptr<const rules::CompiledRules> compiled;
    if (auto s = rules::LoadRuleDir(RulesDir(), &set); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    if (auto s = rules::CompiledRules::Compile(set, &compiled); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    pipeline::Normalizer nz;
    std::unique_ptr<storage::Store> store;
    storage::StoreOptions so;
    so.path = dir.string();
    if (auto s = storage::Store::Open(so, &store); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    benchmark::DoNotOptimize(&nz);
  }
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_Startup)->Name("e2e/startup")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EndToEnd)->Name("e2e/file-rocksdb/cls")->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Breakdown)->Name("e2e/breakdown/cls")->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow::bench

BENCHMARK_MAIN();
