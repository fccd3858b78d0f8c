// The whole real cls corpus (../shared/corpus/cls-shared.jsonl.gz, 30,201
// items): every item is stored, and running it again changes nothing — the
// same document count and exactly one by_tag entry per (document, tag).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "newsflow/rules/compiled_rules.h"
#include "newsflow/storage/store.h"
#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::CorpusFile;
using testing::Newsflow;
using testing::RunShell;
using testing::SourcePath;

// Per-tag index entry counts, and the number of (document, tag) pairs.
void IndexCounts(const std::string& db, std::map<std::string, uint64_t>* per_tag, uint64_t* doc_tag_pairs,
                 uint64_t* docs) {
  storage::StoreOptions o;
  o.path = db;
  o.read_only = true;
  std::unique_ptr<storage::Store> s;
  ASSERT_TRUE(storage::Store::Open(o, &s).ok());
  rules::RuleSet set;
  ASSERT_TRUE(rules::LoadRuleDir(SourcePath("rules/sets"), &set).ok());
  for (const auto& r : set.rules) {
    uint64_t n = 0;
    ASSERT_TRUE(s->CountTagIndex(r.tag, &n).ok());
    (*per_tag)[r.tag] = n;
  }
  std::vector<storage::Record> all;
  storage::QueryOptions q;
  q.limit = 0;
  ASSERT_TRUE(s->Query(q, &all).ok());
  *doc_tag_pairs = 0;
  for (const auto& r : all) *doc_tag_pairs += r.tags.size();
  storage::Counts c;
  ASSERT_TRUE(s->GetCounts(&c).ok());
  *docs = c.docs;
  ASSERT_EQ(all.size(), c.docs);
}

TEST(Corpus, ClsCorpusIsStoredOnceAndReingestingChangesNothing) {
  const std::string corpus = CorpusFile("cls-shared.jsonl.gz");
  ASSERT_TRUE(std::filesystem::exists(corpus)) << "the shared corpus is expected beside the clone: " << corpus;
  testing::TempDir tmp;
  const std::string cmd = Newsflow() + " run -q --json --format cls --source file:" + corpus + " --rules " +
                          SourcePath("rules/sets") + " --db " + tmp.path("db");
  auto first = RunShell(cmd);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto summary = testing::JsonObject::LastLine(first.out);
  EXPECT_EQ(summary.Uint("stored"), 30201u) << first.out;
  EXPECT_EQ(summary.Uint("dead_lettered"), 0u) << first.out;
  std::map<std::string, uint64_t> tags1, tags2;
  uint64_t pairs1, pairs2, docs1, docs2;
  IndexCounts(tmp.path("db"), &tags1, &pairs1, &docs1);
  EXPECT_EQ(docs1, 30201u);
  uint64_t index_total = 0;
  for (const auto& [t, n] : tags1) index_total += n;
  EXPECT_EQ(index_total, pairs1);  // one index entry per (document, tag)
  EXPECT_GT(pairs1, 10000u);

  // Re-ingesting: the same bytes again through stdin (not resumable, so
  // every item is processed and replaces its stored copy).
  const std::string stdin_cmd = Newsflow() + " run -q --json --format cls --source - --rules " +
                                SourcePath("rules/sets") + " --db " + tmp.path("db") + " < " + corpus;
  auto second = RunShell(stdin_cmd);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(testing::JsonObject::LastLine(second.out).Uint("stored"), 30201u) << second.out;
  IndexCounts(tmp.path("db"), &tags2, &pairs2, &docs2);
  EXPECT_EQ(docs2, 30201u);
  EXPECT_EQ(tags2, tags1);
  EXPECT_EQ(pairs2, pairs1);

  // The same file again: stored to its end already, so it is not read again.
  auto third = RunShell(cmd);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  const auto done = testing::JsonObject::LastLine(third.out);
  EXPECT_TRUE(done.Bool("already_complete")) << third.out;
  EXPECT_EQ(done.Uint("read"), 0u) << third.out;
}

}  // namespace
}  // namespace newsflow::pipeline
