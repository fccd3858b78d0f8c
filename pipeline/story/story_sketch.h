// story_sketch.h — what same-story clustering keeps of one document: the
// character trigrams of its text and headline and the numbers it states.
//
// Built from the NORMALIZED title and body (HTML stripped, full-width folded,
// simplified), so the three feeds' renderings of one text give one sketch.
// Text is reduced to ASCII digits, lower-case ASCII letters and CJK ideographs
// (punctuation and spaces carry no story identity); a wire dateline such as
// "财联社5月29日电" is dropped. Only the lead is read: the headline and the
// first 300 kept characters (1500 bytes) of the body. Numbers are the tokens "12.5%", "13亿", "4420美元"
// (digits with their unit); calendar dates and clock times are not numbers
// here, they differ between a feed's two renderings of one story too often.
// Also kept: the numbers' values with their units (to tell 1.2亿 from 1.21亿
// apart from 3.5亿), the stock codes the document names (the feed's list and
// codes written in the text), the headline's speaker prefix ("港股IPO：") and
// the directions it states (涨 or 跌, 增持 or 减持 ...: story_cues.h).
//
// Ownership: a value type. Threads: BuildStorySketch is thread-safe and its
// result depends on its arguments only (the pipeline builds sketches on its
// worker threads); it keeps per-thread scratch buffers, bounded by the lead
// (1500 bytes of title, 1500 of body). Errors: none; invalid UTF-8 is skipped
// byte by byte.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::pipeline {

// The text's trigrams are sampled by hash: a sketch keeps those whose hash &
// kStoryGramSampleMask == 0 (1 in 4). Two texts sample alike, so shared
// trigrams stay shared, and containment and Jaccard are estimated from ~75
// instead of ~300 hashes: on the 340 labelled dev pairs the model's
// cross-validated precision/recall is the same (0.927 / 0.900 at logit 0
// with all trigrams and with the sample), while sorting, set intersections
// and the window's memory shrink fourfold. The headline keeps all trigrams.
inline constexpr uint32_t kStoryGramSampleMask = 3;
inline bool InStorySample(uint32_t gram) { return (gram & kStoryGramSampleMask) == 0; }

// A short text (a one-line flash: fewer kept characters than this, ~18% of
// the items) keeps ALL its trigrams: a 1-in-4 sample of ~20 trigrams is a
// handful, often one or two, too few to find the flash's other renderings
// (candidates need 2 shared indexed trigrams). Two dense sketches are
// compared on all their trigrams; a dense and a sampled one on the sample
// (StorySketch::Sampled), so every pair is compared within one sampling.
inline constexpr uint32_t kStoryDenseBelow = 60;

// A number token's value with its unit class. A magnitude (万, 亿, 万亿)
// scales the value; amounts of yuan (元, or a bare magnitude: "营收1650亿")
// are one class ("money", in 元); another currency (1690亿美元), a counted
// thing (500万股, 3万人) or any other unit (%, 点, 倍) is its own class.
struct StoryNumber {
  double value = 0;
  uint32_t unit = 0;  // kStoryMoneyUnit, or the unit's code points mixed (0: none)
  bool operator==(const StoryNumber&) const = default;  // values are finite: never NaN
};
inline constexpr uint32_t kStoryMoneyUnit = 1;
// Other units are their code point(s) mixed: a unit character u is u * 31.
inline constexpr uint32_t kStoryPercentUnit = uint32_t{U'%'} * 31;

struct StorySketch {
  std::vector<uint32_t> grams;          // sorted, unique hashes of the text's sampled trigrams (all if dense)
  std::vector<uint32_t> sampled_grams;  // dense only: those of grams that pass the sample mask
  std::vector<uint32_t> title_grams;    // the same for the headline, all of them
  std::vector<uint32_t> numbers;        // sorted, unique hashes of number tokens
  std::vector<uint32_t> title_numbers;  // those of the headline
  std::vector<uint32_t> codes;          // sorted, unique hashes of canonical stock codes: the feed's list
                                        // and "601866.SH" / "sz002552" / "0700.HK" / "(NVDA.O)" in the text
  std::vector<StoryNumber> values;      // the text's number tokens as values, in order, repeats kept (<= 64)
  std::u32string prefix;                // the headline's speaker prefix ("X：", 2-12 characters), or empty
  uint32_t length = 0;                  // kept characters of the text's lead (at most 300)
  uint32_t cues = 0;                    // the directions the headline states (story_cues.h)
  uint16_t title_sampled = 0;           // title_grams that pass the sample mask (could be in grams)
  bool dense = false;                   // length < kStoryDenseBelow: grams holds every trigram

  bool operator==(const StorySketch&) const = default;

  // The trigrams in the 1-in-4 sample: grams, or for a dense sketch sampled_grams.
  const std::vector<uint32_t>& Sampled() const { return dense ? sampled_grams : grams; }

  size_t MemoryBytes() const {
    return sizeof(*this) + 4 * (grams.capacity() + sampled_grams.capacity() + title_grams.capacity() +
                                numbers.capacity() + title_numbers.capacity() + codes.capacity()) +
           sizeof(StoryNumber) * values.capacity() + (prefix.capacity() > 3 ? 4 * prefix.capacity() : 0);
  }
};

// The headline is `title`, or for feeds that put it in the body (cls), the
// 【…】 prefix of `body`. The text is the headline and the body together.
// `stock_codes` are the document's canonical codes (Document::stock_codes;
// empty strings are skipped).
void BuildStorySketch(std::string_view title, std::string_view body, StorySketch* out,
                      std::span<const std::string> stock_codes = {});

}  // namespace newsflow::pipeline
