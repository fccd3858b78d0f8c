// rocks_store.cc — the RocksDB-backed Store (see store.h for the layout).
#include "rocks_store.h"

#include <algorithm>
#include <charconv>
#include <cstdarg>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

namespace newsflow::storage {
namespace {

constexpr char kDocsCf[] = "docs";
constexpr char kByTagCf[] = "by_tag";
constexpr char kByTimeCf[] = "by_time";
constexpr char kDeadLetterCf[] = "dead_letter";
constexpr char kMetaCf[] = "meta";

constexpr char kMetaRulesetVersion[] = "ruleset_version";
constexpr char kMetaCountDocs[] = "count/docs";
constexpr char kMetaCountDeadLetters[] = "count/dead_letters";

constexpr size_t kTimeKeyBytes = 8;

// ---- key encoding -------------------------------------------------------------

void PutBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
}

uint64_t GetBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// be64(~time_ms) with the sign bit flipped first, so that byte order is
// descending time order over the whole int64 range (negative times sort after
// the epoch instead of before everything). This is ~t ^ 2^63 == t ^ (2^63-1).
constexpr uint64_t kTimeMask = 0x7fff'ffff'ffff'ffffULL;

void PutTimeKey(std::string* out, int64_t time_ms) {
  PutBigEndian64(out, static_cast<uint64_t>(time_ms) ^ kTimeMask);
}

int64_t GetTimeKey(const char* p) { return static_cast<int64_t>(GetBigEndian64(p) ^ kTimeMask); }

std::string TagPrefix(std::string_view tag) {
  std::string k;
  k.reserve(tag.size() + 1 + kTimeKeyBytes);
  k.append(tag);
  k.push_back('\0');
  return k;
}

std::string TagIndexKey(std::string_view tag, int64_t time_ms, std::string_view key) {
  std::string k = TagPrefix(tag);
  PutTimeKey(&k, time_ms);
  k.append(key);
  return k;
}

std::string TimeIndexKey(int64_t time_ms, std::string_view key) {
  std::string k;
  k.reserve(kTimeKeyBytes + key.size());
  PutTimeKey(&k, time_ms);
  k.append(key);
  return k;
}

std::string DeadLetterKey(uint64_t seq) {
  std::string k;
  PutBigEndian64(&k, seq);
  return k;
}

std::string OffsetKey(std::string_view group, std::string_view topic, int32_t partition) {
  return fmt::format("offset/{}/{}/{}", group, topic, partition);
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

template <typename T>
bool ParseDecimal(const rocksdb::Slice& s, T* out) {
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end && s.size() > 0;
}

bool HasAllTags(const Record& r, const std::vector<std::string>& tags) {
  for (const auto& want : tags) {
    bool found = std::any_of(r.tags.begin(), r.tags.end(),
                             [&](const TagScore& t) { return t.tag == want; });
    if (!found) return false;
  }
  return true;
}

// Discards RocksDB's info log. Used for read-only opens, which must not
// create the directory or rotate the LOG file of a live writer.
class NullLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
  void Logv(const rocksdb::InfoLogLevel /*level*/, const char* /*format*/,
            va_list /*ap*/) override {}
};

rocksdb::CompressionType PickCompression(const std::vector<rocksdb::CompressionType>& supported,
                                         std::initializer_list<rocksdb::CompressionType> prefs) {
  for (auto c : prefs) {
    if (std::find(supported.begin(), supported.end(), c) != supported.end()) return c;
  }
  return rocksdb::kNoCompression;
}

}  // namespace

// ---- open / close ---------------------------------------------------------------

Status Store::Open(const StoreOptions& options, std::unique_ptr<Store>* out) {
  return RocksStore::Open(options, out);
}

Status RocksStore::Open(const StoreOptions& options, std::unique_ptr<Store>* out) {
  const std::string& path = options.path;
  if (path.empty()) return Status::Error("cannot open store: empty path");

  if (!options.read_only && options.create_if_missing) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) {
      return Status::Error(fmt::format("cannot open store at {}: cannot create directory: {}",
                                       path, ec.message()));
    }
  }

  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = options.create_if_missing && !options.read_only;
  db_opts.create_missing_column_families = !options.read_only;
  db_opts.max_background_jobs = 2;
  db_opts.bytes_per_sync = 1u << 20;
  db_opts.wal_bytes_per_sync = 1u << 20;
  // Bound the WAL so rarely-written column families (meta) get flushed too.
  db_opts.max_total_wal_size = 256u << 20;
  db_opts.keep_log_file_num = 5;
  if (options.disable_wal) db_opts.atomic_flush = true;  // column families flush together
  if (options.read_only || !options.create_if_missing) {
    // RocksDB's default file logger creates the DB directory; a read-only or
    // must-exist open should fail on a missing store, not create one.
    db_opts.info_log = std::make_shared<NullLogger>();
  }

  const auto supported = rocksdb::GetSupportedCompressions();
  auto block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  auto make_cf = [&](size_t write_buffer_bytes, bool bloom) {
    rocksdb::ColumnFamilyOptions cf;
    cf.write_buffer_size = write_buffer_bytes;
    cf.compression = PickCompression(
        supported, {rocksdb::kLZ4Compression, rocksdb::kZSTD, rocksdb::kSnappyCompression});
    cf.bottommost_compression = PickCompression(supported, {rocksdb::kZSTD});
    if (cf.bottommost_compression == rocksdb::kNoCompression) {
      cf.bottommost_compression = rocksdb::kDisableCompressionOption;  // use cf.compression
    }
    cf.level_compaction_dynamic_level_bytes = true;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = block_cache;
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    if (bloom) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cf;
  };

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, make_cf(4u << 20, false)},
      {kDocsCf, make_cf(64u << 20, true)},
      {kByTagCf, make_cf(32u << 20, false)},
      {kByTimeCf, make_cf(32u << 20, false)},
      {kDeadLetterCf, make_cf(8u << 20, false)},
      {kMetaCf, make_cf(8u << 20, true)},
  };
  if (!options.read_only) {
    // A read-write open must name every column family on disk. A store that
    // does not exist yet simply has none to list -- unless it must exist:
    // then fail here, because DB::Open would create the directory first.
    std::vector<std::string> existing;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_opts, path, &existing);
    if (!s.ok() && !options.create_if_missing) {
      return Status::Error(fmt::format("cannot open store at {}: {}", path, s.ToString()));
    }
    for (const auto& name : existing) {
      bool known = std::any_of(cfs.begin(), cfs.end(),
                               [&](const auto& d) { return d.name == name; });
      if (!known) cfs.push_back({name, rocksdb::ColumnFamilyOptions()});
    }
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  std::string secondary_dir;
  if (options.read_only) {
    // Readers open the store as a RocksDB secondary instance: unlike a
    // read-only open, that is supported while a `newsflow run` process is
    // writing the same store, and it sees everything written up to the open.
    // A secondary keeps its own small state in a private temporary directory.
    if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT")) {
      return Status::Error(fmt::format("cannot open store at {}: no RocksDB store there", path));
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "newsflow-reader-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Status::Error(fmt::format("cannot open store at {}: cannot create a reader directory", path));
    }
    secondary_dir = tmpl;
    db_opts.max_open_files = -1;  // required by secondary instances
    s = rocksdb::DB::OpenAsSecondary(db_opts, path, secondary_dir, cfs, &handles, &raw);
    if (s.ok()) s = raw->TryCatchUpWithPrimary();
  } else {
    s = rocksdb::DB::Open(db_opts, path, cfs, &handles, &raw);
  }
  if (!s.ok()) {
    if (raw) {
      for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
      delete raw;
    }
    if (!secondary_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(secondary_dir, ec);
    }
    return Status::Error(fmt::format("cannot open store at {}: {}", path, s.ToString()));
  }

  std::unique_ptr<RocksStore> store(new RocksStore());
  store->path_ = path;
  store->secondary_dir_ = secondary_dir;
  store->read_only_ = options.read_only;
  store->sync_writes_ = options.sync_writes;
  store->disable_wal_ = options.disable_wal && !options.read_only;
  store->db_.reset(raw);
  store->handles_ = std::move(handles);
  // Handles come back in descriptor order.
  store->docs_ = store->handles_[1];
  store->by_tag_ = store->handles_[2];
  store->by_time_ = store->handles_[3];
  store->dead_letter_ = store->handles_[4];
  store->meta_ = store->handles_[5];

  // Recover the next dead-letter sequence from the last key.
  {
    std::unique_ptr<rocksdb::Iterator> it(
        store->db_->NewIterator(rocksdb::ReadOptions(), store->dead_letter_));
    it->SeekToLast();
    if (it->Valid()) {
      if (it->key().size() != 8) {
        return Status::Error(fmt::format("cannot open store at {}: corrupt dead-letter key", path));
      }
      store->next_dead_letter_seq_ = GetBigEndian64(it->key().data()) + 1;
    }
    if (!it->status().ok()) {
      return Status::Error(
          fmt::format("cannot open store at {}: {}", path, it->status().ToString()));
    }
  }

  *out = std::move(store);
  return Status::Ok();
}

RocksStore::~RocksStore() {
  if (!db_) return;
  if (disable_wal_) {
    // Without a WAL, what is still in the memtables exists nowhere else.
    rocksdb::FlushOptions fo;
    fo.wait = true;
    std::vector<rocksdb::ColumnFamilyHandle*> cfs(handles_.begin(), handles_.end());
    db_->Flush(fo, cfs).PermitUncheckedError();
  }
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  db_->Close().PermitUncheckedError();
  db_.reset();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

Status RocksStore::Fail(std::string_view what, const rocksdb::Status& s) const {
  return Status::Error(fmt::format("{} in store at {}: {}", what, path_, s.ToString()));
}

Status RocksStore::ReadCounter(const rocksdb::ReadOptions& ro, std::string_view name,
                               uint64_t* out) {
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(ro, meta_, ToSlice(name), &v);
  if (s.IsNotFound()) {
    *out = 0;
    return Status::Ok();
  }
  if (!s.ok()) return Fail(fmt::format("reading meta {}", name), s);
  if (!ParseDecimal(v, out)) {
    return Status::Error(fmt::format("corrupt meta {} in store at {}: '{}'", name, path_,
                                     v.ToString()));
  }
  return Status::Ok();
}

// ---- write ------------------------------------------------------------------------

Status PrepareRecord(const Record& r, PreparedWriteSet* out) {
  if (r.key.empty()) return Status::Error("record with empty key");
  PreparedRecord p;
  p.key = r.key;
  p.time_ms = r.time_ms;
  p.tags.reserve(r.tags.size());
  for (const auto& t : r.tags) {
    if (t.tag.find('\0') != std::string::npos) {
      return Status::Error(fmt::format("record {}: tag contains a NUL byte", r.key));
    }
    p.tags.push_back(t.tag);
  }
  p.value = EncodeRecord(r);
  out->records.push_back(std::move(p));
  return Status::Ok();
}

void PrepareDeadLetter(const DeadLetter& d, PreparedWriteSet* out) {
  out->dead_letters.push_back(EncodeDeadLetter(d));
}

Status PrepareWrite(const WriteSet& set, PreparedWriteSet* out) {
  *out = PreparedWriteSet{};
  out->records.reserve(set.records.size());
  for (const Record& r : set.records) {
    if (Status s = PrepareRecord(r, out); !s.ok()) return s;
  }
  for (const DeadLetter& d : set.dead_letters) PrepareDeadLetter(d, out);
  out->offsets = set.offsets;
  out->ruleset_version = set.ruleset_version;
  return Status::Ok();
}

Status Store::Write(const WriteSet& set) {
  PreparedWriteSet prepared;
  if (Status s = PrepareWrite(set, &prepared); !s.ok()) return s;
  return Write(prepared);
}

Status RocksStore::Write(const PreparedWriteSet& set) {
  if (read_only_) {
    return Status::Error(fmt::format("cannot write to store at {}: opened read-only", path_));
  }

  // Keep only the last record for each key.
  std::unordered_map<std::string_view, size_t> last;
  last.reserve(set.records.size());
  for (size_t i = 0; i < set.records.size(); ++i) {
    if (set.records[i].key.empty()) {
      return Status::Error(fmt::format("cannot write to store at {}: record with empty key", path_));
    }
    last[set.records[i].key] = i;
  }
  std::vector<const PreparedRecord*> records;
  records.reserve(last.size());
  for (size_t i = 0; i < set.records.size(); ++i) {
    if (last[set.records[i].key] == i) records.push_back(&set.records[i]);
  }

  rocksdb::WriteBatch batch;
  rocksdb::ReadOptions ro;

  if (!records.empty()) {
    std::vector<rocksdb::Slice> keys;
    keys.reserve(records.size());
    for (const PreparedRecord* r : records) keys.push_back(ToSlice(r->key));
    std::vector<rocksdb::PinnableSlice> old_values(records.size());
    std::vector<rocksdb::Status> statuses(records.size());
    db_->MultiGet(ro, docs_, keys.size(), keys.data(), old_values.data(), statuses.data());

    uint64_t added = 0;
    for (size_t i = 0; i < records.size(); ++i) {
      const PreparedRecord& r = *records[i];
      if (statuses[i].ok()) {
        Record old;
        if (!DecodeRecord(old_values[i].ToStringView(), &old)) {
          return Status::Error(
              fmt::format("corrupt stored record {} in store at {}", r.key, path_));
        }
        for (const auto& t : old.tags) {
          batch.Delete(by_tag_, TagIndexKey(t.tag, old.time_ms, r.key));
        }
        batch.Delete(by_time_, TimeIndexKey(old.time_ms, r.key));
      } else if (statuses[i].IsNotFound()) {
        ++added;
      } else {
        return Fail(fmt::format("reading record {}", r.key), statuses[i]);
      }
      // Puts after the deletes win when the index key is unchanged.
      for (const auto& t : r.tags) batch.Put(by_tag_, TagIndexKey(t, r.time_ms, r.key), "");
      batch.Put(by_time_, TimeIndexKey(r.time_ms, r.key), "");
      batch.Put(docs_, r.key, r.value);
    }
    if (added > 0) {
      uint64_t count = 0;
      if (Status st = ReadCounter(ro, kMetaCountDocs, &count); !st.ok()) return st;
      batch.Put(meta_, kMetaCountDocs, std::to_string(count + added));
    }
  }

  uint64_t seq = next_dead_letter_seq_;
  if (!set.dead_letters.empty()) {
    for (const auto& d : set.dead_letters) {
      batch.Put(dead_letter_, DeadLetterKey(seq++), d);
    }
    uint64_t count = 0;
    if (Status st = ReadCounter(ro, kMetaCountDeadLetters, &count); !st.ok()) return st;
    batch.Put(meta_, kMetaCountDeadLetters, std::to_string(count + set.dead_letters.size()));
  }

  for (const auto& o : set.offsets) {
    batch.Put(meta_, OffsetKey(o.group, o.topic, o.partition), std::to_string(o.next_offset));
  }
  if (!set.ruleset_version.empty()) {
    batch.Put(meta_, kMetaRulesetVersion, set.ruleset_version);
  }

  if (batch.Count() == 0) return Status::Ok();
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  wo.disableWAL = disable_wal_;
  if (rocksdb::Status s = db_->Write(wo, &batch); !s.ok()) return Fail("write failed", s);
  next_dead_letter_seq_ = seq;
  return Status::Ok();
}

// ---- reads ------------------------------------------------------------------------

Status RocksStore::Get(std::string_view key, Record* out, bool* found) {
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), docs_, ToSlice(key), &v);
  if (s.IsNotFound()) {
    *found = false;
    return Status::Ok();
  }
  if (!s.ok()) return Fail(fmt::format("reading record {}", key), s);
  if (!DecodeRecord(v.ToStringView(), out)) {
    return Status::Error(fmt::format("corrupt stored record {} in store at {}", key, path_));
  }
  *found = true;
  return Status::Ok();
}

template <typename Visit>
Status RocksStore::Scan(const QueryOptions& q, bool fetch, Visit&& visit) {
  if (q.since_ms && q.until_ms && *q.since_ms > *q.until_ms) return Status::Ok();

  // A snapshot keeps index and documents consistent against a concurrent
  // writer. A read-only DB never changes, so it needs none.
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions ro;
  if (!read_only_) {
    snapshot.emplace(db_.get());
    ro.snapshot = snapshot->snapshot();
  }

  rocksdb::ColumnFamilyHandle* cf = by_time_;
  std::string prefix;
  std::string upper;
  rocksdb::Slice upper_slice;
  if (!q.tags.empty()) {
    cf = by_tag_;
    prefix = TagPrefix(q.tags.front());
    upper = prefix;
    upper.back() = '\1';  // first key after every "tag\0..." key
    upper_slice = upper;
    ro.iterate_upper_bound = &upper_slice;
  }

  std::string start = prefix;
  if (q.until_ms) PutTimeKey(&start, *q.until_ms);  // first entry with time <= until

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
  rocksdb::PinnableSlice value;
  for (it->Seek(start); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(prefix)) break;
    if (k.size() < prefix.size() + kTimeKeyBytes) {
      return Status::Error(fmt::format("corrupt index key in store at {}", path_));
    }
    int64_t time_ms = GetTimeKey(k.data() + prefix.size());
    if (q.since_ms && time_ms < *q.since_ms) break;
    std::string_view doc_key(k.data() + prefix.size() + kTimeKeyBytes,
                             k.size() - prefix.size() - kTimeKeyBytes);
    if (!fetch) {
      if (!visit(doc_key, static_cast<Record*>(nullptr))) break;
      continue;
    }
    value.Reset();
    rocksdb::Status s = db_->Get(ro, docs_, ToSlice(doc_key), &value);
    if (s.IsNotFound()) {
      return Status::Error(fmt::format("index entry for missing record {} in store at {}",
                                       doc_key, path_));
    }
    if (!s.ok()) return Fail(fmt::format("reading record {}", doc_key), s);
    Record r;
    if (!DecodeRecord(value.ToStringView(), &r)) {
      return Status::Error(fmt::format("corrupt stored record {} in store at {}", doc_key, path_));
    }
    if (!HasAllTags(r, q.tags)) continue;
    if (!visit(doc_key, &r)) break;
  }
  if (!it->status().ok()) return Fail("scanning index", it->status());
  return Status::Ok();
}

Status RocksStore::Query(const QueryOptions& q, std::vector<Record>* out) {
  out->clear();
  if (q.limit > 0) out->reserve(std::min<size_t>(q.limit, 1024));
  return Scan(q, /*fetch=*/true, [&](std::string_view, Record* r) {
    out->push_back(std::move(*r));
    return q.limit == 0 || out->size() < q.limit;
  });
}

Status RocksStore::Count(const QueryOptions& q, uint64_t* out) {
  // With at most one tag the index entries alone decide the match.
  uint64_t n = 0;
  Status st = Scan(q, /*fetch=*/q.tags.size() > 1, [&](std::string_view, Record*) {
    ++n;
    return true;
  });
  if (st.ok()) *out = n;
  return st;
}

Status RocksStore::DeadLetters(size_t limit, std::vector<DeadLetter>* out) {
  out->clear();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), dead_letter_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (limit != 0 && out->size() >= limit) break;
    DeadLetter d;
    if (!DecodeDeadLetter(it->value().ToStringView(), &d)) {
      return Status::Error(fmt::format("corrupt dead letter in store at {}", path_));
    }
    out->push_back(std::move(d));
  }
  if (!it->status().ok()) return Fail("scanning dead letters", it->status());
  return Status::Ok();
}

Status RocksStore::GetCounts(Counts* out) {
  rocksdb::ReadOptions ro;
  Counts c;
  if (Status st = ReadCounter(ro, kMetaCountDocs, &c.docs); !st.ok()) return st;
  if (Status st = ReadCounter(ro, kMetaCountDeadLetters, &c.dead_letters); !st.ok()) return st;
  *out = c;
  return Status::Ok();
}

Status RocksStore::GetRulesetVersion(std::string* out) {
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, kMetaRulesetVersion, &v);
  if (s.IsNotFound()) {
    out->clear();
    return Status::Ok();
  }
  if (!s.ok()) return Fail("reading ruleset version", s);
  out->assign(v.data(), v.size());
  return Status::Ok();
}

Status RocksStore::GetOffset(std::string_view group, std::string_view topic, int32_t partition,
                             std::optional<int64_t>* out) {
  std::string key = OffsetKey(group, topic, partition);
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, key, &v);
  if (s.IsNotFound()) {
    out->reset();
    return Status::Ok();
  }
  if (!s.ok()) return Fail(fmt::format("reading {}", key), s);
  int64_t offset = 0;
  if (!ParseDecimal(v, &offset)) {
    return Status::Error(fmt::format("corrupt meta {} in store at {}: '{}'", key, path_,
                                     v.ToString()));
  }
  *out = offset;
  return Status::Ok();
}

Status RocksStore::CountTagIndex(std::string_view tag, uint64_t* out) {
  std::string prefix = TagPrefix(tag);
  std::string upper = prefix;
  upper.back() = '\1';
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, by_tag_));
  uint64_t n = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) ++n;
  if (!it->status().ok()) return Fail("scanning tag index", it->status());
  *out = n;
  return Status::Ok();
}

}  // namespace newsflow::storage
