// A store written before canonical stock codes (version-2 records, no
// by_stock family) still opens and reads; --stock on it says why it cannot
// answer; a writer adds the family and indexes what it stores again. An
// alert log written before alerts carried their document's time reads, and
// a prune takes such alerts only with a later dated alert that goes.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "newsflow/storage/store.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

using testing::EditRaw;
using testing::TempDir;

Record Doc() {
  Record r;
  r.key = "cls:1";
  r.source = "cls";
  r.time_ms = 1000;
  r.title = "t";
  r.stocks = {"sz002670"};
  r.stock_codes = {"SZ002670"};
  r.tags = {{"a", 1.0}};
  return r;
}

// The version-2 encoding of r (stock_codes dropped): the current (v4) bytes
// without the stock_codes and labels lists, version byte 2.
std::string StoredAsVersionTwo(Record r) {
  r.stock_codes.clear();
  std::string v4 = EncodeRecord(r);
  Record head;
  head.key = r.key;
  head.source = r.source;
  head.time_ms = r.time_ms;
  head.title = r.title;
  head.body = r.body;
  head.url = r.url;
  head.level = r.level;
  head.stocks = r.stocks;
  const size_t at = EncodeRecord(head).size() - 7;  // the empty stock_codes and labels counts
  std::string v2 = v4.substr(0, at) + v4.substr(at + 2);
  v2[0] = '\x02';
  return v2;
}

// Rewrites the store at `path` as a version before stock codes left it.
void MakeOld(const std::string& path) {
  EditRaw(path, [](rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
    for (auto* h : handles) {
      if (h->GetName() == "by_stock") {
        ASSERT_TRUE(db->DropColumnFamily(h).ok());
      }
      if (h->GetName() == "docs") {
        ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h, "cls:1", StoredAsVersionTwo(Doc())).ok());
      }
    }
  });
}

// An alert log value as versions before alert times wrote it:
// be32(len id) id json.
std::string OldAlertValue(const std::string& id, const std::string& json) {
  std::string v;
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<char>((id.size() >> (8 * i)) & 0xff));
  return v + id + json;
}

std::string SeqKey(uint64_t seq) {
  std::string k;
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>((seq >> (8 * i)) & 0xff));
  return k;
}

// Adds old-format alerts 1 and 2 to the log of the store at `path`.
void AddOldAlerts(const std::string& path) {
  EditRaw(path, [](rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
    for (auto* h : handles) {
      if (h->GetName() != "alerts") continue;
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h, SeqKey(1), OldAlertValue("old/1", R"({"id":"old/1"})")).ok());
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h, SeqKey(2), OldAlertValue("old/2", R"({"id":"old/2"})")).ok());
    }
  });
}

TEST(StoreCompat, AlertsWrittenWithoutTheirTimeReadAndGoOnlyWithALaterDatedAlert) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.str();
  {
    std::unique_ptr<Store> s;
    ASSERT_TRUE(Store::Open(o, &s).ok());
    ASSERT_TRUE(s->Close().ok());
  }
  ASSERT_NO_FATAL_FAILURE(AddOldAlerts(dir.str()));
  std::unique_ptr<Store> s;
  ASSERT_TRUE(Store::Open(o, &s).ok());
  EXPECT_EQ(s->next_alert_seq(), 3u);
  std::vector<StoredAlert> log;
  ASSERT_TRUE(s->Alerts(0, 0, &log).ok());
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].id, "old/1");
  EXPECT_EQ(log[1].json, R"({"id":"old/2"})");

  PruneOptions po;
  po.before_ms = 5000;
  PruneStats st;
  ASSERT_TRUE(s->Prune(po, &st).ok());
  EXPECT_EQ(st.alerts_removed, 0u);  // no dated alert goes: the old ones stay

  PreparedWriteSet dated;
  dated.alerts = {{"new/3", "{}", 1000}, {"new/4", "{}", 9000}};
  dated.alerts_pending = false;
  ASSERT_TRUE(s->Write(dated).ok());
  ASSERT_TRUE(s->Prune(po, &st).ok());
  EXPECT_EQ(st.alerts_removed, 3u);  // old/1, old/2 go with new/3
  ASSERT_TRUE(s->Alerts(0, 0, &log).ok());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].id, "new/4");
  ASSERT_TRUE(s->Close().ok());
}

// A version before alerts_by_group writing an indexed store (a rollback, a
// mixed deploy) appends alerts without their entries and prunes alerts
// leaving theirs. Readers read the alerts past the index's mark from the
// log and skip an entry whose alert is gone; the next writer's open
// indexes the appended alerts and drops the entries before the log's start.
TEST(StoreCompat, AlertsAnOlderVersionAppendedOrPrunedAreReadAndIndexedAgain) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.str();
  {
    std::unique_ptr<Store> s;
    ASSERT_TRUE(Store::Open(o, &s).ok());
    PreparedWriteSet set;
    set.alerts = {{"gone/1", "{}", 500}, {"a/1", "{}", 1000}, {"b/1", "{}", 2000}, {"a/2", "{}", 3000}};  // seqs 1-4
    ASSERT_TRUE(s->Write(set).ok());
    ASSERT_TRUE(s->Close().ok());
  }
  ASSERT_NO_FATAL_FAILURE(EditRaw(dir.str(), [](rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
    for (auto* h : handles) {
      if (h->GetName() != "alerts") continue;
      ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), h, SeqKey(1)).ok());  // an old prune of the log's start
      ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), h, SeqKey(4)).ok());  // and of a/2: the entries stay
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h, SeqKey(5), OldAlertValue("a/3", "{}")).ok());  // old writes
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h, SeqKey(6), OldAlertValue("c/1", "{}")).ok());
    }
  }));
  auto check = [&](bool read_only, const std::vector<std::string>& groups_listed) {
    StoreOptions ro = o;
    ro.read_only = read_only;
    std::unique_ptr<Store> s;
    ASSERT_TRUE(Store::Open(ro, &s).ok());
    std::vector<StoredAlert> page;
    ASSERT_TRUE(s->RecentAlertsOfGroups({"a"}, 0, 0, &page).ok());
    std::vector<std::string> ids;
    for (const auto& a : page) ids.push_back(a.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"a/3", "a/1"}));
    ASSERT_TRUE(s->RecentAlertsOfGroups({"a", "b", "gone"}, 0, 2, &page).ok());
    ASSERT_EQ(page.size(), 2u);  // a/3, then b/1: a/2's entry is skipped, the page filled on
    EXPECT_EQ(page[1].id, "b/1");
    std::vector<std::string> groups;
    ASSERT_TRUE(s->AlertGroups(&groups).ok());
    EXPECT_EQ(groups, groups_listed);
    ASSERT_TRUE(s->Close().ok());
  };
  // A reader, before any new writer: gone/1's entry is still there.
  ASSERT_NO_FATAL_FAILURE(check(true, {"a", "b", "c", "gone"}));
  // The writer's open indexed a/3 and c/1 and dropped gone/1's entry.
  ASSERT_NO_FATAL_FAILURE(check(false, {"a", "b", "c"}));
  std::string mark;
  ASSERT_NO_FATAL_FAILURE(EditRaw(dir.str(), [&](rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
    for (auto* h : handles) {
      if (h->GetName() == "meta") {
        ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), h, "alert_groups/indexed", &mark).ok());
      }
    }
  }));
  EXPECT_EQ(mark, SeqKey(6));
  ASSERT_NO_FATAL_FAILURE(check(true, {"a", "b", "c"}));
}

TEST(StoreCompat, StoreBeforeStockCodesReadsAndReindexesOnWrite) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.str();
  {
    std::unique_ptr<Store> s;
    ASSERT_TRUE(Store::Open(o, &s).ok());
    WriteSet w;
    w.records = {Doc()};
    ASSERT_TRUE(s->Write(w).ok());
    ASSERT_TRUE(s->Close().ok());
  }
  ASSERT_NO_FATAL_FAILURE(MakeOld(dir.str()));

  StoreOptions ro = o;
  ro.read_only = true;
  ro.create_if_missing = false;
  {
    std::unique_ptr<Store> s;
    ASSERT_TRUE(Store::Open(ro, &s).ok());
    Record r;
    bool found = false;
    ASSERT_TRUE(s->Get("cls:1", &r, &found).ok());
    ASSERT_TRUE(found);
    EXPECT_EQ(r.stocks, std::vector<std::string>{"sz002670"});
    EXPECT_TRUE(r.stock_codes.empty());
    QueryOptions q;
    q.tags = {"a"};
    std::vector<Record> out;
    ASSERT_TRUE(s->Query(q, &out).ok());
    EXPECT_EQ(out.size(), 1u);
    q.stock = "SZ002670";
    const Status st = s->Query(q, &out);
    EXPECT_EQ(st.code(), Status::Code::kUnavailable) << st.message();
  }
  {
    std::unique_ptr<Store> s;
    ASSERT_TRUE(Store::Open(o, &s).ok());  // the writer adds by_stock
    WriteSet w;
    w.records = {Doc()};  // stored again: replaces the v2 record, indexes its code
    ASSERT_TRUE(s->Write(w).ok());
    QueryOptions q;
    q.stock = "SZ002670";
    std::vector<Record> out;
    ASSERT_TRUE(s->Query(q, &out).ok());
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].stock_codes, std::vector<std::string>{"SZ002670"});
    uint64_t n = 0;
    ASSERT_TRUE(s->Count(QueryOptions{}, &n).ok());
    EXPECT_EQ(n, 1u) << "re-ingesting does not grow the store";
  }
}

}  // namespace
}  // namespace newsflow::storage
