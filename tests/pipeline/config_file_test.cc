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
      {"db: " + tmp.path("db") + "\nbatch: many\n", 2},         // a value the option refuses
      {"db: " + tmp.path("db") + "\nthreads: [1, 2]\nquiet: true\n", 2},  // two values for one
      {"db: " + tmp.path("db") + "\nstory:\n  window: 0\n", 3},  // out of the option's range
      {"db: " + tmp.path("db") + "\nquiet: true\nsync: maybe\n", 3},  // a flag's value
      {"db: " + tmp.path("db") + "\nalerts:\n", 2},             // no value
      {"db: " + tmp.path("db") + "\nbatch: 8\nbatch: 16\n", 3},  // a key twice (yaml-cpp kept the first)
      {"db: " + tmp.path("db") + "\nstory:\n  window: 3\n  window: 4\n", 4},
      // A second document: its options were dropped unsaid (yaml-cpp's Load reads the first).
      {"db: " + tmp.path("db") + "\nquiet: true\n---\nretain: 30d\n", 3},
      // Values the command checks after parsing, not the option's validator
      // (they named the option only: the journal pointed at no line).
      {"db: " + tmp.path("db") + "\nquiet: true\nretain: 30x\n", 3},
      {"db: " + tmp.path("db") + "\nretain-from: yesterday\n", 2},
      {"db: " + tmp.path("db") + "\nformat: bogus\n", 2},
      {"db: " + tmp.path("db") + "\nquiet: true\nhttp: 127.0.0.1:99999\n", 3},
      {"db: " + tmp.path("db") + "\nalerts: foo:bar\n", 2},
      {"db: " + tmp.path("db") + "\ndead-letter: file:/x\n", 2},
      {"db: " + tmp.path("db") + "\ntagged: nope\n", 2},
      // A flag is true or false ("" and 2 turned it on); an empty mapping set nothing, silently.
      {"db: " + tmp.path("db") + "\njson: \"\"\n", 2},
      {"db: " + tmp.path("db") + "\njson: 2\n", 2},
      {"db: " + tmp.path("db") + "\njson: {}\n", 2},
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
  // The command line's value is the one refused: no line of the file is named.
  std::ofstream(tmp.path("ok.yaml")) << "db: " << tmp.path("db") << "\nalerts: file:" << tmp.path("a.jsonl") << "\n";
  const auto cli = RunShell(Newsflow() + " run --config " + tmp.path("ok.yaml") + " --source /dev/null --alerts bad:x");
  EXPECT_EQ(cli.exit_code, 2) << cli.err;
  EXPECT_EQ(cli.err.find(tmp.path("ok.yaml") + ":"), std::string::npos) << cli.err;
  const auto missing = RunShell(Newsflow() + " run --config " + tmp.path("none.yaml"));
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

// One option given by two keys of the file: the same joined name spelt flat
// and nested, or a flag and its negation. Both lines are named; nothing runs.
TEST(ConfigFile, OneOptionGivenByTwoKeysIsAUsageErrorNamingBothLines) {
  TempDir tmp;
  struct Case {
    std::string yaml;
    int first, second;
  };
  const std::vector<Case> cases = {
      {"db: " + tmp.path("db") + "\nstory-window: 3\nstory:\n  window: 9999\n", 2, 4},
      {"db: " + tmp.path("db") + "\nstory:\n  window: 3\nstory-window: 3\n", 3, 4},
      {"db: " + tmp.path("db") + "\nlate-stories: true\nno-late-stories: true\n", 2, 3},
      {"db: " + tmp.path("db") + "\nno-late-stories: false\nquiet: true\nlate-stories: true\n", 2, 4},
      {"db: " + tmp.path("db") + "\nbatch: 8\nbatch: 16\n", 2, 3},
  };
  for (const auto& c : cases) {
    std::ofstream(tmp.path("two.yaml")) << c.yaml;
    const auto r = RunShell(Newsflow() + " run --config " + tmp.path("two.yaml") + " --source /dev/null");
    EXPECT_EQ(r.exit_code, 2) << c.yaml << r.err;
    for (int line : {c.first, c.second})
      EXPECT_NE(r.err.find(tmp.path("two.yaml") + ":" + std::to_string(line)), std::string::npos)
          << c.yaml << " -> " << r.err;
    EXPECT_FALSE(std::filesystem::exists(tmp.path("db"))) << c.yaml;
  }
}

// --config is `run`'s: its --help shows it, `newsflow --config F run` reads
// it too, and another command given it is a usage error (it would not read
// the file).
TEST(ConfigFile, OnlyRunTakesAConfigFile) {
  TempDir tmp;
  std::ofstream(tmp.path("run.yaml")) << "source: " << SourcePath("tests/fixtures/cls-sample.jsonl") << "\n"
                                      << "db: " << tmp.path("db") << "\n"
                                      << "rules: " << SourcePath("rules/sets") << "\n"
                                      << "quiet: true\njson: true\n";
  const auto help = RunShell(Newsflow() + " run --help");
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("--config"), std::string::npos) << help.out;

  auto r = RunShell(Newsflow() + " --config " + tmp.path("run.yaml") + " run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(JsonObject::LastLine(r.out).Uint("stored"), 120u);

  for (const std::string& cmd : {" query --count --config " + tmp.path("run.yaml") + " --db " + tmp.path("db"),
                                 " --config " + tmp.path("run.yaml") + " query --count --db " + tmp.path("db"),
                                 " stats --config " + tmp.path("run.yaml") + " --db " + tmp.path("db")}) {
    r = RunShell(Newsflow() + cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.out << r.err;
  }
  // A config file cannot name another config file.
  std::ofstream(tmp.path("nested.yaml")) << "config: " << tmp.path("run.yaml") << "\n";
  r = RunShell(Newsflow() + " run --config " + tmp.path("nested.yaml"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(tmp.path("nested.yaml") + ":1"), std::string::npos) << r.err;
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

// Every step of deploy/systemd/README.md's install block that puts files in
// place (not the user, the binary or systemctl), run with /usr/local, /etc
// and /var moved under a temporary root, then the example config (its paths
// moved alike) as the service runs it: from /, reading its own follow:
// source. It keeps running until the feed appears (its directory is there),
// stores what is appended, and on SIGTERM prints its summary as one JSON
// line and exits 0.
TEST(ConfigFile, TheServiceReadmesInstallStepsCreateWhatTheExampleConfigNeeds) {
  TempDir tmp;
  const std::string root = tmp.path("root");
  std::filesystem::create_directories(root + "/etc/systemd/system");  // there on any systemd machine
  std::filesystem::create_directories(root + "/etc/logrotate.d");     // and wherever logrotate is installed
  auto relocate = [&](std::string s) {
    for (const std::string from : {"/usr/local/", "/etc/", "/var/"})
      for (const std::string before : {" ", ":"})
        for (size_t at = 0; (at = s.find(before + from, at)) != std::string::npos; at += root.size() + from.size())
          s.replace(at + before.size(), from.size(), root + from);
    for (const std::string drop : {"sudo ", "-o newsflow ", "-g newsflow "})
      for (size_t at; (at = s.find(drop)) != std::string::npos;) s.erase(at, drop.size());
    return s;
  };
  int steps = 0;
  for (const std::string& line : ReadLines(SourcePath("deploy/systemd/README.md"))) {
    if (line.rfind("    sudo ", 0) != 0) continue;
    if (line.find("useradd") != std::string::npos || line.find("systemctl") != std::string::npos ||
        line.find("build/newsflow") != std::string::npos)
      continue;
    const std::string step = relocate(line);
    ASSERT_EQ(RunShell("cd " + SourcePath("") + " && " + step).exit_code, 0) << step;
    ++steps;
  }
  ASSERT_GT(steps, 3) << "the service README's install block has moved";
  const std::string config = root + "/etc/newsflow/newsflow.yaml";
  ASSERT_TRUE(std::filesystem::exists(config)) << "the install steps put no config in /etc/newsflow";
  std::ofstream(config + ".moved") << relocate(ReadFile(config));
  std::filesystem::rename(config + ".moved", config);

  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(root);
  testing::RunChild run({"run", "--config", config, "--http", "127.0.0.1:0"}, tmp.path("out"), tmp.path("err"));
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(run.started());
  ASSERT_EQ(run.WaitExit(std::chrono::seconds(2)), -1) << "the run stopped before its feed appeared:\n"
                                                       << ReadFile(tmp.path("err"));
  const std::string feed = root + "/var/lib/newsflow/feeds/cls.jsonl";
  std::ofstream(feed + ".tmp") << ReadFile(SourcePath("tests/fixtures/ths-sample.jsonl"));
  std::filesystem::rename(feed + ".tmp", feed);
  const std::string db = root + "/var/lib/newsflow/db";
  std::string count;
  for (int i = 0; i < 300 && count != "120"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    count = RunShell(Newsflow() + " query --count --db " + db).out;
    while (!count.empty() && (count.back() == '\n' || count.back() == ' ')) count.pop_back();
  }
  EXPECT_EQ(count, "120") << ReadFile(tmp.path("err"));
  run.Signal(SIGTERM);
  ASSERT_EQ(run.WaitExit(std::chrono::seconds(30)), 0) << ReadFile(tmp.path("err"));
  const std::vector<std::string> out = ReadLines(tmp.path("out"));
  ASSERT_EQ(out.size(), 1u) << ReadFile(tmp.path("out"));  // the summary, one JSON line
  EXPECT_EQ(JsonObject::Of(out[0]).Uint("stored"), 120u) << out[0];
}

}  // namespace
}  // namespace newsflow::pipeline
