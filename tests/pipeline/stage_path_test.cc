// One stage path: `newsflow run`, `rules explain`, `rules coverage` and
// `eval` tag the same fixture identically, because all of them go through
// pipeline::Tagger / TagWorker. Each command's structured output (--json) is
// compared with the tags the run stored.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "json_util.h"
#include "pipeline/decode/decoder.h"
#include "pipeline/sink/record_json.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::ReadLines;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

bool Scored(const std::string& tag) {
  return tag.rfind("cluster:", 0) == 0 || tag.rfind("theme:", 0) == 0 || tag.rfind("region:", 0) == 0;
}

// A gold line (eval's format) for a fixture document with these labels.
std::string GoldLine(const Document& d, const std::vector<std::string>& labels) {
  std::string line = "{\"key\":";
  AppendJsonString(&line, d.key);
  line += ",\"title\":";
  AppendJsonString(&line, d.title);
  line += ",\"body\":";
  AppendJsonString(&line, d.body);
  line += ",\"labels\":[";
  for (size_t i = 0; i < labels.size(); ++i) {
    line += i ? ",{\"tag\":" : "{\"tag\":";
    AppendJsonString(&line, labels[i]);
    line += ",\"evidence\":\"\"}";
  }
  return line + "]}\n";
}

class StagePath : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = SourcePath("tests/fixtures/ths-sample.jsonl");
    const std::string db = tmp_.path("db");
    auto r = RunShell(Newsflow() + " run -q --json --format ths --source " + fixture_ + " --rules " + Rules() +
                      " --db " + db);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto q = RunShell(Newsflow() + " query --json --limit 0 --db " + db);
    ASSERT_EQ(q.exit_code, 0) << q.err;
    for (const auto& doc : JsonLines(q.out)) stored_[doc.String("key")] = doc.Strings("tags");
    ASSERT_EQ(stored_.size(), 120u);
    Decoder dec(FormatSpec{FormatSpec::Kind::kThs, {}});
    for (const auto& l : ReadLines(fixture_)) {
      Document d;
      ASSERT_TRUE(dec.Decode(l, &d).ok());
      docs_.push_back(d);
    }
  }
  static std::string Rules() { return SourcePath("rules/sets"); }
  static bool IsProject(const std::string& tag) { return tag.rfind("project:", 0) == 0 || tag.rfind("program:", 0) == 0; }
  // A copy of the rules without projects.yaml (project:/program: tags,
  // which no feed label maps to); "" if it could not be made.
  std::string RulesWithoutProjects() {
    const std::string without = testing::CopyRules(tmp_);
    return std::filesystem::remove(without + "/projects.yaml") ? without : "";
  }
  // Project/program tag -> documents the run stored with it.
  std::map<std::string, uint64_t> StoredProjects() const {
    std::map<std::string, uint64_t> projects;
    for (const auto& [key, tags] : stored_)
      for (const auto& t : tags)
        if (IsProject(t)) ++projects[t];
    return projects;
  }

  TempDir tmp_;
  std::string fixture_;
  std::map<std::string, std::set<std::string>> stored_;  // key -> tags, from the run
  std::vector<Document> docs_;
};

TEST_F(StagePath, ExplainTagsLikeTheRun) {
  size_t tagged = 0;
  for (size_t i = 0; i < docs_.size(); i += 4) {  // 30 items: each explain compiles the rules once
    const Document& d = docs_[i];
    std::ofstream(tmp_.path("title.txt"), std::ios::binary) << d.title;
    std::ofstream(tmp_.path("body.txt"), std::ios::binary) << d.body;
    auto r = RunShell(Newsflow() + " rules explain --json --rules " + Rules() + " --title \"$(cat " +
                      tmp_.path("title.txt") + ")\" < " + tmp_.path("body.txt"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto tags = JsonObject::LastLine(r.out).Strings("tags");
    EXPECT_EQ(tags, stored_.at(d.key)) << d.key;
    // The object query --json prints: with the body its spans point into.
    EXPECT_EQ(JsonObject::LastLine(r.out).String("body"), d.body) << d.key;
    tagged += !tags.empty();
  }
  EXPECT_GT(tagged, 5u);  // the comparison covers tagged items, not only empty ones
}

TEST_F(StagePath, CoverageCountsTheRunsTags) {
  auto r = RunShell(Newsflow() + " rules coverage --json --format ths --rules " + Rules() + " --source " + fixture_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cov = JsonObject::LastLine(r.out);
  EXPECT_EQ(cov.Uint("documents"), stored_.size());
  std::map<std::string, uint64_t> per_tag;
  for (const auto& [key, tags] : stored_)
    for (const auto& t : tags) ++per_tag[t];
  ASSERT_FALSE(per_tag.empty());
  for (const auto& [tag, n] : per_tag) EXPECT_EQ(cov.Count("tags", tag), n) << tag;
}

TEST_F(StagePath, CoverageAgainstABaselineCountsWhatTheChangeAddsAndRemoves) {
  // The baseline lacks projects.yaml (project:/program: tags, which no feed
  // label maps to): against it the rules add exactly the project and program
  // tags the run stored, each credited to keywords that hit, and remove
  // nothing; the other way round they are removed.
  const std::string without = RulesWithoutProjects();
  ASSERT_FALSE(without.empty());
  const std::map<std::string, uint64_t> projects = StoredProjects();
  ASSERT_FALSE(projects.empty());
  const std::string base = Newsflow() + " rules coverage --json --format ths --source " + fixture_;
  auto r = RunShell(base + " --rules " + Rules() + " --baseline " + without);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto cov = JsonObject::LastLine(r.out);
  EXPECT_EQ(cov.Uint("documents"), stored_.size());
  EXPECT_FALSE(cov.Bool("gold"));
  std::map<std::string, uint64_t> credited;  // tag -> the largest keyword count
  for (const auto& k : cov.Objects("keywords")) {
    EXPECT_TRUE(projects.count(k.String("tag"))) << k.String("tag") << " " << k.String("keyword");
    credited[k.String("tag")] = std::max(credited[k.String("tag")], k.Uint("documents"));
    // The documents a rules author reads: the first ten, each a stored
    // document the run gave the tag (the listing said counts only).
    const std::set<std::string> examples = k.Strings("examples");
    EXPECT_EQ(examples.size(), std::min<uint64_t>(k.Uint("documents"), 10)) << k.String("keyword");
    for (const auto& key : examples)
      EXPECT_TRUE(stored_.count(key) && stored_.at(key).count(k.String("tag"))) << key << " " << k.String("tag");
  }
  for (const auto& [tag, n] : projects) {
    EXPECT_EQ(cov.UintAt({"tags", tag, "added", "documents"}), n) << tag;
    EXPECT_EQ(cov.UintAt({"tags", tag, "removed", "documents"}), 0u) << tag;
    EXPECT_GE(credited[tag], 1u) << tag;
    EXPECT_LE(credited[tag], n) << tag;
  }
  r = RunShell(base + " --rules " + without + " --baseline " + Rules());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cov = JsonObject::LastLine(r.out);
  EXPECT_TRUE(cov.Objects("keywords").empty());
  for (const auto& [tag, n] : projects) {
    EXPECT_EQ(cov.UintAt({"tags", tag, "removed", "documents"}), n) << tag;
    EXPECT_EQ(cov.UintAt({"tags", tag, "added", "documents"}), 0u) << tag;
  }
}

TEST_F(StagePath, CoverageOfPreTaggedInputCreditsTheProducersKeywords) {
  // The run's documents as another instance would publish them (--tagged:
  // the query --json objects), measured against a baseline without
  // projects.yaml: their own project/program tags are added, each credited
  // to keywords of the producer's spans.
  const std::string tagged = tmp_.path("tagged.jsonl");
  auto q = RunShell(Newsflow() + " query --json --limit 0 --db " + tmp_.path("db"));
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::ofstream(tagged) << q.out;
  const std::string without = RulesWithoutProjects();
  ASSERT_FALSE(without.empty());
  const std::map<std::string, uint64_t> projects = StoredProjects();
  ASSERT_FALSE(projects.empty());
  auto r = RunShell(Newsflow() + " rules coverage --json --format tagged --source " + tagged + " --rules " + without +
                    " --baseline " + without);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cov = JsonObject::LastLine(r.out);
  EXPECT_EQ(cov.Uint("documents"), stored_.size());
  std::map<std::string, uint64_t> credited;  // tag -> the largest keyword count
  for (const auto& k : cov.Objects("keywords")) credited[k.String("tag")] = std::max(credited[k.String("tag")], k.Uint("documents"));
  for (const auto& [tag, n] : projects) {
    EXPECT_EQ(cov.UintAt({"tags", tag, "added", "documents"}), n) << tag;
    EXPECT_GE(credited[tag], 1u) << tag << ": no keyword credited";
  }
}

TEST_F(StagePath, CoverageAgainstABaselineOnGoldCountsRightAndWrong) {
  // The same change over gold items: every other stored project/program tag
  // is labelled, so half the added tags are right (the gold has them) and
  // half wrong; removed the other way round, a removal is right where the
  // gold lacks the tag.
  const std::string without = RulesWithoutProjects();
  ASSERT_FALSE(without.empty());
  std::map<std::string, uint64_t> stored, labelled;  // tag -> documents
  std::ofstream gold(tmp_.path("gold.jsonl"), std::ios::binary);
  size_t n = 0;
  for (const auto& d : docs_) {
    std::vector<std::string> labels;
    for (const auto& t : stored_.at(d.key)) {
      if (!IsProject(t)) continue;
      ++stored[t];
      if (n++ % 2) continue;
      ++labelled[t];
      labels.push_back(t);
    }
    gold << GoldLine(d, labels);
  }
  gold.close();
  ASSERT_GT(n, 3u);
  const std::string cmd = Newsflow() + " rules coverage --json --gold " + tmp_.path("gold.jsonl");
  auto r = RunShell(cmd + " --rules " + Rules() + " --baseline " + without);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto cov = JsonObject::LastLine(r.out);
  EXPECT_TRUE(cov.Bool("gold"));
  for (const auto& [tag, count] : stored) {
    EXPECT_EQ(cov.UintAt({"tags", tag, "added", "right"}), labelled[tag]) << tag;
    EXPECT_EQ(cov.UintAt({"tags", tag, "added", "wrong"}), count - labelled[tag]) << tag;
  }
  r = RunShell(cmd + " --rules " + without + " --baseline " + Rules());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cov = JsonObject::LastLine(r.out);
  for (const auto& [tag, count] : stored) {
    EXPECT_EQ(cov.UintAt({"tags", tag, "removed", "right"}), count - labelled[tag]) << tag;
    EXPECT_EQ(cov.UintAt({"tags", tag, "removed", "wrong"}), labelled[tag]) << tag;
  }
}

TEST_F(StagePath, EvalAgreesWithTheRunPerfectly) {
  // A gold file whose labels are what the run stored: eval, tagging through
  // the same path, must find every label and nothing else.
  std::ofstream gold(tmp_.path("gold.jsonl"), std::ios::binary);
  size_t labels = 0;
  for (const auto& d : docs_) {
    std::vector<std::string> scored;
    for (const auto& t : stored_.at(d.key))
      if (Scored(t)) scored.push_back(t);
    labels += scored.size();
    gold << GoldLine(d, scored);
  }
  gold.close();
  ASSERT_GT(labels, 10u);
  auto r = RunShell(Newsflow() + " eval --json --rules " + Rules() + " --gold " + tmp_.path("gold.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto e = JsonObject::LastLine(r.out);
  ASSERT_TRUE(e.ok()) << r.out;
  EXPECT_EQ(e.Uint("items"), docs_.size());
  uint64_t tp = 0;
  for (const char* fam : {"cluster", "theme", "region"}) {
    tp += e.Nested(fam, "tp");
    EXPECT_EQ(e.Nested(fam, "fp"), 0u) << fam;
    EXPECT_EQ(e.Nested(fam, "fn"), 0u) << fam;
  }
  EXPECT_EQ(tp, labels);
}

}  // namespace
}  // namespace newsflow::pipeline
