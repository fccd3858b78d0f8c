// fuzz_story_sketch.cc — arbitrary bytes through BuildStorySketch and the
// story model, which read every stored document's text (story_sketch.h says
// invalid UTF-8 is skipped byte by byte). The input is up to four fields
// split at NUL bytes: title and body of a document A, then of a document B.
// Checks, beyond no crash and no sanitizer report:
//   * a sketch's hash lists are sorted without repeats; a sampled sketch
//     keeps only sampled trigrams, a dense one lists its sample apart;
//     title_sampled counts the headline's sampled trigrams; length <= 300
//     kept characters, dense iff below kStoryDenseBelow; at most 64 values;
//     a speaker prefix of 2-12 characters or none;
//   * the same text sketched again (the per-thread scratch reused) gives the
//     same sketch;
//   * HeadlineCues sets the bits of a search for each direction word, on
//     code points made from the input bytes;
//   * the pair's features are finite; StoryModel::LogitAbove equals Logit of
//     them above its floor and is at most the floor below it (story_model.h).
#include <algorithm>
#include <cmath>
#include <iterator>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "pipeline/story/story_cues.h"
#include "pipeline/story/story_model.h"
#include "pipeline/story/story_sketch.h"

namespace {

using namespace newsflow::pipeline;

bool SortedUnique(const std::vector<uint32_t>& v) {
  return std::adjacent_find(v.begin(), v.end(), [](uint32_t a, uint32_t b) { return a >= b; }) == v.end();
}

void CheckSketch(const StorySketch& s) {
  FUZZ_CHECK(SortedUnique(s.grams), "grams not sorted and unique");
  FUZZ_CHECK(SortedUnique(s.title_grams), "title_grams not sorted and unique");
  FUZZ_CHECK(SortedUnique(s.numbers) && SortedUnique(s.title_numbers), "numbers not sorted and unique");
  FUZZ_CHECK(SortedUnique(s.codes), "codes not sorted and unique");
  FUZZ_CHECK(s.length <= 300, "length %u over the lead", s.length);
  FUZZ_CHECK(s.dense == (s.length < kStoryDenseBelow), "dense %d at length %u", s.dense, s.length);
  FUZZ_CHECK(s.values.size() <= 64, "%zu values", s.values.size());
  FUZZ_CHECK(s.prefix.empty() || (s.prefix.size() >= 2 && s.prefix.size() <= 12), "prefix of %zu",
             s.prefix.size());
  if (s.dense) {
    std::vector<uint32_t> sample;
    std::copy_if(s.grams.begin(), s.grams.end(), std::back_inserter(sample), InStorySample);
    FUZZ_CHECK(sample == s.sampled_grams, "a dense sketch's sample is not its sampled grams");
  } else {
    FUZZ_CHECK(std::all_of(s.grams.begin(), s.grams.end(), InStorySample), "a sampled sketch keeps an unsampled gram");
    FUZZ_CHECK(s.sampled_grams.empty(), "a sampled sketch lists a sample apart");
  }
  const auto title_sampled = std::count_if(s.title_grams.begin(), s.title_grams.end(), InStorySample);
  FUZZ_CHECK(static_cast<size_t>(title_sampled) == s.title_sampled, "title_sampled %u, counted %zu", s.title_sampled,
             static_cast<size_t>(title_sampled));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view field[4];
  for (auto& f : field) {
    const size_t nul = in.find('\0');
    f = in.substr(0, nul);
    in = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
  }
  StorySketch a, b, again;
  BuildStorySketch(field[0], field[1], &a, {});
  BuildStorySketch(field[2], field[3], &b, {});
  BuildStorySketch(field[0], field[1], &again, {});
  CheckSketch(a);
  CheckSketch(b);
  FUZZ_CHECK(a == again, "the same text sketched twice differs");

  // Code points from the raw bytes, two bytes each: most mapped into the
  // ideographs (0x4E00-0x9FFF, where the direction words are, with values
  // that share a word's first character's low 12 bits), the rest spread
  // over all 32-bit values (ASCII, beyond 0x10FFFF).
  std::vector<uint32_t> cps;
  for (size_t i = 0; i + 1 < size; i += 2) {
    const uint32_t v = uint32_t{data[i]} << 8 | data[i + 1];
    cps.push_back(v % 8 != 0 ? 0x4E00u + v % 0x5200u : v * 0x10001u);
  }
  FUZZ_CHECK(HeadlineCues(cps) == HeadlineCuesBySearch(cps), "HeadlineCues differs from a search per word");

  const StoryDoc da{&a, 600'000, "cls"}, db{&b, 0, "ths"};
  // The walk's bound on shared trigrams: exact (the pair's compared
  // trigrams, as the index counts them), or unknown.
  for (const size_t known : {SharedComparedGrams(a, b), SIZE_MAX}) {
    WindowEvidence e;
    e.weighted_coverage = 0.4;
    e.rare_shared = 1;
    e.shared_at_most = known;
    const PairFeatures f = ComputePairFeatures(da, db, e);
    for (const double x : f) FUZZ_CHECK(std::isfinite(x), "a feature is not finite");
    const StoryModel model;
    const double z = model.Logit(f);
    const bool contradict = CuesContradict(a.cues, b.cues);
    for (const double floor : {-3.0, 0.0, 5.0}) {
      const double got = model.LogitAbove(da, db, e, floor);
      if (contradict) {
        FUZZ_CHECK(got < floor, "opposite directions above the floor %g: %g", floor, got);
      } else if (z > floor) {
        FUZZ_CHECK(got == z, "LogitAbove %g != Logit %g above the floor %g", got, z, floor);
      } else {
        FUZZ_CHECK(got <= floor, "LogitAbove %g above the floor %g where Logit is %g", got, floor, z);
      }
    }
  }
  return 0;
}
