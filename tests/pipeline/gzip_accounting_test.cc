// gzip: every byte of the file is accounted for. Members may follow each
// other; anything else after a member (a plain-text tail, garbage) is an
// error at its byte offset, and a member that fails its CRC, or is cut
// short, is an error at the member's offset. From a regular file that
// member is checked whole before any of its lines is handed on, so none is
// (damaged deflate data can inflate to well-formed lines that would replace
// good documents); from a pipe, after the lines already read from it
// (those inflated before its trailer was checked). Through the binary:
// exit 1, and the --json summary is still printed with the offset. A line
// the damage cuts short is not a line: it is neither handed on nor
// dead-lettered (a run over the whole file reads it whole).
#include <gtest/gtest.h>
#include <zlib.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "json_util.h"
#include "pipeline/source/byte_reader.h"
#include "pipeline/source/source.h"
#include "gzip_util.h"
#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::TempDir;

using testing::Gzip;
using testing::GzipFlushedPerLine;
using testing::StoredCount;

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

// The same, the file's bytes written into a FIFO: a pipe, read once.
ReadResult ReadAllFromPipe(const TempDir& tmp, const std::string& path) {
  const std::string fifo = tmp.path("pipe");
  EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    const std::string data = testing::ReadFile(path);
    std::ofstream(fifo, std::ios::binary) << data;
  });
  ReadResult r = ReadAll(fifo);
  writer.join();
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

std::string GzipRunCmd(const std::string& source, const std::string& db) {
  return testing::Newsflow() + " run -q --json --format cls --source " + source + " --rules " +
         testing::SourcePath("rules/sets") + " --db " + db;
}

TEST(GzipAccounting, CrcFailureIsAnErrorAtTheMembersOffset) {
  TempDir tmp;
  const std::string first = Gzip(Lines(0, 4));
  std::ofstream(tmp.path("f.gz"), std::ios::binary) << first + GzipBadCrc(Lines(4, 3)) + Gzip(Lines(7, 2));
  // A file: the first member whole, nothing of the bad one or after it.
  const auto r = ReadAll(tmp.path("f.gz"));
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), Status::Code::kCorruption);
  EXPECT_EQ(r.error_offset, static_cast<int64_t>(first.size()));
  EXPECT_EQ(r.lines.size(), 4u);
  // A pipe: the first member whole; of the bad one at most what was
  // inflated before its trailer was checked (none when one call reached
  // it); nothing after.
  const auto p = ReadAllFromPipe(tmp, tmp.path("f.gz"));
  EXPECT_EQ(p.status.code(), Status::Code::kCorruption);
  EXPECT_EQ(p.error_offset, static_cast<int64_t>(first.size()));
  ASSERT_GE(p.lines.size(), 4u);
  EXPECT_LE(p.lines.size(), 7u);
  for (const auto& l : p.lines) EXPECT_EQ(l.find("\"id\":7,"), std::string::npos) << l;
}

// A bit flipped in the middle of a member's deflate data: what inflates
// before the CRC is checked can be well-formed lines with other lines'
// text under the keys of good documents (a back-reference copies other
// text). Reread from a file, the member replaced no stored document.
TEST(GzipAccounting, ADamagedMemberReplacesNoStoredDocument) {
  TempDir tmp;
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += R"({"id":)" + std::to_string(i) + R"(,"ctime":1778688503,"title":"t)" + std::to_string(i) +
            R"(","content":"深圳芯片 )" + std::to_string(i) + "\"}\n";
  std::ofstream(tmp.path("good.jsonl"), std::ios::binary) << text;
  std::string gz = Gzip(text);
  gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 4);
  std::ofstream(tmp.path("bad.gz"), std::ios::binary) << gz;
  const std::string db = tmp.path("db");
  ASSERT_EQ(testing::RunShell(GzipRunCmd(tmp.path("good.jsonl"), db)).exit_code, 0);
  const auto before = testing::RunShell(testing::Newsflow() + " query --json --limit 0 --db " + db);
  const auto bad = testing::RunShell(GzipRunCmd(tmp.path("bad.gz"), db));
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  const auto summary = testing::JsonObject::LastLine(bad.out);
  EXPECT_EQ(summary.Uint("read"), 0u) << bad.out;
  EXPECT_EQ(summary.Int("input_error_offset"), 0);
  const auto after = testing::RunShell(testing::Newsflow() + " query --json --limit 0 --db " + db);
  EXPECT_EQ(after.out, before.out) << "a damaged member changed stored documents";
  EXPECT_EQ(testing::RunShell(testing::Newsflow() + " dead-letter --count --db " + db).out, "0\n");
}

// The issue's reproducer: (gzip -c one.jsonl; printf '{...}\n') > f.gz.
TEST(GzipAccounting, PlainTailAfterGzipFailsTheRunWithTheOffset) {
  TempDir tmp;
  const std::string member = Gzip(Lines(0, 5));
  std::ofstream(tmp.path("f.gz"), std::ios::binary) << member + Lines(5, 1);
  const auto r = testing::RunShell(GzipRunCmd(tmp.path("f.gz"), tmp.path("db")));
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
  const auto r = testing::RunShell(GzipRunCmd(tmp.path("f.gz"), tmp.path("db")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto summary = testing::JsonObject::LastLine(r.out);
  ASSERT_TRUE(summary.ok()) << r.out;
  EXPECT_EQ(summary.Int("input_error_offset"), static_cast<int64_t>(first.size()));
  EXPECT_EQ(summary.Uint("read"), 4u);  // the first member; the bad one was checked before it was read
  EXPECT_EQ(summary.Uint("stored"), summary.Uint("read"));
  EXPECT_EQ(summary.Uint("stored"), StoredCount(tmp.path("db")));
}

// Six cls lines (with their newlines), the second not JSON. The fifth is
// long, so a cut inside its compressed bytes leaves a part of it readable.
std::vector<std::string> SixLinesTheSecondBad() {
  std::vector<std::string> lines;
  for (int i = 0; i < 6; ++i) lines.push_back(Lines(i, 1));
  lines[1] = "{\"id\":1,\"ctime\":1778688503,\"content\":\"never closed\n";
  std::string text;
  for (int i = 0; i < 400; ++i) text += "深圳推进芯片项目" + std::to_string(i * 7919 % 1000);
  lines[4] = R"({"id":4,"ctime":1778688503,"content":")" + text + "\"}\n";
  return lines;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

// The gzip of `lines` cut halfway through the compressed bytes of line
// `cut_line` (0-based).
std::string GzipCutInside(const std::vector<std::string>& lines, size_t cut_line) {
  std::vector<size_t> ends;
  const std::string gz = GzipFlushedPerLine(lines, &ends);
  const size_t from = cut_line == 0 ? 10 : ends[cut_line - 1];  // 10: the gzip header
  EXPECT_GT(ends[cut_line] - from, 16u) << "line " << cut_line << " compresses to too few bytes to cut inside";
  return gz.substr(0, (from + ends[cut_line]) / 2);
}

TEST(GzipAccounting, ALineCutByATruncatedMemberIsNotHandedOn) {
  TempDir tmp;
  const auto lines = SixLinesTheSecondBad();
  std::ofstream(tmp.path("f.gz"), std::ios::binary) << GzipCutInside(lines, 4);
  // A file: the truncated member is checked first, and none of it is read.
  const auto f = ReadAll(tmp.path("f.gz"));
  EXPECT_EQ(f.status.code(), Status::Code::kCorruption) << f.status.message();
  EXPECT_EQ(f.lines.size(), 0u);
  EXPECT_EQ(f.error_offset, 0);
  // A pipe: the lines before the cut, not the cut one.
  const auto r = ReadAllFromPipe(tmp, tmp.path("f.gz"));
  EXPECT_EQ(r.status.code(), Status::Code::kCorruption) << r.status.message();
  ASSERT_EQ(r.lines.size(), 4u) << "the cut line was handed on";
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(r.lines[i] + "\n", lines[i]);
}

uint64_t DeadLetterCount(const std::string& db) {
  const auto q = testing::RunShell(testing::Newsflow() + " dead-letter --count --db " + db);
  EXPECT_EQ(q.exit_code, 0) << q.err;
  return std::stoull(q.out);
}

// The issue's reproducer: a .gz cut short inside line 5 is run (exit 1),
// then completed and run again. The bad complete line before the cut is a
// dead letter; the cut line is not, neither in the failed run nor after
// the rerun has stored it.
TEST(GzipAccounting, ALineCutByATruncatedMemberIsNotDeadLettered) {
  TempDir tmp;
  const auto lines = SixLinesTheSecondBad();
  const std::string db = tmp.path("db"), gz = tmp.path("f.jsonl.gz");
  std::ofstream(gz, std::ios::binary) << GzipCutInside(lines, 4);
  // Through a pipe (a file's truncated member is refused before it is read).
  const auto cut = testing::RunShell("cat " + gz + " | " + GzipRunCmd("-", db));
  EXPECT_EQ(cut.exit_code, 1) << cut.err;
  const auto first = testing::JsonObject::LastLine(cut.out);
  ASSERT_TRUE(first.ok()) << cut.out;
  EXPECT_EQ(first.Uint("stored"), 3u);
  EXPECT_EQ(first.Uint("dead_lettered"), 1u);
  EXPECT_EQ(DeadLetterCount(db), 1u);

  std::ofstream(gz, std::ios::binary | std::ios::trunc) << Gzip(Joined(lines));
  const auto whole = testing::RunShell("cat " + gz + " | " + GzipRunCmd("-", db));  // the same stdin:LINE positions
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(StoredCount(db), 5u);
  EXPECT_EQ(DeadLetterCount(db), 1u) << testing::RunShell(testing::Newsflow() + " dead-letter --db " + db).out;
}

// The start of a gzip member that inflates to `runs` x 2,064 bytes of 'a'
// (after one 'a'), in ~13 bytes per run: one fixed-Huffman block of
// copies of 258 bytes at distance 1. It has no end: a whole check of it
// inflates all of it and then finds it truncated. 4 GB from 25 MB of file,
// a check of a few seconds.
std::string EndlessMemberStart(uint64_t runs) {
  std::string bits_out;
  uint64_t acc = 0;
  int nbits = 0;
  auto put = [&](uint32_t v, int n) {  // raw bits, least significant first
    acc |= uint64_t{v} << nbits;
    nbits += n;
    for (; nbits >= 8; nbits -= 8, acc >>= 8) bits_out.push_back(static_cast<char>(acc & 0xff));
  };
  auto code = [&](uint32_t c, int n) {  // a Huffman code, most significant bit first
    for (int i = n - 1; i >= 0; --i) put((c >> i) & 1, 1);
  };
  put(1, 1);                   // BFINAL
  put(1, 2);                   // BTYPE 01: fixed Huffman codes
  code(0x30 + 'a', 8);         // literal 'a'
  for (int i = 0; i < 24; ++i) {
    code(0xc5, 8);             // length symbol 285: 258 bytes
    code(0, 5);                // distance code 0: distance 1
  }
  // 8 copies are 104 bits: from byte 2 on the bytes repeat every 13.
  const std::string period = bits_out.substr(2, 13);
  EXPECT_EQ(bits_out.substr(15, 13), period);
  std::string out = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};
  out += bits_out.substr(0, 2);
  out.reserve(out.size() + runs * period.size());
  for (uint64_t i = 0; i < runs; ++i) out += period;
  return out;
}

// A stop ends a member's check, and the next Read() checks it again from
// its start: a stop that came and went loses and repeats nothing.
TEST(GzipAccounting, AStopEndsAMembersCheckAndTheNextReadChecksItAgain) {
  TempDir tmp;
  std::string text;
  for (int i = 0; i < 50000; ++i) text += Lines(i, 1);  // ~3.7 MB: the check inflates it in several MiB steps
  const std::string gz = Gzip(text);
  ASSERT_GT(text.size(), size_t{3} << 20);
  std::ofstream(tmp.path("f.gz"), std::ios::binary) << gz;
  const int fd = ::open(tmp.path("f.gz").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ByteReader in(fd);
  int asked = 0;
  bool stop = true;
  in.set_stop([&] { return ++asked, stop; });
  std::vector<char> buf(1 << 16);
  EXPECT_EQ(in.Read(buf.data(), buf.size()), ByteReader::kBlocked);
  EXPECT_TRUE(in.status().ok()) << in.status().message();
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(in.Read(buf.data(), buf.size()), ByteReader::kBlocked) << "still stopped: still not checked";
  stop = false;
  std::string got;
  for (long n; (n = in.Read(buf.data(), buf.size())) > 0;) got.append(buf.data(), static_cast<size_t>(n));
  EXPECT_TRUE(in.status().ok()) << in.status().message();
  EXPECT_GT(asked, 3) << "the check ran again, asking between chunks";
  EXPECT_EQ(got, text);
}

// A .gz whose second member is checked for seconds (4 GB of inflated
// bytes): SIGINT during that check stops the run there, and the file ends
// before the batch that was filling, as a stop between batches ends it (a
// short batch would move the cut of every batch a resumed run reads, and
// the story ids with it). The first member's lines are not stored; the
// summary says interrupted and resumable, exit 0; the next run reads them
// again. The check used to run on to its end deaf to the signal, and then
// fail the run on the member's damage.
TEST(GzipAccounting, SigintDuringALongMemberCheckStopsTheRun) {
  TempDir tmp;
  const std::string path = tmp.path("f.gz");
  const std::string first = Gzip(Lines(0, 3));
  {
    std::ofstream f(path, std::ios::binary);
    f << first << EndlessMemberStart(uint64_t{2} << 20);  // 4.3 GB inflated
  }
  testing::RunChild run({"run", "-q", "--json", "--format", "cls", "--source", path, "--rules",
                         testing::SourcePath("rules/sets"), "--db", tmp.path("db")},
                        tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  run.CloseInput();
  // The reader thread has spent 50 ms of CPU: it is inflating the second
  // member (the first inflates in well under a millisecond).
  auto reader_cpu_ticks = [&]() -> long {
    const std::string task = "/proc/" + std::to_string(run.pid()) + "/task";
    std::error_code ec;
    for (const auto& t : std::filesystem::directory_iterator(task, ec)) {
      if (testing::ReadProcFile(t.path().string() + "/comm") != "nf-reader\n") continue;
      const std::string stat = testing::ReadProcFile(t.path().string() + "/stat");
      if (stat.empty()) return -1;  // the reader ended
      std::istringstream fields(stat.substr(stat.rfind(')') + 2));
      std::string skip;
      for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt: utime is field 14 of stat
      long utime = 0;
      fields >> utime;
      return utime;
    }
    return -1;
  };
  const long tick = sysconf(_SC_CLK_TCK);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (reader_cpu_ticks() < tick / 20 && std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(run.WaitExit(std::chrono::milliseconds(5)), -1) << "the run ended before the check; stderr: "
                                                                << testing::ReadFile(tmp.path("err"));
  }
  ASSERT_GE(reader_cpu_ticks(), tick / 20) << "the reader never got to the second member's check";
  run.Signal(SIGINT);
  ASSERT_EQ(run.WaitExit(std::chrono::seconds(30)), 0) << testing::ReadFile(tmp.path("err"));
  const auto summary = testing::JsonObject::LastLine(testing::ReadFile(tmp.path("out")));
  EXPECT_TRUE(summary.Bool("interrupted"));
  EXPECT_TRUE(summary.Bool("resumable"));
  EXPECT_EQ(summary.Uint("read"), 0u);
  EXPECT_EQ(summary.Uint("stored"), 0u);
  EXPECT_EQ(summary.Int("input_error_offset"), -1);
  EXPECT_EQ(StoredCount(tmp.path("db")), 0u);
  // The next run reads the file from its start: the first member's lines,
  // then the second member's check, which fails at its offset (the lines
  // before it are stored, as for any damaged member).
  const auto again = testing::RunShell(GzipRunCmd(path, tmp.path("db")));
  EXPECT_EQ(again.exit_code, 1) << again.err;
  const auto resumed = testing::JsonObject::LastLine(again.out);
  EXPECT_EQ(resumed.Uint("resumed_from"), 0u);
  EXPECT_EQ(resumed.Uint("stored"), 3u);
  EXPECT_EQ(resumed.Int("input_error_offset"), static_cast<int64_t>(first.size()));
}

}  // namespace
}  // namespace newsflow::pipeline
