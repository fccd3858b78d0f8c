// When the Kafka source sends a partition's offset commit again. Around a
// broker restart an async commit can go unanswered for good, or an old one
// can be answered after a newer one; either left the group's committed
// offset behind the stored one until the run ended (KafkaFaults, CI of
// 2026-12-04). Needs no broker.
#include <gtest/gtest.h>

#include "pipeline/source/offset_commit_state.h"

namespace newsflow::pipeline {
namespace {

using Clock = OffsetCommitState::Clock;
using std::chrono::seconds;

constexpr auto kConfirm = seconds(5);
const Clock::time_point t0 = Clock::time_point() + seconds(1000);

TEST(OffsetCommitState, ANewStoredOffsetIsDueAtOnceAndOnlyOnce) {
  OffsetCommitState c;
  EXPECT_TRUE(c.Due(10, t0, kConfirm));
  c.Sent(10, t0);
  EXPECT_FALSE(c.Due(10, t0, kConfirm));
  EXPECT_FALSE(c.Due(10, t0 + seconds(4), kConfirm));
  EXPECT_TRUE(c.Due(11, t0, kConfirm));
}

TEST(OffsetCommitState, AConfirmedCommitIsNeverSentAgain) {
  OffsetCommitState c;
  c.Sent(10, t0);
  c.Answered(10, true);
  EXPECT_FALSE(c.Due(10, t0 + seconds(3600), kConfirm));
}

TEST(OffsetCommitState, AFailedCommitIsDueAtOnce) {
  OffsetCommitState c;
  c.Sent(10, t0);
  c.Answered(10, false);
  EXPECT_TRUE(c.Due(10, t0, kConfirm));
}

TEST(OffsetCommitState, AnOlderCommitsFailureLeavesTheNewerOnePending) {
  OffsetCommitState c;
  c.Sent(10, t0);
  c.Sent(20, t0);
  c.Answered(10, false);
  EXPECT_FALSE(c.Due(20, t0, kConfirm));
  c.Answered(20, true);
  EXPECT_FALSE(c.Due(20, t0 + seconds(60), kConfirm));
}

TEST(OffsetCommitState, AnUnansweredCommitIsSentAgainAfterTheTimeout) {
  OffsetCommitState c;
  c.Sent(20, t0);
  EXPECT_FALSE(c.Due(20, t0 + kConfirm - seconds(1), kConfirm));
  EXPECT_TRUE(c.Due(20, t0 + kConfirm, kConfirm));
  c.Sent(20, t0 + kConfirm);  // and the timeout starts again
  EXPECT_FALSE(c.Due(20, t0 + kConfirm + seconds(1), kConfirm));
}

TEST(OffsetCommitState, AnOldCommitConfirmedAfterTheNewOneIsSentAgain) {
  // Kafka keeps what it was sent last: the answer for 10 arriving after the
  // one for 20 means the group's offset may be 10.
  OffsetCommitState c;
  c.Sent(10, t0);
  c.Sent(20, t0);
  c.Answered(20, true);
  c.Answered(10, true);
  EXPECT_FALSE(c.Due(20, t0 + seconds(1), kConfirm));
  EXPECT_TRUE(c.Due(20, t0 + kConfirm, kConfirm));
}

}  // namespace
}  // namespace newsflow::pipeline
