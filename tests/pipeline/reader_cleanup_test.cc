// Readers (query, show, dead-letter) open the store as a RocksDB secondary
// with a private `newsflow-reader-*` temporary directory. It must be removed
// on every exit path the process controls (and now once the store is open:
// also when it is killed): a closed stdout (`| head`) used
// to kill the reader by SIGPIPE and leave the directory behind; now the
// write fails with EPIPE, the command exits 1 and closes the store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

// Entries named newsflow-reader-* in `dir`.
int ReaderDirs(const std::string& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind("newsflow-reader-", 0) == 0) ++n;
  return n;
}

// Stores the cls sample (120 items) in `db`; the run's exit code.
int StoreClsSample(const std::string& db, const std::string& extra = "") {
  return RunShell(Newsflow() + " run -q --source " + SourcePath("tests/fixtures/cls-sample.jsonl") + " --rules " +
                  SourcePath("rules/sets") + " --db " + db + extra)
      .exit_code;
}

TEST(ReaderCleanup, ClosedStdoutLeavesNoTempDirAndExitsOne) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    const auto r = RunShell(Newsflow() + " run -q --source " + SourcePath(std::string("tests/fixtures/") + feed +
                                                                          "-sample.jsonl") +
                            " --rules " + SourcePath("rules/sets") + " --db " + db);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::filesystem::create_directories(tmp.path("t"));
  // 360 documents as JSON are far more than a pipe holds: writes continue
  // after `head` has exited.
  for (const std::string cmd : {"query --limit 0 --json", "dead-letter"}) {
    const auto r = RunShell("bash -c 'TMPDIR=" + tmp.path("t") + " " + Newsflow() + " " + cmd + " --db " + db +
                            " | head -c 10 >/dev/null; echo ${PIPESTATUS[0]}'");
    EXPECT_EQ(ReaderDirs(tmp.path("t")), 0) << cmd;
    if (cmd != "dead-letter") {
      EXPECT_EQ(r.out, "1\n") << cmd << ": exit status of the reader; " << r.err;
    }
  }
  // Control: a reader whose output is all read exits 0, and cleans up too.
  const auto ok = RunShell("TMPDIR=" + tmp.path("t") + " " + Newsflow() + " query --limit 0 --json --db " + db);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_GT(ok.out.size(), size_t{256} << 10);
  EXPECT_EQ(ReaderDirs(tmp.path("t")), 0);
}

// A reader killed with SIGKILL (a service manager's stop timeout, the OOM
// killer) runs no cleanup: its directory stayed in $TMPDIR for good (61 of
// them had piled up in this machine's /tmp). It is removed once the store is
// open (RocksDB keeps nothing there for a reader, whose log is discarded).
TEST(ReaderCleanup, AReaderKilledWithSigkillLeavesNoDirectory) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(StoreClsSample(db), 0);
  std::filesystem::create_directories(tmp.path("t"));
  // alerts --follow: a reader that stays open; killed a second after it started.
  const auto r = RunShell("TMPDIR=" + tmp.path("t") + " " + Newsflow() + " alerts --follow --db " + db +
                          " > /dev/null & pid=$!; sleep 1; kill -0 $pid && kill -KILL $pid; wait $pid; echo $?");
  EXPECT_EQ(r.out, "137\n") << "the reader was running when killed: " << r.err;
  EXPECT_EQ(ReaderDirs(tmp.path("t")), 0);
}

// A reader's directory goes under $TMPDIR, or /tmp when it is unset or
// empty (as POSIX tools read it). One that cannot be made there (missing,
// not a directory, not writable) is an error naming the directory, exit 1;
// it was an uncaught exception ("unexpected error: filesystem error:
// temp_directory_path"), also for an empty TMPDIR.
TEST(ReaderCleanup, TmpdirEmptyIsUnsetAndOneThatCannotBeUsedIsNamed) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(StoreClsSample(db), 0);
  const auto empty = RunShell("TMPDIR= " + Newsflow() + " query --count --db " + db);
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "120\n");
  std::filesystem::create_directories(tmp.path("file-parent"));
  const std::string not_dir = tmp.path("file-parent/plain");
  { std::ofstream(not_dir) << "x"; }
  for (const std::string& dir : {tmp.path("missing"), not_dir}) {
    const auto r = RunShell("TMPDIR=" + dir + " " + Newsflow() + " query --count --db " + db);
    EXPECT_EQ(r.exit_code, 1) << dir << ": " << r.err;
    EXPECT_NE(r.err.find(dir), std::string::npos) << "the error names the directory: " << r.err;
  }
}

// Every reader whose output cannot be written (a full disk, /dev/full)
// exits 1 and says so; `stats` and `alerts` exited 1 with nothing on stderr.
TEST(ReaderCleanup, AReaderWhoseOutputFailsSaysSo) {
  TempDir tmp;
  const std::string db = tmp.path("db"), subs = tmp.path("subs.yaml");
  { std::ofstream(subs) << "subscriptions:\n  - {name: ai, any: [cluster:ai]}\n"; }
  ASSERT_EQ(StoreClsSample(db, " --subscriptions " + subs + " --alerts file:" + tmp.path("a.jsonl")), 0);
  for (const std::string cmd : {"stats --json", "stats --by hour", "alerts --json", "alerts", "query --json --limit 0"}) {
    const auto ok = RunShell(Newsflow() + " " + cmd + " --db " + db);
    ASSERT_EQ(ok.exit_code, 0) << cmd << ": " << ok.err;
    ASSERT_FALSE(ok.out.empty()) << cmd << " prints nothing: the failing output below would not be tried";
    const auto r = RunShell("(" + Newsflow() + " " + cmd + " --db " + db + " > /dev/full)");
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_NE(r.err.find("newsflow " + cmd.substr(0, cmd.find(' ')) + ": "), std::string::npos)
        << cmd << ": the failure is said, by the command: '" << r.err << "'";
  }
}

}  // namespace
}  // namespace newsflow::pipeline
