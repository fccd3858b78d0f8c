// deploy/systemd/newsflow.service: `systemd-analyze verify` accepts it (with
// ExecStart pointing at the built binary), and it says what an operator
// relies on: its own user, restart on failure, reload = SIGHUP, stop =
// SIGTERM, options from the config file. And the command it runs is a valid
// `newsflow run` command line. The nightly backup timer and service verify
// too, and the service's command backs up a store.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonObject;
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
  // A usage error (exit 2: a typo in the config) is not restarted every
  // RestartSec forever, and starts that keep failing end in "failed".
  EXPECT_EQ(one("RestartPreventExitStatus"), "2");
  EXPECT_GT(std::atoi(one("StartLimitBurst").c_str()), 0) << one("StartLimitBurst");
  EXPECT_GT(std::atoi(one("StartLimitIntervalSec").c_str()), 0) << one("StartLimitIntervalSec");
}

// The nightly backup: the timer and its service verify, the timer starts the
// service, and the service's command (paths moved to a test directory)
// backs up a store and keeps the newest seven.
TEST(SystemdUnit, TheNightlyBackupVerifiesAndItsCommandBacksUpTheStore) {
  TempDir tmp;
  const std::string service = ReadFile(SourcePath("deploy/systemd/newsflow-backup.service"));
  const std::string timer = ReadFile(SourcePath("deploy/systemd/newsflow-backup.timer"));
  ASSERT_FALSE(service.empty());
  ASSERT_FALSE(timer.empty());
  std::ofstream(tmp.path("newsflow-backup.service"))
      << std::regex_replace(service, std::regex("/usr/local/bin/newsflow"), Newsflow());
  std::ofstream(tmp.path("newsflow-backup.timer")) << timer;
  for (const char* unit : {"newsflow-backup.service", "newsflow-backup.timer"}) {
    const auto v = RunShell("cd " + tmp.path() + " && systemd-analyze verify " + tmp.path(unit));
    EXPECT_EQ(v.exit_code, 0) << unit << "\n" << v.out << v.err;
    EXPECT_EQ(v.err.find("Unknown"), std::string::npos) << v.err;
  }
  EXPECT_NE(timer.find("OnCalendar="), std::string::npos);

  std::smatch m;
  ASSERT_TRUE(std::regex_search(service, m, std::regex("\nExecStart=/usr/local/bin/newsflow ([^\n]*)")));
  std::string args = m[1];
  args = std::regex_replace(args, std::regex("/var/lib/newsflow/db"), tmp.path("db"));
  args = std::regex_replace(args, std::regex("/var/lib/newsflow/backups"), tmp.path("backups"));
  ASSERT_NE(args.find("--keep 7"), std::string::npos) << args;
  ASSERT_EQ(RunShell(Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --source " +
                     SourcePath("tests/fixtures/cls-sample.jsonl") + " --db " + tmp.path("db"))
                .exit_code,
            0);
  for (int i = 1; i <= 8; ++i) {
    const auto r = RunShell(Newsflow() + " " + args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    EXPECT_NE(r.out.find("\"backup_id\":" + std::to_string(i) + ","), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(i == 8 ? "\"purged\":1" : "\"purged\":0"), std::string::npos) << r.out;
  }
}

// The environment file's settings are ones newsflow accepts, read as a
// shell reads it (`set -a; . newsflow.env`, every line must parse) and
// NEWSFLOW_ARGS split into words as the unit's `$NEWSFLOW_ARGS` is, with the
// install prefix moved to where the seeds are.
TEST(SystemdUnit, TheEnvironmentFileIsValid) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path("share"));
  std::filesystem::create_directory_symlink(SourcePath("seeds"), tmp.path("share/seeds"));
  std::ofstream(tmp.path("newsflow.env"))
      << std::regex_replace(ReadFile(SourcePath("deploy/systemd/newsflow.env")),
                            std::regex("/usr/local/share/newsflow"), tmp.path("share"));
  const auto r = RunShell("{ set -eu; set -a; . " + tmp.path("newsflow.env") + "; set +a; " +
                          "echo \"NEWSFLOW_ARGS=$NEWSFLOW_ARGS\" >&2; " + Newsflow() + " run -q --json --rules " +
                          SourcePath("rules/sets") + " --source " + SourcePath("tests/fixtures/cls-sample.jsonl") +
                          " --db " + tmp.path("db") + " $NEWSFLOW_ARGS; }");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("NEWSFLOW_ARGS=--seeds " + tmp.path("share/seeds")), std::string::npos) << r.err;
  EXPECT_EQ(JsonObject::LastLine(r.out).Uint("stored"), 120u) << r.out;
}

}  // namespace
}  // namespace newsflow::pipeline
