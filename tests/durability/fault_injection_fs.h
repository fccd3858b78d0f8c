// fault_injection_fs.h — a RocksDB FileSystem (public FileSystemWrapper API)
// that fails the Nth call of one kind of file operation with ENOSPC or EIO,
// so tests can check what the store and the runner do when the disk fills
// up or the device fails at that moment.
//
// Fault points: kWrite (FSWritableFile::Append / PositionedAppend), kSync
// (Sync / Fsync / RangeSync of a writable file), kFlush (FSWritableFile::Flush:
// the application buffer handed to the OS) and kRename (FileSystem::RenameFile).
// Calls of the armed kind are counted from construction; the Nth one and, when
// `sticky`, every later one fail (a full disk stays full) until Heal(). A
// failing call does nothing: no bytes reach the file. The error is
// IOStatus::NoSpace (ENOSPC) or IOStatus::IOError (EIO), its message carries
// kFaultMarker so a test can tell the injected cause in the run's message.
// With n == 0 it only counts (a dry run to learn how many calls a job makes).
// failed_file() names the file of the first injected fault.
//
// Ownership: shared (std::shared_ptr), wrapped by Env(); the files it opens
// share it. Threads: any; counters are atomic (RocksDB calls from its
// background threads too). Errors: the injected ones only.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/io_status.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace newsflow::testing {

inline constexpr char kFaultMarker[] = "injected fault";

class FaultInjectionFs : public rocksdb::FileSystemWrapper,
                         public std::enable_shared_from_this<FaultInjectionFs> {
 public:
  enum class Point { kWrite, kSync, kFlush, kRename };
  enum class Error { kNoSpace, kIo };

  FaultInjectionFs(Point point, uint64_t n, Error error, bool sticky)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), point_(point), n_(n), error_(error), sticky_(sticky) {}

  static const char* kClassName() { return "NewsflowFaultInjectionFs"; }
  const char* Name() const override { return kClassName(); }

  // An Env doing its file I/O through this file system (for StoreOptions::env).
  std::shared_ptr<rocksdb::Env> Env() { return rocksdb::NewCompositeEnv(shared_from_this()); }

  // Calls of the armed kind so far, and whether a fault was injected.
  uint64_t calls() const { return calls_.load(); }
  bool fired() const { return fired_.load(); }
  // The file whose operation failed first ("" if none did).
  std::string failed_file() const {
    std::lock_guard lock(mu_);
    return failed_file_;
  }
  // The disk has room again / the device works again: no more faults.
  void Heal() { healed_.store(true); }

  // Counts one call of kind `p` on `file`; the fault to return, or OK.
  rocksdb::IOStatus Check(Point p, const std::string& file) {
    if (p != point_) return rocksdb::IOStatus::OK();
    const uint64_t k = ++calls_;
    if (n_ == 0 || healed_.load() || k < n_ || (k > n_ && !sticky_)) return rocksdb::IOStatus::OK();
    {
      std::lock_guard lock(mu_);
      if (!fired_.exchange(true)) failed_file_ = file;
    }
    const std::string what = std::string(kFaultMarker) + " at call " + std::to_string(k);
    if (error_ == Error::kNoSpace) return rocksdb::IOStatus::NoSpace(what, "No space left on device");
    return rocksdb::IOStatus::IOError(what, "Input/output error");
  }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), f, this);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReopenWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), f, this);
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReuseWritableFile(f, old, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), f, this);
    return s;
  }
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = Check(Point::kRename, dst); !s.ok()) return s;
    return target()->RenameFile(src, dst, o, dbg);
  }

 private:
  // A writable file whose appends, flushes and syncs pass through Check().
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& t, std::string name, FaultInjectionFs* fs)
        : FSWritableFileOwnerWrapper(std::move(t)), name_(std::move(name)), fs_(fs) {}
    using IOOptions = rocksdb::IOOptions;
    using Ctx = rocksdb::IODebugContext;
    rocksdb::IOStatus Append(const rocksdb::Slice& d, const IOOptions& o, Ctx* c) override {
      if (auto s = fs_->Check(Point::kWrite, name_); !s.ok()) return s;
      return target()->Append(d, o, c);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& d, const IOOptions& o, const rocksdb::DataVerificationInfo& v,
                             Ctx* c) override {
      if (auto s = fs_->Check(Point::kWrite, name_); !s.ok()) return s;
      return target()->Append(d, o, v, c);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& d, uint64_t off, const IOOptions& o, Ctx* c) override {
      if (auto s = fs_->Check(Point::kWrite, name_); !s.ok()) return s;
      return target()->PositionedAppend(d, off, o, c);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& d, uint64_t off, const IOOptions& o,
                                       const rocksdb::DataVerificationInfo& v, Ctx* c) override {
      if (auto s = fs_->Check(Point::kWrite, name_); !s.ok()) return s;
      return target()->PositionedAppend(d, off, o, v, c);
    }
    rocksdb::IOStatus Flush(const IOOptions& o, Ctx* c) override {
      if (auto s = fs_->Check(Point::kFlush, name_); !s.ok()) return s;
      return target()->Flush(o, c);
    }
    rocksdb::IOStatus Sync(const IOOptions& o, Ctx* c) override {
      if (auto s = fs_->Check(Point::kSync, name_); !s.ok()) return s;
      return target()->Sync(o, c);
    }
    rocksdb::IOStatus Fsync(const IOOptions& o, Ctx* c) override {
      if (auto s = fs_->Check(Point::kSync, name_); !s.ok()) return s;
      return target()->Fsync(o, c);
    }
    rocksdb::IOStatus RangeSync(uint64_t off, uint64_t n, const IOOptions& o, Ctx* c) override {
      if (auto s = fs_->Check(Point::kSync, name_); !s.ok()) return s;
      return target()->RangeSync(off, n, o, c);
    }

   private:
    const std::string name_;
    FaultInjectionFs* fs_;  // outlives its files: the Env holds it while the DB is open
  };

  const Point point_;
  const uint64_t n_;
  const Error error_;
  const bool sticky_;
  std::atomic<uint64_t> calls_{0};
  std::atomic<bool> fired_{false};
  std::atomic<bool> healed_{false};
  mutable std::mutex mu_;
  std::string failed_file_;
};

}  // namespace newsflow::testing
