// cache_file.cc — see cache_file.h.
#include "cache_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <isa-l/crc64.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

namespace newsflow::rules::cache {
namespace {

struct Header {
  char magic[8];
  uint64_t key;
  uint64_t extra;
  uint64_t length;
  uint64_t payload_hash;
};

// The payload's check: CRC-64 (ECMA-182, ISA-L's SIMD kernel, ~10 GB/s). It
// was FNV-1a a byte at a time, ~4 cycles a byte: ~6 ms of a start with a
// 20,000-name watch list, whose cached rule set and database are 4.5 MB.
// The keys' format versions moved with it (database_cache.cc,
// rule_set_cache.cc), so a file of the old check is never read.
uint64_t PayloadHash(std::string_view payload) {
  return crc64_ecma_refl(0, reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
}

// Only what this user wrote, and nobody else can rewrite, is read.
bool Trusted(const std::string& path, std::string* why) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    *why = path + ": " + std::strerror(errno);
    return false;
  }
  if (st.st_uid != ::geteuid()) {
    *why = path + ": owned by another user";
    return false;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    *why = path + ": writable by group or others";
    return false;
  }
  return true;
}

// Temporary files a crashed writer left (older than an hour), and files of
// this kind beyond the newest kMaxFiles (old rule sets, old versions).
void Prune(const std::string& dir, const FileKind& kind) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with(kind.prefix)) continue;
    const auto mtime = fs::last_write_time(e.path(), ec);
    if (ec) continue;
    if (name.find(".tmp") != std::string::npos) {
      if (now - mtime > std::chrono::hours(1)) fs::remove(e.path(), ec);
    } else if (name.ends_with(kind.suffix)) {
      files.emplace_back(mtime, e.path());
    }
  }
  if (files.size() <= kMaxFiles) return;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kMaxFiles; i < files.size(); ++i) fs::remove(files[i].second, ec);
}

}  // namespace

std::string CacheFilePath(const std::string& dir, const FileKind& kind, uint64_t key) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));
  std::string name(kind.prefix);
  name += hex;
  name += kind.suffix;
  return (std::filesystem::path(dir) / name).string();
}

bool ReadCacheFile(const std::string& dir, const FileKind& kind, uint64_t key, std::string* payload,
                   uint64_t* extra, std::string* why) {
  const std::string path = CacheFilePath(dir, kind, key);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = kNoCachedFile;
    return false;
  }
  if (!Trusted(dir, why) || !Trusted(path, why)) return false;
  // The header, then the payload read straight into *payload: the files
  // are megabytes for a big watch list.
  Header h;
  if (!in.read(reinterpret_cast<char*>(&h), sizeof h)) {
    *why = path + ": truncated header";
    return false;
  }
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (std::memcmp(h.magic, kind.magic, sizeof h.magic) != 0) {
    *why = path + ": not a newsflow cache file of this kind";
  } else if (h.key != key) {
    *why = path + ": written for another key";
  } else if (ec || size < sizeof h || h.length != size - sizeof h) {
    *why = path + ": truncated or overlong payload";
  } else {
    payload->resize(h.length);
    if (!in.read(payload->data(), static_cast<std::streamsize>(h.length)) || in.peek() != std::char_traits<char>::eof())
      *why = path + ": truncated or overlong payload";
    else if (h.payload_hash != PayloadHash(*payload))
      *why = path + ": payload hash mismatch (corrupt)";
    else
      why->clear();
  }
  if (!why->empty()) {
    payload->clear();
    return false;
  }
  *extra = h.extra;
  return true;
}

Status WriteCacheFile(const std::string& dir, const FileKind& kind, uint64_t key, uint64_t extra,
                      std::string_view payload) {
  Header h{};
  std::memcpy(h.magic, kind.magic, sizeof h.magic);
  h.key = key;
  h.extra = extra;
  h.length = payload.size();
  h.payload_hash = PayloadHash(payload);
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec))  // ours: only this user may write it (reads check)
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  if (ec) return Status::IOError("cannot create rules cache directory " + dir + ": " + ec.message());
  const std::string path = CacheFilePath(dir, kind, key);
  std::string tmp = path + ".tmpXXXXXX";
  const int fd = ::mkstemp(tmp.data());  // 0600, a name no other writer has
  if (fd < 0) return Status::IOError("cannot create a temporary file in " + dir + ": " + std::strerror(errno));
  auto write_all = [fd](const char* p, size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  };
  const bool written =
      write_all(reinterpret_cast<const char*>(&h), sizeof h) && write_all(payload.data(), payload.size());
  if (::close(fd) != 0 || !written) {
    std::filesystem::remove(tmp, ec);
    return Status::IOError("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::IOError("cannot rename " + tmp + " to " + path);
  }
  Prune(dir, kind);
  return Status::OK();
}

}  // namespace newsflow::rules::cache
