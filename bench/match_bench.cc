// match_bench.cc — the match stage: engines side by side, sweeps, rule
// evaluation, and memcpy/memchr over the same bytes as the ceiling.
//
// Names (one iteration = one pass over all documents of the input):
//   match/<engine>/<corpus>     the engines on the comparison keyword set
//                               (engines/project_patterns.h) over the
//                               corpus's engine texts (bench_corpus.h):
//     hyperscan          the project's CompiledRules compiled from the real
//                        rule set (rules/sets: regexes and all, the pipeline's
//                        database), block scan per document; reports the
//                        comparison keywords
//     hyperscan-utf8     the same CompiledRules with CompileOptions::
//                        leadless_scan off: Hyperscan scans the UTF-8 bytes,
//                        not the text's leadless form (rules/src/leadless_text.h)
//     hyperscan-literal  CompiledRules compiled from the comparison keywords
//     literal-tier       the same keywords in CompiledRules' literal tier
//                        (CompileOptions::literal_tier_from = 0: a
//                        character-wise Aho-Corasick automaton)
//                        only (literal API): the same keyword set as the peers
//     hyperscan-batched  raw Hyperscan over 64 KB blocks of joined documents
//     re2set, pcre2-jit, naive   see engines/*.h
//   ceiling/memcpy/<corpus>, ceiling/memchr/<corpus>   same bytes, per document
//   stage/match/cls             the runner's match step: MatchStage::Run (scan)
//                               then EvaluateStage::Run (evaluate + spans mapped
//                               back to the original text) per item, on the
//                               Tagger's rules, batches of 1024
//   stage/scan+evaluate/cls     CompiledRules::Tag on title '\n' body
//   stage/scan+evaluate/cls/first:4000   the same on the first 4,000 cls
//                               documents: the Lucene Monitor peer's quick-mode
//                               documents, for a ratio on the same documents
//   stage/evaluate/cls          CompiledRules::Evaluate alone (manual timing)
//   sweep/rules/<engine>/<n>    the comparison set (n = its size), then 1k,
//                               10k, 100k corpus n-grams; over SweepDocs()
//   sweep/doclen/<engine>/<L>   documents of L bytes cut from cls
//   sweep/threads/<engine>/cls  1 and 2 threads, each scanning all of cls.
//                               Google Benchmark 1.7.1 reports real_time as
//                               the mean of the threads' real times (it
//                               divides their sum by the thread count), so
//                               bytes_per_second is all threads' bytes over
//                               that mean, not over the pass's wall time
//   sweep/density/<engine>/<band>  200 n-grams of a frequency band
//   sweep/keywords/<engine>/<subset>  subsets of the comparison keywords on
//                               cls: all, no-2char-cjk (without the CJK
//                               keywords of two characters), over-6-bytes
//                               (without any keyword of <= 6 bytes), cjk-only,
//                               ascii-only, first-206
//   watchlist/<engine>/<n>      the real rule set plus a watch list of n
//                               company-name-like literals (n = 20000, 100000;
//                               bench_corpus.h: WatchlistNames) over cls:
//     hyperscan          CompiledRules of the real rule set + one rule per
//                        name (the pipeline's database with the list
//                        deployed as rules); reports the comparison
//                        keywords + the names, as the peers' patterns file
//     hyperscan-utf8     the same with leadless_scan off
//     literal-tier       the same CompiledRules with every literal in its
//                        Aho-Corasick tier (literal_tier_from = 0)
//     hyperscan-batched  raw literal database of the same patterns, 64 KB
//                        blocks
//     scan+evaluate      the first one's CompiledRules::Tag (scan + rule
//                        evaluation) on title '\n' body: the pipeline's cost
//     scan+evaluate-tier the same with the literal tier
//   Counters: build_s (compile), db_bytes, scratch_bytes, heap_bytes (heap
//   in use that the build left: database and rule tables, glibc mallinfo2),
//   build_rss_bytes / build_peak_rss_bytes (resident memory after / at the
//   peak of the build, over the resident memory before it; a lower bound in
//   this process, whose allocator reuses memory freed earlier), pairs.
// In the sweeps `hyperscan` is the project's CompiledRules built from the
// sweep's keywords. An engine that cannot handle an input records
// "not run: <reason>" (SkipWithError) instead of stopping the run.
#include <benchmark/benchmark.h>

#include <cstring>

#include "bench_util.h"
#include "pipeline/job/batch.h"
#include "pipeline/job/evaluate_stage.h"
#include "pipeline/job/match_stage.h"

namespace newsflow::bench {
namespace {

// The texts back to back in *arena (like engine_views), and a view of each.
std::vector<std::string_view> BackToBack(const std::vector<std::string>& texts, std::string* arena) {
  for (const auto& t : texts) *arena += t;
  std::vector<std::string_view> views;
  for (size_t i = 0, off = 0; i < texts.size(); off += texts[i].size(), ++i)
    views.emplace_back(arena->data() + off, texts[i].size());
  return views;
}

const std::vector<std::string> kMatchEngines = {"hyperscan", "hyperscan-utf8", "hyperscan-literal", "literal-tier",
                                                "hyperscan-batched", "re2set", "pcre2-jit", "naive"};
const std::vector<std::string> kSweepEngines = {"hyperscan", "literal-tier", "hyperscan-batched", "re2set", "pcre2-jit",
                                                "naive"};

PatternSource ProjectSource() {
  return [](std::string* e) { return ProjectSpecs(e); };
}

void BM_Match(benchmark::State& state, std::string engine, std::string corpus) {
  const Corpus& c = GetCorpus(corpus);
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  ScanDocs(state, GetEngine(engine, "project", ProjectSource()), c.engine_views);
}

void BM_Memcpy(benchmark::State& state, std::string corpus) {
  const Corpus& c = GetCorpus(corpus);
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  size_t longest = 0;
  for (auto v : c.engine_views) longest = std::max(longest, v.size());
  std::string buf(longest, '\0');
  for (auto _ : state) {
    for (auto v : c.engine_views) {
      std::memcpy(buf.data(), v.data(), v.size());
      benchmark::DoNotOptimize(buf.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.text_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.engine_views.size()));
}

void BM_Memchr(benchmark::State& state, std::string corpus) {
  const Corpus& c = GetCorpus(corpus);
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  size_t found = 0;
  for (auto _ : state) {
    found = 0;
    for (auto v : c.engine_views) found += std::memchr(v.data(), '\x01', v.size()) != nullptr;  // absent: full scan
    benchmark::DoNotOptimize(found);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.text_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.engine_views.size()));
}

// The pipeline's match step on cls (MatchStage + EvaluateStage, the pair a
// TagWorker runs after normalizing), in batches of 1024 pre-normalized items.
void BM_StageMatch(benchmark::State& state) {
  const Corpus& c = GetCorpus("cls");
  const ProjectRules& pr = GetProjectRules();
  if (!c.error.empty() || !pr.error.empty()) {
    state.SkipWithError((c.error + pr.error).c_str());
    return;
  }
  std::vector<pipeline::Batch> batches;
  for (size_t i = 0; i < c.docs.size(); ++i) {
    if (i % 1024 == 0) batches.emplace_back();
    pipeline::Item it;
    it.doc = c.docs[i];
    it.title_norm = c.title_norm[i];
    it.body_norm = c.body_norm[i];
    batches.back().items.push_back(std::move(it));
  }
  const rules::CompiledRules& compiled = pr.tagger->rules();
  std::unique_ptr<rules::ScanScratch> scratch;  // what TagWorker owns: one per thread
  if (Status s = compiled.NewScratch(&scratch); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  pipeline::MatchStage match(compiled, scratch.get());
  pipeline::EvaluateStage evaluate(compiled, scratch.get());
  size_t tagged = 0, tags = 0;
  for (auto _ : state) {
    tagged = tags = 0;
    for (auto& b : batches) {
      for (auto& it : b.items) {
        match.Run(it);
        evaluate.Run(it);
      }
      for (const auto& it : b.items) {
        tagged += !it.tags.empty();
        tags += it.tags.size();
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.text_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.docs.size()));
  state.counters["tagged"] = static_cast<double>(tagged);
  state.counters["tags"] = static_cast<double>(tags);
}

// first_docs: only the first that many cls documents (0 = all).
void BM_ScanEvaluate(benchmark::State& state, bool evaluate_only, size_t first_docs) {
  const Corpus& c = GetCorpus("cls");
  const ProjectRules& pr = GetProjectRules();
  if (!c.error.empty() || !pr.error.empty()) {
    state.SkipWithError((c.error + pr.error).c_str());
    return;
  }
  const size_t n = first_docs ? std::min(first_docs, c.match_texts.size()) : c.match_texts.size();
  const std::vector<std::string> subset(c.match_texts.begin(), c.match_texts.begin() + static_cast<std::ptrdiff_t>(n));
  size_t text_bytes = 0;
  for (const std::string& t : subset) text_bytes += t.size();
  // The texts back to back (like engine_views), so that this differs from
  // match/hyperscan/cls only by the evaluation and the '\n' layout.
  std::string arena;
  const std::vector<std::string_view> texts = BackToBack(subset, &arena);
  std::unique_ptr<rules::ScanScratch> scratch;
  if (Status s = pr.compiled->NewScratch(&scratch); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  std::vector<rules::TagMatch> out;
  size_t tags = 0;
  for (auto _ : state) {
    tags = 0;
    double eval_s = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      out.clear();
      if (evaluate_only) {
        if (Status s = pr.compiled->Scan(texts[i], c.title_lens[i], scratch.get()); !s.ok()) {
          state.SkipWithError(("scan failed: " + s.message()).c_str());
          return;
        }
        const auto t0 = Clock::now();
        pr.compiled->Evaluate(scratch.get(), &out);
        eval_s += Seconds(Clock::now() - t0);
      } else if (Status s = pr.compiled->Tag(texts[i], c.title_lens[i], scratch.get(), &out); !s.ok()) {
        state.SkipWithError(("scan failed: " + s.message()).c_str());
        return;
      }
      tags += out.size();
    }
    if (evaluate_only) state.SetIterationTime(eval_s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * texts.size()));
  state.counters["tags"] = static_cast<double>(tags);
}

// ---- sweeps ----------------------------------------------------------------------

std::string NgramSetName(size_t n) { return "ngram-" + std::to_string(n); }

void BM_SweepRules(benchmark::State& state, std::string engine, size_t n) {
  const std::vector<std::string_view> docs = SweepDocs();
  if (docs.empty()) {
    state.SkipWithError(GetCorpus("cls").error.c_str());
    return;
  }
  if (Quick() && n >= 100000 && engine.rfind("hyperscan", 0) != 0 && engine != "literal-tier") {
    state.SkipWithError("not run: skipped by --quick (building this engine for 100k patterns takes seconds); see a full run");
    return;
  }
  // RE2::Set is probed in a child process from 10k patterns on: at 100k its
  // Match() has been seen to crash (shared/notes/measurements.md).
  std::span<const std::string_view> probe;
  if (engine == "re2set" && n >= 10000) probe = std::span<const std::string_view>(docs).subspan(0, 20);
  if (n == 0) {  // the comparison set; "hyperscan" here is CompiledRules of these keywords
    ScanDocs(state, GetEngine(engine == "hyperscan" ? "hyperscan-literal" : engine, "project", ProjectSource(), probe),
             docs);
  } else {
    ScanDocs(state, GetEngine(engine, NgramSetName(n), [n](std::string* e) { return NgramPatterns(n, e); }, probe),
             docs);
  }
}

struct LengthDocs {
  std::vector<std::string> texts;
  std::vector<std::string_view> views;
};

const LengthDocs& DocsOfLength(size_t len) {
  static std::mutex mu;
  static std::map<size_t, LengthDocs> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(len);
  if (it != cache.end()) return it->second;
  LengthDocs& d = cache[len];
  d.texts = FixedLengthDocs(len, Quick() ? (2u << 20) : (8u << 20));
  d.views.assign(d.texts.begin(), d.texts.end());
  return d;
}

void BM_SweepDocLen(benchmark::State& state, std::string engine, size_t len) {
  const LengthDocs& d = DocsOfLength(len);
  if (d.views.empty()) {
    state.SkipWithError(GetCorpus("cls").error.c_str());
    return;
  }
  if (engine == "memchr") {
    size_t bytes = 0;
    for (auto v : d.views) bytes += v.size();
    size_t found = 0;
    for (auto _ : state) {
      for (auto v : d.views) found += std::memchr(v.data(), '\x01', v.size()) != nullptr;
      benchmark::DoNotOptimize(found);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.views.size()));
    return;
  }
  ScanDocs(state, GetEngine(engine, "project", ProjectSource()), d.views);
  state.counters["doc_bytes"] = static_cast<double>(len);
}

void BM_SweepThreads(benchmark::State& state, std::string engine) {
  const Corpus& c = GetCorpus("cls");
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  ScanDocs(state, GetEngine(engine, "project", ProjectSource()), c.engine_views);
}

void BM_SweepDensity(benchmark::State& state, std::string engine, std::string band) {
  const std::vector<std::string_view> docs = SweepDocs();
  if (docs.empty()) {
    state.SkipWithError(GetCorpus("cls").error.c_str());
    return;
  }
  ScanDocs(state, GetEngine(engine, "density-" + band, [band](std::string* e) { return DensityPatterns(band, e); }),
           docs);
  size_t bytes = 0;
  for (auto v : docs) bytes += v.size();
  state.counters["pairs_per_kb"] =
      benchmark::Counter(state.counters["pairs"].value * 1024.0 / static_cast<double>(bytes), benchmark::Counter::kAvgThreads);
}

// Subsets of the project's comparison keywords, to see what sets the
// throughput of the real rule set.
const std::vector<std::string> kKeywordSubsets = {"all", "no-2char-cjk", "over-6-bytes", "cjk-only", "ascii-only",
                                                  "first-206"};

std::vector<PatternSpec> KeywordSubset(const std::string& subset, std::string* error) {
  std::vector<PatternSpec> all = ProjectSpecs(error), out;
  auto ascii = [](const PatternSpec& p) { return static_cast<unsigned char>(p.text[0]) < 0x80; };
  for (size_t i = 0; i < all.size(); ++i) {
    const PatternSpec& p = all[i];
    const bool keep = subset == "all" || (subset == "no-2char-cjk" && (ascii(p) || p.text.size() > 6)) ||
                      (subset == "over-6-bytes" && p.text.size() > 6) ||
                      (subset == "cjk-only" && !ascii(p)) || (subset == "ascii-only" && ascii(p)) ||
                      (subset == "first-206" && i < 206);
    if (keep) out.push_back(p);
  }
  return out;
}

void BM_SweepKeywords(benchmark::State& state, std::string engine, std::string subset) {
  const Corpus& c = GetCorpus("cls");
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  ScanDocs(state,
           GetEngine(engine == "hyperscan" ? "hyperscan-literal" : engine, "keywords-" + subset,
                     [subset](std::string* e) { return KeywordSubset(subset, e); }),
           c.engine_views);
}

// ---- watch lists -----------------------------------------------------------------

struct WatchBuilt {
  BuiltEngine built;
  double rss_bytes = 0, peak_rss_bytes = 0;  // after the build, over the RSS before it
  double heap_bytes = 0;                     // heap in use after the build, over the heap before it
};

// Built once per process: the specs are made first (untimed, outside the
// memory figures), then the engine is built with the peak RSS reset before.
WatchBuilt& WatchlistEngine(const std::string& engine, size_t n) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<WatchBuilt>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[engine + "|" + std::to_string(n)];
  if (slot) return *slot;
  slot = std::make_unique<WatchBuilt>();
  WatchBuilt& w = *slot;
  BuiltEngine& b = w.built;
  std::string err;
  std::vector<PatternSpec> specs = WatchlistSpecs(n, &err);
  rules::RuleSet set;
  const bool uses_rule_set = engine == "hyperscan" || engine == "hyperscan-utf8" || engine == "literal-tier";
  if (err.empty() && uses_rule_set) err = WatchlistRuleSet(n, &set);
  if (!err.empty()) {
    b.error = err;
    return w;
  }
  b.patterns = specs.size();
  b.engine = MakeEngine(engine);
  if (!b.engine) {
    b.error = "unknown engine " + engine;
    return w;
  }
  if (uses_rule_set) static_cast<HyperscanEngine*>(b.engine.get())->UseRuleSet(set);
  const bool peak = ResetPeakRss();
  const double rss0 = ProcStatusBytes("VmRSS"), heap0 = HeapInUseBytes();
  const auto t0 = Clock::now();
  b.error = b.engine->Build(specs);
  b.build_seconds = Seconds(Clock::now() - t0);
  w.heap_bytes = HeapInUseBytes() - heap0;
  w.rss_bytes = ProcStatusBytes("VmRSS") - rss0;
  w.peak_rss_bytes = peak ? ProcStatusBytes("VmHWM") - rss0 : 0;
  return w;
}

void BM_Watchlist(benchmark::State& state, std::string engine, size_t n) {
  const Corpus& c = GetCorpus("cls");
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  WatchBuilt& w = WatchlistEngine(engine, n);
  ScanDocs(state, w.built, c.engine_views);
  const auto avg = benchmark::Counter::kAvgThreads;
  state.counters["watchlist"] = benchmark::Counter(static_cast<double>(n), avg);
  state.counters["heap_bytes"] = benchmark::Counter(w.heap_bytes, avg);
  state.counters["build_rss_bytes"] = benchmark::Counter(w.rss_bytes, avg);
  state.counters["build_peak_rss_bytes"] = benchmark::Counter(w.peak_rss_bytes, avg);
}

// The pipeline's own cost with the list deployed: scan + evaluate of the real
// rules + one rule per name (the `hyperscan` row's database).
void BM_WatchlistTag(benchmark::State& state, std::string engine, size_t n) {
  const Corpus& c = GetCorpus("cls");
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  WatchBuilt& w = WatchlistEngine(engine, n);
  if (!w.built.error.empty()) {
    state.SkipWithError(("not run: " + w.built.error).c_str());
    return;
  }
  const rules::CompiledRules& compiled = static_cast<HyperscanEngine*>(w.built.engine.get())->compiled();
  std::string arena;
  const std::vector<std::string_view> texts = BackToBack(c.match_texts, &arena);
  std::unique_ptr<rules::ScanScratch> scratch;
  if (Status s = compiled.NewScratch(&scratch); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  std::vector<rules::TagMatch> out;
  size_t tags = 0, watch_tags = 0;
  const auto& tag_names = compiled.tags();
  for (auto _ : state) {
    tags = watch_tags = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      out.clear();
      if (Status s = compiled.Tag(texts[i], c.title_lens[i], scratch.get(), &out); !s.ok()) {
        state.SkipWithError(("scan failed: " + s.message()).c_str());
        return;
      }
      tags += out.size();
      for (const auto& m : out) watch_tags += tag_names[m.tag].rfind("watch:", 0) == 0;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.text_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.match_texts.size()));
  const auto avg = benchmark::Counter::kAvgThreads;
  state.counters["tags"] = benchmark::Counter(static_cast<double>(tags), avg);
  state.counters["watch_tags"] = benchmark::Counter(static_cast<double>(watch_tags), avg);
  state.counters["rules"] = benchmark::Counter(static_cast<double>(compiled.rule_set().rules.size()), avg);
  state.counters["watchlist"] = benchmark::Counter(static_cast<double>(n), avg);
  state.counters["literal_tier_patterns"] = benchmark::Counter(static_cast<double>(compiled.literal_tier_patterns()), avg);
}

const std::vector<size_t> kWatchlistSizes = {20000, 100000};

void RegisterAll() {
  using benchmark::RegisterBenchmark;
  for (const std::string& corpus : CorpusNames()) {
    for (const std::string& e : kMatchEngines)
      RegisterBenchmark(("match/" + e + "/" + corpus).c_str(), BM_Match, e, corpus)->Unit(benchmark::kMillisecond);
    RegisterBenchmark(("ceiling/memcpy/" + corpus).c_str(), BM_Memcpy, corpus)->Unit(benchmark::kMillisecond);
    RegisterBenchmark(("ceiling/memchr/" + corpus).c_str(), BM_Memchr, corpus)->Unit(benchmark::kMillisecond);
  }
  RegisterBenchmark("stage/match/cls", BM_StageMatch)->Unit(benchmark::kMillisecond);
  RegisterBenchmark("stage/scan+evaluate/cls", BM_ScanEvaluate, false, size_t{0})->Unit(benchmark::kMillisecond);
  // The documents the Lucene Monitor peer gets in quick mode (run.sh lm_limit).
  RegisterBenchmark("stage/scan+evaluate/cls/first:4000", BM_ScanEvaluate, false, size_t{4000})
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark("stage/evaluate/cls", BM_ScanEvaluate, true, size_t{0})->UseManualTime()->Unit(benchmark::kMillisecond);

  std::string err;
  const size_t project_n = ProjectSpecs(&err).size();
  for (const std::string& e : kSweepEngines)
    for (size_t n : {size_t{0}, size_t{1000}, size_t{10000}, size_t{100000}})
      RegisterBenchmark(("sweep/rules/" + e + "/" + std::to_string(n ? n : project_n)).c_str(), BM_SweepRules, e, n)
          ->Unit(benchmark::kMillisecond);
  for (const std::string e : {"hyperscan", "hyperscan-batched", "re2set", "memchr"})
    for (size_t len : {100, 300, 1000, 3000, 10000, 20000})
      RegisterBenchmark(("sweep/doclen/" + e + "/" + std::to_string(len)).c_str(), BM_SweepDocLen, e, len)
          ->Unit(benchmark::kMillisecond);
  for (const std::string e : {"hyperscan", "hyperscan-batched", "re2set"})
    RegisterBenchmark(("sweep/threads/" + e + "/cls").c_str(), BM_SweepThreads, e)
        ->Threads(1)
        ->Threads(2)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  for (const std::string e : {"hyperscan", "hyperscan-batched"})
    for (const std::string& subset : kKeywordSubsets)
      RegisterBenchmark(("sweep/keywords/" + e + "/" + subset).c_str(), BM_SweepKeywords, e, subset)
          ->Unit(benchmark::kMillisecond);
  for (size_t n : kWatchlistSizes) {
    for (const std::string e : {"hyperscan", "hyperscan-utf8", "literal-tier", "hyperscan-batched"})
      RegisterBenchmark(("watchlist/" + e + "/" + std::to_string(n)).c_str(), BM_Watchlist, e, n)
          ->Unit(benchmark::kMillisecond);
    RegisterBenchmark(("watchlist/scan+evaluate/" + std::to_string(n)).c_str(), BM_WatchlistTag, "hyperscan", n)
        ->Unit(benchmark::kMillisecond);
    RegisterBenchmark(("watchlist/scan+evaluate-tier/" + std::to_string(n)).c_str(), BM_WatchlistTag,
                      "literal-tier", n)
        ->Unit(benchmark::kMillisecond);
  }
  for (const std::string e : {"hyperscan", "hyperscan-batched", "re2set", "pcre2-jit"})
    for (const std::string& band : DensityBands())
      RegisterBenchmark(("sweep/density/" + e + "/" + band).c_str(), BM_SweepDensity, e, band)
          ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace newsflow::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  newsflow::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
