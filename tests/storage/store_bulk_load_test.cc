// A bulk load (disable_wal) keeps its index families in vector memtables
// (StoreTuning::bulk_load_append_indexes), a store with a WAL in skip lists.
// The same writes must give the same answers from both, read while the keys
// are still in the memtables, after a flush, and after a prune: rewrites
// that move a document's tags, time, story and stocks, duplicate keys in one
// batch, deletions of index keys put again in the same batch.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "newsflow/storage/record.h"
#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

using testing::TempDir;

constexpr int kKeys = 300;
const char* const kBulkTags[] = {"cluster:ai", "cluster:semiconductors", "region:shenzhen", "watch:w1", "watch:w12",
                             "watch:w123", "theme:carbon", "project:hkex"};
const char* const kBulkStocks[] = {"600519.SH", "000001.SZ", "0700.HK", "NVDA.O"};

Record RandomRecord(std::mt19937& rng, int round) {
  Record r;
  const int id = static_cast<int>(rng() % kKeys);
  r.source = id % 3 == 0 ? "cls" : id % 3 == 1 ? "ths" : "eastmoney";
  r.key = r.source + ":" + std::to_string(id);
  // Times move both ways across batches (a file newest first, a rewrite
  // that moves a document back), with repeats.
  r.time_ms = 1'780'000'000'000LL + static_cast<int64_t>(rng() % 5000) * 60'000 - round * 1000;
  r.title = "title " + r.key + " " + std::to_string(round);
  r.body = "body";
  double score = 1.0;
  for (const char* t : kBulkTags)
    if (rng() % 3 == 0) r.tags.push_back({t, score += 0.5});
  for (const char* s : kBulkStocks)
    if (rng() % 4 == 0) r.stock_codes.push_back(s);
  if (rng() % 2 == 0) r.story = "cls:" + std::to_string(rng() % 40);
  r.ruleset_version = "rs";
  return r;
}

std::vector<std::string> AnsweredKeys(Store& store, const QueryOptions& q) {
  std::vector<Record> out;
  EXPECT_TRUE(store.Query(q, &out).ok());
  std::vector<std::string> keys;
  for (const Record& r : out) keys.push_back(r.key + "@" + std::to_string(r.time_ms) + "#" + r.story);
  return keys;
}

// Every answer the index families give, from one store.
std::vector<std::vector<std::string>> Answers(Store& store) {
  std::vector<std::vector<std::string>> out;
  QueryOptions all;
  all.limit = 0;
  out.push_back(AnsweredKeys(store, all));
  for (const char* t : kBulkTags) {
    QueryOptions q = all;
    q.tags = {t};
    out.push_back(AnsweredKeys(store, q));
    q.since_ms = 1'780'000'000'000LL + 1000 * 60'000;
    q.until_ms = 1'780'000'000'000LL + 3000 * 60'000;
    out.push_back(AnsweredKeys(store, q));
    uint64_t n = 0;
    EXPECT_TRUE(store.CountTagIndex(t, &n).ok());
    out.push_back({std::to_string(n)});
  }
  for (const char* s : kBulkStocks) {
    QueryOptions q = all;
    q.stock = s;
    out.push_back(AnsweredKeys(store, q));
  }
  for (int s = 0; s < 40; ++s) {
    std::vector<Record> members;
    EXPECT_TRUE(store.StoryMembers("cls:" + std::to_string(s), 0, &members).ok());
    std::vector<std::string> keys;
    for (const Record& r : members) keys.push_back(r.key);
    out.push_back(keys);
  }
  std::vector<std::string> tags;
  EXPECT_TRUE(store.ListTags(&tags).ok());
  out.push_back(tags);
  Counts c;
  EXPECT_TRUE(store.GetCounts(&c).ok());
  out.push_back({std::to_string(c.docs)});
  return out;
}

TEST(StoreBulkLoad, VectorMemtablesAnswerAsSkipListsDo) {
  TempDir wal_dir, bulk_dir;
  StoreOptions wal;
  wal.path = wal_dir.str();
  wal.block_cache_bytes = 8u << 20;
  StoreOptions bulk = wal;
  bulk.path = bulk_dir.str();
  bulk.disable_wal = true;
  ASSERT_TRUE(bulk.tuning.bulk_load_append_indexes);  // the default this test is about
  std::unique_ptr<Store> a, b;
  ASSERT_TRUE(Store::Open(wal, &a).ok());
  ASSERT_TRUE(Store::Open(bulk, &b).ok());

  std::mt19937 rng(20261206);
  for (int round = 0; round < 40; ++round) {
    WriteSet ws;
    const int n = 1 + static_cast<int>(rng() % 60);  // a key can come twice in one batch: the last wins
    for (int i = 0; i < n; ++i) ws.records.push_back(RandomRecord(rng, round));
    ASSERT_TRUE(a->Write(ws).ok());
    ASSERT_TRUE(b->Write(ws).ok());
    if (round % 7 == 0) {
      ASSERT_EQ(Answers(*a), Answers(*b)) << "round " << round << ", in the memtables";
    }
    if (round == 20) {
      ASSERT_TRUE(b->Checkpoint(/*wait=*/true).ok());
      ASSERT_EQ(Answers(*a), Answers(*b)) << "after a flush";
    }
  }
  ASSERT_EQ(Answers(*a), Answers(*b)) << "at the end, before a flush";
  const auto before_prune = Answers(*a);
  EXPECT_GT(before_prune[0].size(), 200u);  // most keys are stored

  PruneOptions prune;
  prune.before_ms = 1'780'000'000'000LL + 2500 * 60'000;
  prune.compact = false;
  PruneStats sa, sb;
  ASSERT_TRUE(a->Prune(prune, &sa).ok());
  ASSERT_TRUE(b->Prune(prune, &sb).ok());
  EXPECT_EQ(sa.docs_removed, sb.docs_removed);
  EXPECT_EQ(sa.index_entries_removed, sb.index_entries_removed);
  EXPECT_GT(sa.docs_removed, 50u);
  ASSERT_EQ(Answers(*a), Answers(*b)) << "after a prune";

  // Closed (the bulk load flushes) and opened again with a WAL, the bulk
  // store reads back what it answered.
  const auto after_prune = Answers(*a);
  b.reset();
  bulk.disable_wal = false;
  ASSERT_TRUE(Store::Open(bulk, &b).ok());
  ASSERT_EQ(after_prune, Answers(*b)) << "reopened";
}

}  // namespace
}  // namespace newsflow::storage
