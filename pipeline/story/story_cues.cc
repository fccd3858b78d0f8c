// story_cues.cc — see story_cues.h.
#include "pipeline/story/story_cues.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace newsflow::pipeline {
namespace {

struct CuePair {
  std::vector<std::u32string_view> a, b;
};

// The pairs, chosen by reading the dev pairs' headlines (never the held-out
// ones): words whose two sides name opposite events of one subject. Broader
// opposites (增长/下降, 盈利/亏损) were left out: two reports of one earnings
// release often headline different lines of it.
const std::vector<CuePair>& Pairs() {
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
  };
  return pairs;
}

bool Names(std::span<const uint32_t> h, std::u32string_view word) {
  return std::search(h.begin(), h.end(), word.begin(), word.end(),
                     [](uint32_t c, char32_t w) { return c == static_cast<uint32_t>(w); }) != h.end();
}

}  // namespace

uint32_t HeadlineCues(std::span<const uint32_t> h) {
  uint32_t cues = 0;
  const auto& pairs = Pairs();
  for (size_t i = 0; i < pairs.size(); ++i) {
    for (auto w : pairs[i].a)
      if (Names(h, w)) cues |= 1u << (2 * i);
    for (auto w : pairs[i].b)
      if (Names(h, w)) cues |= 1u << (2 * i + 1);
  }
  return cues;
}

}  // namespace newsflow::pipeline
