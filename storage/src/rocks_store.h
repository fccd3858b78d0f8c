// rocks_store.h — internal to storage/: the RocksDB implementation of Store
// (store.h states the layout, the durability contract and the threading).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include "newsflow/storage/store.h"
#include "written_keys.h"

namespace newsflow::storage {

class RocksStore final : public Store {
 public:
  // Opens the DB; see Store::Open.
  static Status Open(const StoreOptions& options, std::unique_ptr<Store>* out);
  ~RocksStore() override;

  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  using Store::Write;
  Status Write(const PreparedWriteSet& set) override;
  Status Rewrite(const std::vector<PreparedRecord>& records, const std::vector<std::string>& expected,
                 const std::vector<ProgressMark>& progress, std::string_view ruleset_version,
                 std::vector<bool>* written) override;
  Status GetEncoded(std::string_view key, std::string* out, bool* found) override;
  Status Get(std::string_view key, Record* out, bool* found) override;
  Status Query(const QueryOptions& q, std::vector<Record>* out) override;
  Status Count(const QueryOptions& q, uint64_t* out) override;
  Status ForEach(const QueryOptions& q, const std::function<bool(const Record&)>& visit) override;
  Status ForEachIndexEntry(const std::vector<std::string>& tags, bool every_tag, std::optional<int64_t> since_ms,
                           std::optional<int64_t> until_ms,
                           const std::function<bool(std::string_view, int64_t, std::string_view)>& visit) override;
  Status DeadLetters(size_t limit, std::vector<DeadLetter>* out) override;
  Status ForEachDeadLetter(const std::function<bool(const DeadLetter&)>& visit) override;
  Status GetDeadLetter(uint64_t seq, DeadLetter* out, bool* found) override;
  Status GetCounts(Counts* out) override;
  Status GetRulesetVersion(std::string* out) override;
  Status GetOffset(std::string_view group, std::string_view topic, int32_t partition,
                   std::optional<int64_t>* out) override;
  Status CountTagIndex(std::string_view tag, uint64_t* out) override;
  Status ListTags(std::vector<std::string>* out) override;
  Status ListSources(std::vector<std::string>* out) override;
  Status Close() override;
  Status Checkpoint(bool wait) override;
  Status GetProgress(std::string_view source, std::optional<std::string>* out) override;
  Status StoryMembers(std::string_view story, size_t limit, std::vector<Record>* out) override;
  Status Alerts(uint64_t after_seq, size_t limit, std::vector<StoredAlert>* out) override;
  Status RecentAlerts(uint64_t before_seq, size_t limit, std::vector<StoredAlert>* out) override;
  Status RecentAlertsOfGroups(const std::vector<std::string>& groups, uint64_t before_seq, size_t limit,
                              std::vector<StoredAlert>* out) override;  // rocks_store_alert_groups.cc
  Status AlertGroups(std::vector<std::string>* out) override;          // rocks_store_alert_groups.cc
  Status AlertSeq(std::string_view id, std::optional<uint64_t>* out) override;
  Status PendingAlerts(size_t limit, std::vector<StoredAlert>* out) override;
  Status CountPendingAlerts(uint64_t* out) override;
  Status AckAlerts(const std::vector<uint64_t>& seqs) override;
  uint64_t next_alert_seq() const override { return next_alert_seq_; }
  Status CatchUp() override;
  Status NewestTime(int64_t at_most, std::optional<int64_t>* out) override;
  Status close_flush_status() const override { return close_flush_; }
  Status Prune(const PruneOptions& options, PruneStats* stats) override;  // rocks_store_retention.cc
  Status Backup(const std::string& backup_dir, BackupResult* out) override;
  Status ForgetStoreId() override;

 private:
  RocksStore() = default;
  // The parts of Open(), in order.
  // on_disk: the families a read-write open listed (nullopt: the listing failed).
  Status OpenDb(rocksdb::DBOptions db_opts, const std::vector<rocksdb::ColumnFamilyDescriptor>& cfs,
                const std::optional<std::vector<std::string>>& on_disk);
  // A read-write DB::Open that creates the families not on disk in one call.
  rocksdb::Status OpenCreatingMissingFamilies(const rocksdb::DBOptions& db_opts,
                                              const std::vector<rocksdb::ColumnFamilyDescriptor>& cfs,
                                              const std::optional<std::vector<std::string>>& listed,
                                              rocksdb::DB** raw);
  Status RecoverDeadLetterSeq();
  // A writer's open: starts written_keys_ if the docs family is empty.
  Status StartWrittenKeysIfEmpty();
  Status RecoverAlertSeq();
  // A writer's Open: indexes the alerts past the mark (a log written, or
  // appended to, by a version before alerts_by_group) and moves the mark
  // (rocks_store_alert_groups.cc).
  Status IndexAlertGroups();
  // Under write_mu_: deletes the entries below the log's first alert (an
  // older version's prune left them).
  Status DropAlertGroupEntriesBeforeTheLog();
  // The seq up to which alerts_by_group holds every alert (0: none), as
  // `ro` sees the store.
  Status AlertGroupsCovered(const rocksdb::ReadOptions& ro, uint64_t* out);
  // The log's alerts after `covered` up to `top`, newest first, until
  // visit(seq, id, json) returns false (the views last the call).
  Status ReadAlertsPast(const rocksdb::ReadOptions& ro, uint64_t covered, uint64_t top,
                        const std::function<bool(uint64_t, std::string_view, std::string_view)>& visit);
  // Decodes an alert log value; *time_ms is kUnknownAlertTime for one
  // written without its document's time.
  Status ReadAlert(uint64_t seq, rocksdb::Slice value, StoredAlert* out, int64_t* time_ms) const;
  // The same parts viewing `value` (nothing copied): for a reader that
  // wants the id alone, or the whole alert only sometimes.
  Status ParseAlert(uint64_t seq, rocksdb::Slice value, int64_t* time_ms, std::string_view* id,
                    std::string_view* json) const;
  Status CollectAlerts(rocksdb::Iterator* it, bool forward, size_t limit, std::vector<StoredAlert>* out) const;
  Status AddRecords(const std::vector<const PreparedRecord*>& records, rocksdb::WriteBatch* batch);
  Status AddDeadLetters(const std::vector<PreparedDeadLetter>& dls, uint64_t* seq, rocksdb::WriteBatch* batch);

  // Walks the index that serves `q` (by_stock of the stock, by_tag of the
  // first AND tag or of a single --any tag, else by_time) newest-first within
  // [since, until]. For every index entry calls visit(doc_key, record) where
  // record is the fetched document when `fetch` is true (documents failing
  // the filter are skipped), or null when `fetch` is false (only allowed when
  // the index and the key's source decide the filter: entries of other
  // sources are skipped). visit returns false to stop.
  template <typename Visit>
  Status Scan(const QueryOptions& q, bool fetch, Visit&& visit);
  // The entries of an index (by_tag or by_stock under `prefix`, by_time
  // under "") newest first within [since, until], from `it`: visit(time_ms,
  // doc_key) returns false to stop. Shared by Scan and ForEachIndexEntry.
  template <typename Visit>
  Status WalkIndex(rocksdb::Iterator* it, std::string_view prefix, std::optional<int64_t> since_ms,
                   std::optional<int64_t> until_ms, Visit&& visit);
  // Of the tags a query's documents must all carry, the one with the
  // fewest by_tag entries in [since, until] as RocksDB estimates them (the
  // index Scan walks: each of its documents is read to check the others).
  const std::string& RarestTag(const std::vector<std::string>& tags, std::optional<int64_t> since_ms,
                               std::optional<int64_t> until_ms);
  // The by_tag entries of several tags merged in by_time's order (newest
  // first within [since, until], then by key), each document once:
  // visit(time_ms, doc_key) returns false to stop. Scan's --any path.
  template <typename Visit>
  Status WalkAnyTags(const rocksdb::ReadOptions& ro, const std::vector<std::string>& tags,
                     std::optional<int64_t> since_ms, std::optional<int64_t> until_ms, Visit&& visit);
  // Positions `it` at an index's first entry under `prefix` with time <=
  // until (WalkIndex, WalkAnyTags).
  void SeekIndex(rocksdb::Iterator* it, std::string_view prefix, std::optional<int64_t> until_ms);
  // *live: `it` stands on an entry under `prefix` with time >= since (the
  // entries are newest first: false ends the walk); Corruption for a key
  // too short, the iterator's error at its end.
  Status AtIndexEntry(rocksdb::Iterator* it, std::string_view prefix, std::optional<int64_t> since_ms, bool* live);
  // The names an index's keys start with ("name\0..."), in byte order,
  // one seek per name, from `it` (by_tag's tags: ListTags and
  // ForEachIndexEntry, under the iterator's snapshot; alerts_by_group's
  // groups: AlertGroups). `index` names it in errors.
  Status ReadIndexNames(rocksdb::Iterator* it, std::string_view index, std::vector<std::string>* out);

  // Deletes one chunk of old documents (from *start on, by_time order) in
  // one WriteBatch; *start moves past it. *done when none is left.
  Status PruneChunk(const PruneOptions& options, std::string* start, PruneStats* stats, bool* done);
  // The alert log's start and the dead letters before the cutoff (store.h,
  // RETENTION AND BACKUP).
  Status PruneAlerts(const PruneOptions& options, PruneStats* stats);
  Status PruneDeadLetters(const PruneOptions& options, PruneStats* stats);
  // Prune's deletions and compaction; Prune fills in what they left.
  Status PruneSteps(const PruneOptions& options, PruneStats* stats);
  // Flushes every column family together and compacts each one whole.
  Status CompactAll();
  uint64_t LiveSstBytes();
  // Deletions (point and range) in the memtables and SST files: entries a
  // compaction would drop.
  uint64_t PendingDeletions();
  // Deletions in one family's SST files only.
  uint64_t DeletionsInTables(rocksdb::ColumnFamilyHandle* h);

  // Reads through `ro` see one state of a store that a writer changes:
  // a snapshot is taken into *snapshot (none for a reader, whose view
  // changes only in CatchUp()).
  void PinSnapshot(std::optional<rocksdb::ManagedSnapshot>* snapshot, rocksdb::ReadOptions* ro);

  Status Fail(std::string_view what, const rocksdb::Status& s) const;
  // What every call but Close() returns once the store is closed.
  Status ClosedError() const;
  // Writes `batch` with the store's sync/WAL settings; a failure is kept in
  // write_status_ (no writes after it). The caller holds write_mu_.
  Status Commit(rocksdb::WriteBatch* batch, std::string_view what);
  // The store's id (store_keys.h kMetaStoreId), written if it has none yet. Under write_mu_.
  Status EnsureStoreId(std::string* out);
  // Whether the store's directory is the one opened (dir_ino_): not
  // removed, moved away or replaced.
  bool StillAtPath() const;
  // StillAtPath, as a writer's error: a writer whose directory is gone
  // writes into files no later open will find: nothing of it is durable.
  Status CheckStillAtPath() const;
  Status ReadCounter(const rocksdb::ReadOptions& ro, std::string_view name,
                     uint64_t* out);

  std::shared_ptr<rocksdb::Env> env_;  // StoreOptions::env (null = default); outlives db_
  std::string path_;
  bool no_writer_ = false;     // read_only: a plain read-only open (StoreOptions::no_writer)
  std::string secondary_dir_;  // a secondary's directory (read_only), removed once open (or on close if the open failed)
  bool read_only_ = false;
  // The store directory's inode when it was opened: a reader's CatchUp()
  // must not read the MANIFEST of a store restored or moved into the same
  // path (a secondary instance names its files by path; RocksDB asserts on
  // a foreign MANIFEST), and a writer must not go on writing into a
  // directory removed under it (CheckStillAtPath).
  uint64_t dir_ino_ = 0, dir_dev_ = 0;
  bool sync_writes_ = false;
  bool disable_wal_ = false;
  bool appends_indexes_ = false;  // by_tag, by_story and by_stock are vector memtables (AppendsIndexes)
  std::unique_ptr<rocksdb::DB> db_;
  // Handles for every column family opened (ours and any unknown ones found
  // on disk, which RocksDB requires us to open); destroyed before db_.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* docs_ = nullptr;
  rocksdb::ColumnFamilyHandle* by_tag_ = nullptr;
  rocksdb::ColumnFamilyHandle* by_time_ = nullptr;
  rocksdb::ColumnFamilyHandle* dead_letter_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* by_story_ = nullptr;  // null only for a reader of an old store
  rocksdb::ColumnFamilyHandle* by_stock_ = nullptr;  // null only for a reader of an old store
  rocksdb::ColumnFamilyHandle* alerts_ = nullptr;    // null only for a reader of an old store
  rocksdb::ColumnFamilyHandle* outbox_ = nullptr;    // null only for a reader of an old store
  rocksdb::ColumnFamilyHandle* alerts_by_group_ = nullptr;  // null only for a reader of an old store
  // Next dead-letter sequence number; touched only by the (single) writer.
  uint64_t next_dead_letter_seq_ = 1;
  uint64_t next_alert_seq_ = 1;  // the same for the alert log
  // A writer of a store that had no documents when it was opened: the keys
  // it has written since (AddRecords looks up only those). Under write_mu_.
  WrittenKeys written_keys_;
  // Held by each Write(), each Prune() batch and a Backup(): a backup sees
  // the store between two writes. Uncontended except during a backup.
  // write_status_ is set only under it (Backup() reads it from its thread).
  std::mutex write_mu_;
  Status close_status_;  // what the first Close() returned
  Status close_flush_;   // a WAL store's flush at close, when it failed (close_flush_status())
  Status write_status_;  // the first failed write or flush: no writes after it
};

}  // namespace newsflow::storage
