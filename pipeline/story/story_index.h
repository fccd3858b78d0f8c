// story_index.h — streaming same-story assignment over a time window.
//
// Holds the sketches of the stored documents whose time is within `window`
// of the newest time seen (the watermark). A new document is compared with
// the window's documents that share enough indexed trigrams with it (an
// inverted index over the sketches' trigrams, themselves a fixed 1-in-4
// sample chosen by hash so that two texts sample alike, or all of them for a
// dense sketch, a one-line flash; trigrams found in more than `posting_cap`
// window documents are too common to find candidates and are skipped); the
// best-scoring candidate the StoryModel calls "same" gives its story id,
// provided the document does not contradict that story's earliest document
// in the window (by time, then key; not asked of a link whose logit reaches
// root_override), otherwise the document starts a story whose id is its own
// key. In an index spanning more than the window (a late index) the links
// to documents before the new one come first (each side ranked and cut on
// its own); one after it is taken only when none before links. Two
// documents at the same hour of different days are never linked
// (SameHourOnAnotherDay: a daily item's next issue).
//
// Determinism: the result depends only on the set of documents in the window
// and the new document, never on insertion order or slot numbers (candidates
// are ranked by shared sampled trigrams, then all shared trigrams, then
// time, then key), so an index rebuilt
// from the store after a restart (Add) assigns exactly what the uninterrupted
// run would have.
//
// Ownership: owns copies of keys, story ids and sketches. Threads: not
// thread-safe: one thread at a time (a run's StoryStage builds it at Open
// and then uses it on the story thread only; `story features` and the
// benchmark own their own). Errors: none.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pipeline/story/posting_table.h"
#include "pipeline/story/story_model.h"
#include "pipeline/story/story_sketch.h"

namespace newsflow::pipeline {

struct StoryOptions {
  bool enabled = true;                     // false: no story ids (documents keep none)
  int64_t window_ms = 24LL * 3600 * 1000;  // documents further apart are never one story
  double threshold = 0.0;                  // on the model's logit
  uint32_t index_mask = 0;                 // index the sketch trigrams whose hash & mask == 0 (0: all of them)
  size_t posting_cap = 200;                // trigrams in more window documents find no candidates
  size_t min_shared = 2;                   // indexed trigrams a candidate must share
  size_t max_candidates = 16;              // scored per document, most shared first
  double root_threshold = -0.5;            // the logit against the story's earliest document must exceed this
  double root_override = 5.0;              // ... unless the link's own logit is at least this
  // A document dated more than this after the wall clock has a wrong time
  // (a unit, a time zone: Beijing time read as UTC is 8 h ahead; a typo),
  // not news from the future: it never moves the window (StoryStage), or
  // one such item would push every later document out of it.
  int64_t max_lead_ms = 3600LL * 1000;
  // How far before the watermark the index keeps documents (0: window_ms).
  // Longer for StoryStage's late indexes, which hold the stored documents
  // around a past time on both sides; two documents further apart than
  // window_ms are still never paired.
  int64_t span_ms = 0;
  // StoryStage: pair a new document older than the window with the stored
  // documents within window_ms of its time (false: it starts its own story).
  bool late = true;
  // StoryStage: late indexes kept, and documents they may hold together
  // (the least recently used is dropped first; one is always kept).
  size_t late_cache_indexes = 4;
  size_t late_cache_docs = 65536;
};

class StoryIndex {
 public:
  explicit StoryIndex(StoryOptions options);

  // The story of a document in the window, or nullptr.
  const std::string* Find(std::string_view key) const;
  // The sketch of a document in the window, or nullptr.
  const StorySketch* SketchOf(std::string_view key) const;

  // True if a document of this time falls inside the window (after the
  // watermark moved to it if it is the newest).
  bool InWindow(int64_t time_ms) const { return time_ms >= Floor(std::max(watermark_, time_ms)); }

  // Assigns a story to a new document (not in the window: see Find) whose
  // time is InWindow, adds it, and returns the story id.
  // The sketch is kept in the window (moved in: pass a copy to keep yours).
  std::string Assign(const std::string& key, std::string_view source, int64_t time_ms, StorySketch sketch);

  // The model's features for a new document (not yet added) against a window
  // document, as Assign would compute them; false if `other` is not in the
  // window. For `newsflow story features`, which trains the model.
  bool FeaturesAgainst(std::string_view other, std::string_view source, int64_t time_ms,
                       const StorySketch& sketch, PairFeatures* out);

  // A document already in the window stored again (a feed re-publishing a
  // key, or re-ingestion): keeps its story, takes the new time and text, so
  // the window matches what the store holds (and what a restart rebuilds).
  // Returns its story.
  std::string Update(const std::string& key, std::string_view source, int64_t time_ms, StorySketch sketch);

  // Takes a document out of the window (its stored copy no longer belongs
  // there); returns its story (the key itself if it was not in the window).
  std::string Remove(const std::string& key);

  // Adds a stored document with its known story (rebuilding after a restart).
  void Add(const std::string& key, std::string_view source, int64_t time_ms, const std::string& story,
           StorySketch sketch);

  int64_t watermark() const { return watermark_; }
  // Moves the watermark to `time_ms` if that is newer, evicting what falls
  // out of the window (rebuilding after a restart: the watermark the
  // uninterrupted run had reached).
  void RaiseWatermark(int64_t time_ms) { Advance(time_ms); }
  size_t size() const { return by_key_.size(); }
  // Heap bytes held (sketches, keys, postings), for the per-item cost figure.
  size_t MemoryBytes() const;
  const StoryOptions& options() const { return options_; }

  // Counters for the benchmark and the run summary.
  struct Stats {
    uint64_t assigned = 0, joined = 0, candidates_scored = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  struct Entry {
    std::string key, source, story;
    int64_t time_ms = 0;
    StorySketch sketch;
    // The posting list of each indexed trigram of sketch.grams, in order:
    // Evict reaches them without probing the table. A list number stays
    // valid while the entry is live (the entry counts in the list's live
    // count, so the list is not erased and its number not reused).
    std::vector<uint32_t> lists;
    bool live = false;
  };
  struct Candidate {
    uint32_t slot;
    uint16_t shared;          // indexed trigrams shared
    uint16_t shared_sampled;  // those in the 1-in-4 sample (all of them unless both are dense)
  };
  // The idf mass of the new document's walked trigrams: all of them, and
  // those in the sample (equal unless it is dense).
  struct WalkMass {
    double all = 0, sampled = 0;
    size_t unwalked = 0, unwalked_sampled = 0;  // trigrams not walked (too common), and those in the sample
  };
  int64_t Floor(int64_t watermark) const {
    return watermark - (options_.span_ms > 0 ? options_.span_ms : options_.window_ms);
  }
  void Advance(int64_t time_ms);  // moves the watermark and evicts what falls out
  uint32_t AllocateSlot();  // a free slot, its scratch counters zero
  // Makes `slot` the document's entry (its trigrams already indexed, in
  // `lists`: see Entry::lists).
  void Fill(uint32_t slot, const std::string& key, std::string_view source, int64_t time_ms, const std::string& story,
            StorySketch&& sketch, const std::vector<uint32_t>& lists);
  uint32_t Insert(const std::string& key, std::string_view source, int64_t time_ms, const std::string& story,
                  StorySketch&& sketch);
  uint64_t Tagged(uint32_t slot) const { return slot | (uint64_t{tally_[slot].generation} << 32); }
  void Evict(uint32_t slot);
  // True if a tagged entry of a spilled posting list is of its slot's live document.
  bool IsLive(uint64_t tagged) const {
    return static_cast<uint32_t>(tagged >> 32) == tally_[static_cast<uint32_t>(tagged)].generation;
  }
  // The list number of each indexed trigram of `grams`, in order
  // (PostingTable::kNoList if absent, unless `add`: then created empty),
  // their headers prefetched: the probes of one document overlap instead of
  // waiting one after the other. Valid until the next call.
  const std::vector<uint32_t>& ProbeLists(const std::vector<uint32_t>& grams, bool add);
  // Walks the postings of the sketch's trigrams: fills the tallies of the
  // touched_ slots and returns the sketch's idf mass. Unless insert_slot is
  // kNoSlot, also indexes the sketch's trigrams under that slot (appended
  // after each list is walked).
  WalkMass Walk(const StorySketch& sketch, uint32_t insert_slot);
  void ClearWalk();
  // The evidence of a window document for the walked one (dense: the walked
  // document is dense; the mass is then the one of the pair's sampling).
  WindowEvidence EvidenceOf(uint32_t slot, bool dense, const WalkMass& mass) const;
  using RootMemo = std::vector<std::pair<uint32_t, bool>>;  // root slot -> agrees, within one Assign
  bool AgreesWithRoot(const Entry& via, const StoryDoc& self, const WalkMass& mass, RootMemo* memo) const;
  // The story's earliest document in the window, by (time, key).
  uint32_t RootSlot(const Entry& via) const;
  // Keeps the best max_candidates of `cands` (reordered, cut) and scores
  // them: *best becomes the surest link above the threshold, and above
  // *best_logit once *best is set.
  void LinkBest(std::vector<Candidate>& cands, const StoryDoc& self, const WalkMass& mass, RootMemo* root_memo,
                const Entry** best, double* best_logit);

  StoryOptions options_;
  StoryModel model_;
  int64_t watermark_ = INT64_MIN / 2;
  std::vector<Entry> slots_;
  std::vector<uint32_t> free_;
  // Transparent hashing: Find(string_view) allocates no std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };
  std::unordered_map<std::string, uint32_t, KeyHash, std::equal_to<>> by_key_;
  std::multimap<int64_t, uint32_t> by_time_;
  // Story id -> the slots of its documents in the window.
  std::unordered_map<std::string, std::vector<uint32_t>, KeyHash, std::equal_to<>> members_;
  // Per trigram: how many window documents hold it, and their slots: in
  // the list itself for a short list (exact: eviction removes the slot), or
  // tagged with the slot's generation (slot | generation << 32) in a spilled
  // list, where an evicted slot's entries go stale (its generation moves on)
  // and are skipped, and which a walk compacts as it reads it, and an
  // eviction when stale entries outnumber live ones, so eviction never
  // searches a long list.
  PostingTable postings_;
  // Per slot, side by side so that a walk's step touches one cache line:
  // the slot's generation (kept) and what one walk counted for it (scratch,
  // cleared by ClearWalk).
  struct SlotTally {
    uint32_t generation = 0;
    float weight = 0;  // the shared trigrams' idf mass
    // Shared trigrams (bits 0-15), those of them in the sample (16-31) and
    // those in at most 2 window documents (32-47): a walk's step adds to
    // all three at once. A sketch has far fewer than 2^16 trigrams, so no
    // field carries into the next; 0 until the walk first counts the slot.
    uint64_t counts = 0;
    uint16_t count() const { return static_cast<uint16_t>(counts); }
    uint16_t sampled() const { return static_cast<uint16_t>(counts >> 16); }
    uint16_t rare() const { return static_cast<uint16_t>(counts >> 32); }
  };
  std::vector<SlotTally> tally_;
  std::vector<uint32_t> probed_;  // scratch: ProbeLists' list numbers, per indexed trigram
  // Scratch: the slots with a count, the first touched_count_ of touched_
  // (kept at least tally_.size() long: Walk).
  std::vector<uint32_t> touched_;
  size_t touched_count_ = 0;
  std::span<const uint32_t> Touched() const { return {touched_.data(), touched_count_}; }
  std::vector<Candidate> cands_;     // scratch: the candidates of one Assign (in a late index, those before it)
  std::vector<Candidate> later_;     // scratch: in a late index, the candidates after the document
  std::vector<uint32_t> ranks_;      // scratch: their counts, ranked (Assign)
  std::vector<double> log_df_;       // log(df + 1) for df <= posting_cap
  Stats stats_;
};

}  // namespace newsflow::pipeline
