// story_index.cc — see story_index.h.
#include "pipeline/story/story_index.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <tuple>

namespace newsflow::pipeline {
namespace {
// Walks fetch a spilled posting list's entries this many trigrams ahead of use.
constexpr size_t kPrefetchAhead = 4;
// Evictions do little per trigram, so they fetch further ahead (12: a
// quarter fewer of the run's samples in Evict than 4; 24 gave no more).
constexpr size_t kEvictAhead = 12;
}  // namespace

StoryIndex::StoryIndex(StoryOptions options) : options_(options), model_(options.threshold) {}

const std::string* StoryIndex::Find(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &slots_[it->second].story;
}

const StorySketch* StoryIndex::SketchOf(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &slots_[it->second].sketch;
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
  ++tally_[slot].generation;  // this slot's entries in spilled lists are stale from now on
  const std::vector<uint32_t>& lists = e.lists;
  // Each trigram's list header is fetched a few trigrams ahead, and so is
  // its table slot: most trigrams are in this document alone, so the list
  // empties and Erase probes the table, a miss that was a third of the
  // eviction's time.
  const std::vector<uint32_t>& grams = e.sketch.grams;
  size_t ahead = 0;  // the next trigram of `grams` whose slot to fetch
  auto prefetch = [&](size_t k) {
    if (k >= lists.size()) return;
    __builtin_prefetch(&postings_.List(lists[k]));
    while (grams[ahead] & options_.index_mask) ++ahead;  // lists[k] is the k-th indexed trigram's
    postings_.PrefetchSlot(grams[ahead++]);
  };
  for (size_t k = 0; k < kEvictAhead; ++k) prefetch(k);
  auto is_live = [this](uint64_t x) { return IsLive(x); };
  size_t k = 0;
  for (uint32_t g : grams) {
    if (g & options_.index_mask) continue;
    prefetch(k + kEvictAhead);
    if (postings_.List(lists[k++]).Remove(slot, is_live) == 0) postings_.Erase(g);
  }
  by_key_.erase(e.key);
  if (auto m = members_.find(e.story); m != members_.end()) {
    std::erase(m->second, slot);
    if (m->second.empty()) members_.erase(m);
  }
  // The slot's arrays are freed with its sketch; its strings and list
  // numbers keep their capacity for the slot's next document (Fill).
  e.sketch = StorySketch{};
  e.lists.clear();
  e.key.clear(), e.source.clear(), e.story.clear();
  e.live = false;
  free_.push_back(slot);
}

uint32_t StoryIndex::AllocateSlot() {
  if (!free_.empty()) {
    const uint32_t slot = free_.back();
    free_.pop_back();
    return slot;
  }
  const auto slot = static_cast<uint32_t>(slots_.size());
  slots_.emplace_back();
  tally_.emplace_back();
  return slot;
}

void StoryIndex::Fill(uint32_t slot, const std::string& key, std::string_view source, int64_t time_ms,
                      const std::string& story, StorySketch&& sketch, const std::vector<uint32_t>& lists) {
  Entry& e = slots_[slot];
  e.lists.assign(lists.begin(), lists.end());
  e.key = key;
  e.source = std::string(source);
  e.story = story;
  e.time_ms = time_ms;
  e.sketch = std::move(sketch);
  e.live = true;
  by_key_[key] = slot;
  by_time_.emplace(time_ms, slot);
  members_[story].push_back(slot);
}

uint32_t StoryIndex::Insert(const std::string& key, std::string_view source, int64_t time_ms,
                            const std::string& story, StorySketch&& sketch) {
  const uint32_t slot = AllocateSlot();
  const uint64_t tagged = Tagged(slot);
  auto tag_of = [this](uint32_t s) { return Tagged(s); };
  probed_.clear();
  for (uint32_t g : sketch.grams) {
    if (g & options_.index_mask) continue;
    const uint32_t list = postings_.FindOrAddList(g);
    postings_.List(list).Add(tagged, tag_of);
    probed_.push_back(list);
  }
  Fill(slot, key, source, time_ms, story, std::move(sketch), probed_);
  return slot;
}

std::string StoryIndex::Update(const std::string& key, std::string_view source, int64_t time_ms,
                               StorySketch sketch) {
  if (!by_key_.count(key)) return key;
  std::string story = Remove(key);
  Add(key, source, time_ms, story, std::move(sketch));
  return story;
}

std::string StoryIndex::Remove(const std::string& key) {
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
  return story;
}

void StoryIndex::Add(const std::string& key, std::string_view source, int64_t time_ms, const std::string& story,
                     StorySketch sketch) {
  Advance(time_ms);
  if (time_ms < Floor(watermark_) || by_key_.count(key)) return;
  Insert(key, source, time_ms, story, std::move(sketch));
}

const std::vector<uint32_t>& StoryIndex::ProbeLists(const std::vector<uint32_t>& grams, bool add) {
  probed_.clear();
  for (uint32_t g : grams) {
    if (g & options_.index_mask) continue;
    const uint32_t list = add ? postings_.FindOrAddList(g) : postings_.FindList(g);
    if (list != PostingTable::kNoList) __builtin_prefetch(&postings_.List(list));
    probed_.push_back(list);
  }
  return probed_;
}

StoryIndex::WalkMass StoryIndex::Walk(const StorySketch& sketch, uint32_t insert_slot) {
  // Each slot is touched at most once a walk: room for all of them, so the
  // step writes without a capacity check.
  if (touched_.size() < tally_.size()) touched_.resize(tally_.size());
  uint32_t* const touched = touched_.data();
  size_t touched_n = 0;
  const double log_n = std::log(static_cast<double>(by_key_.size()) + 1);
  if (log_df_.size() < options_.posting_cap + 2) {
    log_df_.resize(options_.posting_cap + 2);
    for (size_t d = 0; d < log_df_.size(); ++d) log_df_[d] = std::log(static_cast<double>(d + 1));
  }
  const bool inserting = insert_slot != kNoSlot;
  const uint64_t tagged = inserting ? Tagged(insert_slot) : 0;
  WalkMass mass;
  // Most of a walk is waiting for memory: the table's slot and the list
  // for each trigram, and a spilled list's entries. So the table is probed
  // for every trigram first (ProbeLists, which fetches the lists), and a
  // spilled list's entries are fetched a few trigrams before they are
  // walked (for a list too common to walk, the line an insertion appends to).
  const std::vector<uint32_t>& lists = ProbeLists(sketch.grams, inserting);
  auto prefetch_entries = [&](size_t k) {
    if (k >= lists.size() || lists[k] == PostingTable::kNoList) return;
    const Posting& p = postings_.List(lists[k]);
    if (p.Spilled()) __builtin_prefetch(p.heap.data + (p.live > options_.posting_cap ? p.heap.size : 0));
  };
  auto tag_of = [this](uint32_t s) { return Tagged(s); };
  auto is_live = [this](uint64_t x) { return IsLive(x); };
  for (size_t k = 0; k < kPrefetchAhead; ++k) prefetch_entries(k);
  size_t k = 0;
  for (uint32_t g : sketch.grams) {
    if (g & options_.index_mask) {  // not indexed: neither evidence nor candidates
      ++mass.unwalked;
      mass.unwalked_sampled += InStorySample(g);
      continue;
    }
    prefetch_entries(k + kPrefetchAhead);
    const uint32_t list = lists[k++];
    const bool in_sample = InStorySample(g);
    // The new document is appended after its list is walked, so the walk
    // never meets the document itself.
    Posting* p = list == PostingTable::kNoList ? nullptr : &postings_.List(list);
    const size_t df = p == nullptr ? 0 : p->live;
    if (df > options_.posting_cap) {  // too common: neither evidence nor candidates
      ++mass.unwalked;
      mass.unwalked_sampled += in_sample;
    } else {
      const double idf = log_n - log_df_[df];  // log(n / (df + 1))
      mass.all += idf;
      if (in_sample) mass.sampled += idf;
      const auto fidf = static_cast<float>(idf);
      const uint64_t add = 1 | uint64_t{in_sample} << 16 | uint64_t{df <= 2} << 32;  // SlotTally::counts
      SlotTally* const tally = tally_.data();
      auto count = [&](uint32_t slot) {
        SlotTally& t = tally[slot];
        if (t.counts == 0) touched[touched_n++] = slot;
        t.counts += add;
        t.weight += fidf;
      };
      if (df > 0) p->ForEachLive(is_live, count);
    }
    if (inserting) p->Add(tagged, tag_of);
  }
  touched_count_ = touched_n;
  return mass;
}

void StoryIndex::ClearWalk() {
  for (uint32_t slot : Touched()) {
    SlotTally& t = tally_[slot];
    t.counts = 0;
    t.weight = 0;
  }
  touched_count_ = 0;
}

// A sampled document indexes only its sample, so what a walk shares with it
// is in the sample: the pair's sampling decides which mass to divide by.
WindowEvidence StoryIndex::EvidenceOf(uint32_t slot, bool dense, const WalkMass& walk) const {
  const bool both_dense = dense && slots_[slot].sketch.dense;
  const double mass = both_dense ? walk.all : walk.sampled;
  WindowEvidence e;
  const SlotTally& t = tally_[slot];
  e.weighted_coverage = mass > 0 ? std::min(1.0, t.weight / mass) : 0.0;
  e.rare_shared = t.rare();
  // Shared: those the walk met (a sampled document indexes only its sample)
  // and at most every trigram it did not walk.
  e.shared_at_most = both_dense ? size_t{t.count()} + walk.unwalked : size_t{t.sampled()} + walk.unwalked_sampled;
  return e;
}

bool StoryIndex::FeaturesAgainst(std::string_view other, std::string_view source, int64_t time_ms,
                                 const StorySketch& sketch, PairFeatures* out) {
  auto it = by_key_.find(other);
  if (it == by_key_.end()) return false;
  const WalkMass mass = Walk(sketch, kNoSlot);
  const Entry& e = slots_[it->second];
  *out = ComputePairFeatures(StoryDoc{&sketch, time_ms, source}, StoryDoc{&e.sketch, e.time_ms, e.source},
                             EvidenceOf(it->second, sketch.dense, mass));
  ClearWalk();
  return true;
}

uint32_t StoryIndex::RootSlot(const Entry& via) const {
  auto it = members_.find(via.story);
  if (it == members_.end()) return kNoSlot;  // not reached: via is a member
  uint32_t root = kNoSlot;
  for (uint32_t slot : it->second) {
    const Entry& e = slots_[slot];
    if (root == kNoSlot || std::tie(e.time_ms, e.key) < std::tie(slots_[root].time_ms, slots_[root].key)) root = slot;
  }
  return root;
}

// A story grows by single links; the new document must also not be clearly
// another story than the story's earliest document in the window (by time,
// then key: the same document whatever order tied or late reports arrived
// in), so a chain of near-templates (IPO filings, ETF notices) does not
// merge.
bool StoryIndex::AgreesWithRoot(const Entry& via, const StoryDoc& self, const WalkMass& mass, RootMemo* memo) const {
  const uint32_t slot = RootSlot(via);
  if (slot == kNoSlot || &slots_[slot] == &via) return true;  // the link itself was to the root
  for (const auto& [s, agrees] : *memo)
    if (s == slot) return agrees;
  const Entry& root = slots_[slot];
  const double z = model_.LogitAbove(self, StoryDoc{&root.sketch, root.time_ms, root.source},
                                     EvidenceOf(slot, self.sketch->dense, mass), options_.root_threshold);
  memo->emplace_back(slot, z > options_.root_threshold);
  return memo->back().second;
}

// Keeps the best max_candidates of `cands` and scores them against `self`:
// *best becomes the surest link above the threshold (and above *best_logit
// once *best is set).
void StoryIndex::LinkBest(std::vector<Candidate>& cands, const StoryDoc& self, const WalkMass& mass,
                          RootMemo* root_memo, const Entry** best, double* best_logit) {
  // Shared trigrams of the sample first, so that two dense flashes (all
  // their trigrams indexed) do not crowd out a sampled article; then all;
  // then the earlier document and the smaller key (a total order: keys are
  // unique). The best max_candidates are scored, in any order: the result
  // (the highest logit, ties to the earlier document) does not depend on
  // it. The counts decide alone but for a tie at the cut, so the entries
  // (time, key: a cache miss each) are read only there.
  const size_t keep = std::min(cands.size(), options_.max_candidates);
  if (keep == 0) return;
  if (keep < cands.size()) {
    auto counts = [](const Candidate& c) { return (uint32_t{c.shared_sampled} << 16) | c.shared; };
    std::vector<uint32_t>& ranks = ranks_;
    ranks.clear();
    for (const Candidate& c : cands) ranks.push_back(counts(c));
    std::nth_element(ranks.begin(), ranks.begin() + static_cast<std::ptrdiff_t>(keep - 1), ranks.end(),
                     std::greater<>());
    const uint32_t cut = ranks[keep - 1];  // the keep-th best counts
    // Above the cut first, then the cut's ties.
    const auto ties = std::partition(cands.begin(), cands.end(), [&](const Candidate& c) { return counts(c) > cut; });
    const auto rest = std::partition(ties, cands.end(), [&](const Candidate& c) { return counts(c) == cut; });
    const auto kept_end = cands.begin() + static_cast<std::ptrdiff_t>(keep);
    if (kept_end < rest) {
      std::nth_element(ties, kept_end, rest, [&](const Candidate& a, const Candidate& b) {
        const Entry& x = slots_[a.slot];
        const Entry& y = slots_[b.slot];
        return std::tie(x.time_ms, x.key) < std::tie(y.time_ms, y.key);
      });
    }
    cands.resize(keep);
  }
  // Scoring reads six arrays of each candidate's sketch, each its own heap
  // block and most of them cold: ask for all of them at once, so that their
  // misses overlap instead of queueing one candidate at a time.
  auto fetch = [](const auto& array) { __builtin_prefetch(array.data()); };
  for (const Candidate& c : cands) {
    const StorySketch& k = slots_[c.slot].sketch;
    fetch(k.title_grams), fetch(k.numbers), fetch(k.title_numbers), fetch(k.codes), fetch(k.Sampled()), fetch(k.values);
  }
  // The floor a candidate must beat (below): recomputed only when *best
  // changes, not for every candidate.
  const Entry* floor_of = *best;
  double floor = *best == nullptr ? model_.threshold()
                                  : std::nextafter(*best_logit, -std::numeric_limits<double>::infinity());
  for (const Candidate& c : cands) {
    const Entry& e = slots_[c.slot];
    if (std::llabs(e.time_ms - self.time_ms) > options_.window_ms) continue;
    // A daily item's next issue, posted at the same hour, is another event
    // however alike the texts (SameHourOnAnotherDay): never a link. (Only
    // the link: a story's earliest document a day back is no reason to
    // keep a new report of it out.)
    if (SameHourOnAnotherDay(e.time_ms, self.time_ms)) continue;
    ++stats_.candidates_scored;
    // Once a link is found, only one at least as sure can replace it: the
    // model may stop as soon as a candidate cannot reach it (a tie still
    // can, so the floor is the largest double below it).
    if (*best != floor_of) {
      floor_of = *best;
      floor = std::nextafter(*best_logit, -std::numeric_limits<double>::infinity());
    }
    const double z = model_.LogitAbove(self, StoryDoc{&e.sketch, e.time_ms, e.source},
                                       EvidenceOf(c.slot, self.sketch->dense, mass), floor);
    if (z <= floor) continue;
    // A link this sure is the story whatever its earliest document said (the
    // first one is often an earlier, related event: "ceremony begins" for
    // "sworn in").
    if (z < options_.root_override && !AgreesWithRoot(e, self, mass, root_memo)) continue;
    // Highest logit; ties to the earlier document, then the smaller key.
    if (*best == nullptr || z > *best_logit ||
        (z == *best_logit && std::tie(e.time_ms, e.key) < std::tie((*best)->time_ms, (*best)->key))) {
      *best = &e;
      *best_logit = z;
    }
  }
}

std::string StoryIndex::Assign(const std::string& key, std::string_view source, int64_t time_ms,
                               StorySketch sketch) {
  Advance(time_ms);
  ++stats_.assigned;
  // A document in the window is indexed by the walk itself (its slot is
  // filled below, once its story is known).
  const uint32_t new_slot = time_ms >= Floor(watermark_) ? AllocateSlot() : kNoSlot;
  const WalkMass mass = Walk(sketch, new_slot);
  // The next eviction starts with cold reads: the oldest document's entry,
  // then its trigrams and lists (a document a window old). The entry is
  // fetched now and the arrays once this document is scored, so that they
  // are there if the next document evicts it (and its slot, which that
  // document then fills).
  const uint32_t next_out = by_time_.empty() ? kNoSlot : by_time_.begin()->second;
  if (next_out != kNoSlot) {
    const Entry& o = slots_[next_out];
    __builtin_prefetch(&o.key), __builtin_prefetch(&o.sketch.grams), __builtin_prefetch(&o.lists);
  }
  // An index spanning more than the window (a late index) holds documents
  // too far from this one to pair, and documents after it: see below.
  const bool far_possible = options_.span_ms > options_.window_ms;
  // The candidates, and in a late index those after this document apart
  // (`later_`), each side ranked and cut on its own: candidates after it
  // sharing more trigrams must not crowd out the ones before it.
  std::vector<Candidate>& cands = cands_;
  std::vector<Candidate>& later = later_;
  cands.clear();
  later.clear();
  for (uint32_t slot : Touched()) {
    const SlotTally& t = tally_[slot];
    if (t.count() < options_.min_shared) continue;
    if (far_possible) {
      const Entry& e = slots_[slot];
      if (std::llabs(e.time_ms - time_ms) > options_.window_ms) continue;
      if (std::tie(e.time_ms, e.key) > std::tie(time_ms, key)) {
        later.push_back({slot, t.count(), t.sampled()});
        continue;
      }
    }
    cands.push_back({slot, t.count(), t.sampled()});
  }
  const StoryDoc self{&sketch, time_ms, source};
  RootMemo root_memo;  // candidates of one story share its root: score it once
  const Entry* best = nullptr;
  double best_logit = 0;
  LinkBest(cands, self, mass, &root_memo, &best, &best_logit);
  // A late document links as the time-ordered stream would have: to a
  // document before it if any links; only otherwise to one after it, which
  // the stream would have linked to it (tests/story/README.md, "Feeds
  // loaded one file after another").
  if (best == nullptr && !later.empty()) LinkBest(later, self, mass, &root_memo, &best, &best_logit);
  ClearWalk();
  std::string story = best ? best->story : key;
  if (best) ++stats_.joined;
  // probed_ still holds the walk's lists (ProbeLists ran once, in Walk).
  if (new_slot != kNoSlot) Fill(new_slot, key, source, time_ms, story, std::move(sketch), probed_);
  if (next_out != kNoSlot) {
    const Entry& o = slots_[next_out];
    __builtin_prefetch(o.sketch.grams.data()), __builtin_prefetch(o.lists.data());
  }
  return story;
}

size_t StoryIndex::MemoryBytes() const {
  size_t n = slots_.capacity() * sizeof(Entry) + tally_.capacity() * sizeof(SlotTally);
  for (const Entry& e : slots_) {
    if (!e.live) continue;
    n += e.sketch.MemoryBytes() - sizeof(StorySketch) + e.key.capacity() + e.source.capacity() + e.story.capacity() +
         4 * e.lists.capacity();
  }
  n += postings_.MemoryBytes();
  n += by_key_.size() * (sizeof(std::string) + 4 + 16) + by_time_.size() * 48;
  for (const auto& [story, slots] : members_) n += sizeof(std::string) + story.capacity() + 24 + 16 + slots.capacity() * 4;
  return n;
}

}  // namespace newsflow::pipeline
