// bench_data — writes the peers' input files (bench/peers/README.md contract)
// from exactly the keyword sets and document texts the C++ engines scan.
//
//   bench_data OUT_DIR
//     OUT_DIR/patterns-project.tsv        the comparison keyword set
//     OUT_DIR/patterns-ngram-N.tsv        N = 1000, 10000, 100000
//     OUT_DIR/docs-<corpus>.txt           engine texts, one per line
//     OUT_DIR/docs-sweep.txt              the sweep documents
//     OUT_DIR/inputs.json                 sizes, and the keywords left out
#include <cstdio>
#include <fstream>
#include <string>

#include "bench_corpus.h"
#include "engines/project_patterns.h"

using namespace newsflow::bench;

namespace {

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
