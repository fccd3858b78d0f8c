// The mined vocabulary (rules/sets/vocabulary.yaml: corpus terms accepted by
// reading, rules/vocabulary/review.tsv) against the same rules without the
// file: on the corpus items its review read as the tag
// (tests/fixtures/vocabulary_evidence.jsonl) it adds exactly that tag, which
// the rules alone miss; on the hand-labelled development items it only adds
// tags, each evidenced by one of its own terms, and the tags it adds there
// are right more often than wrong (below one in two they would lower F1 at
// the rule set's ~0.95).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "pipeline/cli/gold_set.h"
#include "pipeline/job/tagger.h"
#include "pipeline/job/prepare_stage.h"
#include "tag_worker_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::OpenTagWorker;
using testing::SourcePath;
using testing::TempDir;

using cli::GoldItem;

// The items of a gold file (the CLI's reader, as `eval` reads them).
std::vector<GoldItem> Gold(const std::string& path) {
  std::vector<GoldItem> items;
  EXPECT_TRUE(cli::LoadGold(path, &items).ok()) << path;
  return items;
}

bool HasTag(const Item& it, const rules::CompiledRules& rules, const std::string& tag, const std::string& keyword) {
  for (const auto& t : it.tags) {
    if (t.tag != tag) continue;
    if (keyword.empty()) return true;
    for (const auto& s : t.spans)
      if (SpanKeyword(s, it, rules) == keyword) return true;
  }
  return false;
}

std::string AsciiLower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// The vocabulary's effect on one item: `a` tagged with it, `b` without. It
// only adds tags (none lost, no score lowered) and each tag it adds has one
// of its own terms among the spans. Returns the added tags.
std::set<std::string> Added(const std::string& key, const Item& a, const rules::CompiledRules& rules, const Item& b,
                            std::map<std::string, std::set<std::string>>& terms) {
  std::map<std::string, double> before;
  for (const auto& t : b.tags) before[t.tag] = t.score;
  std::set<std::string> after, added;
  for (const auto& t : a.tags) {
    after.insert(t.tag);
    const auto old = before.find(t.tag);
    if (old != before.end()) {
      EXPECT_GE(t.score, old->second - 1e-9) << key << " " << t.tag << ": a score the vocabulary lowered";
      continue;
    }
    added.insert(t.tag);
    bool own = false;
    for (const auto& s : t.spans) own |= terms[t.tag].count(std::string(SpanKeyword(s, a, rules))) > 0;
    EXPECT_TRUE(own) << key << " " << t.tag << ": an added tag without a vocabulary term among its spans";
  }
  for (const auto& [tag, score] : before) EXPECT_TRUE(after.count(tag)) << key << " lost " << tag;
  return added;
}

TEST(MinedVocabulary, AddsOnlyTagsItsOwnTermsEvidenceAndMostAreRightOnTheDevSet) {
  TempDir tmp;
  const std::string without = testing::CopyRules(tmp);
  ASSERT_TRUE(std::filesystem::remove(without + "/vocabulary.yaml")) << "the shipped rule set has a vocabulary";
  std::shared_ptr<const Tagger> with_tagger, without_tagger;
  auto with = OpenTagWorker(SourcePath("rules/sets"), &with_tagger);
  auto plain = OpenTagWorker(without, &without_tagger);

  std::map<std::string, std::set<std::string>> terms;   // tag -> the vocabulary's terms for it
  std::map<std::string, std::vector<std::string>> vetoes;  // tag -> its `not` words (the tag's own denials)
  for (const auto& r : with_tagger->rules().rule_set().rules) {
    if (std::filesystem::path(r.file).filename() != "vocabulary.yaml") continue;
    for (const auto& k : r.any) terms[r.tag].insert(k.text);
    for (const auto& k : r.veto) vetoes[r.tag].push_back(k.text);
  }
  ASSERT_FALSE(terms.empty());

  // The items the review read as the tag: the vocabulary brings it, the rules alone do not,
  // unless one of the tag's denials vetoes it (通鼎互联 "不涉及光模块" beside 光棒: the
  // vocabulary keeps the tag's vetoes, so the item stays untagged, as the rules have it).
  // A later rule change may give an item its tag from the rules alone (固体废物's 美丽中国 item once
  // 生态环境质量 became a keyword): it stops being evidence of the vocabulary, but every accepted
  // term keeps an item only the vocabulary tags, and such items stay few.
  size_t evidence = 0, vetoed = 0, fixture_added = 0, ruled = 0;
  std::set<std::pair<std::string, std::string>> evidenced;  // (tag, term) with an item read as the tag
  for (const GoldItem& g : Gold(SourcePath("tests/fixtures/vocabulary_evidence.jsonl"))) {
    const Item a = with->TagText(g.title, g.body, g.feed_labels);
    const Item b = plain->TagText(g.title, g.body, g.feed_labels);
    fixture_added += Added(g.key, a, with_tagger->rules(), b, terms).size();
    const std::string text = AsciiLower(g.title + "\n" + g.body);  // ASCII keywords match caselessly
    ASSERT_EQ(g.evidence.size(), g.labels.size()) << g.key << ": every label names the term it was read for";
    for (const auto& [tag, term] : g.evidence) {
      ASSERT_TRUE(terms[tag].count(term)) << g.key << " " << tag << " " << term << ": not a vocabulary term";
      if (HasTag(b, without_tagger->rules(), tag, "")) {
        ++ruled;
        EXPECT_TRUE(HasTag(a, with_tagger->rules(), tag, "")) << g.key << " " << tag << ": lost with the vocabulary";
        continue;
      }
      ++evidence;
      evidenced.insert({tag, term});
      bool denied = false;
      for (const auto& v : vetoes[tag]) denied |= text.find(AsciiLower(v)) != std::string::npos;
      vetoed += denied;
      EXPECT_TRUE(denied || HasTag(a, with_tagger->rules(), tag, term)) << g.key << " " << tag << " by " << term;
      EXPECT_FALSE(denied && HasTag(a, with_tagger->rules(), tag, "")) << g.key << " " << tag << ": a veto did not hold";
    }
  }
  EXPECT_LE(10 * ruled, evidence) << "the rules alone give most of the vocabulary's items their tag: review the terms";
  for (const auto& [tag, ts] : terms)
    for (const auto& term : ts)
      EXPECT_TRUE(evidenced.count({tag, term})) << tag << " " << term << ": an accepted term no item was read as";
  EXPECT_LE(4 * vetoed, evidence) << "most items read as the tag are not denials";
  EXPECT_GE(fixture_added + vetoed, evidence) << "the checks of Added() ran on the items the vocabulary tags";

  size_t items = 0, added = 0, right = 0;
  for (const char* part : {"a", "b", "c", "d", "e", "f", "g"}) {
    for (const GoldItem& g : Gold(SourcePath(std::string("tests/eval/gold_part_") + part + ".jsonl"))) {
      const Item a = with->TagText(g.title, g.body, g.feed_labels);
      const Item b = plain->TagText(g.title, g.body, g.feed_labels);
      ++items;
      for (const auto& tag : Added(g.key, a, with_tagger->rules(), b, terms)) {
        ++added;
        right += g.labels.count(tag);
      }
    }
  }
  EXPECT_EQ(items, 1840u);
  EXPECT_GE(2 * right, added) << right << " of the " << added << " tags the vocabulary adds are gold tags";
}

}  // namespace
}  // namespace newsflow::pipeline
