// The consumer lag a member reports comes only from the partitions it is
// assigned: librdkafka's statistics keep a revoked partition (with the lag of
// its last fetch), which another member now owns. Needs no broker.
#include <gtest/gtest.h>

#include "pipeline/source/kafka_stats.h"

namespace newsflow::pipeline {
namespace {

// A trimmed librdkafka 2.0 statistics document: one cluster broker UP, a
// bootstrap entry, and partitions 0 and 1 of "news" plus the internal -1.
constexpr const char* kStats = R"({
  "brokers": {
    "127.0.0.1:9092/bootstrap": {"nodeid": -1, "state": "UP"},
    "127.0.0.1:9092/1": {"nodeid": 1, "state": "UP"}
  },
  "topics": {
    "news": {"partitions": {
      "0": {"partition": 0, "consumer_lag": 7},
      "1": {"partition": 1, "consumer_lag": 2438},
      "-1": {"partition": -1, "consumer_lag": -1}
    }}
  }
})";

TEST(ConsumerStats, LagOnlyForAssignedPartitions) {
  ConsumerStats s;
  ASSERT_TRUE(ParseConsumerStats(kStats, {{"news", 0}}, &s));
  EXPECT_TRUE(s.brokers_known);
  EXPECT_TRUE(s.broker_up);
  ASSERT_EQ(s.lags.size(), 1u);
  EXPECT_EQ(s.lags[0].topic, "news");
  EXPECT_EQ(s.lags[0].partition, 0);
  EXPECT_EQ(s.lags[0].lag, 7);
}

TEST(ConsumerStats, NothingAssignedNoLag) {
  ConsumerStats s;
  ASSERT_TRUE(ParseConsumerStats(kStats, {}, &s));
  EXPECT_TRUE(s.lags.empty());
  EXPECT_TRUE(s.broker_up);
}

TEST(ConsumerStats, BothAssignedBothReported) {
  ConsumerStats s;
  ASSERT_TRUE(ParseConsumerStats(kStats, {{"news", 0}, {"news", 1}}, &s));
  ASSERT_EQ(s.lags.size(), 2u);
  EXPECT_EQ(s.lags[1].partition, 1);
  EXPECT_EQ(s.lags[1].lag, 2438);
}

// librdkafka 2.0's consumer_lag is -1 while it knows no committed offset
// of the partition (newsflow assigns at its own stored offsets and commits
// asynchronously): one stuck at a message whose fetch keeps failing had no
// lag series at all. While fetching, its lag is the end (last stable
// offset, else high watermark) less the application's position (app_offset,
// else the offset being fetched); not fetching, it has none.
TEST(ConsumerStats, AFetchingPartitionWithoutALagHasItsEndLessThePosition) {
  constexpr const char* stats = R"({"topics": {"news": {"partitions": {
      "0": {"partition": 0, "fetch_state": "active", "next_offset": 1, "app_offset": -1001, "ls_offset": 3,
            "hi_offset": 3, "consumer_lag": -1},
      "1": {"partition": 1, "fetch_state": "offset-query", "next_offset": 0, "hi_offset": 9, "consumer_lag": -1},
      "2": {"partition": 2, "fetch_state": "active", "next_offset": 5, "app_offset": 5, "ls_offset": 5,
            "hi_offset": 5, "consumer_lag": -1},
      "3": {"partition": 3, "fetch_state": "active", "next_offset": 1, "hi_offset": 3, "consumer_lag": 0},
      "4": {"partition": 4, "fetch_state": "active", "next_offset": 900, "app_offset": 400, "ls_offset": 1000,
            "hi_offset": 1001, "consumer_lag": -1}
  }}}})";
  ConsumerStats s;
  ASSERT_TRUE(ParseConsumerStats(stats, {{"news", 0}, {"news", 1}, {"news", 2}, {"news", 3}, {"news", 4}}, &s));
  ASSERT_EQ(s.lags.size(), 4u);
  EXPECT_EQ(s.lags[0].partition, 0);
  EXPECT_EQ(s.lags[0].lag, 2) << "nothing handed over yet: the end less the offset being fetched";
  EXPECT_EQ(s.lags[1].partition, 2);
  EXPECT_EQ(s.lags[1].lag, 0);
  EXPECT_EQ(s.lags[2].partition, 3);
  EXPECT_EQ(s.lags[2].lag, 0) << "librdkafka's own lag wins where it has one";
  EXPECT_EQ(s.lags[3].partition, 4);
  EXPECT_EQ(s.lags[3].lag, 600) << "prefetched messages are not consumed: the last stable offset less app_offset";
}

TEST(ConsumerStats, UnparsableDocument) {
  ConsumerStats s;
  EXPECT_FALSE(ParseConsumerStats("{not json", {{"news", 0}}, &s));
}

}  // namespace
}  // namespace newsflow::pipeline
