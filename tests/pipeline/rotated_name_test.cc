// Which names beside a followed file are its rotated generations: the
// numbered and dated names logrotate gives (with and without `extension`),
// and not the files that merely start with its name.
#include "pipeline/source/rotated_name.h"

#include <gtest/gtest.h>

namespace newsflow::pipeline {
namespace {

TEST(RotatedName, NumberedAndDatedGenerationsAreRotations) {
  for (const char* name : {"feed.jsonl.1", "feed.jsonl.12", "feed.jsonl-20261201", "feed.jsonl.2026-12-01",
                           "feed.jsonl-20261201-1764547200", "feed.jsonl_20261201", "feed-20261201.jsonl", "feed_2026-12-01.jsonl",
                           "feed.1.jsonl"})
    EXPECT_TRUE(IsRotatedName("feed.jsonl", name)) << name;
  EXPECT_TRUE(IsRotatedName("feed", "feed.3"));
}

TEST(RotatedName, OtherFilesThatStartWithItsNameAreNot) {
  for (const char* name : {"feed.jsonl", "feed.jsonl.", "feed.jsonl.notes", "feed.jsonl.bak", "feed.jsonl-writer.log",
                           "feed.jsonl.1.gz", "feed.jsonl-20261201.zst", "feed.jsonl.tmp1", "feed.jsonl.1-",
                           "feed.jsonl.-1", "feed.jsonl1", "feedx.jsonl.1", "feed.jsonl.1.bak", "other.jsonl.1",
                           "feed.jsonl.a1", "feed-.jsonl", "feed-x1.jsonl", "feed-2.jsonl", "feed_2.jsonl",
                           "feed.2-1.jsonl", "feed-2026.jsonl"})
    EXPECT_FALSE(IsRotatedName("feed.jsonl", name)) << name;
  EXPECT_FALSE(IsRotatedName("", ".1"));
  EXPECT_FALSE(IsRotatedName(".hidden", "-1.hidden"));
}

TEST(RotatedName, TheNumberOfANumberedGeneration) {
  EXPECT_EQ(RotationNumber("feed.jsonl", "feed.jsonl.2"), 2u);
  EXPECT_EQ(RotationNumber("feed.jsonl", "feed.jsonl.12"), 12u);
  EXPECT_EQ(RotationNumber("feed.jsonl", "feed.3.jsonl"), 3u);
  EXPECT_EQ(RotationNumber("feed", "feed.4"), 4u);
  for (const char* other : {"feed.jsonl-20261201", "feed-20261201.jsonl", "feed.jsonl.1.gz", "feed.jsonl.",
                            "feed.jsonl.1234567890", "feed.jsonl"})
    EXPECT_EQ(RotationNumber("feed.jsonl", other), 0u) << other;
}

}  // namespace
}  // namespace newsflow::pipeline
