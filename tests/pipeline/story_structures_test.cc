// The story index's data structures against plain references:
// SortedIntersectionSize (SSE2 blocks + scalar tail) against
// std::set_intersection, PostingTable (open addressing, backward-shift
// deletion, rehash) against std::unordered_map, on random operations, and
// SortUniqueHashes (bucket pass + insertion sort) against std::sort +
// std::unique.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <unordered_map>

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
  for (int step = 0; step < 200000; ++step) {
    // Grams sharing their low bits, as the index's sampled trigrams do.
    const uint32_t gram = (rng() % 20000) << 2;
    if (rng() % 3 != 0) {
      ++table.FindOrAdd(gram).live;
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
  // A re-added gram starts empty even though its list is recycled.
  const uint32_t g = ref.begin()->first;
  table.FindOrAdd(g).entries.push_back(42);
  table.Erase(g);
  EXPECT_TRUE(table.FindOrAdd(g).entries.empty());
  EXPECT_EQ(table.Find(g)->live, 0u);
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

}  // namespace
}  // namespace newsflow::pipeline
