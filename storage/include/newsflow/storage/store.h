// store.h — the RocksDB-backed document store.
//
// Column families:
//   docs        key -> EncodeRecord(record)
//   by_tag      tag '\0' be64(~time_ms) key -> ""      (newest first per tag)
//   by_time     be64(~time_ms) key -> ""                (newest first)
//   dead_letter be64(seq) -> EncodeDeadLetter(d)        (in arrival order)
//   by_story    story '\0' be64(~time_ms) key -> ""    (a story's members)
//   alerts      be64(seq) -> 0xff be64(time_ms) be32(len id) id json
//               (the alert log, in order; time_ms: the document that raised
//               it; earlier versions wrote no 0xff and time: be32(len id)
//               id json, whose first byte is 0)
//   outbox      be64(seq) -> ""                        (alerts not yet acknowledged
//               by their sink; written with the alert, removed by AckAlerts)
//   alerts_by_group group '\0' be64(seq) -> ""          (the log's alerts per group:
//               an alert id's text before its first '/', e.g. a subscription's
//               name; written and pruned with the alert; alerts an older
//               version wrote are indexed by the next read-write open;
//               "alert_groups/indexed" in meta: be64(seq) up to which every
//               alert is indexed)
//   by_stock    code '\0' be64(~time_ms) key -> ""     (Record::stock_codes, newest first
//                                                      per code; documents stored by a version
//                                                      without it are indexed when re-ingested)
//   meta        "ruleset_version", "count/docs", "count/dead_letters",
//               "offset/<group>/<topic>/<partition>" -> decimal text,
//               "dl/<32 hex>" -> be64(seq): a dead letter's identity (its
//               position and raw bytes), so the same bad line read again is
//               not stored twice,
//               "progress/<source id>" -> the caller's progress text, written
//               in the same batch as the documents it accounts for,
//               "alert_id/<alert id>" -> be64(seq): where an alert id was last
//               written in the log (a stream resumes after a Last-Event-ID).
//
// be64(~time_ms) is the 8-byte big-endian ~time_ms with the sign bit flipped
// (i.e. time_ms XOR 0x7fff'ffff'ffff'ffff), so byte order is newest-first
// over the whole int64 range, negative times included. Tags and stock codes
// must not contain a NUL byte (Write() rejects them); keys must be non-empty.
//
// Writes: one Store::Write() call is one atomic RocksDB WriteBatch holding the
// documents, their index entries, dead letters, consumer offsets, progress
// marks and the alerts the documents raised (log + outbox), so an alert is
// pending exactly when its document is stored. Writing a
// key that is already stored replaces it: its old by_tag/by_time entries are
// deleted in the same batch, so re-ingesting never duplicates index entries
// and the document count does not grow. The same key twice in one batch keeps
// the last one.
//
// DURABILITY. A Write() that returns OK is durable against a crash of this
// process when the store keeps a WAL (sync_writes also makes it durable
// against power loss). Without a WAL (disable_wal, the bulk load of a
// replayable file), a write becomes durable only when its memtables are
// flushed: Checkpoint() or Close(). Progress marks written with a batch become
// durable exactly with it (atomic flush of every column family), so after a
// crash or a failed flush GetProgress() tells how far the durable state goes.
// After a failed write the store accepts no more writes (RocksDB stops
// background work on I/O errors): Close() it, free space, open it again.
//
// RETENTION AND BACKUP. Prune() removes the documents older than a time with
// every index entry that names them (by_time, by_tag, by_story, by_stock) and
// lowers count/docs, and the start of the alert log (with its
// alerts_by_group entries) up to the first alert
// raised by a document at or after that time (an alert still in the outbox,
// and the newest alert, whose seq the next one follows, are kept; one whose
// document is misdated, PruneOptions::misdated_after_ms, does not end the
// start), and the dead letters stored before that time (but the newest),
// lowering count/dead_letters. It never touches meta otherwise (offsets, progress
// marks, the alert ids and dead-letter identities that keep an alert from
// being raised, or a bad line from being stored, twice). Backup() copies the
// whole store (every column family) into a RocksDB BackupEngine directory,
// incrementally; restore.h restores one. Both run on this handle, so a writer process serves them
// itself (no second process can open the store read-write).
//
// Ownership: a Store (from Store::Open) owns its RocksDB instance and column
// family handles, closed by Close() or the destructor.
//
// Thread safety: reads (Get, Query, ...) may run concurrently from any
// thread. Write() and Prune() are the writer's: call them from one thread at
// a time (the pipeline has a single writer). Each Write(), each batch of a
// Prune(), and Rewrite(), AckAlerts() and Checkpoint() hold the store's
// write lock. Backup() may be called from any thread while the writer runs:
// it takes that lock while the backup is made, so a backup is always the
// state between two writes (or between two batches of one Prune()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/base/status.h"
#include "newsflow/storage/record.h"

namespace rocksdb {
class Env;
}

namespace newsflow::storage {

// RocksDB sizes. The defaults suit a 2-core machine bulk-loading wire feeds:
// large memtables for docs (fewer flushes while loading), smaller ones for the
// index families, Bloom filters where point lookups happen (docs, meta).
struct StoreTuning {
  int max_background_jobs = 2;                  // flush + compaction threads
  uint64_t bytes_per_sync = 1u << 20;           // incremental fsync of SST and WAL files
  uint64_t max_total_wal_bytes = 256u << 20;    // forces flushes of rarely written families (meta)
  size_t keep_log_files = 5;                    // RocksDB LOG files kept
  uint64_t max_log_bytes = 64u << 20;           // LOG renamed to LOG.old above this (at open and while open)
  size_t default_write_buffer_bytes = 4u << 20;
  size_t docs_write_buffer_bytes = 64u << 20;
  size_t index_write_buffer_bytes = 32u << 20;  // by_tag and by_time each
  size_t dead_letter_write_buffer_bytes = 8u << 20;
  size_t meta_write_buffer_bytes = 8u << 20;
  double bloom_bits_per_key = 10;               // docs and meta
  // A bulk load (disable_wal) compacts level 0 only once this many tables
  // wait there, not at RocksDB's 4. While the store is small, level 0
  // compacts straight into the last level, so each compaction rewrites all
  // the data loaded so far: at 4, a 400k-item file (a flush per checkpoint,
  // 20 of them) rewrote its documents five times, 2.2-2.7 s of the run's
  // ~13 s of CPU. Lookups meanwhile probe up to this many pinned Bloom
  // filters; a later open with a write-ahead log (serving, Kafka) compacts
  // the rest in the background at RocksDB's default trigger.
  int bulk_load_l0_compaction_trigger = 24;
  // A bulk load (disable_wal) appends the by_tag, by_story and by_stock
  // keys to a vector memtable, sorted once when it is flushed, instead of
  // inserting each into a skip list. The writer thread is the load's serial
  // stage, and Debian's librocksdb (7.8.3) is built with assertions on:
  // each skip-list insert also runs the splice checks, O(height) key
  // comparisons, so an insert cost ~4,000 instructions even in key order.
  // A read of those families while their memtable is live copies and sorts
  // all of it (a story's members: ~40 ms at 150k documents, against 0.02 ms
  // from a skip list), so a bulk load must not read them per batch: nothing
  // does (a run whose subscriptions read story members keeps a WAL). by_time,
  // which a retention pass and a late story index scan, and docs, which the
  // point lookups read, keep their skip lists. bench/RESULTS.md, "End to end".
  bool bulk_load_append_indexes = true;
};

// Options for opening a store. Plain struct; every field has a default.
struct StoreOptions {
  std::string path;              // directory; created if missing
  bool create_if_missing = true; // false: fail if the DB does not exist (query tools)
  bool read_only = false;        // open for reading only (query/show/dead-letter), as a RocksDB
                                 // secondary instance: safe while another process writes the store
  // read_only, when no process writes the store (a run reading back what it
  // made durable after its own store closed): a plain read-only open, which
  // needs no reader directory (secondaries keep one under $TMPDIR). CatchUp()
  // has nothing to catch up with then.
  bool no_writer = false;
  bool sync_writes = false;      // fsync the WAL on every Write() (Kafka path: true)
  // Bulk load of a re-runnable input (a file): no write-ahead log; every
  // column family is flushed together (atomic_flush) when memtables fill and
  // when the store closes. A crash loses the unflushed tail of the run but
  // never leaves the column families inconsistent with each other, and since
  // re-ingesting is idempotent, running the file again completes it. Not for
  // stdin or Kafka, whose input cannot be replayed by the store's owner.
  bool disable_wal = false;
  size_t block_cache_bytes = 64u << 20;
  StoreTuning tuning;
  // The RocksDB Env every file operation of the store goes through; null =
  // rocksdb::Env::Default(). A hook for tests that inject I/O faults
  // (rocksdb::NewCompositeEnv over a FileSystemWrapper: tests/durability/).
  // Shared: the store keeps it alive until it is closed.
  std::shared_ptr<rocksdb::Env> env;
};

// A caller's note of how far it got through an input (e.g. a file's line),
// stored in meta as "progress/<source>" with the batch it accounts for.
struct ProgressMark {
  std::string source;  // the input's identity
  std::string value;   // the caller's encoding
};

// Everything one pipeline batch writes, applied atomically.
struct WriteSet {
  std::vector<Record> records;
  std::vector<DeadLetter> dead_letters;
  std::vector<Offset> offsets;
  std::vector<ProgressMark> progress;
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
  std::string story;  // indexed in by_story when non-empty; set with AssignStory
  std::vector<std::string> stock_codes;  // the record's non-empty stock codes, unique: by_stock entries
};
// Gives a prepared record its story id (in the encoded value and the index
// entry). Fails if the record was not prepared by PrepareRecord/PrepareWrite
// with an empty story.
Status AssignStory(PreparedRecord* r, std::string story);
struct PreparedDeadLetter {
  std::string id;     // 16 bytes: a hash of position and raw bytes
  std::string value;  // EncodeDeadLetter(d)
};
// An alert raised by a batch's documents: appended to the alert log and the
// outbox in the batch's WriteBatch.
inline constexpr int64_t kUnknownAlertTime = INT64_MIN;
struct PreparedAlert {
  std::string id;    // the alert's identity (consumers de-duplicate by it)
  std::string json;  // the alert object
  // The time of the document that raised it: Prune() drops the log's start
  // up to the first alert at or after its cutoff. An alert of unknown time
  // goes only with a later one that is dropped.
  int64_t time_ms = kUnknownAlertTime;
};
// An alert's group: its id's text before the first '/' (a subscription's
// alert ids are "<name>/..."), or "" when it has none (no '/', nothing
// before it, or a NUL byte in it): such an alert is in no group.
inline std::string_view AlertGroupOf(std::string_view id) {
  const size_t slash = id.find('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  const std::string_view group = id.substr(0, slash);
  return group.find('\0') == std::string_view::npos ? group : std::string_view();
}
// An alert as stored: its place in the log (from 1), identity and object.
struct StoredAlert {
  uint64_t seq = 0;
  std::string id, json;
};
struct PreparedWriteSet {
  std::vector<PreparedRecord> records;             // last one wins for a repeated key
  std::vector<PreparedAlert> alerts;               // log seqs next_alert_seq().. in order
  // The alerts also go to the outbox (a sink will acknowledge them). False
  // when the run has no sink but the log itself (readers of the store: the
  // HTTP stream, `newsflow alerts`): nothing would ever take them out.
  bool alerts_pending = true;
  std::vector<PreparedDeadLetter> dead_letters;    // in order; one already stored is skipped
  std::vector<Offset> offsets;
  std::vector<ProgressMark> progress;
  std::string ruleset_version;
};

// Validates and encodes `set` into *out (cleared first). Thread-safe. Fails
// for a record with an empty key or a tag or stock code containing a NUL byte.
Status PrepareWrite(const WriteSet& set, PreparedWriteSet* out);
// Appends one record / dead letter; same checks. For callers that build a
// PreparedWriteSet incrementally without an intermediate WriteSet.
Status PrepareRecord(const Record& r, PreparedWriteSet* out);
void PrepareDeadLetter(const DeadLetter& d, PreparedWriteSet* out);

// Filter for Query() and Count(). A document matches when it passes every
// condition that is set. Strings compare as bytes. Times are UTC ms, inclusive.
struct QueryOptions {
  std::vector<std::string> tags;      // carries all of these tags (AND)
  std::vector<std::string> any_tags;  // carries at least one of these (OR); empty = no condition
  std::vector<std::string> not_tags;  // carries none of these
  std::vector<std::string> sources;   // Record::source is one of these; empty = any source
  std::string text;                   // a substring of the title or the body; empty = any
  std::string stock;                  // one of Record::stock_codes (canonical form); empty = any
  std::optional<int64_t> since_ms;
  std::optional<int64_t> until_ms;
  size_t limit = 50;             // 0 = no limit
};

// Whether one record passes every condition of q (the time range too), as
// Query() decides it. Pure.
bool RecordMatches(const Record& r, const QueryOptions& q);

// Whether a document key ("<source>:<id>") is of one of `sources` (none:
// any): the sources condition of q read from an index entry's key alone.
bool KeyOfSources(std::string_view key, const std::vector<std::string>& sources);

struct Counts {
  uint64_t docs = 0;
  uint64_t dead_letters = 0;
};

// What a Prune() did. bytes_* are the live SST files of every column family
// (RocksDB's "rocksdb.live-sst-files-size"); memtables are not counted.
struct PruneStats {
  uint64_t docs_removed = 0;
  uint64_t index_entries_removed = 0;  // by_tag + by_story + by_stock (by_time: one per document)
  uint64_t docs_before = 0, docs_after = 0;  // count/docs in meta
  uint64_t sst_bytes_before = 0, sst_bytes_after = 0;
  uint64_t alerts_removed = 0;  // from the start of the alert log
  uint64_t dead_letters_removed = 0;  // stored before the cutoff
  bool compacted = false;
};

// What Prune() removes: the documents with time_ms < before_ms.
struct PruneOptions {
  int64_t before_ms = 0;
  // Documents (or alert log entries) deleted per WriteBatch. Each batch removes its documents,
  // their index entries and their part of count/docs together, so a crash
  // half way leaves a consistent store with some old documents left (prune
  // again). Bounds the memory of one batch.
  size_t docs_per_batch = 4096;
  // After deleting, compact every column family (RocksDB CompactRange,
  // which drops the deleted entries and range tombstones) so the space is
  // given back now rather than when RocksDB next compacts those files.
  // Costs a rewrite of the live data; skipped when nothing was removed.
  bool compact = true;
  // An alert whose document is dated after this is a wrong time (2098, a
  // unit error): it does not end the alert log's start that goes (it goes
  // with a later alert that goes). Callers pass the wall clock plus the lead
  // they tolerate; a document before before_ms is never taken as misdated.
  int64_t misdated_after_ms = INT64_MAX;
  // Called after each batch of documents is committed (null: nothing), with
  // the stats so far: progress for a caller, and a place for tests to hold a
  // prune half way. Runs on the pruning thread, between two batches.
  std::function<void(const PruneStats&)> after_batch;
};

// One backup as BackupEngine keeps it. new_files/new_bytes: the files this
// backup copied (the others were shared with an earlier backup: backups are
// incremental). docs/dead_letters: the store's meta counters at the moment
// of the backup (kept in the backup's app metadata). replaced: the shared
// files (relative to the backup directory) that were found damaged when the
// backup was verified and were copied afresh from the store (see Backup()).
// damaged: in a listing, a backup RocksDB cannot use (a file missing or of
// the wrong size, an unreadable description); only backup_id is known then.
// store_id: the id of the store backed up (random, kept in its meta column
// family from its first backup on, and so also by a store restored from
// it); empty for a backup made before stores had ids.
struct BackupResult {
  uint32_t backup_id = 0;
  int64_t timestamp = 0;  // unix seconds
  uint32_t files = 0;
  uint64_t bytes = 0;
  uint32_t new_files = 0;
  uint64_t new_bytes = 0;
  Counts counts;
  std::vector<std::string> replaced;
  bool damaged = false;
  std::string damage;  // why, when known (a listing's checksum check)
  std::string store_id;
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

  // Replaces stored records only where they are unchanged: records[i] is
  // written when the stored value of its key is still expected[i] (the
  // encoded value the caller read), else skipped, so a re-tag never
  // overwrites a newer version a writer stored since. Index entries are
  // replaced as Write() does; `progress`, and ruleset_version unless empty,
  // are written with them. Atomic and serialized with Write() (any thread).
  // (*written)[i]: records[i] was written.
  virtual Status Rewrite(const std::vector<PreparedRecord>& records, const std::vector<std::string>& expected,
                         const std::vector<ProgressMark>& progress, std::string_view ruleset_version,
                         std::vector<bool>* written) = 0;

  // The stored (encoded) value of a key, for a later Rewrite(); NotFound is
  // ok() with *found = false.
  virtual Status GetEncoded(std::string_view key, std::string* out, bool* found) = 0;

  // Point lookup; NotFound is ok() with *found = false.
  virtual Status Get(std::string_view key, Record* out, bool* found) = 0;

  // Newest-first documents matching the filter. A stock filter on a store
  // written before the by_stock index (opened read-only) is Unavailable.
  virtual Status Query(const QueryOptions& q, std::vector<Record>* out) = 0;
  // Calls visit(record) for each document matching the filter, newest
  // first, without keeping them (limit ignored); visit returns false to stop.
  virtual Status ForEach(const QueryOptions& q, const std::function<bool(const Record&)>& visit) = 0;
  // Number of documents matching the filter (limit ignored).
  virtual Status Count(const QueryOptions& q, uint64_t* out) = 0;
  // Calls visit(tag, time_ms, key) for each document carrying each of
  // `tags` in turn (tag "": every document), then, when `every_tag`, each
  // stored tag in byte order, with since <= time <= until, newest first
  // within a tag; from the indexes alone (no document is read), all under
  // one snapshot. visit returns false to stop.
  virtual Status ForEachIndexEntry(const std::vector<std::string>& tags, bool every_tag,
                                   std::optional<int64_t> since_ms, std::optional<int64_t> until_ms,
                                   const std::function<bool(std::string_view, int64_t, std::string_view)>& visit) = 0;

  // Dead letters in arrival order (limit 0 = all), each with its seq. The
  // same dead letter (position and raw bytes) written again is kept once.
  virtual Status DeadLetters(size_t limit, std::vector<DeadLetter>* out) = 0;
  // Calls visit(dead letter) for each, in arrival order, without keeping
  // them (each may hold up to --max-record-bytes of raw bytes); visit
  // returns false to stop.
  virtual Status ForEachDeadLetter(const std::function<bool(const DeadLetter&)>& visit) = 0;
  // The dead letter numbered `seq` (DeadLetter::seq); one not stored (never,
  // or pruned since) is ok() with *found = false.
  virtual Status GetDeadLetter(uint64_t seq, DeadLetter* out, bool* found) = 0;

  virtual Status GetCounts(Counts* out) = 0;
  virtual Status GetRulesetVersion(std::string* out) = 0;

  // The last progress mark stored for `source`, or nullopt if none.
  virtual Status GetProgress(std::string_view source, std::optional<std::string>* out) = 0;

  // Stored next offset for a group/topic/partition, or nullopt if none.
  virtual Status GetOffset(std::string_view group, std::string_view topic,
                           int32_t partition, std::optional<int64_t>* out) = 0;

  // Number of by_tag index entries for one tag (for tests and `query --count`
  // consistency checks).
  virtual Status CountTagIndex(std::string_view tag, uint64_t* out) = 0;

  // Every tag id that at least one stored document carries, sorted (one
  // seek per distinct tag in by_tag).
  virtual Status ListTags(std::vector<std::string>* out) = 0;

  // Every source of the stored documents, sorted, read from the "<source>:"
  // prefix of their keys (one seek per distinct source in docs). Keys
  // without a ':' are skipped.
  virtual Status ListSources(std::vector<std::string>* out) = 0;

  // The documents of one story id, earliest first and by key at one time
  // (limit 0 = all). An unknown story has none.
  virtual Status StoryMembers(std::string_view story, size_t limit, std::vector<Record>* out) = 0;

  // The alert log after `after_seq` (exclusive), oldest first, at most
  // `limit` (0 = all). A reader of a store written before alerts sees none.
  virtual Status Alerts(uint64_t after_seq, size_t limit, std::vector<StoredAlert>* out) = 0;
  // The alerts of the log before `before_seq` (exclusive; 0 = from the
  // newest), newest first, at most `limit` (0 = all).
  virtual Status RecentAlerts(uint64_t before_seq, size_t limit, std::vector<StoredAlert>* out) = 0;
  // The alerts of the log whose group (AlertGroupOf: an id's text before
  // its first '/') is one of `groups`, before `before_seq` (exclusive; 0 =
  // from the newest), newest first, at most `limit` (0 = all). Reads those
  // alerts only (alerts_by_group), not the log between them; a reader of a
  // store not indexed yet (last written by an older version) reads the log.
  virtual Status RecentAlertsOfGroups(const std::vector<std::string>& groups, uint64_t before_seq, size_t limit,
                                      std::vector<StoredAlert>* out) = 0;
  // Every group with an alert in the log, sorted (one seek per group).
  virtual Status AlertGroups(std::vector<std::string>* out) = 0;
  // The seq of the last alert written with this id, or nullopt if none (the
  // entry itself may since have been pruned: Alerts(seq) goes on after it).
  virtual Status AlertSeq(std::string_view id, std::optional<uint64_t>* out) = 0;
  // The outbox: alerts stored but not yet acknowledged, oldest first.
  virtual Status PendingAlerts(size_t limit, std::vector<StoredAlert>* out) = 0;
  // How many alerts the outbox holds (its keys only: no alert is read).
  virtual Status CountPendingAlerts(uint64_t* out) = 0;
  // Removes delivered alerts from the outbox (they stay in the log until
  // retention prunes them). Durable
  // as a Write() is; an acknowledgement lost in a crash means the alert is
  // delivered again (at least once).
  virtual Status AckAlerts(const std::vector<uint64_t>& seqs) = 0;
  // The seq the next written alert gets (writer only).
  virtual uint64_t next_alert_seq() const = 0;
  // A reader (secondary instance): catches up with what the writer has
  // written since the open; a no-op for the writer.
  virtual Status CatchUp() = 0;

  // Starts a flush of every column family together: the writes so far of a
  // WAL-less store become durable when it completes. Without `wait` it
  // returns at once (bounds what a crash of a bulk load loses); with it,
  // once they are durable (what another command was told is done, such as
  // a re-tag the writer made on its handle, must be). A no-op for a store
  // with a WAL (its writes are in the WAL).
  virtual Status Checkpoint(bool wait) = 0;

  // The time of the newest stored document dated at most `at_most` (ms),
  // or nullopt when there is none.
  virtual Status NewestTime(int64_t at_most, std::optional<int64_t>* out) = 0;

  // Removes the documents older than options.before_ms (see RETENTION AND
  // BACKUP) and fills *stats. Nothing at or after before_ms is touched.
  // Single writer, like Write(). A failed delete is a failed write (the
  // store takes no more writes). A failure still fills *stats with what was
  // done before it (the batches deleted, docs_after, sst_bytes_after).
  virtual Status Prune(const PruneOptions& options, PruneStats* stats) = 0;

  // Adds a backup of the whole store to the BackupEngine directory
  // `backup_dir` (created if missing; files shared with earlier backups
  // there are not copied again). The memtables are flushed first, so the
  // backup holds every write that returned before the call. One directory
  // holds one store's backups: a directory holding another store's is
  // refused (InvalidArgument), so that `--keep` never deletes them. Any thread.
  virtual Status Backup(const std::string& backup_dir, BackupResult* out) = 0;

  // Forgets the store's id, so that its next backup gives it a new one: for
  // a store restored as a copy that lives beside the original (a second
  // node, a test copy), whose backups must not count as the original's.
  virtual Status ForgetStoreId() = 0;

  // Makes everything written durable (the final flush of a WAL-less bulk
  // load, a WAL sync otherwise) and closes the database. Its status is the
  // truth about the tail of a run: a failure (a full disk) means the writes
  // since the last durable flush are not stored. Idempotent: a second call
  // returns the first result. The destructor closes too, but cannot report.
  // Every other call made after Close() returned fails with Internal
  // ("closed"); none may run while Close() does.
  virtual Status Close() = 0;

  // After a Close() of a store with a write-ahead log that returned OK:
  // whether its memtables could also be flushed to tables. Not a failure
  // (every write is in the synced log, which the next open replays), but
  // that open then needs the room the flush lacked (a full volume).
  virtual Status close_flush_status() const = 0;
};

}  // namespace newsflow::storage
