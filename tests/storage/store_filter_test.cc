// Query/Count filters beyond AND tags: --any (OR), --not, sources, text,
// the by_stock index (kept right when a document is stored again), and the
// list of stored tag ids. Each result is checked against a filter written
// out by hand over the same records.
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

Record Doc(std::string key, std::string source, int64_t t, std::vector<std::string> tags, std::string title,
           std::vector<std::string> codes = {}) {
  Record r;
  r.key = std::move(key);
  r.source = std::move(source);
  r.time_ms = t;
  r.title = std::move(title);
  r.body = "body of " + r.key;
  for (auto& tag : tags) r.tags.push_back({tag, 1.0});
  r.stocks = codes;  // raw = canonical here; the store indexes stock_codes only
  r.stock_codes = std::move(codes);
  return r;
}

class StoreFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions o;
    o.path = dir_.str();
    ASSERT_TRUE(Store::Open(o, &store_).ok());
    docs_ = {
        Doc("cls:1", "cls", 1000, {"a"}, "电池 news", {"SZ002670"}),
        Doc("cls:2", "cls", 2000, {"a", "b"}, "芯片 news", {"SZ002670", "", "SZ002670"}),
        Doc("eastmoney:3", "eastmoney", 3000, {"b"}, "芯片 again", {"SH600812"}),
        Doc("ths:4", "ths", 4000, {"c"}, "nothing", {"US.CVX"}),
        Doc("ths:5", "ths", 5000, {}, "untagged 芯片"),
    };
    WriteSet w;
    w.records = docs_;
    ASSERT_TRUE(store_->Write(w).ok());
  }

  // Keys Query returns (newest first) and checks Count agrees.
  std::vector<std::string> Keys(const QueryOptions& q) {
    std::vector<Record> out;
    EXPECT_TRUE(store_->Query(q, &out).ok());
    std::vector<std::string> keys;
    for (const auto& r : out) keys.push_back(r.key);
    uint64_t n = 0;
    EXPECT_TRUE(store_->Count(q, &n).ok());
    EXPECT_EQ(n, keys.size()) << "Count disagrees with Query";
    return keys;
  }

  // The same filter by hand, newest first.
  template <typename Pred>
  std::vector<std::string> Expected(Pred pred) {
    std::vector<std::string> keys;
    for (auto it = docs_.rbegin(); it != docs_.rend(); ++it)
      if (pred(*it)) keys.push_back(it->key);
    return keys;
  }

  static bool Has(const Record& r, const std::string& tag) {
    return std::any_of(r.tags.begin(), r.tags.end(), [&](const TagScore& t) { return t.tag == tag; });
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::vector<Record> docs_;
};

TEST_F(StoreFilterTest, AnyIsOr) {
  QueryOptions q;
  q.limit = 0;
  q.any_tags = {"a", "c"};
  EXPECT_EQ(Keys(q), Expected([](const Record& r) { return Has(r, "a") || Has(r, "c"); }));
  q.any_tags = {"b"};
  EXPECT_EQ(Keys(q), Expected([](const Record& r) { return Has(r, "b"); }));
  q.tags = {"a"};
  q.any_tags = {"b", "c"};
  EXPECT_EQ(Keys(q), std::vector<std::string>{"cls:2"});
}

// Several --any tags are read from their by_tag entries merged (not from
// every document in the range): the same documents in the same order as
// the time index gives them (newest first, then by key), each once even
// when it carries several of the tags, with every other filter, a limit
// and the count.
TEST_F(StoreFilterTest, SeveralAnyOrAllTagsComeInTheTimeIndexsOrderEachDocumentOnce) {
  std::vector<Record> all = docs_;
  WriteSet w;
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
  const std::vector<std::string> tags = {"a", "b", "c", "d", "e"};
  for (int i = 0; i < 300; ++i) {
    std::vector<std::string> mine;
    for (const auto& t : tags)
      if (next() % 3 == 0) mine.push_back(t);
    const std::string source = next() % 2 ? "cls" : "ths";
    // Times from a small range: many documents share one.
    w.records.push_back(Doc(source + ":x" + std::to_string(next() % 1000), source, 10000 + 100 * (next() % 40), mine,
                            next() % 4 ? "news" : "芯片 news"));
  }
  ASSERT_TRUE(store_->Write(w).ok());
  for (const auto& r : w.records) {  // the last of a key wins
    all.erase(std::remove_if(all.begin(), all.end(), [&](const Record& o) { return o.key == r.key; }), all.end());
    all.push_back(r);
  }
  std::sort(all.begin(), all.end(),
            [](const Record& x, const Record& y) { return x.time_ms != y.time_ms ? x.time_ms > y.time_ms : x.key < y.key; });
  auto expected = [&](const QueryOptions& q) {
    std::vector<std::string> keys;
    for (const auto& r : all) {
      if (q.since_ms && r.time_ms < *q.since_ms) continue;
      if (q.until_ms && r.time_ms > *q.until_ms) continue;
      if (!q.sources.empty() && std::find(q.sources.begin(), q.sources.end(), r.source) == q.sources.end()) continue;
      if (std::none_of(q.any_tags.begin(), q.any_tags.end(), [&](const std::string& t) { return Has(r, t); })) continue;
      if (std::any_of(q.not_tags.begin(), q.not_tags.end(), [&](const std::string& t) { return Has(r, t); })) continue;
      if (!q.text.empty() && r.title.find(q.text) == std::string::npos && r.body.find(q.text) == std::string::npos)
        continue;
      keys.push_back(r.key);
    }
    return keys;
  };
  const std::vector<std::vector<std::string>> any_sets = {{"a", "c"}, {"b", "d", "e"}, {"a", "b", "c", "d", "e"},
                                                          {"e", "nosuch"}, {"d", "d"}};
  for (const auto& any : any_sets)
    for (int range = 0; range < 3; ++range)
      for (int extra = 0; extra < 4; ++extra) {
        QueryOptions q;
        q.limit = 0;
        q.any_tags = any;
        if (range == 1) q.since_ms = 11000;
        if (range == 2) q.since_ms = 10500, q.until_ms = 12000;
        if (extra == 1) q.sources = {"ths"};
        if (extra == 2) q.not_tags = {"b"};
        if (extra == 3) q.text = "芯片";
        SCOPED_TRACE(::testing::Message() << any.size() << " any tags, range " << range << ", filter " << extra);
        const std::vector<std::string> want = expected(q);
        ASSERT_FALSE(want.empty() && any.size() > 2);  // the sets are not all empty
        EXPECT_EQ(Keys(q), want);
        q.limit = 7;
        std::vector<Record> page;
        ASSERT_TRUE(store_->Query(q, &page).ok());
        ASSERT_EQ(page.size(), std::min<size_t>(7, want.size()));
        for (size_t i = 0; i < page.size(); ++i) EXPECT_EQ(page[i].key, want[i]);
      }
  // Several tags all required: the index walked is the tag with the fewest
  // entries in the range, whichever order they are named in.
  for (const auto& and_tags : std::vector<std::vector<std::string>>{{"a", "b"}, {"b", "a"}, {"e", "c", "a"}})
    for (int range = 0; range < 2; ++range) {
      QueryOptions q;
      q.limit = 0;
      q.tags = and_tags;
      if (range == 1) q.since_ms = 10500, q.until_ms = 12000;
      std::vector<std::string> want;
      for (const auto& r : all) {
        if (q.since_ms && (r.time_ms < *q.since_ms || r.time_ms > *q.until_ms)) continue;
        if (std::all_of(and_tags.begin(), and_tags.end(), [&](const std::string& t) { return Has(r, t); }))
          want.push_back(r.key);
      }
      SCOPED_TRACE(::testing::Message() << and_tags.size() << " tags, range " << range);
      ASSERT_FALSE(want.empty());
      EXPECT_EQ(Keys(q), want);
    }
}

TEST_F(StoreFilterTest, NotExcludes) {
  QueryOptions q;
  q.limit = 0;
  q.not_tags = {"b"};
  EXPECT_EQ(Keys(q), Expected([](const Record& r) { return !Has(r, "b"); }));
  q.tags = {"a"};
  EXPECT_EQ(Keys(q), std::vector<std::string>{"cls:1"});
}

TEST_F(StoreFilterTest, SourcesAndText) {
  QueryOptions q;
  q.limit = 0;
  q.sources = {"cls", "ths"};
  EXPECT_EQ(Keys(q), Expected([](const Record& r) { return r.source == "cls" || r.source == "ths"; }));
  q.sources.clear();
  q.text = "芯片";
  EXPECT_EQ(Keys(q), Expected([](const Record& r) { return r.title.find("芯片") != std::string::npos; }));
  q.text = "body of ths:4";  // in the body
  EXPECT_EQ(Keys(q), std::vector<std::string>{"ths:4"});
}

TEST_F(StoreFilterTest, StockIndexServesAndFollowsReingest) {
  QueryOptions q;
  q.limit = 0;
  q.stock = "SZ002670";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"cls:2", "cls:1"})) << "one entry per document, not per mention";
  q.stock = "US.CVX";
  EXPECT_EQ(Keys(q), std::vector<std::string>{"ths:4"});
  q.stock = "SH999999";
  EXPECT_TRUE(Keys(q).empty());

  // Stored again with another code and time: the old entry goes.
  WriteSet w;
  w.records = {Doc("cls:1", "cls", 1500, {"a"}, "电池 news", {"SH600812"})};
  ASSERT_TRUE(store_->Write(w).ok());
  q.stock = "SZ002670";
  EXPECT_EQ(Keys(q), std::vector<std::string>{"cls:2"});
  q.stock = "SH600812";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"eastmoney:3", "cls:1"}));
  q.since_ms = 2000;
  EXPECT_EQ(Keys(q), std::vector<std::string>{"eastmoney:3"});
}

TEST_F(StoreFilterTest, StockCodeWithNulIsRejected) {
  WriteSet w;
  w.records = {Doc("x:1", "x", 1, {}, "t", {std::string("A\0B", 3)})};
  EXPECT_FALSE(store_->Write(w).ok());
}

TEST_F(StoreFilterTest, ListSourcesIsEverySourceOnce) {
  std::vector<std::string> sources;
  ASSERT_TRUE(store_->ListSources(&sources).ok());
  EXPECT_EQ(sources, (std::vector<std::string>{"cls", "eastmoney", "ths"}));
}

TEST_F(StoreFilterTest, ListTagsIsEveryStoredTagOnce) {
  std::vector<std::string> tags;
  ASSERT_TRUE(store_->ListTags(&tags).ok());
  EXPECT_EQ(tags, (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace newsflow::storage
