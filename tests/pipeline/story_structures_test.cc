// The story index's data structures against plain references:
// SortedIntersectionSize (SSE2 blocks + scalar tail) against
// std::set_intersection, PostingTable (open addressing, backward-shift
// deletion, rehash) against std::unordered_map and a Posting (inline, spilled
// with stale entries, back inline) against a plain list, on random
// operations, and SortUniqueHashes (bucket pass + insertion sort) against
// std::sort + std::unique; and AssignedKeyFilter never forgets a key.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <unordered_map>

#include "pipeline/job/assigned_key_filter.h"
#include "pipeline/story/posting_table.h"
#include "pipeline/story/sort_unique_hashes.h"
#include "pipeline/story/sorted_intersection.h"

namespace newsflow::pipeline {
namespace {

std::vector<uint32_t> RandomSet(std::mt19937& rng, size_t n, uint32_t range) {
  std::uniform_int_distribution<uint32_t> d(0, range);
  std::vector<uint32_t> v(n);
  for (auto& x : v) x = d(rng);
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

TEST(SortedIntersection, EqualsSetIntersectionForEverySizeAndOverlap) {
  std::mt19937 rng(7);
  size_t nonzero = 0;
  for (int round = 0; round < 4000; ++round) {
    const size_t na = rng() % 40, nb = rng() % 400;
    // Small ranges give heavy overlap, large ones almost none; the extremes
    // of uint32 check the unsigned comparisons.
    const uint32_t range = round % 3 == 0 ? 64 : round % 3 == 1 ? 1000 : UINT32_MAX;
    const auto a = RandomSet(rng, na, range), b = RandomSet(rng, nb, range);
    std::vector<uint32_t> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    ASSERT_EQ(SortedIntersectionSize(a, b), both.size()) << "round " << round;
    ASSERT_EQ(SortedIntersectionSize(b, a), both.size()) << "round " << round;
    nonzero += !both.empty();
  }
  EXPECT_GT(nonzero, 1000u);  // the overlapping cases were exercised
  const std::vector<uint32_t> same = {0, 1, 2, 3, 4, 5, 6, 7, UINT32_MAX};
  EXPECT_EQ(SortedIntersectionSize(same, same), same.size());
  EXPECT_EQ(SortedIntersectionSize(same, {}), 0u);
}

TEST(PostingTable, MatchesAMapThroughInsertsErasesAndGrowth) {
  std::mt19937 rng(11);
  PostingTable table;
  std::unordered_map<uint32_t, uint32_t> ref;  // gram -> live
  auto tag_of = [](uint32_t slot) { return uint64_t{slot}; };
  for (int step = 0; step < 200000; ++step) {
    // Grams sharing their low bits, as the index's sampled trigrams do.
    const uint32_t gram = (rng() % 20000) << 2;
    if (rng() % 3 != 0) {
      table.FindOrAdd(gram).Add(step, tag_of);
      ++ref[gram];
    } else {
      table.Erase(gram);
      ref.erase(gram);
    }
    if (step % 997 == 0) {
      ASSERT_EQ(table.size(), ref.size()) << step;
      for (const auto& [g, live] : ref) {
        const Posting* p = table.Find(g);
        ASSERT_NE(p, nullptr) << g;
        ASSERT_EQ(p->live, live) << g;
      }
      size_t seen = 0;
      table.ForEach([&](uint32_t g, const Posting& p) {
        ++seen;
        EXPECT_EQ(ref.at(g), p.live);
      });
      ASSERT_EQ(seen, ref.size());
    }
  }
  for (uint32_t g = 0; g < 4; ++g) EXPECT_EQ(table.Find((30000 + g) << 2), nullptr);
  // A re-added gram starts empty even though its list is recycled, spilled
  // or not.
  for (uint32_t n : {1u, Posting::kInline + 5}) {
    const uint32_t g = ref.begin()->first;
    table.Erase(g);
    ref.erase(g);
    for (uint32_t k = 0; k < n; ++k) table.FindOrAdd(g).Add(42 + k, tag_of);
    EXPECT_EQ(table.Find(g)->Spilled(), n > Posting::kInline);
    table.Erase(g);
    EXPECT_EQ(table.FindOrAdd(g).live, 0u);
    EXPECT_FALSE(table.Find(g)->Spilled());
    table.Erase(g);
  }
}

// The live documents of a list, in order: an inline list's slots, or a
// spilled list's entries whose generation is the slot's.
std::vector<uint32_t> LiveDocs(const Posting& p, const std::vector<uint32_t>& generation) {
  if (!p.Spilled()) return std::vector<uint32_t>(p.docs, p.docs + p.live);
  std::vector<uint32_t> docs;
  for (uint32_t k = 0; k < p.heap.size; ++k) {
    const uint64_t x = p.heap.data[k];
    if (static_cast<uint32_t>(x >> 32) == generation[static_cast<uint32_t>(x)]) docs.push_back(static_cast<uint32_t>(x));
  }
  return docs;
}

// Documents join and leave one list as a window's do: a removed document's
// slot moves to its next generation (its spilled entries go stale) and may
// come back as a new document. The list spills past kInline, drops stale
// entries when they outnumber the live ones or when walked, comes back
// inline at kInline, and keeps the live documents in the order they were
// added throughout.
TEST(PostingTable, ListsSpillAndComeBackInlineInOrder) {
  std::mt19937 rng(5);
  PostingTable table;
  constexpr uint32_t kGram = 12345 << 2, kSlots = 64;
  std::vector<uint32_t> generation(kSlots, 0);
  auto tag_of = [&](uint32_t slot) { return slot | uint64_t{generation[slot]} << 32; };
  auto is_live = [&](uint64_t x) { return static_cast<uint32_t>(x >> 32) == generation[static_cast<uint32_t>(x)]; };
  std::vector<uint32_t> ref;  // the live documents, in the order added
  size_t spills = 0, unspills = 0, max_live = 0;
  for (int step = 0; step < 100000; ++step) {
    // Drift between empty and ~40 documents, so the list crosses kInline
    // both ways many times.
    const size_t target = (step / 500) % 2 == 0 ? 40 : 0;
    const bool add = ref.size() < kSlots && (ref.empty() || rng() % 100 < (ref.size() < target ? 70u : 30u));
    const bool was_spilled = table.Find(kGram) != nullptr && table.Find(kGram)->Spilled();
    if (add) {
      uint32_t slot;
      do slot = rng() % kSlots;
      while (std::find(ref.begin(), ref.end(), slot) != ref.end());
      table.FindOrAdd(kGram).Add(tag_of(slot), tag_of);
      ref.push_back(slot);
    } else {
      const uint32_t slot = ref[rng() % ref.size()];
      ++generation[slot];  // as StoryIndex::Evict does before removing
      if (table.FindOrAdd(kGram).Remove(slot, is_live) == 0) table.Erase(kGram);
      ref.erase(std::find(ref.begin(), ref.end(), slot));
    }
    max_live = std::max(max_live, ref.size());
    const Posting* p = table.Find(kGram);
    if (ref.empty()) {
      ASSERT_EQ(p, nullptr) << step;
      continue;
    }
    ASSERT_NE(p, nullptr) << step;
    ASSERT_EQ(p->live, ref.size()) << step;
    ASSERT_EQ(p->Spilled(), ref.size() > Posting::kInline) << step;
    ASSERT_EQ(LiveDocs(*p, generation), ref) << step;
    if (p->Spilled()) {
      ASSERT_LE(p->heap.size, 2 * p->live + 8) << step;
    }
    if (step % 3 == 0) {  // a walk: the live documents in order, and a spilled list left without stale entries
      std::vector<uint32_t> walked;
      table.FindOrAdd(kGram).ForEachLive(is_live, [&](uint32_t slot) { walked.push_back(slot); });
      ASSERT_EQ(walked, ref) << step;
      if (p->Spilled()) {
        ASSERT_EQ(p->heap.size, p->live) << step;
      }
    }
    spills += !was_spilled && p->Spilled();
    unspills += was_spilled && !p->Spilled();
  }
  EXPECT_GT(spills, 50u);
  EXPECT_GT(unspills, 50u);
  EXPECT_GT(max_live, 30u);
}


// Uniform hashes (what the sketch sorts), heavy repeats, keys crowded into
// one bucket (the top bits equal: the insertion sort does all the work),
// already sorted and reversed input, every size from 0 to past the 4096
// buckets' cap.
TEST(SortUniqueHashes, EqualsSortAndUniqueOnEveryShapeAndSize) {
  std::mt19937 rng(11);
  for (int round = 0; round < 3000; ++round) {
    const size_t n = round < 300 ? static_cast<size_t>(round) : rng() % (round % 50 == 0 ? 9000 : 600);
    std::vector<uint32_t> v(n);
    for (auto& x : v) {
      switch (round % 5) {
        case 0: x = static_cast<uint32_t>(rng()); break;
        case 1: x = static_cast<uint32_t>(rng() % 37); break;                  // repeats
        case 2: x = 0xABC00000u | static_cast<uint32_t>(rng() % 0x100000); break;  // one bucket
        default: x = static_cast<uint32_t>(rng()) | (round % 5 == 3 ? 0xFFFFFF00u : 0u); break;
      }
    }
    if (round % 7 == 0) std::sort(v.begin(), v.end());
    if (round % 11 == 0) std::sort(v.rbegin(), v.rend());
    std::vector<uint32_t> want = v;
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    SortUniqueHashes(&v);
    ASSERT_EQ(v, want) << "round " << round << ", " << n << " hashes";
  }
  // A crafted list: 100,000 values of 47 distinct hashes that share their top
  // 12 bits (as stock codes an input chose could). It takes the std::sort
  // path (quadratic in the insertion sort: seconds instead of milliseconds).
  std::vector<uint32_t> crowded(100000);
  for (size_t i = 0; i < crowded.size(); ++i) crowded[i] = 0x12300000u | static_cast<uint32_t>((i * 7919) % 47);
  SortUniqueHashes(&crowded);
  std::vector<uint32_t> distinct(47);
  for (uint32_t k = 0; k < 47; ++k) distinct[k] = 0x12300000u | k;
  EXPECT_EQ(crowded, distinct);
}

// StoryStage skips the store for a key the filter says it never assigned:
// a key added must always be "maybe"; a key never added mostly "never".
TEST(AssignedKeyFilter, NeverForgetsAKeyAndRarelyClaimsOneNeverAdded) {
  AssignedKeyFilter f;
  int claimed_early = 0;  // keys "maybe" before they were added: false positives
  for (int i = 0; i < 200000; ++i) {
    claimed_early += f.MayContain("cls:" + std::to_string(i));
    f.Add("cls:" + std::to_string(i));
    if (i % 997 == 0) {
      for (int j = 0; j <= i; j += 61) ASSERT_TRUE(f.MayContain("cls:" + std::to_string(j))) << j;
    }
  }
  for (int i = 0; i < 200000; ++i) ASSERT_TRUE(f.MayContain("cls:" + std::to_string(i))) << i;
  int claimed = 0;
  for (int i = 0; i < 100000; ++i) claimed += f.MayContain("ths:" + std::to_string(i));
  EXPECT_LT(claimed, 100);  // ~84 bits a key: ~1e-6 expected
  EXPECT_LT(claimed_early, 100);
}

}  // namespace
}  // namespace newsflow::pipeline
