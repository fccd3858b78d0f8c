// story_model.h — decides whether two documents report the same story, from
// their sketches, times and feeds: a logistic model over pair features.
//
// The features (see PairFeatureNames) are trigram containment and Jaccard,
// headline containment, number agreement, the time gap, whether the two come
// from different feeds, how rare in the window the shared trigrams are, and
// (from the research in tests/story/research/) stock codes named by both or
// by each but none in common, the headline's speaker prefix, numbers that
// agree within rounding, and each headline found in the other's text. The weights were fitted on the labelled dev
// pairs (tests/story/pairs_dev.jsonl) by tests/story/tools/train_model.py
// from the features `newsflow story features` prints, and are compiled in
// (kStoryWeights in story_model.cc) so a given binary always clusters alike.
//
// Ownership: a value type. Threads: const methods are thread-safe.
// Errors: none.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "pipeline/story/story_sketch.h"

namespace newsflow::pipeline {

// One side of a pair: what the model needs to know of a document.
struct StoryDoc {
  const StorySketch* sketch = nullptr;
  int64_t time_ms = 0;
  std::string_view source;  // feed name
};

// How rare, among the documents of the window, the trigrams that the newer
// document of a pair shares with the older one are: a template (IPO filings,
// ETF notices, index flashes) shares many trigrams that the window is full
// of, while a re-report shares the rare ones (names, figures). Computed by
// StoryIndex from its posting lists at assignment time.
struct WindowEvidence {
  double weighted_coverage = 0;  // idf mass of the shared trigrams / idf mass of the newer document's
  double rare_shared = 0;        // shared trigrams found in at most 2 window documents
  // What the index's walk knows of the pair's shared trigrams (as the
  // containment features count them): at most this many. For
  // StoryModel::LogitAbove's bound; SIZE_MAX when unknown.
  size_t shared_at_most = SIZE_MAX;
};

inline constexpr size_t kStoryFeatures = 23;
using PairFeatures = std::array<double, kStoryFeatures>;

// Names of the features, in order (for `story features` and the trainer).
const std::array<const char*, kStoryFeatures>& PairFeatureNames();

// The trigrams two sketches share as the containment features count them
// (two dense sketches: all their trigrams; otherwise the 1-in-4 sample): what
// WindowEvidence::shared_at_most bounds.
size_t SharedComparedGrams(const StorySketch& a, const StorySketch& b);

// The features of a pair (symmetric in a and b except for the evidence,
// which is about the newer document).
PairFeatures ComputePairFeatures(const StoryDoc& a, const StoryDoc& b, const WindowEvidence& evidence);

// True when two documents are about a whole number of days apart (within an
// hour of it: 23 h or more): the next issue of a daily item (the opening
// flash, a daily price, a fund's suspension notice, a column), posted at the
// same time each day, not a re-report of one event, whose delay has no reason
// to be a whole day. StoryIndex never links such a pair (a story's earliest
// document a day back is no reason to keep a new report of it out: the
// rule is the link's, not the root check's).
// (Inline: StoryIndex asks it of every candidate, most of them hours apart,
// which the first comparison settles.)
inline bool SameHourOnAnotherDay(int64_t a_ms, int64_t b_ms) {
  constexpr int64_t kDayMs = 24LL * 3600 * 1000, kSameHourMs = 3600LL * 1000;
  const int64_t gap = a_ms > b_ms ? a_ms - b_ms : b_ms - a_ms;
  if (gap < kDayMs - kSameHourMs) return false;
  const int64_t past_whole_day = gap % kDayMs;
  return past_whole_day <= kSameHourMs || past_whole_day >= kDayMs - kSameHourMs;
}

class StoryModel {
 public:
  // The compiled-in weights; `threshold` on the logit (0 = probability 0.5).
  explicit StoryModel(double threshold = 0.0);
  double Logit(const PairFeatures& f) const;
  // Logit(ComputePairFeatures(a, b, evidence)) if that exceeds `floor`;
  // otherwise some value <= floor (the costliest features are computed only
  // when they could lift the logit above it). Bit-identical to Logit above
  // the floor. Two headlines of opposite directions (story_cues.h) are
  // below the floor whatever the features: a rule beside the learned model.
  double LogitAbove(const StoryDoc& a, const StoryDoc& b, const WindowEvidence& evidence, double floor) const;
  bool Same(const PairFeatures& f) const { return Logit(f) > threshold_; }
  double threshold() const { return threshold_; }

 private:
  PairFeatures weights_;
  double threshold_;
  double always_most_ = 0;  // what the features whose most is 1 whatever the sizes can add (LogitAbove)
};

}  // namespace newsflow::pipeline
