// gzip: every byte of the file is accounted for. Members may follow each
// other; anything else after a member (a plain-text tail, garbage) is an
// error at its byte offset, and a member that fails its CRC is an error at
// the member's offset, after the lines already read from it (those inflated
// before its trailer was checked). Through the
// binary: exit 1, and the --json summary is still printed with the offset.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "json_util.h"
#include "pipeline/source/source.h"
#include "gzip_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::TempDir;

using testing::Gzip;

// A gzip member whose stored CRC-32 is wrong (its data inflates fine).
std::string GzipBadCrc(const std::string& data) {
  std::string gz = Gzip(data);
  gz[gz.size() - 8] = static_cast<char>(gz[gz.size() - 8] ^ 0x5a);
  return gz;
}

struct ReadResult {
  std::vector<std::string> lines;
  Status status;
  int64_t error_offset = -1;
};

ReadResult ReadAll(const std::string& path) {
  ReadResult r;
  std::unique_ptr<Source> src;
  const Status s = OpenLineSource(path, SourceLimits{}, &src);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!src) return r;
  for (Batch b; src->Next(&b);)
    for (const auto& it : b.items) r.lines.push_back(it.raw);
  r.status = src->status();
  r.error_offset = src->error_offset();
  return r;
}

std::string Lines(int first, int n) {
  std::string out;
  for (int i = first; i < first + n; ++i)
    out += R"({"id":)" + std::to_string(i) + R"(,"ctime":1778688503,"content":"深圳推进芯片项目)" +
           std::to_string(i) + "\"}\n";
  return out;
}

TEST(GzipAccounting, MembersThenEndOfFileIsClean) {
  TempDir tmp;
  std::ofstream(tmp.path("f.gz"), std::ios::binary) << Gzip(Lines(0, 3)) + Gzip("") + Gzip(Lines(3, 2));
  const auto r = ReadAll(tmp.path("f.gz"));
  EXPECT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.lines.size(), 5u);
  EXPECT_EQ(r.error_offset, -1);
}

TEST(GzipAccounting, DataAfterAMemberIsAnErrorAtItsOffset) {
  const std::string member = Gzip(Lines(0, 3));
  for (const std::string& tail : {Lines(100, 1), std::string("\0\0\0\0", 4), std::string("x"),
                                  std::string("\x1f", 1), std::string("\x1f\x8c garbage")}) {
    TempDir tmp;
    std::ofstream(tmp.path("f.gz"), std::ios::binary) << member + tail;
    const auto r = ReadAll(tmp.path("f.gz"));
    EXPECT_FALSE(r.status.ok()) << "tail of " << tail.size() << " bytes was dropped silently";
    EXPECT_EQ(r.error_offset, static_cast<int64_t>(member.size()));
    EXPECT_EQ(r.lines.size(), 3u);  // the member's lines, all of them, and nothing of the tail
  }
}

TEST(GzipAccounting, CrcFailureIsAnErrorAtTheMembersOffset) {
  TempDir tmp;
  const std::string first = Gzip(Lines(0, 4));
  std::ofstream(tmp.path("f.gz"), std::ios::binary) << first + GzipBadCrc(Lines(4, 3)) + Gzip(Lines(7, 2));
  const auto r = ReadAll(tmp.path("f.gz"));
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), Status::Code::kCorruption);
  EXPECT_EQ(r.error_offset, static_cast<int64_t>(first.size()));
  // The first member whole; of the bad one at most what was inflated before
  // its trailer was checked (none when one call reached it); nothing after.
  ASSERT_GE(r.lines.size(), 4u);
  EXPECT_LE(r.lines.size(), 7u);
  for (const auto& l : r.lines) EXPECT_EQ(l.find("\"id\":7,"), std::string::npos) << l;
}

std::string RunCmd(const std::string& source, const std::string& db) {
  return testing::Newsflow() + " run -q --json --format cls --source " + source + " --rules " +
         testing::SourcePath("rules/sets") + " --db " + db;
}

uint64_t StoredCount(const std::string& db) {
  const auto q = testing::RunShell(testing::Newsflow() + " query --count --limit 0 --db " + db);
  EXPECT_EQ(q.exit_code, 0) << q.err;
  return std::stoull(q.out);
}

// The issue's reproducer: (gzip -c one.jsonl; printf '{...}\n') > f.gz.
TEST(GzipAccounting, PlainTailAfterGzipFailsTheRunWithTheOffset) {
  TempDir tmp;
  const std::string member = Gzip(Lines(0, 5));
  std::ofstream(tmp.path("f.gz"), std::ios::binary) << member + Lines(5, 1);
  const auto r = testing::RunShell(RunCmd(tmp.path("f.gz"), tmp.path("db")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto summary = testing::JsonObject::LastLine(r.out);
  ASSERT_TRUE(summary.ok()) << r.out;
  EXPECT_EQ(summary.Int("input_error_offset"), static_cast<int64_t>(member.size()));
  EXPECT_EQ(summary.Uint("stored"), 5u);
  EXPECT_EQ(StoredCount(tmp.path("db")), 5u);
}

TEST(GzipAccounting, CrcFailureFailsTheRunAndTheSummaryCountsWhatWasStored) {
  TempDir tmp;
  const std::string first = Gzip(Lines(0, 4));
  std::ofstream(tmp.path("f.gz"), std::ios::binary) << first + GzipBadCrc(Lines(4, 3)) + Gzip(Lines(7, 2));
  const auto r = testing::RunShell(RunCmd(tmp.path("f.gz"), tmp.path("db")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto summary = testing::JsonObject::LastLine(r.out);
  ASSERT_TRUE(summary.ok()) << r.out;
  EXPECT_EQ(summary.Int("input_error_offset"), static_cast<int64_t>(first.size()));
  EXPECT_GE(summary.Uint("read"), 4u);
  EXPECT_LE(summary.Uint("read"), 7u);
  EXPECT_EQ(summary.Uint("stored"), summary.Uint("read"));
  EXPECT_EQ(summary.Uint("stored"), StoredCount(tmp.path("db")));
}

}  // namespace
}  // namespace newsflow::pipeline
