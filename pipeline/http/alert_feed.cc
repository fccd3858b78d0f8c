// alert_feed.cc — see alert_feed.h.
#include "pipeline/http/alert_feed.h"

#include <charconv>
#include <chrono>

#include "newsflow/base/thread_name.h"
#include "pipeline/log/logger.h"

namespace newsflow::pipeline {

void AlertFeed::Start() {
  poller_ = std::thread([this] {
    NameThisThread("nf-alert-feed");
    Poll();
  });
}

void AlertFeed::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    waiters_.clear();
  }
  cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void AlertFeed::Poll() {
  using Clock = std::chrono::steady_clock;
  auto last_catch_up = Clock::now() - std::chrono::seconds(1);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    if (catch_up_ && Clock::now() - last_catch_up >= std::chrono::milliseconds(500)) {
      last_catch_up = Clock::now();
      if (Status s = store_->UseExclusive([](storage::Store& st) { return st.CatchUp(); }); !s.ok() && store_->attached())
        LogWarn("http", "catching up with the writer: " + s.message());
    }
    std::vector<storage::StoredAlert> last;
    if (store_->Use([&](storage::Store& st) { return st.RecentAlerts(0, 1, &last); }).ok() && !last.empty())
      newest_ = last.front().seq;
    const uint64_t newest = newest_.load();
    std::vector<std::function<void()>> ready;
    lock.lock();
    for (size_t i = 0; i < waiters_.size();) {
      if (waiters_[i].owner.expired()) {  // its stream ended
        waiters_[i] = std::move(waiters_.back());
        waiters_.pop_back();
      } else if (waiters_[i].seq < newest) {
        ready.push_back(std::move(waiters_[i].fn));
        waiters_[i] = std::move(waiters_.back());
        waiters_.pop_back();
      } else {
        ++i;
      }
    }
    lock.unlock();
    for (auto& fn : ready) fn();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stopping_; });
  }
}

void AlertFeed::WhenNewer(uint64_t seq, std::weak_ptr<void> owner, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  waiters_.push_back({seq, std::move(owner), std::move(fn)});
}

bool AlertFeed::Wanted(const std::string& id, const std::vector<std::string>& subscriptions) {
  if (subscriptions.empty()) return true;
  const size_t slash = id.find('/');
  if (slash == std::string::npos) return false;  // a rule alert (alert: true) belongs to no subscription
  const std::string_view name(id.data(), slash);
  for (const auto& s : subscriptions)
    if (s == name) return true;
  return false;
}

std::string AlertFeed::WithSeq(uint64_t seq, const std::string& json) {
  std::string out = "{\"seq\":" + std::to_string(seq);
  if (json.size() > 2) out += ',';
  out.append(json, 1);
  return out;
}

Status AlertFeed::StartCursor(const std::string& last_event_id, const std::string& after_seq,
                              std::vector<std::string> subscriptions, AlertCursor* out, bool* unknown) {
  *unknown = false;
  out->subscriptions = std::move(subscriptions);
  return store_->Use([&](storage::Store& st) -> Status {
    std::vector<storage::StoredAlert> last;
    NEWSFLOW_RETURN_IF_ERROR(st.RecentAlerts(0, 1, &last));
    const uint64_t newest = last.empty() ? 0 : last.front().seq;
    out->after_seq = newest;
    if (!last_event_id.empty()) {
      std::optional<uint64_t> seq;
      NEWSFLOW_RETURN_IF_ERROR(st.AlertSeq(last_event_id, &seq));
      if (seq) out->after_seq = *seq;
      else *unknown = true;
    } else if (!after_seq.empty()) {
      uint64_t v = 0;
      const auto [end, ec] = std::from_chars(after_seq.data(), after_seq.data() + after_seq.size(), v);
      if (ec != std::errc() || end != after_seq.data() + after_seq.size())
        return Status::InvalidArgument("after_seq must be a whole number, got '" + after_seq + "'");
      out->after_seq = v;
    }
    return Status::OK();
  });
}

Status AlertFeed::ReadFrames(AlertCursor* cursor, size_t max, std::string* frames, bool* more) const {
  std::vector<storage::StoredAlert> alerts;
  NEWSFLOW_RETURN_IF_ERROR(store_->Use([&](storage::Store& st) { return st.Alerts(cursor->after_seq, max, &alerts); }));
  *more = alerts.size() == max;
  for (const auto& a : alerts) {
    cursor->after_seq = a.seq;
    if (!Wanted(a.id, cursor->subscriptions)) continue;
    // An SSE field ends at CR or LF: an id holding one would end the frame
    // early and let the rest pose as frames of its own. Item ids with control
    // characters are dead-lettered at decode (control_char.h); an alert stored
    // before that goes out without an id, so a reconnect resumes from the
    // alert before it instead of from a forged one.
    if (a.id.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos) {
      *frames += "id: ";
      *frames += a.id;
      *frames += '\n';
    }
    *frames += "event: alert\ndata: ";
    *frames += WithSeq(a.seq, a.json);
    *frames += "\n\n";
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
