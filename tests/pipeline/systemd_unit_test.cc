// deploy/systemd/newsflow.service: `systemd-analyze verify` accepts it (with
// ExecStart pointing at the built binary), and it says what an operator
// relies on: its own user, restart on failure, reload = SIGHUP, stop =
// SIGTERM, options from the config file. And the command it runs is a valid
// `newsflow run` command line.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::ReadFile;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

TEST(SystemdUnit, VerifiesAndSaysWhatOperatorsRelyOn) {
  TempDir tmp;
  const std::string unit = ReadFile(SourcePath("deploy/systemd/newsflow.service"));
  ASSERT_FALSE(unit.empty());
  const std::string installed = std::regex_replace(unit, std::regex("/usr/local/bin/newsflow"), Newsflow());
  std::ofstream(tmp.path("newsflow.service")) << installed;
  const auto v = RunShell("systemd-analyze verify " + tmp.path("newsflow.service"));
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.err.find("Unknown"), std::string::npos) << v.err;  // a misspelt directive is only a warning

  std::multimap<std::string, std::string> keys;
  std::istringstream in(unit);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || line[0] == '[' || eq == std::string::npos) continue;
    keys.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  auto one = [&](const std::string& k) { return keys.count(k) == 1 ? keys.find(k)->second : "<" + k + "?>"; };
  EXPECT_EQ(one("User"), "newsflow");
  EXPECT_EQ(one("Restart"), "on-failure");
  EXPECT_EQ(one("ExecReload"), "/bin/kill -HUP $MAINPID");
  EXPECT_EQ(one("KillSignal"), "SIGTERM");
  EXPECT_NE(one("ExecStart").find(" run --config /etc/newsflow/newsflow.yaml"), std::string::npos);
  EXPECT_EQ(one("EnvironmentFile"), "-/etc/newsflow/newsflow.env");
}

// The environment file's settings are ones newsflow accepts.
TEST(SystemdUnit, TheEnvironmentFileIsValid) {
  TempDir tmp;
  const auto r = RunShell("set -a; . " + SourcePath("deploy/systemd/newsflow.env") + "; set +a; " + Newsflow() +
                          " run -q --json --rules " + SourcePath("rules/sets") + " --source " +
                          SourcePath("tests/fixtures/cls-sample.jsonl") + " --db " + tmp.path("db") +
                          " --seeds " + SourcePath("seeds"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace newsflow::pipeline
