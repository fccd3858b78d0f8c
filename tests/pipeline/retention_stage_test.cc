// RetentionStage (run --retain) on a store: the wall-clock cutoff removes
// what is older than now minus the duration, the newest-document cutoff
// what is older than the newest stored time minus it; a prune happens at
// most once per interval; durations parse as documented.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <memory>
#include <string>

#include "newsflow/storage/store.h"
#include "pipeline/job/retention_stage.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::TempDir;
constexpr int64_t kHour = 3600 * 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class RetentionStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions o;
    o.path = tmp_.path("db");
    ASSERT_TRUE(storage::Store::Open(o, &store_).ok());
  }
  void Put(const std::string& key, int64_t t) {
    storage::WriteSet w;
    storage::Record r;
    r.key = key;
    r.source = "cls";
    r.time_ms = t;
    r.tags.push_back({"region:shenzhen", 1.0});
    w.records.push_back(r);
    ASSERT_TRUE(store_->Write(w).ok());
  }
  bool Has(const std::string& key) {
    storage::Record r;
    bool found = false;
    EXPECT_TRUE(store_->Get(key, &r, &found).ok());
    return found;
  }
  TempDir tmp_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(RetentionStageTest, WallClockCutoffIsNowMinusTheDuration) {
  const int64_t now = NowMs();
  Put("cls:old", now - 48 * kHour);
  Put("cls:recent", now - 10 * kHour);
  Put("cls:future", now + kHour);
  RetentionStage stage(store_.get(), {24 * kHour, RetainFrom::kWallClock, 0});
  RunSummary s;
  ASSERT_TRUE(stage.MaybePrune(&s).ok());
  EXPECT_FALSE(Has("cls:old"));
  EXPECT_TRUE(Has("cls:recent"));
  EXPECT_TRUE(Has("cls:future"));
  EXPECT_EQ(s.prune_passes, 1u);
  EXPECT_EQ(s.pruned, 1u);
  EXPECT_GE(s.retain_cutoff_ms, now - 24 * kHour);
  EXPECT_LT(s.retain_cutoff_ms, now - 10 * kHour);
}

TEST_F(RetentionStageTest, NewestCutoffFollowsTheNewestDocumentAndTheIntervalIsKept) {
  Put("cls:1", 1 * kHour);
  Put("cls:5", 5 * kHour);
  Put("cls:10", 10 * kHour);
  RetentionStage stage(store_.get(), {6 * kHour, RetainFrom::kNewestDocument, 3600 * 1000});
  RunSummary s;
  ASSERT_TRUE(stage.MaybePrune(&s).ok());  // the first call always prunes: cutoff 4h
  EXPECT_FALSE(Has("cls:1"));
  EXPECT_TRUE(Has("cls:5"));
  EXPECT_EQ(s.retain_cutoff_ms, 4 * kHour);
  Put("cls:20", 20 * kHour);
  ASSERT_TRUE(stage.MaybePrune(&s).ok());  // within the interval: nothing
  EXPECT_TRUE(Has("cls:5"));
  EXPECT_EQ(s.prune_passes, 1u);

  RetentionStage every_batch(store_.get(), {6 * kHour, RetainFrom::kNewestDocument, 0});
  ASSERT_TRUE(every_batch.MaybePrune(&s).ok());  // cutoff 14h
  EXPECT_FALSE(Has("cls:5"));
  EXPECT_FALSE(Has("cls:10"));
  EXPECT_TRUE(Has("cls:20"));
  EXPECT_EQ(s.prune_passes, 2u);
  EXPECT_EQ(s.pruned, 3u);
  storage::Counts c;
  ASSERT_TRUE(store_->GetCounts(&c).ok());
  EXPECT_EQ(c.docs, 1u);
}

// One item dated far ahead of the clock (a wrong time, 2098) is not the
// feed's present: with --retain-from newest it would otherwise make every
// other document older than the cutoff. Documents within the hour ahead
// that the story window also takes in still count.
TEST_F(RetentionStageTest, NewestCutoffLeavesOutDocumentsDatedAheadOfTheClock) {
  const int64_t now = NowMs();
  Put("cls:old", now - 48 * kHour);
  Put("cls:recent", now - 2 * kHour);
  Put("cls:2098", 4'070'908'800'000);  // 2099-01-01
  RetentionStage stage(store_.get(), {24 * kHour, RetainFrom::kNewestDocument, 0});
  RunSummary s;
  ASSERT_TRUE(stage.MaybePrune(&s).ok());
  EXPECT_TRUE(Has("cls:recent"));
  EXPECT_TRUE(Has("cls:2098"));
  EXPECT_FALSE(Has("cls:old"));
  EXPECT_EQ(s.pruned, 1u);
  EXPECT_EQ(s.retain_cutoff_ms, now - 26 * kHour);  // cls:recent is the newest document

  Put("cls:soon", now + kHour / 2);  // within the hour ahead: the reference
  ASSERT_TRUE(stage.MaybePrune(&s).ok());
  EXPECT_EQ(s.retain_cutoff_ms, now + kHour / 2 - 24 * kHour);
  EXPECT_TRUE(Has("cls:recent"));
}

// A pass that removes a few documents does not rewrite the store: every
// table file there before is still there after (a whole-store compaction
// after each pass rewrote every file, for one expired document).
TEST(RetentionStage, APassDoesNotRewriteTheStore) {
  TempDir tmp;
  storage::StoreOptions o;
  o.path = tmp.path("db");
  o.disable_wal = true;  // as a file run: Checkpoint(wait) writes the table files
  std::unique_ptr<storage::Store> store;
  ASSERT_TRUE(storage::Store::Open(o, &store).ok());
  const int64_t now = NowMs();
  storage::WriteSet w;
  for (int i = 0; i < 500; ++i) {
    storage::Record r;
    r.key = "cls:" + std::to_string(i);
    r.source = "cls";
    r.time_ms = now - (i < 2 ? 48 : 1) * kHour - i;
    r.tags.push_back({"region:shenzhen", 1.0});
    w.records.push_back(r);
  }
  ASSERT_TRUE(store->Write(w).ok());
  ASSERT_TRUE(store->Checkpoint(/*wait=*/true).ok());
  auto tables = [&] {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(o.path))
      if (e.path().extension() == ".sst") names.insert(e.path().filename().string());
    return names;
  };
  const auto before = tables();
  ASSERT_FALSE(before.empty());
  RetentionStage stage(store.get(), {24 * kHour, RetainFrom::kWallClock, 0});
  RunSummary s;
  ASSERT_TRUE(stage.MaybePrune(&s).ok());
  EXPECT_EQ(s.pruned, 2u);
  const auto after = tables();
  for (const auto& name : before) EXPECT_TRUE(after.count(name)) << name << " was rewritten";
  ASSERT_TRUE(store->Close().ok());
}

TEST(RetainDuration, ParsesWholeNumbersWithAUnit) {
  int64_t ms = 0;
  std::string err;
  ASSERT_TRUE(ParseRetainDuration("30d", &ms, &err));
  EXPECT_EQ(ms, 30 * 24 * kHour);
  ASSERT_TRUE(ParseRetainDuration("12h", &ms, &err));
  EXPECT_EQ(ms, 12 * kHour);
  ASSERT_TRUE(ParseRetainDuration("90m", &ms, &err));
  EXPECT_EQ(ms, 90 * 60 * 1000);
  ASSERT_TRUE(ParseRetainDuration("2w", &ms, &err));
  EXPECT_EQ(ms, 14 * 24 * kHour);
  for (const char* bad : {"", "d", "30", "0d", "-1d", "1.5d", "30x", "30 d", "99999999999999999d"})
    EXPECT_FALSE(ParseRetainDuration(bad, &ms, &err)) << bad;
  RetainFrom from;
  EXPECT_TRUE(ParseRetainFrom("newest", &from));
  EXPECT_EQ(from, RetainFrom::kNewestDocument);
  EXPECT_FALSE(ParseRetainFrom("oldest", &from));
}

}  // namespace
}  // namespace newsflow::pipeline
