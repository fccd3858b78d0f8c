// backup_engine.h — internal to storage/: the BackupEngine calls behind
// Store::Backup() and restore.h, and how a backup's app metadata records the
// store's counters.
//
// Ownership: each call opens and closes its own BackupEngine. Threads: the
// caller of BackupDb excludes writes for the duration (RocksStore's write
// lock). Errors: Status naming the backup directory.
#pragma once

#include <string>

#include <rocksdb/db.h>

#include "newsflow/base/status.h"
#include "newsflow/storage/store.h"

namespace newsflow::storage {

// Adds a backup of `db` (every column family, memtables flushed first) to
// `backup_dir`, with `counts` in its app metadata, and describes it.
Status BackupDb(rocksdb::DB* db, const std::string& backup_dir, const Counts& counts, BackupResult* out);

}  // namespace newsflow::storage
