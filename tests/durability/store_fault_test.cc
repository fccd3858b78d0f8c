// Fault injection: the runner stores the fixture items (file or stdin) into a
// store whose file system fails the Nth write, sync, flush or rename with
// ENOSPC or EIO (fault_injection_fs.h). Whatever the moment, the run fails
// with the injected cause, nothing it reports stored is lost (reopened
// without faults, every reported key is there), and the store opens for
// writing again: a re-run completes and stores every item.
//
// N is placed relative to a dry run that only counts the calls of the same
// job (first call, middle, near the end), so each case hits a different
// phase: the open, the batches, the final flush or WAL sync.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "fault_injection_fs.h"
#include "newsflow/storage/store.h"
#include "pipeline/decode/decoder.h"
#include "pipeline/job/file_progress.h"
#include "pipeline/job/runner.h"
#include "pipeline/source/source.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::FaultInjectionFs;
using Point = FaultInjectionFs::Point;
using Error = FaultInjectionFs::Error;

enum class Input { kFile, kStdin };

// The three fixture feeds in one file (format auto), 360 items.
const std::string& InputFile() {
  static const std::string path = [] {
    static testing::TempDir dir;  // lives for the whole test program
    const std::string p = dir.path("items.jsonl");
    std::string all;
    for (const char* feed : {"cls", "eastmoney", "ths"})
      all += testing::ReadFile(testing::SourcePath(std::string("tests/fixtures/") + feed + "-sample.jsonl"));
    FILE* f = std::fopen(p.c_str(), "wb");
    std::fwrite(all.data(), 1, all.size(), f);
    std::fclose(f);
    return p;
  }();
  return path;
}

// The key of each input line ("" for a line that is not a document).
std::vector<std::string> LineKeys() {
  FormatSpec spec;
  EXPECT_TRUE(ParseFormatSpec("auto", &spec).ok());
  Decoder dec(spec);
  std::vector<std::string> keys;
  for (const auto& line : testing::ReadLines(InputFile())) {
    Document d;
    keys.push_back(dec.Decode(line, &d).ok() && !d.key.empty() ? d.key : "");
  }
  return keys;
}

// fd 0 reads `path` while the object lives (for a "-" source).
class StdinFrom {
 public:
  explicit StdinFrom(const std::string& path) : saved_(dup(0)) {
    const int fd = open(path.c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    dup2(fd, 0);
    close(fd);
  }
  ~StdinFrom() {
    dup2(saved_, 0);
    close(saved_);
  }

 private:
  int saved_;
};

Status RunJob(Input input, const std::string& db, std::shared_ptr<rocksdb::Env> env, RunSummary* summary,
              const std::string& format = "auto") {
  RunOptions o;
  o.source = input == Input::kFile ? "file:" + InputFile() : "-";
  o.format = format;
  o.rules_dir = testing::SourcePath("rules/sets");
  o.db = db;
  o.threads = 2;
  o.progress = false;
  o.limits.max_items = 16;     // many batches: many WAL appends on stdin
  o.checkpoint_records = 64;   // several flushes of a file run
  o.store_env = std::move(env);
  if (input == Input::kFile) return Run(o, summary);
  StdinFrom in(InputFile());
  return Run(o, summary);
}

// Calls of `point` made by one clean run of the job (cached per point/input).
uint64_t DryRunCalls(Point point, Input input) {
  static std::map<std::pair<Point, Input>, uint64_t> cache;
  auto [it, fresh] = cache.emplace(std::pair{point, input}, 0);
  if (!fresh) return it->second;
  testing::TempDir tmp;
  auto fs = std::make_shared<FaultInjectionFs>(point, 0, Error::kNoSpace, false);
  RunSummary s;
  const Status st = RunJob(input, tmp.path("db"), fs->Env(), &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  it->second = fs->calls();
  return it->second;
}

const char* PointName(Point p) {
  switch (p) {
    case Point::kWrite: return "write";
    case Point::kSync: return "sync";
    case Point::kFlush: return "flush";
    case Point::kRename: return "rename";
  }
  return "?";
}

// Where the fault goes, as a fraction of the dry run's calls: the first call,
// the middle, the last tenth.
enum class When { kFirst, kMiddle, kLate };

struct Case {
  Point point;
  When when;
  Input input;
};

class StoreFault : public ::testing::TestWithParam<Case> {};

TEST_P(StoreFault, RunFailsWithTheCauseLosesNothingReportedAndTheStoreReopens) {
  const Case c = GetParam();
  const uint64_t total = DryRunCalls(c.point, c.input);
  ASSERT_GT(total, 0u) << "the job makes no " << PointName(c.point) << " call: nothing to inject";
  uint64_t n = 1;
  if (c.when == When::kMiddle) n = std::max<uint64_t>(1, total / 2);
  if (c.when == When::kLate) n = std::max<uint64_t>(1, total * 9 / 10);
  // The first call of a kind fails once with EIO (a device error); later ones
  // fail from then on with ENOSPC (the disk stays full until healed).
  const Error error = c.when == When::kFirst ? Error::kIo : Error::kNoSpace;
  const bool sticky = error == Error::kNoSpace;
  SCOPED_TRACE(std::string(PointName(c.point)) + " call " + std::to_string(n) + " of " + std::to_string(total) +
               (c.input == Input::kFile ? ", file" : ", stdin"));

  testing::TempDir tmp;
  const std::string db = tmp.path("db");
  auto fs = std::make_shared<FaultInjectionFs>(c.point, n, error, sticky);
  RunSummary summary;
  const Status st = RunJob(c.input, db, fs->Env(), &summary);
  if (!fs->fired()) {
    // Later calls are timing-dependent (background flushes): this run made
    // fewer than N. It must then have stored everything.
    ASSERT_TRUE(st.ok()) << st.ToString();
    GTEST_SKIP() << "the run made fewer than " << n << " " << PointName(c.point) << " calls (dry run: " << total
                 << "); nothing was injected";
  }
  fs->Heal();
  std::printf("  %s call %llu of %llu failed on %s: %s; reported stored %llu\n", PointName(c.point),
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(total),
              fs->failed_file().substr(fs->failed_file().rfind('/') + 1).c_str(), st.ToString().substr(0, 160).c_str(),
              static_cast<unsigned long long>(summary.stored));
  const std::vector<std::string> keys = LineKeys();
  std::set<std::string> all;
  for (const auto& k : keys)
    if (!k.empty()) all.insert(k);

  // The run fails, naming the injected cause, with the matching code. The
  // exceptions are writes after which RocksDB carries on by design: it only
  // logs a failure to write its OPTIONS-* file (fail_if_options_file_error
  // is off), and DB::Close writes the log file and the MANIFEST once more
  // after the final flush has made everything durable, ignoring a failure
  // there (flush calls 200-203 of the file run's 203; a run that made fewer
  // background flushes than its dry run reaches them at the "late" call).
  // A run with a WAL (stdin) also flushes its memtables when it closes,
  // after syncing the WAL, so that no reader replays it; a table file (.sst)
  // failing then loses nothing (the WAL is replayed at the next open), and
  // the run succeeds. A run that succeeds despite such a fault must have
  // stored everything, durably: the store, reopened without faults, holds
  // every document. Otherwise a fault on a table file never qualifies: the
  // run must fail.
  const std::string& failed = fs->failed_file();
  const bool carried_on = failed.find("/OPTIONS-") != std::string::npos ||
                          failed.find("/MANIFEST-") != std::string::npos || failed.ends_with(".log") ||
                          (c.input == Input::kStdin && failed.ends_with(".sst"));
  if (st.ok() && carried_on) {
    EXPECT_TRUE(summary.durable);
    EXPECT_EQ(summary.stored, all.size());
    storage::StoreOptions ro;
    ro.path = db;
    ro.read_only = true;
    std::unique_ptr<storage::Store> reader;
    ASSERT_TRUE(storage::Store::Open(ro, &reader).ok());
    storage::Counts counts;
    ASSERT_TRUE(reader->GetCounts(&counts).ok());
    EXPECT_EQ(counts.docs, all.size());
    return;
  }
  ASSERT_FALSE(st.ok()) << "a run whose store failed (" << fs->failed_file()
                        << ") must not succeed; summary stored=" << summary.stored;
  EXPECT_NE(st.message().find(testing::kFaultMarker), std::string::npos) << st.ToString();
  EXPECT_EQ(st.code(), error == Error::kNoSpace ? Status::Code::kNoSpace : Status::Code::kIOError) << st.ToString();
  // A stdin run (no --sync) counts what reached its write-ahead log, which
  // it does not fsync: the summary says so when it is not durable (a store
  // that never opened has nothing to say it of).
  if (!summary.durable && summary.read > 0) {
    EXPECT_EQ(summary.unsynced_log, c.input == Input::kStdin);
  }

  // Nothing reported stored is lost. The reported records are the first
  // `read` lines (batches are written in source order); their keys must all
  // be in the store, reopened without faults.
  ASSERT_LE(summary.read, keys.size());
  std::set<std::string> reported;
  for (uint64_t i = 0; i < summary.read; ++i)
    if (!keys[i].empty()) reported.insert(keys[i]);
  EXPECT_EQ(reported.size(), summary.stored);
  {
    storage::StoreOptions so;
    so.path = db;
    so.create_if_missing = false;
    std::unique_ptr<storage::Store> store;
    const Status open = storage::Store::Open(so, &store);
    // A fault during the first open may leave no store at all; then nothing
    // may have been reported stored.
    if (!open.ok()) {
      EXPECT_EQ(summary.stored, 0u) << open.ToString();
    } else {
      storage::Counts counts;
      ASSERT_TRUE(store->GetCounts(&counts).ok());
      EXPECT_GE(counts.docs, summary.stored);
      uint64_t missing = 0;
      for (const auto& k : reported) {
        storage::Record r;
        bool found = false;
        ASSERT_TRUE(store->Get(k, &r, &found).ok());
        missing += !found;
      }
      EXPECT_EQ(missing, 0u) << "reported stored but not in the store";
      ASSERT_TRUE(store->Close().ok());
    }
  }

  // The store opens for writing again and a re-run completes it.
  RunSummary again;
  const Status st2 = RunJob(c.input, db, nullptr, &again);
  ASSERT_TRUE(st2.ok()) << st2.ToString();
  EXPECT_TRUE(again.durable);
  storage::StoreOptions ro;
  ro.path = db;
  ro.read_only = true;
  std::unique_ptr<storage::Store> reader;
  ASSERT_TRUE(storage::Store::Open(ro, &reader).ok());
  storage::Counts counts;
  ASSERT_TRUE(reader->GetCounts(&counts).ok());
  EXPECT_EQ(counts.docs, all.size());
  storage::QueryOptions q;
  q.limit = 0;
  uint64_t indexed = 0;
  ASSERT_TRUE(reader->Count(q, &indexed).ok());
  EXPECT_EQ(indexed, all.size());
}

// A file stored read one way (as ths), then read again another way (auto)
// by a run whose store fails halfway: the summary reports what this reading
// made durable, never the earlier reading's counts (the durable progress
// mark may still be the earlier reading's).
TEST(StoreFaultReread, AFailedRereadReportsOnlyWhatItMadeDurable) {
  auto fresh = [](const std::string& db) {
    RunSummary s;
    ASSERT_TRUE(RunJob(Input::kFile, db, nullptr, &s, "ths").ok());
    ASSERT_GT(s.stored, 0u);
  };
  uint64_t total = 0;
  {
    testing::TempDir tmp;
    fresh(tmp.path("db"));
    auto fs = std::make_shared<FaultInjectionFs>(Point::kFlush, 0, Error::kNoSpace, false);
    RunSummary s;
    ASSERT_TRUE(RunJob(Input::kFile, tmp.path("db"), fs->Env(), &s).ok());
    ASSERT_TRUE(s.reread);
    total = fs->calls();
  }
  ASSERT_GT(total, 4u);
  // Flush calls past the store's open and before the re-read's first
  // checkpoint completes (the dry run makes ~200; the open ~33, the first
  // checkpoint's table files ~30 more): found by trying them.
  size_t checked = 0;
  for (const uint64_t n : {uint64_t{36}, uint64_t{42}, uint64_t{48}, uint64_t{54}, uint64_t{60}}) {
    SCOPED_TRACE("flush call " + std::to_string(n) + " of " + std::to_string(total));
    testing::TempDir tmp;
    const std::string db = tmp.path("db");
    fresh(db);
    auto fs = std::make_shared<FaultInjectionFs>(Point::kFlush, n, Error::kNoSpace, true);
    RunSummary s;
    const Status st = RunJob(Input::kFile, db, fs->Env(), &s);
    // Timing: fewer flushes than the dry run, one RocksDB carries on after,
    // or a fault in the open (nothing read: trivially nothing reported).
    if (!fs->fired() || st.ok() || st.message().find("cannot open store") != std::string::npos) continue;
    fs->Heal();
    EXPECT_FALSE(s.durable);
    // What this reading made durable, by the store's marks.
    storage::StoreOptions ro;
    ro.path = db;
    ro.read_only = true;
    std::unique_ptr<storage::Store> reader;
    ASSERT_TRUE(storage::Store::Open(ro, &reader).ok());
    std::unique_ptr<Source> src;
    ASSERT_TRUE(OpenLineSource(InputFile(), SourceLimits{}, &src).ok());
    std::optional<std::string> mark, as;
    ASSERT_TRUE(reader->GetProgress(src->identity(), &mark).ok());
    ASSERT_TRUE(reader->GetProgress(src->identity() + "/as", &as).ok());
    ASSERT_TRUE(mark && as);
    FileProgress durable;
    ASSERT_TRUE(FileProgress::Parse(*mark, &durable).ok());
    if (as->rfind("ths/", 0) == 0) {
      ++checked;
      EXPECT_EQ(s.stored, 0u) << "the earlier reading's " << durable.stored << " reported as this one's";
      EXPECT_EQ(s.dead_lettered, 0u);
    } else {
      EXPECT_EQ(s.stored, durable.stored);
      EXPECT_EQ(s.dead_lettered, durable.dead);
    }
  }
  EXPECT_GT(checked, 0u) << "no fault fell between the open and the re-read's first durable batch";
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (Input in : {Input::kFile, Input::kStdin})
    for (Point p : {Point::kWrite, Point::kSync, Point::kFlush, Point::kRename})
      for (When w : {When::kFirst, When::kMiddle, When::kLate}) cases.push_back({p, w, in});
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  const char* when = c.when == When::kFirst ? "First" : c.when == When::kMiddle ? "Middle" : "Late";
  std::string p = PointName(c.point);
  p[0] = static_cast<char>(std::toupper(p[0]));
  return std::string(c.input == Input::kFile ? "File" : "Stdin") + p + when;
}

INSTANTIATE_TEST_SUITE_P(Matrix, StoreFault, ::testing::ValuesIn(AllCases()), CaseName);

}  // namespace
}  // namespace newsflow::pipeline
