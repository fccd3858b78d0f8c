// What reading a store costs: in file reads, and in a WAL to replay. Every lookup of a
// document reads its data block, and a table's index and filter blocks once:
// RocksDB keeps them in the block cache, and its LRU cache is cut into 64
// shards, so an index or filter block larger than a shard's share (64 MiB /
// 64 = 1 MiB by default; a 400k-document store's docs table holds such a
// block) was evicted by the next data block and read and decompressed
// again for every lookup: `query --text`, `--collapse` and the desk's
// searches over a store RocksDB had compacted took minutes instead of
// seconds (205 s against 3.9 s, 400k documents). The test builds the same
// shape at a small scale (a 64 KiB cache, smaller than the docs table's
// index and filter blocks) and counts the bytes the store reads from its
// table files.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

using testing::EditRaw;
using testing::TempDir;

// A file system that counts the bytes read from table (.sst) files.
// Ownership: shared (the Env it makes and the files it opens hold it).
// Threads: any; the counter is atomic. Errors: none of its own.
class SstReadCountingFs : public rocksdb::FileSystemWrapper,
                          public std::enable_shared_from_this<SstReadCountingFs> {
 public:
  SstReadCountingFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  static const char* kClassName() { return "NewsflowSstReadCountingFs"; }
  const char* Name() const override { return kClassName(); }
  std::shared_ptr<rocksdb::Env> Env() { return rocksdb::NewCompositeEnv(shared_from_this()); }
  uint64_t bytes() const { return bytes_.load(); }

  rocksdb::IOStatus NewRandomAccessFile(const std::string& name, const rocksdb::FileOptions& options,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* out,
                                        rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSRandomAccessFile> file;
    rocksdb::IOStatus s = target()->NewRandomAccessFile(name, options, &file, dbg);
    if (!s.ok()) return s;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0) {
      *out = std::make_unique<Counted>(std::move(file), &bytes_);
    } else {
      *out = std::move(file);
    }
    return s;
  }

 private:
  class Counted : public rocksdb::FSRandomAccessFileOwnerWrapper {
   public:
    Counted(std::unique_ptr<rocksdb::FSRandomAccessFile> f, std::atomic<uint64_t>* bytes)
        : FSRandomAccessFileOwnerWrapper(std::move(f)), bytes_(bytes) {}
    rocksdb::IOStatus Read(uint64_t offset, size_t n, const rocksdb::IOOptions& options, rocksdb::Slice* result,
                           char* scratch, rocksdb::IODebugContext* dbg) const override {
      rocksdb::IOStatus s = target()->Read(offset, n, options, result, scratch, dbg);
      bytes_->fetch_add(result->size());
      return s;
    }
    rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs, const rocksdb::IOOptions& options,
                                rocksdb::IODebugContext* dbg) override {
      rocksdb::IOStatus s = target()->MultiRead(reqs, num_reqs, options, dbg);
      for (size_t i = 0; i < num_reqs; ++i) bytes_->fetch_add(reqs[i].result.size());
      return s;
    }

   private:
    std::atomic<uint64_t>* bytes_;
  };

  std::atomic<uint64_t> bytes_{0};
};

// A body of n ideographs drawn at random: text that compresses about as
// little as news does, so the table holds many data blocks.
std::string RandomBody(std::mt19937* rng, int n) {
  std::uniform_int_distribution<uint32_t> cp(0x4E00, 0x9FA5);
  std::string s;
  for (int i = 0; i < n; ++i) {
    const uint32_t c = cp(*rng);
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

Record CostDoc(std::string key, int64_t time_ms, std::string body) {
  Record r;
  r.key = std::move(key);
  r.source = "cls";
  r.time_ms = time_ms;
  r.title = "title of " + r.key;
  r.body = std::move(body);
  r.story = r.key;
  return r;
}

// The bytes of a store's files with this extension (".sst": tables, ".log": WALs).
uint64_t FileBytes(const std::string& dir, const std::string& extension) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == extension) total += e.file_size();
  }
  return total;
}

TEST(StoreReadCost, LookupsOverACompactedStoreReadEachIndexAndFilterBlockOnce) {
  TempDir dir;
  const std::string path = dir.str() + "/db";
  constexpr int kDocs = 30000;
  std::vector<std::string> keys;
  {
    StoreOptions o;
    o.path = path;
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(o, &store).ok());
    std::mt19937 rng(7);
    for (int batch = 0; batch < kDocs / 1000; ++batch) {
      WriteSet w;
      for (int i = 0; i < 1000; ++i) {
        const int n = batch * 1000 + i;
        Record r = CostDoc("cls:" + std::to_string(1000000 + n * 7919 % 1000003), 1000 + n, RandomBody(&rng, 60));
        r.tags.push_back({"cluster:ai", 1.0});
        keys.push_back(r.key);
        w.records.push_back(std::move(r));
      }
      ASSERT_TRUE(store->Write(w).ok());
    }
    // One old document to prune: a prune that removes something compacts
    // every column family, so every table is a compaction's output (the
    // files RocksDB does not pin in the cache, as after months of serving).
    WriteSet old;
    old.records.push_back(CostDoc("cls:old", 1, "old"));
    ASSERT_TRUE(store->Write(old).ok());
    PruneOptions po;
    po.before_ms = 2;
    PruneStats stats;
    ASSERT_TRUE(store->Prune(po, &stats).ok());
    ASSERT_EQ(stats.docs_removed, 1u);
    ASSERT_TRUE(stats.compacted);
    ASSERT_TRUE(store->Close().ok());
  }
  const uint64_t sst_bytes = FileBytes(path, ".sst");
  ASSERT_GT(sst_bytes, 4u << 20);  // the docs table is well past the cache

  auto fs = std::make_shared<SstReadCountingFs>();
  StoreOptions o;
  o.path = path;
  o.read_only = true;
  o.block_cache_bytes = 64u << 10;
  o.env = fs->Env();
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(o, &store).ok());
  std::shuffle(keys.begin(), keys.end(), std::mt19937(11));
  const uint64_t before = fs->bytes();
  for (const auto& k : keys) {
    Record r;
    bool found = false;
    ASSERT_TRUE(store->Get(k, &r, &found).ok());
    ASSERT_TRUE(found) << k;
  }
  const uint64_t read = fs->bytes() - before;
  // Each lookup reads one data block (4 KiB before compression); a cache
  // this small holds few, so up to one block per lookup plus every table
  // once. Index and filter blocks read again per lookup would be ~30x that.
  EXPECT_LT(read, keys.size() * 4096 + sst_bytes) << "read " << read << " bytes for " << keys.size()
                                                   << " lookups over " << sst_bytes << " bytes of tables";
  ASSERT_TRUE(store->Close().ok());
}

// Every reader opens a store as a RocksDB secondary and replays the WAL
// the writer left: a writer with a WAL (stdin, follow:, Kafka, --alerts,
// retag) that closed with its memtables unflushed cost every later
// `query` or `show` that replay (1-3 s and +150 MB after 400k items).
TEST(StoreReadCost, AWriterWithAWalLeavesNothingToReplayWhenItCloses) {
  TempDir dir;
  const std::string path = dir.str() + "/db";
  StoreOptions o;
  o.path = path;
  o.sync_writes = true;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(o, &store).ok());
  WriteSet w;
  for (int i = 0; i < 2000; ++i) w.records.push_back(CostDoc("cls:" + std::to_string(i), 1000 + i, "body"));
  ASSERT_TRUE(store->Write(w).ok());
  ASSERT_GT(FileBytes(path, ".log"), 0u);  // the write is in the WAL while the store is open
  ASSERT_TRUE(store->Close().ok());
  EXPECT_EQ(FileBytes(path, ".log"), 0u);

  // And what it wrote is there for a reader.
  o.read_only = true;
  o.sync_writes = false;
  ASSERT_TRUE(Store::Open(o, &store).ok());
  Record r;
  bool found = false;
  ASSERT_TRUE(store->Get("cls:1999", &r, &found).ok());
  EXPECT_TRUE(found);
  ASSERT_TRUE(store->Close().ok());
}

// The desk asks for a subscription's newest alert every few seconds per
// tab (`/api/alerts?subscription=X&limit=1`). From the log alone that read
// every alert newer than X's newest: the whole log when X's is its first
// (0.42 s for 91k alerts, per request). A group's alerts come from its own
// index entries: the read here is a few blocks, not the log's 30,000
// alerts. The log is also one an older version wrote (no alerts_by_group):
// a reader reads it whole, and the next writer's open indexes it.
TEST(StoreReadCost, AGroupsNewestAlertIsReadWithoutTheLogBeforeIt) {
  TempDir dir;
  const std::string path = dir.str() + "/db";
  constexpr int kAlerts = 30000;
  {
    StoreOptions o;
    o.path = path;
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(o, &store).ok());
    std::mt19937 rng(5);
    PreparedWriteSet first;
    first.alerts.push_back({"quiet/cls:1", "{\"quiet\":1}", 1000});
    first.alerts_pending = false;
    ASSERT_TRUE(store->Write(first).ok());
    for (int batch = 0; batch < kAlerts / 1000; ++batch) {
      PreparedWriteSet set;
      set.alerts_pending = false;
      for (int i = 0; i < 1000; ++i) {
        const std::string id = "busy/cls:" + std::to_string(batch * 1000 + i);
        set.alerts.push_back({id, "{\"title\":\"" + RandomBody(&rng, 40) + "\"}", 2000 + batch * 1000 + i});
      }
      ASSERT_TRUE(store->Write(set).ok());
    }
    ASSERT_TRUE(store->Close().ok());
  }
  ASSERT_GT(FileBytes(path, ".sst"), 2u << 20);

  auto newest_quiet = [&](bool read_only, uint64_t* bytes) {
    auto fs = std::make_shared<SstReadCountingFs>();
    StoreOptions o;
    o.path = path;
    o.read_only = read_only;
    o.env = fs->Env();
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(o, &store).ok());
    const uint64_t before = fs->bytes();
    std::vector<StoredAlert> out;
    ASSERT_TRUE(store->RecentAlertsOfGroups({"quiet"}, 0, 1, &out).ok());
    *bytes = fs->bytes() - before;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].seq, 1u);
    EXPECT_EQ(out[0].json, "{\"quiet\":1}");
    ASSERT_TRUE(store->Close().ok());
  };
  const uint64_t log_bytes = FileBytes(path, ".sst");
  uint64_t indexed = 0;
  ASSERT_NO_FATAL_FAILURE(newest_quiet(true, &indexed));
  EXPECT_LT(indexed, 64u << 10) << "read " << indexed << " bytes of " << log_bytes;

  // As an older version left it: no alerts_by_group, no mark.
  ASSERT_NO_FATAL_FAILURE(EditRaw(path, [](rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
    for (auto* h : handles) {
      if (h->GetName() == "alerts_by_group") {
        ASSERT_TRUE(db->DropColumnFamily(h).ok());
      }
      if (h->GetName() == "meta") {
        ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), h, "alert_groups/indexed").ok());
      }
    }
  }));
  uint64_t scanned = 0;
  ASSERT_NO_FATAL_FAILURE(newest_quiet(true, &scanned));  // the same answer, from the whole log
  EXPECT_GT(scanned, log_bytes / 2);
  {
    StoreOptions o;
    o.path = path;
    std::unique_ptr<Store> writer;  // its open indexes the log
    ASSERT_TRUE(Store::Open(o, &writer).ok());
    std::vector<std::string> groups;
    ASSERT_TRUE(writer->AlertGroups(&groups).ok());
    EXPECT_EQ(groups, (std::vector<std::string>{"busy", "quiet"}));
    ASSERT_TRUE(writer->Close().ok());
  }
  uint64_t reindexed = 0;
  ASSERT_NO_FATAL_FAILURE(newest_quiet(true, &reindexed));
  EXPECT_LT(reindexed, 64u << 10) << "read " << reindexed << " bytes of " << log_bytes;
}

}  // namespace
}  // namespace newsflow::storage
