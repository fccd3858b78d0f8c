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
// poll thread sends what is left), for lag tools and for other members of
// the group; the Kafka commit is never what recovery relies on within one
// database.
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
//     crash. newsflow holds its async commits back in the window it can see
//     (between its revoke callback and the next assignment), which narrows
//     but does not close the race. The default eager strategy (range) has no
//     such window: members revoke everything, drain and commit while the
//     old generation is still valid.
//   * To reprocess a topic, use a new DB (and/or a new group): a group offset
//     reset in Kafka below what a DB has stored is ignored by that DB.
//
// BACKPRESSURE. librdkafka is polled by the source's own thread, never by the
// runner's reader thread (which blocks on the bounded queue), so the group
// heartbeat and max.poll.interval.ms are honoured however slow the writer is.
// When the messages read but not yet stored exceed `inflight` (or
// `inflight.mb`), every assigned partition is paused; they resume when the
// backlog falls to half. librdkafka's prefetch is capped too
// (queued.max.messages.kbytes=32768, fetch.max.bytes=16 MiB), so memory is
// bounded whatever the backlog in the topic.
//
// SHUTDOWN. When *stop becomes true (SIGINT/SIGTERM) the source stops handing
// out messages (Next() returns false), pauses its partitions, the runner
// writes the batches already handed out with their offsets, and the source's
// destructor commits the final offsets to Kafka and closes the consumer
// (leaves the group).
//
// Threads: Next() is called by the reader thread, Committed() by the writer
// thread; the source's poll thread runs rebalance callbacks. All three may
// run at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "newsflow/pipeline/source.h"

namespace newsflow::pipeline {

// Looks up the stored next offset of group/topic/partition (nullopt = none).
// Empty string on success, else the error. Called from the source's poll
// thread while the writer may be writing.
using OffsetLookup = std::function<std::string(const std::string& group, const std::string& topic,
                                               int32_t partition, std::optional<int64_t>* out)>;

struct KafkaSourceOptions {
  std::string uri;                           // kafka://... as above
  SourceLimits limits;                       // batch size; max_record_bytes is the decoder's job
  OffsetLookup lookup;                       // stored offsets (required)
  const std::atomic<bool>* stop = nullptr;   // set to stop (signal handler)
};

// Creates the consumer and subscribes. nullptr and *error on a bad URI or
// configuration; an unreachable broker is not an error (it is retried).
std::unique_ptr<Source> OpenKafkaSource(const KafkaSourceOptions& options, std::string* error);

}  // namespace newsflow::pipeline
