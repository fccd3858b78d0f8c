// LineSource: plain and gzip input (detected from the content), several gzip
// members, CRLF, a missing final newline, truncated gzip as an error; the
// record cap, which a CRLF line's '\r' does not count against (CutLine,
// shared by the file, stdin and follow: sources).
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>

#include "pipeline/source/line_cut.h"
#include "pipeline/source/source.h"
#include "gzip_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::TempDir;

using testing::Gzip;

// All raw lines a source yields, and its error.
std::vector<std::string> ReadAll(const std::string& path, std::string* error) {
  std::unique_ptr<Source> src;
  const Status s = OpenLineSource(path, SourceLimits{}, &src);
  EXPECT_TRUE(s.ok()) << s.message();
  std::vector<std::string> lines;
  if (!src) return lines;
  for (Batch b; src->Next(&b);)
    for (const auto& it : b.items) lines.push_back(it.raw);
  *error = src->status().message();
  return lines;
}

TEST(LineSource, PlainAndGzipGiveTheSameLines) {
  TempDir tmp;
  const std::string data = testing::ReadFile(testing::SourcePath("tests/fixtures/cls-sample.jsonl"));
  std::ofstream(tmp.path("plain.jsonl"), std::ios::binary) << data;
  std::ofstream(tmp.path("gz.data"), std::ios::binary) << Gzip(data);  // no .gz name: detected from content
  std::string e1, e2;
  const auto plain = ReadAll(tmp.path("plain.jsonl"), &e1), gz = ReadAll(tmp.path("gz.data"), &e2);
  EXPECT_EQ(e1, "");
  EXPECT_EQ(e2, "");
  EXPECT_EQ(plain.size(), 120u);
  EXPECT_EQ(gz, plain);
}

TEST(LineSource, ConcatenatedGzipMembersCrlfAndNoFinalNewline) {
  TempDir tmp;
  std::ofstream(tmp.path("multi.gz"), std::ios::binary) << Gzip("a\r\nb\n") + Gzip("c\nd");
  std::string err;
  EXPECT_EQ(ReadAll(tmp.path("multi.gz"), &err), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(err, "");
}

// What CutLine makes of `input` fed in two pieces, split at `split`: the line
// and whether it was cut at the cap.
struct CutResult {
  std::string line;
  bool truncated = false;
  bool complete = false;
};
CutResult CutInTwo(const std::string& input, size_t split, size_t cap) {
  CutResult r;
  size_t pos = 0;
  for (const size_t end : {split, input.size()}) {
    while (pos < end && !r.complete) {
      const LineCut cut = CutLine(input.data() + pos, end - pos, cap, &r.line, &r.truncated);
      pos += cut.consumed;
      r.complete = cut.complete;
    }
  }
  return r;
}

// The cap is on the record; a CRLF line's '\r' is its line ending, so a line
// of exactly `cap` bytes is kept whole whichever way the buffer splits it.
TEST(LineCut, ACrlfLineOfExactlyTheCapIsKeptWhole) {
  const size_t cap = 8;
  const std::string record = "{\"a\":12}";
  ASSERT_EQ(record.size(), cap);
  for (const std::string& ending : {std::string("\n"), std::string("\r\n")}) {
    const std::string input = record + ending;
    for (size_t split = 0; split <= input.size(); ++split) {
      const CutResult r = CutInTwo(input, split, cap);
      EXPECT_TRUE(r.complete) << split;
      EXPECT_FALSE(r.truncated) << "split at " << split << ", ending of " << ending.size() << " bytes";
      EXPECT_EQ(r.line, record) << split;
    }
  }
}

// One byte of record over the cap is still over it, '\r' or not: the
// first `cap` bytes are kept.
TEST(LineCut, ARecordOverTheCapIsCutWithOrWithoutCrlf) {
  const size_t cap = 8;
  for (const std::string& input : {std::string("{\"a\":123}\r\n"), std::string("{\"a\":123}\n"),
                                   std::string("{\"a\":12}\r\r\n"), std::string("{\"a\":12}\rx\n")}) {
    for (size_t split = 0; split <= input.size(); ++split) {
      const CutResult r = CutInTwo(input, split, cap);
      EXPECT_TRUE(r.complete) << split;
      EXPECT_TRUE(r.truncated) << "input " << ::testing::PrintToString(input) << " split at " << split;
      EXPECT_EQ(r.line, input.substr(0, cap)) << split;
    }
  }
}

// Every line source cuts with CutLine: a CRLF file (plain or gzip) whose
// lines are exactly --max-record-bytes long reads as the LF one does.
TEST(LineSource, CrlfLinesAtTheRecordCapAreNotOversized) {
  TempDir tmp;
  const std::vector<std::string> records = {"{\"a\":1}", "{\"b\":22}", "{\"c\":333}"};
  std::string lf, crlf;
  for (const auto& r : records) lf += r + "\n", crlf += r + "\r\n";
  std::ofstream(tmp.path("crlf.jsonl"), std::ios::binary) << crlf;
  std::ofstream(tmp.path("crlf.gz"), std::ios::binary) << Gzip(crlf);
  std::ofstream(tmp.path("follow.jsonl"), std::ios::binary) << crlf;
  SourceLimits limits;
  limits.max_record_bytes = records.back().size();
  limits.linger_ms = 10;
  std::atomic<bool> stop{false};
  for (const std::string& path : {tmp.path("crlf.jsonl"), tmp.path("crlf.gz"), "follow:" + tmp.path("follow.jsonl")}) {
    std::unique_ptr<Source> src;
    const bool follow = path.rfind("follow:", 0) == 0;
    const Status s = follow ? OpenFollowSource(path.substr(7), limits, &stop, &src) : OpenLineSource(path, limits, &src);
    ASSERT_TRUE(s.ok()) << s.message();
    Batch b;
    ASSERT_TRUE(src->Next(&b)) << path;
    ASSERT_EQ(b.items.size(), records.size()) << path;
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(b.items[i].raw, records[i]) << path;
      EXPECT_EQ(b.items[i].error, "") << path;  // not an oversized line
    }
  }
}

// From a regular file a gzip member is checked whole before any of its
// lines is read: a truncated one gives its error and no line (from a pipe,
// the lines before the cut: gzip_accounting_test.cc).
TEST(LineSource, TruncatedGzipIsAnErrorBeforeAnyLineOfItsMember) {
  TempDir tmp;
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "{\"id\":" + std::to_string(i) + ",\"x\":\"" + std::string(i % 97, 'x') + "\"}\n";
  const std::string gz = Gzip(many);
  std::ofstream(tmp.path("cut.gz"), std::ios::binary) << gz.substr(0, gz.size() / 2);
  std::string err;
  const auto lines = ReadAll(tmp.path("cut.gz"), &err);
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  EXPECT_EQ(lines.size(), 0u);
  // A whole member before the cut one is read.
  std::ofstream(tmp.path("two.gz"), std::ios::binary) << Gzip("{\"id\":1}\n{\"id\":2}\n") + gz.substr(0, gz.size() / 2);
  const auto two = ReadAll(tmp.path("two.gz"), &err);
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  EXPECT_EQ(two.size(), 2u);
}

// A pipe is a live input: Next() hands on what has arrived once the reader
// would block for longer than the linger, a line still being written is
// carried into the next batch whole, and gzip members are handed on as
// they arrive.
class PipeInput {
 public:
  PipeInput() { EXPECT_EQ(pipe(fds_), 0); }
  ~PipeInput() {
    Close();
    close(fds_[0]);
  }
  std::string path() const { return "/dev/fd/" + std::to_string(fds_[0]); }
  void Write(const std::string& s) { EXPECT_EQ(write(fds_[1], s.data(), s.size()), static_cast<ssize_t>(s.size())); }
  void Close() {
    if (fds_[1] >= 0) close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

std::vector<std::string> Raw(const Batch& b) {
  std::vector<std::string> v;
  for (const auto& it : b.items) v.push_back(it.raw);
  return v;
}

TEST(LineSource, APipeHandsOnPartialBatchesAndCarriesAHalfWrittenLine) {
  PipeInput in;
  std::unique_ptr<Source> src;
  SourceLimits limits;  // 1024 items per batch: only the linger ends these batches
  limits.linger_ms = 10;
  ASSERT_TRUE(OpenLineSource(in.path(), limits, &src).ok());
  EXPECT_FALSE(src->replayable());
  Batch b;
  in.Write("a\nb");
  ASSERT_TRUE(src->Next(&b));
  EXPECT_EQ(Raw(b), (std::vector<std::string>{"a"}));
  in.Write("c\nd\n");
  ASSERT_TRUE(src->Next(&b));
  EXPECT_EQ(Raw(b), (std::vector<std::string>{"bc", "d"}));
  EXPECT_EQ(b.end_record, 3u);
  in.Write("e");
  in.Close();
  ASSERT_TRUE(src->Next(&b));  // the end of the input ends the last line
  EXPECT_EQ(Raw(b), (std::vector<std::string>{"e"}));
  EXPECT_FALSE(src->Next(&b));
  EXPECT_TRUE(src->status().ok()) << src->status().message();
}

TEST(LineSource, GzipOnAPipeIsHandedOnMemberByMember) {
  PipeInput in;
  std::unique_ptr<Source> src;
  SourceLimits limits;
  limits.linger_ms = 10;
  ASSERT_TRUE(OpenLineSource(in.path(), limits, &src).ok());
  Batch b;
  in.Write(Gzip("one\n"));
  ASSERT_TRUE(src->Next(&b));
  EXPECT_EQ(Raw(b), (std::vector<std::string>{"one"}));
  in.Write(Gzip("two\nthree\n"));
  ASSERT_TRUE(src->Next(&b));
  EXPECT_EQ(Raw(b), (std::vector<std::string>{"two", "three"}));
  in.Close();
  EXPECT_FALSE(src->Next(&b));
  EXPECT_TRUE(src->status().ok()) << src->status().message();
}

TEST(LineSource, AStopEndsALiveInputAfterWhatWasWritten) {
  PipeInput in;
  std::unique_ptr<Source> src;
  std::atomic<bool> stop{false};
  ASSERT_TRUE(OpenLineSource(in.path(), SourceLimits{}, &stop, &src).ok());
  in.Write("x\ny\n");
  stop = true;  // the writer keeps the pipe open
  Batch b;
  ASSERT_TRUE(src->Next(&b));
  EXPECT_EQ(Raw(b), (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(src->Next(&b));
  EXPECT_TRUE(src->status().ok());
}

TEST(LineSource, MissingFileAndDirectoryAreErrors) {
  std::unique_ptr<Source> src;
  Status s = OpenLineSource("/nonexistent/file.jsonl", SourceLimits{}, &src);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("/nonexistent/file.jsonl"), std::string::npos);
  EXPECT_EQ(src, nullptr);
  s = OpenLineSource("/tmp", SourceLimits{}, &src);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(src, nullptr);
}

}  // namespace
}  // namespace newsflow::pipeline
