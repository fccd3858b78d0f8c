// rocks_store.cc — the RocksDB-backed Store (see store.h for the layout).
#include "rocks_store.h"
#include "rocks_status.h"
#include "last_of_each_key.h"
#include "store_keys.h"

#include <algorithm>
#include <tuple>
#include <charconv>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <sys/stat.h>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

namespace newsflow::storage {
namespace {

// RocksDB counts every key comparison (and more) in a thread-local
// PerfContext unless the calling thread's perf level is kDisable; the
// default is kEnableCount. From the shared library each count is a
// __tls_get_addr call: ~2% of a run's CPU on the writer thread, for
// counters nothing here reads. The level is per thread, so each store
// operation on a hot path sets it for its thread, once.
void NoPerfCounters() {
  thread_local const bool set = [] {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    return true;
  }();
  (void)set;
}

std::string DeadLetterKey(uint64_t seq) {
  std::string k;
  PutBigEndian64(&k, seq);
  return k;
}

// A dead letter's identity: 128-bit FNV-1a of its position and raw bytes,
// as 16 bytes. Stable across versions (it is stored).
std::string DeadLetterId(std::string_view position, std::string_view raw) {
  using u128 = unsigned __int128;
  const u128 prime = (u128{0x0000000001000000ULL} << 64) | 0x000000000000013BULL;
  u128 h = (u128{0x6c62272e07bb0142ULL} << 64) | 0x62b821756295c58dULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= prime;
    }
  };
  mix(position);
  mix(std::string_view("\0", 1));
  mix(raw);
  std::string out;
  PutBigEndian64(&out, static_cast<uint64_t>(h >> 64));
  PutBigEndian64(&out, static_cast<uint64_t>(h));
  return out;
}

std::string DeadLetterIdKey(std::string_view id) {
  static const char* kHex = "0123456789abcdef";
  std::string k = "dl/";
  for (unsigned char c : id) {
    k += kHex[c >> 4];
    k += kHex[c & 15];
  }
  return k;
}

std::string ProgressKey(std::string_view source) { return "progress/" + std::string(source); }

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

bool HasTag(const Record& r, std::string_view tag) {
  return std::any_of(r.tags.begin(), r.tags.end(), [&](const TagScore& t) { return t.tag == tag; });
}

bool Matches(const Record& r, const QueryOptions& q);

}  // namespace

bool KeyOfSources(std::string_view key, const std::vector<std::string>& sources) {
  return sources.empty() || std::find(sources.begin(), sources.end(), key.substr(0, key.find(':'))) != sources.end();
}

bool RecordMatches(const Record& r, const QueryOptions& q) {
  if ((q.since_ms && r.time_ms < *q.since_ms) || (q.until_ms && r.time_ms > *q.until_ms)) return false;
  return Matches(r, q);
}

namespace {

// Every condition of q except the time range (the index walk applies it).
bool Matches(const Record& r, const QueryOptions& q) {
  for (const auto& t : q.tags)
    if (!HasTag(r, t)) return false;
  if (!q.any_tags.empty() &&
      std::none_of(q.any_tags.begin(), q.any_tags.end(), [&](const std::string& t) { return HasTag(r, t); }))
    return false;
  for (const auto& t : q.not_tags)
    if (HasTag(r, t)) return false;
  if (!q.sources.empty() && std::find(q.sources.begin(), q.sources.end(), r.source) == q.sources.end()) return false;
  if (!q.text.empty() && r.title.find(q.text) == std::string::npos && r.body.find(q.text) == std::string::npos)
    return false;
  if (!q.stock.empty() && std::find(r.stock_codes.begin(), r.stock_codes.end(), q.stock) == r.stock_codes.end())
    return false;
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

// RocksDB's info LOG in the store directory, written with stdio. RocksDB's
// own file logger (7.x) asserts when it logs again after a failed write, so
// on a full disk the LOG itself would abort the process; this one drops
// lines it cannot write. The LOG is renamed to LOG.old (replacing it) when
// it exceeds max_bytes, at open and while the store is open: a writer that
// runs for months (retention passes log every compaction) keeps at most
// twice max_bytes of log. Like RocksDB's own, it flushes at most every few
// seconds, and at once for a warning or worse (rocksdb::Logger::Logv calls
// Flush then): an open alone logs ~1,100 lines (every column family's
// options), which a flush per line made ~1,100 write calls.
class TolerantFileLogger final : public rocksdb::Logger {
 public:
  TolerantFileLogger(const std::string& path, uint64_t max_bytes) : path_(path), max_bytes_(max_bytes) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec) && std::filesystem::file_size(path, ec) > max_bytes)
      std::filesystem::rename(path, path + ".old", ec);
    f_ = std::fopen(path.c_str(), "a");
    if (f_) {
      const long at = std::ftell(f_);
      bytes_ = at > 0 ? static_cast<uint64_t>(at) : 0;
    }
  }
  ~TolerantFileLogger() override {
    if (f_) std::fclose(f_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    std::lock_guard lock(mu_);
    if (!f_) return;
    const int n = std::vfprintf(f_, format, ap);
    std::fputc('\n', f_);
    if (n > 0) bytes_ += static_cast<uint64_t>(n) + 1;
    if (bytes_ > max_bytes_) {
      RollLocked();
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_flush_ >= kFlushEvery) FlushLocked(now);
  }
  void Flush() override {
    std::lock_guard lock(mu_);
    if (!f_) return;
    FlushLocked(std::chrono::steady_clock::now());
  }

 private:
  static constexpr std::chrono::seconds kFlushEvery{5};  // RocksDB's own logger's period
  void FlushLocked(std::chrono::steady_clock::time_point now) {
    std::fflush(f_);  // errors (a full disk) are dropped on purpose
    last_flush_ = now;
  }
  // LOG -> LOG.old, and a new LOG (none if it cannot be opened: lines are
  // dropped, as on a full disk).
  void RollLocked() {
    std::fclose(f_);
    std::error_code ec;
    std::filesystem::rename(path_, path_ + ".old", ec);
    f_ = std::fopen(path_.c_str(), "a");
    bytes_ = 0;
    last_flush_ = std::chrono::steady_clock::now();
  }

  const std::string path_;
  const uint64_t max_bytes_;
  std::FILE* f_ = nullptr;
  uint64_t bytes_ = 0;  // in the current LOG
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
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

namespace {

// Whether the store keeps by_tag, by_story and by_stock in vector memtables
// (StoreTuning::bulk_load_append_indexes): the column families and the DB
// options must agree on it, or RocksDB refuses the open.
bool AppendsIndexes(const StoreOptions& options) {
  return options.disable_wal && options.tuning.bulk_load_append_indexes;
}

rocksdb::DBOptions MakeDbOptions(const StoreOptions& options) {
  const StoreTuning& t = options.tuning;
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = options.create_if_missing && !options.read_only;
  db_opts.create_missing_column_families = !options.read_only;
  db_opts.max_background_jobs = t.max_background_jobs;
  db_opts.bytes_per_sync = t.bytes_per_sync;
  db_opts.wal_bytes_per_sync = t.bytes_per_sync;
  // Bound the WAL so rarely-written column families (meta) get flushed too.
  db_opts.max_total_wal_size = t.max_total_wal_bytes;
  db_opts.keep_log_file_num = t.keep_log_files;
  if (options.env) db_opts.env = options.env.get();  // kept alive by RocksStore::env_
  if (options.disable_wal) db_opts.atomic_flush = true;  // column families flush together
  // No fallocate: RocksDB reserves a new WAL 1.1 x the write buffer ahead
  // (~74 MB here) and each SST 1.1 x its target size. On a volume with less
  // free than that, ext4 fails the call but keeps what it did allocate, so a
  // live run held nearly all the free space of its volume while it ran
  // (other writers there got ENOSPC), and a prune's or backup's flush then
  // failed for want of space with ~50 MB free. Files grow as written instead.
  db_opts.allow_fallocate = false;
  // Vector memtables (bulk_load_append_indexes) take no concurrent inserts;
  // the store has one writer, so nothing is lost.
  if (AppendsIndexes(options)) db_opts.allow_concurrent_memtable_write = false;
  if (options.read_only || !options.create_if_missing) {
    // RocksDB's default file logger creates the DB directory; a read-only or
    // must-exist open should fail on a missing store, not create one.
    db_opts.info_log = std::make_shared<NullLogger>();
  } else {
    db_opts.info_log = std::make_shared<TolerantFileLogger>(options.path + "/LOG", t.max_log_bytes);
    db_opts.info_log->SetInfoLogLevel(rocksdb::InfoLogLevel::INFO_LEVEL);
  }
  return db_opts;
}

// Our column families, in the order RocksStore's handle fields expect.
std::vector<rocksdb::ColumnFamilyDescriptor> MakeColumnFamilies(const StoreOptions& options) {
  const StoreTuning& t = options.tuning;
  const auto supported = rocksdb::GetSupportedCompressions();
  auto block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  auto make_cf = [&](size_t write_buffer_bytes, bool bloom) {
    rocksdb::ColumnFamilyOptions cf;
    cf.write_buffer_size = write_buffer_bytes;
    // Level 0 is written uncompressed; the levels below it with LZ4, the
    // last with ZSTD. Every table a flush writes to level 0 is rewritten by
    // the compaction that takes it down (with level_compaction_dynamic_level_bytes
    // straight into the last level while the store is small), so LZ4 at
    // the flush was work thrown away, on a path the run waits on: the
    // final flush of a file load, and half of RocksDB's flush thread
    // during one (7% of a 400k-item load's CPU; bench/RESULTS.md, End to
    // end, 2026-12-06). Level 0 holds at most a few tables of each family
    // (four in a live store, up to the bulk load's trigger after a load),
    // and they take ~1.7 times the room until compacted.
    const rocksdb::CompressionType fast = PickCompression(
        supported, {rocksdb::kLZ4Compression, rocksdb::kZSTD, rocksdb::kSnappyCompression});
    cf.compression_per_level.assign(static_cast<size_t>(cf.num_levels), fast);
    cf.compression_per_level[0] = rocksdb::kNoCompression;
    cf.bottommost_compression = PickCompression(supported, {rocksdb::kZSTD});
    if (cf.bottommost_compression == rocksdb::kNoCompression) {
      cf.bottommost_compression = rocksdb::kDisableCompressionOption;  // the last level takes its compression_per_level
    }
    cf.level_compaction_dynamic_level_bytes = true;
    if (options.disable_wal) {
      cf.level0_file_num_compaction_trigger = t.bulk_load_l0_compaction_trigger;
      // Level 0 is also compacted once its bytes reach the base level's
      // size; uncompressed, a 400k-item load's docs tables reached the
      // default 256 MiB at its 18th table, and the compaction that started
      // then (264 MB read) was cancelled when the run closed. The bulk load
      // compacts by its table count alone: room for that many tables of a
      // full write buffer.
      cf.max_bytes_for_level_base = std::max<uint64_t>(
          cf.max_bytes_for_level_base,
          static_cast<uint64_t>(t.bulk_load_l0_compaction_trigger) * t.docs_write_buffer_bytes);
    }
    // Writes slow down and stop at RocksDB's distances above the bulk
    // load's trigger (20 and 36 against 4), with a WAL too: the first
    // writer after a load finds its ~20 tables in level 0, and RocksDB's
    // own 20 would slow it from its first batch.
    cf.level0_slowdown_writes_trigger = std::max(cf.level0_slowdown_writes_trigger,
                                                 t.bulk_load_l0_compaction_trigger + 16);
    cf.level0_stop_writes_trigger = std::max(cf.level0_stop_writes_trigger, t.bulk_load_l0_compaction_trigger + 32);
    // A file that retention filled with deletions (tombstones in at least
    // half of some 128 consecutive entries) is marked for compaction, so
    // the space comes back without compacting the whole store after each
    // pass.
    cf.table_properties_collector_factories.emplace_back(
        rocksdb::NewCompactOnDeletionCollectorFactory(/*sliding_window_size=*/128, /*deletion_trigger=*/64,
                                                      /*deletion_ratio=*/0.5));
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = block_cache;
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    // Every table's index and filter block stays in the cache (charged to
    // it), not only a flush's. A compaction's output has one large index
    // and filter block; the LRU cache is cut into shards (64 of 1 MiB at
    // 64 MiB), and once that block outgrew its shard's share, the data
    // blocks a scan reads evicted it, so each lookup read and decompressed
    // it again: a `query --text` over a compacted 400k-document store took
    // 205 s instead of 3.9 s. Pinned, they cost ~1% of the tables' size.
    table.metadata_cache_options.unpartitioned_pinning = rocksdb::PinningTier::kAll;
    if (bloom) {
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(t.bloom_bits_per_key));
      // The point reads of a write (is this key stored already?) mostly
      // miss: a bloom filter over the memtable's keys answers a miss
      // without searching its skip list.
      cf.memtable_prefix_bloom_size_ratio = 0.02;
      cf.memtable_whole_key_filtering = true;
    }
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cf;
  };
  // by_tag, by_story and by_stock: in a bulk load appended to a vector
  // memtable (StoreTuning::bulk_load_append_indexes). by_time always in a
  // skip list: a retention pass reads it a chunk at a time and a late story
  // index by time range, and an iterator over a live vector memtable sorts
  // a copy of all of it.
  const bool append = AppendsIndexes(options);
  auto index_cf = [&](bool appendable) {
    rocksdb::ColumnFamilyOptions cf = make_cf(t.index_write_buffer_bytes, false);
    if (append && appendable) cf.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
    return cf;
  };
  return {
      {rocksdb::kDefaultColumnFamilyName, make_cf(t.default_write_buffer_bytes, false)},
      {kDocsCf, make_cf(t.docs_write_buffer_bytes, true)},
      {kByTagCf, index_cf(true)},
      {kByTimeCf, index_cf(false)},
      {kDeadLetterCf, make_cf(t.dead_letter_write_buffer_bytes, false)},
      {kMetaCf, make_cf(t.meta_write_buffer_bytes, true)},
      {kByStoryCf, index_cf(true)},
      {kByStockCf, index_cf(true)},
      {kAlertsCf, make_cf(t.dead_letter_write_buffer_bytes, false)},
      {kOutboxCf, make_cf(t.default_write_buffer_bytes, false)},
      {kAlertsByGroupCf, make_cf(t.dead_letter_write_buffer_bytes, false)},
  };
}

// A read-write open must name every column family on disk: adds the ones a
// newer or older version left there to `cfs`. A store that does not exist
// yet has none to list -- unless it must exist: then fail here, because
// DB::Open would create the directory first. *on_disk: the families listed,
// or nullopt if the listing failed (the open then decides what that means).
Status AddColumnFamiliesOnDisk(const StoreOptions& options, const rocksdb::DBOptions& db_opts,
                               std::vector<rocksdb::ColumnFamilyDescriptor>* cfs,
                               std::optional<std::vector<std::string>>* on_disk) {
  std::vector<std::string> existing;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_opts, options.path, &existing);
  if (!s.ok() && !options.create_if_missing) {
    // Said as a reader says it (RocksDB's is "While opening a file for
    // sequentially reading: DIR/CURRENT").
    std::error_code ec;  // unreadable (permission denied): RocksDB's own words below
    if (!std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", ec) && !ec)
      return Status::NotFound(fmt::format("cannot open store at {}: no RocksDB store there", options.path));
    return FromRocks(fmt::format("cannot open store at {}", options.path), s);
  }
  if (s.ok()) *on_disk = existing;
  for (const auto& name : existing) {
    const bool known = std::any_of(cfs->begin(), cfs->end(), [&](const auto& d) { return d.name == name; });
    if (!known) cfs->push_back({name, rocksdb::ColumnFamilyOptions()});
  }
  return Status::OK();
}

// A reader of a store written before story ids (no by_story family),
// before stock codes (no by_stock), before alerts (no alerts, outbox) or
// before their groups (no alerts_by_group) opens it without those families. Every
// other family must be there: a store still being created by its writer
// fails to open, as it always did.
void DropColumnFamiliesNotOnDisk(const StoreOptions& options, const rocksdb::DBOptions& db_opts,
                                 std::vector<rocksdb::ColumnFamilyDescriptor>* cfs) {
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(db_opts, options.path, &existing).ok()) return;  // Open reports it
  auto on_disk = [&](std::string_view name) { return std::find(existing.begin(), existing.end(), name) != existing.end(); };
  if (!on_disk(kMetaCf)) return;  // not created yet (Open fails on it)
  cfs->erase(std::remove_if(cfs->begin(), cfs->end(),
                            [&](const auto& d) {
                              return (d.name == kByStoryCf || d.name == kByStockCf || d.name == kAlertsCf ||
                                      d.name == kOutboxCf || d.name == kAlertsByGroupCf) &&
                                     !on_disk(d.name);
                            }),
             cfs->end());
}

// Whether `name` is a file RocksDB writes while it creates a store, before
// CURRENT (a creation interrupted there is finished by the next open).
bool CreationFile(const std::string& name) {
  auto numbered = [&](std::string_view suffix) {
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) return false;
    return std::all_of(name.begin(), name.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  return name == "LOCK" || name == "LOG" || name == "IDENTITY" || name == "lost+found" || name.starts_with("LOG.old.") ||
         name.starts_with("MANIFEST-") || name.starts_with("OPTIONS-") || numbered(".log") || numbered(".dbtmp");
}

// A directory that holds no store (no CURRENT) but other files is not
// made one: it is the wrong directory (a mistyped --db), or what an
// interrupted copy or restore left. RocksDB would create a store among the
// files and delete those it takes for its own obsolete ones (*.sst).
Status CheckNoForeignFiles(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec) || std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec))
    return Status::OK();
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (CreationFile(name)) continue;
    return Status::InvalidArgument(fmt::format(
        "cannot open store at {}: the directory holds files but no store (no CURRENT; '{}' among them): the wrong "
        "directory, or what an interrupted copy or restore left; nothing was changed",
        path, name));
  }
  return Status::OK();
}

}  // namespace

Status RocksStore::Open(const StoreOptions& options, std::unique_ptr<Store>* out) {
  const std::string& path = options.path;
  if (path.empty()) return Status::InvalidArgument("cannot open store: empty path");
  if (!options.read_only && options.create_if_missing) {
    NEWSFLOW_RETURN_IF_ERROR(CheckNoForeignFiles(path));
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) {
      return Status::IOError(fmt::format("cannot open store at {}: cannot create directory: {}", path, ec.message()));
    }
  }
  rocksdb::DBOptions db_opts = MakeDbOptions(options);
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = MakeColumnFamilies(options);
  std::optional<std::vector<std::string>> on_disk;
  if (!options.read_only) NEWSFLOW_RETURN_IF_ERROR(AddColumnFamiliesOnDisk(options, db_opts, &cfs, &on_disk));
  if (options.read_only) DropColumnFamiliesNotOnDisk(options, db_opts, &cfs);

  std::unique_ptr<RocksStore> store(new RocksStore());
  store->path_ = path;
  store->env_ = options.env;
  store->read_only_ = options.read_only;
  store->no_writer_ = options.read_only && options.no_writer;
  if (struct stat st; ::stat(path.c_str(), &st) == 0) {
    store->dir_ino_ = static_cast<uint64_t>(st.st_ino);
    store->dir_dev_ = static_cast<uint64_t>(st.st_dev);
  }
  store->sync_writes_ = options.sync_writes;
  store->disable_wal_ = options.disable_wal && !options.read_only;
  store->appends_indexes_ = AppendsIndexes(options) && !options.read_only;
  NEWSFLOW_RETURN_IF_ERROR(store->OpenDb(db_opts, cfs, on_disk));
  NEWSFLOW_RETURN_IF_ERROR(store->RecoverDeadLetterSeq());
  NEWSFLOW_RETURN_IF_ERROR(store->RecoverAlertSeq());
  if (!options.read_only) {
    NEWSFLOW_RETURN_IF_ERROR(store->IndexAlertGroups());
    NEWSFLOW_RETURN_IF_ERROR(store->StartWrittenKeysIfEmpty());
  }
  *out = std::move(store);
  return Status::OK();
}

Status RocksStore::OpenDb(rocksdb::DBOptions db_opts, const std::vector<rocksdb::ColumnFamilyDescriptor>& cfs,
                          const std::optional<std::vector<std::string>>& on_disk) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (read_only_ && no_writer_) {
    s = rocksdb::DB::OpenForReadOnly(db_opts, path_, cfs, &handles_, &raw);
  } else if (read_only_) {
    // Readers open the store as a RocksDB secondary instance: unlike a
    // read-only open, that is supported while a `newsflow run` process is
    // writing the same store, and it sees everything written up to the open.
    // A secondary keeps its own small state in a private temporary directory.
    std::error_code ec;  // unreadable (permission denied): the open below says so in RocksDB's words
    if (!std::filesystem::exists(std::filesystem::path(path_) / "CURRENT", ec) && !ec) {
      return Status::NotFound(fmt::format("cannot open store at {}: no RocksDB store there", path_));
    }
    // $TMPDIR, or /tmp when it is unset or empty (as POSIX tools read it;
    // std::filesystem::temp_directory_path throws for an empty or missing one).
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    std::string tmpl = (std::filesystem::path(base) / "newsflow-reader-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      const int err = errno;
      return Status::IOError(fmt::format(
          "cannot open store at {}: a reader keeps its state in a directory it creates in {} ($TMPDIR{}), and "
          "that failed: {}",
          path_, base, tmpdir != nullptr && *tmpdir != '\0' ? "" : " unset: /tmp", std::strerror(err)));
    }
    secondary_dir_ = tmpl;  // removed by the destructor, whatever happens next
    db_opts.max_open_files = -1;  // required by secondary instances
    // Each catch-up tails the MANIFEST, and RocksDB 7.8 loads the new
    // version's table handlers with up to max_file_opening_threads threads
    // started for the call, per column family, even when nothing changed:
    // a `serve` at rest started ~30 threads a second (1-2% of a core). The
    // files a catch-up finds are a flush's or a compaction's few.
    db_opts.max_file_opening_threads = 1;
    s = rocksdb::DB::OpenAsSecondary(db_opts, path_, secondary_dir_, cfs, &handles_, &raw);
    if (s.ok()) s = raw->TryCatchUpWithPrimary();
    // RocksDB puts only a secondary's info log in that directory, and a
    // reader's log is a NullLogger (MakeDbOptions): it stays empty, and goes
    // now rather than at close, so that a reader killed with SIGKILL (a
    // service manager's stop timeout, the OOM killer) leaves none behind in
    // $TMPDIR.
    std::filesystem::remove_all(secondary_dir_, ec);
    if (!ec) secondary_dir_.clear();
  } else {
    s = OpenCreatingMissingFamilies(db_opts, cfs, on_disk, &raw);
  }
  if (!s.ok()) {
    if (raw) {
      for (auto* h : handles_) raw->DestroyColumnFamilyHandle(h);
      delete raw;
    }
    handles_.clear();
    return FromRocks(fmt::format("cannot open store at {}", path_), s);
  }
  db_.reset(raw);
  // Handles come back in descriptor order.
  docs_ = handles_[1];
  by_tag_ = handles_[2];
  by_time_ = handles_[3];
  dead_letter_ = handles_[4];
  meta_ = handles_[5];
  // A reader of an older store may lack by_story and by_stock.
  for (size_t i = 6; i < handles_.size(); ++i) {
    if (handles_[i]->GetName() == kByStoryCf) by_story_ = handles_[i];
    if (handles_[i]->GetName() == kByStockCf) by_stock_ = handles_[i];
    if (handles_[i]->GetName() == kAlertsCf) alerts_ = handles_[i];
    if (handles_[i]->GetName() == kOutboxCf) outbox_ = handles_[i];
    if (handles_[i]->GetName() == kAlertsByGroupCf) alerts_by_group_ = handles_[i];
  }
  return Status::OK();
}

// DB::Open with create_missing_column_families (RocksDB 7.8) creates the
// missing families one at a time and writes and re-reads the OPTIONS file
// after each: ten times for a new store, about a sixth of a short run's
// start-up. CreateColumnFamilies writes it once for all of them. So the
// families on disk are opened (DB::Open writes the file once more), and the
// others created in one call: two writes instead of ten. handles_ ends in
// the order of `cfs`, as DB::Open returns them. (create_missing_column_families
// stays set in the options; it then has nothing to create.)
rocksdb::Status RocksStore::OpenCreatingMissingFamilies(const rocksdb::DBOptions& db_opts,
                                                        const std::vector<rocksdb::ColumnFamilyDescriptor>& cfs,
                                                        const std::optional<std::vector<std::string>>& listed,
                                                        rocksdb::DB** raw) {
  // A new store has nothing to list. A store that exists but could not be
  // listed (an I/O error) is opened the plain way, which reports the error
  // as RocksDB sees it.
  std::error_code unreadable;  // (permission denied: the plain open says so, in RocksDB's words)
  if (!listed && (std::filesystem::exists(std::filesystem::path(path_) / "CURRENT", unreadable) || unreadable))
    return rocksdb::DB::Open(db_opts, path_, cfs, &handles_, raw);
  const std::vector<std::string> on_disk = listed.value_or(std::vector<std::string>{});
  std::vector<rocksdb::ColumnFamilyDescriptor> present, missing;
  std::vector<bool> is_present;
  for (const auto& d : cfs) {
    const bool here = d.name == rocksdb::kDefaultColumnFamilyName ||
                      std::find(on_disk.begin(), on_disk.end(), d.name) != on_disk.end();
    (here ? present : missing).push_back(d);
    is_present.push_back(here);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> opened, created;
  rocksdb::Status s = rocksdb::DB::Open(db_opts, path_, present, &opened, raw);
  if (s.ok() && !missing.empty()) s = (*raw)->CreateColumnFamilies(missing, &created);
  size_t next_opened = 0, next_created = 0;
  for (const bool here : is_present) {
    if (here && next_opened < opened.size()) handles_.push_back(opened[next_opened++]);
    if (!here && next_created < created.size()) handles_.push_back(created[next_created++]);
  }
  return s;
}

// The next alert seq follows the last one in the log.
Status RocksStore::RecoverAlertSeq() {
  if (alerts_ == nullptr) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), alerts_));
  it->SeekToLast();
  if (it->Valid()) {
    if (it->key().size() != 8) return Status::Corruption(fmt::format("cannot open store at {}: corrupt alert key", path_));
    next_alert_seq_ = GetBigEndian64(it->key().data()) + 1;
  }
  if (!it->status().ok()) return FromRocks(fmt::format("cannot open store at {}", path_), it->status());
  return Status::OK();
}

Status RocksStore::StartWrittenKeysIfEmpty() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), docs_));
  it->SeekToFirst();
  if (!it->status().ok()) return Fail("reading the documents", it->status());
  if (!it->Valid()) written_keys_.Start();
  return Status::OK();
}

// The next dead-letter sequence follows the last stored key.
Status RocksStore::RecoverDeadLetterSeq() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), dead_letter_));
  it->SeekToLast();
  if (it->Valid()) {
    if (it->key().size() != 8) {
      return Status::Corruption(fmt::format("cannot open store at {}: corrupt dead-letter key", path_));
    }
    next_dead_letter_seq_ = GetBigEndian64(it->key().data()) + 1;
  }
  if (!it->status().ok()) return FromRocks(fmt::format("cannot open store at {}", path_), it->status());
  return Status::OK();
}

Status RocksStore::Close() {
  std::lock_guard lock(write_mu_);  // not under a Backup()
  if (!db_) return close_status_;
  Status result;
  // A writer whose directory went (or a write that failed because it went):
  // whatever the flush or close below says, nothing is where a reader looks.
  const Status gone = read_only_ ? Status::OK() : CheckStillAtPath();
  if (disable_wal_ && !write_status_.ok()) {
    result = write_status_;  // the failed write's data never reached the memtables
  }
  if (disable_wal_ && result.ok()) {
    // Without a WAL, what is still in the memtables exists nowhere else: a
    // failed flush means the tail of the run is not durable.
    rocksdb::FlushOptions fo;
    fo.wait = true;
    std::vector<rocksdb::ColumnFamilyHandle*> cfs(handles_.begin(), handles_.end());
    if (rocksdb::Status s = db_->Flush(fo, cfs); !s.ok()) {
      result = FromRocks(fmt::format("final flush of store at {}", path_), s);
    }
  } else if (!read_only_ && write_status_.ok()) {
    if (rocksdb::Status s = db_->FlushWAL(/*sync=*/true); !s.ok()) {
      result = FromRocks(fmt::format("final WAL sync of store at {}", path_), s);
    } else {
      // Durable in the synced WAL already; the memtables are flushed too so
      // that no one replays that WAL: every reader (query, show, serve)
      // opens as a secondary and replayed up to max_total_wal_bytes of it
      // (1-3 s and +150 MB per `show` after a stdin or --alerts run of
      // 400k items), and so did the next writer. A failed flush loses
      // nothing: every write is in the synced WAL, replayed at the next
      // open, so the close is not failed for it (the run's documents are
      // durable). Not held back by level 0's stall conditions (what a bulk
      // load left): that would wait for a compaction.
      rocksdb::FlushOptions fo;
      fo.wait = true;
      fo.allow_write_stall = true;
      std::vector<rocksdb::ColumnFamilyHandle*> cfs(handles_.begin(), handles_.end());
      if (rocksdb::Status s = db_->Flush(fo, cfs); !s.ok())
        close_flush_ = FromRocks(fmt::format("flushing store at {} at close", path_), s);
    }
  }
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  handles_.clear();
  if (rocksdb::Status s = db_->Close(); !s.ok() && result.ok() && !s.IsAborted()) {
    result = FromRocks(fmt::format("closing store at {}", path_), s);
  }
  db_.reset();
  if (!gone.ok()) result = gone;
  close_status_ = result;
  return result;
}

RocksStore::~RocksStore() {
  Close().IgnoreError();  // the owner calls Close() to learn the result
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

Status RocksStore::ClosedError() const {
  return Status::Internal(fmt::format("store at {} is closed", path_));
}

Status RocksStore::Fail(std::string_view what, const rocksdb::Status& s) const {
  return FromRocks(fmt::format("{} in store at {}", what, path_), s);
}

Status RocksStore::ReadCounter(const rocksdb::ReadOptions& ro, std::string_view name,
                               uint64_t* out) {
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(ro, meta_, ToSlice(name), &v);
  if (s.IsNotFound()) {
    *out = 0;
    return Status::OK();
  }
  if (!s.ok()) return Fail(fmt::format("reading meta {}", name), s);
  if (!ParseDecimal(v, out)) {
    return Status::Corruption(fmt::format("corrupt meta {} in store at {}: '{}'", name, path_,
                                     v.ToString()));
  }
  return Status::OK();
}

// ---- write ------------------------------------------------------------------------

Status PrepareRecord(const Record& r, PreparedWriteSet* out) {
  if (r.key.empty()) return Status::InvalidArgument("record with empty key");
  PreparedRecord p;
  p.key = r.key;
  p.time_ms = r.time_ms;
  p.tags.reserve(r.tags.size());
  for (const auto& t : r.tags) {
    if (t.tag.find('\0') != std::string::npos) {
      return Status::InvalidArgument(fmt::format("record {}: tag contains a NUL byte", r.key));
    }
    p.tags.push_back(t.tag);
  }
  if (r.story.find('\0') != std::string::npos) {
    return Status::InvalidArgument(fmt::format("record {}: story id contains a NUL byte", r.key));
  }
  p.stock_codes = IndexedStockCodes(r.stock_codes);
  for (const auto& c : p.stock_codes) {
    if (c.find('\0') != std::string::npos) {
      return Status::InvalidArgument(fmt::format("record {}: stock code contains a NUL byte", r.key));
    }
  }
  // What DecodeRecord would refuse must not be written (record.h: a label
  // span is [i, i + 1) of the record's labels).
  for (const auto& s : r.spans) {
    if (s.field == Field::kLabel && (s.begin >= r.labels.size() || s.end != s.begin + 1)) {
      return Status::InvalidArgument(
          fmt::format("record {}: label span [{}, {}) outside its {} labels", r.key, s.begin, s.end, r.labels.size()));
    }
  }
  p.value = EncodeRecord(r);
  p.story = r.story;
  out->records.push_back(std::move(p));
  return Status::OK();
}

Status AssignStory(PreparedRecord* r, std::string story) {
  if (story.find('\0') != std::string::npos) {
    return Status::InvalidArgument(fmt::format("record {}: story id contains a NUL byte", r->key));
  }
  if (!r->story.empty() || !SetEncodedStory(&r->value, story)) {
    return Status::Internal(fmt::format("record {}: story assigned twice or to an unprepared record", r->key));
  }
  r->story = std::move(story);
  return Status::OK();
}

void PrepareDeadLetter(const DeadLetter& d, PreparedWriteSet* out) {
  out->dead_letters.push_back({DeadLetterId(d.position, d.raw), EncodeDeadLetter(d)});
}

Status PrepareWrite(const WriteSet& set, PreparedWriteSet* out) {
  *out = PreparedWriteSet{};
  out->records.reserve(set.records.size());
  for (const Record& r : set.records) {
    if (Status s = PrepareRecord(r, out); !s.ok()) return s;
  }
  for (const DeadLetter& d : set.dead_letters) PrepareDeadLetter(d, out);
  out->offsets = set.offsets;
  out->progress = set.progress;
  out->ruleset_version = set.ruleset_version;
  return Status::OK();
}

Status Store::Write(const WriteSet& set) {
  PreparedWriteSet prepared;
  if (Status s = PrepareWrite(set, &prepared); !s.ok()) return s;
  return Write(prepared);
}

// Puts the records and replaces their old index entries: a key already
// stored loses its old by_tag/by_time entries in the same batch.
Status RocksStore::AddRecords(const std::vector<const PreparedRecord*>& records, rocksdb::WriteBatch* batch) {
  if (records.empty()) return Status::OK();
  rocksdb::ReadOptions ro;
  // The keys that may be stored already: all of them, or in a store that
  // had no documents when it was opened, only those this writer wrote
  // since (written_keys.h); the others are new without a lookup.
  //
  // MultiGet sorts unsorted keys with the column family's comparator, a
  // virtual call per comparison. They are sorted here in the same order
  // (docs uses the bytewise comparator: memcmp order, as string_view's) and
  // passed as sorted; result j is for record order[j], and record i's is at
  // result result_at[i] (kNotLookedUp: new).
  constexpr uint32_t kNotLookedUp = UINT32_MAX;
  std::vector<uint32_t> order;
  order.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i)
    if (written_keys_.MaybeWritten(records[i]->key)) order.push_back(static_cast<uint32_t>(i));
  std::sort(order.begin(), order.end(), [&records](uint32_t a, uint32_t b) {
    return std::string_view(records[a]->key) < std::string_view(records[b]->key);
  });
  std::vector<rocksdb::Slice> keys;
  keys.reserve(order.size());
  for (const uint32_t i : order) keys.push_back(ToSlice(records[i]->key));
  std::vector<uint32_t> result_at(records.size(), kNotLookedUp);
  for (size_t j = 0; j < order.size(); ++j) result_at[order[j]] = static_cast<uint32_t>(j);
  std::vector<rocksdb::PinnableSlice> old_values(order.size());
  std::vector<rocksdb::Status> statuses(order.size());
  if (!keys.empty())
    db_->MultiGet(ro, docs_, keys.size(), keys.data(), old_values.data(), statuses.data(), /*sorted_input=*/true);
  static const rocksdb::Status kNew = rocksdb::Status::NotFound();

  // The writes go into the batch sorted by column family and key: a
  // memtable's skip list inserts a key next to the one inserted before it
  // without searching from the top (RocksDB keeps the last insert's
  // position), and a batch's index keys in record order jump between tags,
  // codes and stories on every record. Equal keys keep their order, so a
  // document's old index entry is deleted before the same entry is put again.
  //
  // The keys go into one buffer and the ops (small, trivially copied) point
  // into it by offset: an op holding its own string made the sort move
  // strings and each key an allocation. An op also carries its key's first
  // 8 bytes as a big-endian number (zero-padded): where two differ they
  // order the keys as the bytes do, and the sort compares the whole keys
  // only where they are equal (a tag's keys; rarely a time key's).
  struct Op {
    uint32_t cf;   // the handle's id, for grouping
    uint32_t seq;  // the order it was made in: a key's delete before its put
    uint64_t head;
    rocksdb::ColumnFamilyHandle* handle;
    size_t key_at, key_size;   // in `index_keys`
    const std::string* value;  // nullptr: Delete
  };
  std::vector<Op> ops;
  ops.reserve(records.size() * 6);
  // Ops on a vector memtable (a bulk load's by_tag, by_story and by_stock)
  // are not sorted: the memtable appends them in any order and sorts once,
  // at its flush, and the sort was ~half of this function's instructions
  // with a watch list (~10 tags a document). They keep the order they are
  // made in (a key's delete before its put: the later sequence number wins).
  std::vector<Op> appended;
  if (appends_indexes_) appended.reserve(records.size() * 4);
  std::string index_keys;
  size_t keys_estimate = 0;
  for (const PreparedRecord* r : records) {
    const size_t entries = 2 + r->tags.size() + r->stock_codes.size();
    keys_estimate += entries * (r->key.size() + kTimeKeyBytes + 1) + r->story.size();
    for (const auto& t : r->tags) keys_estimate += t.size();
    for (const auto& c : r->stock_codes) keys_estimate += c.size();
  }
  index_keys.reserve(keys_estimate);
  static const std::string kEmpty;
  auto add = [&](rocksdb::ColumnFamilyHandle* h, size_t key_at, const std::string* value) {
    const size_t size = index_keys.size() - key_at;
    if (appends_indexes_ && (h == by_tag_ || h == by_story_ || h == by_stock_)) {
      appended.push_back({h->GetID(), 0, 0, h, key_at, size, value});
      return;
    }
    uint64_t head = 0;
    for (size_t k = 0; k < 8; ++k)
      head = (head << 8) | (k < size ? static_cast<uint8_t>(index_keys[key_at + k]) : 0);
    ops.push_back({h->GetID(), static_cast<uint32_t>(ops.size()), head, h, key_at, size, value});
  };
  auto tag_key = [&](rocksdb::ColumnFamilyHandle* h, std::string_view tag, int64_t time_ms, std::string_view key,
                     const std::string* value) {
    const size_t at = index_keys.size();
    AppendTagIndexKey(&index_keys, tag, time_ms, key);
    add(h, at, value);
  };
  auto time_key = [&](int64_t time_ms, std::string_view key, const std::string* value) {
    const size_t at = index_keys.size();
    AppendTimeIndexKey(&index_keys, time_ms, key);
    add(by_time_, at, value);
  };
  uint64_t added = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const PreparedRecord& r = *records[i];
    const rocksdb::Status& status = result_at[i] == kNotLookedUp ? kNew : statuses[result_at[i]];
    if (status.ok()) {
      Record old;
      if (!DecodeRecord(old_values[result_at[i]].ToStringView(), &old)) {
        return Status::Corruption(fmt::format("corrupt stored record {} in store at {}", r.key, path_));
      }
      for (const auto& t : old.tags) tag_key(by_tag_, t.tag, old.time_ms, r.key, nullptr);
      time_key(old.time_ms, r.key, nullptr);
      if (!old.story.empty()) tag_key(by_story_, old.story, old.time_ms, r.key, nullptr);
      for (const auto& c : IndexedStockCodes(old.stock_codes)) tag_key(by_stock_, c, old.time_ms, r.key, nullptr);
    } else if (status.IsNotFound()) {
      ++added;
    } else {
      return Fail(fmt::format("reading record {}", r.key), status);
    }
    // Puts after the deletes win when the index key is unchanged.
    for (const auto& t : r.tags) tag_key(by_tag_, t, r.time_ms, r.key, &kEmpty);
    time_key(r.time_ms, r.key, &kEmpty);
    if (!r.story.empty()) tag_key(by_story_, r.story, r.time_ms, r.key, &kEmpty);
    for (const auto& c : r.stock_codes) tag_key(by_stock_, c, r.time_ms, r.key, &kEmpty);
    const size_t at = index_keys.size();
    index_keys.append(r.key);
    add(docs_, at, &r.value);
    written_keys_.Add(r.key);
  }
  const char* const base = index_keys.data();
  std::sort(ops.begin(), ops.end(), [base](const Op& a, const Op& b) {
    if (a.cf != b.cf) return a.cf < b.cf;
    if (a.head != b.head) return a.head < b.head;
    const std::string_view ka(base + a.key_at, a.key_size), kb(base + b.key_at, b.key_size);
    if (const int c = ka.compare(kb); c != 0) return c < 0;
    return a.seq < b.seq;
  });
  for (const std::vector<Op>* list : {&ops, &appended}) {
    for (const Op& op : *list) {
      const rocksdb::Slice key(base + op.key_at, op.key_size);
      if (op.value == nullptr)
        batch->Delete(op.handle, key);
      else
        batch->Put(op.handle, key, *op.value);
    }
  }
  if (added > 0) {
    uint64_t count = 0;
    NEWSFLOW_RETURN_IF_ERROR(ReadCounter(ro, kMetaCountDocs, &count));
    batch->Put(meta_, kMetaCountDocs, std::to_string(count + added));
  }
  return Status::OK();
}

Status RocksStore::Write(const PreparedWriteSet& set) {
  if (!db_) return ClosedError();
  if (read_only_) {
    return Status::InvalidArgument(fmt::format("cannot write to store at {}: opened read-only", path_));
  }
  std::lock_guard lock(write_mu_);  // a Backup() in progress finishes first
  NoPerfCounters();
  // Keep only the last record for each key.
  for (const PreparedRecord& r : set.records) {
    if (r.key.empty()) {
      return Status::InvalidArgument(fmt::format("cannot write to store at {}: record with empty key", path_));
    }
  }
  std::vector<bool> last;
  MarkLastOfEachKey(set.records.size(), [&](size_t i) -> std::string_view { return set.records[i].key; }, &last);
  std::vector<const PreparedRecord*> records;
  records.reserve(set.records.size());
  for (size_t i = 0; i < set.records.size(); ++i) {
    if (last[i]) records.push_back(&set.records[i]);
  }

  if (!write_status_.ok()) {
    return Status::Aborted(fmt::format("store at {} takes no writes after a failed one: {}", path_,
                                       write_status_.message()));
  }
  // Sized up front: a batch of records is megabytes, and growing the batch's
  // buffer by doubling copied it again at each step.
  size_t reserve = 1024;
  for (const PreparedRecord* r : records) {
    const size_t index_entries = 2 + r->tags.size() + r->stock_codes.size();
    reserve += r->value.size() + r->key.size() + 16 + index_entries * (r->key.size() + r->story.size() + 48);
  }
  for (const PreparedDeadLetter& d : set.dead_letters) reserve += d.value.size() + 64;
  rocksdb::WriteBatch batch(reserve);
  NEWSFLOW_RETURN_IF_ERROR(AddRecords(records, &batch));
  uint64_t seq = next_dead_letter_seq_;
  NEWSFLOW_RETURN_IF_ERROR(AddDeadLetters(set.dead_letters, &seq, &batch));
  for (const auto& o : set.offsets) {
    batch.Put(meta_, OffsetKey(o.group, o.topic, o.partition), std::to_string(o.next_offset));
  }
  for (const auto& p : set.progress) batch.Put(meta_, ProgressKey(p.source), p.value);
  if (!set.ruleset_version.empty()) batch.Put(meta_, kMetaRulesetVersion, set.ruleset_version);
  uint64_t alert_seq = next_alert_seq_;
  for (const PreparedAlert& a : set.alerts) {
    std::string key, value;
    PutBigEndian64(&key, alert_seq++);
    value.push_back(kAlertTimeMarker);
    PutBigEndian64(&value, static_cast<uint64_t>(a.time_ms));
    const auto n = static_cast<uint32_t>(a.id.size());
    for (int i = 3; i >= 0; --i) value.push_back(static_cast<char>(static_cast<uint8_t>(n >> (8 * i))));
    value += a.id;
    value += a.json;
    batch.Put(alerts_, key, value);
    if (set.alerts_pending) batch.Put(outbox_, key, "");
    batch.Put(meta_, std::string(kMetaAlertIdPrefix) + a.id, key);
    if (const std::string_view group = AlertGroupOf(a.id); !group.empty())
      batch.Put(alerts_by_group_, AlertGroupKey(group, alert_seq - 1), "");
  }
  // The index covers the log up to this batch's last alert (Open indexed
  // every earlier one: IndexAlertGroups).
  if (!set.alerts.empty()) {
    std::string covered;
    PutBigEndian64(&covered, alert_seq - 1);
    batch.Put(meta_, kMetaAlertGroupsIndexed, covered);
  }

  if (batch.Count() == 0) return Status::OK();
  NEWSFLOW_RETURN_IF_ERROR(Commit(&batch, "write failed"));
  next_dead_letter_seq_ = seq;
  next_alert_seq_ = alert_seq;
  return Status::OK();
}

Status RocksStore::Rewrite(const std::vector<PreparedRecord>& records, const std::vector<std::string>& expected,
                           const std::vector<ProgressMark>& progress, std::string_view ruleset_version,
                           std::vector<bool>* written) {
  if (!db_) return ClosedError();
  written->assign(records.size(), false);
  if (read_only_) return Status::InvalidArgument(fmt::format("cannot write to store at {}: opened read-only", path_));
  if (records.size() != expected.size())
    return Status::InvalidArgument("Rewrite: one expected value per record");
  std::lock_guard lock(write_mu_);
  if (!write_status_.ok()) return write_status_;
  std::vector<rocksdb::Slice> keys;
  for (const auto& r : records) keys.push_back(ToSlice(r.key));
  std::vector<rocksdb::PinnableSlice> values(records.size());
  std::vector<rocksdb::Status> statuses(records.size());
  if (!records.empty()) db_->MultiGet(rocksdb::ReadOptions(), docs_, keys.size(), keys.data(), values.data(), statuses.data());
  std::vector<const PreparedRecord*> kept;
  std::vector<size_t> kept_at;
  for (size_t i = 0; i < records.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;  // removed meanwhile (pruned)
    if (!statuses[i].ok()) return Fail(fmt::format("reading record {}", records[i].key), statuses[i]);
    if (values[i].ToStringView() == expected[i]) {
      kept.push_back(&records[i]);
      kept_at.push_back(i);
    }
  }
  rocksdb::WriteBatch batch;
  NEWSFLOW_RETURN_IF_ERROR(AddRecords(kept, &batch));
  for (const auto& p : progress) batch.Put(meta_, ProgressKey(p.source), p.value);
  if (!ruleset_version.empty()) batch.Put(meta_, kMetaRulesetVersion, ToSlice(ruleset_version));
  if (batch.Count() == 0) return Status::OK();
  NEWSFLOW_RETURN_IF_ERROR(Commit(&batch, "write failed"));
  for (size_t i : kept_at) (*written)[i] = true;
  return Status::OK();
}

void RocksStore::PinSnapshot(std::optional<rocksdb::ManagedSnapshot>* snapshot, rocksdb::ReadOptions* ro) {
  if (read_only_) return;  // a reader's view changes only in CatchUp()
  snapshot->emplace(db_.get());
  ro->snapshot = (*snapshot)->snapshot();
}

Status RocksStore::GetEncoded(std::string_view key, std::string* out, bool* found) {
  if (!db_) return ClosedError();
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), docs_, ToSlice(key), out);
  *found = s.ok();
  if (s.ok() || s.IsNotFound()) return Status::OK();
  return Fail(fmt::format("reading record {}", key), s);
}

// ---- alerts ------------------------------------------------------------------------

Status RocksStore::ReadAlert(uint64_t seq, rocksdb::Slice value, StoredAlert* out, int64_t* time_ms) const {
  std::string_view id, json;
  NEWSFLOW_RETURN_IF_ERROR(ParseAlert(seq, value, time_ms, &id, &json));
  out->seq = seq;
  out->id.assign(id);
  out->json.assign(json);
  return Status::OK();
}

Status RocksStore::ParseAlert(uint64_t seq, rocksdb::Slice value, int64_t* time_ms, std::string_view* id,
                              std::string_view* json) const {
  *time_ms = kUnknownAlertTime;
  if (!value.empty() && value[0] == kAlertTimeMarker) {
    if (value.size() < 9) return Status::Corruption(fmt::format("corrupt alert {} in store at {}", seq, path_));
    *time_ms = static_cast<int64_t>(GetBigEndian64(value.data() + 1));
    value.remove_prefix(9);
  }
  if (value.size() < 4) return Status::Corruption(fmt::format("corrupt alert {} in store at {}", seq, path_));
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(value.data()[i]);
  if (value.size() - 4 < n) return Status::Corruption(fmt::format("corrupt alert {} in store at {}", seq, path_));
  *id = std::string_view(value.data() + 4, n);
  *json = std::string_view(value.data() + 4 + n, value.size() - 4 - n);
  return Status::OK();
}

// Reads alerts from a positioned iterator, forward or backward, up to `limit` (0 = all).
Status RocksStore::CollectAlerts(rocksdb::Iterator* it, bool forward, size_t limit, std::vector<StoredAlert>* out) const {
  for (; it->Valid() && (limit == 0 || out->size() < limit); forward ? it->Next() : it->Prev()) {
    if (it->key().size() != 8) return Status::Corruption(fmt::format("corrupt alert key in store at {}", path_));
    StoredAlert a;
    int64_t time_ms = 0;
    NEWSFLOW_RETURN_IF_ERROR(ReadAlert(GetBigEndian64(it->key().data()), it->value(), &a, &time_ms));
    out->push_back(std::move(a));
  }
  if (!it->status().ok()) return Fail("reading alerts", it->status());
  return Status::OK();
}

Status RocksStore::Alerts(uint64_t after_seq, size_t limit, std::vector<StoredAlert>* out) {
  if (!db_) return ClosedError();
  out->clear();
  if (alerts_ == nullptr) return Status::OK();
  if (after_seq == UINT64_MAX) return Status::OK();  // nothing comes after the last possible seq
  std::string start;
  PutBigEndian64(&start, after_seq + 1);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), alerts_));
  it->Seek(start);
  return CollectAlerts(it.get(), true, limit, out);
}

Status RocksStore::RecentAlerts(uint64_t before_seq, size_t limit, std::vector<StoredAlert>* out) {
  if (!db_) return ClosedError();
  out->clear();
  if (alerts_ == nullptr || before_seq == 1) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), alerts_));
  if (before_seq == 0) {
    it->SeekToLast();
  } else {
    std::string key;
    PutBigEndian64(&key, before_seq - 1);
    it->SeekForPrev(key);
  }
  return CollectAlerts(it.get(), false, limit, out);
}

Status RocksStore::AlertSeq(std::string_view id, std::optional<uint64_t>* out) {
  if (!db_) return ClosedError();
  out->reset();
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, std::string(kMetaAlertIdPrefix) + std::string(id), &v);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return Fail("reading an alert id", s);
  if (v.size() != 8) return Status::Corruption(fmt::format("corrupt alert id entry in store at {}", path_));
  *out = GetBigEndian64(v.data());
  return Status::OK();
}

Status RocksStore::PendingAlerts(size_t limit, std::vector<StoredAlert>* out) {
  if (!db_) return ClosedError();
  out->clear();
  if (outbox_ == nullptr) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), outbox_));
  for (it->SeekToFirst(); it->Valid() && (limit == 0 || out->size() < limit); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption(fmt::format("corrupt outbox key in store at {}", path_));
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), alerts_, it->key(), &value);
    if (!s.ok()) return Fail("reading a pending alert", s);
    StoredAlert a;
    int64_t time_ms = 0;
    NEWSFLOW_RETURN_IF_ERROR(ReadAlert(GetBigEndian64(it->key().data()), value, &a, &time_ms));
    out->push_back(std::move(a));
  }
  if (!it->status().ok()) return Fail("reading the alert outbox", it->status());
  return Status::OK();
}

Status RocksStore::CountPendingAlerts(uint64_t* out) {
  if (!db_) return ClosedError();
  *out = 0;
  if (outbox_ == nullptr) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), outbox_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++*out;
  if (!it->status().ok()) return Fail("reading the alert outbox", it->status());
  return Status::OK();
}

Status RocksStore::AckAlerts(const std::vector<uint64_t>& seqs) {
  if (!db_) return ClosedError();
  if (read_only_) return Status::InvalidArgument(fmt::format("cannot write to store at {}: opened read-only", path_));
  std::lock_guard lock(write_mu_);  // as Write(): a Backup() sees the outbox between two writes
  if (!write_status_.ok()) return write_status_;
  if (seqs.empty()) return Status::OK();
  rocksdb::WriteBatch batch;
  for (uint64_t seq : seqs) {
    std::string key;
    PutBigEndian64(&key, seq);
    batch.Delete(outbox_, key);
  }
  return Commit(&batch, "write failed");
}

bool RocksStore::StillAtPath() const {
  struct stat st;
  return ::stat(path_.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_ino) == dir_ino_ &&
         static_cast<uint64_t>(st.st_dev) == dir_dev_;
}

Status RocksStore::CheckStillAtPath() const {
  if (StillAtPath()) return Status::OK();
  return Status::IOError(fmt::format("the store directory {} was removed, moved or replaced while this process wrote "
                                     "it: nothing it wrote there is durable",
                                     path_));
}

Status RocksStore::Commit(rocksdb::WriteBatch* batch, std::string_view what) {
  // One stat per batch: a directory removed under a run fails its next
  // write at once, not when RocksDB next opens a file (a new WAL or SST).
  if (Status gone = CheckStillAtPath(); !gone.ok()) {
    write_status_ = gone;
    return write_status_;
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  wo.disableWAL = disable_wal_;
  NoPerfCounters();
  if (rocksdb::Status s = db_->Write(wo, batch); !s.ok()) {
    // RocksDB 7.x must not be written again after a failed WAL write (it
    // asserts); the store refuses further writes and Close() skips the WAL.
    write_status_ = Fail(what, s);
    return write_status_;
  }
  return Status::OK();
}

Status RocksStore::CatchUp() {
  if (!db_) return ClosedError();
  if (!read_only_ || no_writer_) return Status::OK();
  if (!StillAtPath())
    return Status::Unavailable(
        fmt::format("the store at {} was moved, removed or replaced since it was opened: open it again", path_));
  if (rocksdb::Status s = db_->TryCatchUpWithPrimary(); !s.ok()) return Fail("catching up with the writer", s);
  return Status::OK();
}

// Dead letters not stored before (by identity), in order, with their
// identity index entries and the count.
Status RocksStore::AddDeadLetters(const std::vector<PreparedDeadLetter>& dls, uint64_t* seq,
                                  rocksdb::WriteBatch* batch) {
  if (dls.empty()) return Status::OK();
  std::vector<std::string> id_keys;
  id_keys.reserve(dls.size());
  for (const auto& d : dls) id_keys.push_back(DeadLetterIdKey(d.id));
  std::vector<rocksdb::Slice> keys(id_keys.begin(), id_keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions ro;
  db_->MultiGet(ro, meta_, keys.size(), keys.data(), values.data(), statuses.data());
  std::unordered_map<std::string_view, bool> in_batch;
  uint64_t added = 0;
  for (size_t i = 0; i < dls.size(); ++i) {
    if (statuses[i].ok()) continue;  // stored by an earlier run
    if (!statuses[i].IsNotFound()) return Fail("reading a dead-letter id", statuses[i]);
    if (!in_batch.emplace(id_keys[i], true).second) continue;  // twice in this batch
    std::string seq_key = DeadLetterKey((*seq)++);
    batch->Put(meta_, id_keys[i], seq_key);
    batch->Put(dead_letter_, seq_key, dls[i].value);
    ++added;
  }
  if (added == 0) return Status::OK();
  uint64_t count = 0;
  NEWSFLOW_RETURN_IF_ERROR(ReadCounter(ro, kMetaCountDeadLetters, &count));
  batch->Put(meta_, kMetaCountDeadLetters, std::to_string(count + added));
  return Status::OK();
}

Status RocksStore::GetProgress(std::string_view source, std::optional<std::string>* out) {
  if (!db_) return ClosedError();
  out->reset();
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, ProgressKey(source), &v);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return Fail("reading progress", s);
  *out = std::move(v);
  return Status::OK();
}

Status RocksStore::Checkpoint(bool wait) {
  std::lock_guard lock(write_mu_);  // sets write_status_, which Backup() reads
  if (!db_) return ClosedError();
  if (read_only_ || !disable_wal_ || !write_status_.ok()) return write_status_;
  rocksdb::FlushOptions fo;
  fo.wait = wait;
  fo.allow_write_stall = true;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(handles_.begin(), handles_.end());
  if (rocksdb::Status s = db_->Flush(fo, cfs); !s.ok()) {
    write_status_ = FromRocks(fmt::format("flush of store at {}", path_), s);
    return write_status_;
  }
  return Status::OK();
}

// ---- reads ------------------------------------------------------------------------

Status RocksStore::Get(std::string_view key, Record* out, bool* found) {
  if (!db_) return ClosedError();
  NoPerfCounters();
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), docs_, ToSlice(key), &v);
  if (s.IsNotFound()) {
    *found = false;
    return Status::OK();
  }
  if (!s.ok()) return Fail(fmt::format("reading record {}", key), s);
  if (!DecodeRecord(v.ToStringView(), out)) {
    return Status::Corruption(fmt::format("corrupt stored record {} in store at {}", key, path_));
  }
  *found = true;
  return Status::OK();
}

template <typename Visit>
Status RocksStore::Scan(const QueryOptions& q, bool fetch, Visit&& visit) {
  if (!db_) return ClosedError();  // Query, ForEach and Count all read through here
  NoPerfCounters();
  if (q.since_ms && q.until_ms && *q.since_ms > *q.until_ms) return Status::OK();

  // A snapshot keeps index and documents consistent against a concurrent
  // writer. A read-only DB never changes, so it needs none.
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions ro;
  PinSnapshot(&snapshot, &ro);

  rocksdb::ColumnFamilyHandle* cf = by_time_;
  std::string prefix;
  std::string upper;
  rocksdb::Slice upper_slice;
  const std::string* index_key = nullptr;
  if (!q.stock.empty()) {
    if (by_stock_ == nullptr) {  // a reader of a store written before stock codes
      return Status::Unavailable(fmt::format(
          "store at {} has no stock index (written before canonical stock codes): run its inputs again", path_));
    }
    cf = by_stock_;
    index_key = &q.stock;
  } else if (!q.tags.empty()) {
    cf = by_tag_;
    index_key = &RarestTag(q.tags, q.since_ms, q.until_ms);
  } else if (q.any_tags.size() == 1) {
    cf = by_tag_;
    index_key = &q.any_tags.front();
  }
  if (index_key != nullptr) {
    prefix = TagPrefix(*index_key);
    upper = prefix;
    upper.back() = '\1';  // first key after every "tag\0..." key
    upper_slice = upper;
    ro.iterate_upper_bound = &upper_slice;
  }

  rocksdb::PinnableSlice value;
  Status failed;
  auto on_entry = [&](int64_t, std::string_view doc_key) {
    if (!fetch) return !KeyOfSources(doc_key, q.sources) || visit(doc_key, static_cast<Record*>(nullptr));
    value.Reset();
    rocksdb::Status s = db_->Get(ro, docs_, ToSlice(doc_key), &value);
    if (s.IsNotFound()) {
      failed = Status::Corruption(fmt::format("index entry for missing record {} in store at {}", doc_key, path_));
      return false;
    }
    if (!s.ok()) {
      failed = Fail(fmt::format("reading record {}", doc_key), s);
      return false;
    }
    Record r;
    if (!DecodeRecord(value.ToStringView(), &r)) {
      failed = Status::Corruption(fmt::format("corrupt stored record {} in store at {}", doc_key, path_));
      return false;
    }
    return !Matches(r, q) || visit(doc_key, &r);
  };
  if (index_key == nullptr && q.stock.empty() && q.tags.empty() && q.any_tags.size() > 1) {
    // Several --any tags: their by_tag entries merged in by_time's order
    // (newest first, then by key), a document carrying two of them once.
    // Only the documents that carry one are read, not every document in
    // the time range (4 s over 400k documents, however rare the tags).
    NEWSFLOW_RETURN_IF_ERROR(WalkAnyTags(ro, q.any_tags, q.since_ms, q.until_ms, on_entry));
    return failed;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
  NEWSFLOW_RETURN_IF_ERROR(WalkIndex(it.get(), prefix, q.since_ms, q.until_ms, on_entry));
  return failed;
}

const std::string& RocksStore::RarestTag(const std::vector<std::string>& tags, std::optional<int64_t> since_ms,
                                         std::optional<int64_t> until_ms) {
  if (tags.size() == 1) return tags.front();
  // Each tag's by_tag entries within [since, until] (newest first: from
  // the key of `until` to the key of the time just before `since`).
  std::vector<std::string> bounds;
  bounds.reserve(2 * tags.size());
  for (const std::string& tag : tags) {
    std::string start = TagPrefix(tag), limit = start;
    if (until_ms) PutTimeKey(&start, *until_ms);
    if (since_ms && *since_ms != INT64_MIN) {
      PutTimeKey(&limit, *since_ms - 1);
    } else {
      limit.back() = '\1';  // past every "tag\0..." key
    }
    bounds.push_back(std::move(start));
    bounds.push_back(std::move(limit));
  }
  std::vector<rocksdb::Range> ranges;
  for (size_t i = 0; i < tags.size(); ++i) ranges.emplace_back(bounds[2 * i], bounds[2 * i + 1]);
  std::vector<uint64_t> sizes(tags.size(), 0);
  rocksdb::SizeApproximationOptions o;
  o.include_memtables = true;
  o.files_size_error_margin = 0.1;
  if (!db_->GetApproximateSizes(o, by_tag_, ranges.data(), static_cast<int>(ranges.size()), sizes.data()).ok())
    return tags.front();
  return tags[static_cast<size_t>(std::min_element(sizes.begin(), sizes.end()) - sizes.begin())];
}

template <typename Visit>
Status RocksStore::WalkAnyTags(const rocksdb::ReadOptions& ro, const std::vector<std::string>& tags,
                               std::optional<int64_t> since_ms, std::optional<int64_t> until_ms, Visit&& visit) {
  std::vector<std::string> distinct = tags;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  struct Cursor {
    std::string prefix;
    std::unique_ptr<rocksdb::Iterator> it;
    bool live = false;
  };
  std::vector<Cursor> cursors(distinct.size());
  for (size_t i = 0; i < distinct.size(); ++i) {
    Cursor& c = cursors[i];
    c.prefix = TagPrefix(distinct[i]);
    c.it.reset(db_->NewIterator(ro, by_tag_));
    SeekIndex(c.it.get(), c.prefix, until_ms);
    NEWSFLOW_RETURN_IF_ERROR(AtIndexEntry(c.it.get(), c.prefix, since_ms, &c.live));
  }
  // The part of a live cursor's key after its tag: be64(~time) key, the
  // order by_time itself has.
  auto suffix = [](const Cursor& c) {
    const rocksdb::Slice k = c.it->key();
    return std::string_view(k.data() + c.prefix.size(), k.size() - c.prefix.size());
  };
  for (;;) {
    const Cursor* next = nullptr;
    for (const Cursor& c : cursors)
      if (c.live && (next == nullptr || suffix(c) < suffix(*next))) next = &c;
    if (next == nullptr) return Status::OK();
    const std::string entry(suffix(*next));
    const int64_t time_ms = GetTimeKey(entry.data());
    if (!visit(time_ms, std::string_view(entry).substr(kTimeKeyBytes))) return Status::OK();
    for (Cursor& c : cursors) {
      if (!c.live || suffix(c) != entry) continue;
      c.it->Next();
      NEWSFLOW_RETURN_IF_ERROR(AtIndexEntry(c.it.get(), c.prefix, since_ms, &c.live));
    }
  }
}

template <typename Visit>
Status RocksStore::WalkIndex(rocksdb::Iterator* it, std::string_view prefix, std::optional<int64_t> since_ms,
                             std::optional<int64_t> until_ms, Visit&& visit) {
  SeekIndex(it, prefix, until_ms);
  for (bool live;; it->Next()) {
    NEWSFLOW_RETURN_IF_ERROR(AtIndexEntry(it, prefix, since_ms, &live));
    if (!live) return Status::OK();
    const rocksdb::Slice k = it->key();
    if (!visit(GetTimeKey(k.data() + prefix.size()), std::string_view(k.data() + prefix.size() + kTimeKeyBytes,
                                                                     k.size() - prefix.size() - kTimeKeyBytes)))
      return Status::OK();
  }
}

void RocksStore::SeekIndex(rocksdb::Iterator* it, std::string_view prefix, std::optional<int64_t> until_ms) {
  std::string start(prefix);
  if (until_ms) PutTimeKey(&start, *until_ms);  // first entry with time <= until
  it->Seek(start);
}

Status RocksStore::AtIndexEntry(rocksdb::Iterator* it, std::string_view prefix, std::optional<int64_t> since_ms,
                                bool* live) {
  *live = false;
  if (!it->Valid()) return it->status().ok() ? Status::OK() : Fail("scanning index", it->status());
  const rocksdb::Slice k = it->key();
  if (!k.starts_with(ToSlice(prefix))) return Status::OK();
  if (k.size() < prefix.size() + kTimeKeyBytes)
    return Status::Corruption(fmt::format("corrupt index key in store at {}", path_));
  *live = !since_ms || GetTimeKey(k.data() + prefix.size()) >= *since_ms;
  return Status::OK();
}

Status RocksStore::Query(const QueryOptions& q, std::vector<Record>* out) {
  out->clear();
  if (q.limit > 0) out->reserve(std::min<size_t>(q.limit, 1024));
  return Scan(q, /*fetch=*/true, [&](std::string_view, Record* r) {
    out->push_back(std::move(*r));
    return q.limit == 0 || out->size() < q.limit;
  });
}

Status RocksStore::ForEach(const QueryOptions& q, const std::function<bool(const Record&)>& visit) {
  return Scan(q, /*fetch=*/true, [&](std::string_view, Record* r) { return visit(*r); });
}

Status RocksStore::ForEachIndexEntry(
    const std::vector<std::string>& tags, bool every_tag, std::optional<int64_t> since_ms,
    std::optional<int64_t> until_ms,
    const std::function<bool(std::string_view, int64_t, std::string_view)>& visit) {
  if (!db_) return ClosedError();
  if (since_ms && until_ms && *since_ms > *until_ms) return Status::OK();
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions ro;
  PinSnapshot(&snapshot, &ro);
  std::unique_ptr<rocksdb::Iterator> by_time(db_->NewIterator(ro, by_time_));
  std::unique_ptr<rocksdb::Iterator> by_tag(db_->NewIterator(ro, by_tag_));
  std::vector<std::string> walked = tags;
  if (every_tag) {
    std::vector<std::string> stored;
    NEWSFLOW_RETURN_IF_ERROR(ReadIndexNames(by_tag.get(), "tag index", &stored));
    walked.insert(walked.end(), stored.begin(), stored.end());
  }
  bool go_on = true;
  for (const std::string& tag : walked) {
    NEWSFLOW_RETURN_IF_ERROR(WalkIndex(tag.empty() ? by_time.get() : by_tag.get(),
                                       tag.empty() ? std::string() : TagPrefix(tag), since_ms, until_ms,
                                       [&](int64_t t, std::string_view key) { return go_on = visit(tag, t, key); }));
    if (!go_on) break;
  }
  return Status::OK();
}

Status RocksStore::Count(const QueryOptions& q, uint64_t* out) {
  // The index entries alone decide the match when the filter is only the
  // index's own key (one tag, --any tags: their merged entries, or the
  // stock; or none: the time index), the time range and sources (a
  // document's key is "<source>:<id>": Scan checks it without reading the
  // document).
  const size_t conditions = q.tags.size() + q.any_tags.size() + q.not_tags.size() + (q.text.empty() ? 0 : 1) +
                            (q.stock.empty() ? 0 : 1);
  const bool index_decides =
      conditions == q.any_tags.size() || (conditions == 1 && (q.tags.size() == 1 || !q.stock.empty()));
  uint64_t n = 0;
  Status st = Scan(q, /*fetch=*/!index_decides, [&](std::string_view, Record*) {
    ++n;
    return true;
  });
  if (st.ok()) *out = n;
  return st;
}

Status RocksStore::DeadLetters(size_t limit, std::vector<DeadLetter>* out) {
  out->clear();
  return ForEachDeadLetter([&](const DeadLetter& d) {
    out->push_back(d);
    return limit == 0 || out->size() < limit;
  });
}

Status RocksStore::ForEachDeadLetter(const std::function<bool(const DeadLetter&)>& visit) {
  if (!db_) return ClosedError();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), dead_letter_));
  DeadLetter d;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8 || !DecodeDeadLetter(it->value().ToStringView(), &d)) {
      return Status::Corruption(fmt::format("corrupt dead letter in store at {}", path_));
    }
    d.seq = GetBigEndian64(it->key().data());
    if (!visit(d)) return Status::OK();
  }
  if (!it->status().ok()) return Fail("scanning dead letters", it->status());
  return Status::OK();
}

Status RocksStore::GetDeadLetter(uint64_t seq, DeadLetter* out, bool* found) {
  if (!db_) return ClosedError();
  *found = false;
  rocksdb::PinnableSlice value;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), dead_letter_, DeadLetterKey(seq), &value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return Fail("reading a dead letter", s);
  DeadLetter d;
  if (!DecodeDeadLetter(value.ToStringView(), &d))
    return Status::Corruption(fmt::format("corrupt dead letter in store at {}", path_));
  d.seq = seq;
  *out = std::move(d);
  *found = true;
  return Status::OK();
}

Status RocksStore::GetCounts(Counts* out) {
  if (!db_) return ClosedError();
  rocksdb::ReadOptions ro;
  Counts c;
  if (Status st = ReadCounter(ro, kMetaCountDocs, &c.docs); !st.ok()) return st;
  if (Status st = ReadCounter(ro, kMetaCountDeadLetters, &c.dead_letters); !st.ok()) return st;
  *out = c;
  return Status::OK();
}

Status RocksStore::GetRulesetVersion(std::string* out) {
  if (!db_) return ClosedError();
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, kMetaRulesetVersion, &v);
  if (s.IsNotFound()) {
    out->clear();
    return Status::OK();
  }
  if (!s.ok()) return Fail("reading ruleset version", s);
  out->assign(v.data(), v.size());
  return Status::OK();
}

Status RocksStore::GetOffset(std::string_view group, std::string_view topic, int32_t partition,
                             std::optional<int64_t>* out) {
  if (!db_) return ClosedError();
  std::string key = OffsetKey(group, topic, partition);
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, key, &v);
  if (s.IsNotFound()) {
    out->reset();
    return Status::OK();
  }
  if (!s.ok()) return Fail(fmt::format("reading {}", key), s);
  int64_t offset = 0;
  if (!ParseDecimal(v, &offset)) {
    return Status::Corruption(fmt::format("corrupt meta {} in store at {}: '{}'", key, path_,
                                     v.ToString()));
  }
  *out = offset;
  return Status::OK();
}

Status RocksStore::CountTagIndex(std::string_view tag, uint64_t* out) {
  if (!db_) return ClosedError();
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
  return Status::OK();
}

Status RocksStore::ListTags(std::vector<std::string>* out) {
  if (!db_) return ClosedError();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), by_tag_));
  return ReadIndexNames(it.get(), "tag index", out);
}

Status RocksStore::ReadIndexNames(rocksdb::Iterator* it, std::string_view index, std::vector<std::string>* out) {
  out->clear();
  for (it->SeekToFirst(); it->Valid();) {
    const rocksdb::Slice k = it->key();
    const size_t nul = std::string_view(k.data(), k.size()).find('\0');
    if (nul == std::string_view::npos) {
      return Status::Corruption(fmt::format("corrupt {} key in store at {}", index, path_));
    }
    out->emplace_back(k.data(), nul);
    std::string next = out->back();
    next.push_back('\1');  // first key after every "tag\0..." key
    it->Seek(next);
  }
  if (!it->status().ok()) return Fail(fmt::format("scanning {}", index), it->status());
  return Status::OK();
}

Status RocksStore::ListSources(std::vector<std::string>* out) {
  if (!db_) return ClosedError();
  out->clear();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), docs_));
  for (it->SeekToFirst(); it->Valid();) {
    const std::string_view k(it->key().data(), it->key().size());
    const size_t colon = k.find(':');
    if (colon == std::string_view::npos) {
      it->Next();
      continue;
    }
    out->emplace_back(k.substr(0, colon));
    std::string next = out->back();
    next.push_back(';');  // ';' follows ':': the first key after every "source:..." key
    it->Seek(next);
  }
  if (!it->status().ok()) return Fail("scanning documents", it->status());
  return Status::OK();
}

// Members newest-first in the index; returned earliest first.
Status RocksStore::StoryMembers(std::string_view story, size_t limit, std::vector<Record>* out) {
  if (!db_) return ClosedError();
  out->clear();
  if (by_story_ == nullptr || story.empty()) return Status::OK();
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions ro;
  PinSnapshot(&snapshot, &ro);
  const std::string prefix = TagPrefix(story);
  std::string upper = prefix;
  upper.back() = '\1';
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, by_story_));
  rocksdb::PinnableSlice value;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (k.size() < prefix.size() + kTimeKeyBytes) {
      return Status::Corruption(fmt::format("corrupt story index key in store at {}", path_));
    }
    std::string_view doc_key(k.data() + prefix.size() + kTimeKeyBytes, k.size() - prefix.size() - kTimeKeyBytes);
    value.Reset();
    rocksdb::Status s = db_->Get(ro, docs_, ToSlice(doc_key), &value);
    if (s.IsNotFound()) {
      return Status::Corruption(fmt::format("story index entry for missing record {} in store at {}", doc_key, path_));
    }
    if (!s.ok()) return Fail(fmt::format("reading record {}", doc_key), s);
    Record r;
    if (!DecodeRecord(value.ToStringView(), &r)) {
      return Status::Corruption(fmt::format("corrupt stored record {} in store at {}", doc_key, path_));
    }
    out->push_back(std::move(r));
  }
  if (!it->status().ok()) return Fail("scanning story index", it->status());
  // Earliest first, and at one time by key: the order in which the story
  // stage ranks a story's first document, so a story's id comes first
  // whenever it is its earliest report.
  std::sort(out->begin(), out->end(),
            [](const Record& a, const Record& b) { return std::tie(a.time_ms, a.key) < std::tie(b.time_ms, b.key); });
  if (limit > 0 && out->size() > limit) out->resize(limit);
  return Status::OK();
}

}  // namespace newsflow::storage
