// Store::Prune and Store::Backup / restore.h on hand-made records: pruning
// removes exactly the documents before the cutoff (a document at the cutoff
// stays) with their by_tag, by_time, by_story and by_stock entries, lowers
// count/docs, keeps offsets, progress marks and the newest dead letter, and
// works in chunks; a backup restores every column family; a second backup
// copies only new files, and waits for another's on the same directory
// without holding writes back; a restore never overwrites a store.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "newsflow/storage/restore.h"
#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

using testing::TempDir;

Record Doc(std::string key, int64_t t, std::vector<std::string> tags, std::string story,
           std::vector<std::string> codes = {}) {
  Record r;
  r.key = std::move(key);
  r.source = r.key.substr(0, r.key.find(':'));
  r.time_ms = t;
  r.title = "title of " + r.key;
  for (auto& tag : tags) r.tags.push_back({tag, 1.0});
  r.story = std::move(story);
  r.stocks = codes;
  r.stock_codes = std::move(codes);
  return r;
}

std::vector<std::string> Keys(Store& s, QueryOptions q) {
  q.limit = 0;
  std::vector<Record> out;
  EXPECT_TRUE(s.Query(q, &out).ok());
  std::vector<std::string> keys;
  for (const auto& r : out) keys.push_back(r.key);
  return keys;
}

class StoreRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_.reset();
    StoreOptions o;
    o.path = dir_.str() + "/db";
    ASSERT_TRUE(Store::Open(o, &store_).ok());
  }
  // Ten documents at t = 100..1000; tags a (even), b (all); two stories
  // spanning the cutoff; stock codes; an offset, a progress mark and a dead
  // letter beside them.
  void Fill() {
    WriteSet w;
    for (int i = 1; i <= 10; ++i) {
      std::vector<std::string> tags = {"b"};
      if (i % 2 == 0) tags.insert(tags.begin(), "a");
      const std::string story = i <= 6 ? "cls:1" : "cls:7";
      w.records.push_back(Doc("cls:" + std::to_string(i), i * 100, tags, story, {i % 3 == 0 ? "SZ000001" : "SH600000"}));
    }
    w.dead_letters.push_back({"bad json", "file:x:3", "{", 50});
    w.offsets.push_back({"g", "t", 0, 42});
    w.progress.push_back({"file:x", "mark"});
    ASSERT_TRUE(store_->Write(w).ok());
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreRetentionTest, PruneRemovesOnlyOlderDocumentsAndTheirIndexEntries) {
  Fill();
  PruneOptions po;
  po.before_ms = 500;  // removes cls:1..4; cls:5 (at 500) stays
  po.docs_per_batch = 3;  // two chunks
  PruneStats st;
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.docs_removed, 4u);
  EXPECT_EQ(st.docs_before, 10u);
  EXPECT_EQ(st.docs_after, 6u);
  // tags: 4 b + 2 a; stories: 4; stocks: 4
  EXPECT_EQ(st.index_entries_removed, 4u + 2u + 4u + 4u);
  EXPECT_TRUE(st.compacted);

  Counts c;
  ASSERT_TRUE(store_->GetCounts(&c).ok());
  EXPECT_EQ(c.docs, 6u);
  EXPECT_EQ(c.dead_letters, 1u);
  EXPECT_EQ(Keys(*store_, {}), (std::vector<std::string>{"cls:10", "cls:9", "cls:8", "cls:7", "cls:6", "cls:5"}));
  uint64_t n = 0;
  ASSERT_TRUE(store_->CountTagIndex("a", &n).ok());
  EXPECT_EQ(n, 3u);  // 6, 8, 10
  ASSERT_TRUE(store_->CountTagIndex("b", &n).ok());
  EXPECT_EQ(n, 6u);
  QueryOptions stock;
  stock.stock = "SZ000001";
  EXPECT_EQ(Keys(*store_, stock), (std::vector<std::string>{"cls:9", "cls:6"}));  // cls:3 went
  std::vector<Record> members;
  ASSERT_TRUE(store_->StoryMembers("cls:1", 0, &members).ok());
  ASSERT_EQ(members.size(), 2u);  // cls:5, cls:6 remain of story cls:1
  EXPECT_EQ(members[0].key, "cls:5");
  ASSERT_TRUE(store_->StoryMembers("cls:7", 0, &members).ok());
  EXPECT_EQ(members.size(), 4u);
  bool found = true;
  Record r;
  ASSERT_TRUE(store_->Get("cls:4", &r, &found).ok());
  EXPECT_FALSE(found);

  // meta and dead letters are untouched
  std::optional<int64_t> off;
  ASSERT_TRUE(store_->GetOffset("g", "t", 0, &off).ok());
  EXPECT_EQ(off, 42);
  std::optional<std::string> mark;
  ASSERT_TRUE(store_->GetProgress("file:x", &mark).ok());
  EXPECT_EQ(mark, "mark");
  std::vector<DeadLetter> dls;
  ASSERT_TRUE(store_->DeadLetters(0, &dls).ok());
  EXPECT_EQ(dls.size(), 1u);

  // Survives a reopen, and a second prune at the same cutoff removes nothing.
  Open();
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.docs_removed, 0u);
  EXPECT_FALSE(st.compacted);
  EXPECT_EQ(st.docs_after, 6u);
  // Re-ingesting a pruned key counts it again.
  WriteSet again;
  again.records.push_back(Doc("cls:2", 200, {"a"}, ""));
  ASSERT_TRUE(store_->Write(again).ok());
  ASSERT_TRUE(store_->GetCounts(&c).ok());
  EXPECT_EQ(c.docs, 7u);
}

TEST_F(StoreRetentionTest, PruneEverythingAndNothing) {
  Fill();
  PruneOptions po;
  po.before_ms = 100;  // the oldest is at 100: nothing is older
  PruneStats st;
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.docs_removed, 0u);
  po.before_ms = 1001;
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.docs_removed, 10u);
  EXPECT_EQ(st.docs_after, 0u);
  EXPECT_TRUE(Keys(*store_, {}).empty());
  std::vector<std::string> tags;
  ASSERT_TRUE(store_->ListTags(&tags).ok());
  EXPECT_TRUE(tags.empty());
  std::optional<int64_t> newest;
  ASSERT_TRUE(store_->NewestTime(INT64_MAX, &newest).ok());
  EXPECT_FALSE(newest.has_value());
}

TEST_F(StoreRetentionTest, NewestTimeIsTheNewestDocumentUpToABound) {
  std::optional<int64_t> newest;
  ASSERT_TRUE(store_->NewestTime(INT64_MAX, &newest).ok());
  EXPECT_FALSE(newest.has_value());
  Fill();  // documents at 100, 200, ..., 1000
  ASSERT_TRUE(store_->NewestTime(INT64_MAX, &newest).ok());
  EXPECT_EQ(newest, 1000);
  ASSERT_TRUE(store_->NewestTime(1000, &newest).ok());
  EXPECT_EQ(newest, 1000);
  ASSERT_TRUE(store_->NewestTime(999, &newest).ok());
  EXPECT_EQ(newest, 900);
  ASSERT_TRUE(store_->NewestTime(99, &newest).ok());
  EXPECT_FALSE(newest.has_value());
}

// A backup waits while another process backs up into, or purges, the same
// directory (a flock on DIR/newsflow.lock), and the writer's batches go on
// meanwhile: the backup waits for the directory before it holds writes back.
// It then holds what was written while it waited.
TEST_F(StoreRetentionTest, ABackupWaitsForTheDirectoryWithoutHoldingWritesBack) {
  Fill();
  const std::string backups = dir_.str() + "/backups";
  std::filesystem::create_directories(backups);
  const int fd = ::open((backups + "/newsflow.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // another process's backup or purge, in effect
  std::atomic<bool> done{false};
  BackupResult r;
  Status backup_status;
  std::thread backup([&] {
    backup_status = store_->Backup(backups, &r);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done.load());  // waiting for the directory
  WriteSet more;
  more.records.push_back(Doc("ths:11", 1100, {"c"}, ""));
  ASSERT_TRUE(store_->Write(more).ok());  // not held back meanwhile
  EXPECT_FALSE(done.load());
  ::close(fd);  // releases the flock
  backup.join();
  ASSERT_TRUE(backup_status.ok()) << backup_status.message();
  EXPECT_EQ(r.counts.docs, 11u);
}

// A restore (or a listing) and a purge of old backups in one directory: the
// purge deletes the files of the backups it drops, so a restore of one of
// them must not run beside it.
TEST_F(StoreRetentionTest, ARestoreAndAPurgeOfItsBackupDirectoryWaitForEachOther) {
  Fill();
  const std::string backups = dir_.str() + "/backups";
  BackupResult b;
  ASSERT_TRUE(store_->Backup(backups, &b).ok());
  ASSERT_TRUE(store_->Backup(backups, &b).ok());
  const std::string lock_path = backups + "/newsflow.lock";

  // A purge (or a backup) holds the directory: restore and list wait.
  {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX), 0);
    std::atomic<bool> restored{false}, listed{false};
    Status restore_status, list_status;
    BackupResult r;
    std::vector<BackupResult> all;
    std::thread restore([&] {
      restore_status = RestoreBackup(backups, dir_.str() + "/restored", 1, &r);
      restored = true;
    });
    std::thread list([&] {
      list_status = ListBackups(backups, &all);
      listed = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(restored.load());
    EXPECT_FALSE(listed.load());
    ::close(fd);
    restore.join();
    list.join();
    ASSERT_TRUE(restore_status.ok()) << restore_status.message();
    EXPECT_EQ(r.backup_id, 1u);
    ASSERT_TRUE(list_status.ok()) << list_status.message();
    EXPECT_EQ(all.size(), 2u);
  }

  // A restore (shared) holds it: a purge waits, and a second reader does not.
  {
    const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_SH), 0);
    std::vector<BackupResult> all;
    ASSERT_TRUE(ListBackups(backups, &all).ok());  // readers share the directory
    std::atomic<bool> purged_done{false};
    uint32_t purged = 0;
    Status purge_status;
    std::thread purge([&] {
      purge_status = PurgeOldBackups(backups, 1, &purged);
      purged_done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(purged_done.load());
    ::close(fd);
    purge.join();
    ASSERT_TRUE(purge_status.ok()) << purge_status.message();
    EXPECT_EQ(purged, 1u);
  }
  std::vector<BackupResult> left;
  ASSERT_TRUE(ListBackups(backups, &left).ok());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].backup_id, 2u);
}

TEST_F(StoreRetentionTest, BackupRestoresEveryColumnFamilyAndIsIncremental) {
  Fill();
  const std::string backups = dir_.str() + "/backups";
  BackupResult first;
  ASSERT_TRUE(store_->Backup(backups, &first).ok());
  EXPECT_EQ(first.backup_id, 1u);
  EXPECT_EQ(first.counts.docs, 10u);
  EXPECT_EQ(first.counts.dead_letters, 1u);
  EXPECT_EQ(first.new_files, first.files);
  EXPECT_GT(first.files, 0u);

  WriteSet more;
  more.records.push_back(Doc("ths:11", 1100, {"c"}, ""));
  ASSERT_TRUE(store_->Write(more).ok());
  BackupResult second;
  ASSERT_TRUE(store_->Backup(backups, &second).ok());
  EXPECT_EQ(second.backup_id, 2u);
  EXPECT_EQ(second.counts.docs, 11u);
  EXPECT_LT(second.new_files, second.files);  // the first backup's SST files are shared
  EXPECT_LT(second.new_bytes, second.bytes);
  std::vector<BackupResult> all;
  ASSERT_TRUE(ListBackups(backups, &all).ok());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].new_files, second.new_files);

  // Restore the first one: 10 documents, with meta and dead letters.
  const std::string restored = dir_.str() + "/restored";
  BackupResult r;
  ASSERT_TRUE(RestoreBackup(backups, restored, 1, &r).ok());
  EXPECT_EQ(r.backup_id, 1u);
  StoreOptions o;
  o.path = restored;
  o.create_if_missing = false;
  std::unique_ptr<Store> copy;
  ASSERT_TRUE(Store::Open(o, &copy).ok());
  Counts c;
  ASSERT_TRUE(copy->GetCounts(&c).ok());
  EXPECT_EQ(c.docs, 10u);
  EXPECT_EQ(c.dead_letters, 1u);
  EXPECT_EQ(Keys(*copy, {}).size(), 10u);
  uint64_t n = 0;
  ASSERT_TRUE(copy->CountTagIndex("a", &n).ok());
  EXPECT_EQ(n, 5u);
  std::optional<int64_t> off;
  ASSERT_TRUE(copy->GetOffset("g", "t", 0, &off).ok());
  EXPECT_EQ(off, 42);
  std::optional<std::string> mark;
  ASSERT_TRUE(copy->GetProgress("file:x", &mark).ok());
  EXPECT_EQ(mark, "mark");
  std::vector<Record> members;
  ASSERT_TRUE(copy->StoryMembers("cls:7", 0, &members).ok());
  EXPECT_EQ(members.size(), 4u);
  ASSERT_TRUE(copy->Close().ok());

  // A restore never overwrites a store; an unknown id is NotFound.
  EXPECT_EQ(RestoreBackup(backups, restored, 0, &r).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(RestoreBackup(backups, dir_.str() + "/other", 7, &r).code(), Status::Code::kNotFound);
  EXPECT_EQ(ListBackups(dir_.str() + "/none", &all).code(), Status::Code::kNotFound);

  // Nor deletes files beside one: a directory that is not empty (an alert
  // file, a feed beside a mistyped --db) is refused and left as it was; an
  // empty one is restored into.
  const std::string busy = dir_.str() + "/busy";
  std::filesystem::create_directories(busy + "/sub");
  std::ofstream(busy + "/alerts.jsonl") << "keep\n";
  EXPECT_EQ(RestoreBackup(backups, busy, 0, &r).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(std::filesystem::exists(busy + "/alerts.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(busy + "/sub"));
  EXPECT_FALSE(std::filesystem::exists(busy + "/CURRENT"));
  const std::string empty = dir_.str() + "/empty";
  std::filesystem::create_directories(empty);
  ASSERT_TRUE(RestoreBackup(backups, empty, 0, &r).ok());
  EXPECT_EQ(r.backup_id, 2u);
  EXPECT_TRUE(std::filesystem::exists(empty + "/CURRENT"));
}

}  // namespace
}  // namespace newsflow::storage
