// story_bench.cc — what same-story clustering costs per item.
//
//   story/sketch             BuildStorySketch on every item of cls, eastmoney
//                            and ths (normalized text in, sketch out): the
//                            worker-thread part; items/s, us_per_item
//   story/assign             StoryIndex::Assign on the three feeds merged in
//                            time order (a fresh index per pass, 24 h window):
//                            the story-thread part; items/s, us_per_item,
//                            counters joined (share of items that joined a
//                            story), window_docs (mean documents in the
//                            window), scored_per_item (candidates the model
//                            scored, per item), bytes_per_window_doc (index
//                            memory / documents in the window, at the end of
//                            the pass)
//   story/merged_docs        writes the merged items' normalized text with
//                            their times to $NEWSFLOW_STORY_DOCS when set
//                            (input of bench/peers/datasketch, run by
//                            bench/run.sh), so the peer clusters the very
//                            same items in the same order
// With NEWSFLOW_BENCH_QUICK set (bench/run.sh --quick) all three take only
// the first 20,000 items of the merged feeds.
#include <benchmark/benchmark.h>

#include <fstream>
#include <numeric>

#include "bench_corpus.h"
#include "pipeline/story/story_index.h"

namespace newsflow::bench {
namespace {

struct MergedItem {
  int64_t time_ms;
  const pipeline::Document* doc;
  const std::string* title;
  const std::string* body;
};

const std::vector<MergedItem>& Merged(std::string* error) {
  static std::vector<MergedItem> items;
  static std::string err;
  static bool done = false;
  if (!done) {
    done = true;
    for (const char* feed : {"cls", "eastmoney", "ths"}) {
      const Corpus& c = GetCorpus(feed);
      if (!c.error.empty()) {
        err = c.error;
        break;
      }
      for (size_t i = 0; i < c.docs.size(); ++i)
        items.push_back({c.docs[i].time_ms, &c.docs[i], &c.title_norm[i].text, &c.body_norm[i].text});
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const MergedItem& a, const MergedItem& b) { return a.time_ms < b.time_ms; });
    if (Quick() && items.size() > 20000) items.resize(20000);
  }
  *error = err;
  return items;
}

void BM_Sketch(benchmark::State& state) {
  std::string error;
  const auto& items = Merged(&error);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  pipeline::StorySketch s;
  for (auto _ : state) {
    for (const auto& it : items) {
      pipeline::BuildStorySketch(*it.title, *it.body, &s, it.doc->stock_codes);
      benchmark::DoNotOptimize(s.grams.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items.size()));
  state.counters["us_per_item"] = benchmark::Counter(static_cast<double>(items.size()) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

void BM_Assign(benchmark::State& state) {
  std::string error;
  const auto& items = Merged(&error);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<pipeline::StorySketch> sketches(items.size());
  for (size_t i = 0; i < items.size(); ++i)
    pipeline::BuildStorySketch(*items[i].title, *items[i].body, &sketches[i], items[i].doc->stock_codes);
  double joined = 0, window_docs = 0, bytes_per_doc = 0, scored = 0;
  for (auto _ : state) {
    // The index takes the sketches (the pipeline moves them out of its
    // items): hand it copies, made outside the timing.
    state.PauseTiming();
    std::vector<pipeline::StorySketch> pass = sketches;
    state.ResumeTiming();
    pipeline::StoryIndex index(pipeline::StoryOptions{});
    double window_sum = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& d = *items[i].doc;
      if (index.Find(d.key)) {
        benchmark::DoNotOptimize(index.Update(d.key, d.source, d.time_ms, std::move(pass[i])));
      } else if (index.InWindow(d.time_ms)) {
        benchmark::DoNotOptimize(index.Assign(d.key, d.source, d.time_ms, std::move(pass[i])));
      }
      window_sum += static_cast<double>(index.size());
    }
    state.PauseTiming();
    pass.clear();
    joined = static_cast<double>(index.stats().joined) / static_cast<double>(items.size());
    scored = static_cast<double>(index.stats().candidates_scored) / static_cast<double>(items.size());
    window_docs = window_sum / static_cast<double>(items.size());
    bytes_per_doc = static_cast<double>(index.MemoryBytes()) / static_cast<double>(std::max<size_t>(1, index.size()));
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items.size()));
  state.counters["us_per_item"] = benchmark::Counter(static_cast<double>(items.size()) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
  state.counters["joined"] = joined;
  state.counters["window_docs"] = window_docs;
  state.counters["scored_per_item"] = scored;
  state.counters["bytes_per_window_doc"] = bytes_per_doc;
}

// Not a timing: the peer's input, written once when asked for.
void BM_MergedDocs(benchmark::State& state) {
  std::string error;
  const auto& items = Merged(&error);
  const char* path = std::getenv("NEWSFLOW_STORY_DOCS");
  for (auto _ : state) {
    if (!error.empty() || path == nullptr || !*path) continue;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const auto& it : items) {
      std::string text = *it.title + " " + *it.body;
      std::replace(text.begin(), text.end(), '\n', ' ');
      std::replace(text.begin(), text.end(), '\t', ' ');
      out << it.time_ms << '\t' << it.doc->source << '\t' << it.doc->key << '\t' << text << '\n';
    }
  }
  state.counters["items"] = static_cast<double>(items.size());
}

BENCHMARK(BM_Sketch)->Name("story/sketch")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Assign)->Name("story/assign")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MergedDocs)->Name("story/merged_docs")->Iterations(1);

}  // namespace
}  // namespace newsflow::bench

BENCHMARK_MAIN();
