// restore.h — the backups that Store::Backup() made: list them, restore one
// into a new store directory, delete the old ones.
//
// A backup directory is RocksDB BackupEngine's (backups share their
// unchanged files); it holds every column family of the store: documents,
// indexes, dead letters and meta (counters, Kafka offsets, progress marks).
// Restoring gives the store exactly as it was at that backup.
//
// A flock on DIR/newsflow.lock keeps a backup or a purge (exclusive) apart
// from a listing or a restore (shared) of the same directory, in any
// process: a restore never reads a backup that a purge is deleting.
//
// Ownership: plain functions; the caller owns the directories. Threads: any,
// but not two restores into one directory. Errors: Status naming the
// directory and RocksDB's reason.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "newsflow/base/status.h"
#include "newsflow/storage/store.h"

namespace newsflow::storage {

// The backups in `backup_dir`, oldest first (new_files/new_bytes: the files
// each added to the ones before it), with the ones RocksDB holds damaged (a
// file missing or of the wrong size, an unreadable description) marked
// `damaged` (only their backup_id is known). With `verify`, every other
// backup's files are also read and checked against their checksums (as a
// restore does first): one that fails is marked damaged, with the reason in
// `damage`. NotFound when there is no backup there.
Status ListBackups(const std::string& backup_dir, std::vector<BackupResult>* out, bool verify = false);

// Restores backup `backup_id` (0 = the latest) of `backup_dir` into
// `db_dir`, after checking the backup's files against their checksums.
// `db_dir` must be absent or an empty directory (InvalidArgument): a
// restore never overwrites a store, nor deletes files beside one. A damaged
// backup, known so or found so by the checksums, is Corruption and nothing
// is written; "the latest" is the newest backup even when it is damaged (an
// older one is never restored in its place: the caller names it).
// *restored describes the backup that was restored.
Status RestoreBackup(const std::string& backup_dir, const std::string& db_dir, uint32_t backup_id,
                     BackupResult* restored);

// InvalidArgument when `backup_dir` is the store `db_dir`'s directory, lies
// inside it, or holds it (compared as canonical paths: symbolic links and
// ".." resolved): a backup there would copy itself, or be deleted with the
// store. OK when `db_dir` does not exist (opening it says so).
Status CheckBackupDirApart(const std::string& db_dir, const std::string& backup_dir);

// InvalidArgument when `backup_dir` is a file, or a directory that holds
// files but no backup (no meta/): a backup would put RocksDB's meta/,
// private/ and shared_checksum/ among unrelated files (a rules directory, a
// home directory). A new or empty directory, or one a backup made, is OK.
// (A listing, a restore or a purge of a directory that holds no backup is
// NotFound and leaves it as it was.)
Status CheckBackupTarget(const std::string& backup_dir);

// Deletes every backup of `backup_dir` but the newest `keep` (at least 1) that
// are whole (a damaged one stays),
// with the files no kept backup shares (BackupEngine::PurgeOldBackups), and
// says how many went. It waits for a backup, a listing or a restore of the
// directory to finish (see above).
Status PurgeOldBackups(const std::string& backup_dir, uint32_t keep, uint32_t* purged);

}  // namespace newsflow::storage
