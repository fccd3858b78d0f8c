// follow_source.cc — `follow:PATH`: JSON Lines from a file another process
// appends to, in the manner of `tail -F`, resumable from the store.
//
// - Growth: at the end of what is written, the source polls (kPollSlice)
//   and hands on a partial batch after the linger (SourceLimits::linger_ms).
// - Rotation (the file renamed away and a new one created at PATH): the old
//   file is read until it has been quiet for kRotateGrace (a writer appends
//   to it until it reopens PATH). Then the next generation is read from its
//   start: the oldest rotated file of PATH (see rotated_name.h: numbered or
//   dated names, not other files that start with PATH's name) modified since
//   the file just finished and not read by this run (a reader behind by two
//   rotations finds the middle one as PATH.1), each once it has been quiet
//   for kRotateGrace; then PATH. While PATH is missing the old file is still
//   watched.
// - Truncation (the file shrank below what was read, or its first bytes or
//   the last bytes read changed: copytruncate, `> f`, a rewrite that grew
//   past the old size between two polls; records of one feed often share
//   their first few hundred bytes, so the first bytes alone can match):
//   if a rotated generation of PATH holds the bytes read so far (the copy
//   of copytruncate), the lines not read yet are read from it first; then
//   reading restarts at byte 0.
// - A line the old file ended without a newline (at rotation or truncation)
//   is handed on as a record; a line still being written at a stop is not
//   (the stored mark is at its start, so the next run reads it whole).
// - Resume: every batch carries a mark (inode, byte offset after its last
//   line, line number, hashes of the file's first bytes and of the bytes
//   before the offset; the device is kept
//   but not compared, since device numbers change across reboots on some
//   file systems) that the run stores in the batch's WriteBatch. At start
//   the mark is matched against PATH (same inode, long enough, same first
//   bytes and bytes before the offset), then against the other regular files of PATH's directory: first
//   by inode (rotated while no run was reading), then by content alone (a
//   copytruncate copy). The matched file is finished first, then the next
//   generations as after a rotation, then PATH from its start. If nothing
//   matches, PATH is read from its start and a warning says why.
//
// Ownership: owned by the runner. Threads: one reader thread. Errors: a read
// error ends Next() and is kept in status(); a directory or a missing PATH
// at open is an error.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include "newsflow/base/fnv1a.h"
#include "pipeline/log/logger.h"
#include "pipeline/source/line_cut.h"
#include "pipeline/source/line_item.h"
#include "pipeline/source/rotated_name.h"
#include "pipeline/source/source.h"

namespace newsflow::pipeline {
namespace {

constexpr size_t kFingerprintBytes = 256;
constexpr std::chrono::milliseconds kPollSlice{50};
constexpr std::chrono::milliseconds kRotateGrace{1000};
constexpr size_t kReadGenerations = 64;  // finished files remembered (not read again)

// FNV-1a of `n` bytes of `fd` from `at` (fewer if the file is shorter).
uint64_t Fingerprint(int fd, size_t n, uint64_t at = 0) {
  char buf[kFingerprintBytes];
  const ssize_t got = pread(fd, buf, std::min(n, sizeof buf), static_cast<off_t>(at));
  return Fnv1a(kFnv1aBasis14, buf, got > 0 ? static_cast<size_t>(got) : 0);  // stored in marks: keep it
}

// True if `fd` holds the bytes `want` at offset `at`.
bool HoldsAt(int fd, const std::string& want, uint64_t at) {
  std::string got(want.size(), '\0');
  return pread(fd, got.data(), got.size(), static_cast<off_t>(at)) == static_cast<ssize_t>(got.size()) && got == want;
}

int64_t MtimeNs(const struct stat& st) { return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec; }

// Where a run stopped reading: text "v2 DEV INO OFFSET LINE FPLEN FPHASH
// TAILLEN TAILHASH": the file's first bytes and the bytes just before the
// offset (feed records often share their first few hundred bytes, so a
// rewritten file can start as the old one did). "v1" marks, without the
// tail, are still read.
struct FollowMark {
  uint64_t dev = 0, ino = 0, offset = 0, line = 0, fp_len = 0, fp = 0, tail_len = 0, tail_fp = 0;

  std::string Encode() const {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "v2 %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %016" PRIx64 " %" PRIu64 " %016" PRIx64,
                  dev, ino, offset, line, fp_len, fp, tail_len, tail_fp);
    return buf;
  }
  static bool Parse(const std::string& s, FollowMark* m) {
    char tail;
    if (std::sscanf(s.c_str(),
                    "v2 %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNx64 " %" SCNu64 " %" SCNx64 " %c",
                    &m->dev, &m->ino, &m->offset, &m->line, &m->fp_len, &m->fp, &m->tail_len, &m->tail_fp,
                    &tail) == 8)
      return m->tail_len <= m->offset;
    m->tail_len = m->tail_fp = 0;
    return std::sscanf(s.c_str(), "v1 %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNx64 " %c",
                       &m->dev, &m->ino, &m->offset, &m->line, &m->fp_len, &m->fp, &tail) == 6;
  }
  // True if `fd` (with stat `st`) holds what the mark was taken in: long
  // enough, the same first bytes and the same bytes before the offset (and,
  // if `same_inode`, the same inode).
  bool Matches(int fd, const struct stat& st, bool same_inode) const {
    return (!same_inode || static_cast<uint64_t>(st.st_ino) == ino) && static_cast<uint64_t>(st.st_size) >= offset &&
           Fingerprint(fd, fp_len) == fp && (tail_len == 0 || Fingerprint(fd, tail_len, offset - tail_len) == tail_fp);
  }
};

class FollowSource : public Source {
 public:
  FollowSource(std::string path, const SourceLimits& limits, const std::atomic<bool>* stop)
      : path_(std::move(path)),
        key_("follow:" + std::filesystem::absolute(path_).lexically_normal().string()),
        limits_(limits),
        stop_(stop),
        record_cap_(std::min(limits.max_record_bytes, kHardRecordCap)),
        buf_(kLineReadChunk) {}
  ~FollowSource() override { CloseFile(); }

  Status Open() {
    // O_NONBLOCK: a FIFO (refused below) would otherwise wait in open() for
    // a writer, deaf to SIGTERM; a regular file reads alike either way.
    const int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      const int e = errno;
      // Not created yet in a directory that is there (a service started
      // before its feed's writer): wait for it, as tail -F does. A missing
      // directory is a mistyped path.
      std::error_code ec;
      if (e == ENOENT && std::filesystem::is_directory(std::filesystem::absolute(path_).parent_path(), ec)) {
        LogWarn("follow", path_ + " does not exist yet: waiting for it to appear");
        name_ = "follow:" + path_;
        return Status::OK();
      }
      std::string msg = "cannot open " + path_ + ": " + std::strerror(e);
      return e == ENOENT ? Status::NotFound(std::move(msg)) : Status::IOError(std::move(msg));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return Status::InvalidArgument("cannot follow " + path_ + ": not a regular file");
    }
    // A gzip file cannot be followed (its end is not a line's end): read as
    // text, every line of it was a dead letter ("NUL byte").
    if (unsigned char magic[2]; ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      close(fd);
      return Status::InvalidArgument("cannot follow " + path_ +
                                     ": it is gzip, which follow: does not read (follow: reads JSON Lines text "
                                     "as it grows); read a finished .gz with file:PATH");
    }
    Adopt(fd, st, 0, 0);
    return Status::OK();
  }

  bool Next(Batch* batch) override {
    batch->bytes = 0;
    batch->offsets.clear();
    std::optional<Clock::time_point> linger_until;
    size_t n = 0;
    auto emit = [&](bool truncated) {
      if (n == batch->items.size()) batch->items.emplace_back();
      Item& it = batch->items[n++];
      it.raw.clear();
      it.raw.swap(carry_);
      FinishLineItem(it, name_, ++line_no_, truncated, record_cap_, batch);
    };
    while (n < limits_.max_items && (n == 0 || batch->bytes < limits_.max_bytes)) {
      if (StopRequested()) break;  // a line still being written waits for the next run
      if (pos_ < end_) {
        const LineCut cut = CutLine(buf_.data() + pos_, end_ - pos_, record_cap_, &carry_, &carry_truncated_);
        pos_ += cut.consumed;
        if (cut.complete) {
          emit(carry_truncated_);
          carry_truncated_ = false;
          mark_offset_ = file_offset_ - (end_ - pos_);
        }
        continue;
      }
      const Step step = ReadMore();
      if (step == Step::kData) continue;
      if (step == Step::kError) break;
      if (step == Step::kCopied) {
        // The lines after the last one handed on are in the copy: go on there.
        const uint64_t offset = mark_offset_, line = line_no_;
        CloseFile();
        Adopt(pending_fd_, pending_stat_, offset, line);
        name_ = "follow:" + pending_name_;
        draining_ = true;
        pending_fd_ = -1;
        continue;
      }
      if (step == Step::kTruncated || step == Step::kRotated) {
        // The old content ended without a newline: its last line is complete.
        if (!carry_.empty() || carry_truncated_) {
          emit(carry_truncated_);
          carry_truncated_ = false;
        }
        if (step == Step::kTruncated) {
          Seek(0, 0);
        } else {
          CloseFile();
          Adopt(pending_fd_, pending_stat_, 0, 0);
          if (!pending_name_.empty()) {  // a rotated generation, not PATH
            name_ = "follow:" + pending_name_;
            draining_ = true;
          }
          pending_fd_ = -1;
        }
        continue;
      }
      // Nothing new: a partial batch lingers, an empty one waits.
      auto sleep = kPollSlice;
      if (n > 0) {
        const auto now = Clock::now();
        if (!linger_until) linger_until = now + std::chrono::milliseconds(limits_.linger_ms);
        if (now >= *linger_until) break;
        sleep = std::min(sleep, std::chrono::ceil<std::chrono::milliseconds>(*linger_until - now));
      }
      std::this_thread::sleep_for(sleep);
    }
    batch->items.resize(n);
    batch->end_record = lines_total_ += n;
    if (n > 0) batch->resume_mark = CurrentMark().Encode();
    return n > 0;
  }

  std::string resume_key() const override { return key_; }

  Status ResumeFrom(const std::string& text) override {
    FollowMark m;
    if (!FollowMark::Parse(text, &m)) return Status::Corruption("follow: unreadable stored position '" + text + "'");
    struct stat st;
    if (fstat(fd_, &st) == 0 && m.Matches(fd_, st, /*same_inode=*/true)) {
      Seek(m.offset, m.line);
      return Status::OK();
    }
    // Rotated (or copied and truncated) while no run was reading it: finish
    // that file, then the rotations after it, then PATH.
    const std::filesystem::path abs = std::filesystem::absolute(path_);
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(abs.parent_path(), ec)) {
      struct stat est;  // stat, not open: a FIFO in the directory must not block us
      if (stat(entry.path().c_str(), &est) == 0 && S_ISREG(est.st_mode) && entry.path() != abs)
        files.push_back(entry.path());
    }
    const std::string name = abs.filename().string();
    for (const bool same_inode : {true, false}) {
      for (const auto& f : files) {
        // A copy (copytruncate) is a rotated generation; a .bak is not.
        if (!same_inode && !IsRotatedName(name, f.filename().string())) continue;
        const int fd = open(f.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) continue;
        struct stat est;
        if (fstat(fd, &est) == 0 && S_ISREG(est.st_mode) && m.Matches(fd, est, same_inode)) {
          LogInfo("follow", path_ + ": the stored position is in " + f.string() + " (" +
                                (same_inode ? "rotated" : "copied") + " since): reading it first");
          CloseFile();
          Adopt(fd, est, 0, 0);
          name_ = "follow:" + f.string();
          draining_ = true;
          Seek(m.offset, m.line);
          return Status::OK();
        }
        close(fd);
      }
    }
    LogWarn("follow", path_ + ": the file of the stored position (inode " + std::to_string(m.ino) + ", offset " +
                          std::to_string(m.offset) + ") is gone or was rewritten: reading " + path_ +
                          " from its start");
    return Status::OK();
  }

  Status status() const override { return status_; }
  uint64_t bytes_read() const override { return bytes_read_; }
  void Stop() override { aborted_.store(true); }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Step { kData, kIdle, kTruncated, kCopied, kRotated, kError };

  bool StopRequested() const { return aborted_.load() || (stop_ && stop_->load()); }

  void Adopt(int fd, const struct stat& st, uint64_t offset, uint64_t line) {
    fd_ = fd;
    dev_ = static_cast<uint64_t>(st.st_dev);
    ino_ = static_cast<uint64_t>(st.st_ino);
    name_ = "follow:" + path_;
    draining_ = false;
    Seek(offset, line);
  }

  void Seek(uint64_t offset, uint64_t line) {
    (void)lseek(fd_, static_cast<off_t>(offset), SEEK_SET);
    file_offset_ = mark_offset_ = offset;
    line_no_ = line;
    pos_ = end_ = 0;
    carry_.clear();
    carry_truncated_ = false;
    head_.resize(std::min<uint64_t>(kFingerprintBytes, offset));
    const ssize_t got = pread(fd_, head_.data(), head_.size(), 0);
    head_.resize(got > 0 ? static_cast<size_t>(got) : 0);
    tail_.resize(std::min<uint64_t>(kFingerprintBytes, offset));
    const ssize_t tail_got = pread(fd_, tail_.data(), tail_.size(), static_cast<off_t>(offset - tail_.size()));
    tail_.resize(tail_got > 0 ? static_cast<size_t>(tail_got) : 0);
    last_data_ = Clock::now();
  }

  // True if the current file no longer holds the bytes read from it: its
  // first ones, or the last ones before file_offset_ (a rewrite can start
  // as the old content did: cls records share their first ~300 bytes).
  bool ReadBytesChanged() const {
    return !HoldsAt(fd_, head_, 0) || !HoldsAt(fd_, tail_, file_offset_ - tail_.size());
  }

  void CloseFile() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  FollowMark CurrentMark() const {
    FollowMark m;
    m.dev = dev_;
    m.ino = ino_;
    m.offset = mark_offset_;
    m.line = line_no_;
    m.fp_len = std::min<uint64_t>(kFingerprintBytes, mark_offset_);
    m.fp = Fingerprint(fd_, m.fp_len);
    m.tail_len = m.fp_len;
    m.tail_fp = Fingerprint(fd_, m.tail_len, mark_offset_ - m.tail_len);
    return m;
  }

  // More bytes into buf_, or what happened instead.
  Step ReadMore() {
    if (fd_ < 0) return AwaitPath();
    const ssize_t r = read(fd_, buf_.data(), buf_.size());
    if (r > 0 && was_idle_ && !draining_ && ReadBytesChanged()) {
      // New bytes after a quiet spell, but the file no longer starts as it
      // did: it was rewritten (and grew past what was read). What was just
      // read is the middle of the new content: drop it, read from byte 0.
      was_idle_ = false;
      if (FindCopy()) return Step::kCopied;
      LogInfo("follow", path_ + ": rewritten (" + std::to_string(file_offset_) + " bytes had been read): reading from its start");
      return Step::kTruncated;
    }
    if (r > 0) {
      was_idle_ = false;
      if (file_offset_ < kFingerprintBytes)  // remember the file's first bytes (truncation check)
        head_.append(buf_.data(), std::min<size_t>(static_cast<size_t>(r), kFingerprintBytes - file_offset_));
      // ... and the last ones read (rewrite check)
      const auto n = static_cast<size_t>(r);
      if (n >= kFingerprintBytes) {
        tail_.assign(buf_.data() + n - kFingerprintBytes, kFingerprintBytes);
      } else {
        tail_.append(buf_.data(), n);
        if (tail_.size() > kFingerprintBytes) tail_.erase(0, tail_.size() - kFingerprintBytes);
      }
      pos_ = 0;
      end_ = static_cast<size_t>(r);
      file_offset_ += static_cast<uint64_t>(r);
      bytes_read_ += static_cast<uint64_t>(r);
      last_data_ = Clock::now();
      rotation_seen_.reset();
      return Step::kData;
    }
    if (r < 0) {
      if (errno == EINTR) return Step::kData;
      status_ = Status::IOError("read " + name_ + ": " + std::strerror(errno));
      return Step::kError;
    }
    // At the end of what is written so far.
    was_idle_ = true;
    struct stat cur;
    if (fstat(fd_, &cur) != 0) {
      status_ = Status::IOError("stat " + name_ + ": " + std::strerror(errno));
      return Step::kError;
    }
    if (draining_) {
      // A rotated generation: finished once its writer has left it.
      const auto age = std::chrono::system_clock::now().time_since_epoch() -
                       (std::chrono::seconds(cur.st_mtim.tv_sec) + std::chrono::nanoseconds(cur.st_mtim.tv_nsec));
      if (age >= std::chrono::nanoseconds(0) && age < kRotateGrace) return Step::kIdle;
      return NextGeneration(cur);
    }
    if (static_cast<uint64_t>(cur.st_size) < file_offset_ || ReadBytesChanged()) {
      if (FindCopy()) return Step::kCopied;
      LogInfo("follow", path_ + ": truncated or rewritten (now " + std::to_string(cur.st_size) + " bytes, " +
                            std::to_string(file_offset_) + " read): reading from its start");
      return Step::kTruncated;
    }
    struct stat at_path;
    if (stat(path_.c_str(), &at_path) != 0) return Step::kIdle;  // renamed away, not recreated yet
    if (static_cast<uint64_t>(at_path.st_dev) == dev_ && static_cast<uint64_t>(at_path.st_ino) == ino_)
      return Step::kIdle;
    // Rotated: PATH is a new file. The writer may still append to the old
    // one until it reopens PATH: switch once the old file has been quiet
    // for kRotateGrace.
    const auto now = Clock::now();
    if (!rotation_seen_) rotation_seen_ = now;
    if (now - std::max(last_data_, *rotation_seen_) < kRotateGrace) return Step::kIdle;
    const Step step = NextGeneration(cur);
    if (step == Step::kRotated) rotation_seen_.reset();
    return step;
  }

  // The current file (with stat `done`) is finished: the next generation is
  // the oldest rotated file of PATH modified since it and not read by this
  // run (modification times tie within a clock tick, hence the names as
  // well; a reused inode is told apart by the first bytes read), else PATH.
  Step NextGeneration(const struct stat& done) {
    if (!read_.empty() && read_.back().ino == ino_) {
      read_.back() = {ino_, file_offset_, head_, tail_};  // finished again (PATH missing a while): what it holds now
    } else {
      read_.push_back({ino_, file_offset_, head_, tail_});
      if (read_.size() > kReadGenerations) read_.pop_front();
    }
    struct stat at_path {};
    const bool have_path = stat(path_.c_str(), &at_path) == 0;
    const std::string name = std::filesystem::path(path_).filename().string();
    std::vector<std::tuple<int64_t, int64_t, std::string>> later;
    for (const auto& [file, st] : RotatedGenerations()) {
      if (MtimeNs(st) < MtimeNs(done) || (have_path && st.st_ino == at_path.st_ino)) continue;
      if (st.st_ino == done.st_ino) continue;  // the file just finished (held open: its inode is its own)
      // At a tie, the larger generation number is the older file.
      later.emplace_back(MtimeNs(st), -static_cast<int64_t>(RotationNumber(name, file.filename().string())),
                         file.string());
    }
    std::sort(later.begin(), later.end());
    for (const auto& [when, rank, file] : later) {
      const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) continue;
      if (fstat(fd, &pending_stat_) != 0 || !S_ISREG(pending_stat_.st_mode) || WasRead(fd, pending_stat_)) {
        close(fd);
        continue;
      }
      pending_fd_ = fd;
      pending_name_ = file;
      return Step::kRotated;
    }
    return PendingPath();
  }

  // No file yet (Open found none): PATH once it is there, as the next file.
  Step AwaitPath() {
    const Step step = PendingPath();
    if (step == Step::kRotated) LogInfo("follow", path_ + " appeared: reading it");
    return step;
  }

  // PATH, if it is there and a regular file, as the next file (kRotated),
  // else kIdle: look again at the next poll.
  Step PendingPath() {
    const int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return Step::kIdle;
    if (fstat(fd, &pending_stat_) != 0 || !S_ISREG(pending_stat_.st_mode)) {
      close(fd);
      return Step::kIdle;
    }
    pending_fd_ = fd;
    pending_name_.clear();
    return Step::kRotated;
  }

  // The regular files beside PATH named as its rotated generations
  // (rotated_name.h), with their stat (stat, not open: a FIFO must not
  // block us).
  std::vector<std::pair<std::filesystem::path, struct stat>> RotatedGenerations() const {
    const std::filesystem::path abs = std::filesystem::absolute(path_);
    const std::string name = abs.filename().string();
    std::vector<std::pair<std::filesystem::path, struct stat>> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(abs.parent_path(), ec)) {
      if (!IsRotatedName(name, entry.path().filename().string())) continue;
      struct stat st;
      if (stat(entry.path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) out.emplace_back(entry.path(), st);
    }
    return out;
  }

  // Truncated (copytruncate: a copy first, then the truncation): the lines
  // not read yet may be in the copy, a rotated generation of PATH that holds
  // the bytes read so far (the same first bytes and the same bytes before
  // file_offset_). The newest such copy becomes pending; false if none.
  bool FindCopy() {
    if (file_offset_ == 0) return false;
    int best = -1;
    struct stat best_st {};
    std::string best_name;
    for (auto [file, st] : RotatedGenerations()) {
      if (static_cast<uint64_t>(st.st_ino) == ino_ || static_cast<uint64_t>(st.st_size) < file_offset_) continue;
      const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) continue;
      if (fstat(fd, &st) != 0 || !HoldsAt(fd, head_, 0) || !HoldsAt(fd, tail_, file_offset_ - tail_.size()) ||
          (best >= 0 && MtimeNs(st) <= MtimeNs(best_st))) {
        close(fd);
        continue;
      }
      if (best >= 0) close(best);
      best = fd;
      best_st = st;
      best_name = file.string();
    }
    if (best < 0) return false;
    LogInfo("follow", path_ + ": truncated after a copy to " + best_name + ": reading the copy from byte " +
                          std::to_string(mark_offset_) + ", then " + path_ + " from its start");
    pending_fd_ = best;
    pending_stat_ = best_st;
    pending_name_ = best_name;
    return true;
  }

  // True if this run has read the file `fd` (with stat `st`) before: the
  // same inode, at least as long, and the same first bytes and bytes before
  // the end of what was read (a freed inode number is given to the next new
  // file at once, and a feed's records can start alike).
  bool WasRead(int fd, const struct stat& st) const {
    for (const ReadGeneration& g : read_) {
      // An empty file read tells nothing of a file with its inode now.
      if (g.size == 0 || g.ino != static_cast<uint64_t>(st.st_ino) || static_cast<uint64_t>(st.st_size) < g.size)
        continue;
      if (HoldsAt(fd, g.head, 0) && HoldsAt(fd, g.tail, g.size - g.tail.size())) return true;
    }
    return false;
  }

  std::string path_;
  std::string key_;
  std::string name_;
  SourceLimits limits_;
  const std::atomic<bool>* stop_;
  std::atomic<bool> aborted_{false};
  size_t record_cap_;
  int fd_ = -1;
  int pending_fd_ = -1;  // kRotated: the next file (PATH, or pending_name_ when set)
  struct stat pending_stat_ {};
  std::string pending_name_;
  bool draining_ = false;            // reading a rotated generation, not PATH
  struct ReadGeneration {
    uint64_t ino = 0;
    uint64_t size = 0;  // bytes read from it
    std::string head;   // its first bytes
    std::string tail;   // its last bytes read
  };
  std::deque<ReadGeneration> read_;  // the files this run finished, newest last
  std::string head_;                 // the current file's first bytes as read (<= kFingerprintBytes)
  std::string tail_;                 // its last bytes read, before file_offset_ (<= kFingerprintBytes)
  bool was_idle_ = false;            // the last read found the end of the file
  Clock::time_point last_data_ = Clock::now();
  std::optional<Clock::time_point> rotation_seen_;  // when PATH was first seen to be another file
  uint64_t dev_ = 0, ino_ = 0;
  uint64_t file_offset_ = 0;  // bytes of the current file read into buf_
  uint64_t mark_offset_ = 0;  // the current file's offset after the last line handed on
  uint64_t line_no_ = 0;      // lines handed on from the current file
  uint64_t lines_total_ = 0;
  uint64_t bytes_read_ = 0;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  std::string carry_;
  bool carry_truncated_ = false;
  Status status_;
};

}  // namespace

Status OpenFollowSource(const std::string& path, const SourceLimits& limits, const std::atomic<bool>* stop,
                        std::unique_ptr<Source>* out) {
  auto src = std::make_unique<FollowSource>(path, limits, stop);
  NEWSFLOW_RETURN_IF_ERROR(src->Open());
  *out = std::move(src);
  return Status::OK();
}

}  // namespace newsflow::pipeline
