// writer_requests.h — backups of a store that a running writer holds.
//
// Only one process can open a RocksDB store read-write, and `newsflow run`
// holds it (RocksDB's LOCK file) for as long as it runs. So the writer takes
// the backup itself, on its own handle (Store::Backup: BackupEngine, every
// column family, between two batches), when asked:
//
//   newsflow backup            writes <db>/writer-requests/<id>.request (the
//                              backup directory), then waits for <id>.result
//   newsflow retag             writes <db>/writer-requests/<id>.retag (rules
//                              directory, time range), then waits for <id>.result
//   WriterRequestService       a thread in `run` polling that directory every
//                              200 ms; takes the backup or runs the re-tag
//                              (retag.h: its writes are serialized with the
//                              run's and never overwrite a newer version),
//                              writes <id>.result, removes the request
//
// The writer's batches wait while a backup is taken (seconds for the first
// one; later ones copy only new files). Files are written to a temporary name
// and renamed, so neither side reads half a file. The service works while the
// source is idle (it does not wait for a batch). A result nobody collected
// (its requester was killed) is removed after kStaleResultAge.
//
// Not every holder of the store's LOCK serves requests: a standalone
// `retag`, `prune` or a `serve` that prunes holds it too, and a request
// written for one of them would wait for nothing. The service holds an
// exclusive flock on <db>/writer-requests/serving.lock from Start() until
// Stop() has answered the last request; WhoHoldsStore() tells the two
// apart by it (the kernel drops the flock with a killed run; it works across
// pid namespaces, where the LOCK holder's pid cannot be seen).
//
// Ownership: WriterRequestService borrows the store, which must outlive Stop().
// Threads: WriterRequestService owns one thread; Stop() from the owner's thread.
// RequestBackup blocks its caller. Errors: Status; a failed backup is
// reported to the requester, never to the run.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "newsflow/base/status.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/retag.h"

namespace newsflow::pipeline {

// The pid holding the store's RocksDB LOCK (a writer), -1 when one holds it
// whose pid this process cannot see (another pid namespace: a container
// sharing the volume), or 0 when none does. Never call it from a process
// that holds the store itself: it opens and closes the LOCK file, and
// closing any descriptor of a file drops every POSIX lock the process has
// on it (RocksDB's included); a process never sees its own lock anyway.
int StoreWriterPid(const std::string& db_dir);
// "pid N", or "in another pid namespace" for -1: StoreWriterPid in a message.
// With the command line where /proc shows it: "pid N: newsflow retag".
std::string DescribeWriter(int pid);

// Who holds the store's LOCK: nobody, a `run` whose WriterRequestService
// answers requests, or another command (a standalone retag or prune, a
// serve that prunes, a run of an older binary). Same caveat as StoreWriterPid.
struct StoreHolder {
  enum Kind { kNone, kServingWriter, kOther } kind = kNone;
  int pid = 0;  // StoreWriterPid's
};
StoreHolder WhoHoldsStore(const std::string& db_dir);

// Waits up to timeout_ms while another command (kOther) holds `db_dir`,
// telling stderr once, as "newsflow COMMAND: ...", whom it waits for and how
// long, and returns the holder then: kNone (the caller opens the store
// itself) or kServingWriter (the caller sends a request). Unavailable,
// naming the holder, when it still holds the store at the end.
Status AwaitStoreFreeOrServed(const std::string& db_dir, int64_t timeout_ms, std::string_view command,
                              StoreHolder* out);

// Results older than this in writer-requests/ were never collected.
inline constexpr std::chrono::minutes kStaleResultAge{10};

// Asks the writer holding `db_dir` to back it up into `backup_dir` and waits
// up to timeout_ms for the result. Fails (Unavailable) if the writer stops
// serving requests (exits) or the time runs out first; the request is then
// withdrawn.
Status RequestBackup(const std::string& db_dir, const std::string& backup_dir, int64_t timeout_ms,
                     storage::BackupResult* out);

// Asks the writer holding `db_dir` to re-tag (retag.h) and waits up to
// timeout_ms; *summary_json: the RetagSummary as JSON. A run that ends
// first interrupts the re-tag between batches (it resumes next time). So
// does giving up: the time running out (Unavailable) or options.stop set
// (Aborted) withdraws the request, and the writer stops the re-tag after
// its current batch.
Status RequestRetag(const std::string& db_dir, const RetagOptions& options, int64_t timeout_ms,
                    std::string* summary_json);

class WriterRequestService {
 public:
  // `rules_cache_dir`: where the re-tags it serves keep compiled rules (tagger.h).
  WriterRequestService(storage::Store* store, std::string db_dir, std::string rules_cache_dir = DefaultRulesCacheDir());
  ~WriterRequestService();  // Stop()
  WriterRequestService(const WriterRequestService&) = delete;
  WriterRequestService& operator=(const WriterRequestService&) = delete;

  void Start();
  // Wakes the thread from its wait between polls and joins it (a backup in
  // progress finishes first), then serves the requests still pending, so
  // none made while the store was held goes unanswered. Call while the store
  // is open.
  void Stop();
  uint64_t backups_taken() const { return taken_.load(); }

 private:
  void ServePending();
  void ServeRetag(const std::filesystem::path& request);

  storage::Store* store_;
  std::string dir_;  // <db>/writer-requests
  std::string rules_cache_dir_;
  std::atomic<bool> stop_{false};  // also read by a re-tag in progress, between its batches
  std::mutex stop_mu_;             // with stop_cv_: Stop() wakes the thread from its wait
  std::condition_variable stop_cv_;
  std::atomic<uint64_t> taken_{0};
  int serving_fd_ = -1;  // serving.lock, flock'ed from Start() to the end of Stop()
  std::thread thread_;
};

}  // namespace newsflow::pipeline
