// database_cache.cc — see database_cache.h.
#include "database_cache.h"

#include "newsflow/base/fnv1a.h"

#include <hs/hs.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace newsflow::rules::cache {
namespace {

constexpr char kMagic[8] = {'N', 'F', 'H', 'S', 'D', 'B', '0', '1'};
// Bumped when the way patterns become a database changes (flags, escaping,
// the literal/regex API choice) so that older files are never read.
constexpr std::string_view kFormat = "newsflow-hs-cache/1";

struct Header {
  char magic[8];
  uint64_t key;
  uint64_t literal_api;
  uint64_t length;
  uint64_t payload_hash;
};

uint64_t Fnv1aU64(uint64_t h, uint64_t v) { return Fnv1a(h, &v, sizeof v); }

constexpr uint64_t kFnvBasis = kFnv1aBasis14;  // the cache key is stored: keep it

}  // namespace

uint64_t DatabaseKey(std::string_view compile_plan) {
  uint64_t h = Fnv1a(kFnvBasis, kFormat);
  h = Fnv1a(h, hs_version());
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    h = Fnv1aU64(h, platform.tune);
    h = Fnv1aU64(h, platform.cpu_features);
  }
  h = Fnv1aU64(h, compile_plan.size());
  return Fnv1a(h, compile_plan);
}

namespace {

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

// Temporary files a crashed writer left (older than an hour), and databases
// beyond the newest kMaxFiles (old rule sets, old Hyperscan versions).
void Prune(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> dbs;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("hs-", 0) != 0) continue;
    const auto mtime = fs::last_write_time(e.path(), ec);
    if (ec) continue;
    if (name.find(".tmp") != std::string::npos) {
      if (now - mtime > std::chrono::hours(1)) fs::remove(e.path(), ec);
    } else if (name.size() > 3 && name.substr(name.size() - 3) == ".db") {
      dbs.emplace_back(mtime, e.path());
    }
  }
  if (dbs.size() <= kMaxFiles) return;
  std::sort(dbs.begin(), dbs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kMaxFiles; i < dbs.size(); ++i) fs::remove(dbs[i].second, ec);
}

}  // namespace

std::string CacheFile(const std::string& dir, uint64_t key) {
  char name[40];
  std::snprintf(name, sizeof name, "hs-%016llx.db", static_cast<unsigned long long>(key));
  return (std::filesystem::path(dir) / name).string();
}

bool Load(const std::string& dir, uint64_t key, hs_database** db, bool* literal_api, std::string* why) {
  const std::string path = CacheFile(dir, key);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = "no cached database";
    return false;
  }
  if (!Trusted(dir, why) || !Trusted(path, why)) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  Header h;
  if (bytes.size() < sizeof h) {
    *why = path + ": truncated header";
    return false;
  }
  std::memcpy(&h, bytes.data(), sizeof h);
  const std::string_view payload = std::string_view(bytes).substr(sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) *why = path + ": not a newsflow database cache file";
  else if (h.key != key) *why = path + ": written for another key";
  else if (h.length != payload.size()) *why = path + ": truncated or overlong payload";
  else if (h.payload_hash != Fnv1a(kFnvBasis, payload)) *why = path + ": payload hash mismatch (corrupt)";
  else why->clear();
  if (!why->empty()) return false;
  hs_database_t* out = nullptr;
  if (hs_error_t rc = hs_deserialize_database(payload.data(), payload.size(), &out); rc != HS_SUCCESS) {
    *why = path + ": hyperscan refused it (error " + std::to_string(rc) + ")";
    return false;
  }
  *db = out;
  *literal_api = h.literal_api != 0;
  return true;
}

Status Store(const std::string& dir, uint64_t key, const hs_database* db, bool literal_api) {
  char* raw = nullptr;
  size_t length = 0;
  if (hs_error_t rc = hs_serialize_database(db, &raw, &length); rc != HS_SUCCESS)
    return Status::IOError("hyperscan cannot serialize the database (error " + std::to_string(rc) + ")");
  std::unique_ptr<char, decltype(&std::free)> payload(raw, &std::free);
  const std::string_view bytes(raw, length);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.key = key;
  h.literal_api = literal_api ? 1 : 0;
  h.length = length;
  h.payload_hash = Fnv1a(kFnvBasis, bytes);
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec))  // ours: only this user may write it (Load checks)
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  if (ec) return Status::IOError("cannot create rules cache directory " + dir + ": " + ec.message());
  const std::string path = CacheFile(dir, key);
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
  const bool written = write_all(reinterpret_cast<const char*>(&h), sizeof h) && write_all(bytes.data(), bytes.size());
  if (::close(fd) != 0 || !written) {
    std::filesystem::remove(tmp, ec);
    return Status::IOError("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::IOError("cannot rename " + tmp + " to " + path);
  }
  Prune(dir);
  return Status::OK();
}

}  // namespace newsflow::rules::cache
