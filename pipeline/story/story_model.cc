// story_model.cc — see story_model.h.
#include "pipeline/story/story_model.h"

#include <algorithm>
#include <cmath>

#include "pipeline/story/sorted_intersection.h"

namespace newsflow::pipeline {
namespace {

// Fitted by tests/story/tools/train_model.py on tests/story/pairs_dev.jsonl;
// regenerate with that script after changing a feature.
constexpr PairFeatures kStoryWeights = {
    // @weights-begin
    -2.2972, 0.4319, 0.5779, 2.0601, -0.5506, 1.1827, 0.1707, 1.4752, -0.1333, -2.0927, -0.7144, 0.5032, 0.9952, -0.4702, 0.1245, 1.0734, 1.8617,
    // @weights-end
};

}  // namespace

const std::array<const char*, kStoryFeatures>& PairFeatureNames() {
  static const std::array<const char*, kStoryFeatures> names = {
      "bias",          "containment",    "jaccard",      "title_containment", "has_titles",
      "number_agree",  "numbers_small",  "numbers_shared", "title_number_conflict",
      "log_minutes",   "over_4h",        "within_15min", "cross_feed",        "length_ratio",
      "shared_grams",  "weighted_coverage", "rare_shared"};
  return names;
}

PairFeatures ComputePairFeatures(const StoryDoc& a, const StoryDoc& b, const WindowEvidence& evidence) {
  const StorySketch& x = *a.sketch;
  const StorySketch& y = *b.sketch;
  PairFeatures f{};
  f[0] = 1.0;
  const size_t shared = SortedIntersectionSize(x.grams, y.grams);
  const size_t small = std::min(x.grams.size(), y.grams.size());
  const size_t uni = x.grams.size() + y.grams.size() - shared;
  f[1] = small ? static_cast<double>(shared) / small : 0.0;
  f[2] = uni ? static_cast<double>(shared) / uni : 0.0;
  if (!x.title_grams.empty() && !y.title_grams.empty()) {
    const size_t ts = SortedIntersectionSize(x.title_grams, y.title_grams);
    f[3] = static_cast<double>(ts) / std::min(x.title_grams.size(), y.title_grams.size());
    f[4] = 1.0;
  }
  const auto& ns = x.numbers.size() <= y.numbers.size() ? x.numbers : y.numbers;
  const auto& nb = x.numbers.size() <= y.numbers.size() ? y.numbers : x.numbers;
  const size_t nshared = SortedIntersectionSize(ns, nb);
  f[5] = ns.empty() ? 1.0 : static_cast<double>(nshared) / ns.size();
  f[6] = std::min<double>(ns.size(), 10) / 10;
  f[7] = std::min<double>(nshared, 5) / 5;
  f[8] = (!x.title_numbers.empty() && !y.title_numbers.empty() &&
          SortedIntersectionSize(x.title_numbers, y.title_numbers) == 0)
             ? 1.0
             : 0.0;
  const double minutes = std::abs(static_cast<double>(a.time_ms - b.time_ms)) / 60000.0;
  f[9] = std::log1p(minutes) / 7;
  f[10] = minutes > 240 ? 1.0 : 0.0;
  f[11] = minutes <= 15 ? 1.0 : 0.0;
  f[12] = a.source != b.source ? 1.0 : 0.0;
  const double la = x.length, lb = y.length;
  f[13] = std::max(la, lb) > 0 ? std::min(la, lb) / std::max(la, lb) : 0.0;
  f[14] = std::min<double>(shared, 100) / 100;
  f[15] = evidence.weighted_coverage;
  f[16] = std::min(evidence.rare_shared, 20.0) / 20;
  return f;
}

StoryModel::StoryModel(double threshold) : weights_(kStoryWeights), threshold_(threshold) {}

double StoryModel::Logit(const PairFeatures& f) const {
  double z = 0;
  for (size_t i = 0; i < kStoryFeatures; ++i) z += weights_[i] * f[i];
  return z;
}

}  // namespace newsflow::pipeline
