// Alerts are never lost: each is written to the alert log and the outbox in
// the WriteBatch of its document and leaves the outbox only once its sink
// acknowledged it. A crash between delivery and acknowledgement, or a sink
// that fails (a full disk), leaves it pending; the next run delivers it
// again before anything new (at least once: consumers de-duplicate by id).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::ReadFile;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

constexpr const char* kSubs =
    "subscriptions:\n"
    "  - {name: chips, any: [cluster:semiconductors]}\n"
    "  - {name: ai, any: [cluster:ai]}\n"
    "  - {name: shenzhen, any: [region:shenzhen]}\n";

// The three feeds' samples, one after the other, in one file.
void WriteAllFixtures(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  for (const char* feed : {"cls", "eastmoney", "ths"})
    out << ReadFile(SourcePath(std::string("tests/fixtures/") + feed + "-sample.jsonl"));
}

// `run --source SOURCE` with the test's subscriptions; `env` is prepended
// to the command.
// tmp/subs.yaml (kSubs) and tmp/all.jsonl (the three feeds' samples).
void WriteSubscriptionsAndFixtures(const TempDir& tmp) {
  std::ofstream(tmp.path("subs.yaml")) << kSubs;
  WriteAllFixtures(tmp.path("all.jsonl"));
}

testing::CommandResult RunOn(const TempDir& tmp, const std::string& source, const std::string& alerts,
                           const std::string& env = "", const std::string& extra = "") {
  return RunShell(env + " " + Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --source " +
                  source + " --db " + tmp.path("db") + " --subscriptions " + tmp.path("subs.yaml") + " --alerts " +
                  alerts + " " + extra);
}

// `run` reading `input` on stdin.
testing::CommandResult RunStdin(const TempDir& tmp, const std::string& input, const std::string& alerts,
                                const std::string& env = "", const std::string& extra = "") {
  return RunOn(tmp, "- < " + input, alerts, env, extra);
}

// The alert log's ids, each with its count (the log itself never repeats).
std::map<std::string, int> LogIds(const std::string& db) {
  const auto r = RunShell(Newsflow() + " alerts --json --db " + db);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> ids;
  uint64_t last_seq = 0;
  for (const JsonObject& a : JsonLines(r.out)) {
    ++ids[a.String("id")];
    EXPECT_GT(a.Uint("seq"), last_seq);  // in log order
    last_seq = a.Uint("seq");
  }
  return ids;
}

std::map<std::string, int> FileIds(const std::string& path) {
  std::map<std::string, int> ids;
  for (const JsonObject& a : JsonLines(ReadFile(path))) ++ids[a.String("id")];
  return ids;
}

TEST(AlertOutbox, ACrashBetweenDeliveryAndAcknowledgementDeliversAgainOnRestart) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  const std::string alerts = "file:" + tmp.path("alerts.jsonl");
  // Dies like kill -9 right after the first batch's alerts were delivered.
  auto crash = RunStdin(tmp, tmp.path("all.jsonl"), alerts, "NEWSFLOW_TEST_EXIT_BEFORE_ALERT_ACK=1", "--batch 40");
  ASSERT_EQ(crash.exit_code, 137) << crash.err << crash.out;
  const auto first = FileIds(tmp.path("alerts.jsonl"));
  ASSERT_FALSE(first.empty()) << "the first batch raised no alert: the test proves nothing";

  // The restart delivers exactly the unacknowledged ones again, then goes on
  // (stdin is not resumable: the whole input again, idempotently).
  auto again = RunStdin(tmp, tmp.path("all.jsonl"), alerts, "", "--batch 40");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const JsonObject summary = JsonObject::LastLine(again.out);
  EXPECT_EQ(summary.Uint("alerts_redelivered"), first.size());

  const auto log = LogIds(tmp.path("db"));
  const auto delivered = FileIds(tmp.path("alerts.jsonl"));
  size_t duplicates = 0;
  for (const auto& [id, n] : log) {
    EXPECT_EQ(n, 1) << id << " is in the log " << n << " times";
    ASSERT_TRUE(delivered.count(id)) << id << " was never delivered";
    EXPECT_LE(delivered.at(id), 2) << id;
    duplicates += delivered.at(id) - 1;
  }
  EXPECT_EQ(delivered.size(), log.size()) << "an alert outside the log was delivered";
  EXPECT_EQ(duplicates, first.size()) << "exactly the alerts in flight at the crash are repeated";
  std::printf("[ info ] %zu alerts, %zu delivered twice after the crash (consumers de-duplicate by id)\n",
              log.size(), duplicates);

  // Nothing is left pending.
  auto third = RunStdin(tmp, "/dev/null", alerts);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(JsonObject::LastLine(third.out).Uint("alerts_redelivered"), 0u);
}

// A regular file is bulk-loaded without a WAL, so its documents become
// durable at checkpoints; but a run that raises alerts keeps the WAL: a crash
// after several batches repeats only the alerts of the batch in flight, not
// every alert since the last checkpoint, and the rerun resumes after the
// batches already stored.
TEST(AlertOutbox, AFileRunCrashedAfterSeveralBatchesRepeatsOnlyTheAlertsInFlight) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  const std::string file = tmp.path("alerts.jsonl");
  // Dies like kill -9 right after the fourth batch with alerts had them delivered.
  auto crash = RunOn(tmp, tmp.path("all.jsonl"), "file:" + file, "NEWSFLOW_TEST_EXIT_BEFORE_ALERT_ACK=4", "--batch 40");
  ASSERT_EQ(crash.exit_code, 137) << crash.err << crash.out;
  const auto first = FileIds(file);
  size_t first_count = 0;
  for (const auto& [id, n] : first) first_count += n;
  ASSERT_EQ(first_count, first.size()) << "the crashed run delivered an alert twice";

  auto again = RunOn(tmp, tmp.path("all.jsonl"), "file:" + file, "", "--batch 40");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const JsonObject summary = JsonObject::LastLine(again.out);
  const uint64_t redelivered = summary.Uint("alerts_redelivered");
  EXPECT_GT(redelivered, 0u) << "the batch in flight had alerts: they are pending after the crash";
  EXPECT_GT(summary.Uint("resumed_from"), 0u) << "the batches stored before the crash are not read again";

  const auto log = LogIds(tmp.path("db"));
  const auto delivered = FileIds(file);
  EXPECT_EQ(delivered.size(), log.size());
  size_t twice = 0;
  for (const auto& [id, n] : delivered) {
    EXPECT_TRUE(log.count(id)) << id << " was delivered but is not in the log";
    EXPECT_LE(n, 2) << id;
    twice += n - 1;
  }
  // Only the last batch's alerts (pending, redelivered) are repeated: fewer
  // than the crashed run delivered in its four batches.
  EXPECT_EQ(twice, redelivered);
  EXPECT_LT(twice, first.size());
}

// kill -9 in the middle of writing an alert leaves a partial last line; that
// alert was not acknowledged, so the next run delivers it again. The next
// run cuts the fragment off: every line of the file is one whole alert.
TEST(AlertOutbox, APartialLastLineFromAnInterruptedWriteIsCutAndItsAlertDeliveredAgain) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  const std::string file = tmp.path("alerts.jsonl"), alerts = "file:" + file;
  auto crash = RunStdin(tmp, tmp.path("all.jsonl"), alerts, "NEWSFLOW_TEST_EXIT_BEFORE_ALERT_ACK=1", "--batch 40");
  ASSERT_EQ(crash.exit_code, 137) << crash.err << crash.out;
  // What a write cut short leaves: the last alert line cut in half. Its
  // alert is then in the file only if the outbox delivers it again.
  const std::string delivered_first = ReadFile(file);
  ASSERT_GE(std::count(delivered_first.begin(), delivered_first.end(), '\n'), 2);
  const std::string_view sent(delivered_first.data(), delivered_first.size() - 1);  // without the last '\n'
  const size_t last_start = sent.rfind('\n') + 1;
  const std::string last_id = JsonObject::Of(std::string(sent.substr(last_start))).String("id");
  const std::string whole(sent.substr(0, last_start));
  const size_t cut = last_start + (delivered_first.size() - last_start) / 2;
  ASSERT_EQ(::truncate(file.c_str(), static_cast<off_t>(cut)), 0);
  ASSERT_NE(last_id, "<missing id>");
  size_t in_whole = 0;
  for (const JsonObject& a : JsonLines(whole)) in_whole += a.String("id") == last_id;
  ASSERT_EQ(in_whole, 0u) << "ids are raised once: the cut alert is only in the fragment";

  auto again = RunStdin(tmp, tmp.path("all.jsonl"), alerts, "", "--batch 40");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const std::string after = ReadFile(file);
  ASSERT_EQ(after.substr(0, whole.size()), whole) << "the lines before the fragment are kept as they were";
  size_t lines = 0;
  for (const JsonObject& a : JsonLines(after)) {
    EXPECT_TRUE(a.ok()) << "a line that is not one whole alert: " << a.String("id");
    ++lines;
  }
  EXPECT_EQ(lines, static_cast<size_t>(std::count(after.begin(), after.end(), '\n')));
  EXPECT_EQ(after.back(), '\n');
  std::set<std::string> delivered, logged;
  for (const auto& [id, n] : FileIds(file)) delivered.insert(id);
  for (const auto& [id, n] : LogIds(tmp.path("db"))) logged.insert(id);
  EXPECT_EQ(delivered, logged);
  EXPECT_TRUE(delivered.count(last_id)) << last_id << ": the alert of the cut line was not delivered again";
}

TEST(AlertOutbox, AFullDiskSinkFailsTheRunAndTheAlertsWaitInTheStore) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  // /dev/full: every write of the alert file fails with ENOSPC.
  auto full = RunStdin(tmp, tmp.path("all.jsonl"), "file:/dev/full");
  EXPECT_EQ(full.exit_code, 1) << full.err;
  const auto log = LogIds(tmp.path("db"));
  ASSERT_FALSE(log.empty());
  // The documents are stored: their alerts wait in the outbox.
  auto count = RunShell(Newsflow() + " query --count --db " + tmp.path("db"));
  EXPECT_EQ(count.out, "360\n") << count.err;
  // The summary counts them as raised (it said 0 alerts).
  const auto summary = JsonObject::LastLine(full.out);
  EXPECT_EQ(summary.Uint("stored"), 360u);
  EXPECT_EQ(summary.Uint("alerts"), log.size());

  auto later = RunStdin(tmp, "/dev/null", "file:" + tmp.path("alerts.jsonl"));
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(JsonObject::LastLine(later.out).Uint("alerts_redelivered"), log.size());
  EXPECT_EQ(FileIds(tmp.path("alerts.jsonl")), log);
}

// Alerts piped into a consumer that stops reading (`--alerts file:/dev/stdout
// | notifier`, the notifier exits): the sink held the pipe read-write, so no
// write failed; 64 KB of alerts were acknowledged unread and the run then
// hung in write(), SIGTERM or not. Now the write fails (EPIPE), the run
// exits 1, and the alerts the consumer never got wait in the outbox.
TEST(AlertOutbox, AConsumerThatStopsReadingAPipeLosesNoAlert) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  const std::string piped = tmp.path("piped.jsonl");
  RunShell("((timeout -k 5 60 " + Newsflow() + " run -q --json --batch 16 --rules " + SourcePath("rules/sets") +
           " --source " + tmp.path("all.jsonl") + " --db " + tmp.path("db") + " --subscriptions " +
           tmp.path("subs.yaml") + " --alerts file:/dev/stdout 2>" + tmp.path("err") + "; echo $? > " +
           tmp.path("rc") + ") | { i=0; while [ $i -lt 3 ] && IFS= read -r l; do printf '%s\\n' \"$l\"; "
           "i=$((i+1)); done; } > " + piped + ")");  // reads three lines, byte by byte, and exits
  const std::string rc = ReadFile(tmp.path("rc"));
  EXPECT_NE(rc, "124\n") << "the run hung once its consumer stopped reading";
  EXPECT_EQ(rc, "1\n") << ReadFile(tmp.path("err"));
  EXPECT_NE(ReadFile(tmp.path("err")).find("Broken pipe"), std::string::npos) << ReadFile(tmp.path("err"));
  // What the consumer got.
  std::map<std::string, int> got;
  for (const auto& line : testing::ReadLinesOf(ReadFile(piped)))
    if (JsonObject a = JsonObject::Of(line); a.ok() && a.Has("subscription")) ++got[a.String("id")];
  const auto log = LogIds(tmp.path("db"));
  ASSERT_GT(log.size(), got.size()) << "the consumer got every alert: the test proves nothing";
  auto later = RunStdin(tmp, "/dev/null", "file:" + tmp.path("alerts.jsonl"));
  ASSERT_EQ(later.exit_code, 0) << later.err;
  auto delivered = FileIds(tmp.path("alerts.jsonl"));
  for (const auto& [id, n] : got) delivered[id] += n;
  for (const auto& [id, n] : log) EXPECT_TRUE(delivered.count(id)) << id << " was never delivered";
}

// `--alerts file:/dev/stdout` makes stdout an alert stream: each line one
// alert, the run summary on stderr. It was printed to stdout after the
// alerts, and with stdout redirected to a file (`> alerts.jsonl`) the sink,
// which opened /dev/stdout again by its name, had an offset of its own: the
// summary overwrote the first alerts, leaving a line cut inside a character.
TEST(AlertOutbox, AlertsToStdoutAreTheWholeOfStdoutAndTheSummaryGoesToStderr) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  const std::string run = Newsflow() + " run --json --rules " + SourcePath("rules/sets") + " --source " +
                          tmp.path("all.jsonl") + " --subscriptions " + tmp.path("subs.yaml");
  for (const std::string& how : {std::string(" > "), std::string(" | cat > ")}) {
    SCOPED_TRACE(how);
    const std::string db = tmp.path(how.size() == 3 ? "db-file" : "db-pipe");
    const std::string out = tmp.path(how.size() == 3 ? "file.jsonl" : "pipe.jsonl");
    auto r = RunShell("(" + run + " --db " + db + " --alerts file:/dev/stdout 2>" + tmp.path("err") + how + out +
                      ")");
    ASSERT_EQ(r.exit_code, 0) << ReadFile(tmp.path("err"));
    std::map<std::string, int> got;
    size_t lines = 0;
    for (const auto& line : testing::ReadLinesOf(ReadFile(out))) {
      ++lines;
      JsonObject a = JsonObject::Of(line);
      ASSERT_TRUE(a.ok() && a.Has("subscription")) << "not an alert: " << line.substr(0, 120);
      ++got[a.String("id")];
    }
    EXPECT_EQ(got, LogIds(db));
    EXPECT_EQ(lines, LogIds(db).size());
    const auto summary = JsonObject::LastLine(ReadFile(tmp.path("err")));
    ASSERT_TRUE(summary.ok()) << ReadFile(tmp.path("err"));
    EXPECT_EQ(summary.Uint("stored"), 360u);
    EXPECT_EQ(summary.Uint("alerts"), lines);
  }
  // Appended (`>>`) to a file whose last line a killed run tore: the
  // fragment is cut, as from a file the sink opens by its name, and what
  // was whole stays.
  std::ofstream(tmp.path("appended.jsonl")) << "{\"id\":\"old/1\"}\n{\"id\":\"torn";
  auto appended = RunShell("(" + run + " --db " + tmp.path("db-append") + " --alerts file:/dev/stdout 2>" +
                           tmp.path("err") + " >> " + tmp.path("appended.jsonl") + ")");
  ASSERT_EQ(appended.exit_code, 0) << ReadFile(tmp.path("err"));
  const auto lines = testing::ReadLinesOf(ReadFile(tmp.path("appended.jsonl")));
  ASSERT_EQ(lines.size(), LogIds(tmp.path("db-append")).size() + 1);
  EXPECT_EQ(lines.front(), "{\"id\":\"old/1\"}");
  for (const auto& line : lines) EXPECT_TRUE(JsonObject::Of(line).ok()) << line.substr(0, 120);
  // The file stdout is redirected to, named as the alert file: the summary
  // goes to stderr too.
  auto same = RunShell("(" + run + " --db " + tmp.path("db-same") + " --alerts file:" + tmp.path("same.jsonl") +
                       " 2>" + tmp.path("err") + " > " + tmp.path("same.jsonl") + ")");
  ASSERT_EQ(same.exit_code, 0) << ReadFile(tmp.path("err"));
  EXPECT_EQ(FileIds(tmp.path("same.jsonl")), LogIds(tmp.path("db-same")));
  for (const auto& line : testing::ReadLinesOf(ReadFile(tmp.path("same.jsonl"))))
    EXPECT_TRUE(JsonObject::Of(line).Has("subscription")) << line.substr(0, 120);
  EXPECT_EQ(JsonObject::LastLine(ReadFile(tmp.path("err"))).Uint("stored"), 360u);
  // Alerts to a file of their own keep the summary on stdout (and so does
  // /dev/null for both: it is no alert stream).
  auto r = RunShell("(" + run + " --db " + tmp.path("db-own") + " --alerts file:" + tmp.path("own.jsonl") + " >" +
                    tmp.path("out") + " 2>" + tmp.path("err") + ")");
  ASSERT_EQ(r.exit_code, 0) << ReadFile(tmp.path("err"));
  EXPECT_EQ(JsonObject::LastLine(ReadFile(tmp.path("out"))).Uint("stored"), 360u);
  auto null = RunShell("(" + run + " --db " + tmp.path("db-null") + " --alerts file:/dev/null >/dev/null 2>" +
                       tmp.path("err") + ")");
  ASSERT_EQ(null.exit_code, 0) << ReadFile(tmp.path("err"));
  EXPECT_FALSE(JsonObject::LastLine(ReadFile(tmp.path("err"))).ok()) << ReadFile(tmp.path("err"));
  // stdout closed (`>&-`): its number went to the next file opened (the
  // source, a table), and the alerts and the summary were written into it.
  // The alerts are refused; a run without them stores its documents, leaves
  // its input as it was, and says it could not write its summary (exit 1).
  const std::string input_before = ReadFile(tmp.path("all.jsonl"));
  auto closed = RunShell("(" + run + " --db " + tmp.path("db-closed") + " --alerts file:/dev/stdout >&- 2>" +
                         tmp.path("err") + ")");
  EXPECT_EQ(closed.exit_code, 1);
  EXPECT_NE(ReadFile(tmp.path("err")).find("stdout is closed"), std::string::npos) << ReadFile(tmp.path("err"));
  auto plain = RunShell("(" + Newsflow() + " run --json --rules " + SourcePath("rules/sets") + " --source " +
                        tmp.path("all.jsonl") + " --db " + tmp.path("db-plain") + " >&- 2>" + tmp.path("err") + ")");
  EXPECT_EQ(plain.exit_code, 1) << ReadFile(tmp.path("err"));
  EXPECT_NE(ReadFile(tmp.path("err")).find("cannot write the output"), std::string::npos) << ReadFile(tmp.path("err"));
  EXPECT_EQ(testing::StoredCount(tmp.path("db-plain")), 360u);
  EXPECT_EQ(ReadFile(tmp.path("all.jsonl")), input_before);
}

// A reader that is there but does not read (`| sleep`): the run waits for
// it to read each batch, and SIGTERM ends that wait at once; the batch's
// alerts stay in the outbox.
TEST(AlertOutbox, SigtermEndsTheWaitForAPipeReaderThatDoesNotRead) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  // A FIFO whose reader (sleep) holds it open and reads nothing; the run's
  // own stdout is a file (its summary would wait on a full pipe too).
  const std::string fifo = tmp.path("alerts.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  RunShell("(sleep 12 < " + fifo + " & s=$!; date +%s%N > " + tmp.path("t0") + "; " + Newsflow() +
           " run -q --json --rules " + SourcePath("rules/sets") + " --source " + tmp.path("all.jsonl") + " --db " +
           tmp.path("db") + " --subscriptions " + tmp.path("subs.yaml") + " --alerts file:" + fifo + " >" +
           tmp.path("out") + " 2>" + tmp.path("err") + " & p=$!; (sleep 2; kill -TERM $p) & wait $p; echo $? > " +
           tmp.path("rc") + "; date +%s%N > " + tmp.path("t1") + "; kill $s; wait)");
  const double seconds = (std::stod(ReadFile(tmp.path("t1"))) - std::stod(ReadFile(tmp.path("t0")))) / 1e9;
  EXPECT_LT(seconds, 8.0) << "the run waited for the reader until it went, SIGTERM or not: "
                          << ReadFile(tmp.path("err"));
  EXPECT_EQ(ReadFile(tmp.path("rc")), "1\n") << ReadFile(tmp.path("err"));
  auto later = RunStdin(tmp, "/dev/null", "file:" + tmp.path("alerts.jsonl"));
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_GT(JsonObject::LastLine(later.out).Uint("alerts_redelivered"), 0u);
  EXPECT_EQ(FileIds(tmp.path("alerts.jsonl")).size(), LogIds(tmp.path("db")).size());
}

TEST(AlertOutbox, AlertsFollowPrintsAlertsAsTheyAreStored) {
  TempDir tmp;
  std::ofstream(tmp.path("subs.yaml")) << kSubs;
  // A follower started before anything is stored (on an empty store) ...
  ASSERT_EQ(RunStdin(tmp, "/dev/null", "file:" + tmp.path("a.jsonl")).exit_code, 0);
  const std::string out = tmp.path("follow.out");
  // (std::string("(") + ...: GCC 12's -Wrestrict misfires on "(" + std::string here.)
  const std::string follower = std::string("(") + Newsflow() + " alerts --follow --json --db " + tmp.path("db") +
                               " > " + out +
                               " 2>&1 & echo $! > " + tmp.path("pid") + ")";
  ASSERT_EQ(RunShell(follower).exit_code, 0);
  // ... sees what a run stores afterwards, then stops on SIGTERM.
  auto r = RunStdin(tmp, SourcePath("tests/fixtures/ths-sample.jsonl"), "file:" + tmp.path("a.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const uint64_t raised = JsonObject::LastLine(r.out).Uint("alerts");
  ASSERT_GT(raised, 0u);
  size_t seen = 0;
  for (int i = 0; i < 100 && seen < raised; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = JsonLines(ReadFile(out)).size();
  }
  EXPECT_EQ(seen, raised);
  std::string pid = ReadFile(tmp.path("pid"));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  ASSERT_FALSE(pid.empty());
  EXPECT_EQ(RunShell("kill -TERM " + pid + "; for i in $(seq 50); do kill -0 " + pid +
                     " 2>/dev/null || exit 0; sleep 0.1; done; exit 1")
                .exit_code,
            0)
      << "the follower did not stop on SIGTERM";
  EXPECT_EQ(FileIds(tmp.path("a.jsonl")).size(), seen);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// `alerts` (the human listing) shows each alert's headline: its title, or
// for a title-less item (a cls telegraph) the start of its body, never a
// blank column. After a "# times in ZONE" line, each line is
// "SEQ  DATE TIME OFFSET  SUBSCRIPTION  HEADLINE  [KEY]...".
TEST(AlertOutbox, TheHumanListingShowsTheBodyOfATitlelessItem) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  ASSERT_EQ(RunOn(tmp, tmp.path("all.jsonl"), "file:" + tmp.path("alerts.jsonl")).exit_code, 0);
  std::map<std::string, std::string> titles;  // key -> title, from the structured listing
  for (const JsonObject& a : JsonLines(RunShell(Newsflow() + " alerts --json --db " + tmp.path("db")).out))
    titles[a.String("key")] = a.String("title");
  size_t untitled = 0;
  for (const auto& [key, title] : titles) untitled += title.empty();
  ASSERT_GT(untitled, 0u) << "the fixtures should have alerts on title-less items";
  const auto r = RunShell(Newsflow() + " alerts --db " + tmp.path("db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t lines = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#", 0) == 0) continue;
    const size_t open = line.rfind("  [");
    ASSERT_NE(open, std::string::npos) << line;
    // Before " [KEY]": seq, date, time, subscription, then the headline.
    std::istringstream fields(line.substr(0, open));
    std::string seq, date, time, offset, sub, headline;
    fields >> seq >> date >> time >> offset >> sub;
    std::getline(fields, headline);
    EXPECT_NE(headline.find_first_not_of(' '), std::string::npos) << "no headline: " << line;
    ++lines;
  }
  EXPECT_EQ(lines, JsonLines(RunShell(Newsflow() + " alerts --json --db " + tmp.path("db")).out).size());
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// `alerts --subscription` with a name no alert in the log has (a typo, or
// a subscription that has not alerted yet) lists nothing, as it should, but
// says so on stderr with the log's closest names: "no alerts" must not be
// what a typo looks like. A name the log has is listed without a word.
TEST(AlertOutbox, ASubscriptionNameNoAlertHasIsSaidWithTheClosestNames) {
  TempDir tmp;
  WriteSubscriptionsAndFixtures(tmp);
  ASSERT_EQ(RunOn(tmp, tmp.path("all.jsonl"), "file:" + tmp.path("alerts.jsonl")).exit_code, 0);
  const auto good = RunShell(Newsflow() + " alerts --json --db " + tmp.path("db") + " --subscription chips");
  ASSERT_EQ(good.exit_code, 0) << good.err;
  ASSERT_FALSE(JsonLines(good.out).empty()) << "the fixtures should raise chips alerts";
  EXPECT_EQ(good.err, "");
  const auto typo = RunShell(Newsflow() + " alerts --json --db " + tmp.path("db") + " --subscription chip");
  EXPECT_EQ(typo.exit_code, 0) << typo.err;
  EXPECT_TRUE(JsonLines(typo.out).empty());
  EXPECT_NE(typo.err.find("'chip'"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("chips"), std::string::npos) << "the closest name: " << typo.err;
}

}  // namespace
}  // namespace newsflow::pipeline
