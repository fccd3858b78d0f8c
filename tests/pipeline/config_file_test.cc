// `newsflow run --config FILE`: options from YAML, command-line flags over
// them, nested keys, and unknown keys as usage errors naming file and line.
#include <gtest/gtest.h>

#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonObject;
using testing::Newsflow;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

TEST(ConfigFile, OptionsComeFromTheFileAndTheCommandLineWins) {
  TempDir tmp;
  std::ofstream(tmp.path("run.yaml")) << "source: " << SourcePath("tests/fixtures/cls-sample.jsonl") << "\n"
                                      << "db: " << tmp.path("db") << "\n"
                                      << "rules: " << SourcePath("rules/sets") << "\n"
                                      << "story:\n  window: 12\n"
                                      << "quiet: true\njson: true\n";
  auto r = RunShell(Newsflow() + " run --config " + tmp.path("run.yaml"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(JsonObject::LastLine(r.out).Uint("stored"), 120u);
  auto q = RunShell(Newsflow() + " query --limit 0 --json --source cls --db " + tmp.path("db"));
  EXPECT_EQ(testing::JsonLines(q.out).size(), 120u) << q.err;

  // --source on the command line beats the file's.
  r = RunShell(Newsflow() + " run --config " + tmp.path("run.yaml") + " --source " +
               SourcePath("tests/fixtures/ths-sample.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  q = RunShell(Newsflow() + " query --limit 0 --json --source ths --db " + tmp.path("db"));
  EXPECT_EQ(testing::JsonLines(q.out).size(), 120u) << q.err;
}

TEST(ConfigFile, UnknownKeysAndBadValuesAreUsageErrorsWithFileAndLine) {
  TempDir tmp;
  const std::vector<std::pair<std::string, int>> cases = {
      {"db: " + tmp.path("db") + "\nsorce: x\n", 2},            // misspelt key
      {"db: " + tmp.path("db") + "\nstory:\n  windw: 3\n", 3},  // misspelt nested key
      {"db: " + tmp.path("db") + "\nsource: [a\n", 3},          // YAML syntax
      {"db: " + tmp.path("db") + "\nbatch: many\n", 0},         // a value the option refuses
      {"db: " + tmp.path("db") + "\nalerts:\n", 2},             // no value
  };
  for (const auto& [yaml, line] : cases) {
    std::ofstream(tmp.path("bad.yaml")) << yaml;
    const auto r = RunShell(Newsflow() + " run --config " + tmp.path("bad.yaml") + " --source /dev/null");
    EXPECT_EQ(r.exit_code, 2) << yaml << r.err;
    if (line > 0) {
      std::string where = tmp.path("bad.yaml");
      where += ':';
      where += std::to_string(line);
      EXPECT_NE(r.err.find(where), std::string::npos) << yaml << " -> " << r.err;
    }
    EXPECT_FALSE(std::filesystem::exists(tmp.path("db"))) << yaml;
  }
  const auto missing = RunShell(Newsflow() + " run --config " + tmp.path("none.yaml"));
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

// The documented example names only real options; run with its paths
// replaced on the command line.
TEST(ConfigFile, TheExampleFileIsValid) {
  TempDir tmp;
  std::ofstream(tmp.path("subs.yaml")) << "subscriptions:\n  - {name: ai, any: [cluster:ai]}\n";
  const auto r = RunShell(Newsflow() + " run --config " + SourcePath("deploy/newsflow.example.yaml") + " --source " +
                          SourcePath("tests/fixtures/ths-sample.jsonl") + " --rules " + SourcePath("rules/sets") +
                          " --db " + tmp.path("db") + " --subscriptions " + tmp.path("subs.yaml") +
                          " --alerts file:" + tmp.path("a.jsonl") + " --http 127.0.0.1:0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(JsonObject::LastLine(r.out).Uint("stored"), 120u);
}

}  // namespace
}  // namespace newsflow::pipeline
