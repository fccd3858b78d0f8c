// backup_service.h — backups of a store that a running writer holds.
//
// Only one process can open a RocksDB store read-write, and `newsflow run`
// holds it (RocksDB's LOCK file) for as long as it runs. So the writer takes
// the backup itself, on its own handle (Store::Backup: BackupEngine, every
// column family, between two batches), when asked:
//
//   newsflow backup            writes <db>/backup-requests/<id>.request (the
//                              backup directory), then waits for <id>.result
//   BackupService (in run)     a thread polling that directory every 200 ms;
//                              takes the backup, writes <id>.result, removes
//                              the request
//
// The writer's batches wait while a backup is taken (seconds for the first
// one; later ones copy only new files). Files are written to a temporary name
// and renamed, so neither side reads half a file. The service works while the
// source is idle (it does not wait for a batch).
//
// Ownership: BackupService borrows the store, which must outlive Stop().
// Threads: BackupService owns one thread; Stop() from the owner's thread.
// RequestBackup blocks its caller. Errors: Status; a failed backup is
// reported to the requester, never to the run.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "newsflow/base/status.h"
#include "newsflow/storage/store.h"

namespace newsflow::pipeline {

// The pid holding the store's RocksDB LOCK (a writer), or 0 when none does.
int StoreWriterPid(const std::string& db_dir);

// Asks the writer holding `db_dir` to back it up into `backup_dir` and waits
// up to timeout_ms for the result. Fails (Unavailable) if the writer exits or
// the time runs out first; the request is then withdrawn.
Status RequestBackup(const std::string& db_dir, const std::string& backup_dir, int64_t timeout_ms,
                     storage::BackupResult* out);

class BackupService {
 public:
  BackupService(storage::Store* store, std::string db_dir);
  ~BackupService();  // Stop()
  BackupService(const BackupService&) = delete;
  BackupService& operator=(const BackupService&) = delete;

  void Start();
  // Joins the thread (a backup in progress finishes first), then serves the
  // requests still pending, so none made while the store was held goes
  // unanswered. Call while the store is open.
  void Stop();
  uint64_t backups_taken() const { return taken_.load(); }

 private:
  void ServePending();

  storage::Store* store_;
  std::string dir_;  // <db>/backup-requests
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> taken_{0};
  std::thread thread_;
};

}  // namespace newsflow::pipeline
