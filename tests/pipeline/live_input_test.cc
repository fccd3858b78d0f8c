// Live inputs: stdin with the default batch size stores (and alerts) each
// line within a second of its arrival once the run is up, SIGTERM while
// stdin is open drains and exits 0, `follow:PATH` stores every line exactly
// once across appends, rotation, truncation and restarts, and an input that
// cannot be opened, or an alert or subscriptions path that cannot be used,
// leaves no store behind.
//
// Each run is a real `newsflow run` child process; its progress is watched
// through the alerts file (every test line matches an alert rule, and an
// alert is written only after its document is stored) and the store itself.
#include <fcntl.h>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <thread>

#include "json_util.h"
#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using namespace std::chrono_literals;
using testing::Newsflow;
using testing::ReadFile;
using testing::ReadLines;
using testing::RunChild;
using testing::RunShell;
using testing::StoredCount;
using testing::ThreadNames;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

// A cls-shaped item whose text names 深圳 (the alert rule's keyword).
std::string Line(int id) {
  return "{\"id\":" + std::to_string(900000 + id) + ",\"ctime\":" + std::to_string(1780000000 + id) +
         ",\"title\":\"深圳第" + std::to_string(id) + "条\",\"content\":\"深圳发布低空经济措施，编号" +
         std::to_string(id) + "。\"}\n";
}

// A line whose first 300 bytes are those of every other such line, as cls
// records start with the same "ad" block.
std::string PaddedLine(int id) { return "{\"ad\":\"" + std::string(300, 'a') + "\"," + Line(id).substr(1); }

void WriteRules(const TempDir& tmp) {
  std::filesystem::create_directories(tmp.path("rules"));
  std::ofstream(tmp.path("rules/a.yaml"))
      << "version: 1\nrules:\n"
         "  - tag: region:shenzhen\n    any: [深圳]\n    alert: true\n    provenance: [{seed: s.txt, clause: c}]\n";
}

// The arguments of `newsflow run` on stdin (cls lines) into tmp's store
// with tmp's rules (WriteRules), alerting to `alerts`, quiet, and `more`.
std::vector<std::string> StdinRunArgs(const TempDir& tmp, const std::string& alerts, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"run", "--source", "-", "--format", "cls", "--rules", tmp.path("rules"),
                                   "--db", tmp.path("db"), "--alerts", "file:" + alerts, "-q"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

size_t LineCount(const std::string& path) { return ReadLines(path).size(); }

// Waits until `path` has at least `n` lines; returns how long it took, or
// nullopt after `limit`.
std::optional<std::chrono::milliseconds> WaitForLines(const std::string& path, size_t n,
                                                      std::chrono::milliseconds limit) {
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < limit) {
    if (LineCount(path) >= n) return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    std::this_thread::sleep_for(5ms);
  }
  return std::nullopt;
}

// The alert ids of a JSON Lines text, in order.
std::vector<std::string> AlertIds(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& a : testing::JsonLines(text)) out.push_back(a.String("id"));
  return out;
}

// Starts a stdin run (StdinRunArgs) and waits until it has stored and
// alerted line 0: the preamble of the tests that act on a running run. A
// fatal failure if line 0 is not alerted within 10 s.
void StartAlertedRun(const TempDir& tmp, const std::string& alerts, std::unique_ptr<RunChild>* run,
                     std::vector<std::string> more = {}) {
  *run = std::make_unique<RunChild>(StdinRunArgs(tmp, alerts, std::move(more)), tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE((*run)->started());
  (*run)->Write(Line(0));
  ASSERT_TRUE(WaitForLines(alerts, 1, 10s)) << "line 0 was not alerted within 10 s; stderr: "
                                            << ReadFile(tmp.path("err"));
}

// A run on stdin alerting to `alerts`: lines 0 and 1, rotate(1), line 2,
// rotate(2), line 3 (each rotation once the lines before it are alerted),
// then the input ends and the run must exit 0.
void RunAcrossTwoRotations(const TempDir& tmp, const std::string& alerts, const std::function<void(int)>& rotate) {
  RunChild run(StdinRunArgs(tmp, alerts), tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  run.Write(Line(0) + Line(1));
  ASSERT_TRUE(WaitForLines(alerts, 2, 10s)) << ReadFile(tmp.path("err"));
  rotate(1);
  if (::testing::Test::HasFatalFailure()) return;
  run.Write(Line(2));
  ASSERT_TRUE(WaitForLines(alerts, 1, 10s)) << "no new file at the path; stderr: " << ReadFile(tmp.path("err"));
  rotate(2);
  if (::testing::Test::HasFatalFailure()) return;
  run.Write(Line(3));
  ASSERT_TRUE(WaitForLines(alerts, 1, 10s)) << ReadFile(tmp.path("err"));
  run.CloseInput();
  ASSERT_EQ(run.WaitExit(10s), 0) << ReadFile(tmp.path("err"));
}

TEST(LiveInput, StdinLinesAreStoredAndAlertedWithinASecondAndSigtermDrains) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl");
  // The default --batch (1024). Line 0 is written while the run is still
  // starting (compiling rules, opening the store), so its latency includes
  // start-up, which is not the promise (start-up is measured in bench/, and
  // under ASan next to another test it once took a second). Lines 1-3
  // arrive at a running pipeline that sits idle on an open stdin, and each
  // must be out within a second.
  std::unique_ptr<RunChild> run;
  ASSERT_NO_FATAL_FAILURE(StartAlertedRun(tmp, alerts, &run, {"--json"}));
  for (int i = 1; i <= 3; ++i) {
    std::this_thread::sleep_for(i == 1 ? 500ms : 2s);
    const auto t0 = Clock::now();
    run->Write(Line(i));
    const auto took = WaitForLines(alerts, static_cast<size_t>(i) + 1, 5s);
    ASSERT_TRUE(took) << "line " << i << " was not alerted within 5 s; stderr: " << ReadFile(tmp.path("err"));
    EXPECT_LT(Clock::now() - t0, 1s) << "line " << i << " took " << took->count() << " ms";
  }
  // An alert is published after its document is stored: the store has it.
  EXPECT_EQ(StoredCount(tmp.path("db")), 4u);

  // One more line, then SIGTERM with stdin still open: the line is stored,
  // the run exits 0 within 5 s and says so in its summary.
  run->Write(Line(4));
  run->Signal(SIGTERM);
  const int code = run->WaitExit(5s);
  ASSERT_EQ(code, 0) << "exit (-1 = still running after 5 s); stderr: " << ReadFile(tmp.path("err"));
  const auto summary = testing::JsonObject::LastLine(ReadFile(tmp.path("out")));
  EXPECT_EQ(summary.Uint("read"), 5u);
  EXPECT_EQ(summary.Uint("stored"), 5u);
  EXPECT_TRUE(summary.Bool("durable"));
  EXPECT_TRUE(summary.Bool("interrupted"));
  EXPECT_EQ(StoredCount(tmp.path("db")), 5u);
  EXPECT_EQ(LineCount(alerts), 5u);
}

// SIGTERM while the writer of stdin is in the middle of a line (the run
// read up to a pipe's buffer boundary; the writer goes on): the run waits
// for the line's end (within its drain limit) and stores it, instead of
// handing on its first half as a dead letter while the rest is lost with
// the pipe.
TEST(LiveInput, SigtermInTheMiddleOfALineWaitsForItsEndAndStoresIt) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl");
  std::unique_ptr<RunChild> run;
  ASSERT_NO_FATAL_FAILURE(StartAlertedRun(tmp, alerts, &run, {"--json"}));
  const std::string line = Line(1);
  run->Write(line.substr(0, line.size() / 2));
  std::this_thread::sleep_for(300ms);  // the run reads the first half, and waits for more
  run->Signal(SIGTERM);
  std::this_thread::sleep_for(500ms);  // the stop is seen (within 100 ms) before the rest comes
  run->Write(line.substr(line.size() / 2));
  // stdin stays open: the run ends on the stop, not at the input's end.
  const int code = run->WaitExit(10s);
  ASSERT_EQ(code, 0) << "exit (-1 = still running after 10 s); stderr: " << ReadFile(tmp.path("err"));
  const auto summary = testing::JsonObject::LastLine(ReadFile(tmp.path("out")));
  EXPECT_EQ(summary.Uint("stored"), 2u) << ReadFile(tmp.path("out"));
  EXPECT_EQ(summary.Uint("dead_lettered"), 0u) << ReadFile(tmp.path("out"));
  EXPECT_EQ(StoredCount(tmp.path("db")), 2u);
}

// The store's directory removed under a running run (an operator's rm -rf,
// a cleanup script): the next batch's write fails, the run exits 1, and
// its summary does not call anything durable, since no later open of the
// path finds what it wrote. (It went on for ~25 s, until RocksDB next
// opened a file, and then said "durable": true.)
TEST(LiveInput, AStoreRemovedUnderARunFailsItsNextWriteAndNothingIsCalledDurable) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl");
  std::unique_ptr<RunChild> run;
  ASSERT_NO_FATAL_FAILURE(StartAlertedRun(tmp, alerts, &run, {"--json"}));
  std::filesystem::remove_all(tmp.path("db"));
  run->Write(Line(1));
  const int code = run->WaitExit(10s);
  ASSERT_EQ(code, 1) << "exit (-1 = still running after 10 s); stderr: " << ReadFile(tmp.path("err"));
  const auto summary = testing::JsonObject::LastLine(ReadFile(tmp.path("out")));
  EXPECT_FALSE(summary.Bool("durable")) << ReadFile(tmp.path("out"));
  EXPECT_EQ(summary.Uint("stored"), 0u) << ReadFile(tmp.path("out"));
  EXPECT_NE(ReadFile(tmp.path("err")).find("removed, moved or replaced"), std::string::npos)
      << ReadFile(tmp.path("err"));
  EXPECT_EQ(LineCount(alerts), 1u) << "an alert of a document written after the store went";
}

// The alert file moved away (logrotate, an operator archiving it) while the
// run goes on: the next alerts go to a new file at the path, which a
// consumer tailing the path sees; the moved file keeps the earlier ones;
// none is lost or repeated.
TEST(LiveInput, AnAlertFileMovedAwayIsFollowedByANewFileAtItsPath) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl"), rotated = tmp.path("alerts.jsonl.1");
  RunAcrossTwoRotations(tmp, alerts, [&](int n) {
    if (n == 1) std::filesystem::rename(alerts, rotated);
    else std::filesystem::remove(alerts);  // removed outright the second time
  });
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(AlertIds(ReadFile(rotated)), (std::vector<std::string>{"cls:900000", "cls:900001"}));
  EXPECT_EQ(AlertIds(ReadFile(alerts)), (std::vector<std::string>{"cls:900003"}));
}

// A second run started on a store another run holds, with the same alert
// file, is refused before it opens that file: opening a file sink cuts a
// partial last line, and the holder may be in the middle of writing it (the
// alerts it then acknowledges would be cut away). Then the holder goes on.
TEST(LiveInput, ARunRefusedTheStoreLeavesTheHoldersAlertFileAlone) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl");
  std::unique_ptr<RunChild> holder;
  ASSERT_NO_FATAL_FAILURE(StartAlertedRun(tmp, alerts, &holder));
  std::ofstream(alerts, std::ios::app) << "{\"id\":\"cls:9";  // the holder's next line, half written
  const std::string before = ReadFile(alerts);
  std::ofstream(tmp.path("in.jsonl")) << Line(1);
  const auto second = RunShell(Newsflow() + " run -q --format cls --source " + tmp.path("in.jsonl") + " --rules " +
                               tmp.path("rules") + " --db " + tmp.path("db") + " --alerts file:" + alerts);
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_EQ(ReadFile(alerts), before) << "the refused run cut the holder's alert file; stderr: " << second.err;
  holder->CloseInput();
  EXPECT_EQ(holder->WaitExit(10s), 0) << ReadFile(tmp.path("err"));
}

// deploy/logrotate/newsflow, as shipped (its path made the test's, its su
// line dropped: the test's user owns the directory), run by the real
// logrotate twice against a running run: every alert is in exactly one of
// the rotated files, the newest rotated one plain (delaycompress), the one
// before compressed, none lost or repeated.
TEST(LiveInput, TheShippedLogrotateFileRotatesARunningRunsAlertsWithoutLosingOne) {
  const std::string logrotate = std::filesystem::exists("/usr/sbin/logrotate") ? "/usr/sbin/logrotate" : "logrotate";
  ASSERT_EQ(RunShell(logrotate + " --version").exit_code, 0)
      << "logrotate is missing: deploy/install-deps.sh installs it";
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl");
  std::string conf;
  for (const std::string& line : ReadLines(testing::SourcePath("deploy/logrotate/newsflow"))) {
    if (const size_t word = line.find_first_not_of(' '); word != std::string::npos && line.compare(word, 3, "su ") == 0)
      continue;
    conf += line + "\n";
  }
  const std::string shipped = "/var/lib/newsflow/alerts.jsonl";
  ASSERT_NE(conf.find(shipped + " {"), std::string::npos) << conf;
  for (size_t at; (at = conf.find(shipped)) != std::string::npos;) conf.replace(at, shipped.size(), alerts);
  std::ofstream(tmp.path("logrotate.conf")) << conf;
  const std::string rotate = logrotate + " -f -s " + tmp.path("logrotate.state") + " " + tmp.path("logrotate.conf");

  RunAcrossTwoRotations(tmp, alerts, [&](int n) {
    const auto rotated = RunShell(rotate);
    ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
    if (n == 1) {
      ASSERT_FALSE(std::filesystem::exists(alerts)) << "nocreate: the run makes the new file";
    }
  });
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(std::filesystem::exists(alerts + ".2.gz")) << "the older rotation is compressed";
  const auto unzipped = RunShell("gzip -dc " + alerts + ".2.gz");
  ASSERT_EQ(unzipped.exit_code, 0) << unzipped.err;
  EXPECT_EQ(AlertIds(unzipped.out), (std::vector<std::string>{"cls:900000", "cls:900001"}));
  EXPECT_EQ(AlertIds(ReadFile(alerts + ".1")), (std::vector<std::string>{"cls:900002"}));
  EXPECT_EQ(AlertIds(ReadFile(alerts)), (std::vector<std::string>{"cls:900003"}));
}

// The alert file moved away and a FIFO made at its path (a consumer switched
// to a pipe by hand): the run does not open the FIFO as a file (it would
// read its own alerts back out of it and take them as delivered); it stops
// with the reason, and the next start writes the waiting alerts to the
// FIFO's reader.
TEST(LiveInput, AnAlertFileReplacedByAFifoStopsTheRunAndTheNextStartDeliversToIt) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl");
  std::unique_ptr<RunChild> run;
  ASSERT_NO_FATAL_FAILURE(StartAlertedRun(tmp, alerts, &run));
  std::filesystem::rename(alerts, tmp.path("alerts.jsonl.1"));
  ASSERT_EQ(::mkfifo(alerts.c_str(), 0600), 0);
  run->Write(Line(1));
  ASSERT_EQ(run->WaitExit(10s), 1) << ReadFile(tmp.path("err"));
  EXPECT_NE(ReadFile(tmp.path("err")).find("was replaced by a pipe"), std::string::npos) << ReadFile(tmp.path("err"));
  // The next start, with a reader on the FIFO: the waiting alert reaches it.
  const auto next = RunShell("(timeout 30 cat " + alerts + " > " + tmp.path("read.jsonl") + " & c=$!; sleep 0.2; " + Newsflow() +
                             " run --source /dev/null --format cls --rules " + tmp.path("rules") + " --db " +
                             tmp.path("db") + " --alerts file:" + alerts + " -q; r=$?; wait $c; exit $r)");
  ASSERT_EQ(next.exit_code, 0) << next.err;
  std::vector<std::string> got;
  for (const auto& a : testing::JsonLines(ReadFile(tmp.path("read.jsonl")))) got.push_back(a.String("id"));
  EXPECT_EQ(got, (std::vector<std::string>{"cls:900001"}));
}

// An operator looking at a busy or stuck run (`top -H`, `perf --sort comm`,
// gdb) sees which stage each thread is: every stage thread of a running
// pipeline carries its name, and the main thread keeps the program's.
TEST(LiveInput, EveryStageThreadOfARunningPipelineCarriesItsName) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl");
  std::unique_ptr<RunChild> run;
  ASSERT_NO_FATAL_FAILURE(StartAlertedRun(tmp, alerts, &run, {"--threads", "2"}));
  const std::multiset<std::string> names = ThreadNames(run->pid());
  for (const char* stage : {"nf-reader", "nf-work-0", "nf-work-1", "nf-story", "nf-reloader", "nf-requests"})
    EXPECT_EQ(names.count(stage), 1u) << stage << " among " << ::testing::PrintToString(names);
  EXPECT_EQ(names.count("nf-work-2"), 0u) << "--threads 2 started a third worker";
  // The main thread (the writer) keeps the program's name; RocksDB's timer
  // thread, which RocksDB does not name, inherits it too.
  EXPECT_GE(names.count("newsflow"), 1u) << ::testing::PrintToString(names);
  run->CloseInput();
  EXPECT_EQ(run->WaitExit(10s), 0) << "stderr: " << ReadFile(tmp.path("err"));
}

TEST(LiveInput, AnInputThatCannotBeOpenedCreatesNoStore) {
  TempDir tmp;
  for (const std::string& source : {"file:" + tmp.path("missing.jsonl"), "follow:" + tmp.path("nodir/missing.jsonl")}) {
    const auto r = RunShell(Newsflow() + " run -q --source " + source + " --rules " +
                            testing::SourcePath("rules/sets") + " --db " + tmp.path("db"));
    EXPECT_EQ(r.exit_code, 1) << source << ": " << r.err;
    EXPECT_NE(r.err.find(source.substr(source.find(':') + 1)), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(tmp.path("db"))) << source << " left a store behind";
  }
}

// The same for the files the run writes or reads beside its input: an alert
// file in a directory that does not exist, or that is a directory, a FIFO
// that no process reads, and a subscriptions file that is missing or names a tag no rule has. Then, with
// the paths right, the run stores and alerts (the check refuses nothing good).
TEST(LiveInput, AnAlertOrSubscriptionsPathThatCannotBeUsedCreatesNoStore) {
  TempDir tmp;
  WriteRules(tmp);
  {
    std::ofstream(tmp.path("in.jsonl")) << Line(1);
    std::ofstream(tmp.path("subs.yaml")) << "subscriptions:\n  - name: sz\n    any: [region:shenzhen]\n";
    std::ofstream(tmp.path("unknown-tag.yaml")) << "subscriptions:\n  - name: x\n    any: [region:atlantis]\n";
  }
  std::filesystem::create_directories(tmp.path("a-dir"));
  ASSERT_EQ(::mkfifo(tmp.path("unread.fifo").c_str(), 0600), 0);  // a pipe no process reads
  const std::string base = Newsflow() + " run -q --source " + tmp.path("in.jsonl") + " --rules " + tmp.path("rules") +
                           " --db " + tmp.path("db");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {" --alerts file:" + tmp.path("nodir/a.jsonl") + " --subscriptions " + tmp.path("subs.yaml"), "nodir"},
      {" --alerts file:" + tmp.path("a-dir") + " --subscriptions " + tmp.path("subs.yaml"), "a-dir"},
      {" --alerts file:" + tmp.path("unread.fifo"), "unread.fifo"},
      {" --alerts file:" + tmp.path("a.jsonl") + " --subscriptions " + tmp.path("missing.yaml"), "missing.yaml"},
      {" --alerts file:" + tmp.path("a.jsonl") + " --subscriptions " + tmp.path("unknown-tag.yaml"), "atlantis"},
  };
  for (const auto& [args, named] : bad) {
    const auto r = RunShell(base + args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.err.find(named), std::string::npos) << args << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(tmp.path("db"))) << args << " left a store behind";
  }
  const auto ok = RunShell(base + " --alerts file:" + tmp.path("a.jsonl") + " --subscriptions " + tmp.path("subs.yaml"));
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(StoredCount(tmp.path("db")), 1u);
  // The rule's own alert and the subscription's, one each.
  std::multiset<std::string> subscriptions;
  for (const testing::JsonObject& a : testing::JsonLines(ReadFile(tmp.path("a.jsonl"))))
    subscriptions.insert(a.String("subscription"));
  EXPECT_EQ(subscriptions, (std::multiset<std::string>{"sz", "<missing subscription>"}));
}

// A FIFO that no writer has opened yet: the run waits for one as a live
// input, and SIGTERM stops it there (it waited in open(), deaf to signals,
// until SIGKILL: systemctl stop timed out). Then the first writer's lines
// are stored, and its close ends the input. follow: refuses a FIFO at once.
TEST(LiveInput, AFifoWithNoWriterYetWaitsForOneAndSigtermStopsTheWait) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string fifo = tmp.path("in.fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  {
    RunChild run({"run", "--source", fifo, "--format", "cls", "--rules", tmp.path("rules"), "--db", tmp.path("db1"),
                  "--json", "-q"},
                 tmp.path("out1"), tmp.path("err1"));
    ASSERT_TRUE(run.started());
    std::this_thread::sleep_for(1s);
    run.Signal(SIGTERM);
    ASSERT_EQ(run.WaitExit(5s), 0) << "exit (-1 = still running 5 s after SIGTERM); stderr: "
                                   << ReadFile(tmp.path("err1"));
    const auto summary = testing::JsonObject::LastLine(ReadFile(tmp.path("out1")));
    EXPECT_TRUE(summary.Bool("interrupted"));
    EXPECT_EQ(summary.Uint("read"), 0u);
  }
  RunChild run({"run", "--source", fifo, "--format", "cls", "--rules", tmp.path("rules"), "--db", tmp.path("db2"),
                "--json", "-q"},
               tmp.path("out2"), tmp.path("err2"));
  ASSERT_TRUE(run.started());
  std::this_thread::sleep_for(500ms);  // the run waits for a writer; none has come and gone
  {
    std::ofstream writer(fifo);  // blocks until the run has the FIFO open for reading
    for (int i = 0; i < 3; ++i) writer << Line(i);
  }
  ASSERT_EQ(run.WaitExit(10s), 0) << "stderr: " << ReadFile(tmp.path("err2"));
  const auto summary = testing::JsonObject::LastLine(ReadFile(tmp.path("out2")));
  EXPECT_EQ(summary.Uint("stored"), 3u);
  EXPECT_FALSE(summary.Bool("interrupted"));
  const auto r = RunShell("timeout 10 " + Newsflow() + " run -q --source follow:" + fifo + " --rules " +
                          tmp.path("rules") + " --db " + tmp.path("db3"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
  // A .gz cannot be followed: refused at once, not read as text (every line
  // a "NUL byte" dead letter).
  ASSERT_EQ(RunShell("(gzip -c " + SourcePath("tests/fixtures/cls-sample.jsonl") + " > " + tmp.path("cls.jsonl.gz") +
                     ")")
                .exit_code,
            0);
  const auto gz = RunShell("timeout 10 " + Newsflow() + " run -q --json --source follow:" + tmp.path("cls.jsonl.gz") +
                           " --rules " + tmp.path("rules") + " --db " + tmp.path("db4"));
  EXPECT_EQ(gz.exit_code, 1) << gz.err;
  EXPECT_NE(gz.err.find("it is gzip"), std::string::npos) << gz.err;
  EXPECT_FALSE(std::filesystem::exists(tmp.path("db4")));
}

// One `run --source follow:PATH` process; stopped with SIGTERM.
class FollowRun {
 public:
  FollowRun(const TempDir& tmp, const std::string& file, int n)
      : out_(tmp.path("out" + std::to_string(n))), err_(tmp.path("err" + std::to_string(n))),
        child_({"run", "--source", "follow:" + file, "--format", "cls", "--rules", tmp.path("rules"), "--db",
                tmp.path("db"), "--alerts", "file:" + tmp.path("alerts.jsonl"), "--json", "-q"},
               out_, err_) {}
  bool started() const { return child_.started(); }
  // Stops the run; returns its summary's `read`.
  uint64_t Stop() {
    child_.Signal(SIGTERM);
    const int code = child_.WaitExit(10s);
    EXPECT_EQ(code, 0) << ReadFile(err_);
    if (code != 0) return 0;
    const auto summary = testing::JsonObject::LastLine(ReadFile(out_));
    EXPECT_EQ(summary.Uint("dead_lettered"), 0u) << ReadFile(out_);
    EXPECT_TRUE(summary.Bool("interrupted")) << ReadFile(out_);
    return summary.Uint("read");
  }
  std::string err() const { return ReadFile(err_); }
  void Signal(int sig) { child_.Signal(sig); }

 private:
  std::string out_, err_;
  RunChild child_;
};

void Append(const std::string& path, int from, int to) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  for (int i = from; i <= to; ++i) f << Line(i);
}

// Exactly once: `n` documents stored and `n` alerts, each of another key.
void ExpectStoredAndAlertedOnce(const std::string& db, const std::string& alerts, size_t n) {
  EXPECT_EQ(StoredCount(db), n);
  std::set<std::string> keys;
  for (const auto& alert : testing::JsonLines(ReadFile(alerts))) keys.insert(alert.String("key"));
  EXPECT_EQ(LineCount(alerts), n);
  EXPECT_EQ(keys.size(), n);
}

// wait_for(n, run): waits until the alerts file has `n` lines (each test
// line alerts once); a failure names the run's stderr.
auto AlertWaiter(const std::string& alerts) {
  return [alerts](size_t n, const FollowRun& run) {
    ASSERT_TRUE(WaitForLines(alerts, n, 10s)) << "waiting for " << n << " lines, have " << LineCount(alerts)
                                               << "; stderr: " << run.err();
  };
}

// --retain on a quiet source: what is past retention goes on time, not
// when the next line comes (the writer prunes while it waits for one).
TEST(LiveInput, RetentionPrunesWhileTheSourceIsQuiet) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string db = tmp.path("db"), old = tmp.path("old.jsonl"), feed = tmp.path("feed.jsonl");
  Append(old, 1, 5);  // dated 2026-05-28: older than a day
  ASSERT_EQ(RunShell(Newsflow() + " run -q --source file:" + old + " --format cls --rules " + tmp.path("rules") +
                     " --db " + db).exit_code, 0);
  ASSERT_EQ(StoredCount(db), 5u);
  { std::ofstream(feed) << ""; }
  RunChild run({"--log-format", "json", "run", "--source", "follow:" + feed, "--format", "cls", "--rules",
                tmp.path("rules"), "--db", db, "--retain", "1d", "--retain-interval", "1", "--json", "-q", "--http",
                "127.0.0.1:0", "--http-port-file", tmp.path("port")},
               tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  bool pruned = false;
  for (int i = 0; i < 100 && !pruned; ++i) {
    std::this_thread::sleep_for(100ms);
    pruned = StoredCount(db) == 0;
  }
  EXPECT_TRUE(pruned) << "nothing pruned while no line came; stderr: " << ReadFile(tmp.path("err"));
  // /metrics says what the store holds now, with no batch since the pass
  // (it showed the 5 until the next batch), and the log says what went.
  std::string port = ReadFile(tmp.path("port"));
  while (!port.empty() && (port.back() == '\n' || port.back() == ' ')) port.pop_back();
  std::string metrics;
  for (int i = 0; i < 20; ++i) {  // the gauge is read right after the pass the count saw
    metrics = RunShell("curl -s http://127.0.0.1:" + port + "/metrics").out;
    if (metrics.find("\nnewsflow_store_documents 0\n") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(metrics.find("\nnewsflow_store_documents 0\n"), std::string::npos) << metrics.substr(0, 3000);
  bool logged = false;
  for (const testing::JsonObject& l : testing::JsonLines(ReadFile(tmp.path("err"))))
    logged |= l.String("component") == "retain" && l.String("level") == "info";
  EXPECT_TRUE(logged) << ReadFile(tmp.path("err"));
  run.Signal(SIGTERM);
  ASSERT_EQ(run.WaitExit(10s), 0) << ReadFile(tmp.path("err"));
  const auto summary = testing::JsonObject::LastLine(ReadFile(tmp.path("out")));
  EXPECT_EQ(summary.Uint("pruned"), 5u) << ReadFile(tmp.path("out"));
  EXPECT_EQ(summary.Uint("read"), 0u);
}

// A service started before its feed's writer created the file (the
// example config's follow path, under systemd): the run waits for it, as
// tail -F does, instead of failing into a restart loop; it reads the file
// from its start once there, and a restart resumes it.
TEST(LiveInput, FollowWaitsForAFileNotCreatedYet) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string feed = tmp.path("feed.jsonl"), alerts = tmp.path("alerts.jsonl");
  auto wait_for = AlertWaiter(alerts);
  {
    FollowRun run(tmp, feed, 1);
    ASSERT_TRUE(run.started());
    std::this_thread::sleep_for(600ms);  // up, and waiting
    Append(feed, 1, 5);
    wait_for(5, run);
    Append(feed, 6, 8);
    wait_for(8, run);
    EXPECT_EQ(run.Stop(), 8u);
  }
  {
    FollowRun run(tmp, feed, 2);
    Append(feed, 9, 10);
    wait_for(10, run);
    EXPECT_EQ(run.Stop(), 2u);
  }
  ExpectStoredAndAlertedOnce(tmp.path("db"), alerts, 10);
}

TEST(LiveInput, FollowStoresEveryLineOnceAcrossRotationTruncationAndRestarts) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string f = tmp.path("feed.jsonl"), alerts = tmp.path("alerts.jsonl");
  uint64_t read = 0;
  const auto wait_for = AlertWaiter(alerts);
  Append(f, 1, 5);
  {
    FollowRun run(tmp, f, 1);
    ASSERT_TRUE(run.started());
    wait_for(5, run);
    Append(f, 6, 10);  // growth
    wait_for(10, run);
    std::filesystem::rename(f, f + ".1");  // rotation: the writer still appends to the old file ...
    Append(f + ".1", 11, 12);
    std::this_thread::sleep_for(300ms);
    Append(f, 13, 15);  // ... then a new file appears at the path
    wait_for(15, run);
    read += run.Stop();
  }
  Append(f, 16, 18);  // written while no run follows the file
  {
    FollowRun run(tmp, f, 2);
    wait_for(18, run);
    std::filesystem::resize_file(f, 0);  // truncation (copytruncate), then new lines
    std::this_thread::sleep_for(300ms);
    Append(f, 19, 20);
    wait_for(20, run);
    read += run.Stop();
  }
  // Rotated while no run follows it, with lines added to the old file.
  std::filesystem::rename(f, f + ".2");
  Append(f + ".2", 21, 21);
  Append(f, 22, 23);
  {
    FollowRun run(tmp, f, 3);
    wait_for(23, run);
    std::this_thread::sleep_for(300ms);  // time for a repeat to show
    read += run.Stop();
  }
  // Exactly once: no run read a line twice, every line is stored, and no
  // alert repeats.
  EXPECT_EQ(read, 23u);
  ExpectStoredAndAlertedOnce(tmp.path("db"), alerts, 23);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// The cases a log shipper meets (each reproduced a lost line before):
// the writer appends to the renamed file after the new one appeared
// (logrotate `create`), a rewrite that grows past the old size between two
// polls, two rotations and a copytruncate while no run follows the file, and
// a FIFO in the directory during the resume scan.
TEST(LiveInput, FollowKeepsEveryLineThroughLateWritesRewritesAndMissedRotations) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string f = tmp.path("feed.jsonl"), alerts = tmp.path("alerts.jsonl");
  uint64_t read = 0;
  const auto wait_for = AlertWaiter(alerts);
  ASSERT_EQ(mkfifo(tmp.path("a.fifo").c_str(), 0600), 0);  // never opened by anyone
  Append(f, 1, 3);
  {
    FollowRun run(tmp, f, 1);
    wait_for(3, run);
    // logrotate `create`: rename, new file with lines, then the writer (not
    // reopened yet) still appends to the old one.
    std::filesystem::rename(f, f + ".1");
    Append(f, 6, 7);
    Append(f + ".1", 4, 5);
    wait_for(7, run);
    // A rewrite that is longer than what was read, in one go.
    std::string rewrite;
    for (int i = 8; i <= 20; ++i) rewrite += Line(i);
    std::ofstream(f, std::ios::binary | std::ios::trunc) << rewrite;
    wait_for(20, run);
    read += run.Stop();
  }
  // Two rotations while stopped: the file of the mark is now feed.jsonl.2.
  Append(f, 21, 22);
  std::filesystem::rename(f + ".1", f + ".3");  // the oldest, already read: must not be read again
  std::filesystem::rename(f, f + ".2");
  Append(f + ".2", 23, 23);
  std::this_thread::sleep_for(20ms);  // distinct modification times
  Append(f + ".1", 24, 25);
  std::this_thread::sleep_for(20ms);
  Append(f, 26, 27);
  {
    FollowRun run(tmp, f, 2);
    wait_for(27, run);
    read += run.Stop();
  }
  // copytruncate while stopped: the lines after the mark are only in the copy.
  Append(f, 28, 29);
  std::filesystem::copy_file(f, f + ".0");
  std::filesystem::resize_file(f, 0);
  Append(f, 30, 30);
  {
    FollowRun run(tmp, f, 3);
    wait_for(30, run);
    std::this_thread::sleep_for(300ms);
    read += run.Stop();
  }
  EXPECT_EQ(read, 30u);
  EXPECT_EQ(StoredCount(tmp.path("db")), 30u);
  EXPECT_EQ(LineCount(alerts), 30u);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// A feed's records start alike (cls: the same ~300-byte "ad" block), so a
// file rewritten in place (`> f`) starts with the bytes the old one did:
// the rewrite must still be seen, live and across a restart, not read on
// from the old offset in the middle of a new record.
TEST(LiveInput, FollowSeesARewriteWhoseRecordsStartAsTheOldOnesDid) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string f = tmp.path("feed.jsonl"), alerts = tmp.path("alerts.jsonl");
  auto write = [&](int from, int to) {
    std::string text;
    for (int i = from; i <= to; ++i) text += PaddedLine(i);
    std::ofstream(f, std::ios::binary | std::ios::trunc) << text;
  };
  const auto wait_for = AlertWaiter(alerts);
  uint64_t read = 0;
  write(1, 3);
  {
    FollowRun run(tmp, f, 1);
    ASSERT_TRUE(run.started());
    wait_for(3, run);
    std::this_thread::sleep_for(200ms);  // idle at the end of the file
    write(4, 15);                         // longer than what was read
    wait_for(15, run);
    read += run.Stop();
  }
  write(16, 40);  // rewritten while no run follows the file
  {
    FollowRun run(tmp, f, 2);
    wait_for(40, run);
    std::this_thread::sleep_for(300ms);
    read += run.Stop();  // (Stop checks: no dead letter)
  }
  EXPECT_EQ(read, 40u);
  EXPECT_EQ(StoredCount(tmp.path("db")), 40u);
  EXPECT_EQ(LineCount(alerts), 40u);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// Rotations a slow or paused reader meets: two rotations before it has
// finished the old file (the middle generation is only in feed.jsonl.1),
// dated names (logrotate `dateext`) across a restart, and files beside the
// feed whose names merely start with its name (notes, backups, a writer's
// log), which are not rotations of it and must never be read.
TEST(LiveInput, FollowReadsEveryGenerationOfTwoRotationsAndNothingElseBesideIt) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string f = tmp.path("feed.jsonl"), alerts = tmp.path("alerts.jsonl");
  const auto wait_for = AlertWaiter(alerts);
  // Not rotations of feed.jsonl: lines that would be stored (and alerted)
  // if they were read as the feed.
  Append(f + ".notes", 901, 902);
  Append(f + ".bak", 903, 903);
  Append(tmp.path("feed.jsonl-writer.log"), 904, 904);
  uint64_t read = 0;
  Append(f, 1, 3);
  {
    FollowRun run(tmp, f, 1);
    ASSERT_TRUE(run.started());
    wait_for(3, run);
    // The reader is paused (as a busy run is behind) while the writer
    // rotates twice: 4-5 end up in feed.jsonl.2, 6-7 in feed.jsonl.1.
    run.Signal(SIGSTOP);
    Append(f, 4, 5);
    std::filesystem::rename(f, f + ".1");
    Append(f, 6, 7);
    std::filesystem::rename(f + ".1", f + ".2");
    std::filesystem::rename(f, f + ".1");
    Append(f, 8, 9);
    run.Signal(SIGCONT);
    wait_for(9, run);
    read += run.Stop();
  }
  // Two dated rotations while no run follows the file: the mark's file is
  // now feed.jsonl-20261201, then feed.jsonl-20261202, then the new file.
  Append(f, 10, 11);
  std::filesystem::rename(f, f + "-20261201");
  std::this_thread::sleep_for(20ms);  // distinct modification times
  Append(f, 12, 13);
  std::filesystem::rename(f, f + "-20261202");
  std::this_thread::sleep_for(20ms);
  Append(f, 14, 15);
  Append(f + ".notes", 905, 905);  // touched after the mark's file: still not the feed
  {
    FollowRun run(tmp, f, 2);
    wait_for(15, run);
    std::this_thread::sleep_for(500ms);  // time for a stray file to be read
    read += run.Stop();
  }
  EXPECT_EQ(read, 15u);
  ExpectStoredAndAlertedOnce(tmp.path("db"), alerts, 15);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// The subscriptions of the alerts raised for line `id` (its key ends in the
// id; the rule's own alerts carry no subscription).
std::set<std::string> SubscriptionsAlerted(const std::string& alerts, int id) {
  std::set<std::string> out;
  for (const auto& a : testing::JsonLines(ReadFile(alerts)))
    if (a.Has("subscription") && a.String("key").find(std::to_string(900000 + id)) != std::string::npos)
      out.insert(a.String("subscription"));
  return out;
}

// A subscriptions file edited while the run goes on, where one subscription
// names a tag the running rules do not have yet (the desk accepts a tag the
// rules directory holds on disk before a reload loads it): that one is held
// until a rule reload, and every other edit, a deletion included, takes
// effect at once.
TEST(LiveInput, ASubscriptionToATagNotLoadedYetDoesNotHoldBackTheOtherEdits) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string alerts = tmp.path("alerts.jsonl"), subs = tmp.path("subs.yaml");
  std::ofstream(subs) << "subscriptions:\n  - {name: sz, any: [region:shenzhen]}\n";
  // --no-stories: the test lines are alike, and one story would alert once.
  RunChild run(StdinRunArgs(tmp, alerts, {"--subscriptions", subs, "--json", "--no-stories"}),
               tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  run.Write(Line(1));
  ASSERT_TRUE(WaitForLines(alerts, 2, 10s)) << ReadFile(tmp.path("err"));  // the rule's alert and sz's
  EXPECT_EQ(SubscriptionsAlerted(alerts, 1), std::set<std::string>{"sz"});
  // `sz` deleted, `sz-new` added, `bj` names a tag these rules lack.
  std::ofstream(subs) << "subscriptions:\n  - {name: sz-new, any: [region:shenzhen]}\n"
                         "  - {name: bj, any: [region:beijing]}\n";
  // The file is looked at between batches, at most once a second.
  int id = 2;
  for (; id < 40 && !SubscriptionsAlerted(alerts, id - 1).count("sz-new"); ++id) {
    std::this_thread::sleep_for(300ms);
    const size_t before = LineCount(alerts);
    run.Write(Line(id));
    WaitForLines(alerts, before + 2, 3s);
  }
  ASSERT_TRUE(SubscriptionsAlerted(alerts, id - 1).count("sz-new"))
      << "the edit never took effect; stderr: " << ReadFile(tmp.path("err"));
  const size_t before = LineCount(alerts);
  run.Write(Line(100));
  ASSERT_TRUE(WaitForLines(alerts, before + 2, 5s)) << ReadFile(alerts) << ReadFile(tmp.path("err"));
  EXPECT_EQ(SubscriptionsAlerted(alerts, 100), std::set<std::string>{"sz-new"}) << "the deleted `sz` still alerts";
  run.CloseInput();
  EXPECT_EQ(run.WaitExit(10s), 0) << ReadFile(tmp.path("err"));
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// copytruncate while the reader is behind: the lines it had not read yet
// exist only in the copy (feed.jsonl.1), then the truncated file fills
// again, past the old size or not. Every line is read once, live.
TEST(LiveInput, FollowReadsTheUnreadLinesOfACopytruncateCopy) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string f = tmp.path("feed.jsonl"), alerts = tmp.path("alerts.jsonl");
  const auto wait_for = AlertWaiter(alerts);
  Append(f, 1, 3);
  FollowRun run(tmp, f, 1);
  ASSERT_TRUE(run.started());
  wait_for(3, run);
  // Refilled to less than what was read.
  run.Signal(SIGSTOP);
  Append(f, 4, 5);
  std::filesystem::copy_file(f, f + ".1");
  std::filesystem::resize_file(f, 0);
  Append(f, 6, 6);
  run.Signal(SIGCONT);
  wait_for(6, run);
  // Refilled past what was read (the rewrite is seen by its bytes).
  run.Signal(SIGSTOP);
  Append(f, 7, 8);
  std::filesystem::rename(f + ".1", f + ".2");
  std::filesystem::copy_file(f, f + ".1");
  std::filesystem::resize_file(f, 0);
  Append(f, 9, 20);
  run.Signal(SIGCONT);
  wait_for(20, run);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(run.Stop(), 20u);
  ExpectStoredAndAlertedOnce(tmp.path("db"), alerts, 20);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

void AppendPadded(const std::string& path, int from, int to) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  for (int i = from; i <= to; ++i) f << PaddedLine(i);
}

// A file this run finished is deleted and its inode number given to the
// next new file at once (ext4 does), whose records start as the old ones
// did (cls records share their first ~300 bytes): the new file is another
// generation, read in full, not taken for the one already read.
TEST(LiveInput, FollowReadsANewFileThatReusesTheInodeOfOneItRead) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string f = tmp.path("feed.jsonl"), alerts = tmp.path("alerts.jsonl");
  const auto wait_for = AlertWaiter(alerts);
  AppendPadded(f, 1, 3);
  FollowRun run(tmp, f, 1);
  ASSERT_TRUE(run.started());
  wait_for(3, run);
  std::filesystem::rename(f, f + ".1");
  AppendPadded(f, 4, 6);
  wait_for(6, run);
  run.Signal(SIGSTOP);
  // logrotate with `rotate 1`: the oldest generation is deleted first.
  std::filesystem::remove(f + ".1");
  std::filesystem::rename(f, f + ".1");
  AppendPadded(f, 7, 9);  // likely the inode of the file of lines 1-3
  std::this_thread::sleep_for(20ms);
  std::filesystem::remove(f + ".1");
  std::filesystem::rename(f, f + ".1");
  AppendPadded(f, 10, 12);
  run.Signal(SIGCONT);
  wait_for(12, run);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(run.Stop(), 12u);
  EXPECT_EQ(StoredCount(tmp.path("db")), 12u);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// An empty generation between two others, and the next file given the
// inode number of the one before it: each file is read once, none again
// and none skipped.
TEST(LiveInput, FollowReadsEachGenerationOnceAroundAnEmptyOne) {
  TempDir tmp;
  WriteRules(tmp);
  const std::string f = tmp.path("feed.jsonl"), alerts = tmp.path("alerts.jsonl");
  const auto wait_for = AlertWaiter(alerts);
  AppendPadded(f, 1, 5);
  FollowRun run(tmp, f, 1);
  ASSERT_TRUE(run.started());
  wait_for(5, run);
  std::filesystem::rename(f, f + ".1");
  std::ofstream(f).flush();  // an empty generation
  std::this_thread::sleep_for(2500ms);  // the reader moves on to it
  std::filesystem::remove(f + ".1");
  std::filesystem::rename(f, f + ".1");
  AppendPadded(f, 6, 10);  // likely the inode of the first file
  wait_for(10, run);
  std::this_thread::sleep_for(1500ms);
  std::filesystem::remove(f + ".1");
  std::filesystem::rename(f, f + ".1");
  AppendPadded(f, 11, 15);
  wait_for(15, run);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(run.Stop(), 15u);
  EXPECT_EQ(StoredCount(tmp.path("db")), 15u);
  EXPECT_EQ(LineCount(alerts), 15u);
}

}  // namespace
}  // namespace newsflow::pipeline
