// subscription_bench.cc — what matching every stored document against the
// desks' subscriptions costs per document (the budget: 2 us with
// 1,000 subscriptions).
//
//   subscriptions/match/N   SubscriptionMatcher::Match on the tags the real
//                           rule set gives every item of cls, eastmoney and
//                           ths, against N subscriptions drawn from the rule
//                           set's tags with a fixed seed (a mix of region +
//                           theme, any-of, with `not`, sources, min_score);
//                           counters: us_per_doc, matches_per_doc
#include <benchmark/benchmark.h>

#include <random>

#include "bench_corpus.h"
#include "pipeline/subscribe/subscription_matcher.h"

namespace newsflow::bench {
namespace {

struct TaggedDoc {
  std::string source;
  std::vector<std::string> tags;
  std::vector<pipeline::DocTag> view;  // into `tags`
};

const std::vector<TaggedDoc>& TaggedDocs(std::string* error) {
  static std::vector<TaggedDoc> docs;
  static std::string err;
  static bool done = false;
  if (done) {
    *error = err;
    return docs;
  }
  done = true;
  const ProjectRules& pr = GetProjectRules();
  if (!pr.error.empty()) err = pr.error;
  std::unique_ptr<rules::ScanScratch> scratch;
  if (err.empty()) {
    if (Status s = pr.compiled->NewScratch(&scratch); !s.ok()) err = s.message();
  }
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    const Corpus& c = GetCorpus(feed);
    if (!err.empty() || !c.error.empty()) {
      if (err.empty()) err = c.error;
      break;
    }
    std::vector<rules::TagMatch> out;
    for (size_t i = 0; i < c.docs.size(); ++i) {
      out.clear();
      if (!pr.compiled->Tag(c.match_texts[i], c.title_lens[i], scratch.get(), &out).ok()) continue;
      TaggedDoc d;
      d.source = c.docs[i].source;
      std::vector<double> scores;
      for (const auto& m : out) {
        d.tags.push_back(pr.compiled->tags()[m.tag]);
        scores.push_back(m.score);
      }
      for (size_t k = 0; k < d.tags.size(); ++k) d.view.push_back({d.tags[k], scores[k]});
      docs.push_back(std::move(d));
    }
  }
  for (auto& d : docs)  // the views point into each doc's own vector, stable after the moves
    for (size_t k = 0; k < d.tags.size(); ++k) d.view[k].tag = d.tags[k];
  *error = err;
  return docs;
}

std::vector<pipeline::Subscription> MakeSubscriptions(size_t n) {
  const auto& tags = GetProjectRules().compiled->tags();
  std::vector<std::string> regions, others;
  for (const auto& t : tags) (t.rfind("region:", 0) == 0 ? regions : others).push_back(t);
  std::mt19937 rng(20261129);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  std::vector<pipeline::Subscription> subs;
  for (size_t i = 0; i < n; ++i) {
    pipeline::Subscription s;
    s.name = std::to_string(i);
    s.name.insert(0, 1, 's');  // not "s" + ...: GCC 12's -Wrestrict misfires on it
    switch (rng() % 5) {
      case 0:
      case 1:  // a region and some themes
        s.all = {pick(regions)};
        for (unsigned k = 0; k < 1 + rng() % 3; ++k) s.any.push_back(pick(others));
        break;
      case 2:  // any of a few
        for (unsigned k = 0; k < 1 + rng() % 3; ++k) s.any.push_back(pick(others));
        break;
      case 3:  // two required, one excluded, a score floor
        s.all = {pick(others), pick(others)};
        s.none = {pick(others)};
        s.min_score = 2;
        break;
      default:  // one theme from some feeds
        s.any = {pick(others)};
        s.sources = {rng() % 2 ? "cls" : "ths"};
        break;
    }
    subs.push_back(std::move(s));
  }
  return subs;
}

void BM_Match(benchmark::State& state) {
  std::string error;
  const auto& docs = TaggedDocs(&error);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  pipeline::SubscriptionMatcher matcher(MakeSubscriptions(static_cast<size_t>(state.range(0))));
  std::vector<uint32_t> out;
  size_t matches = 0;
  for (auto _ : state) {
    matches = 0;
    for (const auto& d : docs) {
      matcher.Match(d.view, d.source, &out);
      matches += out.size();
    }
    benchmark::DoNotOptimize(matches);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
  state.counters["us_per_doc"] = benchmark::Counter(static_cast<double>(docs.size()) * 1e-6,
                                                    benchmark::Counter::kIsIterationInvariantRate |
                                                        benchmark::Counter::kInvert);
  state.counters["matches_per_doc"] = static_cast<double>(matches) / static_cast<double>(docs.size());
}

BENCHMARK(BM_Match)->Name("subscriptions/match")->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow::bench

BENCHMARK_MAIN();
