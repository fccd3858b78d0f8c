// sort_unique_hashes.h — sorts a vector of 32-bit hashes and drops repeats,
// with the result of std::sort + std::unique, in about linear time.
//
// The sketch sorts ~75 sampled trigram hashes per document (and up to ~300
// for a one-line flash kept dense, plus the headline's): std::sort's
// comparisons on random keys mispredict about half the time, and that was
// ~20% of sketching. Hashes are uniform, so a counting pass on their top
// bits puts each one within a bucket of about one element of its place, and
// an insertion sort, which drops repeats as it meets them, finishes with few
// moves.
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

// Inserts src[0, n) into dst[0, ...) in order, dropping repeats, and returns
// the count written. dst may be src (dst[m] is written only after src[m] is
// read, m <= the index read). An element moves past the larger ones only.
inline size_t InsertUnique(const uint32_t* src, size_t n, uint32_t* dst) {
  size_t m = 0;  // dst[0, m): sorted, unique
  for (size_t i = 0; i < n; ++i) {
    const uint32_t x = src[i];
    size_t j = m;
    for (; j > 0 && dst[j - 1] > x; --j) dst[j] = dst[j - 1];
    if (j > 0 && dst[j - 1] == x) {  // a repeat (rare): move the larger ones back
      for (; j < m; ++j) dst[j] = dst[j + 1];
      continue;
    }
    dst[j] = x;
    ++m;
  }
  return m;
}

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
  if (n <= 16) {
    v->resize(InsertUnique(a, n, a));
    return;
  }
  // Buckets: the power of two at or above n (at most 1024), by top bits.
  const int bits = static_cast<int>(std::bit_width(n - 1));
  const int shift = 32 - bits;
  thread_local std::vector<uint32_t> start, scratch;
  start.assign((size_t{1} << bits) + 1, 0);
  uint32_t* const st = start.data();
  for (size_t i = 0; i < n; ++i) ++st[(a[i] >> shift) + 1];
  uint32_t crowded = 0;  // or'ed without a branch per bucket
  for (size_t b = 1; b < start.size(); ++b) crowded |= st[b] > kMaxBucket;
  if (crowded) return sort_unique();
  for (size_t b = 1; b < start.size(); ++b) st[b] += st[b - 1];
  scratch.resize(n);
  uint32_t* const sc = scratch.data();
  for (size_t i = 0; i < n; ++i) sc[st[a[i] >> shift]++] = a[i];
  // In bucket order every hash is at most a bucket (kMaxBucket) from its
  // place: the insertion back into *v moves each a few steps at most.
  v->resize(InsertUnique(sc, n, a));
}

}  // namespace newsflow::pipeline
