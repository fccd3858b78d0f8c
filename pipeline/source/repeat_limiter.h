// repeat_limiter.h — says whether a message is new enough to log: the same
// text at most once per interval (a broker outage repeats its errors every
// few milliseconds).
//
// Texts last let through an interval ago or more are forgotten when the next
// one is let through, so the memory held is bounded by what was logged in
// the last interval: librdkafka's texts carry counts and offsets, and a
// process that runs for months must not keep every distinct one it saw.
//
// Ownership: owns copies of the recent texts. Threads: safe (one mutex).
// Errors: none.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace newsflow::pipeline {

class RepeatLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RepeatLimiter(Clock::duration interval = std::chrono::seconds(10)) : interval_(interval) {}

  // True if `text` was not let through within the interval before `now`
  // (and it is then remembered as let through at `now`).
  bool Allow(const std::string& text, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mu_);
    if (auto it = last_.find(text); it != last_.end() && now - it->second < interval_) return false;
    std::erase_if(last_, [&](const auto& e) { return now - e.second >= interval_; });
    last_[text] = now;
    return true;
  }

  // Texts remembered now.
  size_t size() const {
    std::lock_guard lock(mu_);
    return last_.size();
  }

 private:
  const Clock::duration interval_;
  mutable std::mutex mu_;
  std::map<std::string, Clock::time_point> last_;
};

}  // namespace newsflow::pipeline
