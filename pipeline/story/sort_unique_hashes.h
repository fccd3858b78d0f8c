// sort_unique_hashes.h — sorts a vector of 32-bit hashes and drops repeats,
// with the result of std::sort + std::unique, in about linear time.
//
// The sketch sorts ~75 sampled trigram hashes per document (and up to ~300
// for a one-line flash kept dense, plus the headline's): std::sort's
// comparisons on random keys mispredict about half the time, and that was
// ~20% of sketching. Hashes are uniform, so a counting pass on their top
// bits puts each one within a bucket of about one element of its place, and
// an insertion sort finishes with few moves.
//
// Linear only for what the sketch sorts: more than 1024 hashes, or a bucket
// of more than 8, fall back to std::sort, so a crafted input (a stock list
// of codes chosen to share top bits) costs n log n, not n^2.
//
// Ownership: sorts the caller's vector in place; per-thread scratch of at
// most 1024 hashes and 1025 bucket starts. Threads: thread-safe.
// Errors: none.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace newsflow::pipeline {

inline void SortUniqueHashes(std::vector<uint32_t>* v) {
  const size_t n = v->size();
  uint32_t* a = v->data();
  // Beyond the sketch's sizes, or when the keys crowd into few buckets
  // (repeats, or values an input chose: a document's stock list is as long
  // as the record allows), the insertion sort would be quadratic: sort.
  constexpr size_t kMaxLinear = 1024, kMaxBucket = 8;
  auto sort_unique = [v] {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  };
  if (n > kMaxLinear) return sort_unique();
  if (n > 16) {
    // Buckets: the power of two at or above n (at most 1024), by top bits.
    const int bits = static_cast<int>(std::bit_width(n - 1));
    const int shift = 32 - bits;
    thread_local std::vector<uint32_t> start, scratch;
    start.assign((size_t{1} << bits) + 1, 0);
    for (size_t i = 0; i < n; ++i) ++start[(a[i] >> shift) + 1];
    if (*std::max_element(start.begin(), start.end()) > kMaxBucket) return sort_unique();
    for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    scratch.resize(n);
    for (size_t i = 0; i < n; ++i) scratch[start[a[i] >> shift]++] = a[i];
    std::copy(scratch.begin(), scratch.end(), a);
  }
  for (size_t i = 1; i < n; ++i) {
    const uint32_t x = a[i];
    size_t j = i;
    for (; j > 0 && a[j - 1] > x; --j) a[j] = a[j - 1];
    a[j] = x;
  }
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace newsflow::pipeline
