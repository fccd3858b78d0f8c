// work_queue.h — the HTTP server's worker pool for the handlers that read
// the store: a few threads and a bounded queue in front of them.
//
// At most `capacity` jobs wait. TryPost() refuses one (false) when the
// queue is full, or when the job's client already has `per_client` jobs
// waiting (0: no such cap), so the server answers 503 at once instead of
// letting a backlog, and the open sockets of its clients, grow without
// bound, and one client's burst cannot fill the queue for the others. The
// threads take the clients in turn (round robin), each client's jobs in
// the order posted: a client with 60 queries waiting delays another's
// one query by at most one job per thread, not by 60. When a thread takes a job that has waited kAbandonCheckAfter or
// more (a backlog) it first asks the job's `abandoned` (its client closed
// the connection meanwhile): such a job is dropped unrun. A job taken at
// once always runs (a client that shut down only its sending side gets
// its answer when the server is not behind). Stop() drops every job not yet started and joins the threads once
// the jobs already running have returned (a running job is not interrupted:
// how long Stop() takes is bounded by the slowest handler in progress).
//
// A dropped job is destroyed without running: whatever it owns (a session,
// its socket) is released then, on the thread that dropped it.
//
// Ownership: owns its threads and the jobs it holds. Threads: TryPost() and
// Stop() from any thread; jobs and `abandoned` run on the pool's threads,
// which name themselves `thread_name`. Errors: none (full or stopped:
// TryPost() returns false).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace newsflow::pipeline {

class WorkQueue {
 public:
  struct Job {
    std::function<bool()> abandoned;  // null: never
    std::function<void()> run;
    std::string client;  // who asked (the peer's address): the unit of turns and of per_client
    std::chrono::steady_clock::time_point posted;  // set by TryPost
  };
  static constexpr std::chrono::milliseconds kAbandonCheckAfter{100};

  WorkQueue(size_t threads, size_t capacity, std::string thread_name, size_t per_client = 0);
  ~WorkQueue() { Stop(); }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues a job; false (the job is destroyed) when `capacity` jobs are
  // waiting already, `per_client` of its client's, or the queue is stopped.
  bool TryPost(Job job);
  // Drops the waiting jobs, waits for the running ones; later posts are refused.
  void Stop();

  size_t capacity() const { return capacity_; }
  size_t per_client() const { return per_client_; }

 private:
  void Work();

  const size_t capacity_;
  const size_t per_client_;
  const std::string thread_name_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_: each client's waiting jobs, and the clients that have
  // some in the order they take their turns.
  std::map<std::string, std::deque<Job>> waiting_;
  std::deque<std::string> turns_;
  size_t size_ = 0;  // jobs waiting, all clients
  bool stopping_ = false;  // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace newsflow::pipeline
