// --format tagged reads back what --tagged publishes: RecordToJson of a
// stored record decodes to the same key, text, stocks, tags, scores, spans
// and version; a malformed tagged document is an error naming the field
// (the item becomes a dead letter), as is a time outside the feeds' range
// or a span outside its field.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>

#include "json_util.h"
#include "pipeline/decode/tagged_record.h"
#include "pipeline/sink/record_json.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

storage::Record Sample() {
  storage::Record r;
  r.key = "cls:2370637";
  r.source = "cls";
  r.time_ms = 1778688503000;
  r.title = "深圳<b>芯片</b> \"引号\"";
  r.body = "人工智能与低空经济\n第二行";
  r.url = "https://example.com/a?b=1";
  r.level = "B";
  r.stocks = {"sz002670", "1.600812"};
  r.stock_codes = {"SZ002670", "SH600812"};
  r.labels = {{"cls.subjects", "环球市场情报"}, {"cls.subjects", "人工智能"}};
  r.tags = {{"cluster:ai", 1.25}, {"region:shenzhen", 2.0}};
  r.spans = {{"cluster:ai", "人工智能", storage::Field::kBody, 0, 12},
             {"region:shenzhen", "深圳", storage::Field::kTitle, 0, 6},
             {"cluster:ai", "人工智能", storage::Field::kLabel, 1, 2}};
  r.ruleset_version = "4873ea72f8713548";
  r.story = "cls:2370000";
  return r;
}

TEST(TaggedRecord, WhatTaggedPublishesDecodesToTheSameRecord) {
  const storage::Record r = Sample();
  RecordJsonOptions jo;
  jo.body = true;
  simdjson::dom::parser parser;
  storage::Record back;
  ASSERT_TRUE(DecodeTaggedRecord(RecordToJson(r, jo), &parser, &back).ok());
  EXPECT_EQ(back.key, r.key);
  EXPECT_EQ(back.source, r.source);
  EXPECT_EQ(back.time_ms, r.time_ms);
  EXPECT_EQ(back.title, r.title);
  EXPECT_EQ(back.body, r.body);
  EXPECT_EQ(back.url, r.url);
  EXPECT_EQ(back.level, r.level);
  EXPECT_EQ(back.stocks, r.stocks);
  EXPECT_EQ(back.stock_codes, r.stock_codes);
  EXPECT_EQ(back.ruleset_version, r.ruleset_version);
  ASSERT_EQ(back.tags.size(), 2u);
  EXPECT_EQ(back.tags[0].tag, "cluster:ai");
  EXPECT_DOUBLE_EQ(back.tags[0].score, 1.25);
  ASSERT_EQ(back.labels.size(), 2u);
  EXPECT_EQ(back.labels[1].field, "cls.subjects");
  EXPECT_EQ(back.labels[1].name, "人工智能");
  ASSERT_EQ(back.spans.size(), 3u);
  EXPECT_EQ(back.spans[1].field, storage::Field::kTitle);
  EXPECT_EQ(back.spans[1].end, 6u);
  EXPECT_EQ(back.spans[2].field, storage::Field::kLabel);
  EXPECT_EQ(back.spans[2].begin, 1u);
  EXPECT_TRUE(back.story.empty());  // the desk node clusters stories itself
}

// A desk node (`run --format tagged`) stores what a tagging node published,
// feed labels and label spans included, readable afterwards.
TEST(TaggedRecord, ARunOfTaggedInputStoresTheLabelsAndTheirSpans) {
  testing::TempDir tmp;
  RecordJsonOptions jo;
  jo.body = true;
  std::ofstream(tmp.path("tagged.jsonl")) << RecordToJson(Sample(), jo) << "\n";
  const std::string db = tmp.path("db");
  auto r = testing::RunShell(testing::Newsflow() + " run -q --format tagged --source file:" + tmp.path("tagged.jsonl") +
                             " --rules " + testing::SourcePath("rules/sets") + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto q = testing::RunShell(testing::Newsflow() + " query --json --db " + db);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  simdjson::dom::parser parser;
  storage::Record back;
  ASSERT_TRUE(DecodeTaggedRecord(q.out.substr(0, q.out.find('\n')), &parser, &back).ok()) << q.out;
  ASSERT_EQ(back.labels.size(), 2u);
  EXPECT_EQ(back.labels[1].name, "人工智能");
  size_t label_spans = 0;
  for (const auto& s : back.spans)
    if (s.field == storage::Field::kLabel) {
      ++label_spans;
      EXPECT_EQ(s.begin, 1u);
      EXPECT_EQ(s.keyword, "人工智能");
    }
  EXPECT_EQ(label_spans, 1u);
}

TEST(TaggedRecord, AMalformedDocumentIsAnErrorNamingTheField) {
  simdjson::dom::parser parser;
  storage::Record out;
  const std::string good =
      R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":["cluster:ai"],"scores":{"cluster:ai":1},"ruleset_version":"v"})";
  ASSERT_TRUE(DecodeTaggedRecord(good, &parser, &out).ok());
  struct Case {
    std::string line, field;
  } cases[] = {
      {R"({"source":"cls","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v"})", "key"},
      {R"({"key":"ths:1","source":"cls","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v"})", "key"},
      // A source that is no feed name: the key's part before its first ':'
      // ("x") would not be the document's source ("x:y").
      {R"({"key":"x:y:1","source":"x:y","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v"})", "source"},
      {R"({"key":"cls:1","source":"cls","time_ms":"x","tags":[],"scores":{},"ruleset_version":"v"})", "time_ms"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":["cluster:ai"],"scores":{},"ruleset_version":"v"})",
       "cluster:ai"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"scores":{},"ruleset_version":"v"})", "tags"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v",)"
       R"("spans":[{"tag":"a","keyword":"b","field":"url","begin":0,"end":1}]})",
       "span field"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v","labels":[],)"
       R"("spans":[{"tag":"a","keyword":"b","field":"label","begin":0,"end":1}]})",
       "label span"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v","labels":[{"name":"x"}]})",
       "field"},
      {"{not json", "(document)"},
      {"{\"key\":\"cls:1\",\"title\":\"\xe7\xbe\"}", "offset 24"},  // not valid UTF-8: its first invalid byte
      {R"({"key":"cls:1\n\nevent: alert","source":"cls","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v"})",
       "control character U+000A"},
      // Accepted before: the first of two `key`s stored, a tag twice, a tag
      // id with a newline or empty, codes and stocks of other lengths, a span
      // of a tag the document does not carry (dropped unsaid).
      {R"({"key":"cls:1","key":"cls:2","source":"cls","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v"})",
       "appears twice"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":["cluster:ai","cluster:ai"],"scores":{"cluster:ai":1},"ruleset_version":"v"})",
       "listed twice"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":["x\ny"],"scores":{"x\ny":1},"ruleset_version":"v"})",
       "no tag id"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":[""],"scores":{"":1},"ruleset_version":"v"})",
       "no tag id"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"tags":[],"scores":{},"ruleset_version":"v","stocks":["a"],"stock_codes":["SH600000","SZ000001"]})",
       "stock_codes"},
      {R"({"key":"cls:1","source":"cls","time_ms":1778688503000,"title":"深圳","tags":[],"scores":{},"ruleset_version":"v",)"
       R"("spans":[{"tag":"region:shenzhen","keyword":"深圳","field":"title","begin":0,"end":6}]})",
       "region:shenzhen"},
  };
  for (const auto& c : cases) {
    const Status s = DecodeTaggedRecord(c.line, &parser, &out);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.line;
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s.message();
  }
}

std::string WithTime(const std::string& time_ms) {
  return R"({"key":"cls:3","source":"cls","time_ms":)" + time_ms +
         R"(,"title":"t","body":"深圳芯片","ruleset_version":"x","tags":[],"scores":{}})";
}

// time_ms is held to the feed decoders' range (1990..2099 UTC), or is 0, the
// time a mapped feed without one is stored at.
TEST(TaggedRecord, ATimeOutsideTheFeedsRangeIsAnErrorNamingTimeMs) {
  simdjson::dom::parser parser;
  storage::Record out;
  for (const int64_t bad : {int64_t{-62135596800001}, int64_t{-1}, int64_t{631151999999}, int64_t{4102444800000},
                            std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    const Status s = DecodeTaggedRecord(WithTime(std::to_string(bad)), &parser, &out);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_NE(s.message().find("time_ms"), std::string::npos) << s.message();
  }
  for (const int64_t good : {int64_t{0}, int64_t{631152000000}, int64_t{4102444799999}}) {
    const Status s = DecodeTaggedRecord(WithTime(std::to_string(good)), &parser, &out);
    EXPECT_TRUE(s.ok()) << good << ": " << s.message();
    EXPECT_EQ(out.time_ms, good);
  }
}

std::string WithSpan(const std::string& field, const std::string& begin, const std::string& end) {
  return R"({"key":"cls:5","source":"cls","time_ms":1779120000000,"title":"t","body":"深圳芯片",)"
         R"("ruleset_version":"x","tags":["region:shenzhen"],"scores":{"region:shenzhen":1},)"
         R"("spans":[{"tag":"region:shenzhen","keyword":"深圳","field":")" +
         field + R"(","begin":)" + begin + R"(,"end":)" + end + "}]}";
}

// A title or body span is [begin, end) of that field's bytes: offsets that
// fit the stored type, in order, within the field, on UTF-8 boundaries.
TEST(TaggedRecord, ASpanOutsideItsFieldIsAnErrorNamingTheSpans) {
  simdjson::dom::parser parser;
  storage::Record out;
  struct Case {
    std::string field, begin, end;
  } bad[] = {
      {"body", "4294967298", "4294967301"},  // would wrap to [2, 5)
      {"body", "0", "4294967296"},
      {"body", "1000", "5"},
      {"body", "6", "3"},
      {"body", "0", "13"},  // the body has 12 bytes
      {"title", "0", "2"},  // the title has 1
      {"body", "1", "6"},   // inside 深
      {"body", "0", "4"},   // inside 圳
      {"body", "-1", "3"},
      {"body", "0.5", "3"},
      {"url", "0", "1"},
  };
  for (const auto& c : bad) {
    const Status s = DecodeTaggedRecord(WithSpan(c.field, c.begin, c.end), &parser, &out);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.field << " " << c.begin << ".." << c.end;
    EXPECT_NE(s.message().find("span"), std::string::npos) << s.message();
  }
  struct Good {
    std::string field;
    uint32_t begin, end;
  } good[] = {{"body", 0, 6}, {"body", 6, 12}, {"body", 12, 12}, {"title", 0, 1}};
  for (const auto& c : good) {
    const Status s =
        DecodeTaggedRecord(WithSpan(c.field, std::to_string(c.begin), std::to_string(c.end)), &parser, &out);
    ASSERT_TRUE(s.ok()) << c.field << " " << c.begin << ".." << c.end << ": " << s.message();
    ASSERT_EQ(out.spans.size(), 1u);
    EXPECT_EQ(out.spans[0].begin, c.begin);
    EXPECT_EQ(out.spans[0].end, c.end);
  }
}

// The issue's reproducer through the binary: out-of-range times and spans
// are dead letters with their reasons, the good line is stored, and every
// stored time prints as a time.
TEST(TaggedRecord, ARunDeadLettersOutOfRangeTimesAndSpans) {
  testing::TempDir tmp;
  std::ofstream(tmp.path("tagged.jsonl"))
      << WithTime("-62135596800001") << "\n"
      << WithTime(std::to_string(std::numeric_limits<int64_t>::max())) << "\n"
      << WithSpan("body", "4294967298", "4294967301") << "\n"
      << WithSpan("body", "1000", "5") << "\n"
      << WithSpan("body", "0", "6") << "\n";
  const std::string db = tmp.path("db");
  auto r = testing::RunShell(testing::Newsflow() + " run -q --json --format tagged --source file:" +
                             tmp.path("tagged.jsonl") + " --rules " + testing::SourcePath("rules/sets") + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = testing::JsonObject::LastLine(r.out);
  ASSERT_TRUE(summary.ok()) << r.out;
  EXPECT_EQ(summary.Uint("stored"), 1u);
  EXPECT_EQ(summary.Uint("dead_lettered"), 4u);
  auto q = testing::RunShell(testing::Newsflow() + " query --json --limit 0 --db " + db);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const auto lines = testing::ReadLinesOf(q.out);
  ASSERT_EQ(lines.size(), 1u) << q.out;
  const auto doc = testing::JsonObject::Of(lines[0]);
  EXPECT_EQ(doc.String("key"), "cls:5");
  EXPECT_EQ(doc.String("time"), "2026-05-18T16:00:00.000Z");
}

}  // namespace
}  // namespace newsflow::pipeline
