// A real full disk: the ths corpus (18,904 items, a ~14 MB store) run into a
// 4 MiB tmpfs, from a file and from stdin. The run fails (exit 1, no abort),
// and what `query --count` finds equals what the run reported stored. Once
// the tmpfs is enlarged the same store takes the re-run, which completes.
//
// Needs root (mount); otherwise the tests are skipped, saying why. Needs the
// shared corpus (../shared/corpus); skipped without it.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "json_util.h"
#include "newsflow/storage/store.h"
#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::RunShell;

constexpr uint64_t kThsItems = 18904;

// A tmpfs mounted on a fresh directory for the life of the object.
class Tmpfs {
 public:
  // Mounts `size` (e.g. "4m"); error() says why not.
  explicit Tmpfs(const std::string& size) {
    auto r = RunShell("mount -t tmpfs -o size=" + size + " newsflow-test " + dir_.path());
    if (r.exit_code == 0) mounted_ = true;
    else error_ = "mount -t tmpfs failed (exit " + std::to_string(r.exit_code) + "): " + r.err;
  }
  ~Tmpfs() {
    if (mounted_) (void)RunShell("umount " + dir_.path() + " || umount -l " + dir_.path());
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  std::string path(const std::string& name) const { return dir_.path(name); }
  bool Resize(const std::string& size) {
    return RunShell("mount -o remount,size=" + size + " " + dir_.path()).exit_code == 0;
  }

 private:
  testing::TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

std::string RunCmd(const std::string& source, const std::string& db) {
  return Newsflow() + " run -q --json --source " + source + " --rules " + testing::SourcePath("rules/sets") +
         " --db " + db;
}

// `query --count` of the store, or -1 if query fails (stderr in *err).
int64_t QueryCount(const std::string& db, std::string* err) {
  auto r = RunShell(Newsflow() + " query --count --db " + db);
  *err = r.err;
  if (r.exit_code != 0) return -1;
  return std::stoll(r.out);
}

// Polls `query --count` until the store holds `n` documents (15 s at most);
// the last count (-1: query failed, stderr in *err).
int64_t AwaitCount(const std::string& db, int64_t n, std::string* err) {
  int64_t count = -1;
  for (int i = 0; i < 300 && count != n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    count = QueryCount(db, err);
  }
  return count;
}

// Fills the volume of `dir` until it has no room left.
void FillVolume(const std::string& dir) { (void)RunShell("dd if=/dev/zero of=" + dir + "/filler bs=64k"); }

// A stdin run of the store `db` (its output and stderr in `tmp`), with
// `extra` arguments before --source.
std::unique_ptr<testing::RunChild> StartStdinRun(const std::string& db, const testing::TempDir& tmp,
                                                 const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"run", "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), {"--source", "-", "--rules", testing::SourcePath("rules/sets"), "--db", db});
  return std::make_unique<testing::RunChild>(args, tmp.path("out"), tmp.path("err"));
}

class DiskFull : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = testing::CorpusFile("ths-shared.jsonl.gz");
    if (!std::filesystem::exists(corpus_)) GTEST_SKIP() << "the shared corpus is not there: " << corpus_;
  }
  std::string corpus_;
};

// The reported count, checked against the store: equal when the store opens,
// and 0 reported when there is no store to open.
void ExpectCountIsReported(const std::string& db, uint64_t reported) {
  std::string err;
  const int64_t count = QueryCount(db, &err);
  if (count < 0) {
    EXPECT_EQ(reported, 0u) << "the run reported " << reported << " stored, and the store cannot be read: " << err;
  } else {
    EXPECT_EQ(static_cast<uint64_t>(count), reported);
  }
}

// The summary's tags are those of the documents the store holds: tagged
// (documents with a tag) and tag_counts, which would otherwise still count
// the batches after the last durable flush.
void ExpectTagsAreReported(const std::string& db, const testing::JsonObject& summary) {
  storage::StoreOptions o;
  o.path = db;
  o.read_only = true;
  o.create_if_missing = false;
  std::unique_ptr<storage::Store> store;
  if (!storage::Store::Open(o, &store).ok()) {
    EXPECT_EQ(summary.Uint("tagged"), 0u) << "no store to open";
    return;
  }
  std::vector<storage::Record> all;
  storage::QueryOptions q;
  q.limit = 0;
  ASSERT_TRUE(store->Query(q, &all).ok());
  uint64_t tagged = 0;
  std::map<std::string, uint64_t> counts;
  for (const auto& r : all) {
    tagged += !r.tags.empty();
    for (const auto& t : r.tags) ++counts[t.tag];
  }
  EXPECT_EQ(summary.Uint("tagged"), tagged);
  EXPECT_EQ(summary.Keys("tag_counts").size(), counts.size());
  for (const auto& [tag, n] : counts) EXPECT_EQ(summary.Count("tag_counts", tag), n) << tag;
}

TEST_F(DiskFull, FileRunFailsReportsOnlyWhatIsStoredAndCompletesAfterSpaceIsFreed) {
  Tmpfs fs("4m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  const std::string db = fs.path("db");

  auto full = RunShell(RunCmd("file:" + corpus_, db));
  EXPECT_EQ(full.exit_code, 1) << full.err;
  const auto s = testing::JsonObject::LastLine(full.out);
  ASSERT_TRUE(s.ok()) << "a failed run still prints its --json summary: " << full.out << full.err;
  EXPECT_FALSE(s.Bool("durable")) << full.out;
  EXPECT_LT(s.Uint("stored"), kThsItems) << full.out;
  ExpectCountIsReported(db, s.Uint("stored"));
  ExpectTagsAreReported(db, s);

  ASSERT_TRUE(fs.Resize("64m"));
  auto again = RunShell(RunCmd("file:" + corpus_, db));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto s2 = testing::JsonObject::LastLine(again.out);
  EXPECT_TRUE(s2.Bool("durable")) << again.out;
  // It resumes where the durable state of the failed run ends.
  EXPECT_EQ(s2.Uint("resumed_from"), s.Uint("read")) << again.out;
  EXPECT_EQ(s2.Uint("resumed_from") + s2.Uint("read"), kThsItems) << again.out;
  std::string err;
  EXPECT_EQ(QueryCount(db, &err), static_cast<int64_t>(kThsItems)) << err;
}

// Checkpoints every 2,000 records into an 8 MiB tmpfs: some batches are
// made durable before the disk fills, and the ones after them are lost.
// The summary counts the tags of the durable ones only.
TEST_F(DiskFull, FileRunWithCheckpointsReportsTheTagsOfTheDurableBatchesOnly) {
  Tmpfs fs("8m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  const std::string db = fs.path("db");
  auto full = RunShell(RunCmd("file:" + corpus_, db) + " --checkpoint-records 2000");
  EXPECT_EQ(full.exit_code, 1) << full.err;
  const auto s = testing::JsonObject::LastLine(full.out);
  ASSERT_TRUE(s.ok()) << full.out << full.err;
  EXPECT_FALSE(s.Bool("durable")) << full.out;
  EXPECT_GT(s.Uint("stored"), 0u) << "some batches were made durable: " << full.out;
  EXPECT_LT(s.Uint("stored"), kThsItems) << full.out;
  ExpectCountIsReported(db, s.Uint("stored"));
  ExpectTagsAreReported(db, s);
}

// The same with a $TMPDIR that does not exist. A failed run reads back what
// it made durable; it did so as a reader, whose directory goes under
// $TMPDIR: the run ended with "unexpected error: filesystem error:
// temp_directory_path", no summary and nothing about the full disk; with a
// directory it could not write in, with 0 stored of thousands durable. It
// reads its own closed store without a reader directory now.
TEST_F(DiskFull, AFailedRunCountsWhatIsDurableWhateverTmpdirIs) {
  Tmpfs fs("8m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  const std::string db = fs.path("db");
  auto full = RunShell("TMPDIR=" + fs.path("no-such-dir") + " " + RunCmd("file:" + corpus_, db) +
                       " --checkpoint-records 2000");
  EXPECT_EQ(full.exit_code, 1) << full.err;
  const auto s = testing::JsonObject::LastLine(full.out);
  ASSERT_TRUE(s.ok()) << "a failed run still prints its --json summary: " << full.out << full.err;
  EXPECT_GT(s.Uint("stored"), 0u) << "some batches were made durable: " << full.out;
  ExpectCountIsReported(db, s.Uint("stored"));
}

TEST_F(DiskFull, StdinRunFailsWithoutAbortReportsOnlyWhatIsStoredAndTheStoreReopens) {
  Tmpfs fs("4m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  const std::string db = fs.path("db");

  auto full = RunShell("gzip -dc " + corpus_ + " | " + RunCmd("-", db));
  EXPECT_EQ(full.exit_code, 1) << "exit 1, not an abort: " << full.err;
  const auto s = testing::JsonObject::LastLine(full.out);
  ASSERT_TRUE(s.ok()) << "a failed run still prints its --json summary: " << full.out << full.err;
  EXPECT_LT(s.Uint("stored"), kThsItems) << full.out;
  ExpectCountIsReported(db, s.Uint("stored"));

  // After space is freed the same store opens for writing and takes it all.
  ASSERT_TRUE(fs.Resize("64m"));
  auto again = RunShell("gzip -dc " + corpus_ + " | " + RunCmd("-", db));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(testing::JsonObject::LastLine(again.out).Uint("stored"), kThsItems) << again.out;
  std::string err;
  EXPECT_EQ(QueryCount(db, &err), static_cast<int64_t>(kThsItems)) << err;
}

// A restore into a volume's mount point (restored in place: a staging
// directory beside it could not be renamed in) that fills the volume left
// its partial files there: the volume stayed full, and the retry was
// refused as "not empty" until someone cleaned it by hand. It now removes
// what it wrote (after RocksDB's copy threads stop); with room the same
// mount point takes the restore.
TEST_F(DiskFull, ARestoreThatFillsAMountPointLeavesItEmpty) {
  testing::TempDir tmp;
  const std::string db = tmp.path("db"), backups = tmp.path("backups");
  ASSERT_EQ(RunShell(RunCmd("file:" + corpus_, db)).exit_code, 0);
  ASSERT_EQ(RunShell(Newsflow() + " backup --db " + db + " --to " + backups).exit_code, 0);
  Tmpfs fs("4m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  const std::string mount = fs.path("");
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto r = RunShell(Newsflow() + " restore --from " + backups + " --db " + mount);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(std::filesystem::is_empty(mount)) << "attempt " << attempt << ": the failed restore left files";
  }
  // Into a directory on the volume: staged beside it, and the staging
  // directory removed (RocksDB's copy threads went on writing into it
  // after the failure was returned, and 3 restores in 8 left it).
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto r = RunShell(Newsflow() + " restore --from " + backups + " --db " + fs.path("r"));
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(std::filesystem::is_empty(mount)) << "attempt " << attempt << ": the failed restore left files";
  }
  ASSERT_TRUE(fs.Resize("64m"));
  const auto r = RunShell(Newsflow() + " restore --from " + backups + " --db " + mount);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string err;
  EXPECT_EQ(QueryCount(mount, &err), static_cast<int64_t>(kThsItems)) << err;
}

// A prune on a volume with too little room to compact: its deletions are
// made (each batch atomic with the count) and then the compaction is
// refused. It said nothing on stdout, so the operator was not told that
// documents were gone; it now prints what it removed, and fails (exit 1).
// With room, the next prune gives the space back.
TEST_F(DiskFull, APruneThatCannotCompactSaysWhatItRemoved) {
  Tmpfs fs("64m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  const std::string db = fs.path("db");
  ASSERT_EQ(RunShell(RunCmd("file:" + corpus_, db)).exit_code, 0);
  struct statvfs v {};
  ASSERT_EQ(statvfs(fs.path("").c_str(), &v), 0);
  const uint64_t used_mib = ((v.f_blocks - v.f_bfree) * v.f_frsize) >> 20;
  ASSERT_TRUE(fs.Resize(std::to_string(used_mib + 2) + "m"));  // room for less than one compaction's output

  const std::string prune = Newsflow() + " prune --db " + db + " --before 2026-05-20";
  const auto failed = RunShell(prune);
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  const auto s = testing::JsonObject::LastLine(failed.out);
  ASSERT_TRUE(s.ok()) << "a prune that removed documents and then failed says so: " << failed.out << failed.err;
  EXPECT_GT(s.Uint("removed"), 0u) << failed.out;
  EXPECT_FALSE(s.Bool("compacted")) << failed.out;
  EXPECT_EQ(s.Uint("docs_after"), s.Uint("docs_before") - s.Uint("removed")) << failed.out;
  std::string err;
  EXPECT_EQ(QueryCount(db, &err), static_cast<int64_t>(s.Uint("docs_after"))) << err;

  ASSERT_TRUE(fs.Resize("64m"));
  const auto again = RunShell(prune);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto s2 = testing::JsonObject::LastLine(again.out);
  EXPECT_EQ(s2.Uint("removed"), 0u) << again.out;
  EXPECT_TRUE(s2.Bool("compacted")) << again.out;
  EXPECT_LT(s2.Uint("sst_bytes_after"), s2.Uint("sst_bytes_before")) << again.out;
}

// A live run holds no more of its volume than it writes. RocksDB reserved
// each new write-ahead log 1.1 x the write buffer ahead (fallocate, ~74 MB):
// on ext4 with less free than that the call failed but kept what it had
// allocated, so a run took nearly all of its volume's free space for as long
// as it ran, and a prune's or backup's flush beside it failed with ~50 MB
// free. A tmpfs with room grants the reservation whole, which shows it.
TEST(DiskSpace, ALiveRunHoldsNoMoreOfItsVolumeThanItWrites) {
  Tmpfs fs("160m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  testing::TempDir tmp;
  const std::string db = fs.path("db");
  // A store that exists: its log is then reserved for the largest write
  // buffer (the documents' 64 MiB), where a new store's first is 4 MiB.
  ASSERT_EQ(RunShell(RunCmd(testing::SourcePath("tests/fixtures/ths-sample.jsonl"), db)).exit_code, 0);
  auto run = StartStdinRun(db, tmp);
  ASSERT_TRUE(run->started());
  std::ifstream in(testing::SourcePath("tests/fixtures/cls-sample.jsonl"));
  std::string line, lines;
  for (int n = 0; n < 20 && std::getline(in, line); ++n) lines += line + "\n";
  run->Write(lines);
  std::string err;
  ASSERT_EQ(AwaitCount(db, 20 + 120, &err), 20 + 120) << err;
  struct statvfs v {};
  ASSERT_EQ(statvfs(fs.path("").c_str(), &v), 0);
  const uint64_t used = (v.f_blocks - v.f_bfree) * v.f_frsize;
  EXPECT_LT(used, 16u << 20) << "a live run that stored 20 items into a store of 120 holds " << (used >> 20) << " MiB of its volume";
  run->CloseInput();
  EXPECT_EQ(run->WaitExit(std::chrono::seconds(30)), 0);
}

// A live run whose volume fills while it waits for input: its documents
// are in the synced write-ahead log, but the flush of its memtables at
// close fails. That is not a failed run (exit 0, durable), and it was
// silent; the next open, which replays the log, then failed for want of
// room with nothing having said so. It is now a warning of the store.
TEST(DiskSpace, ARunWhoseVolumeFillsWhileItWaitsSaysSoAtCloseAndKeepsItsDocuments) {
  Tmpfs fs("16m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  testing::TempDir tmp;
  const std::string db = fs.path("db");
  auto run = StartStdinRun(db, tmp, {"--json", "--log-format", "json"});
  ASSERT_TRUE(run->started());
  run->Write(testing::ReadFile(testing::SourcePath("tests/fixtures/cls-sample.jsonl")));
  std::string err;
  ASSERT_EQ(AwaitCount(db, 120, &err), 120) << err;
  FillVolume(fs.path(""));
  run->CloseInput();
  ASSERT_EQ(run->WaitExit(std::chrono::seconds(30)), 0) << testing::ReadFile(tmp.path("err"));
  const auto summary = testing::JsonObject::LastLine(testing::ReadFile(tmp.path("out")));
  EXPECT_TRUE(summary.Bool("durable"));
  EXPECT_EQ(summary.Uint("stored"), 120u);
  int store_warnings = 0;
  std::istringstream lines(testing::ReadFile(tmp.path("err")));
  for (std::string line; std::getline(lines, line);) {
    const auto j = testing::JsonObject::Of(line);
    store_warnings += j.ok() && j.String("level") == "warn" && j.String("component") == "store";
  }
  EXPECT_EQ(store_warnings, 1) << testing::ReadFile(tmp.path("err"));
  std::filesystem::remove(fs.path("filler"));
  EXPECT_EQ(QueryCount(db, &err), 120) << err;
}

// A backup asked of a running writer whose volume is full: the request
// cannot be written. It failed saying only "cannot write ...request", and
// left an empty ".request.tmp" in the store's writer-requests for good.
TEST(DiskSpace, ABackupRequestThatCannotBeWrittenSaysWhyAndLeavesNothing) {
  Tmpfs fs("16m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  testing::TempDir tmp;
  const std::string db = fs.path("db");
  auto run = StartStdinRun(db, tmp);
  ASSERT_TRUE(run->started());
  run->Write(testing::ReadFile(testing::SourcePath("tests/fixtures/cls-sample.jsonl")));
  std::string err;
  ASSERT_EQ(AwaitCount(db, 120, &err), 120) << err;
  FillVolume(fs.path(""));
  const auto backup = RunShell(Newsflow() + " backup --db " + db + " --to " + tmp.path("bk") + " --timeout 10");
  EXPECT_EQ(backup.exit_code, 1) << backup.err;
  EXPECT_NE(backup.err.find(std::strerror(ENOSPC)), std::string::npos) << "the reason is said: " << backup.err;
  for (const auto& e : std::filesystem::directory_iterator(db + "/writer-requests"))
    EXPECT_NE(e.path().extension(), ".tmp") << "left behind: " << e.path();
  run->CloseInput();
  EXPECT_EQ(run->WaitExit(std::chrono::seconds(30)), 0);
}

// `serve --retain` over a store whose volume is full: every open for a
// prune fails, and each failed open leaves an empty MANIFEST and log file in
// the store. Tried every interval (1 s here, 60 s by default: ~2,900 files
// a day), it now waits twice as long after each failure in a row.
TEST(DiskSpace, ServeRetainOnAFullVolumeTriesLessAndLessOften) {
  Tmpfs fs("8m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (root needed): " << fs.error();
  testing::TempDir tmp;
  const std::string db = fs.path("db");
  ASSERT_EQ(RunShell(RunCmd(testing::SourcePath("tests/fixtures/cls-sample.jsonl"), db)).exit_code, 0);
  FillVolume(fs.path(""));
  const auto before = std::distance(std::filesystem::directory_iterator(db), {});
  const auto r = RunShell("timeout -s TERM 7 " + Newsflow() + " serve --log-format json --db " + db + " --rules " +
                          testing::SourcePath("rules/sets") + " --listen 127.0.0.1:0 --retain 1d --retain-interval 1");
  int tries = 0;
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    const auto j = testing::JsonObject::Of(line);
    tries += j.ok() && j.String("component") == "retain" && j.String("level") == "warn";
  }
  // At 0, 2 and 6 s (each wait doubled), not every second.
  EXPECT_GE(tries, 1) << r.err;
  EXPECT_LE(tries, 3) << r.err;
  EXPECT_LE(std::distance(std::filesystem::directory_iterator(db), {}), before + 2 * 3);
}

}  // namespace
}  // namespace newsflow::pipeline
