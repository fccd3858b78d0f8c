// test_util.h — helpers shared by the pipeline tests: fixture paths, reading
// JSON Lines fixtures, temporary directories, running the CLI.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace newsflow::testing {

inline std::string SourcePath(const std::string& rel) { return std::string(NEWSFLOW_SOURCE_DIR) + "/" + rel; }

// A file of the shared corpus: $NEWSFLOW_CORPUS_DIR/name, by default
// ../shared/corpus/name beside the clone. It may be absent (check).
inline std::string CorpusFile(const std::string& name) {
  const char* env = std::getenv("NEWSFLOW_CORPUS_DIR");
  return (env ? std::string(env) : SourcePath("../shared/corpus")) + "/" + name;
}

inline std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The non-empty lines of a command's output.
inline std::vector<std::string> ReadLinesOf(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A fresh directory removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("newsflow-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path(const std::string& name = "") const { return name.empty() ? path_.string() : (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout (stderr goes to `err`)
  std::string err;
};

// Runs a shell command line, capturing stdout and stderr.
inline CommandResult RunShell(const std::string& cmdline) {
  TempDir tmp;
  const std::string full = cmdline + " >" + tmp.path("out") + " 2>" + tmp.path("err");
  CommandResult r;
  const int st = std::system(full.c_str());
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = ReadFile(tmp.path("out"));
  r.err = ReadFile(tmp.path("err"));
  return r;
}

inline std::string Newsflow() { return NEWSFLOW_BIN; }

// How many documents the store at db holds (`query --count --limit 0`). A
// failing query is a test failure (and counts 0 when it printed nothing).
inline uint64_t StoredCount(const std::string& db) {
  const CommandResult r = RunShell(Newsflow() + " query --count --limit 0 --db " + db);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.empty() ? 0 : std::stoull(r.out);
}

// A copy of the shipped rules a test may change: tmp/rules/sets (returned)
// and tmp/rules/lint-allow.yaml, where a reload's lint looks for it.
inline std::string CopyRules(const TempDir& tmp) {
  const std::string rules = tmp.path("rules/sets");
  std::filesystem::create_directories(rules);
  for (const auto& e : std::filesystem::directory_iterator(SourcePath("rules/sets")))
    std::filesystem::copy_file(e.path(), rules + "/" + e.path().filename().string());
  std::filesystem::copy_file(SourcePath("rules/lint-allow.yaml"), tmp.path("rules/lint-allow.yaml"));
  return rules;
}

}  // namespace newsflow::testing
