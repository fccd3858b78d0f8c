// byte_budget.h — the cap on raw bytes in flight across a run: read by the
// reader but not yet stored by the writer, wherever they are (the reader ->
// workers queue, a worker, the workers -> writer queue, the writer's reorder
// buffer).
//
// The reader acquires a batch's bytes before handing it on and the writer
// releases them once the batch is stored, so at most `cap` bytes of batches
// are in flight, plus the one batch the reader is filling (at most
// SourceLimits::max_bytes + max_record_bytes). A batch larger than the cap
// still goes, alone, so a run never deadlocks. What a worker derives from a
// batch (documents, normalized text, encoded writes) is a small multiple of
// its raw bytes, so peak memory is a small multiple of the cap.
//
// Ownership: the runner's Job owns it. Threads: Acquire from the reader;
// Release and Close from any thread (the writer once a batch is stored; the
// reader, the story thread and the writer for a batch dropped on a stop or
// a failure). Errors: none.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace newsflow::pipeline {

class ByteBudget {
 public:
  explicit ByteBudget(size_t cap) : cap_(cap) {}

  // Blocks until `n` more bytes fit under the cap (or nothing is in flight).
  // False if the budget was closed (the run is stopping).
  bool Acquire(size_t n) {
    std::unique_lock lock(mu_);
    released_.wait(lock, [&] { return closed_ || used_ == 0 || used_ + n <= cap_; });
    if (closed_) return false;
    used_ += n;
    peak_ = std::max(peak_, used_);
    return true;
  }

  void Release(size_t n) {
    std::lock_guard lock(mu_);
    used_ -= std::min(n, used_);
    released_.notify_all();
  }

  // Wakes and fails every Acquire, now and later.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    released_.notify_all();
  }

  // The most bytes that were in flight at once.
  size_t peak() const {
    std::lock_guard lock(mu_);
    return peak_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable released_;
  const size_t cap_;
  size_t used_ = 0, peak_ = 0;
  bool closed_ = false;
};

}  // namespace newsflow::pipeline
