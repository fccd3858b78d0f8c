// line_source.cc — JSON Lines from a file or stdin, plain or gzip.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <cstdio>
#include <cstring>

#include "newsflow/base/fnv1a.h"
#include "pipeline/source/byte_reader.h"
#include "pipeline/source/line_cut.h"
#include "pipeline/source/line_item.h"
#include "pipeline/source/source.h"

namespace newsflow::pipeline {
namespace {

class LineSource : public Source {
 public:
  LineSource(int fd, std::string name, uint64_t total, bool replayable, bool live, const SourceLimits& limits,
             const std::atomic<bool>* stop)
      : in_(fd),
        name_(std::move(name)),
        total_(total),
        replayable_(replayable),
        live_(live),
        limits_(limits),
        stop_(stop),
        record_cap_(std::min(limits.max_record_bytes, kHardRecordCap)),
        buf_(kLineReadChunk) {
    if (live_) in_.set_wait([this](int fd) { return WaitReadable(fd); });
    // A regular file's gzip member is checked whole before it is read: a
    // stop ends the check (Read() gives kBlocked), and Next() ends the file
    // before the batch it was filling, as a stop between batches does.
    else in_.set_stop([this] { return StopRequested(); });
  }

  // Refills the batch in place: items left over from an earlier use of the
  // same Batch keep their string capacity, so a recycled batch allocates
  // almost nothing.
  bool Next(Batch* batch) override {
    batch->bytes = 0;
    batch->offsets.clear();
    linger_until_.reset();
    // A file stops between batches on SIGINT/SIGTERM (a later run resumes
    // it); a live input stops in WaitReadable, after draining what was
    // already written.
    if (!live_ && StopRequested()) return false;
    size_t n = 0;
    while (n < limits_.max_items && (n == 0 || batch->bytes < limits_.max_bytes)) {
      if (n == batch->items.size()) batch->items.emplace_back();
      Item& it = batch->items[n];
      it.raw.clear();
      bool truncated = carry_truncated_;
      it.raw.swap(carry_);  // the start of a line that was still being written
      carry_truncated_ = false;
      batch_items_ = n;
      const LineRead r = ReadLine(&it.raw, &truncated);
      if (r == LineRead::kBlocked && !live_) {
        // A stop ended a gzip member's check. A file still ends between
        // batches: a short batch here would move the cut of every batch a
        // resumed run reads, and with it the order a batch's stories are
        // assigned in (StoryStage). The lines read into this batch are
        // read again by the next run.
        n = 0;
        batch->bytes = 0;
        break;
      }
      if (r == LineRead::kBlocked) {  // the batch lingered long enough: hand it on
        carry_.swap(it.raw);
        carry_truncated_ = truncated;
        break;
      }
      if (r == LineRead::kEnd) break;
      ++n;
      FinishLineItem(it, name_, ++line_no_, truncated, record_cap_, batch);
    }
    batch->items.resize(n);
    batch->end_record = line_no_;
    return n > 0;
  }

  std::string identity() const override { return identity_; }

  Status SkipRecords(uint64_t lines) override {
    std::string line;
    bool truncated = false;
    while (line_no_ < lines) {
      line.clear();
      const LineRead r = ReadLine(&line, &truncated);
      // A stop ended a gzip member's check: Next() hands on nothing more.
      if (r == LineRead::kBlocked) return Status::OK();
      if (r != LineRead::kLine) {
        if (!status_.ok()) return status_;
        return Status::InvalidArgument(name_ + " has " + std::to_string(line_no_) + " lines, fewer than the " +
                                       std::to_string(lines) + " a previous run stored");
      }
      ++line_no_;
    }
    return Status::OK();
  }

  void set_identity(std::string id) { identity_ = std::move(id); }

  Status status() const override { return status_; }
  bool replayable() const override { return replayable_; }
  uint64_t bytes_read() const override { return in_.raw_bytes_read(); }
  uint64_t bytes_total() const override { return total_; }
  int64_t error_offset() const override { return in_.error_offset(); }
  void Stop() override { aborted_.store(true); }

 private:
  enum class LineRead { kLine, kEnd, kBlocked };
  using Clock = std::chrono::steady_clock;

  bool StopRequested() const { return aborted_.load() || (stop_ && stop_->load()); }

  // The wait function of a live input (stdin, a pipe, a FIFO): see
  // ByteReader::WaitFn. Waits in slices of at most kPollSlice so a stop is
  // seen promptly whichever thread the signal went to.
  bool WaitReadable(int fd) {
    for (;;) {
      const auto now = Clock::now();
      if (!stopping_ && StopRequested()) {
        stopping_ = true;
        drain_until_ = now + kDrainLimit;
      }
      int timeout_ms = static_cast<int>(kPollSlice.count());
      if (stopping_) {
        // Lines written before the stop are read (they may be all the
        // input there is); then the input ends without waiting for more.
        // A line begun but not ended waits for its end (its writer is
        // mid-line: the rest follows at once), up to the drain limit:
        // handed on cut, a good line would be a dead letter, its rest lost
        // with the pipe.
        if (now >= drain_until_) return false;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(drain_until_ - now);
        timeout_ms = mid_line_ ? std::min<int>(timeout_ms, static_cast<int>(left.count())) : 0;
      } else if (batch_items_ > 0) {
        if (!linger_until_) linger_until_ = now + std::chrono::milliseconds(limits_.linger_ms);
        if (now >= *linger_until_) return false;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(*linger_until_ - now);
        timeout_ms = std::min<int>(timeout_ms, static_cast<int>(left.count()));
      }
      pollfd p{fd, POLLIN, 0};
      const int r = poll(&p, 1, timeout_ms);
      if (r > 0) return true;  // readable, at its end, or failed: read() tells which
      if (r < 0 && errno != EINTR) return true;
      if (r == 0 && stopping_ && !mid_line_) return false;
    }
  }

  // Reads one line without its '\n' (and a trailing '\r'), appending to
  // *line (which may hold the start of the line from an earlier call).
  // kEnd at the end of the input; kBlocked when a live input had nothing more
  // within the linger (the bytes read so far stay in *line).
  LineRead ReadLine(std::string* line, bool* truncated) {
    bool got_any = !line->empty() || *truncated;
    for (;;) {
      if (pos_ == end_) {
        if (eof_) return got_any ? LineRead::kLine : LineRead::kEnd;
        mid_line_ = got_any;  // WaitReadable, while stopping, waits for the line's end
        const long n = in_.Read(buf_.data(), buf_.size());
        if (in_.members() != member_) {  // a new gzip member began in this Read (even a failed one)
          member_ = in_.members();
          member_first_line_ = line_no_ + 1;
        }
        if (n == ByteReader::kBlocked) {
          if (!stopping_) return LineRead::kBlocked;
          eof_ = true;  // stopping: a line not ended within the drain limit is handed on as it is
          return got_any ? LineRead::kLine : LineRead::kEnd;
        }
        if (n < 0) {
          // The bytes of a line the error cut short are not a line (no
          // newline ended it): handed on, the line would be a dead letter
          // that no later run clears, though the run over the repaired file
          // reads it whole. It is dropped; the run fails (exit 1).
          const bool cut_a_line = got_any;
          line->clear();
          *truncated = false;
          status_ = in_.status().Prefixed("read " + name_);
          if (status_.code() == Status::Code::kCorruption) {
            // The member's lines before the failed check were handed on:
            // the run stores (or dead-letters) them; say which they are.
            const uint64_t last = line_no_;
            const uint64_t count = last >= member_first_line_ ? last - member_first_line_ + 1 : 0;
            status_ = Status::Corruption(
                status_.message() + "; " + std::to_string(count) + " line(s) of that member" +
                (count ? " (lines " + std::to_string(member_first_line_) + ".." + std::to_string(last) + ")" : "") +
                " were read before the error; they are stored or dead-lettered (see the summary)" +
                (cut_a_line ? "; line " + std::to_string(last + 1) + ", cut short by the error, was not read" : ""));
          }
          eof_ = true;
          return LineRead::kEnd;
        }
        if (n == 0) {
          eof_ = true;
          return got_any ? LineRead::kLine : LineRead::kEnd;
        }
        pos_ = 0;
        end_ = static_cast<size_t>(n);
      }
      got_any = true;
      const LineCut cut = CutLine(buf_.data() + pos_, end_ - pos_, record_cap_, line, truncated);
      pos_ += cut.consumed;
      if (cut.complete) return LineRead::kLine;
    }
  }

  static constexpr std::chrono::milliseconds kPollSlice{100};
  static constexpr std::chrono::seconds kDrainLimit{2};

  ByteReader in_;
  std::string name_;
  uint64_t total_;
  bool replayable_;
  bool live_;  // may block (stdin, a pipe, a FIFO, a terminal): lingers and wakes on a stop
  SourceLimits limits_;
  const std::atomic<bool>* stop_;
  std::atomic<bool> aborted_{false};  // Stop(): the run failed
  size_t record_cap_;  // bytes kept of one line
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  std::string carry_;  // a partial line when a batch was handed on mid-line
  bool carry_truncated_ = false;
  size_t batch_items_ = 0;  // items in the batch being filled (lingering needs some)
  std::optional<Clock::time_point> linger_until_;
  bool stopping_ = false;
  Clock::time_point drain_until_;
  bool mid_line_ = false;  // the read in progress is for the rest of a line begun before it
  uint64_t line_no_ = 0;
  uint64_t member_ = 0, member_first_line_ = 1;  // gzip: current member, its first line
  Status status_;
  std::string identity_;
};

// path|size|mtime|inode|ctime|hash of the first 64 KiB, hashed to 16 hex
// digits. The inode and ctime: a file replaced by another of the same size
// and mtime (`cp -p`, `rsync -t`, `touch -r` and a `mv` over it) whose first
// 64 KiB agree is another file; without them it was taken as stored
// already and its changed lines were never read. Any false "changed" (a
// file moved, chmod) costs one idempotent re-read; a false "same" lost data.
std::string FileIdentity(int fd, const std::string& path, const struct stat& st) {
  uint64_t h = kFnv1aBasis14;  // stored in marks: keep it
  auto mix = [&](const void* p, size_t n) { h = Fnv1a(h, p, n); };
  char buf[4096];
  off_t off = 0;
  while (off < (64 << 10)) {
    const ssize_t n = pread(fd, buf, sizeof buf, off);
    if (n <= 0) break;
    mix(buf, static_cast<size_t>(n));
    off += n;
  }
  const std::string meta = path + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtim.tv_sec) + "." +
                           std::to_string(st.st_mtim.tv_nsec) + "|" + std::to_string(st.st_ino) + "|" +
                           std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
  mix(meta.data(), meta.size());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("file:") + hex;
}

}  // namespace

Status OpenLineSource(const std::string& path, const SourceLimits& limits, std::unique_ptr<Source>* out) {
  return OpenLineSource(path, limits, nullptr, out);
}

Status OpenLineSource(const std::string& path, const SourceLimits& limits, const std::atomic<bool>* stop,
                      std::unique_ptr<Source>* out) {
  const bool is_stdin = path == "-";
  // O_NONBLOCK: opening a FIFO that no writer has opened yet waits for one,
  // in open(), where no stop is seen (SIGTERM left such a run hanging until
  // SIGKILL). Opened at once, the FIFO is read only once poll says so, in
  // WaitReadable, which sees a stop; Linux reports no hang-up to a reader
  // before a writer has come and gone, so the wait lasts until the first
  // writer, as the blocking open did. Reads block again from then on.
  int fd = is_stdin ? dup(0) : open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0 && !is_stdin) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  }
  const std::string name = is_stdin ? "stdin" : path;
  if (fd < 0) {
    const int e = errno;
    std::string msg = "cannot open " + name + ": " + std::strerror(e);
    return e == ENOENT ? Status::NotFound(std::move(msg)) : Status::IOError(std::move(msg));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    const std::string why = S_ISDIR(st.st_mode) ? "is a directory" : std::strerror(errno);
    close(fd);
    return Status::InvalidArgument("cannot open " + name + ": " + why);
  }
  // Only a regular file can be read again by a later run; a path may name a
  // FIFO or a device, and stdin may be either.
  const bool regular = S_ISREG(st.st_mode);
  if (regular) posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  const bool replayable = regular && !is_stdin;
  const std::string identity = replayable ? FileIdentity(fd, path, st) : "";
  auto src = std::make_unique<LineSource>(fd, is_stdin ? "stdin" : "file:" + path,
                                          regular ? static_cast<uint64_t>(st.st_size) : 0, replayable,
                                          /*live=*/!regular, limits, stop);
  src->set_identity(identity);
  *out = std::move(src);
  return Status::OK();
}

}  // namespace newsflow::pipeline
