// The provenance the desk shows per tag (/api/doc): the real rule set's
// clauses, each listed once per tag even when several rules of the tag cite
// it (the desk showed one clause of cluster:ai twice).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>

#include "newsflow/rules/rule_set.h"
#include "pipeline/http/rule_provenance.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

TEST(RuleProvenance, EachTagListsEachCitedClauseOnce) {
  rules::RuleSet set;
  ASSERT_TRUE(rules::LoadRuleDir(testing::SourcePath("rules/sets"), &set).ok());
  // The real set has tags whose rules cite one clause more than once.
  size_t repeated = 0;
  std::map<std::string, std::set<std::pair<std::string, std::string>>> cited_by_rules;
  for (const auto& rule : set.rules)
    for (const auto& p : rule.provenance) repeated += !cited_by_rules[rule.tag].insert({p.seed, p.clause}).second;
  ASSERT_GT(repeated, 0u) << "no tag's rules cite a clause twice: the test shows nothing";
  const ProvenanceMap by_tag = ProvenanceByTag(set);
  for (const auto& [tag, cited] : cited_by_rules) {
    ASSERT_TRUE(by_tag.count(tag)) << tag;
    std::set<std::pair<std::string, std::string>> listed;
    for (const auto& p : by_tag.at(tag)) {
      if (p.seed.rfind("watch list ", 0) == 0) continue;
      EXPECT_TRUE(listed.insert({p.seed, p.clause}).second) << tag << ": " << p.clause;
    }
    EXPECT_EQ(listed, cited) << tag;
  }
}

}  // namespace
}  // namespace newsflow::pipeline
