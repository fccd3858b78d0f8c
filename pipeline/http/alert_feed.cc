// alert_feed.cc — see alert_feed.h.
#include "pipeline/http/alert_feed.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <fmt/format.h>

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
  std::string last_warning;  // said once a minute at most while it lasts (a removed store)
  auto last_warned = Clock::now() - std::chrono::hours(1);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    if (catch_up_ && Clock::now() - last_catch_up >= std::chrono::milliseconds(500)) {
      last_catch_up = Clock::now();
      if (Status s = store_->UseExclusive([](storage::Store& st) { return st.CatchUp(); }); !s.ok() && store_->attached()) {
        if (s.message() != last_warning || Clock::now() - last_warned >= std::chrono::minutes(1)) {
          LogWarn("http", "catching up with the writer: " + s.message());
          last_warning = s.message();
          last_warned = Clock::now();
        }
      } else {
        last_warning.clear();
      }
    }
    uint64_t generation = store_->generation();
    uint64_t newest_seq = 0;
    if (store_->Use([&](storage::Store& st) -> Status {
          generation = store_->generation();  // under the store's lock: the generation of `st`
          uint64_t shared = 0;
          return TrackLog(st, generation, generation, &shared, &newest_seq);
        }).ok())
      newest_ = newest_seq;  // 0 for a store restored without alerts
    const uint64_t newest = newest_.load();
    std::vector<std::function<void()>> ready;
    lock.lock();
    TakeReady(newest, generation, &ready);
    lock.unlock();
    for (auto& fn : ready) fn();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stopping_; });
  }
}

Status AlertFeed::TrackLog(storage::Store& st, uint64_t generation, uint64_t since, uint64_t* shared,
                           uint64_t* newest_seq) const {
  std::vector<storage::StoredAlert> newest;
  NEWSFLOW_RETURN_IF_ERROR(st.RecentAlerts(0, 1, &newest));
  const uint64_t newest_now = newest.empty() ? 0 : newest.front().seq;
  if (newest_seq) *newest_seq = newest_now;
  std::lock_guard lock(log_mu_);
  if (ids_generation_ != generation) {
    if (ids_generation_ != UINT64_MAX) {
      // Another store: the newest (seq, id) of the old log that the new one
      // holds at the same seq ends what they share (a restore keeps a
      // prefix of the log, a prune all of it). None: it parts before the
      // ids kept, and at most at the new log's end (erring low only sends
      // alerts again).
      uint64_t last_shared = std::min(ids_.empty() ? 0 : ids_.front().first - 1, newest_now);
      for (auto it = ids_.rbegin(); it != ids_.rend(); ++it) {
        std::optional<uint64_t> seq;
        NEWSFLOW_RETURN_IF_ERROR(st.AlertSeq(it->second, &seq));
        if (seq && *seq == it->first) {
          last_shared = it->first;
          break;
        }
      }
      while (!ids_.empty() && ids_.back().first > last_shared) ids_.pop_back();
      switches_.emplace_back(generation, last_shared);
      if (switches_.size() > kSwitches) switches_.erase(switches_.begin());
    }
    ids_generation_ = generation;
  }
  // Then the ids the log has gained, the last kLogIds of them.
  std::vector<storage::StoredAlert> newer;
  const uint64_t from = newest_now > kLogIds ? newest_now - kLogIds : 0;
  do {
    NEWSFLOW_RETURN_IF_ERROR(st.Alerts(ids_.empty() ? from : ids_.back().first, 1024, &newer));
    for (auto& a : newer) ids_.emplace_back(a.seq, std::move(a.id));
    while (ids_.size() > kLogIds) ids_.pop_front();
  } while (newer.size() == 1024);
  // A cursor that read from the store of `since`: the least of what every
  // switch after it shared (a restore then a new writer session switch
  // twice); none: it is at this store already.
  *shared = UINT64_MAX;
  for (const auto& [g, s] : switches_)
    if (g > since) *shared = std::min(*shared, s);
  if (*shared == UINT64_MAX) *shared = switches_.empty() || since >= generation ? UINT64_MAX : 0;
  return Status::OK();
}

size_t AlertFeed::TakeReady(uint64_t newest, std::optional<uint64_t> generation,
                            std::vector<std::function<void()>>* ready) {
  for (size_t i = 0; i < waiters_.size();) {
    Waiter& w = waiters_[i];
    const bool ended = w.owner.expired();  // its stream ended
    if (ended || w.seq < newest || (generation && w.generation != *generation)) {
      if (!ended) ready->push_back(std::move(w.fn));
      w = std::move(waiters_.back());
      waiters_.pop_back();
    } else {
      ++i;
    }
  }
  return waiters_.size();
}

void AlertFeed::Drain(std::chrono::milliseconds limit, const std::function<int64_t()>& open_streams) {
  uint64_t target = 0;
  const Status read = store_->Use([&](storage::Store& st) -> Status {
    std::vector<storage::StoredAlert> newest;
    NEWSFLOW_RETURN_IF_ERROR(st.RecentAlerts(0, 1, &newest));
    if (!newest.empty()) target = newest.front().seq;
    return Status::OK();
  });
  if (!read.ok() || target == 0) return;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int64_t caught_up = 0;
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      caught_up = static_cast<int64_t>(TakeReady(target, std::nullopt, &ready));
    }
    for (auto& fn : ready) fn();
    if (caught_up >= open_streams() || std::chrono::steady_clock::now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void AlertFeed::WhenNewer(uint64_t seq, uint64_t generation, std::weak_ptr<void> owner, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  waiters_.push_back({seq, generation, std::move(owner), std::move(fn)});
}

std::set<std::string> AlertFeed::RecentSubscriptions() const {
  std::set<std::string> out;
  std::lock_guard lock(log_mu_);
  for (const auto& [seq, id] : ids_)
    if (const std::string_view name = SubscriptionOfId(id); !name.empty()) out.emplace(name);
  return out;
}

std::string_view AlertFeed::SubscriptionOfId(std::string_view id) { return storage::AlertGroupOf(id); }

bool AlertFeed::Wanted(const std::string& id, const SubscriptionFilter& filter) {
  if (filter.names.empty() && !filter.exclude) return true;
  const std::string_view name = SubscriptionOfId(id);
  if (name.empty()) return false;  // a rule alert (alert: true) belongs to no subscription
  const bool named = std::find(filter.names.begin(), filter.names.end(), name) != filter.names.end();
  return named != filter.exclude;
}

std::string AlertFeed::WithSeq(uint64_t seq, const std::string& json) {
  std::string out = "{\"seq\":" + std::to_string(seq);
  if (json.size() > 2) out += ',';
  out.append(json, 1);
  return out;
}

Status AlertFeed::StartCursor(const std::string& last_event_id, const std::string& after_seq,
                              SubscriptionFilter subscriptions, AlertCursor* out, std::string* note) {
  note->clear();
  out->subscriptions = std::move(subscriptions);
  return store_->Use([&](storage::Store& st) -> Status {
    out->generation = store_->generation();  // under the store's lock: the generation of `st`
    std::vector<storage::StoredAlert> last;
    NEWSFLOW_RETURN_IF_ERROR(st.RecentAlerts(0, 1, &last));
    out->after_seq = last.empty() ? 0 : last.front().seq;
    std::string start_id = last.empty() ? "" : last.front().id;  // where it starts, by id too (ReadFrames)
    if (!last_event_id.empty()) {
      std::optional<uint64_t> seq;
      NEWSFLOW_RETURN_IF_ERROR(st.AlertSeq(last_event_id, &seq));
      if (seq) {
        out->after_seq = *seq;
        start_id = last_event_id;
      } else {
        std::string shown = last_event_id.substr(0, 200);
        for (char& c : shown)
          if (c == '\r' || c == '\n') c = ' ';  // a comment line must stay one line
        *note = "unknown Last-Event-ID " + shown + "; streaming from the newest alert";
      }
    } else if (!after_seq.empty()) {
      uint64_t v = 0;
      const auto [end, ec] = std::from_chars(after_seq.data(), after_seq.data() + after_seq.size(), v);
      if (ec != std::errc() || end != after_seq.data() + after_seq.size())
        return Status::InvalidArgument("after_seq must be a whole number, got '" + after_seq + "'");
      if (v > out->after_seq) {  // past the newest alert
        *note = fmt::format("after_seq {} is past the newest alert ({}); streaming from the newest alert", v,
                            out->after_seq);
        if (!start_id.empty()) out->recent_ids.push_back(std::move(start_id));
        return Status::OK();
      }
      out->after_seq = v;
      std::vector<storage::StoredAlert> at;  // the alert at after_seq, if the log holds it
      if (v > 0) NEWSFLOW_RETURN_IF_ERROR(st.Alerts(v - 1, 1, &at));
      start_id = !at.empty() && at.front().seq == v ? at.front().id : "";
    }
    if (!start_id.empty()) out->recent_ids.push_back(std::move(start_id));
    return Status::OK();
  });
}

Status AlertFeed::ReadFrames(AlertCursor* cursor, size_t max, std::string* frames, bool* more) const {
  std::vector<storage::StoredAlert> alerts;
  NEWSFLOW_RETURN_IF_ERROR(store_->Use([&](storage::Store& st) -> Status {
    const uint64_t generation = store_->generation();
    if (cursor->generation_read == 0) cursor->generation_read = cursor->generation;
    if (generation != cursor->generation) {
      // Another store (see the header): find the cursor's place in its log.
      cursor->generation = generation;
      std::optional<uint64_t> seq;
      for (auto id = cursor->recent_ids.rbegin(); id != cursor->recent_ids.rend() && !seq; ++id)
        NEWSFLOW_RETURN_IF_ERROR(st.AlertSeq(*id, &seq));
      if (seq) {
        cursor->after_seq = *seq;
      } else {
        uint64_t shared = 0;
        NEWSFLOW_RETURN_IF_ERROR(TrackLog(st, generation, cursor->generation_read, &shared, nullptr));
        cursor->after_seq = std::min(cursor->after_seq, shared);
      }
    }
    cursor->generation_read = generation;
    return st.Alerts(cursor->after_seq, max, &alerts);
  }));
  *more = alerts.size() == max;
  for (const auto& a : alerts) {
    cursor->after_seq = a.seq;
    cursor->recent_ids.push_back(a.id);
    if (cursor->recent_ids.size() > AlertCursor::kRecentIds) cursor->recent_ids.pop_front();
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
