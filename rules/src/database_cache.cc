// database_cache.cc — see database_cache.h.
#include "database_cache.h"

#include <hs/hs.h>

#include <cstdlib>
#include <memory>

#include "cache_file.h"
#include "newsflow/base/fnv1a.h"

namespace newsflow::rules::cache {
namespace {

constexpr FileKind kDatabase{{'N', 'F', 'H', 'S', 'D', 'B', '0', '2'}, "hs-", ".db"};
// Bumped when the way patterns become a database changes (flags, escaping,
// the literal/regex API choice) so that older files are never read.
constexpr std::string_view kFormat = "newsflow-hs-cache/2";

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

std::string CacheFile(const std::string& dir, uint64_t key) { return CacheFilePath(dir, kDatabase, key); }

bool Load(const std::string& dir, uint64_t key, hs_database** db, bool* literal_api, std::string* why) {
  std::string payload;
  uint64_t extra = 0;
  if (!ReadCacheFile(dir, kDatabase, key, &payload, &extra, why)) {
    if (*why == kNoCachedFile) *why = "no cached database";
    return false;
  }
  hs_database_t* out = nullptr;
  if (hs_error_t rc = hs_deserialize_database(payload.data(), payload.size(), &out); rc != HS_SUCCESS) {
    *why = CacheFile(dir, key) + ": hyperscan refused it (error " + std::to_string(rc) + ")";
    return false;
  }
  *db = out;
  *literal_api = extra != 0;
  return true;
}

Status Store(const std::string& dir, uint64_t key, const hs_database* db, bool literal_api) {
  char* raw = nullptr;
  size_t length = 0;
  if (hs_error_t rc = hs_serialize_database(db, &raw, &length); rc != HS_SUCCESS)
    return Status::IOError("hyperscan cannot serialize the database (error " + std::to_string(rc) + ")");
  std::unique_ptr<char, decltype(&std::free)> payload(raw, &std::free);
  return WriteCacheFile(dir, kDatabase, key, literal_api ? 1 : 0, std::string_view(raw, length));
}

}  // namespace newsflow::rules::cache
