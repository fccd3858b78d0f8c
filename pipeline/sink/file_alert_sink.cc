// file_alert_sink.cc — alerts as JSON Lines appended to a file.
#include "pipeline/sink/file_alert_sink.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>


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
    line_.assign(json);
    line_ += '\n';
    if (std::fwrite(line_.data(), 1, line_.size(), f_) != line_.size()) return FileError("write", path_, errno);
    return Status::OK();
  }
  // Durable, not only written: the store drops the alerts from its outbox
  // once this returns.
  Status Flush() override {
    if (std::fflush(f_) != 0) return FileError("flush", path_, errno);
    if (fsync(fileno(f_)) != 0 && errno != EINVAL) return FileError("fsync", path_, errno);  // EINVAL: a pipe, /dev/...
    return Status::OK();
  }

 private:
  std::FILE* f_;
  std::string path_;
  std::string line_;
};

}  // namespace

Status OpenFileAlertSink(const std::string& path, std::unique_ptr<AlertSink>* out) {
  std::FILE* f = std::fopen(path.c_str(), "ab+");
  if (!f) return FileError("cannot open", path, errno);
  // A write cut short (a full disk) may have left a partial last line: end
  // it, so the alerts delivered again start on a line of their own.
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    char last = '\n';
    if (pread(fileno(f), &last, 1, st.st_size - 1) == 1 && last != '\n' &&
        (std::fputc('\n', f) == EOF || std::fflush(f) != 0)) {
      const int e = errno;
      std::fclose(f);
      return FileError("write", path, e);
    }
  }
  *out = std::make_unique<FileAlertSink>(f, path);
  return Status::OK();
}

}  // namespace newsflow::pipeline
