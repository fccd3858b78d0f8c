// line_source.cc — JSON Lines from a file or stdin, plain or gzip.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "byte_reader.h"
#include "newsflow/pipeline/source.h"

namespace newsflow::pipeline {
namespace {

constexpr size_t kChunk = 1u << 20;
constexpr size_t kHardRecordCap = 64u << 20;  // bytes kept of one runaway line

class LineSource : public Source {
 public:
  LineSource(int fd, std::string name, uint64_t total, const SourceLimits& limits)
      : in_(fd), name_(std::move(name)), total_(total), limits_(limits), buf_(kChunk) {}

  // Refills the batch in place: items left over from an earlier use of the
  // same Batch keep their string capacity, so a recycled batch allocates
  // almost nothing.
  bool Next(Batch* batch) override {
    batch->bytes = 0;
    batch->offsets.clear();
    size_t n = 0;
    while (n < limits_.max_items && (n == 0 || batch->bytes < limits_.max_bytes)) {
      if (n == batch->items.size()) batch->items.emplace_back();
      Item& it = batch->items[n];
      it.raw.clear();
      bool truncated = false;
      if (!ReadLine(&it.raw, &truncated)) break;
      ++line_no_;
      ++n;
      it.position.assign(name_).append(":").append(std::to_string(line_no_));
      it.kafka.reset();
      it.error.clear();
      it.tags.clear();
      if (truncated)
        it.error = "oversized line: more than " + std::to_string(kHardRecordCap) + " bytes (kept the first " +
                   std::to_string(kHardRecordCap) + ")";
      batch->bytes += it.raw.size() + 1;
    }
    batch->items.resize(n);
    return n > 0;
  }

  std::string error() const override { return error_; }
  uint64_t bytes_read() const override { return in_.raw_bytes_read(); }
  uint64_t bytes_total() const override { return total_; }

 private:
  // Reads one line without its '\n' (and a trailing '\r'). False at EOF.
  bool ReadLine(std::string* line, bool* truncated) {
    bool got_any = false;
    for (;;) {
      if (pos_ == end_) {
        if (eof_) return got_any;
        const long n = in_.Read(buf_.data(), buf_.size());
        if (n < 0) {
          error_ = "read " + name_ + ": " + in_.error();
          eof_ = true;
          return got_any;
        }
        if (n == 0) {
          eof_ = true;
          return got_any;
        }
        pos_ = 0;
        end_ = static_cast<size_t>(n);
      }
      got_any = true;
      const char* start = buf_.data() + pos_;
      const void* nl = std::memchr(start, '\n', end_ - pos_);
      const size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : end_ - pos_;
      const size_t room = line->size() < kHardRecordCap ? kHardRecordCap - line->size() : 0;
      if (len > room) *truncated = true;
      line->append(start, std::min(len, room));
      pos_ += len;
      if (nl) {
        ++pos_;
        if (!line->empty() && line->back() == '\r') line->pop_back();
        return true;
      }
    }
  }

  ByteReader in_;
  std::string name_;
  uint64_t total_;
  SourceLimits limits_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t line_no_ = 0;
  std::string error_;
};

}  // namespace

std::unique_ptr<Source> OpenLineSource(const std::string& path, const SourceLimits& limits, std::string* error) {
  if (path == "-") {
    const int fd = dup(0);
    if (fd < 0) {
      *error = std::string("cannot read stdin: ") + std::strerror(errno);
      return nullptr;
    }
    return std::make_unique<LineSource>(fd, "stdin", 0, limits);
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    *error = "cannot open " + path + ": " + (S_ISDIR(st.st_mode) ? "is a directory" : std::strerror(errno));
    close(fd);
    return nullptr;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::make_unique<LineSource>(fd, "file:" + path, static_cast<uint64_t>(st.st_size), limits);
}

}  // namespace newsflow::pipeline
