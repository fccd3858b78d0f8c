// sorted_intersection.h — |a ∩ b| for two sorted vectors of unique
// uint32 hashes: the inner loop of same-story pair features (trigram,
// headline and number sets of ~300, ~30 and ~5 elements).
//
// Threads: a pure function. Errors: none; the result is undefined (not
// unsafe) if an input is unsorted or has duplicates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace newsflow::pipeline {

// |a ∩ b| of two sorted sets of unique hashes. The comparisons of two random
// hash sets are unpredictable, so the scalar merge is branch-free; on x86-64
// blocks of four are compared all-against-all with SSE2 (part of the base
// instruction set) and the block with the smaller maximum moves on: a value
// matches at most one of the other set's, so each match is counted once.
inline size_t SortedIntersectionSize(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  size_t n = 0, i = 0, j = 0;
  const size_t na = a.size(), nb = b.size();
  const uint32_t* x = a.data();
  const uint32_t* y = b.data();
#if defined(__SSE2__)
  const size_t na4 = na & ~size_t{3}, nb4 = nb & ~size_t{3};
  while (i < na4 && j < nb4) {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y + j));
    const __m128i m0 = _mm_cmpeq_epi32(va, vb);
    const __m128i m1 = _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(0, 3, 2, 1)));
    const __m128i m2 = _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m128i m3 = _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(2, 1, 0, 3)));
    const __m128i m = _mm_or_si128(_mm_or_si128(m0, m1), _mm_or_si128(m2, m3));
    // Bits set in the 4-bit lane mask, from a 16-entry nibble table: without
    // -mpopcnt (not in the x86-64 baseline) std::popcount is a libgcc call.
    const auto lanes = static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(m)));
    n += static_cast<size_t>((0x4332322132212110ULL >> (4 * lanes)) & 0xF);
    const uint32_t amax = x[i + 3], bmax = y[j + 3];
    i += amax <= bmax ? 4 : 0;
    j += bmax <= amax ? 4 : 0;
  }
#endif
  while (i < na && j < nb) {
    const uint32_t u = x[i], v = y[j];
    n += u == v;
    i += u <= v;
    j += v <= u;
  }
  return n;
}

}  // namespace newsflow::pipeline
