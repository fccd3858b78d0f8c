// store_keys.h — internal to storage/: the names of the column families and
// meta entries, and the encoding of index keys (store.h states the layout).
// Shared by the parts of RocksStore (rocks_store.cc, rocks_store_retention.cc).
//
// Ownership: values only. Threads: pure functions. Errors: none.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace newsflow::storage {

inline constexpr char kDocsCf[] = "docs";
inline constexpr char kByTagCf[] = "by_tag";
inline constexpr char kByTimeCf[] = "by_time";
inline constexpr char kDeadLetterCf[] = "dead_letter";
inline constexpr char kMetaCf[] = "meta";
inline constexpr char kByStoryCf[] = "by_story";
inline constexpr char kByStockCf[] = "by_stock";
inline constexpr char kAlertsCf[] = "alerts";
inline constexpr char kOutboxCf[] = "outbox";
inline constexpr char kAlertsByGroupCf[] = "alerts_by_group";

inline constexpr char kMetaRulesetVersion[] = "ruleset_version";
inline constexpr char kMetaCountDocs[] = "count/docs";
inline constexpr char kMetaCountDeadLetters[] = "count/dead_letters";
// The store's id (32 hex digits), written by its first backup.
inline constexpr char kMetaStoreId[] = "store_id";

inline constexpr char kMetaAlertIdPrefix[] = "alert_id/";
// be64(seq): every alert of the log up to seq is in alerts_by_group
// (moved by each Write() with alerts, and by a writer's Open indexing
// alerts an older version wrote).
inline constexpr char kMetaAlertGroupsIndexed[] = "alert_groups/indexed";

// The first byte of an alert log value that carries its document's time
// (store.h); a value without it starts with be32(len id), whose first byte
// is 0 for any id a record can hold.
inline constexpr char kAlertTimeMarker = '\xff';

inline constexpr size_t kTimeKeyBytes = 8;

// ---- key encoding -------------------------------------------------------------

inline void PutBigEndian64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(static_cast<uint8_t>(v >> (8 * (7 - i))));
  out->append(b, sizeof b);
}

inline uint64_t GetBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// group '\0' be64(seq): an alert's entry in alerts_by_group.
inline std::string AlertGroupKey(std::string_view group, uint64_t seq) {
  std::string k;
  k.reserve(group.size() + 9);
  k.append(group);
  k.push_back('\0');
  PutBigEndian64(&k, seq);
  return k;
}

// be64(~time_ms) with the sign bit flipped first, so that byte order is
// descending time order over the whole int64 range (negative times sort after
// the epoch instead of before everything). This is ~t ^ 2^63 == t ^ (2^63-1).
inline constexpr uint64_t kTimeMask = 0x7fff'ffff'ffff'ffffULL;

inline void PutTimeKey(std::string* out, int64_t time_ms) {
  PutBigEndian64(out, static_cast<uint64_t>(time_ms) ^ kTimeMask);
}

inline int64_t GetTimeKey(const char* p) { return static_cast<int64_t>(GetBigEndian64(p) ^ kTimeMask); }

inline std::string TagPrefix(std::string_view tag) {
  std::string k;
  k.reserve(tag.size() + 1 + kTimeKeyBytes);
  k.append(tag);
  k.push_back('\0');
  return k;
}

inline std::string TagIndexKey(std::string_view tag, int64_t time_ms, std::string_view key) {
  std::string k = TagPrefix(tag);
  PutTimeKey(&k, time_ms);
  k.append(key);
  return k;
}

// TagIndexKey and TimeIndexKey appended to *out: AddRecords builds a
// batch's index keys into one buffer instead of a string each.
inline void AppendTagIndexKey(std::string* out, std::string_view tag, int64_t time_ms, std::string_view key) {
  out->append(tag);
  out->push_back('\0');
  PutTimeKey(out, time_ms);
  out->append(key);
}

inline void AppendTimeIndexKey(std::string* out, int64_t time_ms, std::string_view key) {
  PutTimeKey(out, time_ms);
  out->append(key);
}

inline std::string TimeIndexKey(int64_t time_ms, std::string_view key) {
  std::string k;
  k.reserve(kTimeKeyBytes + key.size());
  PutTimeKey(&k, time_ms);
  k.append(key);
  return k;
}

// The stored documents' own stock codes, non-empty and unique (in their
// first order): their by_stock keys. Linear: a feed's stock list is as long
// as the record allows. A short list (most documents name a few stocks or
// none) is checked against the codes kept so far, without a hash set.
inline std::vector<std::string> IndexedStockCodes(const std::vector<std::string>& codes) {
  std::vector<std::string> out;
  if (codes.empty()) return out;
  out.reserve(codes.size());
  if (codes.size() <= 16) {
    for (const auto& c : codes)
      if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    return out;
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(codes.size());
  for (const auto& c : codes)
    if (!c.empty() && seen.insert(c).second) out.push_back(c);
  return out;
}

}  // namespace newsflow::storage
