// A regular file's checkpoints (flushes of the WAL-less bulk load): every
// --checkpoint-records, or every quarter of the file if that comes first,
// 5,000 records apart at least; --checkpoint-records 0 flushes only at the
// end. Without the quarter, a file shorter than the 20,000 default was
// flushed once, at its end, and a 30k-item file's one checkpoint came at
// two thirds, still running when the final flush waited for it.
//
// The flushes are counted in the store's RocksDB LOG ("[docs] ... Level-0
// flush table #N: started", one per flush job of the documents' column
// family; RocksDB 7.8 as Debian ships it). The decision itself is tested
// batch by batch on CheckpointDue.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/job/checkpoint_due.h"
#include "test_util.h"

namespace newsflow::pipeline::checkpoint_cadence_test {
namespace {

using testing::Newsflow;
using testing::ReadFile;
using testing::RunShell;
using testing::StoredCount;
using testing::TempDir;

constexpr int kItems = 12000;  // fewer than the default --checkpoint-records (20,000)

void WriteInput(const std::string& path) {
  std::ofstream f(path);
  for (int i = 0; i < kItems; ++i)
    f << "{\"id\":" << 500000 + i << ",\"ctime\":" << 1780000000 + i << ",\"title\":\"第" << i
      << "条\",\"content\":\"深圳发布低空经济措施，编号" << i << "。\"}\n";
}

// Flush jobs of the documents' column family the store's LOG records.
int DocsFlushes(const std::string& db) {
  std::istringstream log(ReadFile(db + "/LOG"));
  int n = 0;
  for (std::string line; std::getline(log, line);)
    if (line.find("[docs]") != std::string::npos && line.find("Level-0 flush table") != std::string::npos &&
        line.find("started") != std::string::npos)
      ++n;
  return n;
}

// The rule itself, batch by batch: 1,000-record batches of 1 MB each, a
// 100 MB file (a quarter: 25 MB, which 25 batches reach).
TEST(CheckpointCadence, DueEveryCapRecordsOrEveryQuarterOfTheFileNoSoonerThan5000Records) {
  auto due_at = [](CheckpointDue d, uint64_t start_bytes, int batches, uint64_t records = 1000,
                   uint64_t bytes = 1000000) {
    std::vector<int> at;
    for (int i = 1; i <= batches; ++i)
      if (d.Stored(records, start_bytes + static_cast<uint64_t>(i) * bytes)) at.push_back(i);
    return at;
  };
  // The quarter comes first (every 25 batches) under a 100,000-record cap.
  EXPECT_EQ(due_at({100000, 25000000}, 0, 100), (std::vector<int>{25, 50, 75, 100}));
  // The cap comes first (every 20 batches).
  EXPECT_EQ(due_at({20000, 25000000}, 0, 100), (std::vector<int>{20, 40, 60, 80, 100}));
  // The quarter counts from where the run started (a resumed run, 40 MB in).
  EXPECT_EQ(due_at({100000, 25000000, 0, 40000000}, 40000000, 60), (std::vector<int>{25, 50}));
  // A small file: the quarter is reached at once; the minimum spaces them.
  EXPECT_EQ(due_at({20000, 250000}, 0, 12), (std::vector<int>{5, 10}));
  // Unknown size: the cap alone.
  EXPECT_EQ(due_at({20000, 0}, 0, 45), (std::vector<int>{20, 40}));
  // 0: only at the end, whatever the bytes.
  EXPECT_TRUE(due_at({0, 250000}, 0, 100).empty());
  // Batches of 7,000 records: the quarter, not the count, decides.
  EXPECT_EQ(due_at({100000, 25000000}, 0, 12, 7000, 6000000), (std::vector<int>{5, 10}));
}

TEST(CheckpointCadence, AFileShorterThanTheRecordCountIsCheckpointedBeforeItsEnd) {
  TempDir tmp;
  WriteInput(tmp.path("in.jsonl"));
  const std::string base = Newsflow() + " run -q --no-stories --format cls --batch 500 --source " +
                           tmp.path("in.jsonl") + " --rules " + testing::SourcePath("rules/sets");
  const auto quarters = RunShell(base + " --db " + tmp.path("a"));
  ASSERT_EQ(quarters.exit_code, 0) << quarters.err;
  const auto end_only = RunShell(base + " --checkpoint-records 0 --db " + tmp.path("b"));
  ASSERT_EQ(end_only.exit_code, 0) << end_only.err;
  // The file (~1.4 MB) is read in 1 MiB reads, so its quarter is past at
  // once and the 5,000-record minimum decides: a checkpoint at 5,000 (and
  // at 10,000 if the second read is in by then), then the final flush.
  EXPECT_GE(DocsFlushes(tmp.path("a")), 2) << ReadFile(tmp.path("a") + "/LOG").size() << " bytes of LOG";
  EXPECT_EQ(DocsFlushes(tmp.path("b")), 1);
  EXPECT_EQ(StoredCount(tmp.path("a")), static_cast<uint64_t>(kItems));
  EXPECT_EQ(StoredCount(tmp.path("b")), static_cast<uint64_t>(kItems));
}

}  // namespace
}  // namespace newsflow::pipeline::checkpoint_cadence_test
