// Strict input: a line is stored only if it is valid JSON (RFC 8259) as a
// whole, not only in the fields the feed map reads, and its time is in
// 1990..2099 (the decoder's DOM parse validates the whole line; On-Demand
// parsing alone skipped unread values unchecked). These are the reproducers
// of issue 10 and their neighbours.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "json_util.h"
#include "pipeline/decode/decoder.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

FormatSpec Spec(const char* text) {
  FormatSpec s;
  EXPECT_TRUE(ParseFormatSpec(text, &s).ok());
  return s;
}

// A cls line with `extra` as the value of a field no map reads.
std::string WithExtra(const std::string& extra) {
  return R"({"id":11,"ctime":1778688503,"content":"x","a":)" + extra + "}";
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(StrictJson, InvalidJsonInAnUnreadFieldIsRejected) {
  const std::vector<std::string> bad = {
      "tru", "{\"b\":}", "01", "NaN", R"("\x")", "[1,]", "{\"b\":1,}", "nul", "nullx", "-", "1.", ".5", "+1",
      "1e999", "-1e999", "99999999999999999999", R"("\u12")", R"("\ud800x")", "{\"b\" 1}", "[1 2]", "{1:2}",
      "'s'", "\"a\x01b\"", "[[[tru]]]", "{\"b\":[{\"c\":fals}]}", "Infinity", "0x10", "\"\\\"",
  };
  Decoder dec(Spec("cls"));
  for (const auto& extra : bad) {
    Document d;
    const Status s = dec.Decode(WithExtra(extra), &d);
    EXPECT_FALSE(s.ok()) << WithExtra(extra);
    EXPECT_TRUE(StartsWith(s.message(), "json: ")) << extra << " -> " << s.message();
  }
  // The same decoder still takes good lines.
  Document d;
  EXPECT_TRUE(dec.Decode(WithExtra("1"), &d).ok());
}

TEST(StrictJson, ValidJsonInUnreadFieldsIsAccepted) {
  const std::vector<std::string> good = {
      "true", "false", "null", "0", "-0", "-1.5e3", "1E+2", "18446744073709551615", "-9223372036854775808",
      R"("\n\t\"\\\/\u00e9\ud83d\ude00")", "[]", "{}", R"({"b":[1,{"c":null}],"d":"e"})", " [ 1 , 2 ] ",
      "\"平安银行\"",
  };
  Decoder dec(Spec("cls"));
  for (const auto& extra : good) {
    Document d;
    const Status s = dec.Decode(WithExtra(extra), &d);
    EXPECT_TRUE(s.ok()) << extra << " -> " << s.message();
    EXPECT_EQ(d.key, "cls:11");
  }
}

TEST(StrictJson, InvalidJsonInsideReadFieldsIsRejected) {
  const std::vector<std::pair<const char*, std::string>> bad = {
      {"cls", R"({"id":11,"ctime":1778688503,"content":"x","level":01})"},
      {"cls", R"({"id":11,"ctime":1778688503,"content":"x","title":nul})"},
      {"cls", R"({"id":11,"ctime":1778688503,"content":"x","stock_list":[{"StockID":"a","n":tru}]})"},
      {"cls", R"({"id":11,"ctime":1778688503,"content":"x","stock_list":[1,NaN]})"},
      {"cls", R"({"id":11,"ctime":1778688503,"content":"x","stock_list":[{"StockID":"a","StockID":"\x"}]})"},
      {"cls", R"({"id":11,"ctime":1778688503,"content":"x","content":"\q"})"},  // a repeated key is read too
      {"ths", R"({"id":"1","ctime":"1779120329","title":"t","digest":"d","stock":[{"stockCode":"A","x":{"y":}}]})"},
  };
  for (const auto& [format, line] : bad) {
    Decoder dec(Spec(format));
    Document d;
    EXPECT_FALSE(dec.Decode(line, &d).ok()) << line;
  }
}

TEST(StrictJson, TimesOutside1990To2099AreRejected) {
  struct Case {
    const char* format;
    std::string line;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"cls", R"({"id":1,"ctime":999999999999999999,"content":"x"})", false},   // * 1000 overflows
      {"cls", R"({"id":1,"ctime":"999999999999999999","content":"x"})", false},
      {"cls", R"({"id":1,"ctime":9223372036854775807,"content":"x"})", false},
      {"cls", R"({"id":1,"ctime":1,"content":"x"})", false},                     // 1970
      {"cls", R"({"id":1,"ctime":631151999,"content":"x"})", false},             // 1989-12-31T23:59:59Z
      {"cls", R"({"id":1,"ctime":631152000,"content":"x"})", true},              // 1990-01-01T00:00:00Z
      {"cls", R"({"id":1,"ctime":4102444799,"content":"x"})", true},             // 2099-12-31T23:59:59Z
      {"cls", R"({"id":1,"ctime":4102444800,"content":"x"})", false},            // 2100-01-01T00:00:00Z
      {"cls", R"({"id":1,"ctime":1778688503000,"content":"x"})", false},         // ms where s are expected
      {"eastmoney", R"({"code":"1","showTime":"1989-12-31 23:59:59","summary":"x"})", false},
      {"eastmoney", R"({"code":"1","showTime":"2100-01-01 08:00:00","summary":"x"})", false},
      {"eastmoney", R"({"code":"1","showTime":"2026-05-19 00:02:00","summary":"x"})", true},
      {"eastmoney", R"({"code":"1","showTime":"2026-05-19 00:02:00garbage","summary":"x"})", false},
  };
  for (const auto& c : cases) {
    Decoder dec(Spec(c.format));
    Document d;
    const Status s = dec.Decode(c.line, &d);
    EXPECT_EQ(s.ok(), c.ok) << c.line << " -> " << s.message();
    if (!c.ok) {
      EXPECT_TRUE(StartsWith(s.message(), "field `time`")) << c.line << " -> " << s.message();
    }
  }
}

// Through the binary: the issue's five reproducers are dead letters, the
// valid control line is stored (summary counts, --json).
TEST(StrictJson, ReproducersAreDeadLetteredByARun) {
  testing::TempDir tmp;
  std::string input;
  for (const char* extra : {"tru", "{\"b\":}", "01", "NaN", R"("\x")"}) input += WithExtra(extra) + "\n";
  input += WithExtra("true") + "\n";
  std::ofstream(tmp.path("in.jsonl"), std::ios::binary) << input;
  const auto r = testing::RunShell(testing::Newsflow() + " run -q --json --format cls --source " +
                                   tmp.path("in.jsonl") + " --rules " + testing::SourcePath("rules/sets") +
                                   " --db " + tmp.path("db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = testing::JsonObject::LastLine(r.out);
  EXPECT_EQ(summary.Uint("stored"), 1u) << r.out;
  EXPECT_EQ(summary.Uint("dead_lettered"), 5u) << r.out;
}

}  // namespace
}  // namespace newsflow::pipeline
