// Spans stay numbers (ItemSpan: a pattern of the rule set that tagged the
// item, or a label index) until a record is built. The record the prepare
// stage encodes and the one the writer builds later for alerts and --tagged
// (ToRecord with Batch::rules) are the same, and name the keywords of the
// rule set that tagged the batch even when another set numbers its patterns
// differently (a reload between the worker and the writer). The prepare
// stage lends the text to the record and gives it back.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "newsflow/storage/record.h"
#include "pipeline/job/prepare_stage.h"
#include "storage/test_util.h"
#include "tag_worker_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

// One rule for cluster:ai; `keywords` in the order given, so two sets can
// number the same keywords differently.
std::string RulesDir(const testing::TempDir& tmp, const std::string& name, const std::string& keywords) {
  const std::string dir = tmp.path(name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/ai.yaml") << "version: 1\nrules:\n  - tag: cluster:ai\n    any: [" << keywords
                                  << "]\n    provenance:\n      - seed: test.txt\n        clause: \"人工智能\"\n";
  return dir;
}

Item Tagged(TagWorker* worker) {
  Item it;
  it.doc.key = "cls:1";
  it.doc.source = "cls";
  it.doc.id = "1";
  it.doc.time_ms = 1'780'000'000'000;
  it.doc.title = "<b>大模型</b>发布";
  it.doc.body = "公司称人工智能业务增长，大模型调用量翻倍。";
  it.position = "file:test:1";
  worker->Tag(it);
  return it;
}

TEST(ItemSpan, RecordsNameTheKeywordsOfTheRulesThatTaggedTheBatch) {
  testing::TempDir tmp;
  std::shared_ptr<const Tagger> a, b;
  auto wa = testing::OpenTagWorker(RulesDir(tmp, "a", "人工智能, 大模型"), &a);
  auto wb = testing::OpenTagWorker(RulesDir(tmp, "b", "大模型, 人工智能, 算力"), &b);
  ASSERT_TRUE(wa && wb);

  Batch batch;
  batch.items.push_back(Tagged(wa.get()));
  const Item& it = batch.items[0];
  ASSERT_EQ(it.tags.size(), 1u);
  ASSERT_EQ(it.tags[0].tag, "cluster:ai");
  // Three hits: 大模型 in the title, 人工智能 and 大模型 in the body.
  ASSERT_EQ(it.tags[0].spans.size(), 3u);
  const std::string title = it.doc.title, body = it.doc.body;

  PrepareStage(a->compiled()).Process(batch);
  ASSERT_EQ(batch.rules, a->compiled());
  EXPECT_EQ(batch.prepared.ruleset_version, a->version());
  // The text was lent to the record, and given back.
  EXPECT_EQ(it.doc.title, title);
  EXPECT_EQ(it.doc.body, body);

  ASSERT_EQ(batch.prepared.records.size(), 1u);
  storage::Record stored;
  ASSERT_TRUE(storage::DecodeRecord(batch.prepared.records[0].value, &stored));
  EXPECT_EQ(stored.title, title);
  EXPECT_EQ(stored.body, body);
  EXPECT_EQ(stored.ruleset_version, a->version());
  ASSERT_EQ(stored.spans.size(), 3u);
  std::multiset<std::string> keywords;
  for (const auto& s : stored.spans) {
    EXPECT_EQ(s.tag, "cluster:ai");
    const std::string& field = s.field == storage::Field::kTitle ? title : body;
    ASSERT_LE(s.end, field.size());
    EXPECT_EQ(field.substr(s.begin, s.end - s.begin), s.keyword);  // plain text: the span is the keyword
    keywords.insert(s.keyword);
  }
  EXPECT_EQ(keywords, (std::multiset<std::string>{"人工智能", "大模型", "大模型"}));

  // What the writer builds later from the batch's rules is what was stored.
  const storage::Record later = ToRecord(it, *batch.rules);
  storage::testing::ExpectRecordEq(stored, later);

  // The numbers mean nothing under another rule set: set b numbers 大模型
  // and 人工智能 the other way round, which is why a batch carries its rules.
  const storage::Record wrong = ToRecord(it, b->rules());
  ASSERT_EQ(wrong.spans.size(), 3u);
  size_t differ = 0;
  for (size_t i = 0; i < 3; ++i) differ += wrong.spans[i].keyword != stored.spans[i].keyword;
  EXPECT_EQ(differ, 3u);
}

}  // namespace
}  // namespace newsflow::pipeline
