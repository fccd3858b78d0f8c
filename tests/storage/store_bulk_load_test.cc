// A bulk load (disable_wal) keeps by_tag, by_story and by_stock in vector
// memtables (StoreTuning::bulk_load_append_indexes), a store with a WAL in
// skip lists. Both must answer as a model of what was written says: read
// while the keys are in live memtables, in memtables being flushed (tiny
// write buffers, flushes started without waiting), after prunes and after a
// reopen. The writes include what a vector memtable sorts out only by
// sequence number: a document rewritten with the same time and tags (a
// Delete and a Put of the same index key in one batch), a tag dropped, the
// same key twice in a batch, a tag listed twice in one record; and tags that
// share prefixes or hold high bytes.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "newsflow/storage/record.h"
#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

using testing::TempDir;

constexpr int64_t kBase = 1'780'000'000'000LL;

// What a document is, as the indexes see it.
struct Indexed {
  int64_t time_ms = 0;
  std::set<std::string> tags, stocks;
  std::string story;
};
using Model = std::map<std::string, Indexed>;

class BulkLoadModel {
 public:
  BulkLoadModel() {
    for (int i = 0; i < 40; ++i) tags_.push_back("watch:w" + std::to_string(i));  // w1, w12 share prefixes
    tags_.insert(tags_.end(), {"cluster:ai", "a", "a\x01", "\xff\xfe"});
    stocks_ = {"600519.SH", "000001.SZ", "0700.HK", "NVDA.O", "NVD.O"};
  }

  // A batch of random writes against the model (updated to what they leave).
  WriteSet Batch(std::mt19937& rng, int round, Model* model) const {
    WriteSet ws;
    const int n = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      const std::string key = std::string(rng() % 2 ? "cls:" : "ths:") + std::to_string(rng() % 2000);
      Indexed d;
      const auto known = model->find(key);
      const int mode = static_cast<int>(rng() % 4);
      if (known != model->end() && mode == 0) {
        d = known->second;  // the same index keys deleted and put again in one batch
      } else if (known != model->end() && mode == 1) {
        d = known->second;  // the same time, a tag dropped and one added
        if (!d.tags.empty()) d.tags.erase(d.tags.begin());
        d.tags.insert(tags_[rng() % tags_.size()]);
        if (rng() % 2) d.stocks.clear();
        if (rng() % 3 == 0) d.story.clear();
      } else {
        d.time_ms = kBase + static_cast<int64_t>(rng() % 500) * 60'000;  // many equal times
        for (const auto& t : tags_)
          if (rng() % 9 == 0) d.tags.insert(t);
        for (const auto& c : stocks_)
          if (rng() % 5 == 0) d.stocks.insert(c);
        if (rng() % 2) d.story = "cls:s" + std::to_string(rng() % 30);
      }
      Record r;
      r.key = key;
      r.source = key.substr(0, key.find(':'));
      r.time_ms = d.time_ms;
      r.title = "title " + std::to_string(round);
      r.body = "body";
      r.ruleset_version = "rs";
      double score = 1;
      for (const auto& t : d.tags) r.tags.push_back({t, score += 1});
      if (!r.tags.empty() && rng() % 10 == 0) r.tags.push_back(r.tags.front());  // a tag twice in a record
      r.stock_codes.assign(d.stocks.begin(), d.stocks.end());
      r.story = d.story;
      ws.records.push_back(std::move(r));
      (*model)[key] = d;  // the last write of a key in a batch wins
    }
    return ws;
  }

  // Asserts every index answer of `store` against the model.
  void Check(Store& store, const Model& model, const std::string& where) const {
    QueryOptions all;
    all.limit = 0;
    for (const auto& t : tags_) {
      QueryOptions q = all;
      q.tags = {t};
      const auto want = Expected(model, [&](const Indexed& d) { return d.tags.count(t) > 0; });
      ASSERT_EQ(Answered(store, q), want) << where << ", tag " << t;
      uint64_t n = 0;
      ASSERT_TRUE(store.CountTagIndex(t, &n).ok());
      ASSERT_EQ(n, want.size()) << where << ", tag index entries of " << t;
    }
    for (const auto& c : stocks_) {
      QueryOptions q = all;
      q.stock = c;
      ASSERT_EQ(Answered(store, q), Expected(model, [&](const Indexed& d) { return d.stocks.count(c) > 0; }))
          << where << ", stock " << c;
    }
    for (int s = 0; s < 30; ++s) {
      const std::string story = "cls:s" + std::to_string(s);
      std::vector<Record> members;
      ASSERT_TRUE(store.StoryMembers(story, 0, &members).ok());
      std::set<std::string> got, want;
      for (const Record& r : members) got.insert(r.key);
      for (const auto& [key, d] : model)
        if (d.story == story) want.insert(key);
      ASSERT_EQ(got, want) << where << ", story " << story;
    }
    std::vector<std::string> tags;
    ASSERT_TRUE(store.ListTags(&tags).ok());
    std::set<std::string> want_tags;
    for (const auto& [key, d] : model) want_tags.insert(d.tags.begin(), d.tags.end());
    ASSERT_EQ(tags, std::vector<std::string>(want_tags.begin(), want_tags.end())) << where << ", tags";
    ASSERT_EQ(Answered(store, all), Expected(model, [](const Indexed&) { return true; })) << where << ", all";
  }

 private:
  static std::vector<std::string> Answered(Store& store, const QueryOptions& q) {
    std::vector<Record> out;
    EXPECT_TRUE(store.Query(q, &out).ok());
    std::vector<std::string> keys;
    for (const Record& r : out) keys.push_back(r.key + "@" + std::to_string(r.time_ms));
    return keys;
  }
  // Newest first, then by key: the store's order.
  template <typename Pred>
  static std::vector<std::string> Expected(const Model& model, Pred pred) {
    std::vector<std::pair<int64_t, std::string>> hits;
    for (const auto& [key, d] : model)
      if (pred(d)) hits.push_back({-d.time_ms, key});
    std::sort(hits.begin(), hits.end());
    std::vector<std::string> keys;
    for (const auto& [t, key] : hits) keys.push_back(key + "@" + std::to_string(-t));
    return keys;
  }

  std::vector<std::string> tags_, stocks_;
};

TEST(StoreBulkLoad, VectorMemtablesAnswerAsTheModelSays) {
  TempDir wal_dir, bulk_dir;
  StoreOptions wal;
  wal.path = wal_dir.str();
  wal.block_cache_bytes = 8u << 20;
  wal.tuning.index_write_buffer_bytes = 64u << 10;  // tiny: many flushes of vector memtables
  wal.tuning.docs_write_buffer_bytes = 256u << 10;
  wal.tuning.default_write_buffer_bytes = 64u << 10;
  StoreOptions bulk = wal;
  bulk.path = bulk_dir.str();
  bulk.disable_wal = true;
  ASSERT_TRUE(bulk.tuning.bulk_load_append_indexes);  // the default this test is about
  std::unique_ptr<Store> a, b;
  ASSERT_TRUE(Store::Open(wal, &a).ok());
  ASSERT_TRUE(Store::Open(bulk, &b).ok());

  const BulkLoadModel gen;
  Model model;
  std::mt19937 rng(20261206);
  constexpr int kRounds = 120;
  for (int round = 0; round < kRounds; ++round) {
    const WriteSet ws = gen.Batch(rng, round, &model);
    ASSERT_TRUE(a->Write(ws).ok());
    ASSERT_TRUE(b->Write(ws).ok());
    if (round % 5 == 0) {
      ASSERT_TRUE(b->Checkpoint(/*wait=*/false).ok());  // a flush racing the reads below
    }
    if (round % 10 == 3) {
      ASSERT_NO_FATAL_FAILURE(gen.Check(*b, model, "bulk, round " + std::to_string(round)));
      ASSERT_NO_FATAL_FAILURE(gen.Check(*a, model, "wal, round " + std::to_string(round)));
    }
    if (round == 60 || round == 100) {
      PruneOptions prune;
      prune.before_ms = kBase + (round == 60 ? 50 : 120) * 60'000;
      prune.compact = false;
      PruneStats sa, sb;
      ASSERT_TRUE(a->Prune(prune, &sa).ok());
      ASSERT_TRUE(b->Prune(prune, &sb).ok());
      std::erase_if(model, [&](const auto& kv) { return kv.second.time_ms < prune.before_ms; });
      EXPECT_GT(sb.docs_removed, 0u);
      ASSERT_EQ(sa.docs_removed, sb.docs_removed);
      ASSERT_NO_FATAL_FAILURE(gen.Check(*b, model, "bulk, after a prune at round " + std::to_string(round)));
    }
  }
  ASSERT_NO_FATAL_FAILURE(gen.Check(*b, model, "bulk, at the end"));
  ASSERT_NO_FATAL_FAILURE(gen.Check(*a, model, "wal, at the end"));
  EXPECT_GT(model.size(), 1000u);  // most keys written, many rewritten
  // Closed (the bulk load flushes) and opened again with a WAL.
  b.reset();
  bulk.disable_wal = false;
  ASSERT_TRUE(Store::Open(bulk, &b).ok());
  ASSERT_NO_FATAL_FAILURE(gen.Check(*b, model, "bulk store reopened"));
}

}  // namespace
}  // namespace newsflow::storage
