// `newsflow backup`, `restore`, `prune` and `run --retain` from the command
// line, on the bundled fixtures (no corpus needed):
//   - a backup requested while `run` holds the store (stdin, the writer idle
//     between two parts of the input) is taken by the writer and restores to
//     exactly the store of the first part: documents, per-tag counts, dead
//     letters; a later backup of the idle store copies only new files;
//   - a prune removes what is older than its time, index entries included;
//   - usage errors exit 2; a prune while a writer holds the store exits 1.
// Assertions read the JSON the commands print and `query --count`.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "json_util.h"
#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using namespace std::chrono_literals;
using testing::JsonObject;
using testing::Newsflow;
using testing::ReadLines;
using testing::RunChild;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

uint64_t CountOf(const std::string& db, const std::string& args = "") {
  const auto r = RunShell(Newsflow() + " query --count --db " + db + " " + args);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  return std::stoull(r.out.empty() ? "0" : r.out);
}

uint64_t DeadLetterCount(const std::string& db) {
  const auto r = RunShell(Newsflow() + " dead-letter --count --db " + db);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::stoull(r.out.empty() ? "0" : r.out);
}

// `newsflow run -q` of one bundled fixture ("cls", "eastmoney", "ths") into db.
std::string RunFixture(const std::string& feed, const std::string& db) {
  return Newsflow() + " run -q --source file:" + SourcePath("tests/fixtures/" + feed + "-sample.jsonl") +
         " --format " + feed + " --rules " + SourcePath("rules/sets") + " --db " + db;
}

std::string Join(const std::vector<std::string>& lines, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) out += lines[i] + "\n";
  return out;
}

TEST(OpsCli, BackupWhileRunningIsTakenByTheWriterAndRestoresTheStoreAtThatMoment) {
  TempDir tmp;
  const std::string rules = SourcePath("rules/sets");
  std::vector<std::string> lines = ReadLines(SourcePath("tests/fixtures/cls-sample.jsonl"));
  ASSERT_EQ(lines.size(), 120u);
  lines.insert(lines.begin() + 30, "{\"id\": 1, \"ctime\": tru}");  // a dead letter in the first part
  const size_t first = 61;

  // The reference: the first part alone, as a file.
  std::ofstream(tmp.path("first.jsonl")) << Join(lines, 0, first);
  const auto ref = RunShell(Newsflow() + " run -q --json --source file:" + tmp.path("first.jsonl") +
                            " --format cls --rules " + rules + " --db " + tmp.path("ref"));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const JsonObject ref_summary = JsonObject::LastLine(ref.out);
  const uint64_t ref_docs = ref_summary.Uint("stored");
  ASSERT_GT(ref_docs, 0u);
  ASSERT_EQ(ref_summary.Uint("dead_lettered"), 1u);

  const std::string db = tmp.path("db");
  RunChild run({"run", "--source", "-", "--format", "cls", "--rules", rules, "--db", db, "--json", "-q"},
               tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  run.Write(Join(lines, 0, first));
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (CountOf(db) < ref_docs && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
  ASSERT_EQ(CountOf(db), ref_docs);

  // The run holds the store: prune cannot open it (exit 1), backup asks the run.
  EXPECT_EQ(RunShell(Newsflow() + " prune --db " + db + " --before 2000-01-01").exit_code, 1);
  const auto b1 = RunShell(Newsflow() + " backup --db " + db + " --to " + tmp.path("backups"));
  ASSERT_EQ(b1.exit_code, 0) << b1.err;
  const JsonObject backup1 = JsonObject::LastLine(b1.out);
  EXPECT_EQ(backup1.String("taken_by"), "writer");
  EXPECT_EQ(backup1.Uint("backup_id"), 1u);
  EXPECT_EQ(backup1.Uint("docs"), ref_docs);
  EXPECT_EQ(backup1.Uint("dead_letters"), 1u);

  run.Write(Join(lines, first, lines.size()));
  run.CloseInput();
  ASSERT_EQ(run.WaitExit(60s), 0) << testing::ReadFile(tmp.path("err"));
  const JsonObject summary = JsonObject::LastLine(testing::ReadFile(tmp.path("out")));
  EXPECT_EQ(summary.Uint("backups"), 1u);
  const uint64_t all_docs = CountOf(db);
  ASSERT_GT(all_docs, ref_docs);

  // Restore backup 1: the store of the first part.
  const auto rs = RunShell(Newsflow() + " restore --from " + tmp.path("backups") + " --db " + tmp.path("restored"));
  ASSERT_EQ(rs.exit_code, 0) << rs.err;
  const JsonObject restored = JsonObject::LastLine(rs.out);
  EXPECT_EQ(restored.Uint("restored_docs"), ref_docs);
  EXPECT_EQ(restored.Uint("restored_dead_letters"), 1u);
  EXPECT_EQ(CountOf(tmp.path("restored")), ref_docs);
  EXPECT_EQ(DeadLetterCount(tmp.path("restored")), 1u);
  size_t tags_checked = 0;
  const auto ref_tags = RunShell(Newsflow() + " query --json --limit 0 --db " + tmp.path("ref"));
  std::map<std::string, uint64_t> want;
  for (const auto& j : testing::JsonLines(ref_tags.out))
    for (const auto& t : j.Strings("tags")) ++want[t];
  ASSERT_FALSE(want.empty());
  for (const auto& [tag, n] : want) {
    EXPECT_EQ(CountOf(tmp.path("restored"), "--tag " + tag), n) << tag;
    ++tags_checked;
  }
  EXPECT_GT(tags_checked, 3u);

  // The store is idle now: backup opens it itself; only new files are copied.
  const auto b2 = RunShell(Newsflow() + " backup --db " + db + " --to " + tmp.path("backups"));
  ASSERT_EQ(b2.exit_code, 0) << b2.err;
  const JsonObject backup2 = JsonObject::LastLine(b2.out);
  EXPECT_EQ(backup2.String("taken_by"), "backup");
  EXPECT_EQ(backup2.Uint("backup_id"), 2u);
  EXPECT_EQ(backup2.Uint("docs"), all_docs);
  EXPECT_LT(backup2.Uint("new_files"), backup2.Uint("files"));
  const auto list = RunShell(Newsflow() + " restore --list --from " + tmp.path("backups"));
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(testing::JsonLines(list.out).size(), 2u);
  // A restore never overwrites a store.
  EXPECT_EQ(RunShell(Newsflow() + " restore --from " + tmp.path("backups") + " --db " + db).exit_code, 1);

  // --keep 1 after a third backup: only it is left, and it restores whole.
  const auto b3 = RunShell(Newsflow() + " backup --keep 1 --db " + db + " --to " + tmp.path("backups"));
  ASSERT_EQ(b3.exit_code, 0) << b3.err;
  EXPECT_EQ(JsonObject::LastLine(b3.out).Uint("backup_id"), 3u);
  EXPECT_EQ(JsonObject::LastLine(b3.out).Uint("purged"), 2u);
  const auto kept = testing::JsonLines(RunShell(Newsflow() + " restore --list --from " + tmp.path("backups")).out);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].Uint("backup_id"), 3u);
  ASSERT_EQ(RunShell(Newsflow() + " restore --from " + tmp.path("backups") + " --db " + tmp.path("r3")).exit_code, 0);
  EXPECT_EQ(CountOf(tmp.path("r3")), all_docs);
}

TEST(OpsCli, UsageErrorsExit2) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const std::string run = RunFixture("ths", db);
  ASSERT_EQ(RunShell(run).exit_code, 0);
  for (const std::string& cmd : {
           Newsflow() + " prune --db " + db,                                  // --before missing
           Newsflow() + " prune --db " + db + " --before yesteryear",         // unreadable time
           Newsflow() + " prune --db " + db + " --before 2026-06-01 --tz Mars/Base",
           Newsflow() + " backup --db " + db,                                 // --to missing
           Newsflow() + " backup --db " + db + " --to " + tmp.path("b") + " --keep 0",
           Newsflow() + " restore --from " + tmp.path("b"),                   // --db missing
           run + " --retain 30x", run + " --retain 0d", run + " --retain -3d",
           run + " --retain 30d --retain-from yesterday", run + " --retain 1d --retain-interval -1",
       }) {
    const auto r = RunShell(cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.err;
  }
  // Problems to fix exit 1: no store there, no backup there.
  EXPECT_EQ(RunShell(Newsflow() + " prune --db " + tmp.path("none") + " --before 2026-06-01").exit_code, 1);
  EXPECT_EQ(RunShell(Newsflow() + " backup --db " + tmp.path("none") + " --to " + tmp.path("b")).exit_code, 1);
  EXPECT_EQ(RunShell(Newsflow() + " restore --from " + tmp.path("none") + " --db " + tmp.path("r")).exit_code, 1);
}

// A prune on a store no run holds: the documents older than its time leave
// with their index entries, the later ones stay, per tag too, and its JSON
// says what it did; a second prune at the same time finds nothing to remove.
TEST(OpsCli, PruneRemovesWhatIsOlderThanItsTimeAndReportsIt) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("cls", db)).exit_code, 0);
  const uint64_t all = CountOf(db);
  const uint64_t older = CountOf(db, "--until 2026-05-31");
  const uint64_t later = CountOf(db, "--since 2026-06-01");
  ASSERT_GT(older, 0u);
  ASSERT_GT(later, 0u);
  ASSERT_EQ(older + later, all);
  const std::string tag = "cluster:semiconductors";
  const uint64_t tag_later = CountOf(db, "--tag " + tag + " --since 2026-06-01");
  ASSERT_GT(CountOf(db, "--tag " + tag), tag_later);  // the tag has documents on both sides

  const std::string prune = Newsflow() + " prune --db " + db + " --before 2026-06-01";
  const auto r = RunShell(prune);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const JsonObject j = JsonObject::LastLine(r.out);
  EXPECT_EQ(j.Uint("removed"), older);
  EXPECT_EQ(j.Uint("docs_before"), all);
  EXPECT_EQ(j.Uint("docs_after"), later);
  EXPECT_GE(j.Uint("index_entries_removed"), older);  // every document has index entries
  EXPECT_TRUE(j.Bool("compacted"));
  EXPECT_EQ(CountOf(db), later);
  EXPECT_EQ(CountOf(db, "--until 2026-05-31"), 0u);
  EXPECT_EQ(CountOf(db, "--tag " + tag), tag_later);

  const auto again = RunShell(prune);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const JsonObject k = JsonObject::LastLine(again.out);
  EXPECT_EQ(k.Uint("removed"), 0u);
  EXPECT_EQ(k.Uint("docs_after"), later);
  EXPECT_FALSE(k.Bool("compacted"));  // nothing left to give back
}

// The deletions a run's retention passes leave (they never compact: a run
// does not stop for it), or a prune killed before its compaction: the next
// prune gives their space back even though it removes nothing itself. (It
// compacted only what it removed: the space stayed taken for good.)
TEST(OpsCli, APruneThatRemovesNothingStillGivesBackTheSpaceOfEarlierDeletions) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const auto r = RunShell(RunFixture("cls", db) + " --json --batch 100 --retain 3d --retain-from newest");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const JsonObject s = JsonObject::LastLine(r.out);
  ASSERT_GT(s.Uint("pruned"), 0u);
  const std::string prune =
      Newsflow() + " prune --db " + db + " --before " + std::to_string(s.Int("retain_cutoff_ms"));
  const auto first = RunShell(prune);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const JsonObject j = JsonObject::LastLine(first.out);
  EXPECT_EQ(j.Uint("removed"), 0u);
  EXPECT_TRUE(j.Bool("compacted"));
  EXPECT_LT(j.Uint("sst_bytes_after"), j.Uint("sst_bytes_before"));
  const auto second = RunShell(prune);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_FALSE(JsonObject::LastLine(second.out).Bool("compacted"));
}

// A prune takes the alert log's start with the documents: the alerts up to
// the first one raised by a document at or after its time (here every alert
// was delivered: the file sink acknowledged it). The ids stay: the same input
// stored again raises none of its alerts a second time.
TEST(OpsCli, APruneTakesTheAlertLogsStartAndNoAlertIsRaisedTwice) {
  TempDir tmp;
  const std::string db = tmp.path("db"), subs = tmp.path("subs.yaml");
  std::ofstream(subs) << "subscriptions:\n  - name: chips\n    any: [cluster:semiconductors]\n"
                         "  - name: ai\n    any: [cluster:ai]\n";
  const std::string run = RunFixture("cls", db) + " --json --subscriptions " + subs + " --alerts file:" +
                          tmp.path("alerts.jsonl");
  const auto first = RunShell(run);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_GT(JsonObject::LastLine(first.out).Uint("alerts"), 0u);
  const auto before = testing::JsonLines(RunShell(Newsflow() + " alerts --json --db " + db).out);
  const int64_t cutoff = JsonObject::LastLine(RunShell(Newsflow() + " query --json --limit 0 --since 2026-06-01 --db " +
                                                       db).out).Int("time_ms");  // the earliest document from June
  size_t start = 0;  // the first alert at or after the cutoff ends the log's start
  while (start < before.size() && before[start].Int("time_ms") < cutoff) ++start;
  ASSERT_GT(start, 0u);
  ASSERT_LT(start, before.size());

  const auto r = RunShell(Newsflow() + " prune --db " + db + " --before " + std::to_string(cutoff));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(JsonObject::LastLine(r.out).Uint("alerts_removed"), start);
  const auto after = testing::JsonLines(RunShell(Newsflow() + " alerts --json --db " + db).out);
  ASSERT_EQ(after.size(), before.size() - start);
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].Uint("seq"), before[start + i].Uint("seq"));

  const auto again = RunShell(run);  // the pruned documents come back; their alerts do not
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(JsonObject::LastLine(again.out).Uint("alerts"), 0u);
  EXPECT_EQ(testing::JsonLines(RunShell(Newsflow() + " alerts --json --db " + db).out).size(), after.size());
}

// A replay shorter than --retain-interval (default 60 s) ends retained: the
// run prunes once more when its input ends, so what is left is exactly the
// week before the newest document (a run of the whole file's documents into
// another store, queried from that time, is what should remain).
TEST(OpsCli, ARetainedReplayShorterThanTheIntervalEndsPruned) {
  TempDir tmp;
  const std::string ref = tmp.path("ref"), db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("cls", ref)).exit_code, 0);
  const auto newest = testing::JsonLines(RunShell(Newsflow() + " query --json --limit 1 --db " + ref).out);
  ASSERT_EQ(newest.size(), 1u);
  const int64_t cutoff = newest[0].Int("time_ms") - 7 * 24 * 3600 * 1000LL;
  const uint64_t want = CountOf(ref, "--since " + std::to_string(cutoff));
  ASSERT_GT(want, 0u);
  ASSERT_LT(want, CountOf(ref));  // the fixture spans more than a week

  const auto r = RunShell(Newsflow() + " --log-format json" + RunFixture("cls", db).substr(Newsflow().size()) +
                          " --json --batch 10 --retain 7d --retain-from newest");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const JsonObject s = JsonObject::LastLine(r.out);
  EXPECT_EQ(s.Int("retain_cutoff_ms"), cutoff);
  EXPECT_EQ(s.Uint("stored") - s.Uint("pruned"), want);
  EXPECT_EQ(CountOf(db), want);
  EXPECT_EQ(CountOf(db, "--until " + std::to_string(cutoff - 1)), 0u);
  // The pass at the end of the input, which removed what the first batch's
  // could not, is logged like every pass that removed something.
  size_t retain_lines = 0;
  for (const JsonObject& line : testing::JsonLines(r.err))
    if (line.String("component") == "retain") ++retain_lines;
  EXPECT_GE(retain_lines, 1u) << r.err;
}

// The pass at the end of the input is logged like every other pass that
// removed something (it was silent), and a run over a file an earlier run
// stored to its end, which reads nothing, still makes its pass (it made
// none: the store kept what --retain had to remove).
TEST(OpsCli, TheLastRetentionPassIsLoggedAndARunOverACompleteFileStillPrunes) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const std::string fixture = SourcePath("tests/fixtures/cls-sample.jsonl");
  const std::string run = Newsflow() + " --log-format json run -q --json --source file:" + fixture +
                          " --format cls --rules " + SourcePath("rules/sets") + " --db " + db;
  ASSERT_EQ(RunShell(run).exit_code, 0);
  const uint64_t all = CountOf(db);
  const auto r = RunShell(run + " --retain 7d --retain-from newest");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const JsonObject s = JsonObject::LastLine(r.out);
  EXPECT_TRUE(s.Bool("already_complete"));
  ASSERT_GT(s.Uint("pruned"), 0u);
  EXPECT_EQ(CountOf(db), all - s.Uint("pruned"));
  EXPECT_EQ(CountOf(db, "--until " + std::to_string(s.Int("retain_cutoff_ms") - 1)), 0u);
  size_t retain_lines = 0;
  for (const JsonObject& line : testing::JsonLines(r.err))
    if (line.String("component") == "retain") ++retain_lines;
  EXPECT_EQ(retain_lines, 1u) << r.err;
}

// A retention shorter than the story window prunes members a restart's
// rebuilt window then lacks: a later report starts a new story and alerts
// again. The run says so when it starts.
TEST(OpsCli, ARetentionShorterThanTheStoryWindowIsWarnedOf) {
  TempDir tmp;
  const std::string run = Newsflow() + " --log-format json run -q --json --source /dev/null --rules " +
                          SourcePath("rules/sets") + " --db " + tmp.path("db");
  auto warnings = [&](const std::string& extra) {
    const auto r = RunShell(run + " " + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    size_t n = 0;
    for (const JsonObject& line : testing::JsonLines(r.err))
      n += line.String("component") == "retain" && line.String("level") == "warn" &&
           line.String("msg").find("shorter than the story window") != std::string::npos;
    return n;
  };
  EXPECT_EQ(warnings("--retain 6h"), 1u);
  EXPECT_EQ(warnings("--retain 12h --story-window 6"), 0u);
  EXPECT_EQ(warnings("--retain 7d"), 0u);
  EXPECT_EQ(warnings("--retain 6h --no-stories"), 0u);
}

}  // namespace
}  // namespace newsflow::pipeline
