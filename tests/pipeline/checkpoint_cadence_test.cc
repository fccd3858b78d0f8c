// A regular file's checkpoints (flushes of the WAL-less bulk load): every
// --checkpoint-records, or every quarter of the file if that comes first,
// 5,000 records apart at least; --checkpoint-records 0 flushes only at the
// end. Without the quarter, a file shorter than the 20,000 default was
// flushed once, at its end, and a 30k-item file's one checkpoint came at
// two thirds, still running when the final flush waited for it.
//
// The flushes are counted in the store's RocksDB LOG ("[docs] ... Level-0
// flush table #N: started", one per flush job of the documents' column
// family; RocksDB 7.8 as Debian ships it). A flush requested while another
// is pending may share its job, so the checks are "at least".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

TEST(CheckpointCadence, AFileShorterThanTheRecordCountIsCheckpointedBeforeItsEnd) {
  TempDir tmp;
  WriteInput(tmp.path("in.jsonl"));
  const std::string base = Newsflow() + " run -q --no-stories --format cls --batch 500 --source " +
                           tmp.path("in.jsonl") + " --rules " + testing::SourcePath("rules/sets");
  const auto quarters = RunShell(base + " --db " + tmp.path("a"));
  ASSERT_EQ(quarters.exit_code, 0) << quarters.err;
  const auto end_only = RunShell(base + " --checkpoint-records 0 --db " + tmp.path("b"));
  ASSERT_EQ(end_only.exit_code, 0) << end_only.err;
  // At 5,000 and 10,000 records (each past a quarter of the bytes), then
  // the final flush; one job may take two of them.
  EXPECT_GE(DocsFlushes(tmp.path("a")), 2) << ReadFile(tmp.path("a") + "/LOG").size() << " bytes of LOG";
  EXPECT_EQ(DocsFlushes(tmp.path("b")), 1);
  EXPECT_EQ(StoredCount(tmp.path("a")), static_cast<uint64_t>(kItems));
  EXPECT_EQ(StoredCount(tmp.path("b")), static_cast<uint64_t>(kItems));
}

}  // namespace
}  // namespace newsflow::pipeline::checkpoint_cadence_test
