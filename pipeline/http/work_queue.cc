// work_queue.cc — see work_queue.h.
#include "pipeline/http/work_queue.h"

#include <algorithm>
#include <utility>

#include "newsflow/base/thread_name.h"

namespace newsflow::pipeline {

WorkQueue::WorkQueue(size_t threads, size_t capacity, std::string thread_name)
    : capacity_(std::max<size_t>(1, capacity)), thread_name_(std::move(thread_name)) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) threads_.emplace_back([this] { Work(); });
}

bool WorkQueue::TryPost(Job job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || jobs_.size() >= capacity_) return false;
    job.posted = std::chrono::steady_clock::now();
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void WorkQueue::Stop() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(jobs_);
  }
  cv_.notify_all();
  dropped.clear();  // outside the lock: a job's destructor may do anything
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void WorkQueue::Work() {
  NameThisThread(thread_name_);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (job.abandoned && std::chrono::steady_clock::now() - job.posted >= kAbandonCheckAfter && job.abandoned()) {
      continue;  // destroyed here, unrun (`abandoned` counts it)
    }
    job.run();
  }
}

}  // namespace newsflow::pipeline
