// LineSource: plain and gzip input (detected from the content), several gzip
// members, CRLF, a missing final newline, truncated gzip as an error.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>

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

TEST(LineSource, TruncatedGzipIsAnErrorAfterTheGoodLines) {
  TempDir tmp;
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "{\"id\":" + std::to_string(i) + ",\"x\":\"" + std::string(i % 97, 'x') + "\"}\n";
  const std::string gz = Gzip(many);
  std::ofstream(tmp.path("cut.gz"), std::ios::binary) << gz.substr(0, gz.size() / 2);
  std::string err;
  const auto lines = ReadAll(tmp.path("cut.gz"), &err);
  EXPECT_NE(err.find("gzip"), std::string::npos) << err;
  EXPECT_GT(lines.size(), 1000u);
  EXPECT_LT(lines.size(), 20000u);
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
