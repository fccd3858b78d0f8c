// alert_feed.h — the store's alert log as Server-Sent Events: where a
// stream starts (after a Last-Event-ID), the frames it sends next, and a
// wake-up when the log grows.
//
// One poller thread per feed watches the newest seq of the log (a reader
// of another process's store catches up with the writer first, every 500
// ms) and runs the callbacks of the streams waiting for a newer alert. A
// stream costs no thread while it waits: it registers a one-shot callback
// (WhenNewer) and is woken by the poller.
//
// An SSE event is `id: <alert id>` / `event: alert` / `data: <alert JSON
// with "seq">`. A stream resumes after the alert its Last-Event-ID names
// (the store keeps an index from alert id to its place in the log), so a
// client that reconnects gets every alert raised meanwhile, once.
//
// Ownership: borrows the SharedStore. Threads: every method is thread-safe;
// callbacks run on the poller thread and must only post work elsewhere.
// Errors: Status from the store's reads; an unknown Last-Event-ID is not an
// error (the stream starts at the newest alert and says so).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pipeline/http/shared_store.h"

namespace newsflow::pipeline {

// Which alerts a reader wants, by subscription: those of `names` (none:
// every alert, rule alerts included) or, with `exclude`, those of every
// subscription but `names` (a desk that unticked a few of thousands; a
// rule alert, which belongs to no subscription, is left out then, as it is
// when names are chosen).
struct SubscriptionFilter {
  std::vector<std::string> names;
  bool exclude = false;
};

// Where one stream is and what it wants.
struct AlertCursor {
  uint64_t after_seq = 0;                  // the last alert seq sent (or skipped)
  // The ids of the last alerts read (sent or skipped), oldest first, at
  // most kRecentIds: where the cursor is in another store's log.
  static constexpr size_t kRecentIds = 256;
  std::deque<std::string> recent_ids;
  uint64_t generation_read = 0;            // the generation it last read from (0: `generation`)
  uint64_t generation = 0;                 // SharedStore::generation() of the store it was read from
  SubscriptionFilter subscriptions;
};

class AlertFeed {
 public:
  // `catch_up`: the store is a reader following a writer process.
  AlertFeed(const SharedStore* store, bool catch_up) : store_(store), catch_up_(catch_up) {}
  ~AlertFeed() { Stop(); }
  void Start();
  void Stop();

  // The newest alert seq seen in the log (0: none).
  uint64_t newest_seq() const { return newest_.load(); }

  // The cursor of a new stream: after the alert `last_event_id` names, or
  // when it is empty after `after_seq` if given ("" = at the newest alert:
  // only new ones). *note: empty, or why the stream starts at the newest
  // alert instead (the id names no alert in the log; after_seq is past the
  // newest, as after the store was rebuilt or restored: waiting for that seq
  // would keep the stream silent), one line for an SSE comment.
  Status StartCursor(const std::string& last_event_id, const std::string& after_seq,
                     SubscriptionFilter subscriptions, AlertCursor* out, std::string* note);

  // Appends the SSE frames of up to `max` alerts after the cursor (those
  // it wants) and advances it. *more: the log may hold more after it.
  // When the store was replaced since the cursor last read (serve reopened
  // it: a restore, a prune), the cursor moves to the newest of its recent
  // alert ids that the new log holds; if it holds none of them, to the last
  // seq the new log shares with the one before (the feed keeps the last
  // kLogIds ids of the log it follows): a restored log's seqs restart
  // below the cursor, and what was stored after the restore is new.
  Status ReadFrames(AlertCursor* cursor, size_t max, std::string* frames, bool* more) const;

  // Runs fn once, on the poller thread, as soon as the log holds an alert
  // after `seq` (at the next poll if it already does). Dropped at Stop(),
  // or once `owner` (the waiting stream) has expired.
  // Also runs it once the store was replaced since `generation` (the
  // cursor's), so that the stream finds its place in the new log.
  void WhenNewer(uint64_t seq, uint64_t generation, std::weak_ptr<void> owner, std::function<void()> fn);

  // Before the store is detached (a run with --http ending): wakes the
  // waiting streams until `open_streams()` of them wait past the log's
  // newest seq, every open stream having sent what was stored, or until
  // `limit` passes (a client that does not read is not waited for longer).
  void Drain(std::chrono::milliseconds limit, const std::function<int64_t()>& open_streams);

  // The subscriptions of the alerts of the log's last kLogIds (those the
  // feed follows): names a stream may ask for beside the file's.
  std::set<std::string> RecentSubscriptions() const;

  // The subscription of an alert id ("NAME/STORY"), or "" for a rule
  // alert (alert: true), which belongs to none.
  static std::string_view SubscriptionOfId(std::string_view id);
  // Whether `filter` wants an alert (its id).
  static bool Wanted(const std::string& id, const SubscriptionFilter& filter);
  // The alert object with its log position added: {"seq":N,...}.
  static std::string WithSeq(uint64_t seq, const std::string& json);

 private:
  void Poll();
  // Follows the log of the store of `generation` in ids_ (the caller holds
  // that store); when that is another store than ids_ was read from, first
  // finds the last seq both logs share (a switch). *shared: for a cursor
  // that last read from the store of `since`, the least seq the switches
  // after it shared (UINT64_MAX: none since). *newest_seq (may be null):
  // the log's newest seq (0: none).
  Status TrackLog(storage::Store& st, uint64_t generation, uint64_t since, uint64_t* shared,
                  uint64_t* newest_seq) const;

  static constexpr size_t kLogIds = 4096;
  static constexpr size_t kSwitches = 64;
  mutable std::mutex log_mu_;
  mutable std::deque<std::pair<uint64_t, std::string>> ids_;  // (seq, id), ascending; guarded by log_mu_
  mutable uint64_t ids_generation_ = UINT64_MAX;              // of ids_; UINT64_MAX: none read yet
  // (generation, last shared seq) of the last kSwitches store switches; guarded by log_mu_
  mutable std::vector<std::pair<uint64_t, uint64_t>> switches_;

  const SharedStore* store_;
  const bool catch_up_;
  std::atomic<uint64_t> newest_{0};
  std::thread poller_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                                           // guarded by mu_
  struct Waiter {
    uint64_t seq;
    uint64_t generation;
    std::weak_ptr<void> owner;
    std::function<void()> fn;
  };
  std::vector<Waiter> waiters_;  // guarded by mu_
  // Moves the callbacks of the waiters that wait for less than `newest` (or
  // for another store than `generation`, if given) into *ready, dropping
  // those whose stream ended; returns how many still wait. Holds mu_.
  size_t TakeReady(uint64_t newest, std::optional<uint64_t> generation, std::vector<std::function<void()>>* ready);
};

}  // namespace newsflow::pipeline
