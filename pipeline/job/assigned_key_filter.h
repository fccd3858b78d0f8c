// assigned_key_filter.h — the keys a StoryStage has assigned since Open, as
// a Bloom filter: "never assigned" is certain, "maybe" is not.
//
// StoryStage asks the store for the story of every new document in the
// window (a key stored before keeps its story). When the store held no
// document at Open, only the documents the stage itself assigned can be in
// it (the run is the store's one writer; a re-tag only rewrites stored
// keys; retention only removes), so a key this filter has never seen is
// not stored, and the store (a memtable and Bloom-filter probe per file,
// most of them misses when loading a fresh store) need not be asked. A
// false positive only costs that lookup, as before; so does a filter
// grown full (millions of keys): the answer is never wrong, only slower.
//
// Ownership: owns its bits (kBits / 8 bytes, 2 MiB). Threads: not
// thread-safe (the story thread's). Errors: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace newsflow::pipeline {

class AssignedKeyFilter {
 public:
  static constexpr size_t kBits = size_t{1} << 24;
  AssignedKeyFilter() : words_(new uint64_t[kBits / 64]()) {}

  void Add(std::string_view key) {
    const Probe p = ProbeOf(key);
    for (int i = 0; i < kProbes; ++i) p.block[p.Word(i)] |= p.Bit(i);
  }
  // Fetches the cache line `key` maps to, ahead of MayContain/Add.
  void Prefetch(std::string_view key) const { __builtin_prefetch(ProbeOf(key).block); }
  // False: `key` was never added. True: it may have been.
  bool MayContain(std::string_view key) const {
    const Probe p = ProbeOf(key);
    for (int i = 0; i < kProbes; ++i)
      if (!(p.block[p.Word(i)] & p.Bit(i))) return false;
    return true;
  }

 private:
  // Each key sets kProbes bits of one 512-bit block (one cache line): one
  // miss per lookup. The block comes from the hash's low bits, the bits in
  // it from 9-bit slices of a multiplied copy's high bits.
  static constexpr int kProbes = 6;
  static constexpr size_t kBlockWords = 8;
  static constexpr size_t kBlocks = kBits / 64 / kBlockWords;
  struct Probe {
    uint64_t* block;
    uint64_t bits;
    size_t Word(int i) const { return (bits >> (9 * i + 6)) & 7; }
    uint64_t Bit(int i) const { return uint64_t{1} << ((bits >> (9 * i)) & 63); }
  };
  Probe ProbeOf(std::string_view key) const {
    const uint64_t h = std::hash<std::string_view>{}(key);
    const uint64_t g = h * 0x9E3779B97F4A7C15ULL;
    return Probe{words_.get() + (h & (kBlocks - 1)) * kBlockWords, g >> 10};
  }

  std::unique_ptr<uint64_t[]> words_;
};

}  // namespace newsflow::pipeline
