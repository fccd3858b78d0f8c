// last_of_each_key.h — internal to storage/: which records of a write set
// are the last one of their key (the one RocksStore::Write stores).
//
// A batch of a few thousand records is deduplicated once per write. An
// std::unordered_map<std::string_view, size_t> allocated a node per record
// and hashed each key twice (insert, then look-up), ~500 instructions a
// record on the writer thread; here each key is hashed once into a flat
// open-addressing table of record numbers sized to the batch, and nothing is
// allocated per record.
//
// Ownership: reads the keys through `key_of`, keeps nothing. Threads: a
// pure function. Errors: none (a failed allocation throws std::bad_alloc).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace newsflow::storage {

// Sets (*last)[i] to true iff record i of `n` is the last with its key
// (key_of(i) -> std::string_view).
template <typename KeyOf>
void MarkLastOfEachKey(size_t n, KeyOf&& key_of, std::vector<bool>* last) {
  last->assign(n, true);
  if (n < 2) return;
  const size_t cap = std::bit_ceil(2 * n);  // at most half full
  const size_t mask = cap - 1;
  constexpr uint32_t kFree = UINT32_MAX;
  std::vector<uint32_t> table(cap, kFree);  // record numbers, by key hash
  for (size_t i = 0; i < n; ++i) {
    const std::string_view key = key_of(i);
    for (size_t h = std::hash<std::string_view>{}(key) & mask;; h = (h + 1) & mask) {
      if (table[h] == kFree) {
        table[h] = static_cast<uint32_t>(i);
        break;
      }
      if (key_of(table[h]) == key) {  // an earlier record of the key: this one replaces it
        (*last)[table[h]] = false;
        table[h] = static_cast<uint32_t>(i);
        break;
      }
    }
  }
}

}  // namespace newsflow::storage
