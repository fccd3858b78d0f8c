// `run` with story ids across batches: the story thread assigns batch n
// while the writer stores batch n - 1, so a document that needs the store
// (one older than the window, re-published) must wait for the batches
// before it; within a batch it goes by event time. Small batches make the
// boundaries exact.
#include <gtest/gtest.h>

#include <fstream>
#include <map>


#include "stored_stories.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::RunShell;
using testing::StoredStories;
using testing::SourcePath;
using testing::TempDir;

std::string ThsLine(const std::string& id, int64_t ctime, const std::string& title, const std::string& digest) {
  return R"({"id":")" + id + R"(","ctime":")" + std::to_string(ctime) + R"(","title":")" + title +
         R"(","digest":")" + digest + R"("})";
}

// Batch 0: A, then K a minute later (the same report: it joins A's story),
// then Z two days later (the window moves past A and K). Batch 1: K
// re-published with its old time, now older than the window: it keeps the
// story it was stored with, which only the store knows, and the store has
// it only once batch 0 is written.
TEST(StoryRun, AReportOlderThanTheWindowKeepsTheStoryStoredInTheBatchBefore) {
  TempDir tmp;
  const int64_t t0 = 1780000000;
  const std::string title = "宁德时代与奔驰签署固态电池合作协议";
  const std::string digest = "宁德时代与奔驰签署固态电池合作协议，双方将在德国共建研发中心，并计划于2027年实现量产。";
  {
    std::ofstream f(tmp.path("in.jsonl"));
    f << ThsLine("900001", t0, title, digest) << "\n"
      << ThsLine("900002", t0 + 60, title, digest) << "\n"
      << ThsLine("900003", t0 + 48 * 3600, "央行开展逆回购操作", "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%。") << "\n"
      << ThsLine("900002", t0 + 60, title, digest) << "\n";
  }
  for (int run = 0; run < 20; ++run) {  // the race, if any, has 20 chances
    const std::string db = tmp.path("db" + std::to_string(run));
    auto r = RunShell(Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --source file:" +
                      tmp.path("in.jsonl") + " --db " + db + " --batch 3");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stories = StoredStories(db);
    ASSERT_EQ(stories.size(), 3u);
    EXPECT_EQ(stories.at("ths:900001"), "ths:900001");
    EXPECT_EQ(stories.at("ths:900002"), "ths:900001") << "run " << run << ": the re-published report lost its story";
    EXPECT_EQ(stories.at("ths:900003"), "ths:900003");
  }
}


// Within a batch the story thread goes by event time, not by arrival: the
// later report arriving first does not make it the story's root, so the
// ids do not depend on how the feeds interleaved within the batch. Across
// batches (here: batches of one record) arrival order decides.
TEST(StoryRun, ABatchIsAssignedInEventTimeOrder) {
  TempDir tmp;
  const int64_t t0 = 1780000000;
  const std::string title = "宁德时代与奔驰签署固态电池合作协议";
  const std::string digest = "宁德时代与奔驰签署固态电池合作协议，双方将在德国共建研发中心，并计划于2027年实现量产。";
  {
    std::ofstream f(tmp.path("in.jsonl"));
    f << ThsLine("900012", t0 + 60, title, digest) << "\n"  // the later report, delivered first
      << ThsLine("900011", t0, title, digest) << "\n";
  }
  for (auto [batch, root] : {std::pair{"16", "ths:900011"}, std::pair{"1", "ths:900012"}}) {
    SCOPED_TRACE(std::string("--batch ") + batch);
    const std::string db = tmp.path(std::string("db") + batch);
    auto r = RunShell(Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --source file:" +
                      tmp.path("in.jsonl") + " --db " + db + " --batch " + batch);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stories = StoredStories(db);
    ASSERT_EQ(stories.size(), 2u);
    EXPECT_EQ(stories.at("ths:900011"), root);
    EXPECT_EQ(stories.at("ths:900012"), root);
  }
}

}  // namespace
}  // namespace newsflow::pipeline
