// Decoder tests on real fixture items of each feed and on malformed input.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <set>

#include "pipeline/decode/decoder.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::ReadLines;
using testing::SourcePath;

// Writes `yaml` as the test's field map (m.yaml) and loads it as --format map:.
Status WriteMapSpec(const testing::TempDir& tmp, const std::string& yaml, FormatSpec* spec) {
  std::ofstream(tmp.path("m.yaml"), std::ios::trunc) << yaml;
  return ParseFormatSpec("map:" + tmp.path("m.yaml"), spec);
}

FormatSpec Spec(const char* text) {
  FormatSpec s;
  EXPECT_TRUE(ParseFormatSpec(text, &s).ok());
  return s;
}

// Bounds of the corpus: 2026-05-14 .. 2026-08-01 UTC.
constexpr int64_t kCorpusStart = 1778544000000;  // 2026-05-12T00:00:00Z
constexpr int64_t kCorpusEnd = 1785628800000;    // 2026-08-02T00:00:00Z

class FeedFixtures : public ::testing::TestWithParam<const char*> {};

TEST_P(FeedFixtures, EveryRealItemDecodesWithItsFormatAndWithAuto) {
  const std::string feed = GetParam();
  const auto lines = ReadLines(SourcePath("tests/fixtures/" + feed + "-sample.jsonl"));
  ASSERT_GE(lines.size(), 100u);
  Decoder exact(Spec(feed.c_str())), autod(Spec("auto"));
  std::set<std::string> keys;
  for (const auto& line : lines) {
    Document d, a;
    auto r = exact.Decode(line, &d);
    ASSERT_TRUE(r.ok()) << r.message() << "\n" << line.substr(0, 200);
    ASSERT_TRUE(autod.Decode(line, &a).ok());
    EXPECT_EQ(a.key, d.key);
    EXPECT_EQ(d.source, feed);
    EXPECT_EQ(d.key, feed + ":" + d.id);
    EXPECT_FALSE(d.id.empty());
    EXPECT_GE(d.time_ms, kCorpusStart) << d.key;
    EXPECT_LT(d.time_ms, kCorpusEnd) << d.key;
    EXPECT_FALSE(d.title.empty() && d.body.empty()) << d.key;
    keys.insert(d.key);
  }
  EXPECT_EQ(keys.size(), lines.size());  // the fixtures hold distinct items
}

INSTANTIATE_TEST_SUITE_P(Feeds, FeedFixtures, ::testing::Values("cls", "eastmoney", "ths"));

TEST(Decoder, ClsEmptyTitleTakesTheBracketHeadline) {
  Decoder dec(Spec("cls"));
  int empty_titles = 0;
  for (const auto& line : ReadLines(SourcePath("tests/fixtures/cls-sample.jsonl"))) {
    Document d;
    ASSERT_TRUE(dec.Decode(line, &d).ok());
    simdjson::dom::parser parser;
    std::string_view top_title;
    ASSERT_EQ(parser.parse(line)["title"].get(top_title), simdjson::SUCCESS);
    if (!top_title.empty()) {
      EXPECT_EQ(d.title, top_title);
      continue;
    }
    ++empty_titles;
    if (d.body.rfind("【", 0) == 0) {
      EXPECT_FALSE(d.title.empty()) << d.key;
      EXPECT_EQ(d.body.find("【" + d.title + "】"), 0u) << d.key;
    } else {
      EXPECT_TRUE(d.title.empty()) << d.key;
    }
  }
  EXPECT_GT(empty_titles, 5);
}

TEST(Decoder, ClsFieldsAndStocks) {
  Decoder dec(Spec("cls"));
  Document d;
  const std::string line =
      R"({"id":2370637,"ctime":1778688503,"level":"B","title":"","content":"【美联储：关注供应】财联社5月14日电，内容。",)"
      R"("brief":"b","shareurl":"https://x/2370637","stock_list":[{"StockID":"sz301356","name":"天振股份"}],"extra":{"a":[1,2]}})";
  ASSERT_TRUE(dec.Decode(line, &d).ok());
  EXPECT_EQ(d.key, "cls:2370637");
  EXPECT_EQ(d.time_ms, 1778688503000);
  EXPECT_EQ(d.title, "美联储：关注供应");
  EXPECT_EQ(d.level, "B");
  EXPECT_EQ(d.url, "https://x/2370637");
  EXPECT_EQ(d.stocks, std::vector<std::string>{"sz301356"});
}

TEST(Decoder, EastmoneyShowTimeIsBeijingTime) {
  Decoder dec(Spec("eastmoney"));
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"code":"202605183740885927","showTime":"2026-05-19 00:02:00","title":"t","summary":"s","stockList":["90.BK0458"]})", &d).ok());
  EXPECT_EQ(d.key, "eastmoney:202605183740885927");
  EXPECT_EQ(d.time_ms, 1779120120000);  // 2026-05-18T16:02:00Z
  EXPECT_EQ(d.stocks, std::vector<std::string>{"90.BK0458"});
  // A leap day is a day; a byte order mark before the object is ignored.
  ASSERT_TRUE(dec.Decode("\xEF\xBB\xBF" R"({"code":"1","showTime":"2028-02-29 08:00:00","summary":"s"})", &d).ok());
  EXPECT_EQ(d.key, "eastmoney:1");
  EXPECT_EQ(d.time_ms, 1835395200000);  // 2028-02-29T00:00:00Z
}

TEST(Decoder, ThsStringTimesAndImportance) {
  Decoder dec(Spec("ths"));
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"id":"4377313","ctime":"1779120329","title":"t","digest":"d","import":"3","url":"u","stock":[{"name":"超威半导体","stockCode":"AMD"}]})", &d).ok());
  EXPECT_EQ(d.key, "ths:4377313");
  EXPECT_EQ(d.time_ms, 1779120329000);
  EXPECT_EQ(d.level, "3");
  EXPECT_EQ(d.stocks, std::vector<std::string>{"AMD"});
}

std::vector<std::pair<std::string, std::string>> Labels(const Document& d) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : d.labels) out.emplace_back(l.field, l.name);
  return out;
}

// The feeds' topic names become labels: ths tagInfo names, cls subject and
// sector names, in the feed's order.
TEST(Decoder, FeedLabelsFromThsTagInfoAndClsSubjects) {
  Decoder ths(Spec("ths"));
  Document d;
  ASSERT_TRUE(ths.Decode(R"({"id":"1","ctime":"1779120917","title":"t","tagInfo":[{"id":"50023001","name":"AMD","score":"0.804","type":"1"},{"id":"50107617","name":"算力概念","score":"0.75","type":"1"}]})", &d).ok());
  using L = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Labels(d), (L{{"ths.tagInfo", "AMD"}, {"ths.tagInfo", "算力概念"}}));

  Decoder cls(Spec("cls"));
  ASSERT_TRUE(cls.Decode(R"({"id":2,"ctime":1779120917,"content":"c","subjects":[{"subject_id":1171,"subject_name":"有色金属","plate_id":2412}],"plate_list":[{"RiseRange":0.83,"StockID":"cls80333","name":"大金融"}]})", &d).ok());
  EXPECT_EQ(Labels(d), (L{{"cls.subjects", "有色金属"}, {"cls.plate_list", "大金融"}}));
  // Reset between items; eastmoney has none.
  Decoder em(Spec("eastmoney"));
  ASSERT_TRUE(em.Decode(R"({"code":"3","showTime":"2026-05-18 10:00:00","title":"t","summary":"s"})", &d).ok());
  EXPECT_TRUE(d.labels.empty());
}

// Labels are optional metadata: another shape, empty names or a missing
// name contribute nothing and do not lose the item; invalid JSON inside them
// still makes the line a dead letter.
TEST(Decoder, OddFeedLabelsAreSkippedButStillValidated) {
  Decoder ths(Spec("ths"));
  Document d;
  for (const char* tag_info : {R"("")", R"(null)", R"({"name":"x"})", R"([1,"x",{"id":"1"},{"name":""},{"name":7}])"}) {
    const std::string line = std::string(R"({"id":"1","ctime":"1779120917","title":"t","tagInfo":)") + tag_info + "}";
    ASSERT_TRUE(ths.Decode(line, &d).ok()) << line;
    EXPECT_TRUE(d.labels.empty()) << line;
  }
  EXPECT_FALSE(ths.Decode(R"({"id":"1","ctime":"1779120917","title":"t","tagInfo":[{"name":"x","score":01}]})", &d).ok());
  EXPECT_FALSE(ths.Decode(R"({"id":"1","ctime":"1779120917","title":"t","tagInfo":[tru]})", &d).ok());
  // At most max_labels are kept.
  DecoderOptions few;
  few.max_labels = 2;
  Decoder capped(Spec("ths"), few);
  ASSERT_TRUE(capped.Decode(R"({"id":"1","ctime":"1779120917","title":"t","tagInfo":[{"name":"a"},{"name":"b"},{"name":"c"}]})", &d).ok());
  EXPECT_EQ(d.labels.size(), 2u);
}

TEST(Decoder, FieldMapLabelSources) {
  testing::TempDir tmp;
  {
    std::ofstream(tmp.path("m.yaml")) << "source: s\nid: /id\nbody: /b\nlabels:\n"
                                         "  - {path: /kw, as: s.keywords}\n"
                                         "  - {path: /meta/topics, name_field: label, as: s.topics}\n";
  }
  FormatSpec spec;
  ASSERT_TRUE(ParseFormatSpec("map:" + tmp.path("m.yaml"), &spec).ok());
  Decoder dec(spec);
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"id":"1","b":"x","kw":["芯片","AI"],"meta":{"topics":[{"label":"半导体"}]}})", &d).ok());
  using L = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Labels(d), (L{{"s.keywords", "芯片"}, {"s.keywords", "AI"}, {"s.topics", "半导体"}}));
  // A deep path that leads nowhere gives no labels and keeps the item.
  for (const char* meta : {R"("meta":null)", R"("meta":7)", R"("meta":{"topics":null})", R"("meta":[1])"}) {
    const std::string line = std::string(R"({"id":"1","b":"x",)") + meta + "}";
    ASSERT_TRUE(dec.Decode(line, &d).ok()) << line;
    EXPECT_TRUE(d.labels.empty()) << line;
  }
  for (const char* bad : {"  - {path: kw, as: s.k}\n", "  - {path: /kw, as: nodot}\n", "  - {path: /kw}\n",
                          "  - {path: /kw, as: s.k, color: red}\n", "  - /kw\n"}) {
    std::ofstream(tmp.path("bad.yaml"), std::ios::trunc) << "source: s\nid: /id\nbody: /b\nlabels:\n" << bad;
    EXPECT_FALSE(ParseFormatSpec("map:" + tmp.path("bad.yaml"), &spec).ok()) << bad;
  }
}

TEST(Decoder, HtmlIsKeptForTheNormalizer) {
  Decoder dec(Spec("eastmoney"));
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"code":"1","showTime":"2026-05-19 00:02:00","title":"t","summary":"<p>芯片&amp;封测</p>"})", &d).ok());
  EXPECT_EQ(d.body, "<p>芯片&amp;封测</p>");
}

struct BadLine {
  const char* format;
  std::string line;
  const char* reason;  // substring of the error
};

TEST(Decoder, BadInputGetsAReason) {
  const std::vector<BadLine> cases = {
      {"cls", R"({"ctime":1778688503,"content":"x"})", "missing required field `id`"},
      {"cls", R"({"id":1,"content":"x"})", "missing required field `time`"},
      {"cls", R"({"id":{"a":1},"ctime":1778688503,"content":"x"})", "field `id`: expected string or integer, got object"},
      {"cls", R"({"id":1,"ctime":"soon","content":"x"})", "field `time`"},
      {"cls", R"({"id":1,"ctime":1778688503,"content":42})", "field `body`: expected string, got number"},
      {"cls", R"({"id":-5,"ctime":1778688503,"content":"x"})", "field `id`"},
      {"cls", R"({"id":1,"ctime":1778688503,"content":""})", "empty `body` and `title`"},
      {"eastmoney", R"({"code":"1","showTime":"yesterday","summary":"x"})", "field `time`"},
      {"eastmoney", R"({"code":"1","showTime":"2026-02-30 10:00:00","summary":"x"})", "field `time`"},  // no such day
      {"eastmoney", R"({"code":"1","showTime":"2026-06-31 10:00:00","summary":"x"})", "field `time`"},
      // null is no time, and eastmoney requires one (it was stored at 1970-01-01).
      {"eastmoney", R"({"code":"1","showTime":null,"summary":"x"})", "field `time`"},
      {"cls", R"({"id":1,"ctime":null,"content":"x"})", "field `time`"},
      {"cls", "\xEF\xBB\xBF", "empty line"},  // a byte order mark alone
      {"cls", "\xEF\xBB\xBF\xEF\xBB\xBF{}", "line starts with byte 0xEF"},  // only one is a mark
      {"cls", R"({"id":1,"ctime":1778688503,"content":"x")", "json"},
      {"cls", R"([1,2,3])", "not a JSON object"},
      {"cls", "  ", "empty line"},
      {"cls", "", "empty line"},
      {"cls", std::string("{\"id\":1,\"ctime\":1,\"content\":\"a\0b\"}", 32), "NUL byte at offset"},
      {"cls", "{\"id\":1,\"ctime\":1,\"content\":\"\xff\xfe\"}", "json"},
      {"cls", R"({"id":1,"ctime":1778688503,"content":"x"} {"id":2})", "json: "},  // a second value
      {"cls", R"({"id":1,"ctime":1778688503,"content":"x"} xyz)", "json"},
      {"auto", R"({"foo":1})", "cannot tell the feed"},
      // A mapped key twice: simdjson would take the first, jq and Python the last.
      {"cls", R"({"id":1,"ctime":1778688503,"content":"x","id":999})", "key `id` (id) appears twice"},
      {"cls", R"({"id":1,"ctime":1778688503,"content":"x","ctime":"x"})", "key `ctime` (time) appears twice"},
      {"eastmoney", R"({"code":"1","showTime":"2026-06-01 10:00:00","summary":"x","summary":"y"})", "appears twice"},
      // An id becomes the key, which the alert stream writes as an SSE `id:`
      // line: a line break in it would end the frame and forge the next.
      {"cls", R"({"id":"77\n\nid: ai/ths:FAKE\nevent: alert","ctime":1778688503,"content":"x"})",
       "field `id`: control character U+000A at byte 2"},
      {"ths", R"({"id":"7\r1","ctime":"1778688503","title":"t"})", "field `id`: control character U+000D at byte 1"},
      {"cls", R"({"id":"a\tb","ctime":1778688503,"content":"x"})", "field `id`: control character U+0009"},
      {"cls", R"({"id":"a\u007fb","ctime":1778688503,"content":"x"})", "field `id`: control character U+007F"},
  };
  for (const auto& c : cases) {
    Decoder dec(Spec(c.format));
    Document d;
    auto r = dec.Decode(c.line, &d);
    EXPECT_FALSE(r.ok()) << c.line;
    EXPECT_NE(r.message().find(c.reason), std::string::npos) << "line: " << c.line << "\ngot: " << r.message();
  }
}

// A line that is not valid UTF-8 names the offset of its first invalid byte
// in the line as read (a byte order mark before the object counts).
TEST(Decoder, InvalidUtf8NamesTheFirstInvalidByte) {
  const std::string line = "{\"id\":1,\"ctime\":1778688503,\"content\":\"\xe7\xbe\x8e\xe7\xbe\"}";
  const size_t at = line.size() - 4;  // the second, cut character
  Decoder dec(Spec("cls"));
  Document d;
  for (const std::string& prefix : {std::string(), std::string(kUtf8Bom)}) {
    const Status r = dec.Decode(prefix + line, &d);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("offset " + std::to_string(prefix.size() + at)), std::string::npos) << r.message();
  }
  // Also a line that is no object because of it (it said only "line starts
  // with byte 0xFF"), and one that starts well and breaks further on.
  for (const auto& [bad, offset] : {std::pair<std::string, size_t>{"\xff\xfe{\"id\":1}", 0},
                                    std::pair<std::string, size_t>{"[\"\xe7\xbe\"]", 2},
                                    std::pair<std::string, size_t>{std::string(kUtf8Bom) + "x\xc3", 4}}) {
    const Status r = dec.Decode(bad, &d);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("not a JSON object"), std::string::npos) << r.message();
    EXPECT_NE(r.message().find("first invalid byte at offset " + std::to_string(offset)), std::string::npos)
        << r.message();
  }
}

// A feed's --format on another feed's items is no error: those that have
// its fields are stored under its name. The decoder tells what the first
// object looks like, so the job can say so once.
TEST(Decoder, TheFirstObjectUnderAnotherFeedsFormatIsNamed) {
  const std::string cls_item = R"({"id":7,"ctime":1778688503,"content":"x","shareurl":"u"})";
  const std::string ths_item = R"({"id":8,"ctime":"1778688503","digest":"y","title":"t","tagInfo":[]})";
  Document d;
  {
    Decoder dec(Spec("ths"));
    (void)dec.Decode(cls_item, &d);
    ASSERT_TRUE(dec.FirstObjectMismatch());
    EXPECT_EQ(dec.FirstObjectMismatch()->looks_like, "cls");
    EXPECT_EQ(dec.FirstObjectMismatch()->read_as, "ths");
    (void)dec.Decode(ths_item, &d);  // the first object decides
    ASSERT_TRUE(dec.FirstObjectMismatch());
    EXPECT_EQ(dec.FirstObjectMismatch()->looks_like, "cls");
  }
  for (const char* format : {"cls", "auto"}) {
    Decoder dec(Spec(format));
    (void)dec.Decode(cls_item, &d);
    (void)dec.Decode(ths_item, &d);
    EXPECT_FALSE(dec.FirstObjectMismatch()) << format;
  }
  {
    Decoder dec(Spec("cls"));
    (void)dec.Decode(R"({"id":9,"misc":1})", &d);  // keys of no feed: nothing to say
    EXPECT_FALSE(dec.FirstObjectMismatch());
  }
}

// --format auto reads the feed from the object's own (top-level) keys: a
// key nested in a value, or a string value spelled like a key, says nothing.
TEST(Decoder, AutoTellsTheFeedByTopLevelKeys) {
  Decoder dec(Spec("auto"));
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"extra":{"showTime":"2026-07-01 08:00:47"},"id":7,)"
                         R"("ctime":1778688503,"content":"x"})",
                         &d)
                  .ok());
  EXPECT_EQ(d.source, "cls");
  EXPECT_EQ(d.key, "cls:7");
  ASSERT_TRUE(dec.Decode(R"({"id":6,"ctime":1778688503,"content":"x","kind":"digest"})", &d).ok());
  EXPECT_EQ(d.source, "cls");
  EXPECT_EQ(d.key, "cls:6");
  ASSERT_TRUE(dec.Decode(R"({"id":8,"ctime":1778688503,"digest":"y","title":"t"})", &d).ok());
  EXPECT_EQ(d.source, "ths");
  // Items missing an optional field are told as their --format reads them:
  // a ths flash without `digest`, a cls one without `content`.
  ASSERT_TRUE(dec.Decode(R"({"id":10,"ctime":"1778688503","short":"s","title":"t","tagInfo":[],"rtime":"1"})", &d).ok());
  EXPECT_EQ(d.source, "ths");
  ASSERT_TRUE(dec.Decode(R"({"id":11,"ctime":1778688503,"brief":"b","shareurl":"u"})", &d).ok());
  EXPECT_EQ(d.source, "cls");
  EXPECT_EQ(d.body, "b");
  auto r = dec.Decode(R"({"note":{"content":"x","ctime":1778688503},"id":9})", &d);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message().find("cannot tell the feed"), std::string::npos) << r.message();
}

TEST(Decoder, OversizedLinesAreRejectedBeforeParsing) {
  DecoderOptions o;
  o.max_line_bytes = 1 << 20;
  Decoder dec(Spec("cls"), o);
  std::string big = R"({"id":1,"ctime":1778688503,"content":")" + std::string(2 << 20, 'a') + "\"}";
  Document d;
  auto r = dec.Decode(big, &d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("oversized line"), std::string::npos) << r.message();
  // The decoder still works afterwards.
  EXPECT_TRUE(dec.Decode(R"({"id":1,"ctime":1778688503,"content":"x"})", &d).ok());
}

TEST(Decoder, FieldMapFileDescribesAnyFeed) {
  testing::TempDir tmp;
  {
    std::ofstream(tmp.path("m.yaml")) << "source: fincuge\nid: /id\ntitle: /title\nbody: /content\n"
                                         "time: /meta/published\ntime_format: datetime\ntz_offset: \"+08:00\"\n"
                                         "required: [id, body]\n";
  }
  FormatSpec spec;
  ASSERT_TRUE(ParseFormatSpec("map:" + tmp.path("m.yaml"), &spec).ok());
  Decoder dec(spec);
  Document d;
  auto r = dec.Decode(R"({"id":"bbt:1","title":"标题","content":"正文","meta":{"published":"2021-01-01 08:00:00"}})", &d);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(d.key, "fincuge:bbt:1");
  EXPECT_EQ(d.title, "标题");
  EXPECT_EQ(d.time_ms, 1609459200000);  // 2021-01-01T00:00:00Z
  EXPECT_FALSE(dec.Decode(R"({"id":"bbt:2","title":"t"})", &d).ok());  // body required
}

// A nested path that leads nowhere is an absent field, whatever is on the
// way (no key, null, a string, an array): the item is stored without it, or
// is missing a required field, never "an invalid JSON pointer".
TEST(Decoder, FieldMapPathsThroughNullOrScalarsAreAbsentFields) {
  testing::TempDir tmp;
  FormatSpec spec;
  ASSERT_TRUE(WriteMapSpec(tmp,
                           "source: wire\nid: /meta/id\ntitle: /title\nbody: /content\nurl: /links/share\n",
                           &spec).ok());
  Decoder dec(spec);
  Document d;
  for (const char* links : {R"("links":{"other":1})", R"("links":null)", R"("links":"")", R"("links":[])",
                            R"("links":7)", R"("unrelated":1)"}) {
    const std::string line = std::string(R"({"meta":{"id":"a"},"title":"t","content":"c",)") + links + "}";
    auto r = dec.Decode(line, &d);
    ASSERT_TRUE(r.ok()) << line << ": " << r.message();
    EXPECT_EQ(d.key, "wire:a");
    EXPECT_EQ(d.url, "");
  }
  ASSERT_TRUE(dec.Decode(R"({"meta":{"id":"a"},"content":"c","links":{"share":"http://x"}})", &d).ok());
  EXPECT_EQ(d.url, "http://x");
  for (const char* meta : {R"("meta":null)", R"("meta":"")", R"("meta":[1])"}) {
    const std::string line = std::string(R"({"content":"c",)") + meta + "}";
    auto r = dec.Decode(line, &d);
    EXPECT_FALSE(r.ok()) << line;
    EXPECT_NE(r.message().find("missing required field `id`"), std::string::npos) << line << ": " << r.message();
  }
}

// A required body is there when the map's fallback is: cls `brief` stands
// for a missing `content` as it does for a null or empty one.
TEST(Decoder, ARequiredBodyIsMetByItsFallback) {
  Decoder dec(Spec("cls"));
  Document d;
  for (const char* content : {"", R"("content":null,)", R"("content":"",)"}) {
    const std::string line = std::string(R"({"id":1,"ctime":1778688503,)") + content + R"("brief":"简讯"})";
    auto r = dec.Decode(line, &d);
    ASSERT_TRUE(r.ok()) << line << ": " << r.message();
    EXPECT_EQ(d.body, "简讯");
  }
  auto r = dec.Decode(R"({"id":1,"ctime":1778688503,"title":"t"})", &d);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message().find("missing required field `body`"), std::string::npos) << r.message();
}

// tz_offset is exactly [+-]H[H]:MM (0-14 h, 00-59 min), Z or UTC: an
// overflowing hour (the fuzzer's find) or trailing text is refused.
TEST(Decoder, FieldMapTzOffsetIsStrict) {
  testing::TempDir tmp;
  auto loads = [&](const std::string& tz) {
    std::ofstream(tmp.path("m.yaml"), std::ios::trunc)
        << "source: s\nid: /id\nbody: /b\ntime: /t\ntime_format: datetime\ntz_offset: '" << tz << "'\n";
    FormatSpec spec;
    return ParseFormatSpec("map:" + tmp.path("m.yaml"), &spec).ok();
  };
  for (const char* good : {"+08:00", "-05:30", "+8:00", "+14:59", "-00:00", "Z", "UTC"}) EXPECT_TRUE(loads(good)) << good;
  for (const char* bad : {"+15:00", "+08:60", "+08:00x", "08:00", "+08", "+0800", "+-8:00", "+ 8:00",
                          "+1433333333333333333333:00", "+143:00", "+08:5", ""})
    EXPECT_FALSE(loads(bad)) << bad;
}

// Canonical stock codes beside the raw ones, one per raw code, in order.
TEST(Decoder, StockCodesAreCanonicalBesideTheRawForms) {
  Document d;
  Decoder cls(Spec("cls"));
  ASSERT_TRUE(cls.Decode(R"({"id":1,"ctime":1778688503,"content":"x","stock_list":[{"StockID":"sz301356"},)"
                         R"({"StockID":"920181.BJ"},{"name":"no code"}]})", &d).ok());
  EXPECT_EQ(d.stocks, (std::vector<std::string>{"sz301356", "920181.BJ"}));
  EXPECT_EQ(d.stock_codes, (std::vector<std::string>{"SZ301356", "BJ920181"}));

  Decoder em(Spec("eastmoney"));
  ASSERT_TRUE(em.Decode(R"({"code":"1","showTime":"2026-05-19 00:02:00","title":"t","summary":"s",)"
                        R"("stockList":["90.BK0458","1.600812","116.00700"]})", &d).ok());
  EXPECT_EQ(d.stock_codes, (std::vector<std::string>{"", "SH600812", "HK00700"}));

  // ths: the market id may come before or after the code; a number is not a market id.
  Decoder ths(Spec("ths"));
  ASSERT_TRUE(ths.Decode(R"({"id":"1","ctime":"1779120329","title":"t","stock":[)"
                         R"({"stockMarket":"185","stockCode":"AMD"},{"stockCode":"HK0762","stockMarket":"177"},)"
                         R"({"stockCode":"600050","stockMarket":17},{"stockCode":"ag9999","stockMarket":"65"}]})", &d).ok());
  EXPECT_EQ(d.stocks, (std::vector<std::string>{"AMD", "HK0762", "600050", "ag9999"}));
  EXPECT_EQ(d.stock_codes, (std::vector<std::string>{"US.AMD", "HK00762", "SH600050", ""}))
      << "a code without a usable market id is read by its shape";
}

TEST(Decoder, FieldMapNamesTheStockMarketKey) {
  testing::TempDir tmp;
  FormatSpec spec;
  ASSERT_TRUE(WriteMapSpec(tmp,
                           "source: x\nid: /id\nbody: /b\nstocks: /s\nstock_field: c\nstock_market_field: m\n",
                           &spec).ok());
  Decoder dec(spec);
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"id":1,"b":"x","s":[{"c":"CVX","m":"169"},{"c":"002670","m":"33"}]})", &d).ok());
  EXPECT_EQ(d.stock_codes, (std::vector<std::string>{"US.CVX", "SZ002670"}));
}

TEST(Decoder, FieldMapErrorsNameTheProblem) {
  testing::TempDir tmp;
  std::ofstream(tmp.path("bad.yaml")) << "source: x\nid: /id\nbodyy: /content\n";
  FormatSpec spec;
  const std::string err = ParseFormatSpec("map:" + tmp.path("bad.yaml"), &spec).message();
  EXPECT_NE(err.find("unknown key `bodyy`"), std::string::npos) << err;
  EXPECT_TRUE(ParseFormatSpec("xml", &spec).IsInvalidArgument());
  const Status missing = ParseFormatSpec("map:/nonexistent.yaml", &spec);
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
  EXPECT_NE(missing.message().find("/nonexistent.yaml"), std::string::npos);
}

// A key the map reads through a nested path, given twice in its object:
// the line is a dead letter, as a top-level key given twice is (simdjson
// took the first, jq and Python take the last).
TEST(Decoder, ANestedKeyTheMapReadsGivenTwiceIsADeadLetter) {
  testing::TempDir tmp;
  FormatSpec spec;
  ASSERT_TRUE(WriteMapSpec(tmp, "source: wire\nid: /meta/a~1b\ntime: /meta/ts\ntime_format: unix_ms\n"
                                 "body: /body\nurl: /links/0/href\n", &spec).ok());
  Decoder dec(spec);
  Document d;
  const Status id_twice = dec.Decode(R"({"meta":{"a/b":"k1","a/b":"k2","ts":1785503147000},"body":"x"})", &d);
  EXPECT_TRUE(id_twice.IsInvalidArgument()) << id_twice.ToString();
  EXPECT_NE(id_twice.message().find("`a/b`"), std::string::npos) << id_twice.message();
  EXPECT_FALSE(dec.Decode(R"({"meta":{"a/b":"k8","ts":1785503147000,"ts":1},"body":"y"})", &d).ok());
  // The same key in two different objects, or read once: fine.
  ASSERT_TRUE(dec.Decode(R"({"meta":{"a/b":"k9","ts":1785503147000},"body":"z","other":{"a/b":"x"},)"
                         R"("links":[{"href":"https://a.example/1"},{"href":"dup","href":"dup"}]})",
                         &d)
                  .ok());
  EXPECT_EQ(d.key, "wire:k9");
  EXPECT_EQ(d.url, "https://a.example/1");
  // Paths that lead nowhere are absent fields, as before.
  for (const char* line : {R"({"meta":{"a/b":"k","ts":1785503147000},"body":"z","links":null})",
                           R"({"meta":{"a/b":"k","ts":1785503147000},"body":"z","links":[]})",
                           R"({"meta":{"a/b":"k","ts":1785503147000},"body":"z","links":{"0":{"href":"x"}}})",
                           R"({"meta":{"a/b":"k","ts":1785503147000},"body":"z","links":"x"})"}) {
    ASSERT_TRUE(dec.Decode(line, &d).ok()) << line;
  }
  ASSERT_TRUE(dec.Decode(R"({"meta":{"a/b":"k","ts":1785503147000},"body":"z","links":{"0":{"href":"x"}}})", &d).ok());
  EXPECT_EQ(d.url, "x");  // a "0" key of an object is a key, as RFC 6901 reads it
}

// A time written as a JSON number with a fraction (Python's time.time(), a
// JavaScript number) is that time, to the millisecond; it was refused as
// "expected a non-negative integer".
TEST(Decoder, ATimeWithAFractionIsReadToTheMillisecond) {
  Decoder dec(Spec("ths"));
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"id":"1","ctime":1785503147.0,"title":"t","digest":"x"})", &d).ok());
  EXPECT_EQ(d.time_ms, 1785503147000);
  ASSERT_TRUE(dec.Decode(R"({"id":"1","ctime":1785503147.2506,"title":"t","digest":"x"})", &d).ok());
  EXPECT_EQ(d.time_ms, 1785503147251);
  ASSERT_TRUE(dec.Decode(R"({"id":"1","ctime":1.785503147e9,"title":"t","digest":"x"})", &d).ok());
  EXPECT_EQ(d.time_ms, 1785503147000);
  for (const char* bad : {R"({"id":"1","ctime":-1.5,"title":"t","digest":"x"})",
                          R"({"id":"1","ctime":1e300,"title":"t","digest":"x"})",
                          R"({"id":"1","ctime":1.5,"title":"t","digest":"x"})"})  // 1970: implausible
    EXPECT_FALSE(dec.Decode(bad, &d).ok()) << bad;
}

TEST(Decoder, AFieldMapKeyWithoutAValueIsRefusedAtItsLine) {
  // `source:` with nothing after it read as the feed "null" (every key
  // null:ID, two such maps writing one namespace); `id:` followed by blank
  // lines was reported at the next key's line.
  testing::TempDir tmp;
  FormatSpec spec;
  for (const char* value : {"", " ~", " null"}) {
    std::ofstream(tmp.path("m.yaml"), std::ios::trunc) << "id: /id\nsource:" << value << "\ntitle: /t\n";
    const Status s = ParseFormatSpec("map:" + tmp.path("m.yaml"), &spec);
    EXPECT_TRUE(s.IsInvalidArgument()) << value << ": " << s.ToString();
    EXPECT_NE(s.message().find("m.yaml:2: `source` has no value"), std::string::npos) << s.message();
  }
  std::ofstream(tmp.path("m.yaml"), std::ios::trunc) << "source: s\nid:\n\n\n\ntitle: /t\n";
  const Status s = ParseFormatSpec("map:" + tmp.path("m.yaml"), &spec);
  EXPECT_NE(s.message().find("m.yaml:2: `id` has no value"), std::string::npos) << s.message();
}

// Mistakes in a map that were accepted and then lost or emptied items: a
// `required` given as one value (ignored, so nothing was required), a
// pointer with a bare '~', a key given twice (the last won), `required`
// naming a field the map does not read (every item dead-lettered),
// `time_format` without `time`, a `source` that cannot prefix a key (a
// newline reached RocksDB keys; a ':' makes SOURCE:ID ambiguous). Each is a
// load error at its line.
TEST(Decoder, FieldMapMistakesAreErrorsAtLoad) {
  testing::TempDir tmp;
  const struct {
    std::string yaml, where, says;
  } cases[] = {
      {"source: f\nid: /id\nbody: /b\nrequired: body\n", ":4:", "must be a list"},
      {"source: f\nid: /meta/id~\nbody: /b\n", ":2:", "JSON pointer"},
      {"source: f\nid: /a~2b\nbody: /b\n", ":2:", "JSON pointer"},
      {"source: f\nid: /id\nid: /title\nbody: /b\n", ":3:", "given twice"},
      {"source: f\nid: /id\nbody: /b\nrequired: [id, time]\n", ":4:", "`time`"},
      {"source: f\nid: /id\nbody: /b\ntime_format: unix_ms\n", ":4:", "without `time`"},
      {"source: \"x\\ny\"\nid: /id\nbody: /b\n", ":1:", "`source`"},
      {"source: a:b\nid: /id\nbody: /b\n", ":1:", "`source`"},
      {"source: f\nid: /id\nbody: /b\n---\nsource: g\n", ":4:", ""},
  };
  for (const auto& c : cases) {
    std::ofstream(tmp.path("m.yaml"), std::ios::trunc) << c.yaml;
    FormatSpec spec;
    const Status s = ParseFormatSpec("map:" + tmp.path("m.yaml"), &spec);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.yaml << s.ToString();
    EXPECT_NE(s.message().find("m.yaml" + c.where), std::string::npos) << c.yaml << s.message();
    EXPECT_NE(s.message().find(c.says), std::string::npos) << c.yaml << s.message();
  }
  // Escapes as RFC 6901 has them load: ~0 is '~', ~1 is '/'.
  FormatSpec spec;
  ASSERT_TRUE(WriteMapSpec(tmp, "source: f\nid: /a~1b\nbody: /c~0d\n", &spec).ok());
  Decoder dec(spec);
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"a/b":"7","c~d":"正文"})", &d).ok());
  EXPECT_EQ(d.key, "f:7");
  EXPECT_EQ(d.body, "正文");
}

// The key is SOURCE:ID: with `required: [body]` the id was no longer
// required, and every item without one was stored as "f:", each replacing
// the last. The id is required whatever `required` says.
TEST(Decoder, AFieldMapAlwaysRequiresTheId) {
  testing::TempDir tmp;
  FormatSpec spec;
  ASSERT_TRUE(WriteMapSpec(tmp, "source: f\nid: /id\ntitle: /title\nbody: /content\nrequired: [body]\n", &spec).ok());
  Decoder dec(spec);
  Document d;
  ASSERT_TRUE(dec.Decode(R"({"id":1,"title":"a","content":"深圳芯片"})", &d).ok());
  const Status s = dec.Decode(R"({"title":"无id","content":"广州机器人"})", &d);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing required field `id`"), std::string::npos) << s.message();
  EXPECT_NE(dec.Decode(R"({"id":2,"title":"只有标题"})", &d).message().find("`body`"), std::string::npos);
}

// One JSON key may feed two fields (`id: /url` and `url: /url`; a feed with
// only a text field as title and body): both get it. Only the first did,
// and the other was empty, or a required one dead-lettered the item.
TEST(Decoder, AFieldMapKeyReadForTwoFieldsFillsBoth) {
  testing::TempDir tmp;
  FormatSpec spec;
  ASSERT_TRUE(WriteMapSpec(tmp, "source: web\nid: /url\nurl: /url\ntitle: /text\nbody: /text\n"
                                 "time: /ts\nrequired: [id, title, body]\n", &spec).ok());
  Decoder dec(spec);
  Document d;
  const Status s = dec.Decode(R"({"url":"https://x.cn/a/1","text":"深圳芯片","ts":1783000000})", &d);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(d.key, "web:https://x.cn/a/1");
  EXPECT_EQ(d.url, "https://x.cn/a/1");
  EXPECT_EQ(d.title, "深圳芯片");
  EXPECT_EQ(d.body, "深圳芯片");
  // The key given twice in the object is still a dead letter.
  EXPECT_FALSE(dec.Decode(R"({"url":"a","text":"t","url":"b"})", &d).ok());
}

// `/` is the JSON pointer of the key "" (RFC 6901), as a label source reads
// it. A slot mapped to it loaded, but the decoder's key filter took the
// empty key for "no key": the field was never read, so a required title
// dead-lettered every item and an optional one was stored empty.
TEST(Decoder, AFieldMapSlotReadsTheEmptyKey) {
  testing::TempDir tmp;
  FormatSpec spec;
  ASSERT_TRUE(WriteMapSpec(tmp, "source: t\nid: /id\ntitle: /\nbody: /b\nrequired: [id, title]\n", &spec).ok());
  Decoder dec(spec);
  Document d;
  const Status s = dec.Decode(R"({"id":"1","":"深圳芯片","b":"正文"})", &d);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(d.title, "深圳芯片");
  EXPECT_EQ(d.body, "正文");
  // Given twice, as any key the map reads, the line is a dead letter.
  EXPECT_FALSE(dec.Decode(R"({"id":"2","":"a","":"b","b":"x"})", &d).ok());
}

}  // namespace
}  // namespace newsflow::pipeline
