// `run` with story ids across batches: the story thread assigns batch n
// while the writer stores batch n - 1, so a document that needs the store
// (one older than the window, re-published) must wait for the batches
// before it; within a batch it goes by event time. Small batches make the
// boundaries exact.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <vector>


#include "json_util.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/story_stage.h"
#include "stored_stories.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::RunShell;
using testing::StoredStories;
using testing::SourcePath;
using testing::TempDir;

// One report (two renderings of it are one story), at kT0 and later.
constexpr int64_t kT0 = 1780000000;
const std::string kTitle = "宁德时代与奔驰签署固态电池合作协议";
const std::string kDigest = "宁德时代与奔驰签署固态电池合作协议，双方将在德国共建研发中心，并计划于2027年实现量产。";

std::string ThsLine(const std::string& id, int64_t ctime, const std::string& title, const std::string& digest) {
  return R"({"id":")" + id + R"(","ctime":")" + std::to_string(ctime) + R"(","title":")" + title +
         R"(","digest":")" + digest + R"("})";
}

// One input and the same input cut in two at a batch boundary (batches of
// one record): all.jsonl = first + rest, p1.jsonl = first, p2.jsonl = rest.
void WriteSplitInput(const TempDir& tmp, const std::vector<std::string>& first, const std::vector<std::string>& rest) {
  std::ofstream p1(tmp.path("p1.jsonl")), p2(tmp.path("p2.jsonl")), all(tmp.path("all.jsonl"));
  for (const auto& l : first) {
    p1 << l << "\n";
    all << l << "\n";
  }
  for (const auto& l : rest) {
    p2 << l << "\n";
    all << l << "\n";
  }
}

// `run --batch 1` of tmp/IN into the store tmp/DB; its JSON summary.
testing::JsonObject RunBatchesOfOne(const TempDir& tmp, const std::string& in, const std::string& db,
                                    const std::string& extra = "") {
  auto r = RunShell(Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --batch 1 --source file:" +
                    tmp.path(in) + " --db " + tmp.path(db) + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return testing::JsonObject::LastLine(r.out);
}

// Batch 0: A, then K a minute later (the same report: it joins A's story),
// then Z two days later (the window moves past A and K). Batch 1: K
// re-published with its old time, now older than the window: it keeps the
// story it was stored with, which only the store knows, and the store has
// it only once batch 0 is written.
TEST(StoryRun, AReportOlderThanTheWindowKeepsTheStoryStoredInTheBatchBefore) {
  TempDir tmp;
  {
    std::ofstream f(tmp.path("in.jsonl"));
    f << ThsLine("900001", kT0, kTitle, kDigest) << "\n"
      << ThsLine("900002", kT0 + 60, kTitle, kDigest) << "\n"
      << ThsLine("900003", kT0 + 48 * 3600, "央行开展逆回购操作", "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%。") << "\n"
      << ThsLine("900002", kT0 + 60, kTitle, kDigest) << "\n";
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


constexpr int64_t kDay = 86400;

// The start (seconds) of the late bucket after the one holding `t`, with
// the default 24-hour window (StoryStage::kLateBucketWindows).
int64_t NextLateBucketStart(int64_t t) {
  const int64_t bucket = StoryStage::kLateBucketWindows * kDay;
  return (t / bucket + 1) * bucket;
}

// One feed's file loaded after another's: the second file's documents are
// older than the window the first left, and are paired with the stored
// documents around their own time. A (first file) and B (second, a minute
// later) are one report. X and Y are another report on either side of a
// late bucket boundary: Y's late index covers X's time, so it must
// hold X whether X is in the store (batches of one) or only earlier in the
// same batch. One run, two runs (the late indexes rebuilt from the store),
// and any batch size give the same ids; --no-late-stories pairs none.
TEST(StoryRun, AFeedLoadedAfterAnotherPairsWithTheStoriesStoredAroundItsTime) {
  TempDir tmp;
  const int64_t boundary = NextLateBucketStart(kT0);
  ASSERT_GT(boundary - 600, kT0 + 3600) << "X would be in A's story's hour";
  const int64_t z_time = kT0 + 10 * kDay;  // moves the window past everything else
  ASSERT_LT(boundary + 600, z_time - kDay) << "X and Y would not be older than the window";
  const std::string other_title = "央行开展逆回购操作";
  const std::string other = "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%，操作后实现净投放800亿元。";
  {
    std::ofstream first(tmp.path("first.jsonl"));
    first << ThsLine("900071", kT0, kTitle, kDigest) << "\n"
          << ThsLine("900072", z_time, "沪指收涨0.5%", "沪指收涨0.5%，成交额1.2万亿元。") << "\n";
  }
  WriteSplitInput(tmp, {ThsLine("900073", kT0 + 60, kTitle, kDigest), ThsLine("900074", boundary - 600, other_title, other)},
                  {ThsLine("900075", boundary + 600, other_title, other)});
  auto run = [&](const std::string& in, const std::string& db, const std::string& extra) {
    auto r = RunShell(Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --source file:" +
                      tmp.path(in) + " --db " + tmp.path(db) + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return testing::JsonObject::LastLine(r.out);
  };
  run("first.jsonl", "one", "");
  EXPECT_EQ(run("all.jsonl", "one", " --batch 16").Uint("story_late_joined"), 2u);
  const auto one = StoredStories(tmp.path("one"));
  ASSERT_EQ(one.size(), 5u);
  EXPECT_EQ(one.at("ths:900073"), "ths:900071") << "B did not find A, stored by the first file";
  EXPECT_EQ(one.at("ths:900074"), "ths:900074");
  EXPECT_EQ(one.at("ths:900075"), "ths:900074") << "Y's late index missed X, assigned earlier in its batch";

  run("first.jsonl", "batches", "");
  run("all.jsonl", "batches", " --batch 1");
  EXPECT_EQ(StoredStories(tmp.path("batches")), one);
  run("first.jsonl", "restarted", "");
  run("p1.jsonl", "restarted", " --batch 1");
  run("p2.jsonl", "restarted", " --batch 1");
  EXPECT_EQ(StoredStories(tmp.path("restarted")), one) << "a restart rebuilt other late indexes";
  // Re-ingested under another name (the same file again would be skipped
  // as stored to its end).
  std::filesystem::copy_file(tmp.path("all.jsonl"), tmp.path("again.jsonl"));
  EXPECT_EQ(run("again.jsonl", "one", " --batch 16").Uint("stored"), 3u);
  EXPECT_EQ(StoredStories(tmp.path("one")), one) << "re-ingesting changed a story id";

  run("first.jsonl", "off", "");
  run("all.jsonl", "off", " --batch 16 --no-late-stories");
  const auto off = StoredStories(tmp.path("off"));
  EXPECT_EQ(off.at("ths:900073"), "ths:900073");
  EXPECT_EQ(off.at("ths:900075"), "ths:900075");
}

// A late index already cached must take in a document assigned through
// another one when its range holds that document's time. Batches of one:
// W (another report, after the boundary) builds the next bucket's index;
// X (before the boundary) is assigned in its own bucket's index and must
// be added to the next one's too, since its range reaches a window back;
// Y (after the boundary, X's text) then finds X there. A restart between X
// and Y builds the next bucket's index from the store instead: the same.
TEST(StoryRun, ALateIndexCachedBeforeTakesInDocumentsAssignedThroughAnother) {
  TempDir tmp;
  const int64_t boundary = NextLateBucketStart(kT0);
  const int64_t z_time = kT0 + 10 * kDay;
  ASSERT_LT(boundary + 7200, z_time - kDay);
  const std::string other = "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%，操作后实现净投放800亿元。";
  {
    std::ofstream first(tmp.path("first.jsonl"));
    first << ThsLine("900081", z_time, "沪指收涨0.5%", "沪指收涨0.5%，成交额1.2万亿元。") << "\n";
  }
  WriteSplitInput(tmp,
                  {ThsLine("900082", boundary + 7200, kTitle, kDigest),
                   ThsLine("900083", boundary - 600, "央行开展逆回购操作", other)},
                  {ThsLine("900084", boundary + 600, "央行开展逆回购操作", other)});
  auto run = [&](const std::string& in, const std::string& db) {
    auto r = RunShell(Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --batch 1 --source file:" +
                      tmp.path(in) + " --db " + tmp.path(db));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  run("first.jsonl", "one");
  run("all.jsonl", "one");
  const auto one = StoredStories(tmp.path("one"));
  ASSERT_EQ(one.size(), 4u);
  EXPECT_EQ(one.at("ths:900082"), "ths:900082");
  EXPECT_EQ(one.at("ths:900084"), "ths:900083") << "the cached late index of Y's bucket missed X";
  run("first.jsonl", "two");
  run("p1.jsonl", "two");
  run("p2.jsonl", "two");
  EXPECT_EQ(StoredStories(tmp.path("two")), one);
}

// Within a regular file's batch the story thread goes by event time, not by
// arrival: the later report arriving first does not make it the story's
// root, so the ids do not depend on how the feeds interleaved within the
// batch. Across batches (here: batches of one record) arrival order
// decides, and so it does for stdin (not replayable, even redirected from
// a file: live input's batches are cut by timing).
TEST(StoryRun, AFileBatchIsAssignedInEventTimeOrderLiveInputInArrivalOrder) {
  TempDir tmp;
  {
    std::ofstream f(tmp.path("in.jsonl"));
    f << ThsLine("900012", kT0 + 60, kTitle, kDigest) << "\n"  // the later report, delivered first
      << ThsLine("900011", kT0, kTitle, kDigest) << "\n";
  }
  struct Case {
    const char* name;
    std::string source, batch, root;
  };
  for (const Case& c : {Case{"file", "file:" + tmp.path("in.jsonl"), "16", "ths:900011"},
                        Case{"file-batch1", "file:" + tmp.path("in.jsonl"), "1", "ths:900012"},
                        Case{"stdin", "- < " + tmp.path("in.jsonl"), "16", "ths:900012"}}) {
    SCOPED_TRACE(c.name);
    const std::string db = tmp.path(std::string("db-") + c.name);
    auto r = RunShell(Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --db " + db + " --batch " +
                      c.batch + " --source " + c.source);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stories = StoredStories(db);
    ASSERT_EQ(stories.size(), 2u);
    EXPECT_EQ(stories.at("ths:900011"), c.root);
    EXPECT_EQ(stories.at("ths:900012"), c.root);
  }
}

// The window a restart rebuilds ends where the last stored batch left the
// watermark, not at the newest time still stored: K's first copy (48 h
// later) moved the window past A, then K was re-published with an earlier
// time. B, A's text two hours after it, is older than the window whether
// the run was one or two: without late pairing it starts its own story
// (a rebuilt window reaching back to A would put it in A's); with it, B
// joins A through the late index, in both.
TEST(StoryRun, ARestartKeepsTheWatermarkOfAReplacedNewestDocument) {
  TempDir tmp;
  const std::string other = "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%。";
  WriteSplitInput(tmp,
                  {ThsLine("900021", kT0, kTitle, kDigest), ThsLine("900022", kT0 + 48 * 3600, "央行开展逆回购操作", other),
                   ThsLine("900022", kT0 + 3600, "央行开展逆回购操作", other)},
                  {ThsLine("900023", kT0 + 2 * 3600, kTitle, kDigest)});
  for (const auto& [extra, b_story] : {std::pair<std::string, std::string>{" --no-late-stories", "ths:900023"},
                                       {"", "ths:900021"}}) {
    SCOPED_TRACE(extra);
    const std::string one_db = extra.empty() ? "one" : "one-off", two_db = extra.empty() ? "two" : "two-off";
    const auto summary = RunBatchesOfOne(tmp, "all.jsonl", one_db, extra);
    RunBatchesOfOne(tmp, "p1.jsonl", two_db, extra);
    const auto resumed = RunBatchesOfOne(tmp, "p2.jsonl", two_db, extra);
    const auto one = StoredStories(tmp.path(one_db)), two = StoredStories(tmp.path(two_db));
    EXPECT_EQ(one.at("ths:900023"), b_story) << "A left the window when K's first copy arrived";
    EXPECT_EQ(two, one);
    EXPECT_EQ(summary.Uint("story_late_joined"), extra.empty() ? 1u : 0u);
    EXPECT_EQ(resumed.Uint("story_late_joined"), extra.empty() ? 1u : 0u);
  }
}

// A subscription's alert for a story carries the story's first member. In a
// file's batch that is the earliest by event time even when it arrives
// second (the story step's order); stdin goes by arrival.
TEST(StoryRun, AStorysAlertCarriesItsEarliestMemberInAFileBatch) {
  TempDir tmp;
  {
    std::ofstream f(tmp.path("in.jsonl"));
    f << ThsLine("900042", kT0 + 60, kTitle, kDigest) << "\n"  // the later report, delivered first
      << ThsLine("900041", kT0, kTitle, kDigest) << "\n";
    std::ofstream(tmp.path("subs.yaml")) << "subscriptions:\n  - {name: cars, any: [cluster:nev-icv]}\n";
  }
  for (const auto& [name, source, first] :
       {std::tuple<std::string, std::string, std::string>{"file", "file:" + tmp.path("in.jsonl"), "ths:900041"},
        {"stdin", "- < " + tmp.path("in.jsonl"), "ths:900042"}}) {
    SCOPED_TRACE(name);
    const std::string alerts = tmp.path("alerts-" + name + ".jsonl");
    auto r = RunShell(Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --db " + tmp.path("db-" + name) +
                      " --batch 16 --subscriptions " + tmp.path("subs.yaml") + " --alerts file:" + alerts +
                      " --source " + source);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = testing::JsonLines(testing::ReadFile(alerts));
    ASSERT_EQ(lines.size(), 1u) << "one story, one alert";
    EXPECT_EQ(lines[0].String("key"), first);
    EXPECT_EQ(lines[0].String("id"), "cars/" + StoredStories(tmp.path("db-" + name)).at(first));
  }
}

// A report re-published (same id) hours later, after its first copy left
// the window: it keeps the story it was stored with, whether its first copy
// is in the store (batches of one), earlier in the same batch, or arrived
// by stdin, so the desk gets one alert for the story, not a second one for
// the copy's "new" story.
TEST(StoryRun, AReportRepublishedAfterItLeftTheWindowKeepsItsStoryAndAlertsOnce) {
  TempDir tmp;
  {
    std::ofstream f(tmp.path("in.jsonl"));
    f << ThsLine("900061", kT0, kTitle, kDigest) << "\n"
      << ThsLine("900062", kT0 + 60, kTitle, kDigest) << "\n"
      << ThsLine("900063", kT0 + 2 * 3600, "央行开展逆回购操作", "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%。") << "\n"
      << ThsLine("900062", kT0 + 2 * 3600 + 60, kTitle, kDigest) << "\n";
    std::ofstream(tmp.path("subs.yaml")) << "subscriptions:\n  - {name: cars, any: [cluster:nev-icv]}\n";
  }
  for (const auto& [name, extra] : {std::pair<std::string, std::string>{"one-batch", " --batch 16 --source file:" + tmp.path("in.jsonl")},
                                    {"batches-of-one", " --batch 1 --source file:" + tmp.path("in.jsonl")},
                                    {"stdin", " --source - < " + tmp.path("in.jsonl")}}) {
    SCOPED_TRACE(name);
    const std::string db = tmp.path("db-" + name), alerts = tmp.path("alerts-" + name + ".jsonl");
    auto r = RunShell(Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --db " + db +
                      " --story-window 1 --subscriptions " + tmp.path("subs.yaml") + " --alerts file:" + alerts + extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stories = StoredStories(db);
    ASSERT_EQ(stories.size(), 3u);
    EXPECT_EQ(stories.at("ths:900062"), "ths:900061") << "the re-published report left its story";
    EXPECT_EQ(stories.at("ths:900063"), "ths:900063");
    const auto lines = testing::JsonLines(testing::ReadFile(alerts));
    ASSERT_EQ(lines.size(), 1u) << "one story, one alert";
    EXPECT_EQ(lines[0].String("id"), "cars/ths:900061");
  }
}

// One item with a wrong, far-future time (2099) between two renderings of
// one report: it must not move the window, or B, a minute after A, would
// find A gone and start a story of its own; it is counted, keeps its own
// story, and is left out of the window a restart rebuilds too.
TEST(StoryRun, AFarFutureTimeDoesNotPushTheWindowPastLaterDocuments) {
  TempDir tmp;
  constexpr int64_t k2099 = 4070908800;  // 2099-01-01T00:00:00Z
  WriteSplitInput(tmp,
                  {ThsLine("900031", kT0, kTitle, kDigest),
                   ThsLine("900032", k2099, "央行开展逆回购操作", "央行今日开展1000亿元7天期逆回购操作。")},
                  {ThsLine("900033", kT0 + 60, kTitle, kDigest)});
  const auto summary = RunBatchesOfOne(tmp, "all.jsonl", "one");
  EXPECT_EQ(summary.Uint("story_future_dated"), 1u);
  EXPECT_EQ(summary.Uint("stored"), 3u) << "the item with the wrong time is stored all the same";
  const auto one = StoredStories(tmp.path("one"));
  EXPECT_EQ(one.at("ths:900033"), "ths:900031") << "the 2099 item pushed A out of the window";
  EXPECT_EQ(one.at("ths:900032"), "ths:900032");
  RunBatchesOfOne(tmp, "p1.jsonl", "two");
  RunBatchesOfOne(tmp, "p2.jsonl", "two");
  EXPECT_EQ(StoredStories(tmp.path("two")), one) << "the restart rebuilt a window moved by the 2099 item";
}

// A key in the window re-published with a wrong, far-future time leaves the
// window (the store now holds that copy, which a rebuild leaves out), so a
// run stopped after it and restarted assigns what one run does. And a store
// whose persisted window mark a wrong time already moved (a store written
// before the check) is repaired when the next run opens it.
TEST(StoryRun, AFarFutureCopyAndAPoisonedMarkLeaveRestartsExact) {
  TempDir tmp;
  constexpr int64_t k2099 = 4070908800;
  WriteSplitInput(tmp, {ThsLine("900051", kT0, kTitle, kDigest), ThsLine("900051", k2099, kTitle, kDigest)},
                  {ThsLine("900052", kT0 + 60, kTitle, kDigest)});
  RunBatchesOfOne(tmp, "all.jsonl", "one");
  RunBatchesOfOne(tmp, "p1.jsonl", "two");
  RunBatchesOfOne(tmp, "p2.jsonl", "two");
  EXPECT_EQ(StoredStories(tmp.path("two")), StoredStories(tmp.path("one")));

  // A pair at kT0 into a store whose mark says 2099: one story, as in a fresh store.
  {
    storage::StoreOptions o;
    o.path = tmp.path("poisoned");
    std::unique_ptr<storage::Store> store;
    ASSERT_TRUE(storage::Store::Open(o, &store).ok());
    storage::WriteSet w;
    w.progress.push_back({StoryStage::kWatermarkMark, std::to_string(k2099 * 1000)});
    ASSERT_TRUE(store->Write(w).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  {
    std::ofstream pair(tmp.path("pair.jsonl"));
    pair << ThsLine("900061", kT0, kTitle, kDigest) << "\n" << ThsLine("900062", kT0 + 60, kTitle, kDigest) << "\n";
  }
  RunBatchesOfOne(tmp, "pair.jsonl", "poisoned");
  const auto stories = StoredStories(tmp.path("poisoned"));
  EXPECT_EQ(stories.at("ths:900062"), stories.at("ths:900061")) << "the poisoned mark kept the pair apart";
}

}  // namespace
}  // namespace newsflow::pipeline
