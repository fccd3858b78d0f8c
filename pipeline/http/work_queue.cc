// work_queue.cc — see work_queue.h.
#include "pipeline/http/work_queue.h"

#include <algorithm>
#include <utility>

#include "newsflow/base/thread_name.h"

namespace newsflow::pipeline {

WorkQueue::WorkQueue(size_t threads, size_t capacity, std::string thread_name, size_t per_client)
    : capacity_(std::max<size_t>(1, capacity)), per_client_(per_client), thread_name_(std::move(thread_name)) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) threads_.emplace_back([this] { Work(); });
}

bool WorkQueue::TryPost(Job job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || size_ >= capacity_) return false;
    std::deque<Job>& mine = waiting_[job.client];
    if (per_client_ > 0 && mine.size() >= per_client_) return false;  // (not empty: it has jobs waiting)
    if (mine.empty()) turns_.push_back(job.client);
    job.posted = std::chrono::steady_clock::now();
    mine.push_back(std::move(job));
    ++size_;
  }
  cv_.notify_one();
  return true;
}

void WorkQueue::Stop() {
  std::map<std::string, std::deque<Job>> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(waiting_);
    turns_.clear();
    size_ = 0;
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
      cv_.wait(lock, [this] { return stopping_ || size_ > 0; });
      if (stopping_) return;
      // The client whose turn it is gives its oldest job, and goes to the
      // back of the turns if it has more.
      const std::string client = std::move(turns_.front());
      turns_.pop_front();
      auto it = waiting_.find(client);
      job = std::move(it->second.front());
      it->second.pop_front();
      --size_;
      if (it->second.empty()) {
        waiting_.erase(it);
      } else {
        turns_.push_back(client);
      }
    }
    if (job.abandoned && std::chrono::steady_clock::now() - job.posted >= kAbandonCheckAfter && job.abandoned()) {
      continue;  // destroyed here, unrun (`abandoned` counts it)
    }
    job.run();
  }
}

}  // namespace newsflow::pipeline
