// The real rule set (rules/sets) on real text. On the seeds: corresponding passages of
// seed 000 (simplified, HTML) and seed 001 (its traditional-Chinese twin) get
// the same tags, and seed clauses that name a field are tagged with it. On
// wire text: ASCII aliases match on word boundaries only, and `not`/`except`
// contexts keep ambiguous keywords from firing.
#include <gtest/gtest.h>

#include <set>

#include "pipeline/job/tagger.h"
#include "newsflow/rules/compiled_rules.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::ReadFile;
using testing::SourcePath;

class RealRules : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TaggerOptions o;
    o.rules_dir = SourcePath("rules/sets");
    Status s = Tagger::Open(o, &tagger_);
    ASSERT_TRUE(s.ok()) << s.message();
    compiled_ = tagger_->compiled();
  }
  static void TearDownTestSuite() {
    compiled_.reset();
    tagger_.reset();
  }

  // The tags the runner's stage path gives a document with this body.
  static Item TagBody(const std::string& body) {
    std::unique_ptr<TagWorker> w;
    EXPECT_TRUE(tagger_->NewWorker(&w).ok());
    return w->TagText("", body);
  }

  // Tags of the fixed families (cluster/theme/region) on one text.
  static std::set<std::string> Tags(const std::string& text) {
    const Item it = TagBody(text);
    std::set<std::string> out;
    for (const auto& t : it.tags)
      if (t.tag.rfind("cluster:", 0) == 0 || t.tag.rfind("theme:", 0) == 0 || t.tag.rfind("region:", 0) == 0)
        out.insert(t.tag);
    return out;
  }

  // The passage of a seed file from `begin` through `end` (both verbatim).
  static std::string Passage(const std::string& seed, const std::string& begin, const std::string& end) {
    const std::string text = ReadFile(SourcePath("seeds/" + seed));
    const size_t b = text.find(begin);
    EXPECT_NE(b, std::string::npos) << seed << ": " << begin;
    const size_t e = text.find(end, b);
    EXPECT_NE(e, std::string::npos) << seed << ": " << end;
    if (b == std::string::npos || e == std::string::npos) return "";
    return text.substr(b, e + end.size() - b);
  }

  static inline std::shared_ptr<const rules::CompiledRules> compiled_;
  static inline std::shared_ptr<const Tagger> tagger_;
};

const char* kSeed000 = "000_1fa3d0f570f714d3.txt";
const char* kSeed001 = "001_4149a57f158077e2.txt";

TEST_F(RealRules, TraditionalTwinGetsTheSameTagsOnCorrespondingPassages) {
  struct Pair {
    std::string simplified, traditional;
    std::set<std::string> must_include;
  };
  const std::vector<Pair> pairs = {
      {Passage(kSeed000, "紧抓粤港澳大湾区和深圳中国特色社会主义先行示范区", "国内国际双循环"),
       Passage(kSeed001, "緊抓粵港澳大灣區和深圳中國特色社會主義先行示範區", "國內國際雙循環"),
       {"region:greater-bay-area", "region:shenzhen", "region:guangdong"}},
      {Passage(kSeed000, "加大工业、能源、交通等领域的二氧化碳排放控制力度", "积极推动形成粤港澳大湾区碳市场"),
       Passage(kSeed001, "加大工業、能源、交通等領域的二氧化碳排放控制力度", "積極推動形成粵港澳大灣區碳市場"),
       {"theme:carbon", "region:greater-bay-area"}},
  };
  for (const auto& p : pairs) {
    const auto simplified = Tags(p.simplified), traditional = Tags(p.traditional);
    EXPECT_EQ(simplified, traditional) << p.simplified;
    for (const auto& t : p.must_include) EXPECT_TRUE(traditional.count(t)) << t << " on " << p.traditional;
  }
}

TEST_F(RealRules, TraditionalIndustryParagraphNamesItsClusters) {
  // 001's industry paragraph lists the clusters in traditional characters.
  const auto tags = Tags(Passage(kSeed001, "產業發展方面", "搶佔未來發展制高點"));
  for (const char* t : {"cluster:semiconductors", "cluster:new-energy", "cluster:high-end-equipment",
                        "cluster:robotics", "cluster:precision-instruments", "cluster:blockchain", "cluster:quantum",
                        "cluster:new-materials", "cluster:network-communications", "cluster:software-it",
                        "cluster:uhd-display", "cluster:petrochemical", "cluster:biomedicine"})
    EXPECT_TRUE(tags.count(t)) << t;
}

TEST_F(RealRules, SeedClausesThatDefineAFieldAreTaggedWithIt) {
  // Every rule's provenance clause names its field; tagging the clause itself
  // must produce the rule's tag (the clause is the rule's own evidence).
  size_t checked = 0;
  std::vector<std::string> misses;
  for (const auto& r : compiled_->rule_set().rules) {
    if (r.tag.rfind("cluster:", 0) != 0 && r.tag.rfind("theme:", 0) != 0 && r.tag.rfind("region:", 0) != 0) continue;
    for (const auto& p : r.provenance) {
      ++checked;
      const Item it = TagBody(p.clause);
      bool found = false;
      for (const auto& t : it.tags) found |= t.tag == r.tag;
      if (!found) misses.push_back(r.tag + " <- " + p.clause);
    }
  }
  EXPECT_GT(checked, 40u);
  EXPECT_TRUE(misses.empty()) << [&] {
    std::string s;
    for (const auto& m : misses) s += m + "\n";
    return s;
  }();
}


TEST_F(RealRules, AsciiAliasesMatchOnWordBoundariesOnly) {
  EXPECT_TRUE(Tags("公司发布AI芯片").count("cluster:ai"));
  EXPECT_TRUE(Tags("上汽集团（SAIC）发布新车型").count("cluster:ai") == 0);
  EXPECT_TRUE(Tags("5G基站建设提速").count("cluster:network-communications"));
  EXPECT_EQ(Tags("光伏装机5GW").count("cluster:network-communications"), 0u);
  EXPECT_TRUE(Tags("推出ＥＶＴＯＬ样机").count("cluster:low-altitude"));  // full-width folded first
  EXPECT_TRUE(Tags("碳化硅SiC衬底").count("cluster:semiconductors"));
  EXPECT_TRUE(Tags("OLED面板出货").count("cluster:uhd-display"));
  EXPECT_EQ(Tags("SOLED公司").count("cluster:uhd-display"), 0u);
}

TEST_F(RealRules, NotAndExceptContextsSilenceAmbiguousKeywords) {
  EXPECT_TRUE(Tags("国产芯片产能提升").count("cluster:semiconductors"));
  EXPECT_EQ(Tags("为宠物芯片植入提供补贴").count("cluster:semiconductors"), 0u);
  EXPECT_EQ(Tags("公司表示不涉及芯片业务").count("cluster:semiconductors"), 0u);
  EXPECT_TRUE(Tags("新型储能电站并网").count("cluster:energy-storage"));
  EXPECT_EQ(Tags("加强技术储能和人才储能").count("cluster:energy-storage"), 0u);
  EXPECT_TRUE(Tags("深圳市南山区发布政策").count("region:shenzhen"));
  EXPECT_EQ(Tags("海口市龙华区发布政策").count("region:shenzhen"), 0u);
  EXPECT_EQ(Tags("北向资金通过深港通净买入").count("region:shenzhen"), 0u);
}

}  // namespace
}  // namespace newsflow::pipeline
