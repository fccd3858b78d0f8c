// Store::RecentAlertsOfGroups and Store::AlertGroups (alerts_by_group): a
// group's alerts newest first, merged across groups, before a cursor, the
// same as filtering the whole log; the entries go with the alerts a prune
// takes; a reader sees what the writer wrote.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

using testing::TempDir;

std::vector<uint64_t> Seqs(const std::vector<StoredAlert>& alerts) {
  std::vector<uint64_t> out;
  for (const auto& a : alerts) out.push_back(a.seq);
  return out;
}

class StoreAlertGroupsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(false); }
  void Open(bool read_only) {
    store_.reset();
    StoreOptions o;
    o.path = dir_.str() + "/db";
    o.read_only = read_only;
    ASSERT_TRUE(Store::Open(o, &store_).ok());
  }
  void Raise(const std::vector<std::pair<std::string, int64_t>>& raised) {
    PreparedWriteSet set;
    for (const auto& [id, t] : raised) set.alerts.push_back({id, "{\"id\":\"" + id + "\"}", t});
    ASSERT_TRUE(store_->Write(set).ok());
  }
  std::vector<uint64_t> OfGroups(const std::vector<std::string>& groups, uint64_t before, size_t limit) {
    std::vector<StoredAlert> out;
    const Status s = store_->RecentAlertsOfGroups(groups, before, limit, &out);
    EXPECT_TRUE(s.ok()) << s.message();
    for (const auto& a : out) EXPECT_EQ(a.json, "{\"id\":\"" + a.id + "\"}");  // each alert read whole
    return Seqs(out);
  }
  // The same page read from the whole log.
  std::vector<uint64_t> FromLog(const std::vector<std::string>& groups, uint64_t before, size_t limit) {
    std::vector<StoredAlert> log;
    EXPECT_TRUE(store_->RecentAlerts(before, 0, &log).ok());
    std::vector<uint64_t> out;
    for (const auto& a : log) {
      if (std::find(groups.begin(), groups.end(), std::string(AlertGroupOf(a.id))) == groups.end()) continue;
      if (AlertGroupOf(a.id).empty()) continue;
      if (limit == 0 || out.size() < limit) out.push_back(a.seq);
    }
    return out;
  }
  std::vector<std::string> Groups() {
    std::vector<std::string> out;
    EXPECT_TRUE(store_->AlertGroups(&out).ok());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST(AlertGroupOf, IsTheIdsTextBeforeItsFirstSlash) {
  EXPECT_EQ(AlertGroupOf("chips/cls:1"), "chips");
  EXPECT_EQ(AlertGroupOf("chips/a/b"), "chips");
  EXPECT_EQ(AlertGroupOf("rule-alert:cls:1"), "");  // a rule alert: no group
  EXPECT_EQ(AlertGroupOf("/cls:1"), "");
  EXPECT_EQ(AlertGroupOf(std::string_view("a\0b/1", 5)), "");
}

TEST_F(StoreAlertGroupsTest, AGroupsAlertsComeNewestFirstAsTheLogFilteredGivesThem) {
  Raise({{"a/1", 100}, {"b/1", 200}, {"rule:1", 300}});  // seqs 1-3
  Raise({{"a/2", 400}, {"c/1", 500}, {"a/3", 600}, {"b/2", 700}});  // seqs 4-7
  EXPECT_EQ(OfGroups({"a"}, 0, 0), (std::vector<uint64_t>{6, 4, 1}));
  EXPECT_EQ(OfGroups({"a"}, 0, 1), (std::vector<uint64_t>{6}));
  EXPECT_EQ(OfGroups({"b", "a"}, 0, 2), (std::vector<uint64_t>{7, 6}));
  EXPECT_EQ(OfGroups({"a", "b"}, 6, 0), (std::vector<uint64_t>{4, 2, 1}));  // before seq 6
  EXPECT_EQ(OfGroups({"a", "a"}, 0, 0), (std::vector<uint64_t>{6, 4, 1}));  // a group named twice
  EXPECT_TRUE(OfGroups({"nobody"}, 0, 0).empty());
  EXPECT_TRUE(OfGroups({"a"}, 1, 0).empty());
  EXPECT_TRUE(OfGroups({"rule:1"}, 0, 0).empty());  // an id without a group is in none
  EXPECT_TRUE(OfGroups({""}, 0, 0).empty());
  EXPECT_EQ(Groups(), (std::vector<std::string>{"a", "b", "c"}));

  // Every page the log gives, for every set of groups, cursor and limit.
  const std::vector<std::vector<std::string>> sets = {{"a"}, {"b"}, {"c"}, {"a", "c"}, {"a", "b", "c"}};
  for (const auto& groups : sets)
    for (uint64_t before = 0; before <= 8; ++before)
      for (size_t limit : {0, 1, 2, 5}) {
        SCOPED_TRACE(::testing::Message() << groups.size() << " groups, before " << before << ", limit " << limit);
        EXPECT_EQ(OfGroups(groups, before, limit), FromLog(groups, before, limit));
      }

  // A reader (secondary instance) sees the same.
  Open(true);
  EXPECT_EQ(OfGroups({"b", "c"}, 0, 0), (std::vector<uint64_t>{7, 5, 2}));
  EXPECT_EQ(Groups(), (std::vector<std::string>{"a", "b", "c"}));
}

// A prune takes the index entries of the alerts it takes: no page names a
// pruned alert (it would be read as missing), and a group left without
// alerts is no longer listed.
TEST_F(StoreAlertGroupsTest, APruneTakesTheEntriesOfTheAlertsItTakes) {
  Raise({{"old/1", 1000}, {"a/1", 1100}, {"old/2", 1200}, {"a/2", 5000}, {"b/1", 6000}});
  ASSERT_TRUE(store_->AckAlerts({1, 2, 3, 4, 5}).ok());
  PruneOptions po;
  po.before_ms = 2000;
  po.docs_per_batch = 2;
  PruneStats st;
  ASSERT_TRUE(store_->Prune(po, &st).ok());
  ASSERT_EQ(st.alerts_removed, 3u);
  EXPECT_TRUE(OfGroups({"old"}, 0, 0).empty());
  EXPECT_EQ(OfGroups({"a", "old"}, 0, 0), (std::vector<uint64_t>{4}));
  EXPECT_EQ(Groups(), (std::vector<std::string>{"a", "b"}));
  Open(false);
  EXPECT_EQ(OfGroups({"a", "b", "old"}, 0, 0), (std::vector<uint64_t>{5, 4}));
}

}  // namespace
}  // namespace newsflow::storage
