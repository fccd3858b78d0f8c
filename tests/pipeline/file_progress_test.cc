// file_progress_test.cc — a file's progress mark, with how it was read, and
// the marks stores hold from before that was recorded.
#include <gtest/gtest.h>

#include "pipeline/job/file_progress.h"

namespace newsflow::pipeline {
namespace {

TEST(FileProgress, AMarkSaysHowTheFileWasReadAndAnOlderMarkStillReads) {
  FileProgress p{120, 100, 20, true, "map-0123456789abcdef/1048576"};
  FileProgress back;
  ASSERT_TRUE(FileProgress::Parse(p.Encode(), &back).ok()) << p.Encode();
  EXPECT_EQ(back.records, 120u);
  EXPECT_EQ(back.stored, 100u);
  EXPECT_EQ(back.dead, 20u);
  EXPECT_TRUE(back.done);
  EXPECT_EQ(back.read_as, "map-0123456789abcdef/1048576");
  // Written before `as` existed: read, with no `as` (matches any reading).
  ASSERT_TRUE(FileProgress::Parse("records=5 stored=4 dead=1 done=0", &back).ok());
  EXPECT_EQ(back.records, 5u);
  EXPECT_EQ(back.read_as, "");
  for (const char* bad : {"records=5 stored=4 dead=1 done=0 as=", "records=5 stored=4 dead=1 done=0 as=a b",
                          "records=5 stored=4 dead=1 done=0 x=1", "records=5 stored=4 dead=1 done=2"})
    EXPECT_EQ(FileProgress::Parse(bad, &back).code(), Status::Code::kCorruption) << bad;
}

}  // namespace
}  // namespace newsflow::pipeline
