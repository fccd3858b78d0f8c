// Retention and backup on the shared corpora (../shared/corpus or
// $NEWSFLOW_CORPUS_DIR; every test is skipped, saying so, when absent):
//   - `prune --before 2026-06-01` on the three corpora in one store leaves
//     exactly the documents at or after that time (counted from the store's
//     `query --json` before pruning), per-tag counts and story members to
//     match, the meta counter right, progress marks kept, and a smaller
//     store on disk;
//   - `run --retain 7d --retain-from newest` prunes while the run proceeds
//     and ends with exactly the documents of the last week of the corpus;
//   - a backup requested while a run is busy storing a corpus restores to a
//     store that is the run's state at one batch boundary: its documents and
//     tag counts are those of the first K input lines, K being the progress
//     mark in the same backup, from which a resumed run completes the store.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "json_util.h"
#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using namespace std::chrono_literals;
using testing::CorpusFile;
using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::RunChild;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

// 2026-06-01 00:00 in Asia/Shanghai (prune's default zone) = 2026-05-31T16:00Z.
constexpr int64_t kJune1Shanghai = 1780243200000;
constexpr int64_t kWeekMs = 7LL * 24 * 3600 * 1000;

std::string MissingCorpus() {
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    const std::string f = CorpusFile(std::string(feed) + "-shared.jsonl.gz");
    if (!std::filesystem::exists(f)) return f;
  }
  return "";
}

std::string Rules() { return SourcePath("rules/sets"); }

std::string RunCmd(const std::string& feed, const std::string& db, const std::string& extra = "") {
  return Newsflow() + " run -q --json --source file:" + CorpusFile(feed + "-shared.jsonl.gz") + " --format " + feed +
         " --rules " + Rules() + " --db " + db + " " + extra;
}

uint64_t Count(const std::string& db, const std::string& args = "") {
  const auto r = RunShell(Newsflow() + " query --count --db " + db + " --rules " + Rules() + " " + args);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  return std::stoull(r.out.empty() ? "0" : r.out);
}

std::string JsonOf(const std::string& db, const std::string& args = "") {
  const auto r = RunShell(Newsflow() + " query --json --limit 0 --db " + db + " " + args);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  return r.out;
}

std::map<std::string, uint64_t> TagTally(const std::string& json) {
  std::map<std::string, uint64_t> n;
  for (const auto& j : JsonLines(json))
    for (const auto& t : j.Strings("tags")) ++n[t];
  return n;
}

uint64_t DiskBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

class RetentionCorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    missing_ = MissingCorpus();
    if (!missing_.empty()) GTEST_SKIP() << "the shared corpus is absent: " << missing_;
  }
  std::string missing_;
  TempDir tmp_;
};

TEST_F(RetentionCorpusTest, PruneBeforeJune1LeavesExactlyTheLaterDocumentsTagsAndStories) {
  const std::string db = tmp_.path("db");
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    const auto r = RunShell(RunCmd(feed, db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Before: every document, what should remain, per tag and per story.
  const auto all = JsonLines(JsonOf(db));
  std::set<std::string> keep;
  std::map<std::string, uint64_t> tags_all, tags_keep;
  std::map<std::string, std::set<std::string>> story_keep;  // story -> surviving members
  std::set<std::string> stories_losing;                      // stories with a removed member
  for (const auto& j : all) {
    const bool kept = j.Int("time_ms") >= kJune1Shanghai;
    for (const auto& t : j.Strings("tags")) {
      ++tags_all[t];
      if (kept) ++tags_keep[t];
    }
    if (kept) {
      keep.insert(j.String("key"));
      story_keep[j.String("story")].insert(j.String("key"));
    } else {
      stories_losing.insert(j.String("story"));
    }
  }
  ASSERT_GT(all.size(), 70000u);
  ASSERT_GT(keep.size(), 1000u);
  ASSERT_LT(keep.size(), all.size());
  const std::string later_before = JsonOf(db, "--since " + std::to_string(kJune1Shanghai));
  const uint64_t disk_before = DiskBytes(db);

  const auto p = RunShell(Newsflow() + " prune --db " + db + " --before 2026-06-01");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const JsonObject pr = JsonObject::LastLine(p.out);
  EXPECT_EQ(pr.Int("before_ms"), kJune1Shanghai);
  EXPECT_EQ(pr.Uint("removed"), all.size() - keep.size());
  EXPECT_EQ(pr.Uint("docs_before"), all.size());
  EXPECT_EQ(pr.Uint("docs_after"), keep.size());  // the meta counter
  EXPECT_LT(pr.Uint("sst_bytes_after"), pr.Uint("sst_bytes_before"));
  const uint64_t disk_after = DiskBytes(db);
  EXPECT_LT(disk_after, disk_before);
  std::printf("store on disk: %llu bytes before prune, %llu after (%zu of %zu documents kept)\n",
              static_cast<unsigned long long>(disk_before), static_cast<unsigned long long>(disk_after), keep.size(),
              all.size());

  // Exactly the later documents, unchanged.
  EXPECT_EQ(Count(db), keep.size());
  EXPECT_EQ(JsonOf(db), later_before);
  // Per tag, through the by_tag index: the tag's documents at/after June 1.
  for (const auto& [tag, n] : tags_all) {
    const auto it = tags_keep.find(tag);
    EXPECT_EQ(Count(db, "--tag " + tag), it == tags_keep.end() ? 0u : it->second) << tag;
  }
  // Stories that lost members list only the survivors (by_story entries of
  // removed documents are gone). A sample of 60, in key order.
  size_t stories = 0;
  for (const auto& story : stories_losing) {
    if (stories++ == 60) break;
    std::set<std::string> got;
    for (const auto& j : JsonLines(JsonOf(db, "--story " + story))) got.insert(j.String("key"));
    const auto it = story_keep.find(story);
    EXPECT_EQ(got, it == story_keep.end() ? std::set<std::string>{} : it->second) << story;
  }
  // Progress marks survive: the files are still known as stored to their end.
  const JsonObject rerun = JsonObject::LastLine(RunShell(RunCmd("ths", db)).out);
  EXPECT_TRUE(rerun.Bool("already_complete"));
  EXPECT_EQ(rerun.Uint("stored"), 0u);
  // Nothing older is left: pruning again removes nothing.
  const auto again = RunShell(Newsflow() + " prune --db " + db + " --before 2026-06-01");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(JsonObject::LastLine(again.out).Uint("removed"), 0u);
  EXPECT_EQ(JsonObject::LastLine(again.out).Uint("docs_after"), keep.size());
}

TEST_F(RetentionCorpusTest, RetainNewestWeekPrunesWhileTheRunProceeds) {
  const std::string ref = tmp_.path("ref"), db = tmp_.path("db");
  const auto r0 = RunShell(RunCmd("ths", ref));
  ASSERT_EQ(r0.exit_code, 0) << r0.err;
  const auto newest = JsonLines(RunShell(Newsflow() + " query --json --limit 1 --db " + ref).out);
  ASSERT_EQ(newest.size(), 1u);
  const int64_t cutoff = newest[0].Int("time_ms") - kWeekMs;

  const auto r = RunShell(RunCmd("ths", db, "--batch 512 --retain 7d --retain-from newest --retain-interval 0"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const JsonObject s = JsonObject::LastLine(r.out);
  EXPECT_GT(s.Uint("prune_passes"), 10u);  // one per batch: ths has ~19,000 lines
  EXPECT_GT(s.Uint("pruned"), 1000u);
  EXPECT_EQ(s.Int("retain_cutoff_ms"), cutoff);
  const uint64_t want = Count(ref, "--since " + std::to_string(cutoff));
  EXPECT_EQ(s.Uint("stored") - s.Uint("pruned"), want);
  EXPECT_EQ(Count(db), want);
  EXPECT_EQ(JsonOf(db), JsonOf(ref, "--since " + std::to_string(cutoff)));
  EXPECT_EQ(TagTally(JsonOf(db)), TagTally(JsonOf(ref, "--since " + std::to_string(cutoff))));
}

TEST_F(RetentionCorpusTest, BackupDuringABusyRunIsTheStateAtOneBatchBoundary) {
  const std::string db = tmp_.path("db"), backups = tmp_.path("backups"), restored = tmp_.path("restored");
  // Small batches on one worker, and a flush every 2,000 records (a bulk
  // load's documents become visible to readers when flushed): the first
  // documents show early in a run of some seconds, so the request lands
  // inside it.
  RunChild run({"run", "-q", "--json", "--batch", "64", "--threads", "1", "--checkpoint-records", "2000", "--source", "file:" + CorpusFile("cls-shared.jsonl.gz"),
                "--format", "cls", "--rules", Rules(), "--db", db},
               tmp_.path("out"), tmp_.path("err"));
  ASSERT_TRUE(run.started());
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (!std::filesystem::exists(db + "/CURRENT") && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(20ms);
  auto stored_now = [&] {
    const auto r = RunShell(Newsflow() + " query --count --db " + db);
    return r.exit_code == 0 && !r.out.empty() ? std::stoull(r.out) : 0ull;
  };
  while (stored_now() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  const auto b = RunShell(Newsflow() + " backup --db " + db + " --to " + backups);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const JsonObject backup = JsonObject::LastLine(b.out);
  ASSERT_EQ(run.WaitExit(300s), 0) << testing::ReadFile(tmp_.path("err"));
  const JsonObject summary = JsonObject::LastLine(testing::ReadFile(tmp_.path("out")));
  ASSERT_EQ(backup.String("taken_by"), "writer") << "the run ended before the backup request: " << b.out;
  EXPECT_EQ(summary.Uint("backups"), 1u);
  const uint64_t at_backup = backup.Uint("docs");
  ASSERT_GT(at_backup, 0u);
  ASSERT_LT(at_backup, summary.Uint("stored")) << "the backup should fall inside the run";

  const auto rs = RunShell(Newsflow() + " restore --from " + backups + " --db " + restored);
  ASSERT_EQ(rs.exit_code, 0) << rs.err;
  EXPECT_EQ(JsonObject::LastLine(rs.out).Uint("restored_docs"), at_backup);
  EXPECT_EQ(Count(restored), at_backup);
  const auto restored_tags = TagTally(JsonOf(restored));
  for (const auto& [tag, n] : restored_tags) EXPECT_EQ(Count(restored, "--tag " + tag), n) << tag;

  // The progress mark in the backup: a run on the restored store resumes
  // after K lines and completes it to the source's final state.
  const auto resumed = RunShell(RunCmd("cls", restored));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const uint64_t k = JsonObject::LastLine(resumed.out).Uint("resumed_from");
  ASSERT_GT(k, 0u);
  EXPECT_EQ(Count(restored), Count(db));
  EXPECT_EQ(TagTally(JsonOf(restored)), TagTally(JsonOf(db)));

  // The backup held exactly the documents of the first K lines.
  const std::string first_k = tmp_.path("first.jsonl");
  ASSERT_EQ(RunShell("(zcat " + CorpusFile("cls-shared.jsonl.gz") + " | head -n " + std::to_string(k) + " > " + first_k + ")")
                .exit_code,
            0);
  const auto ref = RunShell(Newsflow() + " run -q --json --source file:" + first_k + " --format cls --rules " + Rules() +
                            " --db " + tmp_.path("ref"));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_EQ(JsonObject::LastLine(ref.out).Uint("stored"), at_backup) << ref.out << ref.err;
  EXPECT_EQ(Count(tmp_.path("ref")), at_backup);
  std::map<std::string, uint64_t> ref_tags;
  for (const auto& [tag, n] : restored_tags) ref_tags[tag] = Count(tmp_.path("ref"), "--tag " + tag);
  EXPECT_EQ(ref_tags, restored_tags);
  EXPECT_EQ(TagTally(JsonOf(tmp_.path("ref"))), restored_tags);
}

}  // namespace
}  // namespace newsflow::pipeline
