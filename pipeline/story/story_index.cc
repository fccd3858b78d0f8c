// story_index.cc — see story_index.h.
#include "pipeline/story/story_index.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <tuple>

namespace newsflow::pipeline {

StoryIndex::StoryIndex(StoryOptions options) : options_(options), model_(options.threshold) {}

const std::string* StoryIndex::Find(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &slots_[it->second].story;
}

void StoryIndex::Advance(int64_t time_ms) {
  if (time_ms <= watermark_) return;
  watermark_ = time_ms;
  const int64_t floor = Floor(watermark_);
  while (!by_time_.empty() && by_time_.begin()->first < floor) {
    const uint32_t slot = by_time_.begin()->second;
    by_time_.erase(by_time_.begin());
    Evict(slot);
  }
}

void StoryIndex::Evict(uint32_t slot) {
  Entry& e = slots_[slot];
  const uint32_t gen = ++generation_[slot];  // this slot's entries are stale from now on
  for (uint32_t g : e.sketch.grams) {
    if (g & options_.index_mask) continue;
    Posting* found = postings_.Find(g);
    if (found == nullptr) continue;
    Posting& p = *found;
    if (--p.live == 0) {
      postings_.Erase(g);
      continue;
    }
    if (p.entries.size() > 2 * static_cast<size_t>(p.live) + 8) {
      std::erase_if(p.entries, [&](uint64_t x) {
        const auto s = static_cast<uint32_t>(x);
        return static_cast<uint32_t>(x >> 32) != generation_[s];
      });
    }
  }
  (void)gen;
  by_key_.erase(e.key);
  e = Entry{};
  free_.push_back(slot);
}

uint32_t StoryIndex::Insert(const std::string& key, std::string_view source, int64_t time_ms,
                            const std::string& story, StorySketch&& sketch) {
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
    generation_.push_back(0);
    counts_.push_back(0);
    sampled_counts_.push_back(0);
    weights_.push_back(0);
    rare_.push_back(0);
  }
  Entry& e = slots_[slot];
  e.key = key;
  e.source = std::string(source);
  e.story = story;
  e.time_ms = time_ms;
  e.sketch = std::move(sketch);
  e.live = true;
  const uint64_t tagged = slot | (uint64_t{generation_[slot]} << 32);
  for (uint32_t g : e.sketch.grams) {
    if (g & options_.index_mask) continue;
    Posting& p = postings_.FindOrAdd(g);
    ++p.live;
    p.entries.push_back(tagged);
  }
  by_key_[key] = slot;
  by_time_.emplace(time_ms, slot);
  return slot;
}

std::string StoryIndex::Update(const std::string& key, std::string_view source, int64_t time_ms,
                               StorySketch sketch) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return key;
  const uint32_t slot = it->second;
  std::string story = slots_[slot].story;
  for (auto t = by_time_.equal_range(slots_[slot].time_ms); t.first != t.second; ++t.first) {
    if (t.first->second == slot) {
      by_time_.erase(t.first);
      break;
    }
  }
  Evict(slot);
  Add(key, source, time_ms, story, std::move(sketch));
  return story;
}

void StoryIndex::Add(const std::string& key, std::string_view source, int64_t time_ms, const std::string& story,
                     StorySketch sketch) {
  Advance(time_ms);
  if (time_ms < Floor(watermark_) || by_key_.count(key)) return;
  Insert(key, source, time_ms, story, std::move(sketch));
}

StoryIndex::WalkMass StoryIndex::Walk(const StorySketch& sketch) {
  touched_.clear();
  const double log_n = std::log(static_cast<double>(by_key_.size()) + 1);
  if (log_df_.size() < options_.posting_cap + 2) {
    log_df_.resize(options_.posting_cap + 2);
    for (size_t d = 0; d < log_df_.size(); ++d) log_df_[d] = std::log(static_cast<double>(d + 1));
  }
  WalkMass mass;
  for (uint32_t g : sketch.grams) {
    const bool in_sample = InStorySample(g);
    const bool indexed = (g & options_.index_mask) == 0;
    const Posting* p = indexed ? postings_.Find(g) : nullptr;
    const size_t df = p == nullptr ? 0 : p->live;
    if (!indexed || df > options_.posting_cap) {  // too common: neither evidence nor candidates
      ++mass.unwalked;
      mass.unwalked_sampled += in_sample;
      continue;
    }
    const double idf = log_n - log_df_[df];  // log(n / (df + 1))
    mass.all += idf;
    if (in_sample) mass.sampled += idf;
    if (df == 0) continue;
    for (uint64_t x : p->entries) {
      const auto slot = static_cast<uint32_t>(x);
      if (static_cast<uint32_t>(x >> 32) != generation_[slot]) continue;  // evicted
      if (counts_[slot]++ == 0) touched_.push_back(slot);
      sampled_counts_[slot] += in_sample;
      weights_[slot] += static_cast<float>(idf);
      if (df <= 2) ++rare_[slot];
    }
  }
  return mass;
}

void StoryIndex::ClearWalk() {
  for (uint32_t slot : touched_) counts_[slot] = 0, sampled_counts_[slot] = 0, weights_[slot] = 0, rare_[slot] = 0;
  touched_.clear();
}

// A sampled document indexes only its sample, so what a walk shares with it
// is in the sample: the pair's sampling decides which mass to divide by.
WindowEvidence StoryIndex::EvidenceOf(uint32_t slot, bool dense, const WalkMass& walk) const {
  const bool both_dense = dense && slots_[slot].sketch.dense;
  const double mass = both_dense ? walk.all : walk.sampled;
  WindowEvidence e;
  e.weighted_coverage = mass > 0 ? std::min(1.0, weights_[slot] / mass) : 0.0;
  e.rare_shared = rare_[slot];
  // Shared: those the walk met (a sampled document indexes only its sample)
  // and at most every trigram it did not walk.
  e.shared_at_most = both_dense ? size_t{counts_[slot]} + walk.unwalked
                                : size_t{sampled_counts_[slot]} + walk.unwalked_sampled;
  return e;
}

bool StoryIndex::FeaturesAgainst(std::string_view other, std::string_view source, int64_t time_ms,
                                 const StorySketch& sketch, PairFeatures* out) {
  auto it = by_key_.find(other);
  if (it == by_key_.end()) return false;
  const WalkMass mass = Walk(sketch);
  const Entry& e = slots_[it->second];
  *out = ComputePairFeatures(StoryDoc{&sketch, time_ms, source}, StoryDoc{&e.sketch, e.time_ms, e.source},
                             EvidenceOf(it->second, sketch.dense, mass));
  ClearWalk();
  return true;
}

uint32_t StoryIndex::RootSlot(const Entry& via) const {
  if (via.root_slot != kNoSlot && generation_[via.root_slot] == via.root_generation) return via.root_slot;
  auto it = by_key_.find(via.story);
  if (it == by_key_.end()) return kNoSlot;
  via.root_slot = it->second;
  via.root_generation = generation_[it->second];
  return it->second;
}

// A story grows by single links; the new document must also not be clearly
// another story than the story's first document (when still in the window),
// so a chain of near-templates (IPO filings, ETF notices) does not merge.
bool StoryIndex::AgreesWithRoot(const Entry& via, const StoryDoc& self, const WalkMass& mass, RootMemo* memo) const {
  if (via.story == via.key) return true;
  const uint32_t slot = RootSlot(via);
  if (slot == kNoSlot) return true;
  for (const auto& [s, agrees] : *memo)
    if (s == slot) return agrees;
  const Entry& root = slots_[slot];
  const double z = model_.LogitAbove(self, StoryDoc{&root.sketch, root.time_ms, root.source},
                                     EvidenceOf(slot, self.sketch->dense, mass), options_.root_threshold);
  memo->emplace_back(slot, z > options_.root_threshold);
  return memo->back().second;
}

std::string StoryIndex::Assign(const std::string& key, std::string_view source, int64_t time_ms,
                               StorySketch sketch) {
  Advance(time_ms);
  ++stats_.assigned;
  const WalkMass mass = Walk(sketch);
  std::vector<Candidate>& cands = cands_;
  cands.clear();
  for (uint32_t slot : touched_) {
    if (counts_[slot] >= options_.min_shared) cands.push_back({slot, counts_[slot], sampled_counts_[slot]});
  }
  // Shared trigrams of the sample first, so that two dense flashes (all
  // their trigrams indexed) do not crowd out a sampled article; then all.
  auto rank = [&](const Candidate& c) {
    const Entry& e = slots_[c.slot];
    return std::make_tuple(-static_cast<int>(c.shared_sampled), -static_cast<int>(c.shared), e.time_ms,
                           std::string_view(e.key));
  };
  // The best max_candidates in rank order (a total order: keys are unique).
  const size_t keep = std::min(cands.size(), options_.max_candidates);
  auto better = [&](const Candidate& a, const Candidate& b) { return rank(a) < rank(b); };
  const auto kept_end = cands.begin() + static_cast<std::ptrdiff_t>(keep);
  if (keep < cands.size()) std::nth_element(cands.begin(), kept_end, cands.end(), better);  // the best `keep` first
  std::sort(cands.begin(), kept_end, better);
  cands.resize(keep);

  const StoryDoc self{&sketch, time_ms, source};
  RootMemo root_memo;  // candidates of one story share its root: score it once
  const Entry* best = nullptr;
  double best_logit = 0;
  for (const Candidate& c : cands) {
    const Entry& e = slots_[c.slot];
    if (std::llabs(e.time_ms - time_ms) > options_.window_ms) continue;
    ++stats_.candidates_scored;
    const double z = model_.LogitAbove(self, StoryDoc{&e.sketch, e.time_ms, e.source},
                                       EvidenceOf(c.slot, sketch.dense, mass), model_.threshold());
    if (z <= model_.threshold()) continue;
    // A link this sure is the story whatever its first document said (the
    // first one is often an earlier, related event: "ceremony begins" for
    // "sworn in").
    if (z < options_.root_override && !AgreesWithRoot(e, self, mass, &root_memo)) continue;
    // Highest logit; ties to the earlier document, then the smaller key.
    if (best == nullptr || z > best_logit ||
        (z == best_logit && std::tie(e.time_ms, e.key) < std::tie(best->time_ms, best->key))) {
      best = &e;
      best_logit = z;
    }
  }
  ClearWalk();
  std::string story = best ? best->story : key;
  if (best) ++stats_.joined;
  if (time_ms >= Floor(watermark_)) Insert(key, source, time_ms, story, std::move(sketch));
  return story;
}

size_t StoryIndex::MemoryBytes() const {
  size_t n = slots_.capacity() * (sizeof(Entry) + 2 + 4 + 2 + 4);
  for (const Entry& e : slots_) {
    if (!e.live) continue;
    n += e.sketch.MemoryBytes() - sizeof(StorySketch) + e.key.capacity() + e.source.capacity() + e.story.capacity();
  }
  n += postings_.MemoryBytes();
  n += by_key_.size() * (sizeof(std::string) + 4 + 16) + by_time_.size() * 48;
  return n;
}

}  // namespace newsflow::pipeline
