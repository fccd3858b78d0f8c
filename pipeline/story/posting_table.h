// posting_table.h — the story index's inverted index: trigram hash -> the
// window documents holding it, in one flat open-addressing table.
//
// std::unordered_map allocated a node per trigram and chased a pointer per
// lookup (~10% of the writer's time with story ids on, when the writer assigned them); here a lookup is a
// multiply, a shift and a probe of one flat array of (trigram, list) pairs,
// and a removed trigram's list number goes to a free pool, so a steady
// window allocates almost nothing. Linear probing with backward-shift
// deletion (no tombstones); the table doubles at half full. Fibonacci
// hashing uses the high bits, since the indexed trigram hashes share their
// low bits (the index keeps those whose hash & mask == 0).
//
// A list is 32 bytes, two to a cache line. Most trigrams are held by one or
// two window documents: a list of at most Posting::kInline documents holds
// their slot numbers itself, so walking it, adding to it or removing from it
// reads that one line and no heap block. A longer list spills to a heap
// block of tagged entries (slot | generation << 32, some stale: see
// StoryIndex) and comes back inline when its live count falls to kInline.
// Inline lists are exact (a removed document leaves no entry) and need no
// generation; both kinds keep the live documents in the order they were
// added. Free list numbers are reused last-freed first: a new document's
// new trigrams mostly take the lists an eviction just emptied, still cached.
//
// Ownership: owns its lists and their heap blocks. Threads: not
// thread-safe (its StoryIndex owns it, on the run's story thread). Errors: none (a failed
// allocation throws std::bad_alloc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

namespace newsflow::pipeline {

// The window documents holding one trigram.
struct Posting {
  static constexpr uint32_t kInline = 6;  // documents held in the list itself

  uint32_t live = 0;  // window documents holding the trigram
  union {
    uint32_t docs[kInline];  // live <= kInline: their slots, in the order added
    struct {
      uint64_t* data;  // live > kInline: slot | generation << 32, in the order added, some stale
      uint32_t size, cap;
    } heap;
  };

  Posting() : docs{} {}
  bool Spilled() const { return live > kInline; }

  // Adds a window document: `tagged` is its slot | generation << 32.
  // tag_of(slot) gives the tagged entry of a document already inline, for a
  // list that spills.
  template <typename TagOf>
  void Add(uint64_t tagged, TagOf&& tag_of) {
    if (live < kInline) {
      docs[live++] = static_cast<uint32_t>(tagged);
      return;
    }
    if (live == kInline) {  // spills
      auto* block = Allocate(nullptr, kFirstBlock);
      for (uint32_t k = 0; k < kInline; ++k) block[k] = tag_of(docs[k]);
      block[kInline] = tagged;
      heap.data = block;
      heap.size = kInline + 1;
      heap.cap = kFirstBlock;
      ++live;
      return;
    }
    if (heap.size == heap.cap) {
      heap.data = Allocate(heap.data, 2 * size_t{heap.cap});
      heap.cap *= 2;
    }
    heap.data[heap.size++] = tagged;
    ++live;
  }

  // Calls f(slot) for each live document, in the order added; a spilled
  // list drops its stale entries as it goes (it reads them all anyway), so
  // the next walk meets fewer. is_live: see Remove.
  template <typename IsLive, typename F>
  void ForEachLive(IsLive&& is_live, F&& f) {
    if (!Spilled()) {
      for (uint32_t k = 0; k < live; ++k) f(docs[k]);
      return;
    }
    uint64_t* const data = heap.data;
    const uint32_t size = heap.size;
    uint32_t n = 0;
    for (uint32_t k = 0; k < size; ++k) {
      const uint64_t x = data[k];
      if (!is_live(x)) continue;
      data[n++] = x;
      f(static_cast<uint32_t>(x));
    }
    heap.size = n;
  }

  // Removes window document `doc` (a slot number). is_live(tagged) tells a
  // spilled list's live entries from its stale ones, `doc`'s own already
  // stale: a spilled list drops its stale entries when they outnumber the
  // live ones (so a removal never searches a long list), and comes back
  // inline when kInline documents are left. Returns the live count left.
  template <typename IsLive>
  uint32_t Remove(uint32_t doc, IsLive&& is_live) {
    if (!Spilled()) {
      uint32_t k = 0;
      while (k < live && docs[k] != doc) ++k;
      if (k == live) return live;  // not held (not reached: the index removes what it added)
      for (--live; k < live; ++k) docs[k] = docs[k + 1];
      return live;
    }
    if (--live == kInline) {  // back inline
      uint64_t* const block = heap.data;
      const uint32_t size = heap.size;
      uint32_t n = 0;
      for (uint32_t k = 0; k < size && n < kInline; ++k)
        if (is_live(block[k])) docs[n++] = static_cast<uint32_t>(block[k]);
      std::free(block);
    } else if (heap.size > 2 * live + 8) {
      uint32_t n = 0;
      for (uint32_t k = 0; k < heap.size; ++k)
        if (is_live(heap.data[k])) heap.data[n++] = heap.data[k];
      heap.size = n;
    }
    return live;
  }

  // Frees a spilled list's block and empties it.
  void Clear() {
    if (Spilled()) std::free(heap.data);
    live = 0;
  }

 private:
  static constexpr uint32_t kFirstBlock = 16;  // entries of a spilled list's first block

  static uint64_t* Allocate(uint64_t* old, size_t entries) {
    auto* p = static_cast<uint64_t*>(std::realloc(old, entries * sizeof(uint64_t)));
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
};
static_assert(sizeof(Posting) == 32, "two lists to a cache line");

class PostingTable {
 public:
  PostingTable() { Rehash(kInitialBits); }
  ~PostingTable() {
    for (Posting& p : lists_) p.Clear();
  }
  PostingTable(const PostingTable&) = delete;
  PostingTable& operator=(const PostingTable&) = delete;

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

  // Removes `gram`, its list emptied for the next new trigram.
  void Erase(uint32_t gram) {
    uint32_t i = Home(gram);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].list == kEmpty) return;
      if (slots_[i].gram == gram) break;
    }
    lists_[slots_[i].list].Clear();
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
  // Heap bytes (slots, lists and spilled lists' blocks), for StoryIndex::MemoryBytes.
  size_t MemoryBytes() const {
    size_t n = slots_.capacity() * sizeof(Slot) + free_.capacity() * 4 + lists_.capacity() * sizeof(Posting);
    for (const Posting& p : lists_)
      if (p.Spilled()) n += p.heap.cap * sizeof(uint64_t);
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
