// kafka_source.h — a Kafka consumer-group source (librdkafka high-level
// consumer) whose consumer offsets live in RocksDB with the documents.
//
//   --source 'kafka://HOST:PORT/TOPIC[,TOPIC]?group=NAME[&key=value...]'
//
// Parameters (unknown ones are rejected):
//   group=NAME        consumer group (required)
//   strategy=S        partition.assignment.strategy: range (default, eager) |
//                     roundrobin | range,roundrobin | cooperative-sticky
//                     (incremental; see the caveat under GUARANTEES)
//   reset=earliest    where to start a partition with no stored and no committed
//                     offset: earliest (default) | latest
//   inflight=N        at most ~N messages read but not yet stored (default 20000)
//   inflight.mb=N     ... and ~N MiB of them (default 64)
//   linger.ms=N       wait up to N ms (default 5) for a batch to fill before
//                     handing out a partial one (fewer fsyncs at low rates)
//   commit=none       do not commit offsets to Kafka at all (default: kafka);
//                     recovery never needs them, lag tools and other group
//                     members do
//   exit=eof          end the run once every assigned partition is read to its
//                     end (tests, benchmarks, the quickstart); default: run
//                     until SIGINT/SIGTERM
//   rdkafka.NAME=V    any librdkafka consumer property
//
// OFFSETS. enable.auto.commit and enable.auto.offset.store are off. Every
// batch carries, per topic/partition it holds, the next offset to consume
// (Batch.offsets); the runner writes them into the same RocksDB WriteBatch as
// the batch's documents and dead letters ("offset/GROUP/TOPIC/PARTITION" in
// meta). Batches are written in order, so a stored offset never runs ahead of
// the documents before it. After the write (Source::Committed) the stored
// offsets are committed to Kafka asynchronously (at most every 100 ms; the
// poll thread sends what is left; one that fails, or that Kafka has not
// confirmed as its latest within 5 s, is sent again: offset_commit_state.h),
// for lag tools and for other members of the group; the Kafka commit is
// never what recovery relies on within one database.
//
// ASSIGNMENT. On (incremental or eager) assignment the consumer starts each
// partition at max(offset stored in this RocksDB, offset committed in Kafka);
// with neither, at `reset`. On revocation it first waits until every batch it
// has handed out is stored (drops messages of the revoked partitions not yet
// handed out), then commits the stored offsets of the revoked partitions to
// Kafka synchronously, then unassigns: the next owner starts exactly where
// this one stopped. Eager (range/roundrobin) and cooperative (incremental)
// protocols are both handled.
//
// A stored offset is checked against Kafka on assignment. librdkafka 2.0.2
// has no topic ids (KIP-516), so a deleted and recreated topic cannot be told
// apart from the old one by name; what can be seen:
//   * the stored offset is past the partition's end (high watermark): the
//     log was recreated or truncated. The partition starts at the group's
//     committed offset if that is within the log, else at its start (low
//     watermark); WARN, counted (OffsetChecks::beyond_end).
//   * the group has no committed offset for a partition this DB has an
//     offset for (Kafka drops a deleted topic's group offsets; commit=kafka
//     only): either the topic was recreated (its messages before the stored
//     offset are skipped) or the group's offsets expired. Not decidable: the
//     stored offset is used, with a WARN naming both, and it is counted
//     (OffsetChecks::unconfirmed; `kafka_offsets_unconfirmed` in the run's
//     summary).
//
// GUARANTEES (one database per consumer process: RocksDB has one writer):
//   * One consumer, crash at any moment (kill -9), restart on the same DB:
//     every record is stored exactly once — none lost, none stored twice, no
//     duplicate dead letter, index entries consistent — because the offsets
//     and the documents commit atomically.
//   * Several consumers in one group, each with its own DB: the union of the
//     DBs holds every record (no loss), since a Kafka commit always follows the
//     store write that backs it and a partition starts at max(stored,
//     committed). Handovers through a rebalance or a clean leave (SIGTERM,
//     consumer close) are exactly-once across the DBs: the revoking member
//     drains and commits synchronously before it lets go. If a member CRASHES,
//     the records it stored after its last successful Kafka commit (the
//     batches of the last commit round trip, typically one or two) are read
//     again by the member that takes the partition over, so they can be in
//     both DBs (at-least-once across DBs, still exactly-once within each DB).
//     When the crashed member comes back and gets the partition again it
//     resumes from max(its stored offset, the committed offset), so it never
//     re-stores what it has.
//   * Caveat, strategy=cooperative-sticky: librdkafka 2.0.2 (Debian bookworm)
//     can declare a member's whole assignment LOST when an offset commit
//     races the second join of a cooperative rebalance (librdkafka issue
//     #4059, fixed upstream in 2025). A lost partition is handed over without
//     its final commit, so that handover is at-least-once across DBs, like a
//     crash. The commits that met it were those a revoking member sent
//     during the rebalance's second join: a cooperative revoke is followed
//     by an assign of its own round (often empty), then librdkafka joins
//     again, and only that join's assign ends the rebalance. newsflow holds
//     its async commits from the revoke until that second assign (at most a
//     session timeout), so ordinary joins and leaves no longer lose
//     assignments (tests/kafka/group_test.cc). A commit another member sends
//     during someone else's second join is not held (a member cannot see
//     that join), so the race is narrowed, not closed. The default eager
//     strategy (range) has no such window: members revoke everything, drain
//     and commit while the old generation is still valid.
//   * To reprocess a topic, use a new DB (and/or a new group): a group offset
//     reset in Kafka below what a DB has stored is ignored by that DB.
//
// BACKPRESSURE. librdkafka is polled by the source's own thread, never by the
// runner's reader thread (which blocks on the bounded queue), so the group
// heartbeat and max.poll.interval.ms are honoured however slow the writer is.
// When the messages read but not yet stored exceed `inflight` (or
// `inflight.mb`), every assigned partition is paused; they resume when the
// backlog falls to half. A partition granted by a rebalance gets the
// member's state of the moment, paused or not (librdkafka keeps a
// partition's own pause flag across a revoke, so a partition lost while
// paused and granted back later would otherwise never be read again).
// librdkafka's prefetch is capped too
// (queued.max.messages.kbytes=32768, fetch.max.bytes=16 MiB), so memory is
// bounded whatever the backlog in the topic.
//
// SHUTDOWN. When *stop becomes true (SIGINT/SIGTERM) the source stops handing
// out messages (Next() returns false), pauses its partitions, the runner
// writes the batches already handed out with their offsets, and the source's
// destructor commits the final offsets to Kafka and closes the consumer
// (leaves the group). The runner destroys the source before it closes the
// store: OffsetLookup must stay callable until then. A grant served while
// the source closes (a rebalance was under way) is not read: its offsets are
// not looked up and nothing of it is handed out or committed.
//
// Ownership: the source owns its librdkafka consumer and poll thread; the
// runner owns the source. Threads: Next() is called by the reader thread,
// Committed() by the writer thread; the source's poll thread runs rebalance
// callbacks. All three may run at once. Errors: Status from OpenKafkaSource
// and CheckKafkaSourceUri (InvalidArgument for a bad address or setting,
// Unavailable when it cannot subscribe); a broker that goes away later is
// waited for, and logged; a fatal consumer error or a failed assign sets
// status() to Unavailable and ends the source (Next() returns false).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "pipeline/source/source.h"

namespace newsflow::pipeline {

// Looks up the stored next offset of group/topic/partition (nullopt = none).
// Called from the source's poll thread while the writer may be writing.
using OffsetLookup = std::function<Status(const std::string& group, const std::string& topic,
                                          int32_t partition, std::optional<int64_t>* out)>;

// librdkafka and timing settings newsflow picks. URI parameters (inflight,
// inflight.mb, linger.ms, rdkafka.NAME) override them per run.
// The largest fetch response the consumer takes (librdkafka's
// receive.message.max.bytes): a message bigger than this on a partition
// stops it (logged, with the setting to raise).
inline constexpr int kReceiveMessageMaxBytes = 256 << 20;

struct KafkaConsumerTuning {
  int session_timeout_ms = 10000;         // a crashed member's partitions move after 10 s, not 45 s
  int heartbeat_interval_ms = 1000;
  int queued_max_kbytes = 32768;          // librdkafka's local prefetch: ~32 MiB whatever the backlog
  int queued_min_messages = 20000;
  int fetch_max_bytes = 16 << 20;
  int commit_interval_ms = 100;           // async offset commits to Kafka at most this often
  int commit_confirm_timeout_ms = 5000;   // a commit Kafka has not confirmed by then is sent again
  int poll_timeout_ms = 100;              // one rd_kafka_consumer_poll wait
  int committed_timeout_ms = 10000;       // reading committed offsets on assignment
  size_t max_inflight_messages = 20000;   // read but not yet stored: pause above this
  size_t max_inflight_bytes = 64u << 20;
  int linger_ms = 5;                      // wait this long for a batch to fill
};

struct KafkaSourceOptions {
  std::string uri;                           // kafka://... as above
  SourceLimits limits;                       // batch size; max_record_bytes is the decoder's job
  OffsetLookup lookup;                       // stored offsets (required)
  const std::atomic<bool>* stop = nullptr;   // set to stop (signal handler)
  KafkaConsumerTuning tuning;
};

// Checks a source URI and its parameters (librdkafka settings included)
// without a broker (a silent consumer handle is made and dropped, never
// subscribed). InvalidArgument naming the mistake.
Status CheckKafkaSourceUri(const std::string& uri, const KafkaConsumerTuning& tuning = {});

// Creates the consumer and subscribes. InvalidArgument on a bad URI or
// configuration; an unreachable broker is not an error (it is retried).
Status OpenKafkaSource(const KafkaSourceOptions& options, std::unique_ptr<Source>* out);

// The offsets the source URI's group has committed to Kafka for `parts`
// (committed: -1 when none), asked by a consumer handle that never joins
// the group. Unavailable when Kafka does not answer within timeout_ms.
struct CommittedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;
};
Status KafkaCommittedOffsets(const std::string& uri, std::vector<CommittedOffset>* parts, int timeout_ms);

}  // namespace newsflow::pipeline
