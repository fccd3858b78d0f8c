// Store::Rewrite: a record is replaced only if it is still the value the
// caller read; its index entries move with it; progress marks go in the
// same batch.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "newsflow/storage/store.h"

namespace newsflow::storage {
namespace {

struct Dir {
  std::filesystem::path p = std::filesystem::temp_directory_path() / ("nf-rewrite-" + std::to_string(std::random_device{}()));
  ~Dir() { std::filesystem::remove_all(p); }
};

Record Doc(const std::string& key, const std::string& tag, int64_t t) {
  Record r;
  r.key = key;
  r.source = "cls";
  r.time_ms = t;
  r.body = "text " + key;
  r.tags.push_back({tag, 1.0});
  return r;
}

TEST(StoreRewrite, ReplacesOnlyRecordsUnchangedSinceTheyWereRead) {
  Dir dir;
  StoreOptions so;
  so.path = dir.p.string();
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(so, &store).ok());
  WriteSet ws;
  ws.records = {Doc("cls:1", "cluster:ai", 1000), Doc("cls:2", "cluster:ai", 2000)};
  ASSERT_TRUE(store->Write(ws).ok());
  std::string v1, v2;
  bool found = false;
  ASSERT_TRUE(store->GetEncoded("cls:1", &v1, &found).ok() && found);
  ASSERT_TRUE(store->GetEncoded("cls:2", &v2, &found).ok() && found);
  // A writer stores a newer cls:2 after it was read.
  WriteSet newer;
  newer.records = {Doc("cls:2", "region:shenzhen", 2000)};
  ASSERT_TRUE(store->Write(newer).ok());

  PreparedWriteSet p;
  ASSERT_TRUE(PrepareRecord(Doc("cls:1", "cluster:semiconductors", 1000), &p).ok());
  ASSERT_TRUE(PrepareRecord(Doc("cls:2", "cluster:semiconductors", 2000), &p).ok());
  std::vector<bool> written;
  ASSERT_TRUE(store->Rewrite(p.records, {v1, v2}, {{"retag/x", "mark"}}, "v-next", &written).ok());
  EXPECT_EQ(written, (std::vector<bool>{true, false}));
  Record r;
  ASSERT_TRUE(store->Get("cls:1", &r, &found).ok() && found);
  EXPECT_EQ(r.tags.at(0).tag, "cluster:semiconductors");
  ASSERT_TRUE(store->Get("cls:2", &r, &found).ok() && found);
  EXPECT_EQ(r.tags.at(0).tag, "region:shenzhen");  // the writer's newer version stays
  uint64_t n = 0;
  ASSERT_TRUE(store->CountTagIndex("cluster:ai", &n).ok());
  EXPECT_EQ(n, 0u);  // cls:1's old entry moved, cls:2's was replaced by the writer
  ASSERT_TRUE(store->CountTagIndex("cluster:semiconductors", &n).ok());
  EXPECT_EQ(n, 1u);
  Counts c;
  ASSERT_TRUE(store->GetCounts(&c).ok());
  EXPECT_EQ(c.docs, 2u);
  std::optional<std::string> mark;
  ASSERT_TRUE(store->GetProgress("retag/x", &mark).ok());
  EXPECT_EQ(mark.value_or(""), "mark");
  std::string version;
  ASSERT_TRUE(store->GetRulesetVersion(&version).ok());
  EXPECT_EQ(version, "v-next");
  EXPECT_FALSE(store->Rewrite(p.records, {v1}, {}, "", &written).ok());  // one expected value per record
  ASSERT_TRUE(store->Close().ok());
}

}  // namespace
}  // namespace newsflow::storage
