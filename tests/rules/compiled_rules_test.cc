// Tests of the rule compiler, the Hyperscan matcher and rule evaluation on
// small inline rule sets whose behaviour follows from rules/SCHEMA.md.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>

#include "newsflow/rules/compiled_rules.h"

namespace newsflow::rules {
namespace {

// The loader requires provenance; these tests are about matching, so every
// rule gets the same citation on the line after its `- tag:`.
std::string WithProvenance(const std::string& yaml) {
  std::string out;
  size_t pos = 0;
  while (pos < yaml.size()) {
    const size_t eol = std::min(yaml.find('\n', pos), yaml.size());
    out.append(yaml, pos, eol - pos + 1);
    if (yaml.compare(pos, 8, "  - tag:") == 0) out += "    provenance: [{seed: s.txt, clause: c}]\n";
    pos = eol + 1;
  }
  return out;
}

std::shared_ptr<const CompiledRules> CompileYaml(const std::string& yaml) {
  RuleSet set;
  Status s = ParseRuleFile(WithProvenance(yaml), "inline.yaml", &set);
  EXPECT_TRUE(s.ok()) << s.message();
  std::shared_ptr<const CompiledRules> c;
  s = CompiledRules::Compile(set, &c);
  EXPECT_TRUE(s.ok()) << s.message();
  return c;
}

// Tags (ids) that apply to title '\n' body.
std::vector<std::string> TagsOf(const CompiledRules& c, const std::string& title, const std::string& body,
                                std::vector<TagMatch>* matches = nullptr) {
  std::unique_ptr<ScanScratch> scratch;
  EXPECT_TRUE(c.NewScratch(&scratch).ok());
  std::vector<TagMatch> out;
  const std::string text = title + "\n" + body;
  EXPECT_TRUE(c.Tag(text, static_cast<uint32_t>(title.size()), scratch.get(), &out).ok());
  std::vector<std::string> tags;
  for (const auto& m : out) tags.push_back(c.tags()[m.tag]);
  if (matches) *matches = out;
  return tags;
}

using Tags = std::vector<std::string>;

const char* kAiRules = R"(version: 1
rules:
  - tag: cluster:ai
    any: [AI, 人工智能, 大模型, AIGC]
  - tag: cluster:nev-icv
    any: [新能源汽车, {kw: SAIC, case: true}]
)";

// Tag ids are indexes into tags(), sorted and unique; Compile sorts tags by
// their first 16 bytes and compares whole tags only where those agree. Tags
// sharing 16 bytes or more, tags that are prefixes of others, a tag given by
// two rules: each rule still tags with its own tag.
TEST(CompiledRules, TagsAreSortedAndEachRuleKeepsItsTagWhateverTheyShare) {
  const std::vector<std::string> tags = {
      "project:abcdefghij-10", "project:abcdefghij-2",  "project:abcdefghij-1", "project:abc",
      "project:abcdefghijklmnopq", "project:abcdefghijklmnop", "project:abcdefghijklmnopqrst-1",
      "project:abcdefghijklmnopqrst-0", "cluster:ai", "project:abcdefghij-2", "project:ab"};
  RuleSet set;
  for (size_t i = 0; i < tags.size(); ++i) {
    Rule r;
    r.tag = tags[i];
    r.any.push_back({"kw" + std::to_string(i) + "x", false, false, static_cast<int>(i + 1)});
    r.provenance.push_back({"s.txt", "c"});
    set.rules.push_back(std::move(r));
  }
  std::shared_ptr<const CompiledRules> c;
  ASSERT_TRUE(CompiledRules::Compile(set, &c).ok());
  std::vector<std::string> want = tags;
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  EXPECT_EQ(c->tags(), want);
  for (size_t i = 0; i < tags.size(); ++i)
    EXPECT_EQ(TagsOf(*c, "", "kw" + std::to_string(i) + "x"), Tags{tags[i]}) << "rule " << i;
}

TEST(CompiledRules, AsciiKeywordsMatchOnWordBoundariesOnly) {
  auto c = CompileYaml(kAiRules);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->literal_api());
  EXPECT_EQ(TagsOf(*c, "", "SAIC Motor sales rose"), Tags{"cluster:nev-icv"});
  EXPECT_EQ(TagsOf(*c, "", "发展AI芯片"), Tags{"cluster:ai"});
  EXPECT_EQ(TagsOf(*c, "", "AI"), Tags{"cluster:ai"});
  EXPECT_EQ(TagsOf(*c, "", "ai应用"), Tags{"cluster:ai"});       // caseless by default
  EXPECT_EQ(TagsOf(*c, "", "MAIN street, CHAIR"), Tags{});      // inside words
  EXPECT_EQ(TagsOf(*c, "", "AI2 and 2AI"), Tags{});             // digits are word characters
  EXPECT_EQ(TagsOf(*c, "", "AIGC工具"), Tags{"cluster:ai"});     // via the AIGC keyword
  EXPECT_EQ(TagsOf(*c, "", "saic motor"), Tags{});              // case: true
}

TEST(CompiledRules, CjkKeywordsMatchAsSubstrings) {
  auto c = CompileYaml(kAiRules);
  EXPECT_EQ(TagsOf(*c, "", "国产人工智能大模型发布"), Tags{"cluster:ai"});
  EXPECT_EQ(TagsOf(*c, "", "比亚迪新能源汽车销量"), Tags{"cluster:nev-icv"});
}

TEST(CompiledRules, TitleHitsWeighMoreAndRepeatsAddLess) {
  auto c = CompileYaml(kAiRules);
  std::vector<TagMatch> m;
  TagsOf(*c, "人工智能", "无关", &m);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_DOUBLE_EQ(m[0].score, 2.0);  // default title_weight
  TagsOf(*c, "", "人工智能", &m);
  EXPECT_DOUBLE_EQ(m[0].score, 1.0);
  TagsOf(*c, "", "人工智能 人工智能 人工智能", &m);
  EXPECT_DOUBLE_EQ(m[0].score, 1.5);  // one keyword, two repeats
  TagsOf(*c, "", "人工智能与大模型", &m);
  EXPECT_DOUBLE_EQ(m[0].score, 2.0);  // two distinct keywords
  TagsOf(*c, "", "AI AI AI AI AI AI AI AI AI AI", &m);
  EXPECT_DOUBLE_EQ(m[0].score, 2.0);  // repeats capped at +1.0
}

TEST(CompiledRules, SpansPointAtTheMatchedBytes) {
  auto c = CompileYaml(kAiRules);
  std::vector<TagMatch> m;
  const std::string title = "关于AI", body = "发展人工智能";
  TagsOf(*c, title, body, &m);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].spans.size(), 2u);
  const std::string text = title + "\n" + body;
  EXPECT_EQ(text.substr(m[0].spans[0].begin, m[0].spans[0].end - m[0].spans[0].begin), "AI");
  EXPECT_EQ(text.substr(m[0].spans[1].begin, m[0].spans[1].end - m[0].spans[1].begin), "人工智能");
}

TEST(CompiledRules, AllGroupsNotVetoAndExceptPhrases) {
  auto c = CompileYaml(R"(version: 1
rules:
  - tag: theme:data-elements
    all:
      - [数据]
      - [交易所, 交易]
  - tag: cluster:semiconductors
    any: [芯片]
    not: [猫粮, 宠物]
  - tag: cluster:energy-storage
    any: [储能]
    except: [储能量]
    min_score: 1.0
)");
  EXPECT_EQ(TagsOf(*c, "", "数据交易所揭牌"), Tags{"theme:data-elements"});
  EXPECT_EQ(TagsOf(*c, "", "数据中心"), Tags{});                  // second group missing
  EXPECT_EQ(TagsOf(*c, "", "芯片产能"), Tags{"cluster:semiconductors"});
  EXPECT_EQ(TagsOf(*c, "", "宠物芯片植入"), Tags{});               // vetoed
  EXPECT_EQ(TagsOf(*c, "", "电池储能量提升"), Tags{});             // only inside an except phrase
  EXPECT_EQ(TagsOf(*c, "", "储能量与储能电站"), Tags{"cluster:energy-storage"});
}

TEST(CompiledRules, MinScoreAndBestRulePerTag) {
  auto c = CompileYaml(R"(version: 1
rules:
  - tag: region:shenzhen
    any: [南山]
    min_score: 2.0
  - tag: region:shenzhen
    any: [深圳]
    alert: true
)");
  EXPECT_EQ(TagsOf(*c, "", "南山"), Tags{});                       // 1.0 < 2.0
  EXPECT_EQ(TagsOf(*c, "南山", ""), Tags{"region:shenzhen"});      // title hit reaches 2.0
  std::vector<TagMatch> m;
  EXPECT_EQ(TagsOf(*c, "", "深圳南山区", &m), Tags{"region:shenzhen"});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].alert);
}

TEST(CompiledRules, RegexRulesUseTheRegexApiAndReportStarts) {
  auto c = CompileYaml(R"(version: 1
rules:
  - tag: cluster:semiconductors
    regex: ['第[三3]代半导体']
    any: [SiC]
)");
  EXPECT_FALSE(c->literal_api());
  std::vector<TagMatch> m;
  const std::string body = "发展第3代半导体和SiC";
  EXPECT_EQ(TagsOf(*c, "", body, &m), Tags{"cluster:semiconductors"});
  ASSERT_EQ(m[0].spans.size(), 2u);
  const std::string text = "\n" + body;
  EXPECT_EQ(text.substr(m[0].spans[0].begin, m[0].spans[0].end - m[0].spans[0].begin), "第3代半导体");
  EXPECT_EQ(TagsOf(*c, "", "XSiC"), Tags{});  // boundaries hold in regex mode too
}

TEST(CompiledRules, BadRegexNamesFileLineAndRule) {
  RuleSet set;
  ASSERT_TRUE(ParseRuleFile(WithProvenance("version: 1\nrules:\n  - tag: cluster:ai\n    regex: ['(unclosed']\n"),
                            "bad.yaml", &set)
                  .ok());
  std::shared_ptr<const CompiledRules> c;
  Status s = CompiledRules::Compile(set, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad.yaml:5"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("cluster:ai"), std::string::npos) << s.message();
}

// (a|b|c|d){1000}x{5000} takes Hyperscan about a minute to compile; the budget
// rejects it in about a second, names the rule that was compiling (the
// second one: the first regex compiled in time) and leaves no child behind.
TEST(CompiledRules, RegexOverTheCompileBudgetIsRejected) {
  RuleSet set;
  ASSERT_TRUE(ParseRuleFile(WithProvenance(R"(version: 1
rules:
  - tag: cluster:semiconductors
    regex: ['第[三3]代半导体']
  - tag: cluster:ai
    any: [AI]
    regex: ['(a|b|c|d){1000}x{5000}']
)"),
                            "slow.yaml", &set)
                  .ok());
  CompileOptions opts;
  opts.regex_compile_budget = std::chrono::milliseconds(1000);
  std::shared_ptr<const CompiledRules> c;
  const auto start = std::chrono::steady_clock::now();
  Status s = CompiledRules::Compile(set, EvaluateOptions(), opts, &c);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_FALSE(c);
  EXPECT_NE(s.message().find("slow.yaml:9: rule 'cluster:ai': pattern '(a|b|c|d){1000}x{5000}'"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("did not compile within 1 s"), std::string::npos) << s.message();
  EXPECT_LT(took, std::chrono::seconds(10));
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);  // no child, not even a zombie
  EXPECT_EQ(errno, ECHILD);
}

TEST(CompiledRules, RegexesWithinTheBudgetAndLiteralSetsCompile) {
  RuleSet set;
  ASSERT_TRUE(ParseRuleFile(WithProvenance("version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI]\n"), "lit.yaml",
                            &set)
                  .ok());
  CompileOptions tiny;
  tiny.regex_compile_budget = std::chrono::milliseconds(1);  // literal sets never trial-compile
  std::shared_ptr<const CompiledRules> c;
  ASSERT_TRUE(CompiledRules::Compile(set, EvaluateOptions(), tiny, &c).ok());
  EXPECT_TRUE(c->literal_api());

  set = RuleSet();
  ASSERT_TRUE(ParseRuleFile(WithProvenance("version: 1\nrules:\n  - tag: cluster:ai\n    regex: ['人工智能[+＋]']\n"),
                            "re.yaml", &set)
                  .ok());
  CompileOptions one_second;
  one_second.regex_compile_budget = std::chrono::milliseconds(1000);
  Status s = CompiledRules::Compile(set, EvaluateOptions(), one_second, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(TagsOf(*c, "", "人工智能+制造"), Tags{"cluster:ai"});
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(CompiledRules, AKeywordInSeveralListsOfARuleCountsOnce) {
  auto c = CompileYaml(R"(version: 1
rules:
  - tag: theme:data-elements
    any: [数据交易所]
    all:
      - [数据交易所, 数据要素]
      - [数据交易所]
)");
  std::vector<TagMatch> m;
  EXPECT_EQ(TagsOf(*c, "", "数据交易所揭牌", &m), Tags{"theme:data-elements"});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_DOUBLE_EQ(m[0].score, 1.0);  // one distinct keyword, one hit
  EXPECT_EQ(m[0].spans.size(), 1u);
}

TEST(CompiledRules, ScratchIsReusableAcrossDocuments) {
  auto c = CompileYaml(kAiRules);
  std::unique_ptr<ScanScratch> scratch;
  ASSERT_TRUE(c->NewScratch(&scratch).ok());
  std::vector<TagMatch> out;
  ASSERT_TRUE(c->Tag("\n人工智能", 0, scratch.get(), &out).ok());
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  ASSERT_TRUE(c->Tag("\n天气晴朗", 0, scratch.get(), &out).ok());
  EXPECT_TRUE(out.empty());  // bits from the previous document are cleared
  EXPECT_TRUE(scratch->matches().hits.empty());
}

// A keyword Hyperscan refuses for its length is named by its start, its
// rule and its size: the message does not echo 70,000 bytes.
TEST(CompiledRules, AnOverlongKeywordIsNamedNotEchoed) {
  RuleSet set;
  const std::string kw(70000, 'a');
  ASSERT_TRUE(ParseRuleFile(WithProvenance("version: 1\nrules:\n  - tag: cluster:ai\n    any: [" + kw + "b]\n"),
                            "long.yaml", &set)
                  .ok());
  std::shared_ptr<const CompiledRules> c;
  const Status s = CompiledRules::Compile(set, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(s.message().size(), 400u) << s.message().substr(0, 400);
  EXPECT_NE(s.message().find("long.yaml:5: rule 'cluster:ai'"), std::string::npos) << s.message().substr(0, 400);
  EXPECT_NE(s.message().find("70001 bytes"), std::string::npos) << s.message().substr(0, 400);
}

// Hyperscan 5.4's pure-literal API builds databases whose scan fails
// (HS_UNKNOWN_ERROR) for a keyword that ends in a long run of one byte after
// a head of 3+ bytes, beside another keyword. The fuzzer's two reproducers
// (fuzz/regressions/fuzz_rule_loader/) must compile and scan cleanly, and
// the keyword must still be found. The second one's run is of a control
// byte, which the loader now refuses (normalized text has none): its rule
// is built here as the loader built it when the fuzzer found it.
TEST(CompiledRules, LongRunLiteralsScanWithoutHyperscanError) {
  for (const char* name : {"hyperscan-scan-unknown-error.yaml", "hyperscan-scan-unknown-error-ctrl.yaml"}) {
    SCOPED_TRACE(name);
    const std::string path = std::string(NEWSFLOW_SOURCE_DIR) + "/fuzz/regressions/fuzz_rule_loader/" + name;
    FILE* f = std::fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr) << path;
    std::string yaml;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) yaml.append(buf, n);
    std::fclose(f);
    RuleSet set;
    if (std::string(name).find("-ctrl") == std::string::npos) {
      ASSERT_TRUE(ParseRuleFile(yaml, name, &set).ok());
    } else {
      const Status refused = ParseRuleFile(yaml, name, &set);
      EXPECT_NE(refused.message().find("can never match"), std::string::npos) << refused.message();
      const size_t at = yaml.find("- ", yaml.find("any:")) + 2;
      Rule r;
      r.tag = "cluster:ai";
      r.file = name;
      r.any = {{yaml.substr(at, yaml.find('\n', at) - at)}, {"s"}};
      r.provenance = {{"000_1fa3d0f570f714d3.txt", "x"}};
      set = RuleSet{};
      set.rules.push_back(r);
    }
    std::shared_ptr<const CompiledRules> c;
    ASSERT_TRUE(CompiledRules::Compile(set, &c).ok());
    std::unique_ptr<ScanScratch> scratch;
    ASSERT_TRUE(c->NewScratch(&scratch).ok());
    std::vector<TagMatch> out;
    EXPECT_TRUE(c->Tag(yaml, static_cast<uint32_t>(yaml.size() / 2), scratch.get(), &out).ok());
    // The long keyword itself, alone, as the document: found.
    std::string keyword;
    for (const Pattern& p : c->patterns())
      if (p.text.size() > keyword.size()) keyword = p.text;
    out.clear();
    ASSERT_TRUE(c->Tag("\n" + keyword, 0, scratch.get(), &out).ok());
    ASSERT_EQ(out.size(), 1u);
  }
  // The class beyond the two files: heads of 3..6 bytes, runs of 16..80.
  for (size_t head = 3; head <= 6; ++head)
    for (size_t run = 16; run <= 80; run += 8) {
      const std::string kw = std::string("qwerty").substr(0, head) + std::string(run, 'x');
      auto c = CompileYaml("version: 1\nrules:\n  - tag: cluster:ai\n    any: [" + kw + ", s]\n");
      ASSERT_TRUE(c);
      EXPECT_EQ(TagsOf(*c, "", "zz " + kw + " zz"), Tags{"cluster:ai"}) << kw;
    }
}

}  // namespace
}  // namespace newsflow::rules
