// posting_table.h — the story index's inverted index: trigram hash -> the
// window documents holding it, in one flat open-addressing table.
//
// std::unordered_map allocated a node per trigram and chased a pointer per
// lookup (~10% of the writer's time with story ids on); here a lookup is a
// multiply, a shift and a probe of two flat arrays, and a removed trigram's
// list goes to a free pool with its capacity, so a steady window allocates
// almost nothing. Linear probing with backward-shift deletion (no
// tombstones); the table doubles at half full. Fibonacci hashing uses the
// high bits, since the indexed trigram hashes share their low bits (the
// index keeps those whose hash & mask == 0).
//
// Ownership: owns its lists. Threads: not thread-safe (the writer's
// StoryIndex owns it). Errors: none.
#pragma once

#include <cstdint>
#include <vector>

namespace newsflow::pipeline {

struct Posting {
  uint32_t live = 0;              // window documents holding the trigram
  std::vector<uint64_t> entries;  // slot | generation << 32, some stale (see StoryIndex)
};

class PostingTable {
 public:
  PostingTable() { Rehash(kInitialBits); }

  // The list of `gram`, or nullptr.
  Posting* Find(uint32_t gram) {
    for (uint32_t i = Home(gram);; i = (i + 1) & mask_) {
      if (index_[i] == kEmpty) return nullptr;
      if (keys_[i] == gram) return &lists_[index_[i]];
    }
  }

  // The list of `gram`, created empty if absent.
  Posting& FindOrAdd(uint32_t gram) {
    uint32_t i = Home(gram);
    for (;; i = (i + 1) & mask_) {
      if (index_[i] == kEmpty) break;
      if (keys_[i] == gram) return lists_[index_[i]];
    }
    if (2 * (size_ + 1) > index_.size()) {
      Rehash(bits_ + 1);
      return FindOrAdd(gram);
    }
    uint32_t list;
    if (!free_.empty()) {
      list = free_.back();
      free_.pop_back();
    } else {
      list = static_cast<uint32_t>(lists_.size());
      lists_.emplace_back();
    }
    keys_[i] = gram;
    index_[i] = list;
    ++size_;
    return lists_[list];
  }

  // Removes `gram`; its list keeps its capacity for the next new trigram.
  void Erase(uint32_t gram) {
    uint32_t i = Home(gram);
    for (;; i = (i + 1) & mask_) {
      if (index_[i] == kEmpty) return;
      if (keys_[i] == gram) break;
    }
    Posting& p = lists_[index_[i]];
    p.live = 0;
    p.entries.clear();
    if (p.entries.capacity() > kKeptCapacity) std::vector<uint64_t>().swap(p.entries);
    free_.push_back(index_[i]);
    --size_;
    // Backward shift: move later members of the probe run into the hole.
    for (uint32_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (index_[j] == kEmpty) break;
      const uint32_t home = Home(keys_[j]);
      // j's entry may move to i if its home is not cyclically within (i, j].
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        keys_[i] = keys_[j];
        index_[i] = index_[j];
        i = j;
      }
    }
    index_[i] = kEmpty;
  }

  size_t size() const { return size_; }
  // Heap bytes (slots, lists and their entries), for StoryIndex::MemoryBytes.
  size_t MemoryBytes() const {
    size_t n = keys_.capacity() * 4 + index_.capacity() * 4 + free_.capacity() * 4 + lists_.capacity() * sizeof(Posting);
    for (const Posting& p : lists_) n += p.entries.capacity() * sizeof(uint64_t);
    return n;
  }

  // Calls f(gram, posting) for every trigram (order unspecified).
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < index_.size(); ++i)
      if (index_[i] != kEmpty) f(keys_[i], lists_[index_[i]]);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr uint32_t kInitialBits = 12;
  static constexpr size_t kKeptCapacity = 4;  // a freed list keeps this much (most lists are this short)

  uint32_t Home(uint32_t gram) const { return (gram * 0x9E3779B1u) >> (32 - bits_); }

  void Rehash(uint32_t bits) {
    std::vector<uint32_t> old_keys = std::move(keys_), old_index = std::move(index_);
    bits_ = bits;
    mask_ = (1u << bits) - 1;
    keys_.assign(size_t{1} << bits, 0);
    index_.assign(size_t{1} << bits, kEmpty);
    for (size_t k = 0; k < old_index.size(); ++k) {
      if (old_index[k] == kEmpty) continue;
      uint32_t i = Home(old_keys[k]);
      while (index_[i] != kEmpty) i = (i + 1) & mask_;
      keys_[i] = old_keys[k];
      index_[i] = old_index[k];
    }
  }

  uint32_t bits_ = 0, mask_ = 0;
  size_t size_ = 0;
  std::vector<uint32_t> keys_;   // trigram per slot
  std::vector<uint32_t> index_;  // list number per slot, kEmpty if the slot is free
  std::vector<Posting> lists_;
  std::vector<uint32_t> free_;   // list numbers not in use
};

}  // namespace newsflow::pipeline
