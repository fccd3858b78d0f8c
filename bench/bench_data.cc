// bench_data — writes the peers' input files (bench/peers/README.md contract)
// from exactly the keyword sets and document texts the C++ engines scan.
//
//   bench_data OUT_DIR
//     OUT_DIR/patterns-project.tsv        the comparison keyword set
//     OUT_DIR/patterns-ngram-N.tsv        N = 1000, 10000, 100000
//     OUT_DIR/docs-<corpus>.txt           engine texts, one per line
//     OUT_DIR/docs-sweep.txt              the sweep documents
//     OUT_DIR/patterns-watchlist-N.tsv    the comparison set + N watch-list
//                                         names (N = 20000, 100000)
//     OUT_DIR/tags-cls.jsonl              newsflow's tags of each cls document
//                                         ({"doc_index", "tags"}; rule set on
//                                         the normalized title and body, as
//                                         the pipeline's EvaluateStage, without
//                                         feed labels), for the Lucene peer's
//                                         agreement
//     OUT_DIR/inputs.json                 sizes, and the keywords left out
#include <cstdio>
#include <fstream>
#include <string>

#include "bench_util.h"
#include "engines/project_patterns.h"

using namespace newsflow::bench;

namespace {

// Tags of every document of `c` by the real rule set (CompiledRules::Tag on
// title '\n' body, no feed labels), one JSON line per document.
std::string WriteTags(const std::string& path, const Corpus& c, const newsflow::rules::CompiledRules& compiled, size_t* pairs) {
  std::unique_ptr<newsflow::rules::ScanScratch> scratch;
  if (newsflow::Status s = compiled.NewScratch(&scratch); !s.ok()) return s.message();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<newsflow::rules::TagMatch> tags;
  std::vector<std::string> names;
  *pairs = 0;
  for (size_t i = 0; i < c.match_texts.size(); ++i) {
    tags.clear();
    if (newsflow::Status s = compiled.Tag(c.match_texts[i], c.title_lens[i], scratch.get(), &tags); !s.ok()) return s.message();
    names.clear();
    for (const auto& m : tags) names.push_back(compiled.tags()[m.tag]);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    *pairs += names.size();
    out << "{\"doc_index\": " << i << ", \"tags\": [";
    for (size_t k = 0; k < names.size(); ++k) out << (k ? ", \"" : "\"") << names[k] << '"';  // tags: [a-z0-9:-]
    out << "]}\n";
  }
  return out ? "" : "write error: " + path;
}

bool WriteDocs(const std::string& path, const std::vector<std::string_view>& docs) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (auto d : docs) {
    out.write(d.data(), static_cast<std::streamsize>(d.size()));
    out.put('\n');
  }
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_data OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const ProjectRules& pr = GetProjectRules();
  if (!pr.error.empty()) {
    std::fprintf(stderr, "bench_data: %s\n", pr.error.c_str());
    return 1;
  }
  ProjectPatternStats st;
  const auto project = ProjectPatterns(*pr.compiled, &st);
  std::string json = "{\n";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "  \"keywords\": {\"distinct\": %zu, \"compared\": %zu, \"left_out_regex\": %zu, "
                "\"left_out_one_sided_boundary\": %zu, \"rules\": %zu, \"literal_api\": %s},\n",
                st.total, st.kept, st.regex, st.one_sided, pr.set.rules.size(), pr.compiled->literal_api() ? "true" : "false");
  json += buf;
  if (auto e = WritePatternsFile(dir + "/patterns-project.tsv", project); !e.empty()) {
    std::fprintf(stderr, "bench_data: %s\n", e.c_str());
    return 1;
  }
  for (size_t n : {1000, 10000, 100000}) {
    std::string err;
    auto p = NgramPatterns(n, &err);
    if (!err.empty() || !WritePatternsFile(dir + "/patterns-ngram-" + std::to_string(n) + ".tsv", p).empty()) {
      std::fprintf(stderr, "bench_data: ngram %zu: %s\n", n, err.c_str());
      return 1;
    }
  }
  for (size_t n : {20000, 100000}) {
    std::string err;
    auto p = WatchlistSpecs(n, &err);
    if (!err.empty() || !WritePatternsFile(dir + "/patterns-watchlist-" + std::to_string(n) + ".tsv", p).empty()) {
      std::fprintf(stderr, "bench_data: watchlist %zu: %s\n", n, err.c_str());
      return 1;
    }
  }
  {
    const WatchlistPool& w = GetWatchlistPool();
    std::snprintf(buf, sizeof buf, "  \"watchlist\": {\"pool\": %zu, \"stock_names\": %zu, \"name_plus_suffix\": %zu, \"before_suffix\": %zu},\n",
                  w.names.size(), w.tier_a, w.tier_b, w.tier_c);
    json += buf;
    size_t pairs = 0;
    if (auto e = WriteTags(dir + "/tags-cls.jsonl", GetCorpus("cls"), *pr.compiled, &pairs); !e.empty()) {
      std::fprintf(stderr, "bench_data: tags: %s\n", e.c_str());
      return 1;
    }
    std::snprintf(buf, sizeof buf, "  \"tags_cls\": {\"pairs\": %zu, \"rule_set\": \"%s\"},\n", pairs, pr.set.version.c_str());
    json += buf;
  }
  json += "  \"corpora\": {";
  bool first = true;
  for (const std::string& name : CorpusNames()) {
    const Corpus& c = GetCorpus(name);
    if (!c.error.empty()) {
      std::fprintf(stderr, "bench_data: %s\n", c.error.c_str());
      return 1;
    }
    if (!WriteDocs(dir + "/docs-" + name + ".txt", c.engine_views)) return 1;
    std::snprintf(buf, sizeof buf, "%s\n    \"%s\": {\"items\": %zu, \"text_bytes\": %zu, \"raw_bytes\": %zu, \"decode_errors\": %zu}",
                  first ? "" : ",", name.c_str(), c.docs.size(), c.text_bytes, c.raw_bytes, c.decode_errors);
    json += buf;
    first = false;
  }
  const auto sweep = SweepDocs();
  if (!WriteDocs(dir + "/docs-sweep.txt", sweep)) return 1;
  size_t sweep_bytes = 0;
  for (auto d : sweep) sweep_bytes += d.size();
  std::snprintf(buf, sizeof buf, "\n  },\n  \"sweep_docs\": {\"items\": %zu, \"text_bytes\": %zu}\n}\n", sweep.size(), sweep_bytes);
  json += buf;
  std::ofstream(dir + "/inputs.json") << json;
  std::fputs(json.c_str(), stdout);
  return 0;
}
