// store.h — the RocksDB-backed document store.
//
// Column families:
//   docs        key -> EncodeRecord(record)
//   by_tag      tag '\0' be64(~time_ms) key -> ""      (newest first per tag)
//   by_time     be64(~time_ms) key -> ""                (newest first)
//   dead_letter be64(seq) -> EncodeDeadLetter(d)        (in arrival order)
//   meta        "ruleset_version", "count/docs", "count/dead_letters",
//               "offset/<group>/<topic>/<partition>" -> decimal text
//
// be64(~time_ms) is the 8-byte big-endian ~time_ms with the sign bit flipped
// (i.e. time_ms XOR 0x7fff'ffff'ffff'ffff), so byte order is newest-first
// over the whole int64 range, negative times included. Tags must not contain
// a NUL byte (Write() rejects them); keys must be non-empty.
//
// Writes: one Store::Write() call is one atomic RocksDB WriteBatch holding the
// documents, their index entries, dead letters and consumer offsets. Writing a
// key that is already stored replaces it: its old by_tag/by_time entries are
// deleted in the same batch, so re-ingesting never duplicates index entries
// and the document count does not grow. The same key twice in one batch keeps
// the last one.
//
// Thread safety: reads (Get, Query, ...) may run concurrently from any
// thread. Write() must be called from one thread at a time (the pipeline has a
// single writer); it is not internally serialized against itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/storage/record.h"

namespace newsflow::storage {

// Result of a fallible call. ok() or a message saying what failed and where.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string msg) { Status s; s.msg_ = std::move(msg); s.ok_ = false; return s; }
  bool ok() const { return ok_; }
  const std::string& message() const { return msg_; }
 private:
  bool ok_ = true;
  std::string msg_;
};

// Options for opening a store. Plain struct; every field has a default.
struct StoreOptions {
  std::string path;              // directory; created if missing
  bool create_if_missing = true; // false: fail if the DB does not exist (query tools)
  bool read_only = false;        // open for reading only (query/show/dead-letter), as a RocksDB
                                 // secondary instance: safe while another process writes the store
  bool sync_writes = false;      // fsync the WAL on every Write() (Kafka path: true)
  // Bulk load of a re-runnable input (a file): no write-ahead log; every
  // column family is flushed together (atomic_flush) when memtables fill and
  // when the store closes. A crash loses the unflushed tail of the run but
  // never leaves the column families inconsistent with each other, and since
  // re-ingesting is idempotent, running the file again completes it. Not for
  // stdin or Kafka, whose input cannot be replayed by the store's owner.
  bool disable_wal = false;
  size_t block_cache_bytes = 64u << 20;
};

// Everything one pipeline batch writes, applied atomically.
struct WriteSet {
  std::vector<Record> records;
  std::vector<DeadLetter> dead_letters;
  std::vector<Offset> offsets;
  std::string ruleset_version;   // written to meta when non-empty
};

// A WriteSet whose records are already validated and encoded. Building one
// (PrepareWrite) is pure CPU work that touches no database, so a pipeline
// builds it on its worker threads and leaves the single writer only the
// RocksDB part: the read of old index entries and the WriteBatch.
struct PreparedRecord {
  std::string key;
  int64_t time_ms = 0;
  std::vector<std::string> tags;
  std::string value;  // EncodeRecord(record)
};
struct PreparedWriteSet {
  std::vector<PreparedRecord> records;       // last one wins for a repeated key
  std::vector<std::string> dead_letters;     // EncodeDeadLetter(d), in order
  std::vector<Offset> offsets;
  std::string ruleset_version;
};

// Validates and encodes `set` into *out (cleared first). Thread-safe. Fails
// for a record with an empty key or a tag containing a NUL byte.
Status PrepareWrite(const WriteSet& set, PreparedWriteSet* out);
// Appends one record / dead letter; same checks. For callers that build a
// PreparedWriteSet incrementally without an intermediate WriteSet.
Status PrepareRecord(const Record& r, PreparedWriteSet* out);
void PrepareDeadLetter(const DeadLetter& d, PreparedWriteSet* out);

// Filter for Query(). Tags are ANDed. Times are UTC ms, inclusive.
struct QueryOptions {
  std::vector<std::string> tags;
  std::optional<int64_t> since_ms;
  std::optional<int64_t> until_ms;
  size_t limit = 50;             // 0 = no limit
};

struct Counts {
  uint64_t docs = 0;
  uint64_t dead_letters = 0;
};

class Store {
 public:
  // Opens (creating if allowed) the store at options.path. On failure returns
  // a Status naming the path and RocksDB's reason; *out is untouched.
  static Status Open(const StoreOptions& options, std::unique_ptr<Store>* out);
  virtual ~Store() = default;

  // Atomically writes the set (see header comment). Single writer.
  // Write(WriteSet) is PrepareWrite + Write(PreparedWriteSet).
  Status Write(const WriteSet& set);
  virtual Status Write(const PreparedWriteSet& set) = 0;

  // Point lookup; NotFound is ok() with *found = false.
  virtual Status Get(std::string_view key, Record* out, bool* found) = 0;

  // Newest-first documents matching the filter.
  virtual Status Query(const QueryOptions& q, std::vector<Record>* out) = 0;
  // Number of documents matching the filter (limit ignored).
  virtual Status Count(const QueryOptions& q, uint64_t* out) = 0;

  // Dead letters in arrival order (limit 0 = all).
  virtual Status DeadLetters(size_t limit, std::vector<DeadLetter>* out) = 0;

  virtual Status GetCounts(Counts* out) = 0;
  virtual Status GetRulesetVersion(std::string* out) = 0;

  // Stored next offset for a group/topic/partition, or nullopt if none.
  virtual Status GetOffset(std::string_view group, std::string_view topic,
                           int32_t partition, std::optional<int64_t>* out) = 0;

  // Number of by_tag index entries for one tag (for tests and `query --count`
  // consistency checks).
  virtual Status CountTagIndex(std::string_view tag, uint64_t* out) = 0;
};

}  // namespace newsflow::storage
