// fuzz_util.h — helpers shared by the fuzz targets (fuzz/targets/*.cc).
//
// FUZZ_CHECK(cond, ...) prints what broke and aborts, which libFuzzer (and
// the standalone driver) report as a crash with the input saved. Targets use
// it for invariants the library documents, never for "this input is bad".
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, ...)                                                        \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  ", __FILE__, __LINE__, \
                   #cond);                                                           \
      std::fprintf(stderr, __VA_ARGS__);                                             \
      std::fprintf(stderr, "\n");                                                    \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

namespace newsflow::fuzz {

// A per-process scratch file path under $TMPDIR (or /tmp): parallel fuzzer
// processes (-jobs, -fork) each get their own.
inline std::string TempPath(std::string_view tag) {
  const char* dir = std::getenv("TMPDIR");
  std::string p = (dir && *dir) ? dir : "/tmp";
  p += "/newsflow-fuzz-";
  p += tag;
  p += "-";
  p += std::to_string(::getpid());
  return p;
}

// Writes `bytes` to `path` (truncating). Aborts if the file cannot be
// written: that is the harness failing, not the library.
inline void WriteFileOrDie(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0, "cannot create %s", path.c_str());
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
    FUZZ_CHECK(w > 0, "cannot write %s", path.c_str());
    off += static_cast<size_t>(w);
  }
  ::close(fd);
}

// Removes a file when the scope ends: one input's scratch file is gone after
// the input, even if libFuzzer later leaves without running destructors.
struct UnlinkAtEnd {
  explicit UnlinkAtEnd(const std::string& p) : path(p) {}
  ~UnlinkAtEnd() { ::unlink(path.c_str()); }
  UnlinkAtEnd(const UnlinkAtEnd&) = delete;
  UnlinkAtEnd& operator=(const UnlinkAtEnd&) = delete;
  const std::string& path;
};

// A scratch file path, the file removed when the process exits (keep it in a static).
struct TempFile {
  explicit TempFile(std::string_view tag, std::string_view suffix = "") : path(TempPath(tag).append(suffix)) {}
  ~TempFile() { ::unlink(path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path;
};

// Consumes bytes from the front of the input for a target's own knobs.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(reinterpret_cast<const char*>(data)), n_(size) {}
  uint8_t Byte() {
    if (n_ == 0) return 0;
    --n_;
    return static_cast<uint8_t>(*p_++);
  }
  std::string_view Rest() const { return {p_, n_}; }

 private:
  const char* p_;
  size_t n_;
};

}  // namespace newsflow::fuzz
