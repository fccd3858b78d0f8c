// `newsflow retag`: stored documents tagged again with changed rules equal a
// fresh run with those rules, document by document; a second retag changes
// nothing; an interrupted retag resumes where it stopped; with a `run`
// holding the store, the run does the re-tag beside its ingest.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "json_util.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/retag.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using namespace std::chrono_literals;
using testing::JsonObject;
using testing::Newsflow;
using testing::ReadFile;
using testing::ReadLines;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;
using testing::CopyRules;

// A rule the shipped set lacks, whose keyword occurs in the fixtures.
constexpr char kExtraRule[] = R"(version: 1
rules:
  - tag: project:humanoid-robots-retag-test
    name: 人形机器人
    any: [人形机器人]
    provenance:
      - seed: 004_ef13493a28004fcc.txt
        clause: "加快启动布局人形机器人、低空经济、商业航天等重点领域研发项目"
)";

void AddExtraRule(const std::string& rules) { std::ofstream(rules + "/extra.yaml") << kExtraRule; }

std::string Fixtures(const TempDir& tmp) {
  const std::string in = tmp.path("in.jsonl");
  std::ofstream out(in);
  for (const char* feed : {"cls", "eastmoney", "ths"})
    for (const auto& l : ReadLines(SourcePath(std::string("tests/fixtures/") + feed + "-sample.jsonl"))) out << l << "\n";
  return in;
}

// `run` of `in` into `db` with `rules`: true when it exited 0.
bool RunInto(const std::string& in, const std::string& rules, const std::string& db) {
  return RunShell(Newsflow() + " run -q --source " + in + " --rules " + rules + " --db " + db).exit_code == 0;
}

// The store at `db`, opened read-write (no writer holds it).
std::unique_ptr<storage::Store> OpenStore(const std::string& db) {
  storage::StoreOptions so;
  so.path = db;
  std::unique_ptr<storage::Store> store;
  EXPECT_TRUE(storage::Store::Open(so, &store).ok()) << db;
  return store;
}

// `in` stored into `db` with `rules`, then the extra rule added to `rules`
// (what a retag then changes), and the store opened read-write; null if the
// run failed.
std::unique_ptr<storage::Store> StoredBeforeTheExtraRule(const std::string& in, const std::string& rules,
                                                         const std::string& db) {
  if (!RunInto(in, rules, db)) {
    ADD_FAILURE() << "run into " << db << " failed";
    return nullptr;
  }
  AddExtraRule(rules);
  return OpenStore(db);
}

// Retag options over `rules` in batches of `batch`.
RetagOptions RetagWith(const std::string& rules, size_t batch) {
  RetagOptions o;
  o.rules_dir = rules;
  o.batch = batch;
  return o;
}

// A retag with `o` (a stop set) stops after `done` of `total` documents;
// the next, without the stop, resumes there and does the rest. Returns the
// second retag's summary.
RetagSummary InterruptedThenResumed(storage::Store* store, RetagOptions o, uint64_t done, uint64_t total) {
  RetagSummary s;
  EXPECT_TRUE(Retag(store, o, &s).ok());
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.scanned, done);
  o.stop = nullptr;
  o.withdrawn = nullptr;
  EXPECT_TRUE(Retag(store, o, &s).ok());
  EXPECT_FALSE(s.interrupted);
  EXPECT_EQ(s.resumed_after, done);
  EXPECT_EQ(s.scanned, total - done);
  return s;
}

std::string QueryAll(const std::string& db) {
  const auto r = RunShell(Newsflow() + " query --json --limit 0 --db " + db);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST(Retag, EqualsAFreshRunWithTheNewRulesAndASecondRetagChangesNothing) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp), in = Fixtures(tmp), db = tmp.path("db"), fresh = tmp.path("fresh");
  ASSERT_TRUE(RunInto(in, rules, db));
  const std::string before = QueryAll(db);
  AddExtraRule(rules);
  ASSERT_TRUE(RunInto(in, rules, fresh));
  const std::string want = QueryAll(fresh);
  ASSERT_NE(before, want);  // the new rule tags something
  auto stored_version = [](const std::string& at) {
    std::string v;
    std::unique_ptr<storage::Store> store = OpenStore(at);
    EXPECT_TRUE(store && store->GetRulesetVersion(&v).ok() && store->Close().ok()) << at;
    return v;
  };
  ASSERT_NE(stored_version(db), stored_version(fresh));

  // A rules directory that does not compile is the run's error exit (1, as
  // `run` gives it), not a usage error (2), and changes nothing.
  std::filesystem::create_directories(tmp.path("broken"));
  std::ofstream(tmp.path("broken/a.yaml")) << "version: 1\nrules:\n  - tag: region:shenzhen\n    any: [\n";
  auto r = RunShell(Newsflow() + " retag --rules " + tmp.path("broken") + " --db " + db);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(stored_version(db), stored_version(fresh));

  r = RunShell(Newsflow() + " retag --batch 50 --rules " + rules + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto first = JsonObject::LastLine(r.out);
  EXPECT_EQ(first.Uint("scanned"), 360u);
  EXPECT_EQ(first.Uint("changed"), 360u);  // every document gets the new version
  EXPECT_EQ(first.String("done_by"), "retag");
  EXPECT_EQ(QueryAll(db), want);  // document by document: tags, scores, spans, version, story
  EXPECT_EQ(stored_version(db), stored_version(fresh));  // the store names its rules (serve's ruleset_info)
  const uint64_t gained = first.Numbers("tag_delta").at("project:humanoid-robots-retag-test");
  EXPECT_EQ(gained, std::stoull(RunShell(Newsflow() + " query --count --tag project:humanoid-robots-retag-test --db " +
                                         fresh).out));

  r = RunShell(Newsflow() + " retag --rules " + rules + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto second = JsonObject::LastLine(r.out);
  EXPECT_EQ(second.Uint("changed"), 0u);
  EXPECT_EQ(second.Uint("unchanged"), 360u);
  EXPECT_EQ(second.Uint("resumed_after"), 0u);  // the finished retag left no mark
  EXPECT_EQ(QueryAll(db), want);
}

TEST(Retag, AnInterruptedRetagResumesAfterTheLastBatchItWrote) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp), in = Fixtures(tmp), db = tmp.path("db"), fresh = tmp.path("fresh");
  ASSERT_TRUE(RunInto(in, rules, db));
  AddExtraRule(rules);
  ASSERT_TRUE(RunInto(in, rules, fresh));
  {
    std::unique_ptr<storage::Store> store = OpenStore(db);
    ASSERT_TRUE(store);
    RetagOptions o = RetagWith(rules, 50);
    std::atomic<bool> stop{true};  // stops after the first batch
    o.stop = &stop;
    EXPECT_EQ(InterruptedThenResumed(store.get(), o, 50, 360).changed, 310u);
    ASSERT_TRUE(store->Close().ok());
  }
  EXPECT_EQ(QueryAll(db), QueryAll(fresh));
}

TEST(Retag, ARunningWriterDoesTheRetagBesideItsIngest) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp), in = Fixtures(tmp), db = tmp.path("db"), fresh = tmp.path("fresh");
  const std::string follow = tmp.path("follow.jsonl");
  std::filesystem::copy_file(in, follow);
  const std::string run = Newsflow() + " run -q --source follow:" + follow + " --rules " + rules + " --db " + db +
                          " > " + tmp.path("run.out") + " 2> " + tmp.path("run.err") + " & echo $!";
  const auto started = RunShell(run);
  ASSERT_EQ(started.exit_code, 0);
  const int pid = std::stoi(started.out);
  auto stored = [&] {
    const auto r = RunShell(Newsflow() + " query --count --db " + db);
    return r.exit_code == 0 && !r.out.empty() ? std::stoull(r.out) : 0;
  };
  for (int i = 0; i < 200 && stored() < 360; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_EQ(stored(), 360u) << ReadFile(tmp.path("run.err"));
  AddExtraRule(rules);
  const auto r = RunShell(Newsflow() + " retag --timeout 60 --rules " + rules + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.err << ReadFile(tmp.path("run.err"));
  const auto summary = JsonObject::LastLine(r.out);
  EXPECT_EQ(summary.String("done_by"), "writer");
  EXPECT_EQ(summary.Uint("changed"), 360u);
  ASSERT_EQ(RunShell("kill -TERM " + std::to_string(pid) + "; while kill -0 " + std::to_string(pid) +
                     " 2>/dev/null; do sleep 0.05; done").exit_code, 0);
  // The reference reads the same lines as a live input too (stdin), so
  // both assign story ids in arrival order (a regular file would take each
  // batch in event-time order).
  ASSERT_EQ(RunShell(Newsflow() + " run -q --source - --rules " + rules + " --db " + fresh + " < " + in).exit_code, 0);
  EXPECT_EQ(QueryAll(db), QueryAll(fresh));
}

// A regular-file run writes without a WAL (a bulk load, replayable): a
// re-tag it does on its handle is answered only once flushed, so a kill -9
// of the run right after the answer loses none of it (before: all of it;
// a second retag changed every document again).
TEST(Retag, ARetagAnsweredByAFileRunSurvivesAKillOfTheRun) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp), in = Fixtures(tmp), db = tmp.path("db"), hold = tmp.path("hold");
  ASSERT_TRUE(RunInto(in, rules, db));
  AddExtraRule(rules);
  std::ofstream(hold) << "";
  // A run of another file (that one is stored: a run of it would end at
  // once), held before its first batch (test hook) while the re-tag is
  // served on its handle.
  const std::string more = tmp.path("more.jsonl");
  std::ofstream(more) << ReadLines(in).front() << "\n";
  const auto started = RunShell("NEWSFLOW_TEST_HOLD_WRITES_FILE=" + hold + " " + Newsflow() +
                                " run -q --batch 1 --source file:" + more + " --rules " + rules + " --db " + db + " > " +
                                tmp.path("run.out") + " 2> " + tmp.path("run.err") + " & echo $!");
  ASSERT_EQ(started.exit_code, 0);
  const int pid = std::stoi(started.out);
  // Serving once the run holds its request service's lock (the file stays
  // from the first run; flock(1) fails while the run holds it).
  const std::string lock = db + "/writer-requests/serving.lock";
  for (int i = 0; i < 400 && RunShell("flock -n " + lock + " true").exit_code == 0; ++i) std::this_thread::sleep_for(25ms);
  const auto r = RunShell(Newsflow() + " retag --timeout 60 --rules " + rules + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.err << ReadFile(tmp.path("run.err"));
  const auto summary = JsonObject::LastLine(r.out);
  EXPECT_EQ(summary.String("done_by"), "writer") << r.out << r.err;
  EXPECT_EQ(summary.Uint("changed"), 360u);
  ASSERT_EQ(RunShell("kill -KILL " + std::to_string(pid) + "; while kill -0 " + std::to_string(pid) +
                     " 2>/dev/null; do sleep 0.05; done").exit_code, 0);
  const auto again = RunShell(Newsflow() + " retag --timeout 60 --rules " + rules + " --db " + db);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto second = JsonObject::LastLine(again.out);
  EXPECT_EQ(second.String("done_by"), "retag");
  EXPECT_EQ(second.Uint("changed"), 0u) << "the re-tag the killed run answered was lost";
}

// A retag withdrawn by whoever asked for it (a writer serving `newsflow
// retag` whose requester timed out or was interrupted removes nothing but
// the request) stops after its current batch, as an interruption does, and
// the next retag resumes there.
TEST(Retag, AWithdrawnRetagStopsAfterItsBatchAndTheNextResumes) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp), in = Fixtures(tmp), db = tmp.path("db");
  std::unique_ptr<storage::Store> store = StoredBeforeTheExtraRule(in, rules, db);
  ASSERT_TRUE(store);
  RetagOptions o = RetagWith(rules, 40);
  int asked = 0;
  o.withdrawn = [&asked] { return ++asked == 2; };  // withdrawn during the second batch
  InterruptedThenResumed(store.get(), o, 80, 360);

  // A range smaller than a batch is one last, partial batch: a retag
  // withdrawn before it does nothing, and leaves no mark.
  std::filesystem::remove(rules + "/extra.yaml");
  RetagOptions whole = RetagWith(rules, 512);
  whole.withdrawn = [] { return true; };
  RetagSummary s;
  ASSERT_TRUE(Retag(store.get(), whole, &s).ok());
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.scanned, 0u);
  EXPECT_EQ(s.changed, 0u);
  whole.withdrawn = nullptr;
  ASSERT_TRUE(Retag(store.get(), whole, &s).ok());
  EXPECT_EQ(s.resumed_after, 0u);
  EXPECT_EQ(s.changed, 360u);  // back to the shipped rules
  ASSERT_TRUE(store->Close().ok());
}

// A range written relative to the clock ("--since 30d") resolves to other
// times at every call; run again after an interruption, it is still the
// same range and resumes (the mark is named by the range as written).
TEST(Retag, AnInterruptedRelativeRangeResumesThoughItsTimesMoved) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp), in = Fixtures(tmp), db = tmp.path("db");
  std::unique_ptr<storage::Store> store = StoredBeforeTheExtraRule(in, rules, db);
  ASSERT_TRUE(store);
  RetagOptions o = RetagWith(rules, 50);
  o.range_name = "36500d/-/-";
  o.since_ms = 1000;  // the first call's reading of the range
  std::atomic<bool> stop{true};
  o.stop = &stop;
  RetagSummary s;
  ASSERT_TRUE(Retag(store.get(), o, &s).ok());
  ASSERT_TRUE(s.interrupted);
  ASSERT_EQ(s.scanned, 50u);

  o.stop = nullptr;
  o.since_ms = 2000;  // read again later: another instant
  ASSERT_TRUE(Retag(store.get(), o, &s).ok());
  EXPECT_EQ(s.resumed_after, 50u);
  EXPECT_EQ(s.scanned, 310u);
  EXPECT_FALSE(s.interrupted);

  // Resolved times name the range when no name is given: another reading
  // of it would start over (the behaviour the name avoids).
  RetagOptions plain = RetagWith(rules, 50);
  plain.since_ms = 1000;
  std::atomic<bool> stop_again{true};
  plain.stop = &stop_again;
  std::filesystem::remove(rules + "/extra.yaml");
  ASSERT_TRUE(Retag(store.get(), plain, &s).ok());
  ASSERT_TRUE(s.interrupted);
  plain.stop = nullptr;
  plain.since_ms = 2000;
  ASSERT_TRUE(Retag(store.get(), plain, &s).ok());
  EXPECT_EQ(s.resumed_after, 0u);
  ASSERT_TRUE(store->Close().ok());
}

// An interrupted retag resumed with other rules (the operator changed them
// again in between) starts over: the documents the first one did carry its
// rules' tags, and must get the new ones too.
TEST(Retag, AnInterruptedRetagWithOtherRulesStartsOver) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp), in = Fixtures(tmp), db = tmp.path("db"), fresh = tmp.path("fresh");
  // The first retag's rules: the shipped set and the extra rule.
  std::unique_ptr<storage::Store> store = StoredBeforeTheExtraRule(in, rules, db);
  ASSERT_TRUE(store);
  RetagOptions o = RetagWith(rules, 50);
  std::atomic<bool> stop{true};  // stops after the first batch
  o.stop = &stop;
  RetagSummary s;
  ASSERT_TRUE(Retag(store.get(), o, &s).ok());
  ASSERT_TRUE(s.interrupted);
  const std::string first_version = s.ruleset_version;

  std::filesystem::remove(rules + "/extra.yaml");  // the rules change back before the resume
  o.stop = nullptr;
  ASSERT_TRUE(Retag(store.get(), o, &s).ok());
  EXPECT_NE(s.ruleset_version, first_version);
  EXPECT_EQ(s.resumed_after, 0u);
  EXPECT_EQ(s.scanned, 360u);
  ASSERT_TRUE(store->Close().ok());
  ASSERT_TRUE(RunInto(in, rules, fresh));
  EXPECT_EQ(QueryAll(db), QueryAll(fresh));  // no document keeps the extra rule's tag or version
}

}  // namespace
}  // namespace newsflow::pipeline
