// dead_letter_json: a dead letter's bytes survive the JSON whatever they are
// (base64), its text is given only when it is valid UTF-8, and the offset of
// its first invalid byte is a field.
#include <gtest/gtest.h>

#include "json_util.h"
#include "pipeline/query/dead_letter_json.h"

namespace newsflow::pipeline {
namespace {

using namespace std::string_literals;

TEST(DeadLetterJson, Base64IsRfc4648) {
  // RFC 4648, section 10.
  const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, out] : vectors) EXPECT_EQ(Base64(in), out) << in;
  EXPECT_EQ(Base64("\x00\xff\xfe"s), "AP/+");
}

TEST(DeadLetterJson, InvalidUtf8HasNoTextAndNamesItsFirstInvalidByte) {
  storage::DeadLetter d;
  d.seq = 7;
  d.time_ms = 1'778'688'503'000;
  d.position = "file:x.jsonl:3";
  d.reason = "json: bad";
  d.raw = "{\"a\":\"\xe7\xbe\"}\0"s;
  const auto j = testing::JsonObject::Of(DeadLetterToJson(d));
  ASSERT_TRUE(j.ok()) << DeadLetterToJson(d);
  EXPECT_EQ(j.Uint("id"), 7u);
  EXPECT_EQ(j.Int("time_ms"), d.time_ms);
  EXPECT_EQ(j.String("time"), "2026-05-13T16:08:23.000Z");
  EXPECT_EQ(j.String("position"), d.position);
  EXPECT_EQ(j.String("reason"), d.reason);
  EXPECT_EQ(j.Uint("size"), d.raw.size());
  EXPECT_TRUE(j.IsNull("raw"));
  EXPECT_EQ(j.String("raw_base64"), Base64(d.raw));
  EXPECT_EQ(j.Uint("invalid_utf8_offset"), 6u);
}

TEST(DeadLetterJson, ValidUtf8IsGivenAsTextTooAReplacementCharacterIncluded) {
  storage::DeadLetter d;
  d.raw = "{\"a\":\"\xef\xbf\xbd\0\""s;  // a real U+FFFD and a NUL: valid UTF-8, not valid JSON
  const auto j = testing::JsonObject::Of(DeadLetterToJson(d));
  ASSERT_TRUE(j.ok()) << DeadLetterToJson(d);
  EXPECT_EQ(j.String("raw"), d.raw);
  EXPECT_TRUE(j.IsNull("invalid_utf8_offset"));
}

}  // namespace
}  // namespace newsflow::pipeline
