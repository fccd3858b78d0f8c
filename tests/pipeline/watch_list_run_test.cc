// A desk's watch list (rules/SCHEMA.md, "Watch lists") deployed beside the
// real rule set: `newsflow run` over the three fixtures tags exactly the
// stored documents that name a watched company, and a subscription to a
// watch tag raises one alert per story of those documents.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "json_util.h"
#include "pipeline/job/tagger.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::ReadFile;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

// Whether `text` names `ascii` as a word: ASCII letters caselessly, no ASCII
// letter or digit on either side (how the rules match ASCII keywords).
bool NamesAsciiWord(const std::string& text, const std::string& ascii) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string t = lower(text), w = lower(ascii);
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t at = t.find(w); at != std::string::npos; at = t.find(w, at + 1))
    if ((at == 0 || !alnum(t[at - 1])) && (at + w.size() == t.size() || !alnum(t[at + w.size()]))) return true;
  return false;
}

TEST(WatchListRun, TagsTheDocumentsThatNameAWatchedCompanyAndAlertsOncePerStory) {
  TempDir tmp;
  const std::string rules = tmp.path("rules");
  std::filesystem::create_directories(rules);
  for (const auto& e : std::filesystem::directory_iterator(SourcePath("rules/sets")))
    std::filesystem::copy_file(e.path(), rules + "/" + e.path().filename().string());
  std::ofstream(rules + "/desk.tsv") << "# tag\tnames\n"
                                        "watch:nvidia\t英伟达\tNVIDIA\n"
                                        "watch:huawei\t华为\n"
                                        "watch:catl\t宁德时代\tCATL\n";
  std::ofstream(tmp.path("subs.yaml")) << "subscriptions:\n  - {name: nvidia, any: [watch:nvidia]}\n";
  const std::string alerts = tmp.path("alerts.jsonl");
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    const auto r = RunShell(Newsflow() + " run -q --rules " + rules + " --db " + tmp.path("db") + " --format " + feed +
                            " --source " + SourcePath(std::string("tests/fixtures/") + feed + "-sample.jsonl") +
                            " --subscriptions " + tmp.path("subs.yaml") + " --alerts file:" + alerts);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto r = RunShell(Newsflow() + " query --json --limit 0 --db " + tmp.path("db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<JsonObject> docs = JsonLines(r.out);
  ASSERT_EQ(docs.size(), 360u);

  const std::map<std::string, std::vector<std::string>> cjk = {
      {"watch:nvidia", {"英伟达"}}, {"watch:huawei", {"华为"}}, {"watch:catl", {"宁德时代"}}};
  const std::map<std::string, std::string> ascii = {{"watch:nvidia", "NVIDIA"}, {"watch:catl", "CATL"}};
  std::map<std::string, size_t> tagged;
  std::set<std::string> nvidia_stories;
  for (const JsonObject& d : docs) {
    const std::string text = d.String("title") + "\n" + d.String("body");
    const std::set<std::string> tags = d.Strings("tags");
    for (const auto& [tag, names] : cjk) {
      bool named = false;
      for (const auto& n : names) named |= text.find(n) != std::string::npos;
      if (const auto it = ascii.find(tag); it != ascii.end()) named |= NamesAsciiWord(text, it->second);
      EXPECT_EQ(tags.count(tag) == 1, named) << d.String("key") << " " << tag;
      tagged[tag] += tags.count(tag);
    }
    if (tags.count("watch:nvidia")) nvidia_stories.insert(d.String("story"));
  }
  // The fixtures name each company; a test that tags nothing proves nothing.
  for (const auto& [tag, n] : tagged) EXPECT_GE(n, 2u) << tag;

  std::set<std::string> alerted;
  for (const JsonObject& a : JsonLines(ReadFile(alerts))) {
    EXPECT_TRUE(a.Strings("tags").count("watch:nvidia")) << a.String("id");
    EXPECT_TRUE(alerted.insert(a.String("story")).second) << "a second alert for story " << a.String("story");
  }
  EXPECT_EQ(alerted, nvidia_stories);
}

// The tags a Tagger over the rules directory `dir` gives a body of text.
class TagsOfText {
 public:
  explicit TagsOfText(const std::string& dir) {
    TaggerOptions o;
    o.rules_dir = dir;
    o.rules_cache_dir = "";
    status_ = Tagger::Open(o, &tagger_);
    if (status_.ok()) status_ = tagger_->NewWorker(&worker_);
  }
  const Status& status() const { return status_; }
  const Tagger& tagger() const { return *tagger_; }
  std::set<std::string> operator()(const std::string& body) const {
    std::set<std::string> out;
    for (const auto& t : worker_->TagText("", body, {}).tags) out.insert(t.tag);
    return out;
  }

 private:
  Status status_;
  std::shared_ptr<const Tagger> tagger_;
  std::unique_ptr<TagWorker> worker_;
};

// A name written in traditional Chinese (騰訊控股, from a Hong Kong source)
// tags simplified items and traditional ones, which the normalizer converts
// before matching; a simplified name is left as it is.
TEST(WatchListRun, ATraditionalNameAlsoMatchesItsSimplifiedSpelling) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path("rules"));
  std::ofstream(tmp.path("rules/desk.tsv")) << "watch:tencent\t騰訊控股\nwatch:catl\t宁德时代\n";
  const TagsOfText tags(tmp.path("rules"));
  ASSERT_TRUE(tags.status().ok()) << tags.status().message();
  EXPECT_EQ(tags("腾讯控股公布第三季度业绩，收入同比增长。"), std::set<std::string>{"watch:tencent"});
  EXPECT_EQ(tags("騰訊控股公布第三季度業績，收入按年增長。"), std::set<std::string>{"watch:tencent"});
  EXPECT_EQ(tags("宁德时代与腾讯控股签约"), (std::set<std::string>{"watch:catl", "watch:tencent"}));
  EXPECT_EQ(tags.tagger().rules().patterns().size(), 3u) << "騰訊控股, its simplified spelling, 宁德时代";
}

// A rule whose `any` lists hundreds of names (a desk's list written as one
// rule) gets the simplified spelling of each traditional one once, and none
// for a name whose simplified spelling the list already holds.
TEST(WatchListRun, ALongListGetsEachSimplifiedSpellingOnce) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path("rules"));
  std::ofstream yaml(tmp.path("rules/desk.yaml"));
  yaml << "version: 1\nrules:\n  - tag: project:desk\n    provenance: [{seed: desk, clause: desk}]\n    any:\n";
  for (int i = 0; i < 300; ++i) yaml << "      - \"名称" << i << "号\"\n";  // simplified: nothing to add
  yaml << "      - \"騰訊控股\"\n"                                         // traditional: its spelling is added
       << "      - \"華為技術\"\n      - \"华为技术\"\n"               // both spellings listed: nothing added
       << "      - \"機器學習\"\n      - \"机器學習\"\n";              // one simplified spelling: added once
  yaml.close();
  const TagsOfText tags(tmp.path("rules"));
  ASSERT_TRUE(tags.status().ok()) << tags.status().message();
  EXPECT_EQ(tags("腾讯控股公布业绩"), std::set<std::string>{"project:desk"});
  EXPECT_EQ(tags("华为技术发布新品"), std::set<std::string>{"project:desk"});
  EXPECT_EQ(tags("机器学习平台"), std::set<std::string>{"project:desk"});
  EXPECT_EQ(tags("名称17号公告"), std::set<std::string>{"project:desk"});
  std::multiset<std::string> texts;
  for (const auto& r : tags.tagger().rules().rule_set().rules)
    if (r.tag == "project:desk")
      for (const auto& k : r.any) texts.insert(k.text);
  EXPECT_EQ(texts.size(), 300u + 5u + 2u) << "the 305 listed, 腾讯控股 and 机器学习";
  EXPECT_EQ(texts.count("腾讯控股"), 1u);
  EXPECT_EQ(texts.count("机器学习"), 1u);
  EXPECT_EQ(texts.count("华为技术"), 1u);
}

// A rule file's keywords get the same: a traditional keyword (機器學習,
// pasted from a Taiwanese or Hong Kong source) also matches its simplified
// spelling, in `any`, in an `all` group and in `not` alike.
TEST(WatchListRun, ATraditionalKeywordOfARuleFileMatchesInEveryList) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path("rules"));
  std::ofstream(tmp.path("rules/a.yaml"))
      << "version: 1\nrules:\n"
         "  - tag: cluster:ai\n    any: [機器學習]\n    not: [學習班]\n"
         "    provenance: [{seed: s.txt, clause: c}]\n"
         "  - tag: cluster:robotics\n    all: [[機器人], [工廠]]\n"
         "    provenance: [{seed: s.txt, clause: c}]\n";
  const TagsOfText tags(tmp.path("rules"));
  ASSERT_TRUE(tags.status().ok()) << tags.status().message();
  EXPECT_EQ(tags("公司发布机器学习平台"), std::set<std::string>{"cluster:ai"});
  EXPECT_EQ(tags("公司發佈機器學習平臺"), std::set<std::string>{"cluster:ai"});
  EXPECT_EQ(tags("机器学习培训：学习班开课"), std::set<std::string>{}) << "the simplified veto";
  EXPECT_EQ(tags("工厂引入机器人"), std::set<std::string>{"cluster:robotics"});
  EXPECT_EQ(tags("工厂扩建"), std::set<std::string>{});
}

// A keyword with a space at an end ('OpenAI ', which SCHEMA.md allows: it
// matches where a document has that space) is no traditional spelling:
// the normalizer trims a text's ends, so its "simplified spelling" came out
// as 'OpenAI', a second pattern that hit the same mention again (score 2.0
// on one "据悉 OpenAI 发布", min_score: 2 reached).
TEST(WatchListRun, AKeywordWithASpaceAtAnEndCountsOncePerMention) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path("rules"));
  std::ofstream(tmp.path("rules/a.yaml"))
      << "version: 1\nrules:\n"
         "  - tag: cluster:ai\n    any: ['OpenAI ', ' 機器學習']\n    min_score: 2\n"
         "    provenance: [{seed: s.txt, clause: c}]\n";
  const TagsOfText tags(tmp.path("rules"));
  ASSERT_TRUE(tags.status().ok()) << tags.status().message();
  EXPECT_EQ(tags.tagger().rules().patterns().size(), 3u) << "'OpenAI ', ' 機器學習' and ' 机器学习'";
  EXPECT_EQ(tags("据悉 OpenAI 发布新模型"), std::set<std::string>{}) << "one mention is score 1";
  EXPECT_EQ(tags("据悉 OpenAI 发布新模型，OpenAI 称"), std::set<std::string>{}) << "a repeat adds 0.25";
  EXPECT_EQ(tags("据悉 OpenAI 发布 机器学习 新模型"), std::set<std::string>{"cluster:ai"});
}

}  // namespace
}  // namespace newsflow::pipeline
