// story_cues.cc — see story_cues.h.
#include "pipeline/story/story_cues.h"

#include <algorithm>
#include <array>

namespace newsflow::pipeline {

// Chosen by reading the dev pairs' headlines (never the held-out ones):
// words whose two sides name opposite events of one subject. Broader
// opposites (增长/下降, 盈利/亏损) were left out: two reports of one earnings
// release often headline different lines of it.
const std::vector<CuePair>& CuePairs() {
  static const std::vector<CuePair> pairs = {
      {{U"涨", U"收复"}, {U"跌"}},  // 收复之前跌幅: a recovery names both
      {{U"增持"}, {U"减持"}},
      {{U"加息"}, {U"降息"}},
      {{U"停牌"}, {U"复牌"}},
      {{U"上调"}, {U"下调"}},
      {{U"开盘"}, {U"收盘"}},
      {{U"达成"}, {U"终止"}},
      {{U"获批"}, {U"否决"}},
      {{U"突破", U"站上"}, {U"跌破", U"失守"}},
      {{U"高开"}, {U"低开"}},  // opening higher or lower (the daily futures and index opens)
  };
  return pairs;
}

namespace {

// The pairs' words, each with the bit it sets, and a bit map of their first
// code points by their low 12 bits: the headline is read once, and a code
// point that starts no word (nearly all of them; ideographs are 0x4E00 to
// 0x9FFF) costs one test. A search of the headline per word (21 of them) was
// ~10% of a sketch's instructions.
struct CueWord {
  std::u32string_view word;
  uint32_t bit;
};
struct CueWords {
  static constexpr uint32_t kMapBits = 4096;
  std::vector<CueWord> words;
  std::array<uint64_t, kMapBits / 64> first{};
  bool MayStart(uint32_t c) const { return (first[(c % kMapBits) / 64] >> (c % 64)) & 1; }
};

const CueWords& Words() {
  static const CueWords words = [] {
    CueWords w;
    const auto& pairs = CuePairs();
    for (size_t i = 0; i < pairs.size(); ++i) {
      for (auto word : pairs[i].a) w.words.push_back({word, 1u << (2 * i)});
      for (auto word : pairs[i].b) w.words.push_back({word, 1u << (2 * i + 1)});
    }
    for (const CueWord& c : w.words) {
      const uint32_t f = static_cast<uint32_t>(c.word[0]) % CueWords::kMapBits;
      w.first[f / 64] |= uint64_t{1} << (f % 64);
    }
    return w;
  }();
  return words;
}

// 高开 and 低开 name a market's opening, but also end 提高, 最高, 降低,
// 抬高 and 压低 before 开放, 开支, 开户 ... (提高开放水平, 降低开办企业成本:
// policy headlines of one story): after those characters they name nothing.
bool Voided(std::span<const uint32_t> h, size_t at, std::u32string_view word) {
  if (at == 0 || (word != U"高开" && word != U"低开")) return false;
  const uint32_t before = h[at - 1];
  return before == U'提' || before == U'最' || before == U'降' || before == U'抬' || before == U'压';
}

bool StartsAt(std::span<const uint32_t> h, size_t at, std::u32string_view word) {
  if (h.size() - at < word.size()) return false;
  for (size_t k = 0; k < word.size(); ++k)
    if (h[at + k] != static_cast<uint32_t>(word[k])) return false;
  return true;
}

}  // namespace

uint32_t HeadlineCues(std::span<const uint32_t> h) {
  const CueWords& w = Words();
  uint32_t cues = 0;
  for (size_t at = 0; at < h.size(); ++at) {
    if (!w.MayStart(h[at])) continue;
    for (const CueWord& c : w.words)
      if (StartsAt(h, at, c.word) && !Voided(h, at, c.word)) cues |= c.bit;
  }
  return cues;
}

uint32_t HeadlineCuesBySearch(std::span<const uint32_t> h) {
  uint32_t cues = 0;
  // Names w: somewhere where it is not voided.
  const auto names = [&](std::u32string_view w) {
    for (auto it = h.begin();; ++it) {
      it = std::search(it, h.end(), w.begin(), w.end(),
                       [](uint32_t c, char32_t x) { return c == static_cast<uint32_t>(x); });
      if (it == h.end()) return false;
      if (!Voided(h, static_cast<size_t>(it - h.begin()), w)) return true;
    }
  };
  const auto& pairs = CuePairs();
  for (size_t i = 0; i < pairs.size(); ++i) {
    for (auto w : pairs[i].a) cues |= names(w) ? 1u << (2 * i) : 0;
    for (auto w : pairs[i].b) cues |= names(w) ? 1u << (2 * i + 1) : 0;
  }
  return cues;
}

}  // namespace newsflow::pipeline
