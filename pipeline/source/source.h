// source.h — where raw records come from: a JSON Lines file (plain or .gz),
// stdin, a file another process appends to (follow:), or (kafka_source.h) a
// Kafka consumer group.
//
// Live inputs (stdin, pipes, FIFOs, followed files, Kafka) hand on a partial
// batch once the reader would block for longer than the linger, so an item
// is stored within milliseconds of arriving whatever the batch size; and
// they end (Next() returns false) soon after *stop is set, once what was
// already written is read.
//
// Ownership: the runner owns its Source. Threads: a source is driven by one
// reader thread. Next() fills a batch with up to `max_items` records /
// `max_bytes` bytes and returns false at the end of the input or on an error
// (see status()). Committed() is called by the writer after a batch is
// durably stored, in batch order. Errors: opening fails with a Status
// (NotFound, IOError, InvalidArgument); a read error ends Next() and is kept
// in status().
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

struct SourceLimits {
  size_t max_items = 1024;            // records per batch
  size_t max_bytes = 1u << 20;        // raw bytes per batch (a batch holds at least one record)
  size_t max_record_bytes = 1u << 20; // longer records are dead-lettered, with their first
                                      // max_record_bytes (at most 64 MiB) kept as their raw bytes
  int linger_ms = 20;                 // live inputs: how long a partial batch waits for more
};

// One partition's consumer lag: messages between the consumer's position
// and the partition's high watermark.
struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t lag = 0;
};

// Kafka only: partitions whose offset stored in this database Kafka did not
// confirm when they were assigned (kafka_source.h, ASSIGNMENT), and
// partitions that left this member without their last commit.
struct OffsetChecks {
  uint64_t unconfirmed = 0;  // stored offset, but no committed offset for the group
  uint64_t beyond_end = 0;   // stored offset past the partition's end: read from its start
  // Revoked without their final Kafka commit (an assignment librdkafka
  // declared lost, a failed commit on revoke, a writer that did not drain
  // in time): the next owner may store their last records again.
  uint64_t uncommitted_handovers = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  // Live health for /ready and /metrics, from any thread: whether the
  // source reaches its input (a Kafka source: a broker of the cluster is
  // up), and the consumer lag per assigned partition (Kafka only).
  virtual bool connected() const { return true; }
  virtual std::vector<PartitionLag> lag() const { return {}; }
  virtual OffsetChecks offset_checks() const { return {}; }
  [[nodiscard]] virtual bool Next(Batch* batch) = 0;
  // OK unless Next() returned false because of an error.
  virtual Status status() const = 0;
  // After an error: the byte offset in the input it is about (a corrupt gzip
  // member's start, the first byte after the last member), or -1.
  virtual int64_t error_offset() const { return -1; }
  // True if the input can be read again from the start by a later run (a
  // regular file): the store may then bulk-load it without a write-ahead log.
  // stdin, pipes, FIFOs, devices and Kafka are not replayable.
  virtual bool replayable() const { return false; }
  // For a replayable source: what identifies this input across runs (path,
  // size, mtime, inode, ctime and a hash of its first 64 KiB, hashed), so a
  // run can resume it; empty for other sources.
  virtual std::string identity() const { return ""; }
  // For a replayable source: reads and drops the first `lines` records, so
  // the next Next() starts after them (resuming a run). Fails if the input
  // is shorter than that (it is then not the input the progress was for).
  virtual Status SkipRecords(uint64_t /*lines*/) { return Status::InvalidArgument("source cannot skip records"); }
  // For a source that resumes from a mark stored with each batch
  // (Batch::resume_mark; follow:): the key the store keeps it under; empty
  // for other sources.
  virtual std::string resume_key() const { return ""; }
  // Continues after the position a mark of an earlier run describes.
  virtual Status ResumeFrom(const std::string& /*mark*/) { return Status::InvalidArgument("source cannot resume"); }
  // Bytes of input consumed so far and total size if known (0 = unknown), for progress.
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t bytes_total() const { return 0; }
  // Asks the source to stop (the run failed); Next() then returns false soon.
  virtual void Stop() {}
  // Ends the source's hold on its input once the run is done with it (a
  // Kafka consumer sends its final offset commit and leaves its group);
  // offset_checks() is final after it. The destructor calls it if the run
  // did not. Call it from the thread that owns the source, once Next() is
  // no longer called and every Committed() has returned.
  virtual void Close() {}
  // The writer has durably stored this batch.
  virtual void Committed(const Batch& /*batch*/) {}
};

// Opens "-" (stdin) or a path; gzip is detected from the content, not the name.
// Fails (NotFound, IOError) if the file cannot be opened. Once *stop is set
// (may be null), a regular file ends at the next batch and a live input
// after draining what is readable without waiting (at most ~2 s).
Status OpenLineSource(const std::string& path, const SourceLimits& limits, const std::atomic<bool>* stop,
                      std::unique_ptr<Source>* out);
Status OpenLineSource(const std::string& path, const SourceLimits& limits, std::unique_ptr<Source>* out);

// Opens `follow:PATH`'s PATH (follow_source.cc says how it follows). Fails with NotFound if PATH
// does not exist when the run starts.
Status OpenFollowSource(const std::string& path, const SourceLimits& limits, const std::atomic<bool>* stop,
                        std::unique_ptr<Source>* out);

}  // namespace newsflow::pipeline
