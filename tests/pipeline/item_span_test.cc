// Spans stay numbers (ItemSpan: a pattern of the rule set that tagged the
// item, or a label index) until a record is built. The record the prepare
// stage encodes and the one the writer builds later for alerts and --tagged
// (ToRecord with Batch::rules) are the same, and name the keywords of the
// rule set that tagged the batch even when another set numbers its patterns
// differently (a reload between the worker and the writer). A label span
// names the label; a pre-tagged item keeps the producer's spans and version.
// The prepare stage lends the text to the record and gives it back, also
// when the record is refused.
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
// number the same keywords differently. The ths concept 人工智能 counts
// for it as a feed label.
std::string RulesDir(const testing::TempDir& tmp, const std::string& name, const std::string& keywords) {
  const std::string dir = tmp.path(name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/labels.yaml") << "version: 1\nlabels:\n  - field: ths.tagInfo\n    name: 人工智能\n"
                                      << "    tags: [cluster:ai]\n    weight: 0.3\n    reason: \"test\"\n";
  std::ofstream(dir + "/ai.yaml") << "version: 1\nrules:\n  - tag: cluster:ai\n    any: [" << keywords
                                  << "]\n    provenance:\n      - seed: test.txt\n        clause: \"人工智能\"\n";
  return dir;
}

// A cls item with id `id` and the given text.
Item ClsItem(const std::string& id, std::string title, std::string body) {
  Item it;
  it.doc.key = "cls:" + id;
  it.doc.source = "cls";
  it.doc.id = id;
  it.doc.time_ms = 1'780'000'000'000;
  it.doc.title = std::move(title);
  it.doc.body = std::move(body);
  it.position = "file:test:" + id;
  return it;
}

Item Tagged(TagWorker* worker) {
  Item it = ClsItem("1", "<b>大模型</b>发布", "公司称人工智能业务增长，大模型调用量翻倍。");
  it.doc.labels = {{"ths.tagInfo", "芯片概念"}, {"ths.tagInfo", "人工智能"}};
  worker->Tag(it);
  return it;
}

// What another instance published with --tagged, read back (DecodeStage):
// its spans name the producer's keywords, which this rule set may not have.
Item PreTaggedItem() {
  Item it = ClsItem("2", "外部词出现", "正文");
  PreTagged t;
  ItemTag tag;
  tag.tag = "cluster:other";
  tag.score = 1.5;
  t.tags.push_back(tag);
  t.spans.push_back({"cluster:other", "外部词", storage::Field::kTitle, 0, 9});
  t.ruleset_version = "producer-version";
  it.tagged = std::move(t);
  it.tags = it.tagged->tags;
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
  batch.items.push_back(PreTaggedItem());
  Item refused = Tagged(wa.get());
  refused.doc.key.clear();  // the store refuses it: a dead letter
  batch.items.push_back(std::move(refused));
  const Item& it = batch.items[0];
  ASSERT_EQ(it.tags.size(), 1u);
  ASSERT_EQ(it.tags[0].tag, "cluster:ai");
  // Three hits: 大模型 in the title, 人工智能 and 大模型 in the body; and
  // the label 人工智能, the document's second.
  ASSERT_EQ(it.tags[0].spans.size(), 4u);
  EXPECT_EQ(it.tags[0].spans[3].field, storage::Field::kLabel);
  EXPECT_EQ(it.tags[0].spans[3].keyword, 1u);
  const std::string title = it.doc.title, body = it.doc.body;

  PrepareStage(a->compiled()).Process(batch);
  ASSERT_EQ(batch.rules, a->compiled());
  EXPECT_EQ(batch.prepared.ruleset_version, a->version());
  // The text was lent to the record, and given back.
  EXPECT_EQ(it.doc.title, title);
  EXPECT_EQ(it.doc.body, body);

  // The refused item became a dead letter, its text given back all the same.
  ASSERT_EQ(batch.prepared.records.size(), 2u);
  ASSERT_EQ(batch.prepared.dead_letters.size(), 1u);
  EXPECT_FALSE(batch.items[2].error.empty());
  EXPECT_EQ(batch.items[2].doc.title, title);
  EXPECT_EQ(batch.items[2].doc.body, body);

  storage::Record stored;
  ASSERT_TRUE(storage::DecodeRecord(batch.prepared.records[0].value, &stored));
  EXPECT_EQ(stored.title, title);
  EXPECT_EQ(stored.body, body);
  EXPECT_EQ(stored.ruleset_version, a->version());
  ASSERT_EQ(stored.spans.size(), 4u);
  std::multiset<std::string> keywords;
  for (const auto& s : stored.spans) {
    EXPECT_EQ(s.tag, "cluster:ai");
    if (s.field == storage::Field::kLabel) {
      EXPECT_EQ(s.begin, 1u);
      EXPECT_EQ(s.end, 2u);
      EXPECT_EQ(s.keyword, "人工智能");
      continue;
    }
    const std::string& field = s.field == storage::Field::kTitle ? title : body;
    ASSERT_LE(s.end, field.size());
    EXPECT_EQ(field.substr(s.begin, s.end - s.begin), s.keyword);  // plain text: the span is the keyword
    keywords.insert(s.keyword);
  }
  EXPECT_EQ(keywords, (std::multiset<std::string>{"人工智能", "大模型", "大模型"}));

  // The pre-tagged item keeps the producer's spans and version.
  storage::Record pre;
  ASSERT_TRUE(storage::DecodeRecord(batch.prepared.records[1].value, &pre));
  EXPECT_EQ(pre.ruleset_version, "producer-version");
  ASSERT_EQ(pre.spans.size(), 1u);
  EXPECT_EQ(pre.spans[0].keyword, "外部词");
  EXPECT_EQ(pre.spans[0].tag, "cluster:other");
  storage::testing::ExpectRecordEq(pre, ToRecord(batch.items[1], *batch.rules));

  // What the writer builds later from the batch's rules is what was stored.
  const storage::Record later = ToRecord(it, *batch.rules);
  storage::testing::ExpectRecordEq(stored, later);

  // The numbers mean nothing under another rule set: set b numbers 大模型
  // and 人工智能 the other way round, which is why a batch carries its rules.
  const storage::Record wrong = ToRecord(it, b->rules());
  ASSERT_EQ(wrong.spans.size(), 4u);
  size_t differ = 0;
  for (size_t i = 0; i < 4; ++i) differ += wrong.spans[i].keyword != stored.spans[i].keyword;
  EXPECT_EQ(differ, 3u);  // the label span names the label under any rule set
}

}  // namespace
}  // namespace newsflow::pipeline
