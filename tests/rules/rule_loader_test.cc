// Tests of rule file parsing: errors name file, line and rule.
#include <gtest/gtest.h>

#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {
namespace {

Status Parse(const std::string& yaml, RuleSet* set) { return ParseRuleFile(yaml, "r.yaml", set); }

TEST(RuleLoader, ParsesEveryKey) {
  RuleSet set;
  Status s = Parse(R"(version: 1
rules:
  - tag: cluster:semiconductors
    name: 半导体
    any: [芯片, {kw: SiC, case: true}]
    all: [[晶圆, 封测]]
    not: [薯片]
    except: [芯片级]
    regex: ['第三代半导体']
    title_weight: 3
    min_score: 1.5
    alert: true
    provenance:
      - seed: 000_1fa3d0f570f714d3.txt
        clause: 加快培育半导体与集成电路产业
)", &set);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(set.rules.size(), 1u);
  const Rule& r = set.rules[0];
  EXPECT_EQ(r.tag, "cluster:semiconductors");
  ASSERT_EQ(r.any.size(), 3u);  // two keywords + the regex
  EXPECT_TRUE(r.any[1].case_sensitive);
  EXPECT_TRUE(r.any[2].regex);
  ASSERT_EQ(r.all.size(), 1u);
  EXPECT_EQ(r.all[0].size(), 2u);
  EXPECT_EQ(r.veto[0].text, "薯片");
  EXPECT_EQ(r.except[0].text, "芯片级");
  EXPECT_DOUBLE_EQ(r.title_weight, 3);
  EXPECT_DOUBLE_EQ(r.min_score, 1.5);
  EXPECT_TRUE(r.alert);
  EXPECT_EQ(r.provenance[0].clause, "加快培育半导体与集成电路产业");
  EXPECT_EQ(r.line, 3);
}

struct BadCase {
  const char* yaml;
  const char* expect;  // substring of the message
};

TEST(RuleLoader, ErrorsNameFileLineAndRule) {
  const BadCase cases[] = {
      {"version: 1\nrules:\n  - tag: cluster:ai\n    anyy: [AI]\n", "r.yaml:4: rule 'cluster:ai': unknown key `anyy`"},
      {"version: 1\nrules:\n  - tag: cluster:AI\n    any: [AI]\n", "r.yaml:3: rule 'cluster:AI': bad tag id"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI, '']\n", "r.yaml:4: rule 'cluster:ai': empty keyword"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI, AI]\n", "duplicate keyword 'AI'"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    not: [AI]\n", "no positive keywords"},
      {"version: 1\nrules:\n  - any: [AI]\n", "r.yaml:3: rule '?': rule has no `tag`"},
      {"version: 2\nrules: []\n", "`version: 1` is required"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI\n", "r.yaml:"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI]\n    provenance: [{seed: a.txt}]\n",
       "needs `seed` and `clause`"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI]\n    title_weight: heavy\n", "must be a number"},
  };
  for (const auto& c : cases) {
    RuleSet set;
    Status s = Parse(c.yaml, &set);
    EXPECT_FALSE(s.ok()) << c.yaml;
    EXPECT_NE(s.message().find(c.expect), std::string::npos) << "got: " << s.message() << "\nwant: " << c.expect;
  }
}

TEST(RuleLoader, MissingDirectoryIsAnError) {
  RuleSet set;
  Status s = LoadRuleDir("/nonexistent/rules", &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/rules"), std::string::npos);
}

}  // namespace
}  // namespace newsflow::rules
