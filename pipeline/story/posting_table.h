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
// Eviction retires a list whose last document left (Retire: by list
// number, no probe of the table, whose slots are a cache miss each) and
// leaves its trigram in the table with an empty list, which a walk reads
// as absent and a new document revives; MaybeSweep drops the retired
// trigrams in one pass once they are half the table's, so the probes
// eviction saves are paid as one sequential rebuild.
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

  // A retired trigram's list is revived (the caller adds a document to it).
  uint32_t FindOrAddList(uint32_t gram) {
    uint32_t i = Home(gram);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].list == kEmpty) break;
      if (slots_[i].gram == gram) {
        const uint32_t list = slots_[i].list;
        if (IsRetired(list)) {
          SetRetired(list, false);
          --retired_;
        }
        return list;
      }
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
      if ((list >> 6) >= retired_bits_.size()) retired_bits_.push_back(0);
    }
    slots_[i] = {gram, list};
    ++size_;
    return list;
  }

  // Marks a list whose live count fell to 0 as retired: emptied, its
  // trigram kept in the table until the next sweep (or revived). No probe.
  void Retire(uint32_t list) {
    Posting& p = lists_[list];
    p.live = 0;
    p.entries.clear();
    if (p.entries.capacity() > kKeptCapacity) std::vector<uint64_t>().swap(p.entries);
    if (!IsRetired(list)) {
      SetRetired(list, true);
      ++retired_;
    }
  }

  // Drops the retired trigrams once they are half of the table's, in one
  // pass (list numbers of lists not retired stay valid). Call where no
  // number of a retired list is held.
  void MaybeSweep() {
    if (retired_ < kMinSweep || 2 * retired_ < size_) return;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size(), Slot{0, kEmpty});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.list == kEmpty) continue;
      if (IsRetired(s.list)) {  // a bit in a small array: the sweep reads no list
        SetRetired(s.list, false);
        free_.push_back(s.list);
        continue;
      }
      uint32_t i = Home(s.gram);
      while (slots_[i].list != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
      ++size_;
    }
    retired_ = 0;
  }

  // Removes `gram`; its list keeps its capacity for the next new trigram.
  void Erase(uint32_t gram) {
    uint32_t i = Home(gram);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].list == kEmpty) return;
      if (slots_[i].gram == gram) break;
    }
    Posting& p = lists_[slots_[i].list];
    if (IsRetired(slots_[i].list)) {
      SetRetired(slots_[i].list, false);
      --retired_;
    }
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

  // Trigrams in the table, retired ones included.
  size_t size() const { return size_; }
  size_t retired() const { return retired_; }
  // Heap bytes (slots, lists and their entries), for StoryIndex::MemoryBytes.
  size_t MemoryBytes() const {
    size_t n = slots_.capacity() * sizeof(Slot) + free_.capacity() * 4 + lists_.capacity() * sizeof(Posting) +
               retired_bits_.capacity() * 8;
    for (const Posting& p : lists_) n += p.entries.capacity() * sizeof(uint64_t);
    return n;
  }

  // Calls f(gram, posting) for every trigram not retired (order unspecified).
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_)
      if (s.list != kEmpty && !IsRetired(s.list)) f(s.gram, lists_[s.list]);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr uint32_t kInitialBits = 12;
  static constexpr size_t kKeptCapacity = 4;  // a freed list keeps this much (most lists are this short)
  static constexpr size_t kMinSweep = 4096;   // fewer retired trigrams are not worth a sweep

  bool IsRetired(uint32_t list) const { return (retired_bits_[list >> 6] >> (list & 63)) & 1; }
  void SetRetired(uint32_t list, bool on) {
    const uint64_t bit = uint64_t{1} << (list & 63);
    if (on)
      retired_bits_[list >> 6] |= bit;
    else
      retired_bits_[list >> 6] &= ~bit;
  }

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
  size_t retired_ = 0;  // trigrams in the table whose list is retired
  // A probe reads the trigram and its list number from one cache line.
  struct Slot {
    uint32_t gram;
    uint32_t list;  // kEmpty if the slot is free
  };
  std::vector<Slot> slots_;
  std::vector<Posting> lists_;
  std::vector<uint32_t> free_;   // list numbers not in use
  std::vector<uint64_t> retired_bits_;  // bit per list number: retired (Retire)
};

}  // namespace newsflow::pipeline
