// bench_util.h — small helpers shared by the benchmark programs: the engine
// cache, the "not run" guards (time estimate, crash probe in a child
// process) and the common scan loop.
#pragma once

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_corpus.h"
#include "engines/engine.h"
#include "engines/hyperscan_engine.h"
#include "engines/project_patterns.h"

namespace newsflow::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Seconds one full pass of an engine may take before the benchmark records
// "not run" instead (quick: 3 s, full: 60 s; NEWSFLOW_BENCH_BUDGET overrides).
inline double PassBudgetSeconds() {
  if (const char* b = std::getenv("NEWSFLOW_BENCH_BUDGET"); b != nullptr && *b) return std::atof(b);
  return Quick() ? 3.0 : 60.0;
}

// Runs build + scan of `docs` in a child process, so that an engine that
// crashes on a set (RE2::Set at 100k patterns) takes only the child down.
// "" if the child finished, else what happened to it.
inline std::string ForkProbe(const std::function<bool()>& work, int timeout_s = 300) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return std::string("fork failed: ") + std::strerror(errno);
  if (pid == 0) _exit(work() ? 0 : 3);
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return "probe did not finish in " + std::to_string(timeout_s) + " s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFSIGNALED(status))
    return std::string("crashed with signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
           ") in a probe run (build + scan of a few documents, in a child process)";
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) return "scan failed in a probe run (engine error)";
  return "";
}

// A built engine and what its build cost.
struct BuiltEngine {
  std::unique_ptr<Engine> engine;
  std::string error;         // non-empty: not run, and why
  double build_seconds = 0;
  size_t patterns = 0;
};

using PatternSource = std::function<std::vector<PatternSpec>(std::string* error)>;

// Builds (once per process) `engine_name` over the pattern set `set_name`.
// `probe_docs`, when given, first runs the engine in a child process.
inline BuiltEngine& GetEngine(const std::string& engine_name, const std::string& set_name, const PatternSource& source,
                              std::span<const std::string_view> probe_docs = {}) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<BuiltEngine>> cache;
  static std::map<std::string, std::vector<PatternSpec>> sets;
  std::lock_guard lock(mu);
  auto& slot = cache[engine_name + "|" + set_name];
  if (slot) return *slot;
  slot = std::make_unique<BuiltEngine>();
  BuiltEngine& b = *slot;
  auto it = sets.find(set_name);
  if (it == sets.end()) {
    std::string err;
    std::vector<PatternSpec> p = source(&err);
    if (!err.empty()) {
      b.error = err;
      return b;
    }
    it = sets.emplace(set_name, std::move(p)).first;
  }
  const std::vector<PatternSpec>& patterns = it->second;
  b.patterns = patterns.size();
  std::string base = engine_name;
  if (engine_name == "hyperscan-literal") base = "hyperscan";
  b.engine = MakeEngine(base);
  if (!b.engine) {
    b.error = "unknown engine " + engine_name;
    return b;
  }
  if ((engine_name == "hyperscan" || engine_name == "hyperscan-utf8") && set_name == "project") {
    const ProjectRules& pr = GetProjectRules();
    if (!pr.error.empty()) {
      b.error = pr.error;
      return b;
    }
    static_cast<HyperscanEngine*>(b.engine.get())->UseRuleSet(pr.set);
  }
  if (!probe_docs.empty()) {
    std::string e = ForkProbe([&] {
      auto eng = MakeEngine(base);
      if (!eng->Build(patterns).empty()) return true;  // a build error is reported by the real build below
      auto sc = eng->NewScanner();
      return sc->ScanMany(probe_docs, [](size_t, uint32_t) {});
    });
    if (!e.empty()) {
      b.error = b.engine->name() + " " + e;
      return b;
    }
  }
  const auto t0 = Clock::now();
  b.error = b.engine->Build(patterns);
  b.build_seconds = Seconds(Clock::now() - t0);
  return b;
}

// The comparison keyword set: the project's literal keywords (see
// engines/project_patterns.h).
inline std::vector<PatternSpec> ProjectSpecs(std::string* error, ProjectPatternStats* stats = nullptr) {
  const ProjectRules& pr = GetProjectRules();
  if (!pr.error.empty()) {
    *error = pr.error;
    return {};
  }
  return ProjectPatterns(*pr.compiled, stats);
}

// The comparison keyword set plus the first n names of the watch list
// (bench_corpus.h: WatchlistNames), caseless like every rule keyword without
// `case: true` (no effect on CJK), unbounded (no ASCII end).
inline std::vector<PatternSpec> WatchlistSpecs(size_t n, std::string* error) {
  std::vector<PatternSpec> out = ProjectSpecs(error);
  if (!error->empty()) return {};
  std::vector<std::string> names = WatchlistNames(n, error);
  if (!error->empty()) return {};
  out.reserve(out.size() + names.size());
  for (std::string& name : names) out.push_back({std::move(name), true, false});
  return out;
}

// Resident and peak resident memory of this process (/proc/self/status), in
// bytes; ResetPeakRss() sets the peak back to the current RSS (Linux
// clear_refs 5), so that the peak of one phase can be read.
inline double ProcStatusBytes(const char* key) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double v = 0;
  const size_t n = std::strlen(key);
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::strncmp(line, key, n) == 0 && line[n] == ':') v = std::atof(line + n + 1) * 1024.0;
  std::fclose(f);
  return v;
}
// Bytes of heap in use (glibc mallinfo2: small blocks + mmapped blocks).
inline double HeapInUseBytes() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd);
}
inline bool ResetPeakRss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

// One engine over a list of documents: one iteration = one pass over all of
// them. Skips with "not run: ..." if the engine could not be built or a pass
// would take longer than the budget.
inline void ScanDocs(benchmark::State& state, BuiltEngine& e, std::span<const std::string_view> docs) {
  if (!e.error.empty()) {
    state.SkipWithError(("not run: " + e.error).c_str());
    return;
  }
  size_t bytes = 0;
  for (auto d : docs) bytes += d.size();
  auto scanner = e.engine->NewScanner();
  uint64_t pairs = 0;
  auto count = [&](size_t, uint32_t) { ++pairs; };
  // RE2 builds its DFA lazily, state by state, and keeps it (up to max_mem)
  // for the life of the RE2::Set: the first pass over new text is much slower
  // than later ones. Run one untimed full pass first (time-capped) and report
  // it as cold_MBps; the timed iterations then show the warm steady state a
  // long-running process would reach.
  if (e.engine->name() == "re2set") {
    static std::mutex mu;
    static std::map<std::pair<const void*, const void*>, double> cold;  // (engine, docs) -> its first pass, s
    const auto t0 = Clock::now();
    size_t done = 0, done_bytes = 0;
    while (done < docs.size()) {
      const size_t n = std::min<size_t>(256, docs.size() - done);
      if (!scanner->ScanMany(docs.subspan(done, n), count)) {
        state.SkipWithError("not run: re2set scan failed (DFA out of memory?)");
        return;
      }
      for (size_t i = done; i < done + n; ++i) done_bytes += docs[i].size();
      done += n;
      const double el = Seconds(Clock::now() - t0);
      if (el > PassBudgetSeconds() && done < docs.size()) {
        char msg[200];
        std::snprintf(msg, sizeof msg, "not run: re2set's first (cold-DFA) pass would take ~%.0f s (budget %.0f s)",
                      el * static_cast<double>(bytes) / static_cast<double>(done_bytes), PassBudgetSeconds());
        state.SkipWithError(msg);
        return;
      }
    }
    std::lock_guard lock(mu);
    auto [it, fresh] = cold.emplace(std::make_pair(static_cast<const void*>(e.engine.get()), static_cast<const void*>(docs.data())), Seconds(Clock::now() - t0));
    state.counters["cold_MBps"] = benchmark::Counter(static_cast<double>(bytes) / it->second / 1e6, benchmark::Counter::kAvgThreads);
    (void)fresh;
  }
  // Estimate a pass before running it: scan ~64 KB to warm the engine up
  // (RE2 builds its DFA lazily), then time the next ~64 KB.
  {
    size_t a = 0, b = 0, probe_bytes = 0;
    for (size_t w = 0; a < docs.size() && w < 64 * 1024; ++a) w += docs[a].size();
    const auto warm = docs.subspan(0, a);
    if (a == docs.size()) a = 0;  // small input: warm on all of it, then time all of it
    for (b = a; b < docs.size() && probe_bytes < 64 * 1024; ++b) probe_bytes += docs[b].size();
    if (!scanner->ScanMany(warm, count)) {
      state.SkipWithError(("not run: " + e.engine->name() + " scan failed (engine error)").c_str());
      return;
    }
    const auto t0 = Clock::now();
    if (!scanner->ScanMany(docs.subspan(a, b - a), count)) {
      state.SkipWithError(("not run: " + e.engine->name() + " scan failed (engine error)").c_str());
      return;
    }
    const double est = Seconds(Clock::now() - t0) * static_cast<double>(bytes) / static_cast<double>(std::max<size_t>(probe_bytes, 1));
    if (est > PassBudgetSeconds()) {
      char msg[200];
      std::snprintf(msg, sizeof msg, "not run: %s would take ~%.0f s per pass (estimated on %zu docs; budget %.0f s)",
                    e.engine->name().c_str(), est, b - a, PassBudgetSeconds());
      state.SkipWithError(msg);
      return;
    }
  }
  for (auto _ : state) {
    pairs = 0;
    if (!scanner->ScanMany(docs, count)) {
      state.SkipWithError(("not run: " + e.engine->name() + " scan failed (engine error)").c_str());
      break;
    }
    benchmark::DoNotOptimize(pairs);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
  const auto avg = benchmark::Counter::kAvgThreads;  // the same in every thread: not a sum
  state.counters["pairs"] = benchmark::Counter(static_cast<double>(pairs), avg);
  state.counters["docs"] = benchmark::Counter(static_cast<double>(docs.size()), avg);
  state.counters["patterns"] = benchmark::Counter(static_cast<double>(e.patterns), avg);
  state.counters["build_s"] = benchmark::Counter(e.build_seconds, avg);
  state.counters["db_bytes"] = benchmark::Counter(static_cast<double>(e.engine->database_bytes()), avg);
  state.counters["scratch_bytes"] = benchmark::Counter(static_cast<double>(e.engine->scratch_bytes()), avg);
}

}  // namespace newsflow::bench
