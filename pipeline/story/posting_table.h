// posting_table.h — the story index's inverted index: trigram hash -> the
// window documents holding it, in one flat open-addressing table.
//
// std::unordered_map allocated a node per trigram and chased a pointer per
// lookup (~10% of the writer's time with story ids on); here a lookup is a
// multiply, a shift and a probe of one flat array of (trigram, list) pairs,
// and a removed trigram's list goes to a free pool with its capacity, so a
// steady window allocates almost nothing. Linear probing with backward-shift deletion (no
// tombstones); the table doubles at half full. Fibonacci hashing uses the
// high bits, since the indexed trigram hashes share their low bits (the
// index keeps those whose hash & mask == 0).
//
// Ownership: owns its lists. Threads: not thread-safe (the writer's
// StoryIndex owns it). Errors: none.
#pragma once

#include <cstddef>
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

  static constexpr uint32_t kNoList = UINT32_MAX;

  // The list of `gram`, or nullptr.
  Posting* Find(uint32_t gram) {
    const uint32_t list = FindList(gram);
    return list == kNoList ? nullptr : &lists_[list];
  }

  // The list of `gram`, created empty if absent.
  Posting& FindOrAdd(uint32_t gram) { return lists_[FindOrAddList(gram)]; }

  // The same by list number, which stays valid until the trigram is erased
  // (a reference does not: adding may move the lists). For a caller that
  // probes many trigrams first and reads their lists after.
  uint32_t FindList(uint32_t gram) const {
    for (uint32_t i = Home(gram);; i = (i + 1) & mask_) {
      if (slots_[i].list == kEmpty) return kNoList;
      if (slots_[i].gram == gram) return slots_[i].list;
    }
  }
  Posting& List(uint32_t list) { return lists_[list]; }
  // Fetches the table line where a probe for `gram` starts (a probe run is
  // short: the table is at most half full).
  void PrefetchSlot(uint32_t gram) const { __builtin_prefetch(&slots_[Home(gram)]); }

  uint32_t FindOrAddList(uint32_t gram) {
    uint32_t i = Home(gram);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].list == kEmpty) break;
      if (slots_[i].gram == gram) return slots_[i].list;
    }
    if (2 * (size_ + 1) > slots_.size()) {
      Rehash(bits_ + 1);
      return FindOrAddList(gram);
    }
    uint32_t list;
    if (!free_.empty()) {
      list = free_.back();
      free_.pop_back();
    } else {
      list = static_cast<uint32_t>(lists_.size());
      lists_.emplace_back();
    }
    slots_[i] = {gram, list};
    ++size_;
    return list;
  }

  // Removes `gram`; its list keeps its capacity for the next new trigram.
  void Erase(uint32_t gram) {
    uint32_t i = Home(gram);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].list == kEmpty) return;
      if (slots_[i].gram == gram) break;
    }
    Posting& p = lists_[slots_[i].list];
    p.live = 0;
    p.entries.clear();
    if (p.entries.capacity() > kKeptCapacity) std::vector<uint64_t>().swap(p.entries);
    free_.push_back(slots_[i].list);
    --size_;
    // Backward shift: move later members of the probe run into the hole.
    for (uint32_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].list == kEmpty) break;
      const uint32_t home = Home(slots_[j].gram);
      // j's entry may move to i if its home is not cyclically within (i, j].
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].list = kEmpty;
  }

  size_t size() const { return size_; }
  // Heap bytes (slots, lists and their entries), for StoryIndex::MemoryBytes.
  size_t MemoryBytes() const {
    size_t n = slots_.capacity() * sizeof(Slot) + free_.capacity() * 4 + lists_.capacity() * sizeof(Posting);
    for (const Posting& p : lists_) n += p.entries.capacity() * sizeof(uint64_t);
    return n;
  }

  // Calls f(gram, posting) for every trigram (order unspecified).
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_)
      if (s.list != kEmpty) f(s.gram, lists_[s.list]);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr uint32_t kInitialBits = 12;
  static constexpr size_t kKeptCapacity = 4;  // a freed list keeps this much (most lists are this short)

  uint32_t Home(uint32_t gram) const { return (gram * 0x9E3779B1u) >> (32 - bits_); }

  void Rehash(uint32_t bits) {
    std::vector<Slot> old = std::move(slots_);
    bits_ = bits;
    mask_ = (1u << bits) - 1;
    slots_.assign(size_t{1} << bits, Slot{0, kEmpty});
    for (const Slot& s : old) {
      if (s.list == kEmpty) continue;
      uint32_t i = Home(s.gram);
      while (slots_[i].list != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  uint32_t bits_ = 0, mask_ = 0;
  size_t size_ = 0;
  // A probe reads the trigram and its list number from one cache line.
  struct Slot {
    uint32_t gram;
    uint32_t list;  // kEmpty if the slot is free
  };
  std::vector<Slot> slots_;
  std::vector<Posting> lists_;
  std::vector<uint32_t> free_;   // list numbers not in use
};

}  // namespace newsflow::pipeline
