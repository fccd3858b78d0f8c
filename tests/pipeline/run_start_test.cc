// A run's start: the rule set loads on a thread of its own while the run
// opens its source and its store and starts reading (TaggerLoad), and a rule
// set that fails to load still fails the run before anything is stored, and
// leaves behind no store the run created (as a missing input leaves none).
//
// Each run is a real `newsflow run` child process. The rules' load is held
// with the test hook NEWSFLOW_TEST_HOLD_RULES_FILE until the test has seen
// the store open, so that these orders are certain, not likely.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline::run_start_test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::Newsflow;
using testing::ReadFile;
using testing::RunChild;
using testing::RunShell;
using testing::StoredCount;
using testing::TempDir;
using testing::ThreadNames;
using Clock = std::chrono::steady_clock;

constexpr int kItems = 3000;  // ~350 KB: more than the start reads of anything else

// cls-shaped items; every one names 深圳, which the rule tags.
void WriteInput(const std::string& path) {
  std::ofstream f(path);
  for (int i = 0; i < kItems; ++i)
    f << "{\"id\":" << 700000 + i << ",\"ctime\":" << 1780000000 + i << ",\"title\":\"深圳第" << i
      << "条\",\"content\":\"深圳发布低空经济措施，编号" << i << "。\"}\n";
}

void WriteRules(const std::string& dir, bool broken) {
  fs::create_directories(dir);
  std::ofstream(dir + "/a.yaml") << "version: 1\nrules:\n"
                                    "  - tag: region:shenzhen\n    any: [深圳]\n    provenance: [{seed: s.txt, clause: c}]\n";
  if (broken)  // a tag the taxonomy does not have: the load fails
    std::ofstream(dir + "/b.yaml") << "version: 1\nrules:\n"
                                      "  - tag: region:atlantis\n    any: [亚特兰蒂斯]\n    provenance: [{seed: s.txt, clause: c}]\n";
}

// Bytes the process has read through read(2) and its kin (/proc/PID/io).
uint64_t BytesRead(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  uint64_t value = 0;
  while (f >> key >> value)
    if (key == "rchar:") return value;
  return 0;
}

std::set<std::string> Entries(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// A `newsflow run` of `input` into `db` whose rules' load is held while
// `hold` exists (the variable is set for the child only).
std::unique_ptr<RunChild> StartHeldRun(const TempDir& tmp, const std::string& rules, const std::string& input,
                                       const std::string& db, const std::string& hold) {
  std::ofstream(hold) << "held\n";
  ::setenv("NEWSFLOW_TEST_HOLD_RULES_FILE", hold.c_str(), 1);
  auto run = std::make_unique<RunChild>(
      std::vector<std::string>{"run", "-q", "--format", "cls", "--source", input, "--rules", rules, "--db", db,
                               "--rules-cache", tmp.path("cache")},
      tmp.path("out"), tmp.path("err"));
  ::unsetenv("NEWSFLOW_TEST_HOLD_RULES_FILE");
  return run;
}

// Waits (up to 20 s) until `pred` holds.
template <typename Pred>
bool WaitFor(Pred pred) {
  for (const auto until = Clock::now() + 20s; Clock::now() < until; std::this_thread::sleep_for(10ms))
    if (pred()) return true;
  return pred();
}

// While the rules load, the store is open and the reader has started; the
// workers, which tag, have not. Once the rules are in, every item is stored.
TEST(RunStart, TheStoreOpensAndTheReaderReadsWhileTheRulesLoad) {
  TempDir tmp;
  WriteRules(tmp.path("rules"), /*broken=*/false);
  WriteInput(tmp.path("in.jsonl"));
  const std::string db = tmp.path("db");
  auto run = StartHeldRun(tmp, tmp.path("rules"), tmp.path("in.jsonl"), db, tmp.path("hold"));
  const uint64_t input_bytes = fs::file_size(tmp.path("in.jsonl"));
  ASSERT_TRUE(WaitFor([&] { return fs::exists(db + "/CURRENT") && BytesRead(run->pid()) >= input_bytes; }))
      << "the store did not open, or the input was not read, while the rules were held: read "
      << BytesRead(run->pid()) << " of " << input_bytes << " bytes; stderr: " << ReadFile(tmp.path("err"));
  const std::multiset<std::string> names = ThreadNames(run->pid());
  EXPECT_EQ(names.count("nf-rules"), 1u) << ::testing::PrintToString(names);  // still held
  EXPECT_EQ(names.count("nf-work-0"), 0u) << "a worker started before the rules loaded";
  fs::remove(tmp.path("hold"));
  ASSERT_EQ(run->WaitExit(60s), 0) << ReadFile(tmp.path("err"));
  EXPECT_EQ(StoredCount(db), static_cast<uint64_t>(kItems));
  const auto tagged = RunShell(Newsflow() + " query --count --limit 0 --tag region:shenzhen --db " + db);
  ASSERT_EQ(tagged.exit_code, 0) << tagged.err;
  EXPECT_EQ(std::stoull(tagged.out), static_cast<uint64_t>(kItems));
}

// A rule set that fails to load fails the run (exit 1, the rule file named)
// after the store was opened; the store it created is gone (with the
// parents it created, and through a link to an empty directory), what was
// in its directory before (a volume's lost+found) stays, and a store that
// existed keeps its documents.
TEST(RunStart, ARuleSetThatFailsToLoadLeavesNoStoreTheRunCreated) {
  TempDir tmp;
  WriteRules(tmp.path("good"), /*broken=*/false);
  WriteRules(tmp.path("bad"), /*broken=*/true);
  WriteInput(tmp.path("in.jsonl"));
  // An existing store, with the input in it.
  const auto first = RunShell(Newsflow() + " run -q --format cls --source " + tmp.path("in.jsonl") + " --rules " +
                              tmp.path("good") + " --db " + tmp.path("old") + " --rules-cache " + tmp.path("cache"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(StoredCount(tmp.path("old")), static_cast<uint64_t>(kItems));
  const std::set<std::string> old_files = Entries(tmp.path("old"));
  // A directory that holds what a store may be created beside: the
  // lost+found of a volume of its own.
  fs::create_directories(tmp.path("dir/lost+found"));
  std::ofstream(tmp.path("dir/lost+found/#1234")) << "fsck's\n";

  // A link to an empty directory, and a path whose parents are missing too.
  fs::create_directories(tmp.path("target"));
  fs::create_directory_symlink(tmp.path("target"), tmp.path("link"));

  for (const std::string name : {"new", "dir", "old", "link", "a/b/c"}) {
    SCOPED_TRACE(name);
    const std::string db = tmp.path(name);
    auto run = StartHeldRun(tmp, tmp.path("bad"), tmp.path("in.jsonl"), db, tmp.path("hold"));
    ASSERT_TRUE(WaitFor([&] { return fs::exists(db + "/CURRENT") && ThreadNames(run->pid()).count("nf-rules") == 1; }))
        << "the run did not open its store while the rules were held; stderr: " << ReadFile(tmp.path("err"));
    fs::remove(tmp.path("hold"));
    EXPECT_EQ(run->WaitExit(60s), 1);
    const std::string err = ReadFile(tmp.path("err"));
    EXPECT_NE(err.find("b.yaml"), std::string::npos) << err;
    EXPECT_NE(err.find("region:atlantis"), std::string::npos) << err;
    if (name == "new") {
      EXPECT_FALSE(fs::exists(db)) << "the store the failed run created is still there";
    } else if (name == "dir") {
      EXPECT_EQ(Entries(db), std::set<std::string>{"lost+found"});
      EXPECT_EQ(ReadFile(db + "/lost+found/#1234"), "fsck's\n");
    } else if (name == "link") {
      EXPECT_TRUE(fs::is_symlink(db));
      EXPECT_TRUE(fs::is_empty(tmp.path("target"))) << ::testing::PrintToString(Entries(tmp.path("target")));
    } else if (name == "a/b/c") {
      EXPECT_FALSE(fs::exists(tmp.path("a"))) << "the parents the failed run created are still there";
    } else {
      EXPECT_EQ(StoredCount(db), static_cast<uint64_t>(kItems));
      for (const std::string& f : old_files) {
        if (f.ends_with(".sst")) {
          EXPECT_TRUE(fs::exists(db + "/" + f)) << f;
        }
      }
    }
  }
}

}  // namespace
}  // namespace newsflow::pipeline::run_start_test
