// repeat_limiter_test.cc — the Kafka source's log limiter lets a text through
// once per interval and forgets texts it has not let through for an
// interval, so a months-long run's broker errors (texts that carry counts
// and offsets) do not pile up in it.
#include "pipeline/source/repeat_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace newsflow::pipeline {
namespace {

using std::chrono::seconds;

TEST(RepeatLimiter, ATextIsLetThroughOncePerInterval) {
  RepeatLimiter limiter(seconds(10));
  const auto t0 = RepeatLimiter::Clock::time_point{} + seconds(1000);
  EXPECT_TRUE(limiter.Allow("broker down", t0));
  EXPECT_FALSE(limiter.Allow("broker down", t0 + seconds(9)));
  EXPECT_TRUE(limiter.Allow("other text", t0 + seconds(9)));
  EXPECT_TRUE(limiter.Allow("broker down", t0 + seconds(10)));
  EXPECT_FALSE(limiter.Allow("broker down", t0 + seconds(19)));
}

TEST(RepeatLimiter, DistinctTextsAreForgottenAfterAnInterval) {
  RepeatLimiter limiter(seconds(10));
  const auto t0 = RepeatLimiter::Clock::time_point{} + seconds(1000);
  // An outage's texts differ by their counts: one a second for an hour.
  for (int s = 0; s < 3600; ++s)
    ASSERT_TRUE(limiter.Allow("Timed out " + std::to_string(s) + " in-flight requests", t0 + seconds(s)));
  // Only the last interval's are held: those of seconds 3590..3599.
  EXPECT_EQ(limiter.size(), 10u);
}

}  // namespace
}  // namespace newsflow::pipeline
