// backup_engine.cc — Store::Backup()'s BackupEngine part and restore.h.
#include "backup_engine.h"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include "newsflow/storage/restore.h"
#include "rocks_status.h"

namespace newsflow::storage {
namespace {

// App metadata: "docs=N dead_letters=M store=ID" (stored in every backup;
// backups made before stores had ids end after M).
std::string EncodeAppMetadata(const Counts& c, const std::string& store_id) {
  return fmt::format("docs={} dead_letters={} store={}", c.docs, c.dead_letters, store_id);
}

Counts DecodeCounts(const std::string& meta) {
  Counts c;
  unsigned long long docs = 0, dls = 0;
  if (std::sscanf(meta.c_str(), "docs=%llu dead_letters=%llu", &docs, &dls) == 2) {
    c.docs = docs;
    c.dead_letters = dls;
  }
  return c;
}

std::string DecodeStoreId(const std::string& meta) {
  constexpr std::string_view kKey = " store=";
  const size_t at = meta.find(kKey);
  return at == std::string::npos ? std::string() : meta.substr(at + kKey.size());
}


// A failed backup step: what RocksDB did not say otherwise is an I/O error.
Status BackupError(const std::string& what, const rocksdb::Status& s) {
  return FromRocks(what, s, /*other_is_io_error=*/true);
}

rocksdb::BackupEngineOptions EngineOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions bo(dir);
  bo.share_table_files = true;          // incremental: an SST file is copied once
  bo.share_files_with_checksum = true;  // ... and named by its checksum
  bo.sync = true;
  bo.max_background_operations = 1;
  return bo;
}

// Describes every backup, oldest first; new_files/new_bytes against the
// union of the backups before it.
std::vector<BackupResult> Describe(const std::vector<rocksdb::BackupInfo>& infos) {
  std::vector<BackupResult> out;
  std::set<std::string> seen;
  for (const auto& info : infos) {
    BackupResult r;
    r.backup_id = info.backup_id;
    r.timestamp = info.timestamp;
    r.files = info.number_files;
    r.bytes = info.size;
    r.counts = DecodeCounts(info.app_metadata);
    r.store_id = DecodeStoreId(info.app_metadata);
    for (const auto& f : info.file_details) {
      if (seen.insert(f.relative_filename).second) {
        ++r.new_files;
        r.new_bytes += f.size;
      }
    }
    out.push_back(r);
  }
  return out;
}

template <typename Engine>
std::vector<rocksdb::BackupInfo> SortedInfos(const Engine& engine) {
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos, /*include_file_details=*/true);
  std::sort(infos.begin(), infos.end(), [](const auto& a, const auto& b) { return a.backup_id < b.backup_id; });
  return infos;
}

// A shared file of `info` whose size differs from the one its name records
// (EngineOptions names them "<number>_<session>_<size>.sst":
// kFlagIncludeFileSize), described; empty if none.
std::string WrongSizeFile(const rocksdb::BackupInfo& info) {
  for (const auto& f : info.file_details) {
    const std::string& name = f.relative_filename;
    const size_t dot = name.rfind('.'), bar = name.rfind('_', dot);
    if (name.rfind("shared_checksum/", 0) != 0 || dot == std::string::npos || bar == std::string::npos) continue;
    uint64_t named = 0;
    const auto [end, ec] = std::from_chars(name.data() + bar + 1, name.data() + dot, named);
    if (ec != std::errc() || end != name.data() + dot || named == f.size) continue;
    return fmt::format("its file {} is {} bytes, {} when it was backed up", name, f.size, named);
  }
  return {};
}

}  // namespace

namespace {
Status LockFd(int fd, int op, const std::string& path) {
  while (::flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    const int e = errno;
    ::close(fd);
    return Status::IOError(fmt::format("cannot lock {}: {}", path, std::strerror(e)));
  }
  return Status::OK();
}

std::string LockPath(const std::string& backup_dir) {
  return (std::filesystem::path(backup_dir) / "newsflow.lock").string();
}
}  // namespace

Status BackupDirLock::Take(const std::string& backup_dir, std::unique_ptr<BackupDirLock>* out) {
  std::error_code ec;
  std::filesystem::create_directories(backup_dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create backup directory {}: {}", backup_dir, ec.message()));
  const std::string path = LockPath(backup_dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  NEWSFLOW_RETURN_IF_ERROR(LockFd(fd, LOCK_EX, path));
  out->reset(new BackupDirLock(fd));
  return Status::OK();
}

Status BackupDirLock::TakeShared(const std::string& backup_dir, std::unique_ptr<BackupDirLock>* out) {
  out->reset();
  const std::string path = LockPath(backup_dir);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    // Read-only or not ours: nothing can purge it through this path either.
    if (errno == EROFS || errno == EACCES || errno == EPERM) return Status::OK();
    return Status::IOError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  NEWSFLOW_RETURN_IF_ERROR(LockFd(fd, LOCK_SH, path));
  out->reset(new BackupDirLock(fd));
  return Status::OK();
}

BackupDirLock::~BackupDirLock() { ::close(fd_); }  // releases the flock

namespace {
// The file of backup `id` that a failed VerifyBackup names (its message
// carries the file's path), relative to the backup directory; "" if none.
std::string DamagedFile(const rocksdb::BackupEngine& engine, rocksdb::BackupID id, const std::string& message) {
  rocksdb::BackupInfo info;
  if (!engine.GetBackupInfo(id, &info, /*include_file_details=*/true).ok()) return "";
  for (const auto& f : info.file_details)
    if (message.find(f.relative_filename) != std::string::npos) return f.relative_filename;
  return "";
}

bool IsShared(const std::string& relative) {
  return relative.starts_with("shared_checksum/") || relative.starts_with("shared/");
}
}  // namespace

namespace {
// Backups of two stores in one directory look alike in a listing, and
// `--keep N` keeps the newest N of them all: one store's backups would
// delete the other's. So a directory holding a backup of another store is
// refused. A backup made before stores had ids names none and is taken as
// anyone's (nothing tells whose it is).
Status CheckOneStore(const rocksdb::BackupEngine& engine, const std::string& backup_dir, const std::string& store_id) {
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos, /*include_file_details=*/false);
  for (const auto& info : infos) {
    const std::string other = DecodeStoreId(info.app_metadata);
    if (other.empty() || other == store_id) continue;
    return Status::InvalidArgument(fmt::format(
        "{} holds backups of another store (backup {} is of store {}, this store is {}); back up each store into "
        "a directory of its own (a --keep there would delete the other store's backups)",
        backup_dir, info.backup_id, other, store_id));
  }
  return Status::OK();
}
}  // namespace

// Every new backup is verified against its checksums before it is reported.
// With share_files_with_checksum an SST file already in shared_checksum/ is
// reused by its name (DB session id and size), never read: a shared file
// damaged since an earlier backup (same size, a bit flipped) would make the
// new backup unrestorable while it reports success. Naming cannot catch
// that (the name is the same), and reading every shared file before a
// backup costs as much as verifying the new one, which also catches a file
// damaged while it was copied. So: verify; when a shared file is damaged,
// delete the new backup, remove that file (every backup naming it was
// unrestorable already) and take the backup again, which copies a fresh
// copy from the store under the same name, making the older backups that
// share it whole again too. A damaged private file (just copied) or the
// same damage again means failing storage: the backup is deleted and the
// call fails naming the file.
Status BackupDb(const std::string& backup_dir, const std::function<Status(const BackupMaker&)>& excluding_writes,
                BackupResult* out) {
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return BackupError(fmt::format("cannot open backup directory {}", backup_dir), s);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::CreateBackupOptions cbo;
  // Flushing makes the backup self-contained for a store without a WAL
  // (whose memtables exist nowhere else) and short for one with a WAL.
  cbo.flush_before_backup = true;
  constexpr int kMaxRepairs = 4;  // damaged shared files replaced in one call
  std::vector<std::string> replaced;
  rocksdb::BackupID id = 0;
  for (int attempt = 0;; ++attempt) {
    // Made between two writes; verified (the whole backup read) while the
    // writer goes on.
    NEWSFLOW_RETURN_IF_ERROR(excluding_writes([&](rocksdb::DB* db, const Counts& counts, const std::string& store_id) {
      NEWSFLOW_RETURN_IF_ERROR(CheckOneStore(*engine, backup_dir, store_id));
      s = engine->CreateNewBackupWithMetadata(cbo, db, EncodeAppMetadata(counts, store_id), &id);
      return s.ok() ? Status::OK() : BackupError(fmt::format("backup to {} failed", backup_dir), s);
    }));
    const rocksdb::IOStatus v = engine->VerifyBackup(id, /*verify_with_checksum=*/true);
    if (v.ok()) break;
    const std::string damaged = DamagedFile(*engine, id, v.ToString());
    // Never leave a backup behind that would not restore.
    const rocksdb::IOStatus d = engine->DeleteBackup(id);
    const bool repairable = IsShared(damaged) && attempt < kMaxRepairs &&
                            std::find(replaced.begin(), replaced.end(), damaged) == replaced.end();
    std::error_code ec;
    if (repairable && d.ok() && std::filesystem::remove(std::filesystem::path(backup_dir) / damaged, ec) && !ec) {
      replaced.push_back(damaged);
      continue;
    }
    return Status::Corruption(fmt::format(
        "backup to {} failed: its file {} is damaged ({}); the new backup {} was {}", backup_dir,
        damaged.empty() ? "(unnamed)" : damaged, v.ToString(), id,
        d.ok() ? "deleted" : "not deleted either: " + d.ToString()));
  }
  for (const BackupResult& r : Describe(SortedInfos(*engine))) {
    if (r.backup_id == id) {
      *out = r;
      out->replaced = replaced;
      return Status::OK();
    }
  }
  return Status::Internal(fmt::format("backup {} in {} is not listed after it was made", id, backup_dir));
}

namespace {
// ListBackups without taking the directory's lock (its caller holds it).
Status ListLocked(const std::string& backup_dir, std::vector<BackupResult>* out, bool verify = false) {
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngineReadOnly::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return BackupError(fmt::format("cannot open backup directory {}", backup_dir), s);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  const std::vector<rocksdb::BackupInfo> infos = SortedInfos(*engine);
  *out = Describe(infos);
  // Nor does the open check the size of the files a backup shares with
  // others (its description records none): a file cut short since (a full
  // disk, a copy that stopped) would be listed whole. Their names say it.
  for (size_t i = 0; i < infos.size(); ++i) {
    BackupResult& r = (*out)[i];
    if (const std::string wrong = WrongSizeFile(infos[i]); !wrong.empty()) {
      r.damaged = true;
      r.damage = wrong;
    } else if (verify) {
      // Every byte read: a flipped bit in a file of the right size.
      if (const rocksdb::IOStatus v = engine->VerifyBackup(r.backup_id, /*verify_with_checksum=*/true); !v.ok()) {
        r.damaged = true;
        r.damage = v.ToString();
      }
    }
  }
  // GetBackupInfo leaves out the backups RocksDB found damaged when it
  // opened the directory (a file missing or of the wrong size, an
  // unreadable description): they are listed too, marked, so that neither
  // a listing nor "the latest" hides one.
  std::vector<rocksdb::BackupID> corrupt;
  engine->GetCorruptedBackups(&corrupt);
  for (const rocksdb::BackupID id : corrupt) {
    BackupResult r;
    r.backup_id = id;
    r.damaged = true;
    out->push_back(r);
  }
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) { return a.backup_id < b.backup_id; });
  if (out->empty()) return Status::NotFound(fmt::format("no backup in {}", backup_dir));
  return Status::OK();
}

// Why RocksDB holds backup `id` damaged (its reason, or a generic one).
std::string DamageReason(const std::string& backup_dir, uint32_t id) {
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  if (!rocksdb::BackupEngineReadOnly::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw).ok())
    return "unreadable";
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  rocksdb::BackupInfo info;
  if (const rocksdb::Status s = engine->GetBackupInfo(id, &info, /*include_file_details=*/true); !s.ok())
    return s.ToString();
  const std::string wrong = WrongSizeFile(info);
  return wrong.empty() ? "no reason given" : wrong;
}

// The newest backup of `all` before `id` that is not known damaged (0: none).
uint32_t NewestWholeBefore(const std::vector<BackupResult>& all, uint32_t id) {
  uint32_t best = 0;
  for (const auto& r : all)
    if (!r.damaged && r.backup_id < id) best = r.backup_id;
  return best;
}

// The advice after "the newest backup is damaged".
std::string OlderAdvice(const std::vector<BackupResult>& all, uint32_t id) {
  const uint32_t older = NewestWholeBefore(all, id);
  return older == 0 ? "there is no older backup to restore"
                    : fmt::format("to restore an older one, pass it explicitly: --backup-id {} is the newest "
                                  "listed whole (restore --list)",
                                  older);
}

Status NoBackupDirectory(const std::string& backup_dir) {
  return Status::NotFound(fmt::format("no backup directory at {}", backup_dir));
}

// What RocksDB's backup engine makes in a directory it backs up into; *ec
// when that cannot be told (a directory that cannot be read).
bool HoldsBackups(const std::string& backup_dir, std::error_code* ec) {
  return std::filesystem::is_directory(std::filesystem::path(backup_dir) / "meta", *ec);
}

// Entries a directory may hold and still take a first backup: ours, a
// fresh disk's lost+found, and what an engine that stopped before making
// meta/ left: its private/ and shared_checksum/, empty. (Not these
// names with files in them: the engine's garbage collection deletes the
// files of shared_checksum/ and private/ that no backup names.)
bool BackupDirectoryMayHold(const std::filesystem::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  if (name == "newsflow.lock" || name == "lost+found") return true;
  std::error_code ec;
  return (name == "private" || name == "shared_checksum") && entry.is_directory(ec) &&
         std::filesystem::is_empty(entry.path(), ec) && !ec;
}

// Before a listing, a restore or a purge takes the directory's lock (whose
// file it creates): a directory that holds no backup is left as it is.
Status CheckHoldsBackups(const std::string& backup_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(backup_dir, ec)) {
    if (ec && ec != std::errc::no_such_file_or_directory)
      return Status::IOError(fmt::format("cannot read backup directory {}: {}", backup_dir, ec.message()));
    return NoBackupDirectory(backup_dir);
  }
  const bool holds = HoldsBackups(backup_dir, &ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return Status::IOError(fmt::format("cannot read backup directory {}: {}", backup_dir, ec.message()));
  if (!holds)
    return Status::NotFound(
        fmt::format("{} is not a backup directory (no meta/ in it; `newsflow backup --to DIR` makes one)", backup_dir));
  return Status::OK();
}
}  // namespace

Status CheckBackupTarget(const std::string& backup_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(backup_dir, ec) || HoldsBackups(backup_dir, &ec)) return Status::OK();
  if (!std::filesystem::is_directory(backup_dir, ec))
    return Status::InvalidArgument(fmt::format("the backup directory {} is a file", backup_dir));
  std::filesystem::directory_iterator it(backup_dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (BackupDirectoryMayHold(*it)) continue;
    return Status::InvalidArgument(fmt::format(
        "{} holds files but no backup: back up into a new or empty directory, or one that `backup` made (a backup "
        "adds meta/, private/ and shared_checksum/ to it)",
        backup_dir));
  }
  if (ec)  // unreadable: no lock file is made in it either
    return Status::IOError(fmt::format("cannot read the backup directory {}: {}", backup_dir, ec.message()));
  return Status::OK();
}

namespace {
// `inner` is `outer` or a path below it (both canonical, absolute).
bool IsWithin(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  const std::filesystem::path rel = inner.lexically_relative(outer);  // "." when equal, "../x" when apart
  return !rel.empty() && *rel.begin() != "..";
}
}  // namespace

Status CheckBackupDirApart(const std::string& db_dir, const std::string& backup_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path db = fs::canonical(db_dir, ec);
  if (ec) return Status::OK();  // no store there: opening it says so
  // The backup directory may not exist yet: its existing part is resolved
  // (symbolic links included), the rest taken as written.
  const fs::path to = fs::weakly_canonical(fs::absolute(backup_dir, ec), ec);
  if (ec) return Status::OK();
  if (IsWithin(to, db))
    return Status::InvalidArgument(fmt::format(
        "the backup directory {} is {} the store {}: a backup must live apart from its store", backup_dir,
        to == db ? "the directory of" : "inside", db_dir));
  if (IsWithin(db, to))
    return Status::InvalidArgument(fmt::format(
        "the store {} is inside the backup directory {}: a backup must live apart from its store", db_dir,
        backup_dir));
  return Status::OK();
}

Status ListBackups(const std::string& backup_dir, std::vector<BackupResult>* out, bool verify) {
  out->clear();
  NEWSFLOW_RETURN_IF_ERROR(CheckHoldsBackups(backup_dir));
  std::unique_ptr<BackupDirLock> lock;
  NEWSFLOW_RETURN_IF_ERROR(BackupDirLock::TakeShared(backup_dir, &lock));
  return ListLocked(backup_dir, out, verify);
}

Status RestoreBackup(const std::string& backup_dir, const std::string& db_dir, uint32_t backup_id,
                     BackupResult* restored) {
  std::error_code ec;
  // A file (or a FIFO, or a link to one) at --db: the restore replaced it
  // with the store's directory, its content gone, the new directory with
  // the file's mode.
  if (const auto st = std::filesystem::status(db_dir, ec);
      std::filesystem::exists(st) && !std::filesystem::is_directory(st))
    return Status::InvalidArgument(fmt::format(
        "{} is a file, not a directory; restore into a new or empty directory (a restore would replace it)", db_dir));
  // Inside the backup directory: the restore would write over the backups
  // it reads (its meta/ files), as `backup --to` inside the store is refused.
  {
    std::error_code from_ec, into_ec;
    const auto from = std::filesystem::canonical(backup_dir, from_ec);
    const auto into = std::filesystem::weakly_canonical(std::filesystem::absolute(db_dir), into_ec);
    if (!from_ec && !into_ec && IsWithin(into, from))
      return Status::InvalidArgument(
          fmt::format("{} is inside the backup directory {}; restore somewhere else", db_dir, backup_dir));
  }
  if (std::filesystem::exists(std::filesystem::path(db_dir) / "CURRENT", ec)) {
    return Status::InvalidArgument(
        fmt::format("{} holds a store; restore into a new directory (a restore never overwrites a store)", db_dir));
  }
  // RocksDB's restore empties the directory it restores into: any other
  // file there (an alert file, a feed, a config beside a mistyped --db)
  // would be deleted.
  if (std::filesystem::is_directory(db_dir, ec) && !std::filesystem::is_empty(db_dir, ec)) {
    return Status::InvalidArgument(fmt::format(
        "{} is not empty; restore into a new or empty directory (a restore would delete the files in it)", db_dir));
  }
  NEWSFLOW_RETURN_IF_ERROR(CheckHoldsBackups(backup_dir));
  // Shared: a purge (`backup --keep`) waits until this restore has copied
  // the files of the backup it chose, and this restore until a purge ends.
  std::unique_ptr<BackupDirLock> lock;
  NEWSFLOW_RETURN_IF_ERROR(BackupDirLock::TakeShared(backup_dir, &lock));
  std::vector<BackupResult> all;
  NEWSFLOW_RETURN_IF_ERROR(ListLocked(backup_dir, &all));
  // "The latest" is the newest backup, damaged or not: restoring an older
  // one instead would silently lose what the newest held. The operator
  // chooses an older one explicitly.
  const bool latest = backup_id == 0;
  const BackupResult* chosen = latest ? &all.back() : nullptr;
  for (const auto& r : all)
    if (r.backup_id == backup_id) chosen = &r;
  if (chosen == nullptr) {
    return Status::NotFound(fmt::format("no backup {} in {} (latest is {})", backup_id, backup_dir, all.back().backup_id));
  }
  if (chosen->damaged) {
    const std::string why = DamageReason(backup_dir, chosen->backup_id);
    if (latest)
      return Status::Corruption(fmt::format("the newest backup in {}, {}, is damaged ({}); nothing was restored; {}",
                                            backup_dir, chosen->backup_id, why, OlderAdvice(all, chosen->backup_id)));
    return Status::Corruption(
        fmt::format("backup {} in {} is damaged ({}); nothing was restored", chosen->backup_id, backup_dir, why));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngineReadOnly::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return BackupError(fmt::format("cannot open backup directory {}", backup_dir), s);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  // Every file against its checksum before anything is written: a flipped
  // bit (same size, so RocksDB did not see it when it opened the directory)
  // fails here, not half way through a restore.
  s = engine->VerifyBackup(chosen->backup_id, /*verify_with_checksum=*/true);
  if (!s.ok()) {
    const std::string what =
        latest ? fmt::format("the newest backup in {}, {}, is damaged", backup_dir, chosen->backup_id)
               : fmt::format("backup {} in {} is damaged", chosen->backup_id, backup_dir);
    return Status::Corruption(fmt::format("{} ({}); nothing was restored{}", what, s.ToString(),
                                          latest ? "; " + OlderAdvice(all, chosen->backup_id) : ""));
  }
  // Into a directory beside the target, renamed to it once whole: a restore
  // interrupted (kill -9, a full disk) leaves no half store at the target,
  // which a run would have taken for an empty one. A staging directory
  // left by an interrupted restore is this one's to replace.
  // (The target as the filesystem has it: a link to a directory elsewhere
  // is restored into that directory, "db/" is "db".)
  std::filesystem::path target = std::filesystem::weakly_canonical(std::filesystem::absolute(db_dir), ec);
  if (ec) return Status::IOError(fmt::format("cannot resolve {}: {}", db_dir, ec.message()));
  if (!target.has_filename()) target = target.parent_path();
  struct stat at_target {}, at_parent {};
  const bool exists = ::stat(target.c_str(), &at_target) == 0;
  if (exists && ::stat(target.parent_path().c_str(), &at_parent) == 0 && at_target.st_dev != at_parent.st_dev) {
    // A filesystem of its own (a volume mounted there): a staging directory
    // beside it would be on another filesystem and could not be renamed in.
    // Restored in place; one cut short leaves files without CURRENT, which
    // a run refuses (Store::Open) and a restore asks to be cleared first.
    s = engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen->backup_id, target.string(), target.string());
    if (!s.ok()) {
      // RocksDB returns at the first failed copy while its threads go on
      // with the files queued; closing the engine waits for them.
      engine.reset();
      // It was empty (checked above): what is in it now is this restore's,
      // removed so that a full volume is not left full and a retry is not
      // refused as "not empty".
      // (Listed first: a tmpfs's listing skips entries removed during it.)
      std::error_code ignored;
      std::vector<std::filesystem::path> written;
      for (const auto& e : std::filesystem::directory_iterator(target, ignored)) written.push_back(e.path());
      for (const auto& p : written) std::filesystem::remove_all(p, ignored);
      return BackupError(fmt::format("restore of backup {} into {} failed", chosen->backup_id, db_dir), s);
    }
    *restored = *chosen;
    return Status::OK();
  }
  const std::filesystem::path staging = target.parent_path() / ("." + target.filename().string() + ".restoring");
  std::filesystem::remove_all(staging, ec);
  if (ec)
    return Status::IOError(
        fmt::format("cannot remove {} (left by an interrupted restore): {}", staging.string(), ec.message()));
  std::filesystem::create_directories(staging, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", staging.string(), ec.message()));
  auto fail = [&](Status st) {
    engine.reset();  // its copy threads may still be writing into staging (above)
    std::error_code ignored;
    std::filesystem::remove_all(staging, ignored);
    return st;
  };
  s = engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen->backup_id, staging.string(), staging.string());
  if (!s.ok())
    return fail(BackupError(fmt::format("restore of backup {} into {} failed", chosen->backup_id, db_dir), s));
  if (exists) {
    // The empty directory it replaces keeps its mode and owner (a service
    // user's directory made by an operator).
    ::chmod(staging.c_str(), at_target.st_mode & 07777);
    if (::chown(staging.c_str(), at_target.st_uid, at_target.st_gid) != 0) {
      // Not ours to give away (not root): the restoring user owns it.
    }
    std::filesystem::remove(target, ec);  // empty: checked above
    if (ec) return fail(Status::IOError(fmt::format("cannot replace {}: {}", db_dir, ec.message())));
  }
  std::filesystem::rename(staging, target, ec);
  if (ec) return fail(Status::IOError(fmt::format("cannot rename {} to {}: {}", staging.string(), db_dir, ec.message())));
  if (const int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
    ::fsync(dir);  // the rename, durable
    ::close(dir);
  }
  *restored = *chosen;
  return Status::OK();
}

Status PurgeOldBackups(const std::string& backup_dir, uint32_t keep, uint32_t* purged) {
  *purged = 0;
  if (keep == 0) return Status::InvalidArgument("purging backups: keep at least one");
  NEWSFLOW_RETURN_IF_ERROR(CheckHoldsBackups(backup_dir));
  std::unique_ptr<BackupDirLock> lock;
  NEWSFLOW_RETURN_IF_ERROR(BackupDirLock::Take(backup_dir, &lock));
  std::vector<BackupResult> listed, all;
  NEWSFLOW_RETURN_IF_ERROR(ListLocked(backup_dir, &listed));
  // PurgeOldBackups counts and deletes whole backups only; a damaged one
  // stays listed (marked) until its operator deletes it.
  for (const auto& r : listed)
    if (!r.damaged) all.push_back(r);
  if (all.size() <= keep) return Status::OK();
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return BackupError(fmt::format("cannot open backup directory {}", backup_dir), s);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  s = engine->PurgeOldBackups(keep);
  if (!s.ok()) return BackupError(fmt::format("cannot delete old backups in {}", backup_dir), s);
  *purged = static_cast<uint32_t>(all.size() - keep);
  return Status::OK();
}

}  // namespace newsflow::storage
