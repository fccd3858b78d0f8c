// file_alert_sink.cc — alerts as JSON Lines appended to a file.
#include "pipeline/sink/file_alert_sink.h"

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
  Status Flush() override {
    if (std::fflush(f_) != 0) return FileError("flush", path_, errno);
    return Status::OK();
  }

 private:
  std::FILE* f_;
  std::string path_;
  std::string line_;
};

}  // namespace

Status OpenFileAlertSink(const std::string& path, std::unique_ptr<AlertSink>* out) {
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) return FileError("cannot open", path, errno);
  *out = std::make_unique<FileAlertSink>(f, path);
  return Status::OK();
}

}  // namespace newsflow::pipeline
