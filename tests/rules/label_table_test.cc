// Tests of the feed label table (SCHEMA.md, "Feed labels"): what the loader
// accepts and rejects, what lint reports, and how label evidence scores.
#include <gtest/gtest.h>

#include <map>

#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/lint.h"
#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {
namespace {

constexpr const char* kRules = R"(version: 1
rules:
  - tag: cluster:semiconductors
    any: [芯片]
    not: [薯片]
    provenance: [{seed: s.txt, clause: c}]
  - tag: cluster:ai
    any: [人工智能]
    alert: true
    provenance: [{seed: s.txt, clause: c}]
  - tag: cluster:robotics
    any: [机器人]
    min_score: 3
    provenance: [{seed: s.txt, clause: c}]
)";

constexpr const char* kLabels = R"(version: 1
labels:
  - field: ths.tagInfo
    name: 半导体
    tags: [cluster:semiconductors]
    reason: the concept is the industry
  - field: cls.subjects
    name: 存储芯片
    tags: [cluster:semiconductors]
    reason: memory chips are semiconductors
  - field: ths.tagInfo
    name: 算力概念
    tags: [cluster:ai]
    weight: 0.5
    reason: computing power is mostly AI infrastructure, but not only
  - field: cls.subjects
    name: 算力
    tags: [cluster:ai]
    weight: 0.5
    reason: as 算力概念
  - field: ths.tagInfo
    name: 机器人概念
    tags: [cluster:robotics]
    reason: robots
  - field: ths.tagInfo
    name: AI
    tags: [cluster:ai]
    reason: the concept AI
)";

Status ParseLabelFile(const std::string& yaml, RuleSet* set) { return ParseRuleFile(yaml, "labels.yaml", set); }

std::string Rejection(const std::string& entry) {
  RuleSet set;
  const Status s = ParseLabelFile("version: 1\nlabels:\n" + entry, &set);
  EXPECT_FALSE(s.ok()) << entry;
  return s.message();
}

TEST(LabelTable, ParsesEntries) {
  RuleSet set;
  ASSERT_TRUE(ParseLabelFile(kLabels, &set).ok());
  ASSERT_EQ(set.labels.size(), 6u);
  EXPECT_EQ(set.labels[0].field, "ths.tagInfo");
  EXPECT_EQ(set.labels[0].name, "半导体");
  EXPECT_EQ(set.labels[0].tags, std::vector<std::string>{"cluster:semiconductors"});
  EXPECT_DOUBLE_EQ(set.labels[0].weight, 1.0);
  EXPECT_DOUBLE_EQ(set.labels[2].weight, 0.5);
  EXPECT_EQ(set.labels[2].line, 11);
  EXPECT_TRUE(set.rules.empty());
}

TEST(LabelTable, RejectsBadEntriesWithFileAndLine) {
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: x, tags: [cluster:ai]}\n").find("no `reason`"),
            std::string::npos);
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: x, tags: [cluster:ai], reason: \" \"}\n").find("no `reason`"),
            std::string::npos);
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: x, tags: [], reason: r}\n").find("`tags`"), std::string::npos);
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: x, tags: [Cluster:AI], reason: r}\n").find("bad tag id"),
            std::string::npos);
  EXPECT_NE(Rejection("  - {field: tagInfo, name: x, tags: [cluster:ai], reason: r}\n").find("bad `field`"),
            std::string::npos);
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: \" \", tags: [cluster:ai], reason: r}\n").find("whitespace"),
            std::string::npos);
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: x, tags: [cluster:ai], reason: r, weight: .nan}\n")
                .find("finite"),
            std::string::npos);
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: x, tags: [cluster:ai], reason: r, weight: 0}\n").find("> 0"),
            std::string::npos);
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: x, tags: [cluster:ai], reason: r, color: red}\n")
                .find("unknown key `color`"),
            std::string::npos);
  EXPECT_NE(Rejection("  - {field: ths.tagInfo, name: x, tags: [cluster:ai, cluster:ai], reason: r}\n")
                .find("listed twice"),
            std::string::npos);
  const std::string dup = Rejection(
      "  - {field: ths.tagInfo, name: x, tags: [cluster:ai], reason: r}\n"
      "  - {field: ths.tagInfo, name: x, tags: [cluster:robotics], reason: r}\n");
  EXPECT_NE(dup.find("labels.yaml:4:"), std::string::npos) << dup;
  EXPECT_NE(dup.find("duplicate label (first at labels.yaml:3)"), std::string::npos) << dup;
  // The same name in another field is another label.
  RuleSet set;
  EXPECT_TRUE(ParseLabelFile("version: 1\nlabels:\n"
                    "  - {field: ths.tagInfo, name: x, tags: [cluster:ai], reason: r}\n"
                    "  - {field: cls.subjects, name: x, tags: [cluster:ai], reason: r}\n",
                    &set)
                  .ok());
}

TEST(LabelTable, DuplicatesAcrossFilesAreRejected) {
  RuleSet set;
  ASSERT_TRUE(ParseRuleFile(kLabels, "a.yaml", &set).ok());
  const Status s = ParseRuleFile("version: 1\nlabels:\n  - {field: ths.tagInfo, name: 半导体, tags: [cluster:ai], reason: r}\n",
                                 "b.yaml", &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("first at a.yaml:3"), std::string::npos) << s.message();
}

TEST(LabelTable, LintReportsTagsNoRuleDefines) {
  RuleSet set;
  ASSERT_TRUE(ParseLabelFile(kRules, &set).ok());
  ASSERT_TRUE(ParseLabelFile("version: 1\nlabels:\n  - {field: ths.tagInfo, name: 量子, tags: [cluster:quantum], reason: r}\n"
                    "  - {field: ths.tagInfo, name: 芯片, tags: [cluster:semiconductors], reason: r}\n",
                    &set)
                  .ok());
  size_t unknown = 0;
  for (const auto& f : Lint(set, "/nonexistent"))
    if (f.check == "unknown-tag") {
      ++unknown;
      EXPECT_EQ(f.keyword, "cluster:quantum");
      EXPECT_NE(f.message.find("labels.yaml:3"), std::string::npos) << f.message;
    }
  EXPECT_EQ(unknown, 1u);
}

class LabelEvidence : public ::testing::Test {
 protected:
  void SetUp() override {
    RuleSet set;
    ASSERT_TRUE(ParseLabelFile(kRules, &set).ok());
    ASSERT_TRUE(ParseLabelFile(kLabels, &set).ok());
    ASSERT_TRUE(CompiledRules::Compile(set, &rules_).ok());
    ASSERT_TRUE(rules_->NewScratch(&scratch_).ok());
  }
  // tag id -> (score, label indexes) for `text` (as body) with `labels`.
  std::map<std::string, std::pair<double, std::vector<uint32_t>>> Tag(const std::string& text,
                                                                      std::vector<DocLabel> labels) {
    std::vector<TagMatch> out;
    EXPECT_TRUE(rules_->Tag("\n" + text, 0, labels, scratch_.get(), &out).ok());
    std::map<std::string, std::pair<double, std::vector<uint32_t>>> m;
    for (size_t i = 0; i < out.size(); ++i) {
      if (i) {
        EXPECT_LT(out[i - 1].tag, out[i].tag) << "sorted, one entry per tag";
      }
      m[rules_->tags()[out[i].tag]] = {out[i].score, out[i].labels};
    }
    return m;
  }
  std::shared_ptr<const CompiledRules> rules_;
  std::unique_ptr<ScanScratch> scratch_;
};

TEST_F(LabelEvidence, ALabelOfWeightOneAppliesItsTagAlone) {
  auto m = Tag("美股收盘", {{"ths.tagInfo", "伊朗"}, {"ths.tagInfo", "半导体"}});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_DOUBLE_EQ(m["cluster:semiconductors"].first, 1.0);
  EXPECT_EQ(m["cluster:semiconductors"].second, std::vector<uint32_t>{1});
}

TEST_F(LabelEvidence, NamesMatchExactlyAndInTheirOwnField) {
  EXPECT_TRUE(Tag("x", {{"cls.subjects", "半导体"}}).empty()) << "the entry is for ths.tagInfo";
  EXPECT_TRUE(Tag("x", {{"ths.tagInfo", "半导体设备"}}).empty()) << "exact names, not substrings";
}

TEST_F(LabelEvidence, WeakLabelsNeverApplyATagAlone) {
  EXPECT_TRUE(Tag("x", {{"ths.tagInfo", "算力概念"}}).empty()) << "0.5 < 1.0";
  EXPECT_TRUE(Tag("x", {{"ths.tagInfo", "算力概念"}, {"cls.subjects", "算力"}}).empty())
      << "two weak labels sum to 1.0 but neither means the tag by itself";
  // They add to a tag that applies otherwise; a repeated name counts once.
  auto m = Tag("人工智能", {{"ths.tagInfo", "算力概念"}, {"cls.subjects", "算力"}, {"ths.tagInfo", "算力概念"}});
  ASSERT_EQ(m.count("cluster:ai"), 1u);
  EXPECT_DOUBLE_EQ(m["cluster:ai"].first, 2.0);
  EXPECT_EQ(m["cluster:ai"].second, (std::vector<uint32_t>{0, 1}));
}

TEST_F(LabelEvidence, LabelsAddToTheKeywordScore) {
  auto m = Tag("人工智能", {{"ths.tagInfo", "算力概念"}});
  EXPECT_DOUBLE_EQ(m["cluster:ai"].first, 1.5);
  EXPECT_EQ(m["cluster:ai"].second, std::vector<uint32_t>{0});
  // Below a rule's min_score the keyword alone does not fire; labels alone
  // apply at 1.0 whatever the rule's threshold.
  EXPECT_TRUE(Tag("机器人", {}).empty());
  EXPECT_DOUBLE_EQ(Tag("机器人", {{"ths.tagInfo", "机器人概念"}})["cluster:robotics"].first, 1.0);
}

TEST_F(LabelEvidence, ANotKeywordOfTheTagVetoesTheLabel) {
  EXPECT_TRUE(Tag("薯片销量", {{"ths.tagInfo", "半导体"}}).empty());
}

TEST_F(LabelEvidence, ALabelOnlyTagDoesNotAlert) {
  std::vector<TagMatch> out;
  std::vector<DocLabel> labels = {{"ths.tagInfo", "AI"}, {"cls.subjects", "算力"}};
  ASSERT_TRUE(rules_->Tag("\nx", 0, labels, scratch_.get(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(rules_->tags()[out[0].tag], "cluster:ai");
  EXPECT_FALSE(out[0].alert) << "cluster:ai's rule alerts, but no rule fired";
  EXPECT_TRUE(out[0].spans.empty());
  EXPECT_DOUBLE_EQ(out[0].label_score, 1.5);
  EXPECT_EQ(out[0].labels, (std::vector<uint32_t>{0, 1}));
  // With a keyword the rule fires and alerts.
  out.clear();
  ASSERT_TRUE(rules_->Tag("\n人工智能", 0, labels, scratch_.get(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].alert);
}

TEST_F(LabelEvidence, KeywordTagsAndLabelTagsMergeSorted) {
  auto m = Tag("芯片", {{"ths.tagInfo", "机器人概念"}, {"ths.tagInfo", "算力概念"}, {"ths.tagInfo", "AI"},
                        {"cls.subjects", "存储芯片"}});
  ASSERT_EQ(m.size(), 3u);
  EXPECT_DOUBLE_EQ(m["cluster:semiconductors"].first, 2.0);  // keyword 1.0 + label 1.0
  EXPECT_EQ(m["cluster:semiconductors"].second, std::vector<uint32_t>{3});
  EXPECT_DOUBLE_EQ(m["cluster:robotics"].first, 1.0);
  EXPECT_DOUBLE_EQ(m["cluster:ai"].first, 1.5);
}

TEST_F(LabelEvidence, FindLabelReturnsTheEntry) {
  const LabelEntry* e = rules_->FindLabel({"cls.subjects", "存储芯片"});
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->reason, "memory chips are semiconductors");
  EXPECT_EQ(rules_->FindLabel({"cls.subjects", "nothing"}), nullptr);
}

}  // namespace
}  // namespace newsflow::rules
