// story_model.cc — see story_model.h.
#include "pipeline/story/story_model.h"

#include <algorithm>
#include <cmath>

#include "pipeline/story/sorted_intersection.h"
#include "pipeline/story/story_cues.h"

namespace newsflow::pipeline {
namespace {

// How far below the caller's floor a contradicting pair's logit is put.
constexpr double kContradictionMargin = 1.0;

// Fitted by tests/story/tools/train_model.py on tests/story/pairs_dev.jsonl;
// regenerate with that script after changing a feature.
constexpr PairFeatures kStoryWeights = {
    // @weights-begin
    -4.3514, 0.4260, 0.5405, 1.2225, -0.2100, 0.9334, 0.6101, 1.3702, -0.4850, -1.5040, -0.3230, 0.7184, 1.1687, -0.3989, 0.2077, 1.0554, 1.8888, -0.6862, 1.3501, -0.5499, -0.4416, 1.3063, 1.1778,
    // @weights-end
};

// Two values agree: the same unit class and equal, or for percentages within
// 0.6 points or the same whole number (涨2.1% vs 涨超2%), else within 3%.
bool Agree(const StoryNumber& a, const StoryNumber& b) {
  if (a.unit != b.unit) return false;
  if (a.value == b.value) return true;
  if (a.unit == kStoryPercentUnit)
    return std::abs(a.value - b.value) <= 0.6 || std::floor(a.value) == std::floor(b.value);
  return std::abs(a.value - b.value) <= 0.03 * std::max(std::abs(a.value), std::abs(b.value));
}

// The share of the shorter list's numbers (the first's on a tie) that agree
// with one of the other's; 1 if it has none.
double ApproxNumberAgreement(const std::vector<StoryNumber>& a, const std::vector<StoryNumber>& b) {
  const auto& s = a.size() <= b.size() ? a : b;
  const auto& l = a.size() <= b.size() ? b : a;
  if (s.empty()) return 1.0;
  size_t agree = 0;
  for (const StoryNumber& n : s) {
    for (const StoryNumber& m : l) {
      if (Agree(n, m)) {
        ++agree;
        break;
      }
    }
  }
  return static_cast<double>(agree) / static_cast<double>(s.size());
}

// The trigrams compared: two short texts on all their trigrams, any other
// pair on the 1-in-4 sample (story_sketch.h).
const std::vector<uint32_t>& ComparedGrams(const StorySketch& s, bool both_dense) {
  return both_dense ? s.grams : s.Sampled();
}

// Containment, Jaccard and the count of the shared trigrams, for `shared`
// of them.
void GramFeaturesFor(size_t shared, size_t nx, size_t ny, PairFeatures* out) {
  PairFeatures& f = *out;
  const size_t small = std::min(nx, ny);
  const size_t uni = nx + ny - shared;
  f[1] = small ? static_cast<double>(shared) / small : 0.0;
  f[2] = uni ? static_cast<double>(shared) / uni : 0.0;
  f[14] = std::min<double>(shared, 100) / 100;
}

// Features 1, 2 and 14: one intersection of the two trigram sets.
void GramFeatures(const StoryDoc& a, const StoryDoc& b, PairFeatures* out) {
  const bool dense = a.sketch->dense && b.sketch->dense;
  GramFeaturesFor(SharedComparedGrams(*a.sketch, *b.sketch), ComparedGrams(*a.sketch, dense).size(),
                  ComparedGrams(*b.sketch, dense).size(), out);
}

// The last two features, the costliest: every value of one side against
// every value of the other, and each headline against the other's text.
void CostlyFeatures(const StoryDoc& a, const StoryDoc& b, PairFeatures* out) {
  const StorySketch& x = *a.sketch;
  const StorySketch& y = *b.sketch;
  PairFeatures& f = *out;
  const bool dense = x.dense && y.dense;
  const std::vector<uint32_t>& xg = ComparedGrams(x, dense);
  const std::vector<uint32_t>& yg = ComparedGrams(y, dense);
  f[21] = ApproxNumberAgreement(x.values, y.values);
  // Each headline's trigrams (those in the sample unless both are dense)
  // found in the other's text.
  const double x_title = dense ? static_cast<double>(x.title_grams.size()) : x.title_sampled;
  const double y_title = dense ? static_cast<double>(y.title_grams.size()) : y.title_sampled;
  if (x_title > 0 && y_title > 0) {
    f[22] = std::min(static_cast<double>(SortedIntersectionSize(x.title_grams, yg)) / x_title,
                     static_cast<double>(SortedIntersectionSize(y.title_grams, xg)) / y_title);
  }
}

// The features known from the two sketches' sizes, times and feeds, read
// without touching any of their arrays (`log_minutes`: log1p of the gap in
// minutes) into *out, whose other features it leaves as they are.
void HeaderFeatures(const StoryDoc& a, const StoryDoc& b, const WindowEvidence& evidence, double minutes,
                    double log_minutes, PairFeatures* out) {
  const StorySketch& x = *a.sketch;
  const StorySketch& y = *b.sketch;
  PairFeatures& f = *out;
  f[0] = 1.0;
  const bool titles = !x.title_grams.empty() && !y.title_grams.empty();
  f[4] = titles ? 1.0 : 0.0;
  const size_t ns = std::min(x.numbers.size(), y.numbers.size());
  f[6] = std::min<double>(ns, 10) / 10;
  f[9] = log_minutes / 7;
  f[10] = minutes > 240 ? 1.0 : 0.0;
  f[11] = minutes <= 15 ? 1.0 : 0.0;
  f[12] = a.source != b.source ? 1.0 : 0.0;
  const double la = x.length, lb = y.length;
  f[13] = std::max(la, lb) > 0 ? std::min(la, lb) / std::max(la, lb) : 0.0;
  f[15] = evidence.weighted_coverage;
  f[16] = std::min(evidence.rare_shared, 20.0) / 20;
}

double GapMinutes(const StoryDoc& a, const StoryDoc& b) {
  return std::abs(static_cast<double>(a.time_ms - b.time_ms)) / 60000.0;
}

// Sets the features but those of HeaderFeatures, GramFeatures and
// CostlyFeatures (left as they are): headlines, numbers, codes and speakers.
void ArrayFeatures(const StoryDoc& a, const StoryDoc& b, PairFeatures* out) {
  const StorySketch& x = *a.sketch;
  const StorySketch& y = *b.sketch;
  PairFeatures& f = *out;
  if (!x.title_grams.empty() && !y.title_grams.empty()) {
    const size_t ts = SortedIntersectionSize(x.title_grams, y.title_grams);
    f[3] = static_cast<double>(ts) / std::min(x.title_grams.size(), y.title_grams.size());
  }
  const auto& ns = x.numbers.size() <= y.numbers.size() ? x.numbers : y.numbers;
  const auto& nb = x.numbers.size() <= y.numbers.size() ? y.numbers : x.numbers;
  const size_t nshared = SortedIntersectionSize(ns, nb);
  f[5] = ns.empty() ? 1.0 : static_cast<double>(nshared) / ns.size();
  f[7] = std::min<double>(nshared, 5) / 5;
  f[8] = (!x.title_numbers.empty() && !y.title_numbers.empty() &&
          SortedIntersectionSize(x.title_numbers, y.title_numbers) == 0)
             ? 1.0
             : 0.0;
  const double minutes = std::abs(static_cast<double>(a.time_ms - b.time_ms)) / 60000.0;
  // Stock codes: both name some and share none (two companies' look-alike
  // announcements), or share one within an hour (one company's news).
  const bool code_shared = SortedIntersectionSize(x.codes, y.codes) > 0;
  f[17] = !x.codes.empty() && !y.codes.empty() && !code_shared ? 1.0 : 0.0;
  f[18] = code_shared && minutes <= 60 ? 1.0 : 0.0;
  // Speaker prefix: the same ("港股IPO：": often a template) or two different
  // speakers (neither contains the other: 最高法 vs 最高法刘贵祥 is one).
  f[19] = !x.prefix.empty() && x.prefix == y.prefix ? 1.0 : 0.0;
  f[20] = !x.prefix.empty() && !y.prefix.empty() && x.prefix.find(y.prefix) == std::u32string::npos &&
                  y.prefix.find(x.prefix) == std::u32string::npos
              ? 1.0
              : 0.0;
}

}  // namespace

const std::array<const char*, kStoryFeatures>& PairFeatureNames() {
  static const std::array<const char*, kStoryFeatures> names = {
      "bias",          "containment",    "jaccard",      "title_containment", "has_titles",
      "number_agree",  "numbers_small",  "numbers_shared", "title_number_conflict",
      "log_minutes",   "over_4h",        "within_15min", "cross_feed",        "length_ratio",
      "shared_grams",  "weighted_coverage", "rare_shared",
      "ent_conflict",  "ent_match_near", "prefix_equal", "prefix_conflict",   "num_approx",
      "head_both_in_text"};
  return names;
}

size_t SharedComparedGrams(const StorySketch& a, const StorySketch& b) {
  const bool dense = a.dense && b.dense;
  return SortedIntersectionSize(ComparedGrams(a, dense), ComparedGrams(b, dense));
}

PairFeatures ComputePairFeatures(const StoryDoc& a, const StoryDoc& b, const WindowEvidence& evidence) {
  const double minutes = GapMinutes(a, b);
  PairFeatures f{};
  HeaderFeatures(a, b, evidence, minutes, std::log1p(minutes), &f);
  ArrayFeatures(a, b, &f);
  GramFeatures(a, b, &f);
  CostlyFeatures(a, b, &f);
  return f;
}

StoryModel::StoryModel(double threshold) : weights_(kStoryWeights), threshold_(threshold) {
  for (size_t i : {5, 8, 17, 19, 20, 21}) always_most_ += std::max(0.0, weights_[i]);
}

// A pair's features leave the time gap's log term (feature 9) out of the
// first bound only while its weight is negative: it can only lower the logit.
static_assert(kStoryWeights[9] <= 0, "the first bound in LogitAbove leaves out a term that must not raise the logit");

double StoryModel::LogitAbove(const StoryDoc& a, const StoryDoc& b, const WindowEvidence& evidence,
                              double floor) const {
  static_assert(kStoryFeatures == 23, "GramFeatures and CostlyFeatures set 1, 2, 14, 21 and 22");
  // Headlines of opposite directions are two events, whatever the features
  // say (story_cues.h): below any floor the caller asks about.
  if (CuesContradict(a.sketch->cues, b.sketch->cues)) return std::min(floor, 0.0) - kContradictionMargin;
  // The most the gram features can add: their values at the most trigrams
  // the walk allows (they grow with it).
  const StorySketch& x = *a.sketch;
  const StorySketch& y = *b.sketch;
  const bool dense = x.dense && y.dense;
  const size_t nx = ComparedGrams(x, dense).size(), ny = ComparedGrams(y, dense).size();
  PairFeatures grams{};
  GramFeaturesFor(std::min({evidence.shared_at_most, nx, ny}), nx, ny, &grams);
  // Each bound is the logit's known terms plus the most each unknown
  // feature can add (max(0, weight * its largest value)), summed term by
  // term; the 1e-9 margin covers the sums' rounding, and a bound that stops
  // a pair only stops one whose logit is not above the floor anyway. First
  // from the sizes alone (most pairs end here, their arrays unread): what
  // HeaderFeatures sets, and the most every other feature can add given the
  // sizes. The gap's log term only lowers it (its weight is negative), so
  // it is added only if the bound without it does not settle the pair.
  const PairFeatures& w = weights_;
  auto most = [](double weight, double value) { return std::max(0.0, weight * value); };
  const bool titles = !x.title_grams.empty() && !y.title_grams.empty();
  const size_t ns = std::min(x.numbers.size(), y.numbers.size());
  const double minutes = GapMinutes(a, b);
  const double la = x.length, lb = y.length;
  double known = w[0] + (titles ? w[4] : 0.0) + w[6] * (std::min<double>(ns, 10) / 10) + (minutes > 240 ? w[10] : 0.0) +
                 (minutes <= 15 ? w[11] : 0.0) + (a.source != b.source ? w[12] : 0.0) +
                 (std::max(la, lb) > 0 ? w[13] * (std::min(la, lb) / std::max(la, lb)) : 0.0) +
                 w[15] * evidence.weighted_coverage + w[16] * (std::min(evidence.rare_shared, 20.0) / 20);
  const double gram_most = most(w[1], grams[1]) + most(w[2], grams[2]) + most(w[14], grams[14]);
  double bound = known + gram_most + (titles ? most(w[3], 1.0) + most(w[22], 1.0) : 0.0) +
                 most(w[7], std::min<double>(ns, 5) / 5) + always_most_ +
                 (!x.codes.empty() && !y.codes.empty() && minutes <= 60 ? most(w[18], 1.0) : 0.0);
  if (bound < floor - 1e-9) return bound;
  const double log_minutes = std::log1p(minutes);
  known += w[9] * (log_minutes / 7);
  bound += w[9] * (log_minutes / 7);
  if (bound < floor - 1e-9) return bound;
  // Then with the headlines, numbers, codes and speakers (the header's
  // features are written into f only for a pair that gets past this).
  PairFeatures f{};
  ArrayFeatures(a, b, &f);
  bound = known + w[3] * f[3] + w[5] * f[5] + w[7] * f[7] + w[8] * f[8] + w[17] * f[17] + w[18] * f[18] +
          w[19] * f[19] + w[20] * f[20] + gram_most + most(w[21], 1.0) + most(w[22], 1.0);
  if (bound < floor - 1e-9) return bound;
  HeaderFeatures(a, b, evidence, minutes, log_minutes, &f);
  GramFeatures(a, b, &f);
  CostlyFeatures(a, b, &f);
  return Logit(f);
}

double StoryModel::Logit(const PairFeatures& f) const {
  double z = 0;
  for (size_t i = 0; i < kStoryFeatures; ++i) z += weights_[i] * f[i];
  return z;
}

}  // namespace newsflow::pipeline
