// LineSource: plain and gzip input (detected from the content), several gzip
// members, CRLF, a missing final newline, truncated gzip as an error.
#include <gtest/gtest.h>
#include <zlib.h>

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
