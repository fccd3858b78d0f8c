// rocks_store_alert_groups.cc — RocksStore's alerts per group (store.h:
// alerts_by_group, RecentAlertsOfGroups, AlertGroups).
//
// A desk asks for the newest alerts of one subscription (`/api/alerts?
// subscription=X&limit=1`, every few seconds per open tab). Read from the log
// alone, that read every alert back to X's newest, all of the log when X
// had none: 0.42 s for 91k alerts per request. alerts_by_group holds
// group '\0' be64(seq) for every alert whose id has a group (AlertGroupOf),
// written in the alert's own batch and deleted with it by Prune, so one seek
// per group finds its newest alerts, and one MultiGet reads them.
//
// The mark kMetaAlertGroupsIndexed in meta holds be64(seq): every alert up
// to that seq is indexed. Each Write() with alerts moves it to its last
// alert in the same batch. Alerts past it (a log written by an older
// version before the index, or appended by one since: a rollback, a mixed
// deploy) are read from the log by readers, and indexed by the next
// read-write Open (IndexAlertGroups, in chunks that each move the mark).
// An entry whose alert is gone (pruned by an older version, which leaves
// the entry) is skipped, and a writer's Open drops those before the log's
// first alert.
#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <rocksdb/iterator.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include "rocks_store.h"
#include "store_keys.h"

namespace newsflow::storage {

namespace {

// The groups asked for that an alert can have, sorted and distinct.
std::vector<std::string> UsableGroups(const std::vector<std::string>& groups) {
  std::vector<std::string> out;
  for (const auto& g : groups)
    if (AlertGroupOf(g + "/") == g) out.push_back(g);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Status RocksStore::AlertGroupsCovered(const rocksdb::ReadOptions& ro, uint64_t* out) {
  *out = 0;
  if (alerts_ == nullptr || alerts_by_group_ == nullptr) return Status::OK();
  std::string v;
  rocksdb::Status s = db_->Get(ro, meta_, kMetaAlertGroupsIndexed, &v);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return Fail("reading the alert groups mark", s);
  if (v.size() == 8) *out = GetBigEndian64(v.data());  // else: none covered
  return Status::OK();
}

Status RocksStore::IndexAlertGroups() {
  if (alerts_ == nullptr || alerts_by_group_ == nullptr) return Status::OK();
  std::lock_guard lock(write_mu_);
  NEWSFLOW_RETURN_IF_ERROR(DropAlertGroupEntriesBeforeTheLog());
  uint64_t covered = 0;
  NEWSFLOW_RETURN_IF_ERROR(AlertGroupsCovered(rocksdb::ReadOptions(), &covered));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), alerts_));
  std::string start;
  PutBigEndian64(&start, covered + 1);
  it->Seek(start);
  if (!it->Valid()) return it->status().ok() ? Status::OK() : Fail("reading the alert log", it->status());
  // Chunks of 10,000 alerts, each with the mark at its last seq: an open
  // interrupted here goes on from there next time.
  rocksdb::WriteBatch batch;
  uint64_t last = covered;
  auto commit = [&]() -> Status {
    std::string mark;
    PutBigEndian64(&mark, last);
    batch.Put(meta_, kMetaAlertGroupsIndexed, mark);
    NEWSFLOW_RETURN_IF_ERROR(Commit(&batch, "indexing the alert log"));
    batch.Clear();
    return Status::OK();
  };
  size_t in_batch = 0;
  for (; it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption(fmt::format("corrupt alert key in store at {}", path_));
    last = GetBigEndian64(it->key().data());
    int64_t time_ms = 0;
    std::string_view id, json;
    NEWSFLOW_RETURN_IF_ERROR(ParseAlert(last, it->value(), &time_ms, &id, &json));
    if (const std::string_view group = AlertGroupOf(id); !group.empty())
      batch.Put(alerts_by_group_, AlertGroupKey(group, last), "");
    if (++in_batch >= 10000) {
      NEWSFLOW_RETURN_IF_ERROR(commit());
      in_batch = 0;
    }
  }
  if (!it->status().ok()) return Fail("reading the alert log", it->status());
  if (in_batch > 0) NEWSFLOW_RETURN_IF_ERROR(commit());
  return Status::OK();
}

Status RocksStore::DropAlertGroupEntriesBeforeTheLog() {
  std::unique_ptr<rocksdb::Iterator> log(db_->NewIterator(rocksdb::ReadOptions(), alerts_));
  log->SeekToFirst();
  if (!log->Valid()) return log->status().ok() ? Status::OK() : Fail("reading the alert log", log->status());
  if (log->key().size() != 8) return Status::Corruption(fmt::format("corrupt alert key in store at {}", path_));
  const uint64_t first = GetBigEndian64(log->key().data());
  // A group's entries start with its oldest: one look per group.
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), alerts_by_group_));
  for (it->SeekToFirst(); it->Valid();) {
    const std::string_view k = it->key().ToStringView();
    const size_t nul = k.find('\0');
    if (nul == std::string_view::npos || nul == 0 || k.size() != nul + 9)
      return Status::Corruption(fmt::format("corrupt alert group key in store at {}", path_));
    const std::string group(k.substr(0, nul));
    if (GetBigEndian64(k.data() + nul + 1) < first)
      batch.DeleteRange(alerts_by_group_, AlertGroupKey(group, 0), AlertGroupKey(group, first));
    it->Seek(group + '\x01');
  }
  if (!it->status().ok()) return Fail("reading the alert groups", it->status());
  if (batch.Count() == 0) return Status::OK();
  NEWSFLOW_RETURN_IF_ERROR(Commit(&batch, "dropping alert group entries of pruned alerts"));
  return Status::OK();
}

Status RocksStore::ReadAlertsPast(const rocksdb::ReadOptions& ro, uint64_t covered, uint64_t top,
                                  const std::function<bool(uint64_t, std::string_view, std::string_view)>& visit) {
  if (top <= covered) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, alerts_));
  std::string key;
  PutBigEndian64(&key, top);
  it->SeekForPrev(key);
  for (; it->Valid(); it->Prev()) {
    if (it->key().size() != 8) return Status::Corruption(fmt::format("corrupt alert key in store at {}", path_));
    const uint64_t seq = GetBigEndian64(it->key().data());
    if (seq <= covered) break;
    int64_t time_ms = 0;
    std::string_view id, json;
    NEWSFLOW_RETURN_IF_ERROR(ParseAlert(seq, it->value(), &time_ms, &id, &json));
    if (!visit(seq, id, json)) break;
  }
  if (!it->status().ok()) return Fail("reading alerts", it->status());
  return Status::OK();
}

Status RocksStore::RecentAlertsOfGroups(const std::vector<std::string>& groups, uint64_t before_seq, size_t limit,
                                        std::vector<StoredAlert>* out) {
  if (!db_) return ClosedError();
  out->clear();
  const std::vector<std::string> wanted = UsableGroups(groups);
  if (alerts_ == nullptr || before_seq == 1 || wanted.empty()) return Status::OK();
  // Index and log read under one snapshot: an entry always finds its alert.
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions ro;
  PinSnapshot(&snapshot, &ro);
  // Alerts past the mark first (newest first): read from the log.
  uint64_t covered = 0;
  NEWSFLOW_RETURN_IF_ERROR(AlertGroupsCovered(ro, &covered));
  const uint64_t top = before_seq == 0 ? UINT64_MAX : before_seq - 1;
  auto full = [&] { return limit != 0 && out->size() >= limit; };
  NEWSFLOW_RETURN_IF_ERROR(ReadAlertsPast(ro, covered, top, [&](uint64_t seq, std::string_view id, std::string_view json) {
    if (std::binary_search(wanted.begin(), wanted.end(), AlertGroupOf(id)))
      out->push_back({seq, std::string(id), std::string(json)});
    return !full();
  }));
  if (full() || covered == 0) return Status::OK();

  // The groups' entries merged newest first: a heap of each group's next
  // seq, one seek per group and one per seq taken, so a page of `limit`
  // over many groups (a desk sends up to ~1,000 names) reads groups +
  // limit entries, not `limit` of each.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, alerts_by_group_));
  // The newest seq of group g at or below `at`, if any. The iterator stays
  // on what it found: the next call for the same group, for the seq just
  // below, steps back instead of seeking (one group read whole).
  size_t at_group = wanted.size();  // the group the iterator is on (none)
  auto newest = [&](size_t g, uint64_t at, std::optional<uint64_t>* found) -> Status {
    found->reset();
    const std::string& group = wanted[g];
    const std::string key = AlertGroupKey(group, at);
    if (at_group == g && it->Valid() && it->key().size() == key.size() &&
        GetBigEndian64(it->key().data() + group.size() + 1) == at + 1) {
      it->Prev();
    } else {
      it->SeekForPrev(key);
    }
    at_group = g;
    if (it->Valid()) {
      const rocksdb::Slice k = it->key();
      const size_t prefix = group.size() + 1;
      if (k.size() == prefix + 8 && k.starts_with(rocksdb::Slice(key.data(), prefix))) {
        *found = GetBigEndian64(k.data() + prefix);
      } else if (k.starts_with(rocksdb::Slice(key.data(), prefix))) {
        return Status::Corruption(fmt::format("corrupt alert group key in store at {}", path_));
      }
    }
    if (!it->status().ok()) return Fail("reading the alert groups", it->status());
    return Status::OK();
  };
  std::vector<std::pair<uint64_t, size_t>> heap;  // (seq, group), max-heap by seq
  for (size_t g = 0; g < wanted.size(); ++g) {
    std::optional<uint64_t> seq;
    NEWSFLOW_RETURN_IF_ERROR(newest(g, std::min(top, covered), &seq));
    if (seq) heap.emplace_back(*seq, g);
  }
  std::make_heap(heap.begin(), heap.end());
  // Chunks of seqs taken from the heap, read with one MultiGet each; an
  // entry whose alert is gone is skipped and the page filled on.
  while (!heap.empty() && !full()) {
    std::vector<uint64_t> seqs;
    while (!heap.empty() && (limit == 0 || out->size() + seqs.size() < limit)) {
      std::pop_heap(heap.begin(), heap.end());
      const auto [seq, g] = heap.back();
      heap.pop_back();
      seqs.push_back(seq);
      if (seq == 0) continue;
      std::optional<uint64_t> next;
      NEWSFLOW_RETURN_IF_ERROR(newest(g, seq - 1, &next));
      if (next) {
        heap.emplace_back(*next, g);
        std::push_heap(heap.begin(), heap.end());
      }
    }
    std::vector<std::string> keys(seqs.size());
    std::vector<rocksdb::Slice> slices;
    slices.reserve(seqs.size());
    for (size_t i = 0; i < seqs.size(); ++i) {
      PutBigEndian64(&keys[i], seqs[i]);
      slices.emplace_back(keys[i]);
    }
    std::vector<rocksdb::PinnableSlice> values(seqs.size());
    std::vector<rocksdb::Status> statuses(seqs.size());
    db_->MultiGet(ro, alerts_, slices.size(), slices.data(), values.data(), statuses.data());
    for (size_t i = 0; i < seqs.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;  // pruned by a version that left its entry
      if (!statuses[i].ok()) return Fail("reading alerts", statuses[i]);
      StoredAlert a;
      int64_t time_ms = 0;
      NEWSFLOW_RETURN_IF_ERROR(ReadAlert(seqs[i], values[i], &a, &time_ms));
      out->push_back(std::move(a));
    }
  }
  return Status::OK();
}

Status RocksStore::AlertGroups(std::vector<std::string>* out) {
  if (!db_) return ClosedError();
  out->clear();
  if (alerts_ == nullptr) return Status::OK();
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions ro;
  PinSnapshot(&snapshot, &ro);
  // The groups of the alerts past the mark, from the log; then the index's.
  uint64_t covered = 0;
  NEWSFLOW_RETURN_IF_ERROR(AlertGroupsCovered(ro, &covered));
  std::set<std::string> seen;
  NEWSFLOW_RETURN_IF_ERROR(ReadAlertsPast(ro, covered, UINT64_MAX, [&](uint64_t, std::string_view id, std::string_view) {
    if (const std::string_view group = AlertGroupOf(id); !group.empty()) seen.emplace(group);
    return true;
  }));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, alerts_by_group_));
  std::vector<std::string> indexed;
  NEWSFLOW_RETURN_IF_ERROR(ReadIndexNames(it.get(), "alert group index", &indexed));
  if (!indexed.empty() && indexed.front().empty())
    return Status::Corruption(fmt::format("corrupt alert group index key in store at {}", path_));
  seen.insert(indexed.begin(), indexed.end());
  out->assign(seen.begin(), seen.end());
  return Status::OK();
}

}  // namespace newsflow::storage
