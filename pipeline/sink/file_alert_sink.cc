// file_alert_sink.cc — alerts as JSON Lines appended to a file.
#include "pipeline/sink/file_alert_sink.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "pipeline/log/logger.h"

namespace newsflow::pipeline {
namespace {

Status FileError(const std::string& what, const std::string& path, int err) {
  std::string msg = "alerts: " + what + " " + path + ": " + std::strerror(err);
  return err == ENOSPC ? Status::NoSpace(std::move(msg)) : Status::IOError(std::move(msg));
}

class FileAlertSink : public AlertSink {
 public:
  FileAlertSink(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  ~FileAlertSink() override { std::fclose(f_); }
  Status PublishJson(std::string_view /*id*/, std::string_view json) override {
    NEWSFLOW_RETURN_IF_ERROR(FollowRotation());
    line_.assign(json);
    line_ += '\n';
    if (std::fwrite(line_.data(), 1, line_.size(), f_) != line_.size()) return FileError("write", path_, errno);
    return Status::OK();
  }
  // Durable, not only written: the store drops the alerts from its outbox
  // once this returns.
  Status Flush() override {
    rotation_checked_ = false;
    if (std::fflush(f_) != 0) return FileError("flush", path_, errno);
    if (fsync(fileno(f_)) != 0 && errno != EINVAL) return FileError("fsync", path_, errno);  // EINVAL: a pipe, /dev/...
    return Status::OK();
  }

 private:
  // Once per batch, before its first alert: a file moved away or removed
  // (logrotate, an operator archiving it) is followed by a new file at the
  // path, as a consumer tailing the path expects. What was written before
  // was flushed and fsynced with its batch, in the old file.
  Status FollowRotation() {
    if (rotation_checked_) return Status::OK();
    rotation_checked_ = true;
    struct stat open_file {}, at_path {};
    if (fstat(fileno(f_), &open_file) != 0 || !S_ISREG(open_file.st_mode)) return Status::OK();  // a pipe, /dev/...
    if (stat(path_.c_str(), &at_path) == 0 && at_path.st_ino == open_file.st_ino && at_path.st_dev == open_file.st_dev)
      return Status::OK();
    std::FILE* next = std::fopen(path_.c_str(), "ab+");
    if (!next) return FileError("cannot reopen", path_, errno);
    std::fclose(f_);
    f_ = next;
    LogInfo("alerts", path_ + " was moved or removed: writing to a new file at that path");
    return Status::OK();
  }

  std::FILE* f_;
  std::string path_;
  std::string line_;
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

}  // namespace

Status OpenFileAlertSink(const std::string& path, std::unique_ptr<AlertSink>* out) {
  std::FILE* f = std::fopen(path.c_str(), "ab+");
  if (!f) return FileError("cannot open", path, errno);
  // A write cut short (kill -9 mid-write, a full disk) leaves a partial last
  // line. That alert was never acknowledged, so the store's outbox delivers
  // it again: cut the fragment off, so every line of the file is one whole
  // alert (jq and other JSON Lines readers stop at a torn line).
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    off_t whole = st.st_size;
    if (!WholeLinesLength(fileno(f), st.st_size, &whole) ||
        (whole < st.st_size && ftruncate(fileno(f), whole) != 0)) {
      const int e = errno;
      std::fclose(f);
      return FileError("cutting the partial last line of", path, e);
    }
    if (whole < st.st_size)
      LogWarn("alerts", fmt::format("{}: cut a partial last line ({} bytes) left by an interrupted run; its alert is "
                                    "delivered again",
                                    path, st.st_size - whole));
  }
  *out = std::make_unique<FileAlertSink>(f, path);
  return Status::OK();
}

}  // namespace newsflow::pipeline
