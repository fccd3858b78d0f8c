// `newsflow query` filters, outputs, zones and usage errors, driven as a
// subprocess over a store of the three bundled fixtures (360 real items).
// Every check reads structured output: --json lines, --count, CSV.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "json_util.h"
#include "newsflow/rules/rule_set.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

class QueryCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    for (const char* feed : {"cls", "eastmoney", "ths"}) {
      const auto r = RunShell(Newsflow() + " run -q --source " + SourcePath(std::string("tests/fixtures/") + feed +
                                                                            "-sample.jsonl") +
                              " --format " + feed + " --rules " + SourcePath("rules/sets") + " --db " + Db());
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  static void TearDownTestSuite() { delete tmp_; }
  static std::string Db() { return tmp_->path("db"); }
  static std::string Query(const std::string& args) { return Newsflow() + " query --db " + Db() + " " + args; }

  static std::vector<JsonObject> All() {
    const auto r = RunShell(Query("--json --limit 0"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return JsonLines(r.out);
  }
  static std::vector<std::string> KeysOf(const std::string& args) {
    const auto r = RunShell(Query(args + " --json --limit 0"));
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    std::vector<std::string> keys;
    for (const auto& j : JsonLines(r.out)) keys.push_back(j.String("key"));
    return keys;
  }
  template <typename Pred>
  static std::vector<std::string> KeysWhere(Pred pred) {
    std::vector<std::string> keys;
    for (const auto& j : All())
      if (pred(j)) keys.push_back(j.String("key"));
    return keys;
  }
  static uint64_t Count(const std::string& args) {
    const auto r = RunShell(Query(args + " --count"));
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return std::stoull(r.out);
  }
  static bool Contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
  }

  static TempDir* tmp_;
};
TempDir* QueryCliTest::tmp_ = nullptr;

// Feed text with control characters: CSV keeps every byte of every row (a
// NUL cut the row and its key before), and the human listings never pass a
// control character to the terminal (ESC would recolour it, BEL ring, CR
// overwrite the line).
TEST(QueryCliOutput, ControlCharactersNeitherCutCsvRowsNorReachTheTerminal) {
  TempDir tmp;
  const std::string in = tmp.path("in.jsonl"), db = tmp.path("db");
  {
    std::ofstream f(in, std::ios::binary);
    f << R"({"id":1,"ctime":1780000001,"title":"A\u0000B 深圳芯片","content":"深圳芯片"})" << "\n"
      << R"({"id":2,"ctime":1780000002,"title":"esc \u001b[31mRED\u001b[0m \u001b]0;pwned\u0007 x\ry","content":"深圳"})"
      << "\n"
      << R"({"id":3,"ctime":1780000003,"title":"c1 \u0085\u009b end","content":"深圳"})" << "\n"
      << R"({"id":4,"ctime":1780000004,"title":"tab\there","content":"深圳"})" << "\n";
  }
  ASSERT_EQ(RunShell(Newsflow() + " run -q --format cls --source " + in + " --rules " + SourcePath("rules/sets") +
                     " --db " + db)
                .exit_code,
            0);
  const auto csv = RunShell(Newsflow() + " query --db " + db + " --csv --fields title,key --limit 0");  // the key last: a cut row loses it
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  for (const char* key : {"cls:1", "cls:2", "cls:3"}) EXPECT_NE(csv.out.find(std::string(key) + "\r\n"), std::string::npos) << key;
  EXPECT_NE(csv.out.find(std::string("A\0B", 3)), std::string::npos);  // the NUL is data, kept

  for (const std::string& cmd : {Newsflow() + " query --db " + db + " --limit 0",
                                 Newsflow() + " alerts --db " + db}) {
    const auto r = RunShell(cmd);
    ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
    for (size_t i = 0; i < r.out.size(); ++i) {
      const auto c = static_cast<unsigned char>(r.out[i]);
      EXPECT_TRUE(c >= 0x20 || c == '\n') << cmd << ": byte " << int{c} << " at " << i;
      if (c == 0xC2 && i + 1 < r.out.size()) {
        const auto d = static_cast<unsigned char>(r.out[i + 1]);
        EXPECT_FALSE(d >= 0x80 && d <= 0x9F) << cmd << ": a C1 control at " << i;
      }
    }
  }
  const auto listing = RunShell(Newsflow() + " query --db " + db + " --limit 0");
  EXPECT_NE(listing.out.find("RED"), std::string::npos);  // the text around them stays
  EXPECT_NE(listing.out.find("cls:1"), std::string::npos);
  // A tab in the text is white space, shown as a space, not as U+FFFD.
  EXPECT_NE(listing.out.find("tab here"), std::string::npos) << listing.out;
}

TEST_F(QueryCliTest, JsonCarriesBodyAndStockCodes) {
  const auto all = All();
  ASSERT_EQ(all.size(), 360u);
  size_t with_codes = 0;
  for (const auto& j : all) {
    ASSERT_TRUE(j.ok());
    EXPECT_TRUE(j.Has("body")) << j.String("key");
    EXPECT_TRUE(j.Has("stock_codes")) << j.String("key");
    EXPECT_EQ(j.String("time").back(), 'Z') << "JSON times stay UTC";
    with_codes += !j.Strings("stock_codes").empty();
  }
  EXPECT_GT(with_codes, 10u);
}

TEST_F(QueryCliTest, AnyNotSourceTextStockMatchAScanOfTheJson) {
  EXPECT_EQ(KeysOf("--any cluster:ai --any cluster:semiconductors"), KeysWhere([](const JsonObject& j) {
              const auto t = j.Strings("tags");
              return t.count("cluster:ai") || t.count("cluster:semiconductors");
            }));
  EXPECT_EQ(KeysOf("--not cluster:ai"), KeysWhere([](const JsonObject& j) { return !j.Strings("tags").count("cluster:ai"); }));
  EXPECT_EQ(KeysOf("--source ths --source cls"), KeysWhere([](const JsonObject& j) {
              return j.String("source") == "ths" || j.String("source") == "cls";
            }));
  EXPECT_EQ(KeysOf("--text 芯片"), KeysWhere([&](const JsonObject& j) {
              return Contains(j.String("title"), "芯片") || Contains(j.String("body"), "芯片");
            }));
  // A stock: the most frequent canonical code of the fixtures, asked in its canonical and raw forms.
  std::map<std::string, size_t> freq;
  std::map<std::string, std::string> raw_of;  // canonical -> one raw form
  for (const auto& j : All()) {
    for (const auto& c : j.Strings("stock_codes")) {
      if (!c.empty()) ++freq[c];
    }
  }
  ASSERT_FALSE(freq.empty());
  const std::string code =
      std::max_element(freq.begin(), freq.end(), [](auto& x, auto& y) { return x.second < y.second; })->first;
  const auto want = KeysWhere([&](const JsonObject& j) { return j.Strings("stock_codes").count(code) > 0; });
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(KeysOf("--stock " + code), want) << code;
  std::string lower = code;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(KeysOf("--stock " + lower), want) << "case-insensitive";
}

TEST_F(QueryCliTest, StockAcceptsEveryFeedsRawForm) {
  // SH600276 / SZ300750 style codes appear as sh600276 (cls), 1.600276 (eastmoney), 600276 (ths).
  const auto all = All();
  std::string code;
  for (const auto& j : all)
    for (const auto& c : j.Strings("stock_codes"))
      if (c.rfind("SH", 0) == 0 && code.empty()) code = c;
  ASSERT_FALSE(code.empty());
  const std::string digits = code.substr(2);
  const auto want = KeysOf("--stock " + code);
  ASSERT_FALSE(want.empty());
  for (const std::string& form : {"sh" + digits, "1." + digits, digits, digits + ".SH"})
    EXPECT_EQ(KeysOf("--stock " + form), want) << form;
}

// --story with other filters: they are ANDed as everywhere else (they were
// ignored: every member was listed and counted).
TEST_F(QueryCliTest, StoryMembersPassTheOtherFiltersToo) {
  std::map<std::string, std::vector<JsonObject>> stories;
  for (const auto& j : All()) stories[j.String("story")].push_back(j);
  const std::vector<JsonObject>* mixed = nullptr;  // a story with members from two feeds
  for (const auto& [story, members] : stories) {
    std::set<std::string> sources;
    for (const auto& m : members) sources.insert(m.String("source"));
    if (sources.size() >= 2) mixed = &members;
  }
  ASSERT_NE(mixed, nullptr) << "the fixtures hold no story reported by two feeds";
  const std::string story = mixed->front().String("story");
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    std::vector<std::string> want;
    for (const auto& m : *mixed)
      if (m.String("source") == feed) want.push_back(m.String("key"));
    std::vector<std::string> got = KeysOf(std::string("--story ") + story + " --source " + feed);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want) << feed;
    EXPECT_EQ(Count(std::string("--story ") + story + " --source " + feed), want.size()) << feed;
  }
  EXPECT_EQ(Count("--story " + story + " --text zzzzzz-not-in-any-item"), 0u);
  EXPECT_EQ(Count("--story " + story + " --since 2099-01-01"), 0u);
  const auto one = RunShell(Query("--story " + story + " --json --limit 1"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(JsonLines(one.out).size(), 1u);
}

// --story with --collapse is the story as one line: its earliest member
// (its id, when that is one of its earliest), the others as "also", as a
// collapsed listing shows it. A member's key is a usage error naming its
// story; an id no document carries lists nothing and says so.
TEST_F(QueryCliTest, OneStoryCollapsedIsOneLineAndAMembersKeyIsAUsageError) {
  std::map<std::string, std::vector<std::string>> members;
  for (const auto& j : All()) members[j.String("story")].push_back(j.String("key"));
  std::string story;
  for (const auto& [id, keys] : members)
    if (keys.size() >= 2) story = id;
  ASSERT_FALSE(story.empty()) << "the fixtures hold no story of two documents";
  const auto r = RunShell(Query("--story " + story + " --collapse --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  std::set<std::string> shown = lines[0].Strings("also");
  shown.insert(lines[0].String("key"));
  EXPECT_EQ(shown, std::set<std::string>(members[story].begin(), members[story].end()));
  // Filtered, it is still shown with every other member, as a collapsed listing shows it.
  const std::string feed = lines[0].String("source");
  const auto filtered = JsonLines(RunShell(Query("--story " + story + " --collapse --json --source " + feed)).out);
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].Strings("also").size() + 1, members[story].size());
  const auto listed = KeysOf("--story " + story);
  EXPECT_EQ(lines[0].String("key"), listed.front()) << "the earliest member";
  EXPECT_EQ(Count("--story " + story + " --collapse"), 1u);
  const auto human = RunShell(Query("--story " + story + " --collapse"));
  EXPECT_EQ(human.exit_code, 0) << human.err;

  std::string member;  // a key that is not its story's id
  for (const auto& k : members[story])
    if (k != story) member = k;
  const auto by_member = RunShell(Query("--story " + member));
  EXPECT_EQ(by_member.exit_code, 2);
  EXPECT_NE(by_member.err.find("--story " + story), std::string::npos) << by_member.err;
  const auto unknown = RunShell(Query("--story no-such-story --json"));
  EXPECT_EQ(unknown.exit_code, 0) << "a pruned story lists nothing";
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
  EXPECT_NE(unknown.err.find("no-such-story"), std::string::npos) << "and says so";
  EXPECT_EQ(RunShell(Query("--story ''")).exit_code, 2);
}

// A document stored without a story id is a story of one (query --json
// names it its story): --story with that id lists it.
TEST(QueryCliStories, ADocumentStoredWithoutAStoryIdIsAStoryOfOne) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const auto run = RunShell(Newsflow() + " run -q --no-stories --source " +
                            testing::SourcePath("tests/fixtures/cls-sample.jsonl") + " --rules " +
                            testing::SourcePath("rules/sets") + " --db " + db);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto first = JsonLines(RunShell(Newsflow() + " query --json --limit 1 --db " + db).out);
  ASSERT_EQ(first.size(), 1u);
  const std::string story = first[0].String("story");
  EXPECT_EQ(story, first[0].String("key"));
  const auto one = RunShell(Newsflow() + " query --json --db " + db + " --story " + story);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto listed = JsonLines(one.out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].String("key"), story);
}

TEST_F(QueryCliTest, AnyCountIsInclusionExclusion) {
  const uint64_t a = Count("--tag cluster:ai"), b = Count("--tag region:guangdong");
  const uint64_t both = Count("--tag cluster:ai --tag region:guangdong");
  EXPECT_EQ(Count("--any cluster:ai --any region:guangdong"), a + b - both);
}

TEST_F(QueryCliTest, LimitCutSaysHowManyMatched) {
  const uint64_t total = Count("");
  const auto r = RunShell(Query("--json --limit 5"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(JsonLines(r.out).size(), 5u);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("([0-9]+) of ([0-9]+)"))) << r.err;
  EXPECT_EQ(std::stoull(m[1]), 5u);
  EXPECT_EQ(std::stoull(m[2]), total);
  const auto all = RunShell(Query("--json --limit 0"));
  EXPECT_TRUE(all.err.empty()) << "nothing cut, nothing said: " << all.err;
  const auto exact = RunShell(Query("--json --limit " + std::to_string(total)));
  EXPECT_TRUE(exact.err.empty()) << exact.err;
}

TEST_F(QueryCliTest, UsageErrorsExitTwo) {
  const std::vector<std::string> cases = {
      "--tag cluster:semiconductor",               // misspelt (cluster:semiconductors)
      "--any cluster:aii",                         // misspelt --any
      "--not nope:nothing",                        // misspelt --not
      "--tag cluster:ai,region:shenzhen",          // comma-joined
      "--since 2026-07-02 --until 2026-07-01",     // since after until
      "--since today --until yesterday",           // the same, relative
      "--tz Asia/Shangai",                         // unknown zone
      "--stock 'xyz!!'",                           // not a code
      "--csv --fields key,nosuchfield",            // unknown CSV column
      "--fields key",                              // --fields without --csv
      "--json --csv",                              // two output forms
      "--since 2h30",                              // bad relative time
      "--source eastmony",                         // misspelt source
  };
  for (const auto& c : cases) {
    const auto r = RunShell(Query(c));
    EXPECT_EQ(r.exit_code, 2) << c << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << c;
    EXPECT_TRUE(r.out.empty()) << c;
  }
  const auto env = RunShell("NEWSFLOW_TZ=Nowhere/Atall " + Query("--count"));
  EXPECT_EQ(env.exit_code, 2) << env.err;
}

TEST_F(QueryCliTest, UnknownTagNamesTheClosestKnownIds) {
  const auto r = RunShell(Query("--tag cluster:semiconductor"));
  ASSERT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "cluster:semiconductors")) << r.err;
  // A tag of the rule set that no fixture document carries: unknown without
  // --rules (exit 2), known with it (0 documents, exit 0).
  rules::RuleSet set;
  ASSERT_TRUE(rules::LoadRuleDir(SourcePath("rules/sets"), &set).ok());
  std::set<std::string> stored;
  for (const auto& j : All())
    for (const auto& t : j.Strings("tags")) stored.insert(t);
  std::string unused;
  for (const auto& rule : set.rules)
    if (!stored.count(rule.tag)) unused = rule.tag;
  ASSERT_FALSE(unused.empty());
  EXPECT_EQ(RunShell(Query("--count --tag " + unused)).exit_code, 2);
  const auto with_rules = RunShell(Query("--count --tag " + unused + " --rules " + SourcePath("rules/sets")));
  EXPECT_EQ(with_rules.exit_code, 0) << with_rules.err;
  EXPECT_EQ(with_rules.out, "0\n");
}

TEST_F(QueryCliTest, ZonesChangeTheWindowNotTheStoredTimes) {
  // A day in Shanghai is 16:00Z..16:00Z; in UTC 00:00Z..24:00Z.
  const auto sh = KeysOf("--since 2026-07-30 --until 2026-07-30");
  const auto utc = KeysOf("--tz UTC --since 2026-07-30 --until 2026-07-30");
  const auto by_z = KeysOf("--since 2026-07-29T16:00:00Z --until 2026-07-30T15:59:59Z");
  EXPECT_EQ(sh, by_z);
  EXPECT_NE(sh, utc);
  const auto env = RunShell("NEWSFLOW_TZ=UTC " + Query("--since 2026-07-30 --until 2026-07-30 --count"));
  EXPECT_EQ(std::stoull(env.out), utc.size());
  // Relative times are accepted.
  for (const char* since : {"2h", "today", "yesterday", "3d", "now"})
    EXPECT_EQ(RunShell(Query(std::string("--count --since ") + since)).exit_code, 0) << since;
}

TEST_F(QueryCliTest, ShowGivesLocalTimeInTheZone) {
  const auto first = All().front();
  const auto sh = JsonObject::Of(RunShell(Newsflow() + " show --db " + Db() + " " + first.String("key")).out);
  const auto ny = JsonObject::Of(
      RunShell(Newsflow() + " show --db " + Db() + " --tz America/New_York " + first.String("key")).out);
  EXPECT_EQ(sh.String("tz"), "Asia/Shanghai");
  EXPECT_EQ(ny.String("tz"), "America/New_York");
  EXPECT_EQ(sh.Int("time_ms"), ny.Int("time_ms"));
  EXPECT_NE(sh.String("local_time"), ny.String("local_time"));
  EXPECT_EQ(sh.String("local_time").substr(20), "+08:00");
  EXPECT_EQ(RunShell(Newsflow() + " show --db " + Db() + " --tz Bad/Zone x").exit_code, 2);
}

}  // namespace
}  // namespace newsflow::pipeline
