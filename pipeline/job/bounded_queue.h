// bounded_queue.h — a blocking multi-producer/multi-consumer queue with a
// capacity, used between the source, the workers and the writer so that a
// fast reader cannot run ahead of the writer by more than a few batches.
//
// Ownership: owns the queued items. Threads: every member is thread-safe.
// Errors: none; a closed queue refuses pushes (false) and drains.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace newsflow::pipeline {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // Blocks while full. Returns false if the queue was closed.
  bool Push(T value) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty. Returns nullopt once closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    return TakeFrontLocked();
  }

  // Pop, waiting at most `wait`: nullopt on a timeout (*closed false) or
  // once closed and drained (*closed true).
  std::optional<T> PopFor(std::chrono::milliseconds wait, bool* closed) {
    std::unique_lock lock(mu_);
    not_empty_.wait_for(lock, wait, [&] { return closed_ || !items_.empty(); });
    *closed = closed_ && items_.empty();
    return TakeFrontLocked();
  }

  // Non-blocking variants: false / nullopt instead of waiting.
  bool TryPush(T value) {
    std::lock_guard lock(mu_);
    if (closed_ || items_.size() >= capacity_) return false;
    items_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }
  std::optional<T> TryPop() {
    std::lock_guard lock(mu_);
    return TakeFrontLocked();
  }

  // No more pushes; pending items can still be popped.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  // The front item, or nullopt if there is none; mu_ is held.
  std::optional<T> TakeFrontLocked() {
    if (items_.empty()) return std::nullopt;
    T v = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return v;
  }

  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  size_t capacity_;
  bool closed_ = false;
};

}  // namespace newsflow::pipeline
