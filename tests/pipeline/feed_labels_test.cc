// The shipped label table (rules/sets/labels.yaml) on real fixture items:
// the feeds' topic names (ths tagInfo, cls subjects) add exactly their
// entries' weights to the tags they map to, a tag applies from labels alone
// only through an entry of weight 1, each such tag shows the labels as
// evidence, and nothing else changes against the same rules without the
// table.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "pipeline/decode/decoder.h"
#include "pipeline/job/tagger.h"
#include "pipeline/job/prepare_stage.h"
#include "tag_worker_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::ReadLines;
using testing::OpenTagWorker;
using testing::SourcePath;
using testing::TempDir;

TEST(FeedLabels, TheTableAddsItsEntriesWeightsAndNothingElse) {
  TempDir tmp;
  const std::string without = testing::CopyRules(tmp);
  ASSERT_TRUE(std::filesystem::remove(without + "/labels.yaml")) << "the shipped rule set has a label table";
  std::shared_ptr<const Tagger> with_tagger, without_tagger;
  auto with = OpenTagWorker(SourcePath("rules/sets"), &with_tagger);
  auto plain = OpenTagWorker(without, &without_tagger);
  ASSERT_GT(with_tagger->rules().rule_set().labels.size(), 0u);

  size_t items = 0, labelled = 0, evidenced = 0;
  for (const char* feed : {"ths", "cls"}) {
    FormatSpec spec;
    ASSERT_TRUE(ParseFormatSpec(feed, &spec).ok());
    Decoder dec(spec);
    for (const auto& line : ReadLines(SourcePath(std::string("tests/fixtures/") + feed + "-sample.jsonl"))) {
      Item a, b;
      ASSERT_TRUE(dec.Decode(line, &a.doc).ok());
      b.doc = a.doc;
      with->Tag(a);
      plain->Tag(b);
      ++items;
      labelled += !a.doc.labels.empty();
      // What the table says each tag should gain from this item's labels.
      std::map<std::string, double> gain, strongest;
      std::vector<const rules::LabelEntry*> seen;
      for (const auto& l : a.doc.labels) {
        const rules::LabelEntry* e = with_tagger->rules().FindLabel({l.field, l.name});
        if (!e || std::find(seen.begin(), seen.end(), e) != seen.end()) continue;
        seen.push_back(e);
        for (const auto& t : e->tags) {
          gain[t] += e->weight;
          strongest[t] = std::max(strongest[t], e->weight);
        }
      }
      std::map<std::string, double> before;
      for (const auto& t : b.tags) before[t.tag] = t.score;
      for (const auto& t : a.tags) {
        size_t label_spans = 0;
        for (const auto& s : t.spans) {
          if (s.field != storage::Field::kLabel) continue;
          ++label_spans;
          ASSERT_LT(s.begin, a.doc.labels.size());
          EXPECT_EQ(s.keyword, s.begin);
          EXPECT_EQ(SpanKeyword(s, a, with_tagger->rules()), a.doc.labels[s.begin].name);
        }
        const auto g = gain.find(t.tag);
        const auto old = before.find(t.tag);
        if (g == gain.end()) {
          ASSERT_NE(old, before.end()) << a.doc.key << " " << t.tag << ": a tag the labels did not bring";
          EXPECT_DOUBLE_EQ(t.score, old->second) << a.doc.key << " " << t.tag;
          EXPECT_EQ(label_spans, 0u) << a.doc.key << " " << t.tag;
          continue;
        }
        ++evidenced;
        EXPECT_GT(label_spans, 0u) << a.doc.key << " " << t.tag;
        if (old != before.end()) {
          EXPECT_NEAR(t.score, old->second + g->second, 1e-9) << a.doc.key << " " << t.tag;
        } else {
          EXPECT_GE(strongest[t.tag], 1.0) << a.doc.key << " " << t.tag << ": a label-only tag needs a label of weight 1";
          EXPECT_NEAR(t.score, g->second, 1e-9) << a.doc.key << " " << t.tag;
        }
      }
      // A keyword tag is never lost by adding labels.
      for (const auto& [tag, score] : before) {
        bool kept = false;
        for (const auto& t : a.tags) kept |= t.tag == tag;
        EXPECT_TRUE(kept) << a.doc.key << " lost " << tag;
      }
    }
  }
  EXPECT_EQ(items, 240u);
  EXPECT_GT(labelled, items / 2) << "ths tagInfo and cls subjects are on most items";
  EXPECT_GT(evidenced, 0u) << "some fixture tags carry label evidence";
}

}  // namespace
}  // namespace newsflow::pipeline
