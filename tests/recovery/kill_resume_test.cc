// A file run killed with SIGKILL ten times, re-run after each kill, ends with
// the same store as one clean run: the same keys (the distinct keys of the
// input) with the same tags and the same story ids. Every re-run resumes where the durable state
// of the killed one ends, so all the runs together process less than 1.5x
// the records of one clean run.
//
// Input: tests/fixtures/ths-sample.jsonl (120 items) copied 900 times into a
// temporary file, each copy's ids made distinct (108,000 lines, ~190 MB).
// Each copy is a later stretch of time: the sample's 73 days squeezed into
// 7.3, copy k starting 8 * (900 - k) days before the sample (all in the
// past: a time after the wall clock would keep a document out of story
// clustering). The sample is not in time order, so with batches of 64 (half
// a copy) many documents are older than the story window the batches
// before left: late documents, paired with the stored ones around their
// time, across every kill (the clean run must have built late indexes).
// Copies all on the same 73 days would be input that jumps back and forth
// over months batch after batch, which rebuilds late indexes all the time.
// The kill moments are input positions drawn from a seeded RNG: run i is
// killed once its reader has read past line threshold[i] of the file (seen
// in /proc/PID/fdinfo), so the test is deterministic in where it kills and
// does not depend on the machine's speed.
//
// Work of a killed run (it prints no summary): the lines its reader had read
// when killed minus the line it resumed from (the store's durable progress
// mark before it started) -- an upper bound on the records it processed.
// Work of a completed run: its summary's `read`.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "json_util.h"
#include "run_and_kill.h"
#include "newsflow/storage/store.h"
#include "pipeline/decode/decoder.h"
#include "pipeline/job/file_progress.h"
#include "pipeline/source/source.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::CommandLine;
using testing::RunAndKill;
using testing::RunShell;
using testing::SourcePath;

constexpr int kCopies = 900;
constexpr int kKills = 10;
constexpr uint64_t kSeed = 20260514;

// The input file, its line end offsets and the key of every line.
struct Input {
  std::string path;
  std::vector<uint64_t> line_ends;  // offset just after each '\n'
  std::set<std::string> keys;
};

void MakeInput(const std::string& path, Input* in) {
  FormatSpec spec;
  ASSERT_TRUE(ParseFormatSpec("ths", &spec).ok());
  Decoder dec(spec);
  const auto lines = testing::ReadLines(SourcePath("tests/fixtures/ths-sample.jsonl"));
  // Each line with a mark where the copy's id suffix goes (after the id's
  // value) and one in place of the ctime value; and its ctime.
  constexpr char kIdMark = '\x01', kTimeMark = '\x02';
  struct Template {
    std::string line;
    int64_t ctime = 0;
  };
  std::vector<Template> split;
  int64_t first = INT64_MAX;
  for (const auto& l : lines) {
    Document d;
    ASSERT_TRUE(dec.Decode(l, &d).ok()) << l.substr(0, 80);
    const int64_t ctime = d.time_ms / 1000;
    first = std::min(first, ctime);
    std::string t = l;
    const std::string field = "\"id\":\"" + d.id + "\"";
    const size_t at = t.find(field);
    ASSERT_NE(at, std::string::npos) << d.id;
    t.insert(at + field.size() - 1, 1, kIdMark);  // before the closing quote
    const std::string time_field = "\"ctime\":\"" + std::to_string(ctime) + "\"";
    const size_t t_at = t.find(time_field);
    ASSERT_NE(t_at, std::string::npos) << d.id;
    t.replace(t_at + 9, time_field.size() - 10, 1, kTimeMark);  // 9: "ctime":"
    split.push_back({t, ctime});
  }
  std::ofstream out(path, std::ios::binary);
  uint64_t offset = 0;
  char suffix[16];
  for (int k = 0; k < kCopies; ++k) {
    std::snprintf(suffix, sizeof suffix, "%03d", k);
    for (const Template& tpl : split) {
      const int64_t ctime = first + (tpl.ctime - first) / 10 - int64_t{kCopies - k} * 8 * 86400;
      std::string line = tpl.line;
      line.replace(line.find(kIdMark), 1, suffix);
      line.replace(line.find(kTimeMark), 1, std::to_string(ctime));
      out << line << '\n';
      offset += line.size() + 1;
      in->line_ends.push_back(offset);
      Document d;
      ASSERT_TRUE(dec.Decode(line, &d).ok());
      in->keys.insert(d.key);
    }
  }
  ASSERT_TRUE(out.good());
  in->path = path;
}

// Lines wholly read by a reader at byte `pos`.
uint64_t LinesBefore(const Input& in, uint64_t pos) {
  return std::upper_bound(in.line_ends.begin(), in.line_ends.end(), pos) - in.line_ends.begin();
}

std::vector<std::string> RunArgs(const Input& in, const std::string& db) {
  return {Newsflow(), "run", "-q", "--json", "--format", "ths", "--source", "file:" + in.path, "--rules",
          SourcePath("rules/sets"), "--db", db,
          // Small batches and checkpoints: the writer stays close behind the
          // reader and a kill loses little.
          "--batch", "64", "--checkpoint-records", "1000"};
}

// The durable progress mark of `in` in the store (0 records if none yet).
FileProgress DurableProgress(const Input& in, const std::string& db) {
  FileProgress p;
  if (!std::filesystem::exists(db + "/CURRENT")) return p;
  std::unique_ptr<Source> src;
  EXPECT_TRUE(OpenLineSource(in.path, SourceLimits{}, &src).ok());
  storage::StoreOptions o;
  o.path = db;
  o.read_only = true;
  o.create_if_missing = false;
  std::unique_ptr<storage::Store> store;
  EXPECT_TRUE(storage::Store::Open(o, &store).ok());
  std::optional<std::string> text;
  EXPECT_TRUE(store->GetProgress(src->identity(), &text).ok());
  if (text) {
    EXPECT_TRUE(FileProgress::Parse(*text, &p).ok()) << *text;
  }
  return p;
}

// Every stored document, read in process.
std::vector<storage::Record> StoredRecords(const std::string& db) {
  storage::StoreOptions o;
  o.path = db;
  o.read_only = true;
  o.create_if_missing = false;
  std::unique_ptr<storage::Store> s;
  EXPECT_TRUE(storage::Store::Open(o, &s).ok());
  std::vector<storage::Record> all;
  if (!s) return all;
  storage::QueryOptions q;
  q.limit = 0;
  EXPECT_TRUE(s->Query(q, &all).ok());
  return all;
}

// key -> tags of every stored document.
std::map<std::string, std::set<std::string>> TagsOf(const std::vector<storage::Record>& all) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& r : all) {
    auto& tags = out[r.key];
    for (const auto& t : r.tags) tags.insert(t.tag);
  }
  return out;
}

// key -> story id of every stored document.
std::map<std::string, std::string> StoriesOf(const std::vector<storage::Record>& all) {
  std::map<std::string, std::string> out;
  for (const auto& r : all) out[r.key] = r.story;
  return out;
}

uint64_t QueryCount(const std::string& db) {
  auto r = RunShell(Newsflow() + " query --count --db " + db);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? std::stoull(r.out) : 0;
}

TEST(KillResume, TenKillsEndWithTheCleanStoreAndLessThanOneAndAHalfTimesTheWork) {
  testing::TempDir tmp;
  Input in;
  ASSERT_NO_FATAL_FAILURE(MakeInput(tmp.path("items.jsonl"), &in));
  const uint64_t lines = in.line_ends.size();
  ASSERT_GE(lines, 100000u);
  ASSERT_EQ(in.keys.size(), lines) << "every line has its own key";

  // One clean run: the reference.
  auto clean = RunShell(CommandLine(RunArgs(in, tmp.path("clean"))));
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const auto cs = testing::JsonObject::LastLine(clean.out);
  ASSERT_EQ(cs.Uint("read"), lines) << clean.out;
  EXPECT_GT(cs.Uint("story_late_builds"), 0u) << "no document took the late path: the kills test nothing of it";
  const auto clean_records = StoredRecords(tmp.path("clean"));
  const auto clean_tags = TagsOf(clean_records);
  const auto clean_stories = StoriesOf(clean_records);
  ASSERT_EQ(clean_tags.size(), in.keys.size());

  // Kill points: sorted input lines drawn from the seed.
  std::mt19937_64 rng(kSeed);
  std::uniform_int_distribution<uint64_t> pick(lines / 20, lines * 19 / 20);
  std::vector<uint64_t> kill_lines(kKills);
  for (auto& k : kill_lines) k = pick(rng);
  std::sort(kill_lines.begin(), kill_lines.end());

  const std::string db = tmp.path("db");
  uint64_t work = 0;
  uint64_t advanced = 0;  // kills after which the durable progress had moved
  FileProgress before = DurableProgress(in, db);
  for (int i = 0; i < kKills; ++i) {
    SCOPED_TRACE("kill " + std::to_string(i + 1) + " at line " + std::to_string(kill_lines[i]));
    int status = 0;
    const uint64_t kill_at = in.line_ends[kill_lines[i] - 1];
    const int64_t pos = RunAndKill(RunArgs(in, db), in.path, kill_at, tmp.path("log"), &status);
    ASSERT_GE(pos, 0) << "the run ended before its kill point (status " << status
                      << "): " << testing::ReadFile(tmp.path("log"));
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    const uint64_t read_lines = LinesBefore(in, static_cast<uint64_t>(pos));
    work += read_lines > before.records ? read_lines - before.records : 0;
    const FileProgress after = DurableProgress(in, db);
    EXPECT_GE(after.records, before.records) << "durable progress never goes back";
    EXPECT_LE(after.records, read_lines) << "durable progress beyond what was read";
    EXPECT_FALSE(after.done);
    std::printf("  kill %d at line %llu: had read %llu lines, durable %llu -> %llu\n", i + 1,
                static_cast<unsigned long long>(kill_lines[i]), static_cast<unsigned long long>(read_lines),
                static_cast<unsigned long long>(before.records), static_cast<unsigned long long>(after.records));
    advanced += after.records > before.records;
    before = after;
  }
  EXPECT_GE(advanced, static_cast<uint64_t>(kKills / 2)) << "most killed runs made durable progress";

  // The last re-run completes, from where the durable state ends.
  auto last = RunShell(CommandLine(RunArgs(in, db)));
  ASSERT_EQ(last.exit_code, 0) << last.err;
  const auto ls = testing::JsonObject::LastLine(last.out);
  EXPECT_TRUE(ls.Bool("durable")) << last.out;
  EXPECT_FALSE(ls.Bool("already_complete")) << last.out;
  EXPECT_EQ(ls.Uint("resumed_from"), before.records) << last.out;
  EXPECT_GT(ls.Uint("resumed_from"), 0u) << last.out;
  EXPECT_EQ(ls.Uint("resumed_from") + ls.Uint("read"), lines) << last.out;
  work += ls.Uint("read");

  // The same store as the clean run: the count, the keys, every tag and
  // every story id (each restart rebuilt the story window from the store;
  // tests/pipeline/story_corpus_test.cc restarts an input whose order within
  // a batch matters).
  EXPECT_EQ(QueryCount(db), in.keys.size());
  const auto records = StoredRecords(db);
  const auto tags = TagsOf(records);
  const auto stories = StoriesOf(records);
  size_t story_differs = 0;
  for (const auto& [key, story] : clean_stories) {
    auto it = stories.find(key);
    if (it != stories.end() && it->second == story) continue;
    if (++story_differs <= 5) ADD_FAILURE() << key << ": clean run's story " << story << ", killed runs' "
                                            << (it == stories.end() ? "<absent>" : it->second);
  }
  EXPECT_EQ(story_differs, 0u) << "ten kill -9s must not change any story id";
  EXPECT_EQ(tags.size(), in.keys.size());
  EXPECT_TRUE(tags == clean_tags) << "keys or tags differ from the clean run";
  std::map<std::string, uint64_t> tag_counts;
  for (const auto& [key, ts] : tags)
    for (const auto& t : ts) ++tag_counts[t];
  for (const auto& [t, n] : tag_counts) EXPECT_EQ(n, cs.Count("tag_counts", t)) << t;

  EXPECT_LT(static_cast<double>(work), 1.5 * static_cast<double>(cs.Uint("read")))
      << "records processed over all runs: " << work << ", one clean run: " << cs.Uint("read");
  std::printf("kill-resume: %llu records processed over %d killed runs and the last, clean run %llu (%.2fx)\n",
              static_cast<unsigned long long>(work), kKills, static_cast<unsigned long long>(cs.Uint("read")),
              static_cast<double>(work) / static_cast<double>(cs.Uint("read")));

  // Finished: a run of the same file does nothing and says so.
  auto done = RunShell(CommandLine(RunArgs(in, db)));
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const auto ds = testing::JsonObject::LastLine(done.out);
  EXPECT_TRUE(ds.Bool("already_complete")) << done.out;
  EXPECT_EQ(ds.Uint("read"), 0u) << done.out;
}

}  // namespace
}  // namespace newsflow::pipeline
