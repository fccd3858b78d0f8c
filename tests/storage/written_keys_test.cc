// Tests for WrittenKeys, the set of keys a writer of a fresh store wrote
// (storage/src/written_keys.h), and for the store's use of it: a key this
// writer never wrote is new without a lookup, one it wrote is looked up
// and its old index entries replaced, in a fresh store and in one that had
// documents when it was opened.
#include "storage/src/written_keys.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "newsflow/storage/record.h"
#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

TEST(WrittenKeys, RulesOutNothingUntilStartedThenKeysNeverAdded) {
  WrittenKeys keys;
  keys.Add("cls:1");  // not started: not kept
  EXPECT_FALSE(keys.active());
  EXPECT_TRUE(keys.MaybeWritten("cls:2")) << "a set that was not started rules no key out";
  keys.Start();
  EXPECT_TRUE(keys.active());
  EXPECT_FALSE(keys.MaybeWritten("cls:1")) << "added before the start: not kept";
  keys.Add("cls:1");
  keys.Add("");
  EXPECT_TRUE(keys.MaybeWritten("cls:1"));
  EXPECT_TRUE(keys.MaybeWritten(""));
  EXPECT_FALSE(keys.MaybeWritten("cls:2"));
  EXPECT_FALSE(keys.MaybeWritten("cls:1 "));
}

TEST(WrittenKeys, KeepsEveryKeyAcrossGrowth) {
  WrittenKeys keys;
  keys.Start();
  constexpr int kKeys = 200000;  // the table starts at 65,536 slots: it doubles three times
  for (int i = 0; i < kKeys; i += 2) keys.Add("eastmoney:" + std::to_string(i));
  int found_added = 0, found_other = 0;
  for (int i = 0; i < kKeys; ++i) {
    const bool found = keys.MaybeWritten("eastmoney:" + std::to_string(i));
    (i % 2 == 0 ? found_added : found_other) += found;
  }
  EXPECT_EQ(found_added, kKeys / 2);
  // Keys never added may collide with an added one's 64-bit hash; none does here.
  EXPECT_EQ(found_other, 0);
}

TEST(WrittenKeys, StopsAnsweringPastItsMaximum) {
  WrittenKeys keys(/*max_keys=*/3);
  keys.Start();
  for (const char* k : {"a", "b", "c", "a"}) keys.Add(k);
  EXPECT_TRUE(keys.active());
  EXPECT_TRUE(keys.MaybeWritten("c"));
  EXPECT_FALSE(keys.MaybeWritten("z"));
  keys.Add("d");  // a fourth: too many
  EXPECT_FALSE(keys.active());
  EXPECT_TRUE(keys.MaybeWritten("z")) << "the store must look every key up once the set is given up";
  keys.Add("e");
  EXPECT_FALSE(keys.active());
}

Record Doc(const std::string& key, int64_t time_ms, std::vector<std::string> tags) {
  Record r;
  r.key = key;
  r.source = key.substr(0, key.find(':'));
  r.time_ms = time_ms;
  r.title = "title " + key;
  r.body = "body " + key;
  for (auto& t : tags) r.tags.push_back({std::move(t), 1.0});
  return r;
}

class WrittenKeysStoreTest : public ::testing::Test {
 protected:
  void Open() {
    store_.reset();
    StoreOptions o;
    o.path = dir_.str();
    o.block_cache_bytes = 8u << 20;
    const Status st = Store::Open(o, &store_);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  void Write(std::vector<Record> records) {
    WriteSet ws;
    ws.records = std::move(records);
    const Status st = store_->Write(ws);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  uint64_t TagIndex(std::string_view tag) {
    uint64_t n = 0;
    EXPECT_TRUE(store_->CountTagIndex(tag, &n).ok());
    return n;
  }
  uint64_t Docs() {
    Counts c;
    EXPECT_TRUE(store_->GetCounts(&c).ok());
    return c.docs;
  }
  uint64_t InTime(int64_t from, int64_t to) {
    QueryOptions q;
    q.since_ms = from;
    q.until_ms = to;
    q.limit = 0;
    uint64_t n = 0;
    EXPECT_TRUE(store_->Count(q, &n).ok());
    return n;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// In a fresh store, a key rewritten in a later batch (with other keys the
// writer never wrote beside it) replaces its index entries.
TEST_F(WrittenKeysStoreTest, AFreshStoresRewriteOfAKeyItWroteReplacesItsIndexEntries) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Write({Doc("cls:1", 1000, {"old"}), Doc("cls:2", 2000, {"old"})}));
  ASSERT_NO_FATAL_FAILURE(Write({Doc("cls:3", 3000, {"new"}), Doc("cls:1", 4000, {"new"})}));
  EXPECT_EQ(Docs(), 3u);
  EXPECT_EQ(TagIndex("old"), 1u);
  EXPECT_EQ(TagIndex("new"), 2u);
  EXPECT_EQ(InTime(1000, 1000), 0u) << "cls:1's first time entry must be gone";
  EXPECT_EQ(InTime(4000, 4000), 1u);
}

// A store that had documents when it was opened looks every key up: a key
// written by an earlier open is found and replaced, not added again.
TEST_F(WrittenKeysStoreTest, AStoreWithDocumentsAtOpenFindsKeysAnEarlierWriterWrote) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Write({Doc("ths:1", 1000, {"old"}), Doc("ths:2", 2000, {"old"})}));
  ASSERT_NO_FATAL_FAILURE(Open());  // reopened: not fresh any more
  ASSERT_NO_FATAL_FAILURE(Write({Doc("ths:1", 5000, {"new"}), Doc("ths:3", 6000, {"new"})}));
  EXPECT_EQ(Docs(), 3u);
  EXPECT_EQ(TagIndex("old"), 1u);
  EXPECT_EQ(TagIndex("new"), 2u);
  EXPECT_EQ(InTime(1000, 1000), 0u);
}

// A key pruned and written again is looked up (this writer wrote it), not
// found, and stored once; reopened, the store holds it, so the next writer
// looks keys up and replaces it.
TEST_F(WrittenKeysStoreTest, AKeyWrittenAgainAfterItsPruneIsStoredOnce) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Write({Doc("cls:1", 1000, {"a"})}));
  PruneOptions p;
  p.before_ms = 2000;
  PruneStats stats;
  ASSERT_TRUE(store_->Prune(p, &stats).ok());
  ASSERT_EQ(stats.docs_removed, 1u);
  ASSERT_NO_FATAL_FAILURE(Write({Doc("cls:1", 3000, {"a"})}));
  EXPECT_EQ(Docs(), 1u);
  EXPECT_EQ(TagIndex("a"), 1u);
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Write({Doc("cls:1", 4000, {"b"})}));
  EXPECT_EQ(Docs(), 1u);
  EXPECT_EQ(TagIndex("a"), 0u);
  EXPECT_EQ(TagIndex("b"), 1u);
}

}  // namespace
}  // namespace newsflow::storage
