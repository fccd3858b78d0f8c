// `newsflow query` on the three shared corpora in one store (78,324 items;
// needs ../shared/corpus or $NEWSFLOW_CORPUS_DIR, else every test is
// skipped with the reason). --any counts obey inclusion-exclusion; --not,
// --source, --text and --stock agree with a scan of the --json output of the
// same window; one canonical stock code gathers the three feeds.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::CorpusFile;
using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

// One Shanghai day of the corpus: the scans read its --json output.
constexpr char kOneDay[] = "--since 2026-06-15 --until 2026-06-15";  // ~1,900 items

class QueryCorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* feed : {"cls", "eastmoney", "ths"}) {
      if (!std::filesystem::exists(CorpusFile(std::string(feed) + "-shared.jsonl.gz"))) {
        missing_ = CorpusFile(std::string(feed) + "-shared.jsonl.gz");
        return;
      }
    }
    tmp_ = new TempDir();
    for (const char* feed : {"cls", "eastmoney", "ths"}) {
      const auto r = RunShell(Newsflow() + " run -q --source file:" + CorpusFile(std::string(feed) + "-shared.jsonl.gz") +
                              " --format " + feed + " --rules " + SourcePath("rules/sets") + " --db " + Db());
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  static void TearDownTestSuite() { delete tmp_; }
  void SetUp() override {
    if (!missing_.empty()) GTEST_SKIP() << "the shared corpus is absent: " << missing_;
  }
  static std::string Db() { return tmp_->path("db"); }
  static std::string Query(const std::string& args) { return Newsflow() + " query --db " + Db() + " " + args; }
  static uint64_t Count(const std::string& args) {
    const auto r = RunShell(Query(args + " --count"));
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return std::stoull(r.out);
  }
  static std::vector<std::string> KeysOf(const std::string& args) {
    const auto r = RunShell(Query(args + " --json --limit 0"));
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    std::vector<std::string> keys;
    for (const auto& j : JsonLines(r.out)) keys.push_back(j.String("key"));
    return keys;
  }
  template <typename Pred>
  static std::vector<std::string> DayKeysWhere(Pred pred) {
    const auto r = RunShell(Query(std::string(kOneDay) + " --json --limit 0"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> keys;
    for (const auto& j : JsonLines(r.out))
      if (pred(j)) keys.push_back(j.String("key"));
    return keys;
  }

  static TempDir* tmp_;
  static std::string missing_;
};
TempDir* QueryCorpusTest::tmp_ = nullptr;
std::string QueryCorpusTest::missing_;

TEST_F(QueryCorpusTest, AnyCountIsInclusionExclusion) {
  EXPECT_EQ(Count(""), 78289u);  // 78,324 items, 35 eastmoney ids twice
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"cluster:ai", "cluster:semiconductors"}, {"region:guangdong", "region:shenzhen"},
      {"cluster:robotics", "cluster:new-energy"}};
  for (const auto& [a, b] : pairs) {
    const uint64_t na = Count("--tag " + a), nb = Count("--tag " + b), both = Count("--tag " + a + " --tag " + b);
    ASSERT_GT(na, 0u) << a;
    ASSERT_GT(nb, 0u) << b;
    EXPECT_EQ(Count("--any " + a + " --any " + b), na + nb - both) << a << " | " << b;
    EXPECT_EQ(KeysOf("--any " + a + " --any " + b + " " + kOneDay).size(),
              KeysOf("--tag " + a + " " + kOneDay).size() + KeysOf("--tag " + b + " " + kOneDay).size() -
                  KeysOf("--tag " + a + " --tag " + b + " " + kOneDay).size());
  }
}

TEST_F(QueryCorpusTest, NotSourceTextMatchAScanOfTheJson) {
  const std::string day = kOneDay;
  auto has = [](const JsonObject& j, const char* tag) { return j.Strings("tags").count(tag) > 0; };
  const auto not_ai = KeysOf("--not cluster:ai " + day);
  EXPECT_EQ(not_ai, DayKeysWhere([&](const JsonObject& j) { return !has(j, "cluster:ai"); }));
  EXPECT_GT(not_ai.size(), 100u);
  EXPECT_EQ(KeysOf("--tag cluster:semiconductors --not cluster:ai " + day), DayKeysWhere([&](const JsonObject& j) {
              return has(j, "cluster:semiconductors") && !has(j, "cluster:ai");
            }));
  for (const char* source : {"cls", "eastmoney", "ths"}) {
    const auto keys = KeysOf(std::string("--source ") + source + " " + day);
    EXPECT_EQ(keys, DayKeysWhere([&](const JsonObject& j) { return j.String("source") == source; })) << source;
    EXPECT_GT(keys.size(), 50u) << source;
  }
  for (const char* text : {"芯片", "比亚迪", "英伟达"}) {
    const auto keys = KeysOf(std::string("--text ") + text + " " + day);
    EXPECT_EQ(keys, DayKeysWhere([&](const JsonObject& j) {
                return j.String("title").find(text) != std::string::npos ||
                       j.String("body").find(text) != std::string::npos;
              }))
        << text;
  }
}

TEST_F(QueryCorpusTest, StockMatchesAScanAndGathersTheFeeds) {
  // Every canonical code of the day, by how many sources mention it.
  const auto r = RunShell(Query(std::string(kOneDay) + " --json --limit 0"));
  ASSERT_EQ(r.exit_code, 0);
  std::map<std::string, std::set<std::string>> sources_of;
  for (const auto& j : JsonLines(r.out))
    for (const auto& c : j.Strings("stock_codes"))
      if (!c.empty()) sources_of[c].insert(j.String("source"));
  size_t checked = 0, three_feeds = 0;
  for (const auto& [code, sources] : sources_of) three_feeds += sources.size() == 3;
  for (size_t want_sources : {3, 2}) {  // codes all three feeds mention first
    for (const auto& [code, sources] : sources_of) {
      if (sources.size() != want_sources || checked == 8) continue;
      const auto keys = KeysOf("--stock " + code + " " + kOneDay);
      EXPECT_EQ(keys, DayKeysWhere([&](const JsonObject& j) { return j.Strings("stock_codes").count(code) > 0; }))
          << code;
      ++checked;
    }
  }
  EXPECT_GE(checked, 8u) << "codes mentioned by two or more feeds on one day";
  EXPECT_GE(three_feeds, 1u) << "a code mentioned by all three feeds";
  // The feeds' raw forms of one code find what the canonical form finds.
  EXPECT_EQ(KeysOf("--stock 1.600519"), KeysOf("--stock SH600519"));
  EXPECT_EQ(KeysOf("--stock sh600519"), KeysOf("--stock SH600519"));
  EXPECT_EQ(KeysOf("--stock 105.NVDA"), KeysOf("--stock US.NVDA"));
  EXPECT_EQ(KeysOf("--stock NVDA"), KeysOf("--stock US.NVDA"));
  EXPECT_GT(KeysOf("--stock US.NVDA").size(), 10u);
}

}  // namespace
}  // namespace newsflow::pipeline
