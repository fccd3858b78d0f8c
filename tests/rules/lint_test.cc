// Tests of `rules lint` (lint.h) on small rule sets: which checks report
// what, and how the allow file is read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "newsflow/rules/lint.h"
#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {
namespace {

// One rule of tag cluster:ai with `lists` (YAML lines of the rule, each
// indented by 4), parsed as r.yaml; the rule starts at line 3.
RuleSet OneRule(const std::string& lists) {
  RuleSet set;
  const Status s = ParseRuleFile(
      "version: 1\nrules:\n  - tag: cluster:ai\n    provenance: [{seed: s.txt, clause: c}]\n" + lists, "r.yaml", &set);
  EXPECT_TRUE(s.ok()) << s.message();
  return set;
}

std::vector<LintFinding> FindingsOf(const RuleSet& set, const std::string& check) {
  std::vector<LintFinding> out;
  for (const LintFinding& f : Lint(set, "/nonexistent"))
    if (f.check == check) out.push_back(f);
  return out;
}

// yaml-cpp's LoadFile read only the allow file's first document: entries
// after a `---` never explained anything and were never checked.
TEST(Lint, AnAllowFileWithASecondDocumentIsAnErrorAtItsLine) {
  const std::string file = ::testing::TempDir() + "/lint-allow-two-documents.yaml";
  std::ofstream(file) << "- {check: duplicate, keyword: 芯片, why: a}\n---\n- {check: duplicate, keyword: 晶圆, why: b}\n";
  std::vector<LintFinding> findings;
  const Status s = ApplyLintAllowList(file, &findings);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(file + ":2:", 0), 0u) << s.message();
  std::filesystem::remove(file);
}

// 'OpenAI ' ends with a space, not with ASCII punctuation: the space is
// itself a boundary. It is reported as what it is, a keyword that only
// matches where a document has a space at that end.
TEST(Lint, AKeywordWithASpaceAtAnEndIsReportedAsSuchNotAsNoBoundary) {
  const RuleSet set = OneRule("    any: ['OpenAI ', ' 5G', 'C++']\n");
  const auto spaced = FindingsOf(set, "edge-space");
  ASSERT_EQ(spaced.size(), 2u);
  EXPECT_EQ(spaced[0].keyword, "OpenAI ");
  EXPECT_EQ(spaced[0].message.rfind("r.yaml:5:", 0), 0u) << spaced[0].message;
  EXPECT_EQ(spaced[1].keyword, " 5G");
  const auto unbounded = FindingsOf(set, "no-boundary");
  ASSERT_EQ(unbounded.size(), 1u);
  EXPECT_EQ(unbounded[0].keyword, "C++");
}

// A one-character keyword (的 tagged 52.6% of cls items) passed check and
// lint, and so the reload gate: it is reported; two characters are not.
TEST(Lint, AOneCharacterKeywordIsReportedAsTooBroad) {
  const RuleSet set = OneRule("    any: [的, ' A', 芯片, AI]\n    all: [[晶], [光刻]]\n");
  const auto broad = FindingsOf(set, "too-broad");
  ASSERT_EQ(broad.size(), 3u);
  EXPECT_EQ(broad[0].keyword, "的");
  EXPECT_EQ(broad[0].message.rfind("r.yaml:5:", 0), 0u) << broad[0].message;
  EXPECT_EQ(broad[1].keyword, " A");
  EXPECT_EQ(broad[2].keyword, "晶");
}

// A list item indented under the one before is folded by YAML into it: one
// keyword "测试词甲 - 测试词乙" that matches nothing, accepted by check.
TEST(Lint, AListItemFoldedIntoTheOneBeforeIsReported) {
  const RuleSet set = OneRule("    any:\n    - 测试词甲\n      - 测试词乙\n    - 芯片\n");
  const auto folded = FindingsOf(set, "folded-list");
  ASSERT_EQ(folded.size(), 1u);
  EXPECT_EQ(folded[0].keyword, "测试词甲 - 测试词乙");
}

// A missing comma at a line break in a [...] list, or a block item's name
// continued on the next line: YAML joins the two lines with a space into one
// keyword ("集成电路 光刻机") that matches nothing; check accepted it.
TEST(Lint, TwoKeywordsJoinedAtALineBreakAreReported) {
  for (const std::string& lists : {std::string("    any: [芯片, 晶圆, 集成电路\n          光刻机, EDA]\n"),
                                   std::string("    any:\n      - 医药\n        生物医药\n      - 芯片\n")}) {
    const RuleSet set = OneRule(lists);
    const auto folded = FindingsOf(set, "folded-list");
    ASSERT_EQ(folded.size(), 1u) << lists;
    EXPECT_TRUE(folded[0].keyword == "集成电路 光刻机" || folded[0].keyword == "医药 生物医药") << folded[0].keyword;
  }
  // A space beside ASCII is a real spacing (NOR Flash, 英伟达 H20): not reported.
  EXPECT_TRUE(FindingsOf(OneRule("    any: [NOR Flash, 英伟达 H20, 芯片]\n"), "folded-list").empty());
  // In `not` and `except` too: a folded veto never vetoes.
  const auto in_not = FindingsOf(OneRule("    any: [芯片]\n    not: [不涉及芯片\n          未涉及芯片]\n"), "folded-list");
  ASSERT_EQ(in_not.size(), 1u);
  EXPECT_EQ(in_not[0].keyword, "不涉及芯片 未涉及芯片");
}

// A positive keyword that is also a `not` keyword vetoes the rule whenever
// it hits; one that is also an `except` phrase never counts. A rule whose
// positive keywords all do so can never fire.
TEST(Lint, KeywordsThatCanNeverCountAndRulesThatCanNeverFireAreReported) {
  for (const std::string& lists : {std::string("    any: [光刻机]\n    except: [光刻机]\n"),
                                   std::string("    any: [AI]\n    not: [ai]\n"),
                                   std::string("    all: [[芯片], [AI]]\n    not: [AI]\n")}) {
    const RuleSet set = OneRule(lists);
    const auto never = FindingsOf(set, "never-fires");
    ASSERT_EQ(never.size(), 1u) << lists;
    EXPECT_EQ(never[0].keyword, "cluster:ai");
    EXPECT_EQ(never[0].message.rfind("r.yaml:3:", 0), 0u) << never[0].message;
  }
  const RuleSet some = OneRule("    any: [光刻机, 芯片]\n    not: [光刻机]\n");
  EXPECT_TRUE(FindingsOf(some, "never-fires").empty());
  const auto dead = FindingsOf(some, "never-counts");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].keyword, "光刻机");
  EXPECT_EQ(dead[0].message.rfind("r.yaml:5:", 0), 0u) << dead[0].message;
  // A longer `except` phrase only silences the hits inside it.
  const RuleSet phrase = OneRule("    any: [芯片]\n    except: [芯片级服务]\n");
  EXPECT_TRUE(FindingsOf(phrase, "never-fires").empty());
  EXPECT_TRUE(FindingsOf(phrase, "never-counts").empty());
}

// An `except` phrase hides only the hits of keywords inside it: one around
// a neighbouring word, or left behind by a dropped keyword, hides nothing.
// Any rule of the tag counts (they share their except phrases), and ASCII
// keywords count only on word boundaries inside the phrase.
TEST(Lint, AnExceptPhraseThatHoldsNoKeywordOfItsTagIsReported) {
  const RuleSet set = OneRule("    any: [炼油, AI]\n    except: [打击俄, 打击俄大型炼油, AIGC工具, 用AI编造]\n");
  const auto dead = FindingsOf(set, "dead-except");
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].keyword, "打击俄");
  EXPECT_EQ(dead[1].keyword, "AIGC工具");  // AI inside AIGC is no hit: the keyword needs a word boundary
  EXPECT_EQ(dead[0].message.rfind("r.yaml:6:", 0), 0u) << dead[0].message;
  RuleSet two;
  ASSERT_TRUE(ParseRuleFile("version: 1\nrules:\n"
                            "  - tag: cluster:ai\n    provenance: [{seed: s.txt, clause: c}]\n    any: [芯片]\n"
                            "    except: [芯片级, 光刻机厂]\n"
                            "  - tag: cluster:ai\n    provenance: [{seed: s.txt, clause: c}]\n    any: [光刻机]\n"
                            "    except: [芯片级, 光刻机厂]\n",
                            "two.yaml", &two)
                  .ok());
  EXPECT_TRUE(FindingsOf(two, "dead-except").empty()) << "each phrase holds a keyword of one of the tag's rules";
  const RuleSet regex = OneRule("    any: [炼油]\n    regex: ['炼[油化]']\n    except: [打击俄]\n");
  EXPECT_TRUE(FindingsOf(regex, "dead-except").empty());
}

// A regex is matched against normalized text as written (a literal gets its
// simplified spelling added, a regex cannot): where the spelling changes
// it, it holds characters no document has. Without a spelling nothing is
// said (the rules library knows no conversion of its own).
TEST(Lint, ARegexTheSpellingChangesIsReported) {
  const RuleSet set = OneRule("    any: [圓片]\n    regex: ['晶[圆圓]', '晶[圆]']\n");
  const KeywordSpelling spelling = [](const std::string& k) {
    std::string out = k;
    for (size_t at; (at = out.find("圓")) != std::string::npos;) out.replace(at, 3, "圆");
    return out;
  };
  std::vector<LintFinding> found;
  for (const LintFinding& f : Lint(set, "/nonexistent", spelling))
    if (f.check == "traditional-regex") found.push_back(f);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].keyword, "晶[圆圓]");
  EXPECT_EQ(found[0].message.rfind("r.yaml:6:", 0), 0u) << found[0].message;
  EXPECT_TRUE(FindingsOf(set, "traditional-regex").empty());
}

// The spelling (the normalizer's) also folds full-width characters, which a
// class may hold ('[，,]芯片' is allowed: SCHEMA.md): only a changed ideograph
// is a traditional one. A full-width part an alternation kept from being a
// load error ('芯片|（测试）') is a dead alternative: folded-regex.
TEST(Lint, OnlyATraditionalIdeographIsTraditionalAndADeadFullWidthAlternativeIsFolded) {
  const RuleSet set = OneRule(
      "    any: [芯片]\n    regex: ['[，,]芯片', '[ＡA]I芯片', '芯片|（测试）', '(GPT|ChatGPT) [0-9]', '(芯片|晶圆)  ?制造']\n");
  const KeywordSpelling fold = [](const std::string& k) {  // as the normalizer: full-width folded
    std::string out = k;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"，", ","}, {"Ａ", "A"}, {"（", "("}, {"）", ")"}})
      for (size_t at; (at = out.find(from)) != std::string::npos;) out.replace(at, from.size(), to);
    return out;
  };
  std::vector<std::string> traditional, folded;
  for (const LintFinding& f : Lint(set, "/nonexistent", fold)) {
    if (f.check == "traditional-regex") traditional.push_back(f.keyword);
    if (f.check == "folded-regex") folded.push_back(f.keyword);
  }
  EXPECT_TRUE(traditional.empty()) << traditional[0];
  EXPECT_EQ(folded, std::vector<std::string>{"芯片|（测试）"});
}

// Rules that pass check and load but cannot do what they say: a min_score
// no hit can reach (芯片 scores at most 2 in a title plus 1 for repeats), a
// regex with no operator that is also the rule's keyword (one mention
// scored 2), a keyword written as a regex (matched as written: never hits).
TEST(Lint, AnUnreachableMinScoreARegexThatIsAKeywordAndAKeywordWrittenAsARegexAreReported) {
  const RuleSet unreachable = OneRule("    any: [芯片]\n    min_score: 5\n");
  const auto never = FindingsOf(unreachable, "never-fires");
  ASSERT_EQ(never.size(), 1u);
  EXPECT_NE(never[0].message.find("min_score 5 is above the most its 1 keyword(s) can score (3"), std::string::npos)
      << never[0].message;
  EXPECT_TRUE(FindingsOf(OneRule("    any: [芯片, 晶圆]\n    min_score: 5\n"), "never-fires").empty());  // 2 x 3 = 6
  EXPECT_TRUE(FindingsOf(OneRule("    any: [芯片]\n    min_score: 3\n"), "never-fires").empty());
  // AI and {kw: AI, case: true} are two patterns, each scoring (4 in a title).
  EXPECT_TRUE(FindingsOf(OneRule("    any: [{kw: AI, case: true}]\n    all: [[AI]]\n    min_score: 4\n"), "never-fires")
                  .empty());

  const auto twice = FindingsOf(OneRule("    any: [AI, 芯片]\n    regex: ['ai', 'AI[0-9]']\n"), "counts-twice");
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_EQ(twice[0].keyword, "ai");

  const auto written = FindingsOf(
      OneRule("    any: ['第[三3]代半导体', '[公告]', 'AI.*芯片', '(光刻|刻蚀)机', '数据\\d+']\n    regex: ['第[三3]代']\n"),
      "literal-regex");
  std::vector<std::string> keywords;
  for (const auto& f : written) keywords.push_back(f.keyword);
  EXPECT_EQ(keywords, (std::vector<std::string>{"第[三3]代半导体", "AI.*芯片", "(光刻|刻蚀)机", "数据\\d+"}));
}

}  // namespace
}  // namespace newsflow::rules
