// current_rules.h — the rule set a running job tags with, replaceable while
// it runs (hot reload): workers look at it between batches and switch to a
// new one there, so every batch is tagged by exactly one rule set, and each
// stored document names the version that tagged it.
//
// Ownership: holds a shared_ptr to the current Tagger; a worker keeps the
// one it tags with alive until it switches. Threads: Get()/generation() from
// any thread; Replace() from the reloading thread. Errors: none.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "pipeline/job/tagger.h"

namespace newsflow::pipeline {

class CurrentRules {
 public:
  explicit CurrentRules(std::shared_ptr<const Tagger> tagger) : tagger_(std::move(tagger)) {}

  std::shared_ptr<const Tagger> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return tagger_;
  }
  // Changes with every Replace(): a worker compares it per batch (one atomic
  // load) and calls Get() only when it moved.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  void Replace(std::shared_ptr<const Tagger> tagger) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tagger_ = std::move(tagger);
    }
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Tagger> tagger_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace newsflow::pipeline
