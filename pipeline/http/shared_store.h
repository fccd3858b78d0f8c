// shared_store.h — the store the HTTP server reads, attached and detached
// while requests run: `run --http` lends the pipeline's own (writer) handle
// for the length of the run; `serve` attaches a reader (secondary instance)
// it owns.
//
// Ownership: borrows (or, with Own(), owns) the store. Threads: any; a
// reader holds a shared lock for the length of its use, Detach() waits for
// the readers in progress. Errors: Use() returns Unavailable while no store
// is attached.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "newsflow/storage/store.h"

namespace newsflow::pipeline {

class SharedStore {
 public:
  void Attach(storage::Store* store) {
    std::unique_lock lock(mu_);
    store_ = store;
    attached_ = store != nullptr;
    ++generation_;
  }
  // Takes ownership (serve's reader); closed when detached or destroyed.
  // Replaces (and closes) a store owned before, once its readers are done.
  void Own(std::unique_ptr<storage::Store> store) {
    std::unique_ptr<storage::Store> old;
    {
      std::unique_lock lock(mu_);
      old = std::move(owned_);
      owned_ = std::move(store);
      store_ = owned_.get();
      attached_ = store_ != nullptr;
      ++generation_;
    }
    if (old) (void)old->Close();
  }
  // Counts the stores attached so far: a stream that read from an earlier
  // one (serve reopened after a restore, a prune, a new writer) finds its
  // place again in this one (AlertFeed).
  uint64_t generation() const { return generation_.load(); }
  // Waits for the readers in progress; afterwards Use() is Unavailable.
  // New readers are turned away first, so a steady stream of them cannot
  // starve the detach (glibc's shared_mutex prefers readers).
  void Detach() {
    closing_ = true;
    std::unique_lock lock(mu_);
    closing_ = false;
    store_ = nullptr;
    attached_ = false;
    if (owned_) (void)owned_->Close();
    owned_.reset();
  }
  // Without the lock (/ready asks it on the socket thread, which must not
  // wait for a reader's catch-up or a detach).
  bool attached() const { return attached_.load(); }
  // Runs fn on the store under the shared lock.
  Status Use(const std::function<Status(storage::Store&)>& fn) const {
    if (closing_) return Status::Unavailable("the store is closing");
    std::shared_lock lock(mu_);
    if (store_ == nullptr) return Status::Unavailable("the store is not open (starting or shutting down)");
    return fn(*store_);
  }

  // Runs fn alone (no reader at the same time): a reader's CatchUp(), which
  // may remove what a concurrent scan is about to read.
  Status UseExclusive(const std::function<Status(storage::Store&)>& fn) const {
    if (closing_) return Status::Unavailable("the store is closing");
    std::unique_lock lock(mu_);
    if (store_ == nullptr) return Status::Unavailable("the store is not open (starting or shutting down)");
    return fn(*store_);
  }

 private:
  mutable std::shared_mutex mu_;
  std::atomic<bool> closing_{false};
  std::atomic<bool> attached_{false};  // store_ != nullptr
  std::atomic<uint64_t> generation_{0};
  storage::Store* store_ = nullptr;
  std::unique_ptr<storage::Store> owned_;
};

}  // namespace newsflow::pipeline
