// `newsflow run --config FILE`: options from YAML, command-line flags over
// them, nested keys, and unknown keys as usage errors naming file and line.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>
#include <vector>

#include "json_util.h"
#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonObject;
using testing::Newsflow;
using testing::ReadFile;
using testing::ReadLines;
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
      {"db: " + tmp.path("db") + "\nbatch: 8\nbatch: 16\n", 3},  // a key twice (yaml-cpp kept the first)
      {"db: " + tmp.path("db") + "\nstory:\n  window: 3\n  window: 4\n", 4},
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

// The example file as deploy/systemd/README.md installs it: its `cp` line
// run with the install prefix moved under a temporary directory, and the
// file's own paths moved alike. The run starts, and a reload (SIGHUP lints
// the rules against the seeds) is accepted: a service that cannot start,
// or whose every reload is rejected, is what a wrong path gives.
TEST(ConfigFile, TheExampleFileRunsWithTheRulesAndSeedsWhereTheServiceReadmeInstallsThem) {
  TempDir tmp;
  const std::string prefix = tmp.path("share"), state = tmp.path("state"), etc = tmp.path("etc");
  std::filesystem::create_directories(prefix);
  std::filesystem::create_directories(state);
  std::filesystem::create_directories(etc);
  std::string cp, subscriptions;
  for (const std::string& line : ReadLines(SourcePath("deploy/systemd/README.md"))) {
    if (line.find(" cp -r ") != std::string::npos) cp = line;
    if (line.find("subscriptions.example.yaml") != std::string::npos) subscriptions = line;
  }
  ASSERT_FALSE(cp.empty()) << "the service README no longer copies the rules";
  ASSERT_FALSE(subscriptions.empty()) << "the service README no longer installs the subscriptions file";
  auto relocate = [&](std::string s) {
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"sudo ", ""}, {"-o newsflow ", ""}, {"-g newsflow ", ""}, {"/usr/local/share/newsflow", prefix},
             {"/var/lib/newsflow", state}, {"/etc/newsflow", etc}})
      for (size_t at; (at = s.find(from)) != std::string::npos;) s.replace(at, from.size(), to);
    return s;
  };
  for (const std::string& step : {cp, subscriptions})
    ASSERT_EQ(RunShell("cd " + SourcePath("") + " && " + relocate(step)).exit_code, 0) << relocate(step);
  std::ofstream(tmp.path("newsflow.yaml")) << relocate(ReadFile(SourcePath("deploy/newsflow.example.yaml")));

  // A service's working directory is /: nothing relative to the test's may resolve.
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(etc);
  testing::RunChild run({"--log-format", "json", "run", "--config", tmp.path("newsflow.yaml"), "--source", "-",
                         "--http", "127.0.0.1:0", "--json"},
                        tmp.path("out"), tmp.path("err"));
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(run.started());
  run.Write(ReadFile(SourcePath("tests/fixtures/ths-sample.jsonl")));
  run.Signal(SIGHUP);
  bool reloaded = false;
  for (int i = 0; i < 200 && !reloaded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const JsonObject& l : testing::JsonLines(ReadFile(tmp.path("err"))))
      if (l.String("component") == "rules") reloaded = true;
  }
  run.CloseInput();
  ASSERT_EQ(run.WaitExit(std::chrono::seconds(20)), 0) << ReadFile(tmp.path("err"));
  const JsonObject summary = JsonObject::LastLine(ReadFile(tmp.path("out")));
  EXPECT_EQ(summary.Uint("stored"), 120u);
  EXPECT_EQ(summary.Uint("rules_reload_failed"), 0u) << ReadFile(tmp.path("err"));
  EXPECT_EQ(summary.Uint("rules_reloaded"), 1u) << ReadFile(tmp.path("err"));
  EXPECT_TRUE(std::filesystem::exists(state + "/db/CURRENT"));
}

}  // namespace
}  // namespace newsflow::pipeline
