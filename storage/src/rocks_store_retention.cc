// rocks_store_retention.cc — RocksStore's retention and backup: Prune(),
// NewestTime(), Backup() (store.h, RETENTION AND BACKUP).
//
// Prune walks by_time from the newest document older than the cutoff to
// the oldest, a chunk at a time. One WriteBatch per chunk deletes the
// documents, their by_tag/by_story/by_stock entries (point deletes: their
// keys come from the stored record), the chunk's by_time entries (one
// DeleteRange: they are contiguous) and lowers count/docs by the chunk's
// size. Then the alert log's start (PruneAlerts) and the dead letters stored
// before the cutoff (PruneDeadLetters) go, and every column family is
// compacted, which drops the deleted entries and the range tombstones and
// gives the space back: after a prune that removed something, and after one
// that removed nothing while deletions wait (PendingDeletions: a prune
// killed before its compaction, a run's retention passes).
#include <algorithm>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/write_batch.h>

#include "backup_engine.h"
#include "newsflow/storage/restore.h"
#include "rocks_store.h"
#include "store_keys.h"

namespace newsflow::storage {

Status RocksStore::NewestTime(int64_t at_most, std::optional<int64_t>* out) {
  if (!db_) return ClosedError();
  out->reset();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), by_time_));
  std::string start;
  PutTimeKey(&start, at_most);
  it->Seek(start);  // newest first: the first entry with time <= at_most
  if (it->Valid()) {
    if (it->key().size() < kTimeKeyBytes) return Status::Corruption(fmt::format("corrupt time index key in store at {}", path_));
    *out = GetTimeKey(it->key().data());
  }
  if (!it->status().ok()) return Fail("scanning time index", it->status());
  return Status::OK();
}

uint64_t RocksStore::PendingDeletions() {
  uint64_t total = 0;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, "rocksdb.num-deletes-active-mem-table", &v)) total += v;
    if (db_->GetIntProperty(h, "rocksdb.num-deletes-imm-mem-tables", &v)) total += v;
    total += DeletionsInTables(h);
  }
  return total;
}

uint64_t RocksStore::DeletionsInTables(rocksdb::ColumnFamilyHandle* h) {
  uint64_t total = 0;
  rocksdb::TablePropertiesCollection tables;
  if (!db_->GetPropertiesOfAllTables(h, &tables).ok()) return 0;
  for (const auto& [file, props] : tables) total += props->num_deletions + props->num_range_deletions;
  return total;
}

uint64_t RocksStore::LiveSstBytes() {
  uint64_t total = 0;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, "rocksdb.live-sst-files-size", &v)) total += v;
  }
  return total;
}

Status RocksStore::Prune(const PruneOptions& options, PruneStats* stats) {
  if (!db_) return ClosedError();
  *stats = PruneStats{};
  if (read_only_) return Status::InvalidArgument(fmt::format("cannot prune store at {}: opened read-only", path_));
  if (!write_status_.ok()) {
    return Status::Aborted(fmt::format("store at {} takes no writes after a failed one: {}", path_,
                                       write_status_.message()));
  }
  if (options.docs_per_batch == 0) return Status::InvalidArgument("prune: docs_per_batch must be at least 1");
  NEWSFLOW_RETURN_IF_ERROR(ReadCounter(rocksdb::ReadOptions(), kMetaCountDocs, &stats->docs_before));
  stats->sst_bytes_before = LiveSstBytes();
  const Status s = PruneSteps(options, stats);
  // What it did, also when a step failed (a full disk at the compaction):
  // each batch removed its documents and lowered count/docs together.
  if (!ReadCounter(rocksdb::ReadOptions(), kMetaCountDocs, &stats->docs_after).ok())
    stats->docs_after = stats->docs_before - std::min(stats->docs_before, stats->docs_removed);
  stats->sst_bytes_after = LiveSstBytes();
  return s;
}

Status RocksStore::PruneSteps(const PruneOptions& options, PruneStats* stats) {
  if (options.before_ms != INT64_MIN) {
    std::string start;  // by_time is newest first: documents older than the cutoff sort at and after this
    PutTimeKey(&start, options.before_ms - 1);
    for (bool done = false; !done;) {
      NEWSFLOW_RETURN_IF_ERROR(PruneChunk(options, &start, stats, &done));
      if (options.after_batch) options.after_batch(*stats);
    }
  }
  if (options.before_ms != INT64_MIN) {
    NEWSFLOW_RETURN_IF_ERROR(PruneAlerts(options, stats));
    NEWSFLOW_RETURN_IF_ERROR(PruneDeadLetters(options, stats));
  }
  // Also when this prune removed nothing but deletions wait in the store:
  // a prune interrupted before its compaction (kill -9, a full disk), or
  // the retention passes of a run (which never compact), left them, and
  // only a compaction gives their space back.
  const bool removed = stats->docs_removed > 0 || stats->alerts_removed > 0 || stats->dead_letters_removed > 0;
  if (options.compact && (removed || PendingDeletions() > 0)) {
    NEWSFLOW_RETURN_IF_ERROR(CompactAll());
    stats->compacted = true;
  }
  return Status::OK();
}

Status RocksStore::PruneChunk(const PruneOptions& options, std::string* start, PruneStats* stats, bool* done) {
  std::lock_guard lock(write_mu_);  // a Backup() sees whole chunks only
  rocksdb::ReadOptions ro;
  std::vector<std::string> time_keys;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, by_time_));
    for (it->Seek(*start); it->Valid() && time_keys.size() < options.docs_per_batch; it->Next()) {
      if (it->key().size() <= kTimeKeyBytes) {
        return Status::Corruption(fmt::format("corrupt time index key in store at {}", path_));
      }
      time_keys.push_back(it->key().ToString());
    }
    if (!it->status().ok()) return Fail("scanning time index", it->status());
  }
  if (time_keys.empty()) {
    *done = true;
    return Status::OK();
  }
  std::vector<rocksdb::Slice> keys;
  keys.reserve(time_keys.size());
  for (const auto& k : time_keys) keys.emplace_back(k.data() + kTimeKeyBytes, k.size() - kTimeKeyBytes);
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(ro, docs_, keys.size(), keys.data(), values.data(), statuses.data());

  rocksdb::WriteBatch batch;
  uint64_t index_entries = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string_view key = keys[i].ToStringView();
    if (statuses[i].IsNotFound()) {
      return Status::Corruption(fmt::format("index entry for missing record {} in store at {}", key, path_));
    }
    if (!statuses[i].ok()) return Fail(fmt::format("reading record {}", key), statuses[i]);
    Record old;
    if (!DecodeRecord(values[i].ToStringView(), &old)) {
      return Status::Corruption(fmt::format("corrupt stored record {} in store at {}", key, path_));
    }
    for (const auto& t : old.tags) batch.Delete(by_tag_, TagIndexKey(t.tag, old.time_ms, key));
    index_entries += old.tags.size();
    if (!old.story.empty() && by_story_ != nullptr) {
      batch.Delete(by_story_, TagIndexKey(old.story, old.time_ms, key));
      ++index_entries;
    }
    for (const auto& c : IndexedStockCodes(old.stock_codes)) {
      batch.Delete(by_stock_, TagIndexKey(c, old.time_ms, key));
      ++index_entries;
    }
    batch.Delete(docs_, keys[i]);
  }
  // The chunk's by_time entries are every key from the first to the last
  // one read (no writer runs meanwhile): one range tombstone.
  const std::string end = time_keys.back() + '\0';  // the first key after the last one
  batch.DeleteRange(by_time_, time_keys.front(), end);
  uint64_t count = 0;
  NEWSFLOW_RETURN_IF_ERROR(ReadCounter(ro, kMetaCountDocs, &count));
  batch.Put(meta_, kMetaCountDocs, std::to_string(count >= keys.size() ? count - keys.size() : 0));

  NEWSFLOW_RETURN_IF_ERROR(Commit(&batch, "prune write failed"));
  stats->docs_removed += keys.size();
  stats->index_entries_removed += index_entries;
  *start = end;
  *done = time_keys.size() < options.docs_per_batch;
  return Status::OK();
}

// The start of the alert log up to the first alert whose document is at or
// after the cutoff (the log is in the order alerts were raised: a late
// document's alert further on waits for a later prune). An alert of unknown
// time (written by an earlier version), or dated after
// options.misdated_after_ms (a wrong time: it must not hold the log back for
// ever), goes only with a later alert that goes; one still in the outbox,
// and the log's newest (the next seq follows it: Open() reads it), stay. The
// alert ids in meta stay, so that an alert is still never raised twice.
// Two passes: where the start ends, then deletes in batches of
// docs_per_batch.
Status RocksStore::PruneAlerts(const PruneOptions& options, PruneStats* stats) {
  if (alerts_ == nullptr) return Status::OK();
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, alerts_));
  it->SeekToLast();
  if (!it->Valid()) return it->status().ok() ? Status::OK() : Fail("reading the alert log", it->status());
  const std::string newest = it->key().ToString();
  // A document before the cutoff is never misdated, whatever the caller's clock.
  const int64_t misdated_after = std::max(options.misdated_after_ms, options.before_ms);
  std::string last_to_go;  // the last alert of the start (empty: none goes)
  for (it->SeekToFirst(); it->Valid() && it->key().compare(newest) < 0; it->Next()) {
    if (it->key().size() != 8) return Status::Corruption(fmt::format("corrupt alert key in store at {}", path_));
    const rocksdb::Slice v = it->value();
    if (v.empty() || v[0] != kAlertTimeMarker) continue;  // unknown time
    if (v.size() < 9) return Status::Corruption(fmt::format("corrupt alert in store at {}", path_));
    const auto time_ms = static_cast<int64_t>(GetBigEndian64(v.data() + 1));
    if (time_ms == kUnknownAlertTime || time_ms > misdated_after) continue;
    if (time_ms >= options.before_ms) break;
    last_to_go = it->key().ToString();
  }
  if (!it->status().ok()) return Fail("reading the alert log", it->status());
  if (last_to_go.empty()) return Status::OK();

  rocksdb::WriteBatch batch;
  uint64_t in_batch = 0;
  auto commit = [&]() -> Status {
    std::lock_guard lock(write_mu_);  // a Backup() sees whole batches only
    NEWSFLOW_RETURN_IF_ERROR(Commit(&batch, "prune write failed"));
    stats->alerts_removed += in_batch;
    batch.Clear();
    in_batch = 0;
    return Status::OK();
  };
  for (it->SeekToFirst(); it->Valid() && it->key().compare(last_to_go) <= 0; it->Next()) {
    if (outbox_ != nullptr) {
      std::string v;
      rocksdb::Status s = db_->Get(ro, outbox_, it->key(), &v);
      if (s.ok()) continue;  // not delivered yet: its sink still needs it
      if (!s.IsNotFound()) return Fail("reading the alert outbox", s);
    }
    batch.Delete(alerts_, it->key());
    if (alerts_by_group_ != nullptr) {  // its alerts_by_group entry goes with it
      const uint64_t seq = GetBigEndian64(it->key().data());
      int64_t time_ms = 0;
      std::string_view id, json;
      NEWSFLOW_RETURN_IF_ERROR(ParseAlert(seq, it->value(), &time_ms, &id, &json));
      if (const std::string_view group = AlertGroupOf(id); !group.empty())
        batch.Delete(alerts_by_group_, AlertGroupKey(group, seq));
    }
    if (++in_batch >= options.docs_per_batch) NEWSFLOW_RETURN_IF_ERROR(commit());
  }
  if (!it->status().ok()) return Fail("reading the alert log", it->status());
  if (in_batch > 0) NEWSFLOW_RETURN_IF_ERROR(commit());
  return Status::OK();
}

// The dead letters stored before the cutoff (their time is when they were
// stored: the log is in that order, so they are its start), but the newest
// (the next seq follows it: Open() reads it). count/dead_letters is lowered
// with each batch. Their identities in meta stay, so the same bad input read
// again is still recognised and not stored twice.
Status RocksStore::PruneDeadLetters(const PruneOptions& options, PruneStats* stats) {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, dead_letter_));
  it->SeekToLast();
  if (!it->Valid()) return it->status().ok() ? Status::OK() : Fail("reading dead letters", it->status());
  const std::string newest = it->key().ToString();
  rocksdb::WriteBatch batch;
  uint64_t in_batch = 0;
  auto commit = [&]() -> Status {
    std::lock_guard lock(write_mu_);  // a Backup() sees whole batches only
    uint64_t count = 0;
    NEWSFLOW_RETURN_IF_ERROR(ReadCounter(ro, kMetaCountDeadLetters, &count));
    batch.Put(meta_, kMetaCountDeadLetters, std::to_string(count >= in_batch ? count - in_batch : 0));
    NEWSFLOW_RETURN_IF_ERROR(Commit(&batch, "prune write failed"));
    stats->dead_letters_removed += in_batch;
    batch.Clear();
    in_batch = 0;
    return Status::OK();
  };
  for (it->SeekToFirst(); it->Valid() && it->key().compare(newest) < 0; it->Next()) {
    DeadLetter d;
    if (!DecodeDeadLetter(it->value().ToStringView(), &d))
      return Status::Corruption(fmt::format("corrupt dead letter in store at {}", path_));
    if (d.time_ms >= options.before_ms) break;
    batch.Delete(dead_letter_, it->key());
    if (++in_batch >= options.docs_per_batch) NEWSFLOW_RETURN_IF_ERROR(commit());
  }
  if (!it->status().ok()) return Fail("reading dead letters", it->status());
  if (in_batch > 0) NEWSFLOW_RETURN_IF_ERROR(commit());
  return Status::OK();
}

Status RocksStore::CompactAll() {
  // Flush every family together first: for a store without a WAL (atomic
  // flush) a per-family flush would break the families' agreement on disk.
  rocksdb::FlushOptions fo;
  fo.wait = true;
  fo.allow_write_stall = true;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(handles_.begin(), handles_.end());
  {
    std::lock_guard lock(write_mu_);  // sets write_status_, which Backup() reads
    if (rocksdb::Status s = db_->Flush(fo, cfs); !s.ok()) {
      write_status_ = Fail("flush before compaction", s);
      return write_status_;
    }
  }
  // A table that retention filled with deletions is marked for compaction
  // (the collector in rocks_store.cc), and RocksDB's own compaction moves
  // such a level-0 table to the last level whole when nothing overlaps it.
  // When that move raced CompactRange (which plans from level 0 first),
  // the table reached the last level after the plan and kept every
  // tombstone: seen on a loaded machine, where the prune said "compacted",
  // gave nothing back, and the next one compacted again. A family that
  // still holds deletions after the compaction is compacted once more,
  // with kForce; nothing holds a snapshot here, so that pass drops them.
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  rocksdb::CompactRangeOptions force = cro;
  force.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* h : handles_) {
    rocksdb::Status s = db_->CompactRange(cro, h, nullptr, nullptr);
    if (s.ok() && DeletionsInTables(h) > 0) s = db_->CompactRange(force, h, nullptr, nullptr);
    if (s.IsCompactionTooLarge()) {  // RocksDB's own check of the volume's free space, before it writes
      return Status::IOError(fmt::format(
          "compacting {} in store at {}: too little free space on its volume (a compaction rewrites its files "
          "before it deletes the old ones); the space of what was deleted comes back at the next prune once "
          "there is room",
          h->GetName(), path_));
    }
    if (!s.ok()) return Fail(fmt::format("compacting {}", h->GetName()), s);
  }
  return Status::OK();
}

// Written once, in the store's own meta column family: a restored store
// keeps it, so its backups go on in the directory of the one it replaced.
// Called under the write lock (the backup's flush makes it durable).
Status RocksStore::EnsureStoreId(std::string* out) {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, kMetaStoreId, out);
  if (s.ok()) return Status::OK();
  if (!s.IsNotFound()) return Fail("reading the store id", s);
  std::random_device random;
  *out = fmt::format("{:08x}{:08x}{:08x}{:08x}", random(), random(), random(), random());
  rocksdb::WriteBatch batch;
  batch.Put(meta_, kMetaStoreId, *out);
  return Commit(&batch, "writing the store id");
}

Status RocksStore::ForgetStoreId() {
  if (read_only_) return Status::InvalidArgument(fmt::format("cannot write to store at {}: opened read-only", path_));
  std::lock_guard lock(write_mu_);
  if (!db_) return ClosedError();
  if (!write_status_.ok()) return write_status_;
  rocksdb::WriteBatch batch;
  batch.Delete(meta_, kMetaStoreId);
  return Commit(&batch, "forgetting the store id");
}

Status RocksStore::Backup(const std::string& backup_dir, BackupResult* out) {
  if (read_only_) return Status::InvalidArgument(fmt::format("cannot back up store at {} from a reader", path_));
  // Also for a backup a writer takes on request (the requester checked too).
  NEWSFLOW_RETURN_IF_ERROR(CheckBackupDirApart(path_, backup_dir));
  NEWSFLOW_RETURN_IF_ERROR(CheckBackupTarget(backup_dir));
  // The directory first: waiting there (another process's backup or purge)
  // holds no batch of the writer back.
  std::unique_ptr<BackupDirLock> dir_lock;
  NEWSFLOW_RETURN_IF_ERROR(BackupDirLock::Take(backup_dir, &dir_lock));
  // The backup is made under the write lock (the state between two
  // writes); BackupDb verifies it after, while the writer goes on. The
  // store stays open meanwhile: Close() takes the write lock too, and the
  // verification reads only the backup directory.
  auto excluding_writes = [this](const BackupMaker& make) -> Status {
    std::lock_guard lock(write_mu_);
    if (!db_) return ClosedError();  // checked under the lock: Backup() may race with Close()
    if (!write_status_.ok()) {
      return Status::Aborted(fmt::format("store at {} failed a write: {}", path_, write_status_.message()));
    }
    Counts counts;
    NEWSFLOW_RETURN_IF_ERROR(GetCounts(&counts));
    std::string store_id;
    NEWSFLOW_RETURN_IF_ERROR(EnsureStoreId(&store_id));
    return make(db_.get(), counts, store_id);
  };
  return BackupDb(backup_dir, excluding_writes, out);
}

}  // namespace newsflow::storage
