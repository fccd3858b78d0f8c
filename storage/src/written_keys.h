// written_keys.h — internal to storage/: the documents a writer has stored
// since it opened a store that had none, so that a write need not look up
// keys it never wrote.
//
// A write looks up each document's key before it puts it: a key already
// stored has index entries to delete (store.h, Writes). In a store that
// was empty when it was opened, and that only this writer writes (RocksDB's
// lock), a key can be stored only if this writer wrote it, so a key it
// never wrote needs no lookup: its read of the docs family's level-0 tables
// (one filter probe per table, ~20 per key by the end of a 400k-item load)
// was 12% of the writer's time in a bulk load. The set holds 64-bit hashes
// of the keys written, in one open-addressing table: a hash collision only
// costs a lookup, never a wrong answer, and nothing is removed (a pruned
// key stays "maybe stored", which is safe). Past its maximum it stops
// answering (every key is looked up again) and frees its table.
//
// Ownership: a value owned by its RocksStore. Threads: not thread-safe; the
// writer uses it under write_mu_. Errors: none (a table it cannot grow is given up).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <vector>

#include "newsflow/base/fnv1a.h"

namespace newsflow::storage {

class WrittenKeys {
 public:
  static constexpr size_t kMaxKeys = size_t{1} << 22;  // 4 M keys: a 64 MiB table at most

  explicit WrittenKeys(size_t max_keys = kMaxKeys) : max_keys_(max_keys) {}

  // Starts answering (the store had no documents when it was opened).
  void Start() { active_ = true; }
  // Whether MaybeWritten() can say no.
  bool active() const { return active_; }

  // False only if the set is active and `key` was never Add()ed: a key it
  // cannot rule out (not started, or given up) may be stored.
  bool MaybeWritten(std::string_view key) const { return !active_ || Holds(Hash(key)); }

  void Add(std::string_view key) {
    if (!active_) return;
    const uint64_t h = Hash(key);
    if (Holds(h)) return;
    if (size_ >= max_keys_) {  // too many to hold: every key is looked up from now on
      GiveUp();
      return;
    }
    if (2 * (size_ + 1) > slots_.size()) {
      try {
        Grow();
      } catch (const std::bad_alloc&) {  // no memory for a bigger table: as if too many
        GiveUp();
        return;
      }
    }
    size_t i = Home(h);
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = h;
    ++size_;
  }

 private:
  // FNV-1a, then a final mix (the table is indexed by the high bits); 0
  // marks a free slot, so a key hashing to 0 is stored as 1.
  static uint64_t Hash(std::string_view key) {
    uint64_t h = Fnv1a(kFnv1aBasis, key);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h == 0 ? 1 : h;
  }
  size_t Home(uint64_t h) const { return static_cast<size_t>(h >> shift_); }

  bool Holds(uint64_t h) const {
    if (size_ == 0) return false;
    for (size_t i = Home(h);; i = (i + 1) & mask_) {
      if (slots_[i] == 0) return false;
      if (slots_[i] == h) return true;
    }
  }

  void GiveUp() {
    active_ = false;
    std::vector<uint64_t>().swap(slots_);
    size_ = 0;
  }

  void Grow() {
    const size_t capacity = slots_.empty() ? size_t{1} << 16 : 2 * slots_.size();
    std::vector<uint64_t> old(capacity, 0);
    old.swap(slots_);
    mask_ = capacity - 1;
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(capacity));
    for (const uint64_t h : old) {
      if (h == 0) continue;
      size_t i = Home(h);
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = h;
    }
  }

  size_t max_keys_;
  bool active_ = false;
  std::vector<uint64_t> slots_;  // hashes, 0 = free; at most half full
  size_t size_ = 0;
  size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace newsflow::storage
