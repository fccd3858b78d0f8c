// Same-story ids on the real feeds (../shared/corpus): the held-out month
// (2026-07) of cls, eastmoney and ths merged in time order
// (tests/story/tools/merge_feeds.py) and stored with story assignment.
//   * a run killed with SIGKILL and restarted gives exactly the ids of one run;
//   * another interleaving of the same items groups documents alike;
//   * query --collapse shows one document per story;
//   * the held-out labelled pairs (tests/story/pairs_holdout.jsonl,
//     pairs_holdout2.jsonl and pairs_holdout3.jsonl) are measured with
//     `story eval` (figures in tests/story/README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include <simdjson.h>

#include "json_util.h"
#include "run_and_kill.h"
#include "stored_stories.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::RunShell;
using testing::StoredStories;
using testing::SourcePath;
using testing::JsonObject;

// Measured 2026-12-01 (tests/story/README.md); a floor, not the figure.
constexpr double FEEDS_ONE_AFTER_ANOTHER_FLOOR = 0.96;  // measured 0.9646 (tests/story/README.md)

std::string CorpusDir() {
  const char* env = std::getenv("NEWSFLOW_CORPUS_DIR");
  return env ? std::string(env) : SourcePath("../shared/corpus");
}

// For each document, the set of the other members of its story.
std::map<std::string, std::set<std::string>> Mates(const std::map<std::string, std::string>& stories) {
  std::map<std::string, std::set<std::string>> members, out;
  for (const auto& [k, s] : stories) members[s].insert(k);
  for (const auto& [k, s] : stories) {
    out[k] = members[s];
    out[k].erase(k);
  }
  return out;
}

class StoryCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    ASSERT_TRUE(std::filesystem::exists(CorpusDir() + "/cls-shared.jsonl.gz"))
        << "these tests need the shared corpus beside the clone: " << CorpusDir();
    for (auto [name, extra] : {std::pair{"july", ""}, std::pair{"july-reversed", " --reverse-ties"},
                               std::pair{"july-jittered", " --jitter 120"}}) {
      auto m = RunShell("python3 " + SourcePath("tests/story/tools/merge_feeds.py") + " --corpus " + CorpusDir() +
                        " --since 2026-07-01 --until 2026-08-01 --out " + dir_->path(std::string(name) + ".jsonl") + extra);
      ASSERT_EQ(m.exit_code, 0) << m.err;
    }
    for (const char* feed : {"cls", "eastmoney", "ths"}) {
      auto m = RunShell("python3 " + SourcePath("tests/story/tools/merge_feeds.py") + " --corpus " + CorpusDir() +
                        " --since 2026-07-01 --until 2026-08-01 --feed " + feed + " --out " +
                        dir_->path(std::string("july-") + feed + ".jsonl"));
      ASSERT_EQ(m.exit_code, 0) << m.err;
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  static testing::CommandResult Run(const std::string& input, const std::string& db, const std::string& extra = "") {
    return RunShell(Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --source file:" + input +
                    " --db " + db + extra);
  }
  static std::string Path(const std::string& name) { return dir_->path(name); }
  static testing::TempDir* dir_;
};
testing::TempDir* StoryCorpus::dir_ = nullptr;

// The restart is a real one: the run is killed with SIGKILL halfway through
// the file and run again, resuming from its last checkpoint. The input has
// its same-second items in the reverse feed order, so the order within a
// batch matters (event time is not arrival order).
TEST_F(StoryCorpus, RestartedRunGivesTheSameStoryIdsAndCollapseShowsEachStoryOnce) {
  const std::string whole = Path("july-reversed.jsonl");
  const std::vector<std::string> args = {Newsflow(), "run", "-q", "--json", "--rules", SourcePath("rules/sets"),
                                         "--source", "file:" + whole,
                                         // the reader stays close behind the writer, which checkpoints often
                                         "--checkpoint-records", "2000", "--max-inflight-bytes", "4194304"};
  auto with_db = [&](const std::string& db) {
    auto a = args;
    a.insert(a.end(), {"--db", db});
    return a;
  };
  auto one = RunShell(testing::CommandLine(with_db(Path("db-one"))));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto summary = JsonObject::LastLine(one.out);
  EXPECT_GT(summary.Uint("story_joined"), 1000u) << "the feeds report many stories more than once";

  // The same input in two runs: killed once its reader is past half of the
  // file, then run to the end.
  int status = 0;
  const int64_t killed_at = testing::RunAndKill(with_db(Path("db-two")), whole,
                                                std::filesystem::file_size(whole) / 2, Path("killed.log"), &status);
  ASSERT_GT(killed_at, 0) << "the run ended before it could be killed (status " << status << ")";
  auto rest = RunShell(testing::CommandLine(with_db(Path("db-two"))));
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  const auto resumed = JsonObject::LastLine(rest.out);
  EXPECT_GT(resumed.Uint("resumed_from"), 0u) << "the killed run left no checkpoint: nothing was restarted";
  EXPECT_LT(resumed.Uint("resumed_from"), summary.Uint("read"));
  const auto a = StoredStories(Path("db-one"));
  const auto b = StoredStories(Path("db-two"));
  ASSERT_GT(a.size(), 19000u);
  ASSERT_EQ(a.size(), b.size());
  size_t differ = 0;
  for (const auto& [k, s] : a) {
    if (b.at(k) == s) continue;
    if (++differ <= 5) ADD_FAILURE() << k << ": one run " << s << ", restarted " << b.at(k);
  }
  EXPECT_EQ(differ, 0u) << "a restart must not change any story id";

  // Re-ingesting the whole input again changes nothing.
  auto again = RunShell(Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --source - --db " +
                        Path("db-one") + " < " + whole);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(StoredStories(Path("db-one")), a) << "re-ingesting keeps every story id";

  // query --collapse: one line per story; "also" lists the other members.
  auto all = RunShell(Newsflow() + " query --db " + Path("db-one") + " --limit 0 --json");
  auto collapsed = RunShell(Newsflow() + " query --db " + Path("db-one") + " --limit 0 --collapse --json");
  ASSERT_EQ(collapsed.exit_code, 0) << collapsed.err;
  const auto docs = testing::ReadLinesOf(all.out);
  const auto stories = testing::ReadLinesOf(collapsed.out);
  std::set<std::string> distinct;
  for (const auto& [k, s] : a) distinct.insert(s);
  EXPECT_EQ(stories.size(), distinct.size());
  EXPECT_LT(stories.size(), docs.size());
  std::map<size_t, size_t> by_feeds;  // number of feeds in a story -> stories
  simdjson::dom::parser parser;
  size_t listed = 0;
  for (const auto& line : stories) {
    simdjson::dom::element e = parser.parse(line);
    std::set<std::string> feeds{std::string(e["source"].get_string().value())};
    for (auto k : e["also"].get_array()) {
      const std::string key(k.get_string().value());
      feeds.insert(key.substr(0, key.find(':')));
      EXPECT_EQ(a.at(key), a.at(std::string(e["key"].get_string().value()))) << key;
      ++listed;
    }
    ++by_feeds[feeds.size()];
  }
  EXPECT_EQ(listed + stories.size(), docs.size()) << "every document is shown or listed in also once";
  // --count counts what the listing shows: stories with --collapse.
  auto n_docs = RunShell(Newsflow() + " query --db " + Path("db-one") + " --count");
  auto n_stories = RunShell(Newsflow() + " query --db " + Path("db-one") + " --count --collapse");
  ASSERT_EQ(n_stories.exit_code, 0) << n_stories.err;
  EXPECT_EQ(std::stoull(n_docs.out), docs.size());
  EXPECT_EQ(std::stoull(n_stories.out), stories.size());
  // and one story's members with --story.
  const std::string first_story(parser.parse(stories.front())["story"].get_string().value());
  auto members = RunShell(Newsflow() + " query --db " + Path("db-one") + " --limit 0 --json --story " + first_story);
  auto n_members = RunShell(Newsflow() + " query --db " + Path("db-one") + " --count --story " + first_story);
  ASSERT_EQ(n_members.exit_code, 0) << n_members.err;
  EXPECT_EQ(std::stoull(n_members.out), testing::ReadLinesOf(members.out).size());
  EXPECT_GE(std::stoull(n_members.out), 1u);
  EXPECT_GT(by_feeds[2] + by_feeds[3], 0u);
  RecordProperty("stories", static_cast<int>(stories.size()));
  RecordProperty("stories_2_feeds", static_cast<int>(by_feeds[2]));
  RecordProperty("stories_3_feeds", static_cast<int>(by_feeds[3]));
  std::printf("documents %zu  stories %zu  from 2 feeds %zu  from 3 feeds %zu\n", docs.size(), stories.size(),
              by_feeds[2], by_feeds[3]);
}

// The held-out pairs: measured, never tuned on. Floors a little under the
// figures in tests/story/README.md so that a regression fails. The three
// held-out draws (July; each excludes the earlier draws' items) are measured
// apart and pooled, as `story eval` pools several --pairs files.
TEST_F(StoryCorpus, HeldOutPairsPrecisionAndRecall) {
  auto one = Run(Path("july.jsonl"), Path("db-eval"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto eval = [&](const std::string& pairs_args) {
    auto e = RunShell(Newsflow() + " story eval --json --db " + Path("db-eval") + pairs_args);
    EXPECT_EQ(e.exit_code, 0) << e.err;
    return JsonObject::LastLine(e.out);
  };
  const std::string first = " --pairs " + SourcePath("tests/story/pairs_holdout.jsonl");
  const std::string second = " --pairs " + SourcePath("tests/story/pairs_holdout2.jsonl");
  const std::string third = " --pairs " + SourcePath("tests/story/pairs_holdout3.jsonl");
  const auto r1 = eval(first), r2 = eval(second), r3 = eval(third), pooled = eval(first + second + third);
  for (const auto* r : {&r1, &r2, &r3}) EXPECT_EQ(r->Uint("missing"), 0u);
  EXPECT_GE(r1.Double("precision"), 0.95);  // 0.971
  EXPECT_GE(r1.Double("recall"), 0.87);     // 0.880
  EXPECT_GE(r2.Double("precision"), 0.93);  // 0.952
  EXPECT_GE(r2.Double("recall"), 0.90);     // 0.921
  EXPECT_GE(r3.Double("precision"), 0.96);  // 0.980 (scored once: 146 / 3 / 16 / 175)
  EXPECT_GE(r3.Double("recall"), 0.89);     // 0.901
  // Pooled, the target (precision >= 0.95, recall >= 0.90): 0.968 / 0.901.
  EXPECT_EQ(pooled.Uint("pairs"), r1.Uint("pairs") + r2.Uint("pairs") + r3.Uint("pairs"));
  EXPECT_EQ(pooled.Uint("tp"), r1.Uint("tp") + r2.Uint("tp") + r3.Uint("tp"));
  EXPECT_EQ(pooled.Uint("fn"), r1.Uint("fn") + r2.Uint("fn") + r3.Uint("fn"));
  EXPECT_GE(pooled.Double("precision"), 0.95);
  EXPECT_GE(pooled.Double("recall"), 0.90);
  for (const auto* r : {&r1, &r2, &r3, &pooled})
    std::printf("held-out pairs: tp %llu fp %llu fn %llu tn %llu\n", static_cast<unsigned long long>(r->Uint("tp")),
                static_cast<unsigned long long>(r->Uint("fp")), static_cast<unsigned long long>(r->Uint("fn")),
                static_cast<unsigned long long>(r->Uint("tn")));
}

// Another interleaving of the same items groups documents alike. The story
// thread assigns each batch in event-time order, so how the feeds were
// interleaved within a batch does not matter: same-second items in the
// reverse feed order, or each line delayed by up to 2 minutes of uneven
// delivery. In pure arrival order (batches of one item, as a slow live feed
// gives) the streaming single-link assignment still depends on which of two
// tied items came first: 98.05% (tests/story/README.md), held as a floor.
TEST_F(StoryCorpus, AnotherInterleavingGroupsDocumentsAlike) {
  struct Variant {
    const char* input;
    const char* db;
    const char* extra;
    double floor;
  };
  auto one = Run(Path("july.jsonl"), Path("db-a"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto a = Mates(StoredStories(Path("db-a")));
  for (const Variant& v : {Variant{"july-reversed.jsonl", "db-b", "", 0.99},
                           Variant{"july-jittered.jsonl", "db-c", "", 0.99},
                           Variant{"july-reversed.jsonl", "db-d", " --batch 1", 0.978}}) {
    SCOPED_TRACE(std::string(v.input) + v.extra);
    auto r = Run(Path(v.input), Path(v.db), v.extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto b = Mates(StoredStories(Path(v.db)));
    ASSERT_EQ(a.size(), b.size());
    size_t same = 0;
    for (const auto& [k, m] : a) same += b.count(k) && b.at(k) == m;
    const double share = static_cast<double>(same) / static_cast<double>(a.size());
    std::printf("%s%s: grouped with the same documents: %.4f\n", v.input, v.extra, share);
    EXPECT_GE(share, v.floor);
  }
}

// The three feeds' July files loaded one after another, as a user with one
// file per feed would: every eastmoney and ths document is then older than
// the window the cls file left, and is paired with the stored documents
// around its time (a late index). Without that it would start a story of
// its own: --no-late-stories groups only about a third of them alike.
TEST_F(StoryCorpus, FeedsLoadedOneAfterAnotherGroupAlmostAsTheMergedStream) {
  auto merged = Run(Path("july.jsonl"), Path("db-merged"));
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  const auto a = Mates(StoredStories(Path("db-merged")));
  for (auto [db, extra, floor] : {std::tuple{"db-files", "", FEEDS_ONE_AFTER_ANOTHER_FLOOR},
                                  std::tuple{"db-files-off", " --no-late-stories", 0.0}}) {
    SCOPED_TRACE(db);
    uint64_t late_joined = 0;
    for (const char* feed : {"cls", "eastmoney", "ths"}) {
      auto r = Run(Path(std::string("july-") + feed + ".jsonl"), Path(db), extra);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      late_joined += JsonObject::LastLine(r.out).Uint("story_late_joined");
    }
    const auto b = Mates(StoredStories(Path(db)));
    ASSERT_EQ(a.size(), b.size());
    size_t same = 0;
    for (const auto& [k, m] : a) same += b.count(k) && b.at(k) == m;
    const double share = static_cast<double>(same) / static_cast<double>(a.size());
    std::printf("feeds one after another%s: grouped with the same documents: %.4f, late joins %llu\n", extra, share,
                static_cast<unsigned long long>(late_joined));
    if (floor > 0) {
      EXPECT_GE(share, floor);
      EXPECT_GT(late_joined, 1000u) << "the eastmoney and ths files join the stories the cls file stored";
    } else {
      EXPECT_LT(share, 0.8) << "without late pairing the files group as the stream does: the test shows nothing";
      EXPECT_EQ(late_joined, 0u);
    }
  }
}

}  // namespace
}  // namespace newsflow::pipeline
