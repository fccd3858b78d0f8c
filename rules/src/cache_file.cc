// cache_file.cc — see cache_file.h.
#include "cache_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "newsflow/base/fnv1a.h"

namespace newsflow::rules::cache {
namespace {

struct Header {
  char magic[8];
  uint64_t key;
  uint64_t extra;
  uint64_t length;
  uint64_t payload_hash;
};

constexpr uint64_t kPayloadHashBasis = kFnv1aBasis14;  // the payload hash is stored: keep it

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
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = std::move(ss).str();
  Header h;
  if (bytes.size() < sizeof h) {
    *why = path + ": truncated header";
    return false;
  }
  std::memcpy(&h, bytes.data(), sizeof h);
  const std::string_view body = std::string_view(bytes).substr(sizeof h);
  if (std::memcmp(h.magic, kind.magic, sizeof h.magic) != 0) *why = path + ": not a newsflow cache file of this kind";
  else if (h.key != key) *why = path + ": written for another key";
  else if (h.length != body.size()) *why = path + ": truncated or overlong payload";
  else if (h.payload_hash != Fnv1a(kPayloadHashBasis, body)) *why = path + ": payload hash mismatch (corrupt)";
  else why->clear();
  if (!why->empty()) return false;
  payload->assign(body);
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
  h.payload_hash = Fnv1a(kPayloadHashBasis, payload);
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
