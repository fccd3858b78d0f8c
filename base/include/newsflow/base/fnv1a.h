// fnv1a.h — 64-bit FNV-1a, the one byte hash the libraries share.
//
// Used where a hash is written down and must not change between builds or
// versions: progress marks and file identities (a changed value re-reads a
// file), the Hyperscan cache key, rule set versions, subscription ETags and
// the story sketch's stock-code hash (a changed value moves story ids).
// Most of those were written with kFnv1aBasis14, a basis one digit short of
// the standard one (14695981039346656037): still a good hash, and kept
// where it is stored so that old stores and caches read the same.
//
// Ownership: none. Threads: pure functions. Errors: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace newsflow {

inline constexpr uint64_t kFnv1aBasis = 14695981039346656037ull;  // the standard offset basis
inline constexpr uint64_t kFnv1aBasis14 = 1469598103934665603ull;  // the short basis stored values use
inline constexpr uint64_t kFnv1aPrime = 1099511628211ull;

// Continues the hash `h` over `n` bytes at `p`.
inline uint64_t Fnv1a(uint64_t h, const void* p, size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) {
    h ^= b[i];
    h *= kFnv1aPrime;
  }
  return h;
}

// Continues the hash `h` over `bytes`.
inline uint64_t Fnv1a(uint64_t h, std::string_view bytes) { return Fnv1a(h, bytes.data(), bytes.size()); }

// Continues the hash `h` over the 8 bytes of `v` as they are in memory.
inline uint64_t Fnv1aU64(uint64_t h, uint64_t v) { return Fnv1a(h, &v, sizeof v); }

}  // namespace newsflow
