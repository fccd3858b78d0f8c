// file_alert_sink.cc — alerts as JSON Lines appended to a file.
#include "pipeline/sink/file_alert_sink.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "newsflow/base/standard_descriptors.h"
#include "pipeline/log/logger.h"

namespace newsflow::pipeline {
namespace {

Status FileError(const std::string& what, const std::string& path, int err) {
  std::string msg = "alerts: " + what + " " + path + ": " + std::strerror(err);
  return err == ENOSPC ? Status::NoSpace(std::move(msg)) : Status::IOError(std::move(msg));
}

class FileAlertSink : public AlertSink {
 public:
  // follows_path: a file moved away is followed to a new one at `path`;
  // not for the run's own stdout or stderr (what the shell or systemd
  // opened stays open, and /dev/stdout may not resolve at all).
  FileAlertSink(std::FILE* f, std::string path, const std::atomic<bool>* stop, bool follows_path)
      : f_(f), path_(std::move(path)), stop_(stop), follows_path_(follows_path) {
    struct stat st {};
    fifo_ = ::fstat(fileno(f_), &st) == 0 && S_ISFIFO(st.st_mode);
  }
  ~FileAlertSink() override { std::fclose(f_); }
  // A batch's alerts are written together at Flush, in one write() as a
  // rule (stdio wrote 4 KB at a time): a kill -9 mid-batch left a torn line
  // that a consumer tailing the file had already read, even though the next
  // start cuts it from the file.
  Status PublishJson(std::string_view /*id*/, std::string_view json) override {
    NEWSFLOW_RETURN_IF_ERROR(FollowRotation());
    pending_.append(json);
    pending_ += '\n';
    return Status::OK();
  }
  // Durable, not only written: the store drops the alerts from its outbox
  // once this returns.
  Status Flush() override {
    rotation_checked_ = false;
    const int fd = fileno(f_);
    size_t done = 0;
    while (done < pending_.size()) {
      size_t chunk = pending_.size() - done;
      if (fifo_) {
        // A pipe whose reader does not read is full: a write would block,
        // deaf to SIGTERM. Wait for room (a write of PIPE_BUF or less then
        // does not block), looking at the stop request meanwhile.
        if (Status s = AwaitPipeRoom(fd); !s.ok()) {
          pending_.clear();  // the batch fails; the outbox delivers it again
          return s;
        }
        chunk = std::min<size_t>(chunk, PIPE_BUF);
      }
      const ssize_t n = ::write(fd, pending_.data() + done, chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int e = errno;
        pending_.clear();  // the batch fails; the outbox delivers it again
        return FileError(e == EPIPE ? "deliver to" : "write", path_, e);
      }
      done += static_cast<size_t>(n);
    }
    pending_.clear();
    if (fsync(fileno(f_)) != 0 && errno != EINVAL) return FileError("fsync", path_, errno);  // EINVAL: a pipe, /dev/...
    return fifo_ ? AwaitPipeRead(fd) : Status::OK();
  }

 private:
  // Once per batch, before its first alert: a file moved away or removed
  // (logrotate, an operator archiving it) is followed by a new file at the
  // path, as a consumer tailing the path expects. What was written before
  // was flushed and fsynced with its batch, in the old file.
  Status FollowRotation() {
    if (rotation_checked_ || !follows_path_) return Status::OK();
    rotation_checked_ = true;
    struct stat open_file {}, at_path {};
    if (fstat(fileno(f_), &open_file) != 0 || !S_ISREG(open_file.st_mode)) return Status::OK();  // a pipe, /dev/...
    if (stat(path_.c_str(), &at_path) == 0) {
      if (at_path.st_ino == open_file.st_ino && at_path.st_dev == open_file.st_dev) return Status::OK();
      // A pipe, socket or device put at the path is opened as one only at
      // a start (OpenFileAlertSink): opened here as a file, the run would
      // read its own alerts out of a FIFO and take them as delivered.
      if (!S_ISREG(at_path.st_mode))
        return Status::IOError("alerts: " + path_ +
                               " was replaced by a pipe, socket or device; the next start writes to it (the batch's "
                               "alerts wait in the store)");
    }
    std::FILE* next = std::fopen(path_.c_str(), "ab+");
    if (!next) return FileError("cannot reopen", path_, errno);
    std::fclose(f_);
    f_ = next;
    LogInfo("alerts", path_ + " was moved or removed: writing to a new file at that path");
    return Status::OK();
  }

  // A pipe's writes are taken by the kernel, not by its reader: a reader
  // that exits leaves what it had not read in the pipe, lost. So a batch
  // is acknowledged once the pipe is empty (its reader read every byte), or
  // fails (EPIPE) when the reader is gone first; its alerts then wait in
  // the outbox. A reader that does not read holds the run, as a full pipe
  // does, said after 10 s; a stop request ends the wait (the batch fails,
  // its alerts stay pending). Only a FIFO or pipe: on a terminal FIONREAD
  // counts the typed input, on a socket the received bytes.
  Status Stopped(const std::string& what) const {
    return Status::Aborted("alerts: stopped while " + what + " (" + path_ +
                           "); the batch's alerts are delivered again at the next start");
  }

  // Asks `ready` until it gives a status (OK: the reader did its part); a
  // stop request ends the wait (Aborted: `stopped_while`), and warning()
  // is said once the reader has kept the run waiting for 10 s.
  template <typename Ready, typename Warning>
  Status AwaitReader(const char* stopped_while, Ready ready, Warning warning) {
    const auto start = std::chrono::steady_clock::now();
    bool said = false;
    for (;;) {
      if (std::optional<Status> s = ready(); s) return *s;
      if (stop_ && stop_->load()) return Stopped(stopped_while);
      if (!said && std::chrono::steady_clock::now() - start >= std::chrono::seconds(10)) {
        said = true;
        LogWarn("alerts", warning());
      }
    }
  }

  // Until the FIFO has room for PIPE_BUF bytes: its reader gone is EPIPE.
  Status AwaitPipeRoom(int fd) {
    return AwaitReader(
        "the pipe's reader was not reading",
        [&]() -> std::optional<Status> {
          pollfd p{fd, POLLOUT, 0};
          const int r = ::poll(&p, 1, 100);
          if (r < 0 && errno != EINTR) return FileError("wait to write", path_, errno);
          if (r == 1 && (p.revents & (POLLERR | POLLHUP)) != 0) return FileError("deliver to", path_, EPIPE);
          if (r == 1 && (p.revents & POLLOUT) != 0) return Status::OK();
          return std::nullopt;
        },
        [&] { return "the reader of " + path_ + " has not read for 10 s (the pipe is full); the run waits for it"; });
  }

  // Until the FIFO is empty (its reader read the batch): the reader gone
  // with bytes unread is EPIPE.
  Status AwaitPipeRead(int fd) {
    int unread = 0;
    return AwaitReader(
        "the pipe's reader had not read the batch",
        [&]() -> std::optional<Status> {
          if (::ioctl(fd, FIONREAD, &unread) != 0 || unread == 0) return Status::OK();
          pollfd p{fd, 0, 0};
          if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0)
            return FileError("deliver to", path_, EPIPE);  // the reader left with bytes unread
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          return std::nullopt;
        },
        [&] {
          return fmt::format("the reader of {} has not read the last batch's alerts for 10 s ({} bytes unread); the "
                             "run waits for it",
                             path_, unread);
        });
  }

  std::FILE* f_;  // written through its descriptor only (no stdio buffer)
  std::string path_;
  std::string pending_;  // the batch's lines, written at Flush
  const std::atomic<bool>* stop_;
  const bool follows_path_;
  bool fifo_ = false;  // a FIFO (or pipe): its reader is waited for (rotation follows only to a regular file)
  bool rotation_checked_ = false;
};

// The length of the file up to and including its last '\n' (0 if none).
bool WholeLinesLength(int fd, off_t size, off_t* out) {
  char buf[4096];
  for (off_t end = size; end > 0;) {
    const off_t start = end > static_cast<off_t>(sizeof buf) ? end - static_cast<off_t>(sizeof buf) : 0;
    const ssize_t n = pread(fd, buf, static_cast<size_t>(end - start), start);
    if (n != end - start) return false;
    for (ssize_t i = n; i > 0; --i)
      if (buf[i - 1] == '\n') {
        *out = start + i;
        return true;
      }
    end = start;
  }
  *out = 0;
  return true;
}

// A write cut short (kill -9 mid-write, a full disk) leaves a partial last
// line. That alert was never acknowledged, so the store's outbox delivers
// it again: cut the fragment off, so every line of the file is one whole
// alert (jq and other JSON Lines readers stop at a torn line). The file is
// read through `read_fd` (the written descriptor may be write-only). Not a
// regular file (a pipe, a device): nothing to cut.
Status CutPartialLastLine(std::FILE* f, int read_fd, const std::string& path) {
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return Status::OK();
  off_t whole = st.st_size;
  if (!WholeLinesLength(read_fd, st.st_size, &whole) || (whole < st.st_size && ftruncate(fileno(f), whole) != 0))
    return FileError("cutting the partial last line of", path, errno);
  if (whole < st.st_size)
    LogWarn("alerts", fmt::format("{}: cut a partial last line ({} bytes) left by an interrupted run; its alert is "
                                  "delivered again",
                                  path, st.st_size - whole));
  return Status::OK();
}

// The names of the run's own stdout and stderr: 1, 2, or -1 for another path.
int OwnDescriptorNamed(const std::string& path) {
  if (path == "/dev/stdout" || path == "/proc/self/fd/1" || path == "/dev/fd/1") return 1;
  if (path == "/dev/stderr" || path == "/proc/self/fd/2" || path == "/dev/fd/2") return 2;
  return -1;
}

// A pipe or a FIFO, or the run's own stdout or stderr whatever it is,
// opened write-only: held read-write ("ab+", which a regular file needs to
// find a torn last line), the process was a reader of its own sink, so
// when the real reader went no write failed; the writes filled the pipe's
// buffer, were acknowledged (and dropped from the outbox) unread, and then
// blocked for good. A FIFO that no process reads is refused at once
// (O_NONBLOCK: ENXIO) instead of swallowing alerts; the writes then block
// as a pipe's do (backpressure).
Status OpenPipeAlertSink(const std::string& path, std::unique_ptr<AlertSink>* out, const std::atomic<bool>* stop) {
  // The run's own stdout or stderr: that descriptor (a socket, such as
  // journald's under systemd, cannot be opened again by its name; a file
  // opened again by its name had two offsets, and the shell's, which the
  // summary was written at, overwrote the first alerts).
  const int own = OwnDescriptorNamed(path);
  const int fd = own >= 0 ? ::fcntl(own, F_DUPFD_CLOEXEC, 3)
                          : ::open(path.c_str(), O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENXIO) {
      struct stat at {};
      if (::stat(path.c_str(), &at) == 0 && S_ISSOCK(at.st_mode))
        return Status::IOError("alerts: " + path + " is a socket, which cannot be opened by its name (the run's own "
                               "stdout can: file:/dev/stdout)");
      return Status::IOError("alerts: no process reads the pipe " + path + ": start its reader first");
    }
    return FileError("cannot open", path, errno);
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    const int e = errno;
    ::close(fd);
    return FileError("cannot set up", path, e);
  }
  std::FILE* f = ::fdopen(fd, "a");  // "a": O_APPEND, whatever the shell's offset
  if (!f) {
    const int e = errno;
    ::close(fd);
    return FileError("cannot open", path, e);
  }
  if (struct stat st {}; own >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    // Redirected to a file (`> alerts.jsonl`, `>> alerts.jsonl`, systemd's
    // StandardOutput=file:): its partial last line is cut as a file's opened
    // by name is, read through /proc (the descriptor may be write-only;
    // unreadable: left as it is).
    const int read_fd = ::open(("/proc/self/fd/" + std::to_string(own)).c_str(), O_RDONLY | O_CLOEXEC);
    const Status cut = read_fd < 0 ? Status::OK() : CutPartialLastLine(f, read_fd, path);
    if (read_fd >= 0) ::close(read_fd);
    if (!cut.ok()) {
      std::fclose(f);
      return cut;
    }
  }
  *out = std::make_unique<FileAlertSink>(f, path, stop, /*follows_path=*/own < 0);
  return Status::OK();
}

}  // namespace

bool IsAlertFifo(const std::string& path) {
  struct stat at {};
  return OwnDescriptorNamed(path) < 0 && ::stat(path.c_str(), &at) == 0 && S_ISFIFO(at.st_mode);
}

bool IsOwnStdout(const std::string& path) {
  if (OwnDescriptorNamed(path) == 1) return true;
  // The very file or FIFO (a device such as /dev/null, which cron gives
  // both, is no stream of alerts).
  struct stat out {}, at {};
  return ::fstat(1, &out) == 0 && !S_ISCHR(out.st_mode) && ::stat(path.c_str(), &at) == 0 &&
         out.st_dev == at.st_dev && out.st_ino == at.st_ino;
}

Status OpenFileAlertSink(const std::string& path, std::unique_ptr<AlertSink>* out, const std::atomic<bool>* stop) {
  if (const int own = OwnDescriptorNamed(path); own >= 0) {
    // Closed when the run started (`>&-`): /dev/null holds its number, and
    // alerts written there would be taken as delivered.
    if (StandardDescriptorWasClosed(own))
      return Status::IOError("alerts: " + path + ": the run's " + (own == 1 ? "stdout" : "stderr") +
                             " is closed; give it a file or a pipe");
    return OpenPipeAlertSink(path, out, stop);
  }
  if (struct stat at {}; ::stat(path.c_str(), &at) == 0 && (S_ISFIFO(at.st_mode) || S_ISSOCK(at.st_mode) ||
                                                           S_ISCHR(at.st_mode)))
    return OpenPipeAlertSink(path, out, stop);
  std::FILE* f = std::fopen(path.c_str(), "ab+");
  if (!f) return FileError("cannot open", path, errno);
  if (Status cut = CutPartialLastLine(f, fileno(f), path); !cut.ok()) {
    std::fclose(f);
    return cut;
  }
  *out = std::make_unique<FileAlertSink>(f, path, stop, /*follows_path=*/true);
  return Status::OK();
}

}  // namespace newsflow::pipeline
