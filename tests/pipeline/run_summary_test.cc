// run_summary_test.cc — the run summary, human and JSON, says each figure
// once and in its own form.
#include <gtest/gtest.h>

#include "json_util.h"
#include "pipeline/job/run_summary.h"

namespace newsflow::pipeline {
namespace {

TEST(RunSummary, TheHumanSummaryHoldsNoJsonAndTheJsonHoldsEveryFigure) {
  // The human summary of a run that pruned or took a backup ended with a
  // JSON fragment (`,"prune_passes":2,...,"backups":1`) after its tags.
  RunSummary s;
  s.read = s.stored = 10;
  s.tagged = 4;
  s.tag_counts = {{"cluster:ai", 4}};
  s.prune_passes = 2;
  s.pruned = 3;
  s.backups = 1;
  s.reread = true;
  const std::string human = FormatSummary(s);
  EXPECT_EQ(human.find('"'), std::string::npos) << human;
  EXPECT_NE(human.find("retention: 2 prune passes removed 3 documents"), std::string::npos) << human;
  EXPECT_NE(human.find("1 backup(s)"), std::string::npos) << human;
  EXPECT_NE(human.find("read again from its start"), std::string::npos) << human;
  const testing::JsonObject json = testing::JsonObject::Of(SummaryToJson(s));
  EXPECT_EQ(json.Uint("prune_passes"), 2u);
  EXPECT_EQ(json.Uint("pruned"), 3u);
  EXPECT_EQ(json.Uint("backups"), 1u);
  EXPECT_TRUE(json.Bool("reread"));
  s.reread = false;
  EXPECT_FALSE(testing::JsonObject::Of(SummaryToJson(s)).Has("reread"));
  EXPECT_FALSE(testing::JsonObject::Of(SummaryToJson(s)).Has("resumable")) << "said only of an interrupted run";
  s.interrupted = true;
  EXPECT_FALSE(testing::JsonObject::Of(SummaryToJson(s)).Bool("resumable"));
  EXPECT_TRUE(testing::JsonObject::Of(SummaryToJson(s)).Has("resumable"));
  s.resumable = true;
  EXPECT_TRUE(testing::JsonObject::Of(SummaryToJson(s)).Bool("resumable"));
}

}  // namespace
}  // namespace newsflow::pipeline
