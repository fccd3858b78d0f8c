// story_cues.h — the direction a headline states (up or down, open or close,
// increase or cut a holding, suspend or resume trading ...), as a bit set, so
// that two reports of opposite moves are never one story.
//
// Same story means the same single event; "跌0.25%" and "上涨" at one
// opening, 增持 and 减持 of one holder, 停牌 and 复牌 of one stock are two.
// The trigram and number features cannot tell them apart when the rest of
// the headline is a template (欧洲主要股指开盘集体下跌 / 集体上涨: 10 of 12
// such synthetic pairs were merged). A headline naming one side of a pair and
// not the other contradicts one naming only the other side; a headline naming
// both (涨跌不一, 跌多涨少) states no direction for that pair; a flash without a
// headline is read by its first 40 kept characters (story_sketch.cc). On the
// 680 dev pairs this holds apart 21 pairs labelled different and no pair
// labelled same (tests/story/README.md, "Direction cues").
//
// Pure functions; thread-safe; no errors.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace newsflow::pipeline {

// One pair of opposite directions: a headline names side A if it contains
// one of `a`'s words, side B if one of `b`'s.
struct CuePair {
  std::vector<std::u32string_view> a, b;
};
// The pairs, in bit order (pair i sets bits 2i and 2i+1).
const std::vector<CuePair>& CuePairs();

// Bit 2i: the headline names side A of pair i; bit 2i+1: side B.
uint32_t HeadlineCues(std::span<const uint32_t> headline_code_points);

// The same by definition: a search of the headline for each pair's words,
// one after another (slower). HeadlineCues must equal it on every input; the
// story tests and fuzz_story_sketch compare the two.
uint32_t HeadlineCuesBySearch(std::span<const uint32_t> headline_code_points);

// True when, for some pair, one headline names only one side and the other
// names only the other side.
inline bool CuesContradict(uint32_t a, uint32_t b) {
  constexpr uint32_t kSideA = 0x55555555u;
  // Per pair: exactly one side (the two bits differ), then opposite sides.
  const uint32_t only_a = (a ^ (a >> 1)) & kSideA, only_b = (b ^ (b >> 1)) & kSideA;
  const uint32_t one_sided = only_a & only_b;  // pairs where both name exactly one side
  return ((a ^ b) & one_sided) != 0;            // ... and not the same one
}

}  // namespace newsflow::pipeline
