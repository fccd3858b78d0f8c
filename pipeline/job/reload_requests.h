// reload_requests.h — rule reloads asked for by a caller that waits for the
// outcome (POST /api/rules/reload), served by the run's reloader thread
// like a SIGHUP, but answered: the new version, or why the set was
// rejected.
//
// Requests that arrive while a reload is being tried are answered by the
// next one (they asked after it started, so they may have changed the
// files again).
//
// Ownership: shared by the HTTP handler and the run (outlives both).
// Threads: any. Errors: Request() returns the reload's Status
// (InvalidArgument for a set that fails to load, compile or lint;
// Unavailable when no run took the request within the timeout).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "newsflow/base/status.h"

namespace newsflow::pipeline {

class ReloadRequests {
 public:
  // Asks for a reload and waits for its outcome; *version: the version
  // tagging afterwards (the new one, or the old one when rejected).
  Status Request(std::chrono::milliseconds timeout, std::string* version) {
    std::unique_lock lock(mu_);
    if (closed_) return Status::Unavailable("the run is stopping: no reload");
    const uint64_t ticket = ++requested_;
    if (!cv_.wait_for(lock, timeout, [&] { return completed_ >= ticket || closed_; }))
      return Status::Unavailable("no running pipeline took the reload request (is the run still opening?)");
    if (completed_ < ticket) return Status::Unavailable("the run stopped before the reload");
    *version = version_;
    return result_;
  }
  // The run is ending: waiting and later requests are answered Unavailable.
  void Shutdown() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  // The reloader: whether a request waits.
  bool pending() const {
    std::lock_guard lock(mu_);
    return requested_ > completed_;
  }
  // The reloader, before trying: the requests this attempt answers.
  uint64_t Begin() {
    std::lock_guard lock(mu_);
    return requested_;
  }
  // The reloader, after trying (and swapping in a good set).
  void Complete(uint64_t ticket, Status result, std::string version) {
    {
      std::lock_guard lock(mu_);
      if (ticket <= completed_) return;
      completed_ = ticket;
      result_ = std::move(result);
      version_ = std::move(version);
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t requested_ = 0, completed_ = 0;
  bool closed_ = false;
  Status result_;
  std::string version_;
};

}  // namespace newsflow::pipeline
