// Tests for the RocksDB-backed Store.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "newsflow/storage/record.h"
#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

using testing::AllBytes;
using testing::ExpectDeadLetterEq;
using testing::ExpectRecordEq;
using testing::TempDir;

using namespace std::string_literals;

Record MakeRecord(std::string key, int64_t time_ms, std::vector<std::string> tags) {
  Record r;
  r.source = key.substr(0, key.find(':'));
  r.key = std::move(key);
  r.time_ms = time_ms;
  r.title = "title of " + r.key;
  r.body = "body of " + r.key;
  r.url = "https://example.com/" + r.key;
  r.level = "B";
  r.stocks = {"600519.SH"};
  double score = 1.0;
  for (auto& t : tags) {
    r.spans.push_back({t, "kw", Field::kBody, 0, 2});
    r.tags.push_back({std::move(t), score});
    score += 0.5;
  }
  r.ruleset_version = "rs1";
  r.origin = "file:/in.jsonl:1";
  return r;
}

std::vector<std::string> Keys(const std::vector<Record>& recs) {
  std::vector<std::string> keys;
  for (const auto& r : recs) keys.push_back(r.key);
  return keys;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }
  void TearDown() override { store_.reset(); }

  StoreOptions Options(bool read_only = false) const {
    StoreOptions o;
    o.path = dir_.str();
    o.read_only = read_only;
    o.block_cache_bytes = 8u << 20;
    return o;
  }

  void Open(bool read_only = false) {
    store_.reset();
    Status st = Store::Open(Options(read_only), &store_);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_NE(store_, nullptr);
  }

  void Write(const WriteSet& ws) {
    Status st = store_->Write(ws);
    ASSERT_TRUE(st.ok()) << st.message();
  }

  void WriteRecords(std::vector<Record> recs) {
    WriteSet ws;
    ws.records = std::move(recs);
    Write(ws);
  }

  std::vector<std::string> QueryKeys(QueryOptions q) {
    std::vector<Record> out;
    Status st = store_->Query(q, &out);
    EXPECT_TRUE(st.ok()) << st.message();
    // Count agrees with an unlimited query.
    q.limit = 0;
    std::vector<Record> all;
    EXPECT_TRUE(store_->Query(q, &all).ok());
    uint64_t n = 0;
    st = store_->Count(q, &n);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(n, all.size()) << "Count disagrees with Query";
    return Keys(out);
  }

  uint64_t TagIndex(std::string_view tag) {
    uint64_t n = 0;
    Status st = store_->CountTagIndex(tag, &n);
    EXPECT_TRUE(st.ok()) << st.message();
    return n;
  }

  Counts GetCounts() {
    Counts c;
    Status st = store_->GetCounts(&c);
    EXPECT_TRUE(st.ok()) << st.message();
    return c;
  }

  std::optional<Record> Get(std::string_view key) {
    Record r;
    bool found = true;
    Status st = store_->Get(key, &r, &found);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!found) return std::nullopt;
    return r;
  }

  std::vector<DeadLetter> DeadLetters(size_t limit = 0) {
    std::vector<DeadLetter> out;
    Status st = store_->DeadLetters(limit, &out);
    EXPECT_TRUE(st.ok()) << st.message();
    return out;
  }

  // Five documents with distinct times (newest last in this list).
  void WriteCorpus() {
    WriteRecords({
        MakeRecord("cls:1", 1000, {"ai", "chips"}),
        MakeRecord("cls:2", 2000, {"ai"}),
        MakeRecord("ths:3", 3000, {"chips", "energy"}),
        MakeRecord("eastmoney:4", 4000, {"ai", "chips", "energy"}),
        MakeRecord("cls:5", 5000, {"energy"}),
    });
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, WriteThenGetRoundTripsEveryField) {
  Record r = MakeRecord("cls:42", 1'717'000'000'000, {"cluster:ai", "cluster:chips"});
  r.title = "<b>标题</b>";
  r.body = AllBytes();
  r.spans.push_back({"cluster:ai", "英伟达", Field::kTitle, 3, 12});
  WriteRecords({r});

  auto got = Get("cls:42");
  ASSERT_TRUE(got.has_value());
  ExpectRecordEq(r, *got);
  EXPECT_FALSE(Get("cls:43").has_value());
  EXPECT_FALSE(Get("").has_value());
  EXPECT_EQ(GetCounts().docs, 1u);
  EXPECT_EQ(TagIndex("cluster:ai"), 1u);
  EXPECT_EQ(TagIndex("cluster:chips"), 1u);
  EXPECT_EQ(TagIndex("cluster"), 0u) << "tag prefix must not match a longer tag";
}

TEST_F(StoreTest, QueryByTagIsNewestFirst) {
  WriteCorpus();
  QueryOptions q;
  q.tags = {"ai"};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4", "cls:2", "cls:1"}));
  q.tags = {"energy"};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"cls:5", "eastmoney:4", "ths:3"}));
  q.tags = {"nope"};
  EXPECT_TRUE(QueryKeys(q).empty());
}

TEST_F(StoreTest, QueryWithoutTagsIsNewestFirst) {
  WriteCorpus();
  EXPECT_EQ(QueryKeys({}),
            (std::vector<std::string>{"cls:5", "eastmoney:4", "ths:3", "cls:2", "cls:1"}));
}

TEST_F(StoreTest, QueryReturnsFullRecords) {
  WriteCorpus();
  QueryOptions q;
  q.tags = {"chips"};
  q.limit = 1;
  std::vector<Record> out;
  ASSERT_TRUE(store_->Query(q, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  ExpectRecordEq(MakeRecord("eastmoney:4", 4000, {"ai", "chips", "energy"}), out[0]);
}

TEST_F(StoreTest, EqualTimesAreAllReturned) {
  WriteRecords({MakeRecord("a:2", 100, {"t"}), MakeRecord("a:1", 100, {"t"}),
                MakeRecord("a:3", 100, {"t"})});
  QueryOptions q;
  q.tags = {"t"};
  q.since_ms = 100;
  q.until_ms = 100;
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"a:1", "a:2", "a:3"}));
}

TEST_F(StoreTest, QueryAndsTags) {
  WriteCorpus();
  QueryOptions q;
  q.tags = {"ai", "chips"};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4", "cls:1"}));
  q.tags = {"chips", "ai"};  // order of tags does not matter
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4", "cls:1"}));
  q.tags = {"ai", "chips", "energy"};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4"}));
  q.tags = {"energy", "ai"};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4"}));
  q.tags = {"ai", "missing"};
  EXPECT_TRUE(QueryKeys(q).empty());
}

TEST_F(StoreTest, SinceAndUntilAreInclusive) {
  WriteCorpus();
  QueryOptions q;
  q.since_ms = 2000;
  q.until_ms = 4000;
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4", "ths:3", "cls:2"}));

  q.tags = {"ai"};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4", "cls:2"}));

  q.since_ms = 2001;
  q.until_ms = 3999;
  EXPECT_TRUE(QueryKeys(q).empty());
  q.tags = {};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"ths:3"}));

  q = {};
  q.since_ms = 4000;  // only a lower bound
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"cls:5", "eastmoney:4"}));
  q.tags = {"chips"};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4"}));

  q = {};
  q.until_ms = 1999;  // only an upper bound
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"cls:1"}));
  q.tags = {"energy"};
  EXPECT_TRUE(QueryKeys(q).empty());
  q.until_ms = 3000;
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"ths:3"}));

  q = {};
  q.since_ms = 5000;
  q.until_ms = 1000;  // empty range
  EXPECT_TRUE(QueryKeys(q).empty());
  q.since_ms = 6000;  // after everything
  q.until_ms = std::nullopt;
  EXPECT_TRUE(QueryKeys(q).empty());
}

TEST_F(StoreTest, LimitTruncatesNewestFirst) {
  WriteCorpus();
  QueryOptions q;
  q.limit = 2;
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"cls:5", "eastmoney:4"}));
  q.tags = {"chips"};
  q.limit = 1;
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4"}));
  q.limit = 0;  // no limit
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4", "ths:3", "cls:1"}));
  q.tags = {"ai", "chips"};
  q.limit = 1;  // limit counts matches after the AND filter
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4"}));

  // More than the default limit of 50.
  std::vector<Record> many;
  for (int i = 0; i < 120; ++i) many.push_back(MakeRecord("m:" + std::to_string(i), 10'000 + i, {"bulk"}));
  WriteRecords(many);
  QueryOptions bulk;
  bulk.tags = {"bulk"};
  auto keys = QueryKeys(bulk);
  ASSERT_EQ(keys.size(), 50u);
  EXPECT_EQ(keys.front(), "m:119");
  EXPECT_EQ(keys.back(), "m:70");
  uint64_t n = 0;
  ASSERT_TRUE(store_->Count(bulk, &n).ok());
  EXPECT_EQ(n, 120u) << "Count ignores the limit";
}

TEST_F(StoreTest, NegativeTimesSortAfterTheEpoch) {
  WriteRecords({MakeRecord("a:neg", -5000, {"t"}), MakeRecord("a:zero", 0, {"t"}),
                MakeRecord("a:pos", 5000, {"t"}), MakeRecord("a:min", INT64_MIN, {"t"}),
                MakeRecord("a:max", INT64_MAX, {"t"})});
  QueryOptions q;
  q.tags = {"t"};
  EXPECT_EQ(QueryKeys(q),
            (std::vector<std::string>{"a:max", "a:pos", "a:zero", "a:neg", "a:min"}));
  q.since_ms = -5000;
  q.until_ms = 0;
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"a:zero", "a:neg"}));
}

TEST_F(StoreTest, RewritingInSeparateBatchesIsIdempotent) {
  WriteCorpus();
  const Counts before = GetCounts();
  ASSERT_EQ(before.docs, 5u);
  ASSERT_EQ(TagIndex("ai"), 3u);
  ASSERT_EQ(TagIndex("chips"), 3u);
  ASSERT_EQ(TagIndex("energy"), 3u);

  WriteCorpus();
  WriteCorpus();
  EXPECT_EQ(GetCounts().docs, 5u);
  EXPECT_EQ(TagIndex("ai"), 3u);
  EXPECT_EQ(TagIndex("chips"), 3u);
  EXPECT_EQ(TagIndex("energy"), 3u);
  QueryOptions q;
  q.limit = 0;
  EXPECT_EQ(QueryKeys(q),
            (std::vector<std::string>{"cls:5", "eastmoney:4", "ths:3", "cls:2", "cls:1"}));
}

TEST_F(StoreTest, DuplicateKeysWithinOneBatchKeepTheLast) {
  Record first = MakeRecord("cls:1", 1000, {"old", "shared"});
  Record middle = MakeRecord("cls:1", 1500, {"mid"});
  Record last = MakeRecord("cls:1", 2000, {"new", "shared"});
  last.title = "the last one";
  WriteRecords({first, MakeRecord("cls:2", 1200, {"shared"}), middle, last});

  EXPECT_EQ(GetCounts().docs, 2u);
  auto got = Get("cls:1");
  ASSERT_TRUE(got.has_value());
  ExpectRecordEq(last, *got);
  EXPECT_EQ(TagIndex("old"), 0u);
  EXPECT_EQ(TagIndex("mid"), 0u);
  EXPECT_EQ(TagIndex("new"), 1u);
  EXPECT_EQ(TagIndex("shared"), 2u);
  EXPECT_EQ(QueryKeys({}), (std::vector<std::string>{"cls:1", "cls:2"}));
  QueryOptions q;
  q.until_ms = 1999;  // no stale by_time entry for the earlier versions
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"cls:2"}));

  // The same batch again (key already stored, duplicated in the batch).
  WriteRecords({first, MakeRecord("cls:2", 1200, {"shared"}), middle, last});
  EXPECT_EQ(GetCounts().docs, 2u);
  EXPECT_EQ(TagIndex("old"), 0u);
  EXPECT_EQ(TagIndex("mid"), 0u);
  EXPECT_EQ(TagIndex("new"), 1u);
  EXPECT_EQ(TagIndex("shared"), 2u);
  EXPECT_EQ(QueryKeys({}), (std::vector<std::string>{"cls:1", "cls:2"}));
}

TEST_F(StoreTest, RewriteWithDifferentTagsAndTimeMovesIndexEntries) {
  WriteRecords({MakeRecord("cls:1", 1000, {"a", "b"}), MakeRecord("cls:2", 3000, {"a"})});
  ASSERT_EQ(TagIndex("a"), 2u);
  ASSERT_EQ(TagIndex("b"), 1u);

  WriteRecords({MakeRecord("cls:1", 5000, {"b", "c"})});
  EXPECT_EQ(GetCounts().docs, 2u);
  EXPECT_EQ(TagIndex("a"), 1u) << "old tag entry must be deleted";
  EXPECT_EQ(TagIndex("b"), 1u);
  EXPECT_EQ(TagIndex("c"), 1u);
  QueryOptions q;
  q.tags = {"a"};
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"cls:2"}));
  q.tags = {"b"};
  q.until_ms = 4999;  // the old time must not match any more
  EXPECT_TRUE(QueryKeys(q).empty());
  q.until_ms = std::nullopt;
  EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"cls:1"}));
  EXPECT_EQ(QueryKeys({}), (std::vector<std::string>{"cls:1", "cls:2"}));

  // Dropping all tags removes every tag entry but keeps the document.
  WriteRecords({MakeRecord("cls:1", 5000, {})});
  EXPECT_EQ(TagIndex("b"), 0u);
  EXPECT_EQ(TagIndex("c"), 0u);
  EXPECT_EQ(GetCounts().docs, 2u);
  EXPECT_EQ(QueryKeys({}), (std::vector<std::string>{"cls:1", "cls:2"}));
}

TEST_F(StoreTest, DeadLettersRoundTripInOrder) {
  std::vector<DeadLetter> want;
  for (int i = 0; i < 5; ++i) {
    DeadLetter d;
    d.reason = "reason " + std::to_string(i);
    d.position = "file:/in.jsonl:" + std::to_string(i + 1);
    d.raw = "{\"x\":\0\xff\xfe"s + std::to_string(i) + AllBytes();
    d.time_ms = 1'700'000'000'000 - i;  // arrival order, not time order
    want.push_back(d);
  }
  WriteSet ws;
  ws.dead_letters = {want[0], want[1], want[2]};
  Write(ws);
  ws.dead_letters = {want[3], want[4]};
  Write(ws);

  auto got = DeadLetters();
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    ExpectDeadLetterEq(want[i], got[i]);
  }
  EXPECT_EQ(GetCounts().dead_letters, 5u);
  EXPECT_EQ(GetCounts().docs, 0u);

  auto first2 = DeadLetters(2);
  ASSERT_EQ(first2.size(), 2u);
  EXPECT_EQ(first2[0].reason, "reason 0");
  EXPECT_EQ(first2[1].reason, "reason 1");
}

TEST_F(StoreTest, DeadLetterSequenceContinuesAcrossReopen) {
  auto dl = [](std::string reason) {
    DeadLetter d;
    d.reason = std::move(reason);
    d.raw = "raw\0"s + d.reason;
    return d;
  };
  WriteSet ws;
  ws.dead_letters = {dl("1"), dl("2")};
  Write(ws);

  ASSERT_NO_FATAL_FAILURE(Open());
  ws.dead_letters = {dl("3")};
  Write(ws);
  ASSERT_NO_FATAL_FAILURE(Open());
  ws.dead_letters = {dl("4"), dl("5")};
  Write(ws);

  auto got = DeadLetters();
  std::vector<std::string> reasons;
  for (const auto& d : got) reasons.push_back(d.reason);
  EXPECT_EQ(reasons, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  for (const auto& d : got) EXPECT_EQ(d.raw, "raw\0"s + d.reason);
  EXPECT_EQ(GetCounts().dead_letters, 5u);
  // Each is numbered in arrival order, across the reopens, and found by it.
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, i + 1);
    DeadLetter one;
    bool found = false;
    ASSERT_TRUE(store_->GetDeadLetter(got[i].seq, &one, &found).ok());
    ASSERT_TRUE(found) << got[i].seq;
    EXPECT_EQ(one.reason, got[i].reason);
    EXPECT_EQ(one.raw, got[i].raw);
    EXPECT_EQ(one.seq, got[i].seq);
  }
  DeadLetter none;
  bool found = true;
  ASSERT_TRUE(store_->GetDeadLetter(6, &none, &found).ok());
  EXPECT_FALSE(found);
}

TEST_F(StoreTest, OffsetsRoundTrip) {
  std::optional<int64_t> off = 7;
  ASSERT_TRUE(store_->GetOffset("g", "news", 0, &off).ok());
  EXPECT_FALSE(off.has_value());

  WriteSet ws;
  ws.offsets = {{"g", "news", 0, 100},
                {"g", "news", 1, 0},
                {"g", "other", 0, 9'000'000'000'123},
                {"g2", "news", 0, 5}};
  Write(ws);
  ASSERT_TRUE(store_->GetOffset("g", "news", 0, &off).ok());
  EXPECT_EQ(off, std::optional<int64_t>(100));
  ASSERT_TRUE(store_->GetOffset("g", "news", 1, &off).ok());
  EXPECT_EQ(off, std::optional<int64_t>(0));
  ASSERT_TRUE(store_->GetOffset("g", "other", 0, &off).ok());
  EXPECT_EQ(off, std::optional<int64_t>(9'000'000'000'123));
  ASSERT_TRUE(store_->GetOffset("g2", "news", 0, &off).ok());
  EXPECT_EQ(off, std::optional<int64_t>(5));
  ASSERT_TRUE(store_->GetOffset("g", "news", 2, &off).ok());
  EXPECT_FALSE(off.has_value());
  ASSERT_TRUE(store_->GetOffset("g3", "news", 0, &off).ok());
  EXPECT_FALSE(off.has_value());

  // Later writes advance; offsets travel atomically with the documents.
  ws = {};
  ws.records = {MakeRecord("kafka:1", 1, {"t"})};
  ws.offsets = {{"g", "news", 0, 101}};
  Write(ws);
  ASSERT_TRUE(store_->GetOffset("g", "news", 0, &off).ok());
  EXPECT_EQ(off, std::optional<int64_t>(101));
  ASSERT_TRUE(store_->GetOffset("g", "news", 1, &off).ok());
  EXPECT_EQ(off, std::optional<int64_t>(0));
}

// A closed store answers every call with an error instead of touching the
// database it no longer has (a Kafka rebalance callback served while the
// consumer leaves its group once read offsets from a closed store and crashed).
TEST_F(StoreTest, CallsAfterCloseFailInsteadOfCrashing) {
  WriteCorpus();
  ASSERT_TRUE(store_->Close().ok());
  std::optional<int64_t> off;
  Status st = store_->GetOffset("g", "news", 0, &off);
  EXPECT_EQ(st.code(), Status::Code::kInternal) << st.message();
  Record r;
  bool found = true;
  EXPECT_EQ(store_->Get("cls:1", &r, &found).code(), Status::Code::kInternal);
  std::vector<Record> docs;
  EXPECT_EQ(store_->Query(QueryOptions{}, &docs).code(), Status::Code::kInternal);
  EXPECT_TRUE(docs.empty());
  Counts c;
  EXPECT_EQ(store_->GetCounts(&c).code(), Status::Code::kInternal);
  WriteSet ws;
  ws.records = {MakeRecord("cls:9", 9000, {"ai"})};
  EXPECT_EQ(store_->Write(ws).code(), Status::Code::kInternal);
  EXPECT_EQ(store_->Checkpoint(/*wait=*/false).code(), Status::Code::kInternal);
  EXPECT_TRUE(store_->Close().ok());  // idempotent: the first result
}

// The info LOG rolls over by size while the store is open: a writer that
// runs for months (retention passes log every compaction) keeps LOG and
// LOG.old, each about max_log_bytes, not one file that grows for ever.
TEST(StoreLog, TheInfoLogRollsOverWhileTheStoreIsOpen) {
  TempDir tmp;
  StoreOptions o;
  o.path = (tmp.path() / "db").string();
  o.disable_wal = true;  // Checkpoint(wait) flushes: each flush logs
  o.tuning.max_log_bytes = 16 << 10;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(o, &store).ok());
  for (int i = 0; i < 60; ++i) {
    WriteSet w;
    Record r;
    r.key = "cls:" + std::to_string(i);
    r.source = "cls";
    r.time_ms = 1780000000000 + i;
    w.records.push_back(r);
    ASSERT_TRUE(store->Write(w).ok());
    ASSERT_TRUE(store->Checkpoint(/*wait=*/true).ok());
  }
  const auto log = std::filesystem::path(o.path) / "LOG";
  ASSERT_TRUE(std::filesystem::exists(log.string() + ".old")) << "60 flushes logged less than 16 KiB?";
  EXPECT_LE(std::filesystem::file_size(log), uint64_t{16 << 10} + 4096);
  EXPECT_LE(std::filesystem::file_size(log.string() + ".old"), uint64_t{16 << 10} + 4096);
  ASSERT_TRUE(store->Close().ok());
}

TEST_F(StoreTest, RulesetVersion) {
  std::string v = "junk";
  ASSERT_TRUE(store_->GetRulesetVersion(&v).ok());
  EXPECT_EQ(v, "");
  WriteSet ws;
  ws.ruleset_version = "2024-06-01.1";
  Write(ws);
  ASSERT_TRUE(store_->GetRulesetVersion(&v).ok());
  EXPECT_EQ(v, "2024-06-01.1");
  ws.ruleset_version = "";  // empty leaves it alone
  ws.records = {MakeRecord("a:1", 1, {})};
  Write(ws);
  ASSERT_TRUE(store_->GetRulesetVersion(&v).ok());
  EXPECT_EQ(v, "2024-06-01.1");
}

TEST_F(StoreTest, InvalidBatchIsRejectedWhole) {
  WriteSet ws;
  ws.records = {MakeRecord("a:1", 1, {"t"}), MakeRecord("", 2, {"t"})};
  ws.offsets = {{"g", "t", 0, 10}};
  EXPECT_FALSE(store_->Write(ws).ok());

  ws.records = {MakeRecord("a:1", 1, {"t"}), MakeRecord("a:2", 2, {"bad\0tag"s})};
  Status st = store_->Write(ws);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("a:2"), std::string::npos) << st.message();

  EXPECT_EQ(GetCounts().docs, 0u);
  EXPECT_FALSE(Get("a:1").has_value());
  std::optional<int64_t> off;
  ASSERT_TRUE(store_->GetOffset("g", "t", 0, &off).ok());
  EXPECT_FALSE(off.has_value());
}

TEST_F(StoreTest, EmptyWriteSetIsANoOp) {
  Write(WriteSet{});
  EXPECT_EQ(GetCounts().docs, 0u);
  EXPECT_EQ(GetCounts().dead_letters, 0u);
}

TEST_F(StoreTest, ReopenPersistsEverything) {
  WriteCorpus();
  WriteSet ws;
  DeadLetter d;
  d.reason = "bad json";
  d.raw = "\0\x01\xff"s;
  d.time_ms = 42;
  ws.dead_letters = {d};
  ws.offsets = {{"grp", "news", 3, 77}};
  ws.ruleset_version = "rs-9";
  Write(ws);

  for (bool read_only : {false, true}) {
    SCOPED_TRACE(read_only ? "read-only" : "read-write");
    ASSERT_NO_FATAL_FAILURE(Open(read_only));
    EXPECT_EQ(GetCounts().docs, 5u);
    EXPECT_EQ(GetCounts().dead_letters, 1u);
    auto got = Get("ths:3");
    ASSERT_TRUE(got.has_value());
    ExpectRecordEq(MakeRecord("ths:3", 3000, {"chips", "energy"}), *got);
    QueryOptions q;
    q.tags = {"ai", "chips"};
    EXPECT_EQ(QueryKeys(q), (std::vector<std::string>{"eastmoney:4", "cls:1"}));
    EXPECT_EQ(TagIndex("energy"), 3u);
    auto dls = DeadLetters();
    ASSERT_EQ(dls.size(), 1u);
    ExpectDeadLetterEq(d, dls[0]);
    std::optional<int64_t> off;
    ASSERT_TRUE(store_->GetOffset("grp", "news", 3, &off).ok());
    EXPECT_EQ(off, std::optional<int64_t>(77));
    std::string v;
    ASSERT_TRUE(store_->GetRulesetVersion(&v).ok());
    EXPECT_EQ(v, "rs-9");
  }
}

TEST_F(StoreTest, ReadOnlyStoreRejectsWrites) {
  WriteCorpus();
  ASSERT_NO_FATAL_FAILURE(Open(/*read_only=*/true));
  WriteSet ws;
  ws.records = {MakeRecord("x:1", 1, {})};
  Status st = store_->Write(ws);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(dir_.str()), std::string::npos) << st.message();
  EXPECT_EQ(GetCounts().docs, 5u);
}

TEST_F(StoreTest, ReaderOpenedWhileTheWriterRunsSeesWhatWasWritten) {
  // `newsflow query` opens the store while `newsflow run` keeps writing it.
  WriteCorpus();
  StoreOptions ro;
  ro.path = dir_.str();
  ro.read_only = true;
  std::unique_ptr<Store> reader;
  Status st = Store::Open(ro, &reader);
  ASSERT_TRUE(st.ok()) << st.message();
  Counts c;
  ASSERT_TRUE(reader->GetCounts(&c).ok());
  EXPECT_EQ(c.docs, 5u);
  uint64_t n = 0;
  ASSERT_TRUE(reader->CountTagIndex("chips", &n).ok());
  EXPECT_EQ(n, 3u);
  // The writer goes on; a reader opened afterwards sees the new document.
  WriteRecords({MakeRecord("cls:6", 6000, {"chips"})});
  std::unique_ptr<Store> later;
  ASSERT_TRUE(Store::Open(ro, &later).ok());
  ASSERT_TRUE(later->CountTagIndex("chips", &n).ok());
  EXPECT_EQ(n, 4u);
}

TEST_F(StoreTest, ConcurrentReadersSeeConsistentResults) {
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        QueryOptions q;
        q.tags = {"even", "all"};
        q.limit = 0;
        std::vector<Record> out;
        if (!store_->Query(q, &out).ok()) ++failures;
        std::set<std::string> seen;
        for (const auto& r : out) {
          if (!seen.insert(r.key).second) ++failures;  // duplicate
          bool even = false;
          for (const auto& ts : r.tags) even |= ts.tag == "even";
          if (!even) ++failures;
        }
      }
    });
  }
  for (int round = 0; round < 50; ++round) {
    std::vector<Record> batch;
    for (int i = 0; i < 20; ++i) {
      // The same keys every round, with tags flipping between rounds.
      bool even = (i + round) % 2 == 0;
      batch.push_back(MakeRecord("k:" + std::to_string(i), round * 100 + i,
                                 even ? std::vector<std::string>{"all", "even"}
                                      : std::vector<std::string>{"all", "odd"}));
    }
    WriteRecords(batch);
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(GetCounts().docs, 20u);
  EXPECT_EQ(TagIndex("all"), 20u);
  EXPECT_EQ(TagIndex("even") + TagIndex("odd"), 20u);
}

// ---- opening ----------------------------------------------------------------

TEST(StoreOpen, ReadOnlyOpenOfMissingDirFailsNamingThePath) {
  TempDir dir;
  StoreOptions o;
  o.path = (dir.path() / "does" / "not" / "exist").string();
  o.read_only = true;
  std::unique_ptr<Store> store;
  Status st = Store::Open(o, &store);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(store, nullptr) << "*out must be untouched on failure";
  EXPECT_NE(st.message().find(o.path), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("cannot open store"), std::string::npos) << st.message();
  EXPECT_FALSE(std::filesystem::exists(o.path)) << "read-only open must not create the store";
}

TEST(StoreOpen, MustExistOpenOfMissingDirFails) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.str();
  o.create_if_missing = false;
  std::unique_ptr<Store> store;
  Status st = Store::Open(o, &store);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(o.path), std::string::npos) << st.message();
  EXPECT_FALSE(std::filesystem::exists(o.path));
}

TEST(StoreOpen, CreatesNestedDirectories) {
  TempDir dir;
  StoreOptions o;
  o.path = (dir.path() / "a" / "b" / "db").string();
  std::unique_ptr<Store> store;
  Status st = Store::Open(o, &store);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_NE(store, nullptr);
  Counts c;
  ASSERT_TRUE(store->GetCounts(&c).ok());
  EXPECT_EQ(c.docs, 0u);
}

TEST(StoreOpen, PathThatIsAFileFails) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  auto file = dir.path() / "plain-file";
  { std::ofstream(file) << "not a db"; }
  StoreOptions o;
  o.path = file.string();
  std::unique_ptr<Store> store;
  Status st = Store::Open(o, &store);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(o.path), std::string::npos) << st.message();
}

TEST(StoreOpen, SyncWritesWork) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.str();
  o.sync_writes = true;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(o, &store).ok());
  WriteSet ws;
  ws.records = {MakeRecord("a:1", 1, {"t"})};
  ws.offsets = {{"g", "t", 0, 1}};
  ASSERT_TRUE(store->Write(ws).ok());
  store.reset();
  o.read_only = true;
  ASSERT_TRUE(Store::Open(o, &store).ok());
  uint64_t n = 0;
  ASSERT_TRUE(store->CountTagIndex("t", &n).ok());
  EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace newsflow::storage

namespace newsflow::storage {
namespace {

Record WithStory(Record r, std::string story) {
  r.story = std::move(story);
  return r;
}

TEST_F(StoreTest, StoryMembersAreListedEarliestFirst) {
  WriteRecords({WithStory(MakeRecord("ths:3", 3000, {"a"}), "cls:1"),
                WithStory(MakeRecord("cls:1", 1000, {"a"}), "cls:1"),
                WithStory(MakeRecord("eastmoney:2", 2000, {}), "cls:1"),
                WithStory(MakeRecord("cls:9", 2500, {"a"}), "cls:9")});
  std::vector<Record> members;
  ASSERT_TRUE(store_->StoryMembers("cls:1", 0, &members).ok());
  EXPECT_EQ(Keys(members), (std::vector<std::string>{"cls:1", "eastmoney:2", "ths:3"}));
  EXPECT_EQ(members[1].story, "cls:1");
  ASSERT_TRUE(store_->StoryMembers("cls:1", 2, &members).ok());
  EXPECT_EQ(Keys(members), (std::vector<std::string>{"cls:1", "eastmoney:2"}));
  ASSERT_TRUE(store_->StoryMembers("cls:9", 0, &members).ok());
  EXPECT_EQ(Keys(members), (std::vector<std::string>{"cls:9"}));
  ASSERT_TRUE(store_->StoryMembers("nope", 0, &members).ok());
  EXPECT_TRUE(members.empty());
}

// Reports of one second come by key, as the story stage ranks a story's
// first document: the story's id first when it is one of its earliest.
TEST_F(StoreTest, StoryMembersOfOneTimeComeByKey) {
  WriteRecords({WithStory(MakeRecord("ths:5", 1000, {}), "cls:4"), WithStory(MakeRecord("cls:4", 1000, {}), "cls:4"),
                WithStory(MakeRecord("eastmoney:6", 1000, {}), "cls:4"),
                WithStory(MakeRecord("cls:3", 2000, {}), "cls:4")});
  std::vector<Record> members;
  ASSERT_TRUE(store_->StoryMembers("cls:4", 0, &members).ok());
  EXPECT_EQ(Keys(members), (std::vector<std::string>{"cls:4", "eastmoney:6", "ths:5", "cls:3"}));
}

TEST_F(StoreTest, RewritingADocumentMovesItsStoryIndexEntry) {
  WriteRecords({WithStory(MakeRecord("cls:1", 1000, {}), "cls:1"), WithStory(MakeRecord("ths:2", 2000, {}), "cls:1")});
  // ths:2 re-written with another time and story: one entry, under the new story.
  WriteRecords({WithStory(MakeRecord("ths:2", 2100, {}), "ths:2")});
  std::vector<Record> members;
  ASSERT_TRUE(store_->StoryMembers("cls:1", 0, &members).ok());
  EXPECT_EQ(Keys(members), (std::vector<std::string>{"cls:1"}));
  ASSERT_TRUE(store_->StoryMembers("ths:2", 0, &members).ok());
  ASSERT_EQ(Keys(members), (std::vector<std::string>{"ths:2"}));
  EXPECT_EQ(members[0].time_ms, 2100);
}

TEST_F(StoreTest, AssignStorySetsTheEncodedValueAndTheIndexOnce) {
  PreparedWriteSet set;
  ASSERT_TRUE(PrepareRecord(MakeRecord("cls:7", 7000, {"t"}), &set).ok());
  ASSERT_TRUE(AssignStory(&set.records[0], "cls:5").ok());
  EXPECT_FALSE(AssignStory(&set.records[0], "cls:6").ok()) << "a story is assigned once";
  EXPECT_FALSE(AssignStory(&set.records[0], std::string("a\0b", 3)).ok());
  ASSERT_TRUE(store_->Write(set).ok());
  auto got = Get("cls:7");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->story, "cls:5");
  std::vector<Record> members;
  ASSERT_TRUE(store_->StoryMembers("cls:5", 0, &members).ok());
  EXPECT_EQ(Keys(members), (std::vector<std::string>{"cls:7"}));
}

}  // namespace
}  // namespace newsflow::storage

namespace newsflow::storage {
namespace {

// The alert log and outbox: alerts get consecutive seqs in the batch of their
// documents, stay pending until acknowledged, and the log (and the next seq)
// survive a reopen; a reader sees the log and catches up with the writer.
TEST_F(StoreTest, AlertLogAndOutbox) {
  PreparedWriteSet set;
  ASSERT_TRUE(PrepareRecord(MakeRecord("cls:1", 1000, {"ai"}), &set).ok());
  set.alerts = {{"ai/cls:1", R"({"id":"ai/cls:1"})"}, {"chips/cls:1", R"({"id":"chips/cls:1"})"}};
  EXPECT_EQ(store_->next_alert_seq(), 1u);
  ASSERT_TRUE(store_->Write(set).ok());
  EXPECT_EQ(store_->next_alert_seq(), 3u);

  std::vector<StoredAlert> pending, log;
  ASSERT_TRUE(store_->PendingAlerts(0, &pending).ok());
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].seq, 1u);
  EXPECT_EQ(pending[0].id, "ai/cls:1");
  EXPECT_EQ(pending[1].json, R"({"id":"chips/cls:1"})");
  ASSERT_TRUE(store_->AckAlerts({1}).ok());
  ASSERT_TRUE(store_->PendingAlerts(0, &pending).ok());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].seq, 2u);
  uint64_t pending_count = 0;
  ASSERT_TRUE(store_->CountPendingAlerts(&pending_count).ok());
  EXPECT_EQ(pending_count, 1u);

  Open();  // reopen: the log, the outbox and the next seq are kept
  EXPECT_EQ(store_->next_alert_seq(), 3u);
  ASSERT_TRUE(store_->PendingAlerts(0, &pending).ok());
  EXPECT_EQ(pending.size(), 1u);
  ASSERT_TRUE(store_->Alerts(0, 0, &log).ok());
  ASSERT_EQ(log.size(), 2u);
  ASSERT_TRUE(store_->Alerts(1, 0, &log).ok());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].id, "chips/cls:1");

  // A reader opened now sees two; after another write and CatchUp, three.
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::Open(Options(/*read_only=*/true), &reader).ok());
  ASSERT_TRUE(reader->Alerts(0, 0, &log).ok());
  EXPECT_EQ(log.size(), 2u);
  PreparedWriteSet more;
  more.alerts = {{"ai/cls:2", "{}"}};
  ASSERT_TRUE(store_->Write(more).ok());
  ASSERT_TRUE(reader->CatchUp().ok());
  ASSERT_TRUE(reader->Alerts(2, 0, &log).ok());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].seq, 3u);
  EXPECT_FALSE(reader->AckAlerts({3}).ok());  // readers do not write
}

// Retention takes the dead letters stored before the cutoff, but the newest
// (the next seq follows it), lowers their count, and keeps their identities:
// the same bad line read again after the prune is still not stored twice.
TEST_F(StoreTest, PruneTakesTheDeadLettersStoredBeforeTheCutoff) {
  WriteSet ws;
  for (int64_t t : {1000, 2000, 3000, 9000})
    ws.dead_letters.push_back({"json: bad", "file:in.jsonl:" + std::to_string(t), "{bad " + std::to_string(t), t});
  ASSERT_TRUE(store_->Write(ws).ok());
  PruneOptions po;
  po.before_ms = 5000;
  po.docs_per_batch = 2;
  PruneStats st;
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.dead_letters_removed, 3u);
  ASSERT_EQ(DeadLetters().size(), 1u);
  EXPECT_EQ(DeadLetters()[0].time_ms, 9000);
  Counts c;
  ASSERT_TRUE(store_->GetCounts(&c).ok());
  EXPECT_EQ(c.dead_letters, 1u);

  po.before_ms = 10000;  // the newest stays
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.dead_letters_removed, 0u);

  Open();
  WriteSet again;  // a pruned one read again, and a new one
  again.dead_letters = {{"json: bad", "file:in.jsonl:1000", "{bad 1000", 20000},
                        {"json: bad", "file:in.jsonl:7", "{new", 20000}};
  ASSERT_TRUE(store_->Write(again).ok());
  const std::vector<DeadLetter> left = DeadLetters();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[1].raw, "{new");
  ASSERT_TRUE(store_->GetCounts(&c).ok());
  EXPECT_EQ(c.dead_letters, 2u);
}

// Retention takes the alert log's start with the documents: every alert up to
// the first one raised by a document at or after the cutoff, but never one a
// sink has not acknowledged, nor the newest (the next seq follows it), and
// the alert ids stay so no alert is raised twice. An alert of unknown time,
// or of a misdated document, goes only with a later one that goes.
TEST_F(StoreTest, PruneTakesTheAlertLogsStartButNotWhatASinkStillNeeds) {
  PreparedWriteSet set;
  const std::vector<std::pair<std::string, int64_t>> raised = {
      {"a/1", 1000}, {"a/2", 2000}, {"a/3", kUnknownAlertTime}, {"a/8", 4'000'000'000'000},  // a/8: dated 2096
      {"a/4", 3000}, {"a/5", 9000}, {"a/6", 1500}, {"a/7", 500}};  // a/6, a/7: late documents' alerts
  for (const auto& [id, t] : raised) set.alerts.push_back({id, "{\"id\":\"" + id + "\"}", t});
  ASSERT_TRUE(store_->Write(set).ok());
  ASSERT_TRUE(store_->AckAlerts({1, 3, 4, 5, 6, 7, 8}).ok());  // a/2 is still pending
  auto log_ids = [&] {
    std::vector<StoredAlert> log;
    EXPECT_TRUE(store_->Alerts(0, 0, &log).ok());
    std::vector<std::string> ids;
    for (const auto& a : log) ids.push_back(a.id);
    return ids;
  };

  PruneOptions po;
  po.before_ms = 5000;
  po.misdated_after_ms = 100'000;  // a/8's time is wrong: it does not end the start
  po.docs_per_batch = 2;  // the deletes span several batches
  PruneStats st;
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.alerts_removed, 4u);  // a/1, a/3, a/8, a/4; a/5 is after the cutoff and ends the start
  EXPECT_EQ(log_ids(), (std::vector<std::string>{"a/2", "a/5", "a/6", "a/7"}));

  po.before_ms = 10000;
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.alerts_removed, 2u);  // a/5, a/6; a/7 is the newest
  EXPECT_EQ(log_ids(), (std::vector<std::string>{"a/2", "a/7"}));
  std::vector<StoredAlert> pending;
  ASSERT_TRUE(store_->PendingAlerts(0, &pending).ok());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, "a/2");

  Open();  // the next seq still follows the newest alert; the ids are kept
  EXPECT_EQ(store_->next_alert_seq(), 9u);
  std::optional<uint64_t> seq;
  ASSERT_TRUE(store_->AlertSeq("a/1", &seq).ok());
  EXPECT_EQ(seq, std::optional<uint64_t>(1));
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  EXPECT_EQ(st.alerts_removed, 0u);
}

}  // namespace
}  // namespace newsflow::storage
