// backup_engine.h — internal to storage/: the BackupEngine calls behind
// Store::Backup() and restore.h, and how a backup's app metadata records the
// store's counters.
//
// Ownership: each call opens and closes its own BackupEngine. Threads:
// BackupDb's `excluding_writes` runs its argument while writes are
// excluded (RocksStore's write lock): only the backup's creation, not its
// verification, holds the writer's batches back. Errors: Status naming the
// backup directory.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "newsflow/base/status.h"
#include "newsflow/storage/store.h"

namespace newsflow::storage {

// Holds `backup_dir`/newsflow.lock with flock for its lifetime: a backup
// and a purge of old backups in one directory, in this process or another,
// never overlap (a purge deletes the shared files that no finished backup
// names, an unfinished backup's among them), and a restore or a listing
// (shared) never reads a backup that a purge is deleting. Take() creates the
// directory and waits for the lock. TakeShared() waits for a backup or a
// purge to finish and creates nothing: with no lock file it makes one if it
// can, and a directory it cannot write (a read-only copy, which nothing can
// purge either) is read without a lock (*out stays null).
class BackupDirLock {
 public:
  static Status Take(const std::string& backup_dir, std::unique_ptr<BackupDirLock>* out);
  static Status TakeShared(const std::string& backup_dir, std::unique_ptr<BackupDirLock>* out);
  ~BackupDirLock();
  BackupDirLock(const BackupDirLock&) = delete;
  BackupDirLock& operator=(const BackupDirLock&) = delete;

 private:
  explicit BackupDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// Adds a backup of `db` (every column family, memtables flushed first) to
// `backup_dir`, with `counts` in its app metadata, and describes it. The
// caller holds the directory's BackupDirLock (taken before the store's
// write lock: a writer never waits on another process's backup or purge).
//
// `excluding_writes(make)` calls make(db, counts, store_id) with writes
// excluded and returns what it returns (or why the store cannot be backed up
// now). A directory holding a backup of another store id is refused
// (InvalidArgument) before anything is written.
using BackupMaker = std::function<Status(rocksdb::DB* db, const Counts& counts, const std::string& store_id)>;
Status BackupDb(const std::string& backup_dir, const std::function<Status(const BackupMaker&)>& excluding_writes,
                BackupResult* out);

}  // namespace newsflow::storage
