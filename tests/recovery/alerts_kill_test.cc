// Subscription alerts over the three shared corpora (../shared/corpus;
// skipped, saying so, when absent): with nothing crashing, every
// (subscription, story) the final store matches has exactly one alert; with
// three kill -9s at random moments (each run then started again until its
// file is done), every one has at least one, and the test reports how many
// were delivered twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "json_util.h"
#include "subscription_reference.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::ReadFile;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

constexpr const char* kSubs =
    "subscriptions:\n"
    "  - {name: sz-chips, all: [region:shenzhen], any: [cluster:semiconductors, cluster:low-altitude, cluster:ai]}\n"
    "  - {name: biomed, any: [cluster:biomedicine, cluster:medical-devices], min_score: 2}\n"
    "  - {name: gd-fast, all: [region:guangdong], sources: [cls, ths]}\n";

const char* const kFeeds[] = {"cls-shared.jsonl.gz", "eastmoney-shared.jsonl.gz", "ths-shared.jsonl.gz"};

std::string RunCmd(const TempDir& tmp, const std::string& db, const std::string& alerts, const std::string& file) {
  return Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --source " + file + " --db " + db +
         " --subscriptions " + tmp.path("subs.yaml") + " --alerts file:" + alerts;
}

// (subscription/story) ids that the stored documents call for.
std::set<std::string> Expected(const std::string& db) {
  std::vector<Subscription> subs;
  EXPECT_TRUE(ParseSubscriptions(kSubs, "test", {}, &subs).ok());
  const auto q = RunShell(Newsflow() + " query --limit 0 --json --db " + db);
  EXPECT_EQ(q.exit_code, 0) << q.err;
  std::set<std::string> ids;
  for (const JsonObject& doc : JsonLines(q.out)) {
    std::vector<DocTag> tags;
    const auto scores = doc.Numbers("scores");
    for (const auto& [t, s] : scores) tags.push_back({t, s});
    for (const auto& s : subs)
      if (testing::SubscriptionMatches(s, tags, doc.String("source"))) ids.insert(s.name + "/" + doc.String("story"));
  }
  return ids;
}

std::map<std::string, int> Delivered(const std::string& alerts) {
  std::map<std::string, int> n;
  for (const JsonObject& a : JsonLines(ReadFile(alerts))) {
    EXPECT_TRUE(a.ok()) << "a line of the alert file is not one whole alert";
    ++n[a.String("id")];
  }
  return n;
}

class AlertsOnCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : kFeeds) {
      files_.push_back(testing::CorpusFile(f));
      if (!std::filesystem::exists(files_.back()))
        GTEST_SKIP() << "needs the shared corpus (../shared/corpus): " << files_.back() << " is not there";
    }
    std::ofstream(tmp_.path("subs.yaml")) << kSubs;
  }
  TempDir tmp_;
  std::vector<std::string> files_;
};

TEST_F(AlertsOnCorpus, ExactlyOncePerSubscriptionAndStoryWithoutCrashes) {
  const std::string db = tmp_.path("db"), alerts = tmp_.path("alerts.jsonl");
  for (const auto& f : files_) {
    const auto r = RunShell(RunCmd(tmp_, db, alerts, f));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::set<std::string> want = Expected(db);
  ASSERT_GT(want.size(), 500u);
  const auto got = Delivered(alerts);
  std::set<std::string> ids;
  for (const auto& [id, n] : got) {
    EXPECT_EQ(n, 1) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids, want);
  std::printf("[ info ] %zu alerts for %zu (subscription, story) pairs\n", got.size(), want.size());
}

TEST_F(AlertsOnCorpus, AtLeastOnceAfterThreeKillNines) {
  const std::string db = tmp_.path("db"), alerts = tmp_.path("alerts.jsonl");
  std::mt19937 rng(20261129);
  int kills = 0;
  for (const auto& f : files_) {
    for (;;) {
      const pid_t pid = fork();
      if (pid == 0) {
        const std::string cmd = "exec " + RunCmd(tmp_, db, alerts, f) + " > /dev/null 2>&1";
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      const bool kill_this = kills < 3;
      if (kill_this) {
        // Early enough that a (resumed) run of a corpus file is still going
        // on a fast machine: a whole file takes seconds.
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 500));
        kill(pid, SIGKILL);
      }
      int st = 0;
      waitpid(pid, &st, 0);
      if (WIFSIGNALED(st)) {
        ++kills;
        continue;  // start it again: the file resumes from its last durable mark
      }
      ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << f;
      break;
    }
  }
  ASSERT_EQ(kills, 3) << "a run finished before it could be killed: the test proves less";
  const std::set<std::string> want = Expected(db);
  const auto got = Delivered(alerts);
  size_t twice = 0;
  for (const std::string& id : want) {
    ASSERT_TRUE(got.count(id)) << id << " was never delivered";
    twice += got.at(id) > 1;
  }
  for (const auto& [id, n] : got) EXPECT_TRUE(want.count(id)) << id << " delivered but not called for";
  std::printf("[ info ] %zu (subscription, story) pairs; %zu delivered more than once after 3 kill -9s\n",
              want.size(), twice);
}

}  // namespace
}  // namespace newsflow::pipeline
