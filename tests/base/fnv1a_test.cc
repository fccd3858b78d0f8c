// The shared FNV-1a: the standard function, and the short basis the stored
// values use. A change to either moves progress marks (files re-read from
// the start), the Hyperscan cache key, rule set versions and story ids, so
// both are pinned to values computed outside this code: the published
// FNV-1a 64 test vectors, and the same loop in Python for the short basis
// (`h = (h ^ byte) * 1099511628211 mod 2^64` from 1469598103934665603).
#include "newsflow/base/fnv1a.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

namespace newsflow {
namespace {

TEST(Fnv1a, IsTheStandardFunctionFromTheStandardBasis) {
  EXPECT_EQ(Fnv1a(kFnv1aBasis, ""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a(kFnv1aBasis, "a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a(kFnv1aBasis, "foobar"), 0x85944171f73967e8ull);
}

TEST(Fnv1a, TheShortBasisGivesTheValuesStoresHold) {
  EXPECT_EQ(Fnv1a(kFnv1aBasis14, ""), 0x14650fb0739d0383ull);
  EXPECT_EQ(Fnv1a(kFnv1aBasis14, "foobar"), 0x88fad7c0a8ff07f2ull);
}

TEST(Fnv1a, ContinuesAcrossPieces) {
  const std::string_view whole = "cls-shared.jsonl|4096|1";
  uint64_t h = kFnv1aBasis14;
  for (size_t at = 0; at < whole.size(); at += 5) h = Fnv1a(h, whole.substr(at, 5));
  EXPECT_EQ(h, Fnv1a(kFnv1aBasis14, whole));
  // Bytes >= 0x80 (UTF-8 of 芯) are mixed as unsigned bytes, as Python's
  // loop over `bytes` does; a sign-extended char would give another value.
  const unsigned char high[] = {0xE8, 0x8A, 0xAF};
  EXPECT_EQ(Fnv1a(kFnv1aBasis, high, sizeof high), 0x8a4ccf1ba5d095f8ull);
  EXPECT_EQ(Fnv1a(kFnv1aBasis, "\xE8\x8A\xAF"), 0x8a4ccf1ba5d095f8ull);
}

}  // namespace
}  // namespace newsflow
