// offset_commit_state.h — where one partition's asynchronous offset commits
// to Kafka stand: the offset last sent, when, and the offset of the last
// commit Kafka answered with success.
//
// An async commit is normally answered within milliseconds, with success or
// an error (then it is sent again at once). Around a broker restart neither
// is guaranteed: librdkafka defers a commit while it has no coordinator and
// can re-send one from before the outage after a newer one, and Kafka keeps
// the offset it was sent last. So a sent offset that Kafka has not
// confirmed as the latest within a while is sent again: commits are
// idempotent, and without it a partition that gets no new messages keeps a
// stale committed offset (and lag) in Kafka until the run ends.
//
// Plain value; its owner (KafkaSource) guards it with its own mutex.
// Errors: none.
#pragma once

#include <chrono>
#include <cstdint>

namespace newsflow::pipeline {

struct OffsetCommitState {
  using Clock = std::chrono::steady_clock;

  int64_t sent = -1;       // last offset sent as a commit, -1 = none (or it failed)
  int64_t confirmed = -1;  // the offset of the last commit answered with success
  Clock::time_point sent_at{};

  // Whether `stored`, the offset stored in this database, is to be sent
  // now: it was never sent, or it was sent at least `confirm_timeout` ago
  // and the last answer Kafka gave was not its success.
  bool Due(int64_t stored, Clock::time_point now, Clock::duration confirm_timeout) const;
  void Sent(int64_t offset, Clock::time_point now);
  // Kafka's answer to a commit of `offset`: a failure of the offset last
  // sent makes it due at once; a success is what Kafka now holds.
  void Answered(int64_t offset, bool ok);
};

}  // namespace newsflow::pipeline
