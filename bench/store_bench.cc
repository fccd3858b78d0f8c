// store_bench.cc — the store stage: RocksDB writes of tagged cls records.
//
// The cls items are decoded once (bench_corpus.h) and tagged once by the
// runner's pipeline::TagWorker (normalize -> match -> evaluate), in batches of
// 1024 as the pipeline makes them. Then:
//   store/prepare/cls      PrepareStage::Process: ToRecord + PrepareRecord
//                          (validation, EncodeRecord), the part of the store
//                          work that runs on the worker threads
//   store/write/cls        Store::Write(PreparedWriteSet) into a fresh store,
//                          one RocksDB WriteBatch per batch: what the single
//                          writer thread does on file ingest, i.e. as the
//                          runner opens the store for a regular file: no WAL
//                          (disable_wal = true, sync_writes = false)
//   store/write-wal/cls    the same with the WAL, not synced (sync_writes =
//                          false): stdin, FIFOs, and a file run that raises
//                          alerts
//   store/write-sync/cls   the same with the WAL fsynced on every batch
//                          (sync_writes = true: the Kafka path)
// One iteration = all 30,201 records written, then Store::Close(), which is
// where they become durable (no WAL: the final flush of the memtables, as at
// the end of a file run; WAL: its final sync): timed. Opening and deleting
// the store are not.
// bytes = title + body bytes of the documents. The store lives under
// $NEWSFLOW_BENCH_TMP (default: the system temp dir).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "bench_corpus.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/batch.h"
#include "pipeline/job/prepare_stage.h"
#include "pipeline/job/tagger.h"

namespace newsflow::bench {
namespace {

std::filesystem::path TmpRoot() {
  if (const char* t = std::getenv("NEWSFLOW_BENCH_TMP"); t != nullptr && *t) return t;
  return std::filesystem::temp_directory_path();
}

struct Records {
  std::vector<pipeline::Batch> batches;  // the tagged items, as the prepare stage receives them
  std::vector<storage::PreparedWriteSet> sets;
  size_t records = 0, bytes = 0;
  std::string version, error;
};

const Records& ClsRecords() {
  static const Records r = [] {
    Records out;
    const Corpus& c = GetCorpus("cls");
    const ProjectRules& pr = GetProjectRules();
    out.error = c.error + pr.error;
    if (!out.error.empty()) return out;
    out.version = pr.tagger->version();
    std::unique_ptr<pipeline::TagWorker> tag;
    if (Status s = pr.tagger->NewWorker(&tag); !s.ok()) {
      out.error = s.message();
      return out;
    }
    const pipeline::PrepareStage prepare(pr.tagger->compiled());
    for (size_t i = 0; i < c.docs.size(); i += 1024) {
      pipeline::Batch b;
      for (size_t j = i; j < std::min(c.docs.size(), i + 1024); ++j) {
        pipeline::Item it;
        it.doc = c.docs[j];
        it.position = "file:cls:" + std::to_string(j + 1);
        tag->Tag(it);
        b.items.push_back(std::move(it));
      }
      for (const auto& it : b.items) out.bytes += it.doc.title.size() + it.doc.body.size();
      out.records += b.items.size();
      pipeline::Batch copy = b;
      prepare.Process(copy);
      out.sets.push_back(std::move(copy.prepared));
      out.batches.push_back(std::move(b));
    }
    return out;
  }();
  return r;
}

// How the runner opens the store for each kind of source (runner.cc,
// OpenStore).
enum class Durability {
  kNoWal,    // a regular file: bulk load, durable at the flushes
  kWal,      // stdin, a FIFO, a file run with alerts
  kWalSync,  // Kafka (or --sync-writes)
};

void BM_StoreWrite(benchmark::State& state, Durability durability) {
  const Records& r = ClsRecords();
  if (!r.error.empty()) {
    state.SkipWithError(r.error.c_str());
    return;
  }
  const auto dir = TmpRoot() / ("newsflow-store-bench-" + std::to_string(getpid()));
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    std::unique_ptr<storage::Store> store;
    storage::StoreOptions opt;
    opt.path = dir.string();
    opt.disable_wal = durability == Durability::kNoWal;
    opt.sync_writes = durability == Durability::kWalSync;
    if (auto s = storage::Store::Open(opt, &store); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    state.ResumeTiming();
    for (const auto& set : r.sets) {
      if (auto s = store->Write(set); !s.ok()) {
        state.SkipWithError(s.message().c_str());
        return;
      }
    }
    // Timed: without a WAL the records are durable only after this flush,
    // and a file run pays it before it ends.
    const Status closed = store->Close();
    state.PauseTiming();
    store.reset();
    if (!closed.ok()) {
      state.SkipWithError(closed.message().c_str());
      return;
    }
    state.ResumeTiming();
  }
  std::filesystem::remove_all(dir);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * r.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * r.records));
  state.counters["batches"] = static_cast<double>(r.sets.size());
}

// What PrepareStage does on a worker thread for every batch.
void BM_Prepare(benchmark::State& state) {
  const Records& r = ClsRecords();
  if (!r.error.empty()) {
    state.SkipWithError(r.error.c_str());
    return;
  }
  std::vector<pipeline::Batch> batches = r.batches;  // PrepareStage fills batch.prepared
  const pipeline::PrepareStage prepare(GetProjectRules().tagger->compiled());
  size_t value_bytes = 0;
  for (auto _ : state) {
    value_bytes = 0;
    for (auto& b : batches) {
      prepare.Process(b);
      for (const auto& p : b.prepared.records) value_bytes += p.value.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * r.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * r.records));
  state.counters["value_bytes"] = static_cast<double>(value_bytes);
}

BENCHMARK(BM_Prepare)->Name("store/prepare/cls")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_StoreWrite, write, Durability::kNoWal)->Name("store/write/cls")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_StoreWrite, write_wal, Durability::kWal)
    ->Name("store/write-wal/cls")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_StoreWrite, write_sync, Durability::kWalSync)
    ->Name("store/write-sync/cls")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace newsflow::bench

BENCHMARK_MAIN();
