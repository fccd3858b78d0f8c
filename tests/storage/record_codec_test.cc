// Tests for EncodeRecord/DecodeRecord and EncodeDeadLetter/DecodeDeadLetter.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "newsflow/storage/record.h"
#include "test_util.h"

namespace newsflow::storage {
namespace {

using testing::AllBytes;
using testing::ExpectDeadLetterEq;
using testing::ExpectRecordEq;

using namespace std::string_literals;

Record FullRecord() {
  Record r;
  r.key = "cls:123456";
  r.source = "cls";
  r.time_ms = 1'717'171'717'171;
  r.title = "<b>英伟达</b> 财报超预期";
  r.body = "正文 with \"quotes\" and\nnewlines\tand tabs";
  r.url = "https://example.com/a?b=c&d=e";
  r.level = "A";
  r.stocks = {"NVDA", "600519.SH", ""};
  r.stock_codes = {"US.NVDA", "SH600519", ""};
  r.labels = {{"ths.tagInfo", "人工智能"}, {"cls.subjects", "半导体芯片"}};
  r.tags = {{"cluster:ai", 2.5}, {"cluster:chips", -0.0}, {"", 1e-310}};
  r.spans = {{"cluster:ai", "英伟达", Field::kTitle, 3, 12},
             {"cluster:chips", "GPU", Field::kBody, 0, std::numeric_limits<uint32_t>::max()},
             {"cluster:chips", "半导体芯片", Field::kLabel, 1, 2}};
  r.ruleset_version = "v42";
  r.origin = "kafka:news/3@987654321";
  r.story = "eastmoney:202605293753402338";
  return r;
}

Record Decoded(const std::string& bytes) {
  Record out;
  EXPECT_TRUE(DecodeRecord(bytes, &out));
  return out;
}

TEST(RecordCodec, FullRecordRoundTrips) {
  Record r = FullRecord();
  std::string enc = EncodeRecord(r);
  ASSERT_FALSE(enc.empty());
  EXPECT_EQ(enc[0], '\x04') << "version byte";
  ExpectRecordEq(r, Decoded(enc));
}

TEST(RecordCodec, EmptyRecordRoundTrips) {
  Record r;
  std::string enc = EncodeRecord(r);
  // version + 7 empty strings/time + 5 empty lists + 3 empty strings.
  EXPECT_EQ(enc, std::string("\x04") + std::string(15, '\0'));
  Record out = FullRecord();  // must be fully overwritten
  ASSERT_TRUE(DecodeRecord(enc, &out));
  ExpectRecordEq(r, out);
}

TEST(RecordCodec, ExactLayoutOfSmallRecord) {
  Record r;
  r.time_ms = -1;  // zigzag -> 1
  r.tags = {{"t", 1.0}};
  std::string want = "\x04"s     // version
                     "\x00"s     // key
                     "\x00"s     // source
                     "\x01"s     // time_ms zigzag(-1)
                     "\x00\x00\x00\x00"s  // title body url level
                     "\x00"s     // stocks
                     "\x00"s     // stock_codes
                     "\x00"s     // labels
                     "\x01"s     // tags: 1
                     "\x01t"s    // "t"
                     "\x00\x00\x00\x00\x00\x00\xf0\x3f"s  // 1.0 little-endian
                     "\x00"s     // spans
                     "\x00\x00"s   // ruleset_version origin
                     "\x00"s;      // story
  EXPECT_EQ(EncodeRecord(r), want);
}

// The current encoding of r rewritten as an older version: without the
// labels count (version 3; r must have no labels) and also without the
// stock_codes count (version 2; r must have no stock_codes either).
std::string AsVersion(const Record& r, char version) {
  Record head;  // the bytes up to the labels list are those of r's first fields
  head.key = r.key;
  head.source = r.source;
  head.time_ms = r.time_ms;
  head.title = r.title;
  head.body = r.body;
  head.url = r.url;
  head.level = r.level;
  head.stocks = r.stocks;
  head.stock_codes = r.stock_codes;
  std::string out = EncodeRecord(r);
  // EncodeRecord(head) = prefix + labels(0) + tags(0) + spans(0) + 3 empty strings.
  const size_t labels_at = EncodeRecord(head).size() - 6;
  EXPECT_EQ(out[labels_at], '\0') << "labels count";
  out.erase(labels_at, 1);
  if (version <= 2) {
    EXPECT_EQ(out[labels_at - 1], '\0') << "stock_codes count";
    out.erase(labels_at - 1, 1);
  }
  out[0] = version;
  return out;
}
std::string AsVersionTwo(const Record& r) { return AsVersion(r, 2); }

// Stores written before feed labels hold version-3 records: the same layout
// without labels. They still decode, with none.
TEST(RecordCodec, VersionThreeRecordsDecodeWithoutLabels) {
  Record r = FullRecord();
  r.labels.clear();
  r.spans.pop_back();  // the label span
  const std::string v3 = AsVersion(r, 3);
  Record out;
  ASSERT_TRUE(DecodeRecord(v3, &out));
  ExpectRecordEq(r, out);
  EXPECT_EQ(EncodeRecord(out)[0], '\x04') << "re-encoded as the current version";
}

TEST(RecordCodec, ALabelSpanMustIndexALabel) {
  Record r = FullRecord();
  r.spans.back().begin = 2;  // two labels: 0 and 1
  r.spans.back().end = 3;
  Record out;
  EXPECT_FALSE(DecodeRecord(EncodeRecord(r), &out));
  r.spans.back().begin = 0;
  r.spans.back().end = 2;  // not [i, i + 1)
  EXPECT_FALSE(DecodeRecord(EncodeRecord(r), &out));
  r.spans.back().end = 1;
  EXPECT_TRUE(DecodeRecord(EncodeRecord(r), &out));
}

// Stores written before canonical stock codes hold version-2 records: the
// same layout without stock_codes. They still decode, with none.
TEST(RecordCodec, VersionTwoRecordsDecodeWithoutStockCodes) {
  Record r = FullRecord();
  r.stock_codes.clear();
  r.labels.clear();
  r.spans.pop_back();
  const std::string v2 = AsVersionTwo(r);
  Record out;
  ASSERT_TRUE(DecodeRecord(v2, &out));
  ExpectRecordEq(r, out);
  EXPECT_EQ(EncodeRecord(out)[0], '\x04') << "re-encoded as the current version";
}

// Stores written before story ids hold version-1 records: version 2
// without the trailing story. They still decode, with no story.
TEST(RecordCodec, VersionOneRecordsDecodeWithoutStory) {
  Record r = FullRecord();
  r.story.clear();
  r.stock_codes.clear();
  r.labels.clear();
  r.spans.pop_back();
  std::string enc = AsVersionTwo(r);
  ASSERT_EQ(enc.back(), '\0');
  enc.pop_back();
  enc[0] = '\x01';
  Record out;
  ASSERT_TRUE(DecodeRecord(enc, &out));
  ExpectRecordEq(r, out);
  EXPECT_FALSE(DecodeRecord(enc + std::string(1, '\0'), &out)) << "a v1 record has no story field";
}

TEST(RecordCodec, SetEncodedStoryReplacesTheEmptyStory) {
  Record r = FullRecord();
  r.story.clear();
  std::string enc = EncodeRecord(r);
  ASSERT_TRUE(SetEncodedStory(&enc, "cls:42"));
  r.story = "cls:42";
  EXPECT_EQ(enc, EncodeRecord(r));
  EXPECT_FALSE(SetEncodedStory(&enc, "again")) << "a record that has a story already";
  std::string not_a_record = "x";
  EXPECT_FALSE(SetEncodedStory(&not_a_record, "s"));
}

TEST(RecordCodec, ExtremeValuesRoundTrip) {
  for (int64_t t : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0}, int64_t{1},
                    int64_t{63}, int64_t{-64}, int64_t{64},
                    std::numeric_limits<int64_t>::max()}) {
    Record r;
    r.key = "k";
    r.time_ms = t;
    r.tags = {{"inf", std::numeric_limits<double>::infinity()},
              {"-inf", -std::numeric_limits<double>::infinity()},
              {"nan", std::numeric_limits<double>::quiet_NaN()},
              {"max", std::numeric_limits<double>::max()},
              {"min", std::numeric_limits<double>::denorm_min()}};
    r.spans = {{"a", "b", Field::kTitle, std::numeric_limits<uint32_t>::max(), 0}};
    SCOPED_TRACE(t);
    ExpectRecordEq(r, Decoded(EncodeRecord(r)));
  }
}

TEST(RecordCodec, BinaryStringsAndLargeBodiesRoundTrip) {
  Record r = FullRecord();
  r.title = AllBytes();
  r.key = "k\0ey"s;
  r.stocks = {"\xff\xfe"s, "\0"s, "\xc3\x28"s};  // invalid UTF-8 and a NUL
  r.body.assign(3u << 20, 'x');                  // 3 MiB
  for (size_t i = 0; i < r.body.size(); i += 4099) r.body[i] = static_cast<char>(i);
  ExpectRecordEq(r, Decoded(EncodeRecord(r)));
}

TEST(RecordCodec, RejectsEveryTruncation) {
  Record r = FullRecord();
  const std::string enc = EncodeRecord(r);
  const Record sentinel = FullRecord();
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    Record out = sentinel;
    out.key = "untouched";
    EXPECT_FALSE(DecodeRecord(std::string_view(enc).substr(0, cut), &out)) << "cut at " << cut;
    EXPECT_EQ(out.key, "untouched") << "output modified on failure at cut " << cut;
  }
  // Same for the all-empty record.
  const std::string empty = EncodeRecord(Record{});
  for (size_t cut = 0; cut < empty.size(); ++cut) {
    Record out;
    EXPECT_FALSE(DecodeRecord(std::string_view(empty).substr(0, cut), &out)) << "cut " << cut;
  }
}

TEST(RecordCodec, RejectsGarbage) {
  Record out;
  std::string enc = EncodeRecord(FullRecord());

  EXPECT_FALSE(DecodeRecord(enc + "x", &out)) << "trailing byte";
  EXPECT_FALSE(DecodeRecord(enc + std::string(1, '\0'), &out)) << "trailing NUL";

  std::string bad_version = enc;
  bad_version[0] = '\x05';
  EXPECT_FALSE(DecodeRecord(bad_version, &out));
  bad_version[0] = '\x00';
  EXPECT_FALSE(DecodeRecord(bad_version, &out));

  // A string length far beyond the input.
  EXPECT_FALSE(DecodeRecord("\x01\xff\xff\xff\xff\x0f"s, &out));
  // An over-long varint (11 continuation bytes) and a 10-byte varint overflowing 64 bits.
  EXPECT_FALSE(DecodeRecord("\x01"s + std::string(11, '\x80') + "\x00"s, &out));
  EXPECT_FALSE(DecodeRecord("\x01\x00\x00"s + std::string(9, '\xff') + "\x02"s, &out));
  // A huge element count must be rejected without trying to allocate it.
  std::string huge_count = "\x01"s + std::string(7, '\0') + "\xff\xff\xff\xff\xff\xff\xff\xff\x7f"s;
  EXPECT_FALSE(DecodeRecord(huge_count, &out));
  EXPECT_FALSE(DecodeRecord("", &out));
}

TEST(RecordCodec, RejectsInvalidSpanFieldAndOversizedOffsets) {
  Record r;
  r.spans = {{"t", "k", Field::kBody, 1, 2}};
  std::string enc = EncodeRecord(r);
  // Layout tail: ... spans=1, "t", "k", field, begin, end, rv, origin, story.
  size_t field_pos = enc.size() - 6;
  ASSERT_EQ(enc[field_pos], '\x01');
  std::string bad = enc;
  bad[field_pos] = '\x02';
  Record out;
  EXPECT_FALSE(DecodeRecord(bad, &out));

  // begin = 2^32 does not fit the uint32 span offset.
  std::string big = enc.substr(0, field_pos + 1) + "\x80\x80\x80\x80\x10"s + enc.substr(field_pos + 2);
  EXPECT_FALSE(DecodeRecord(big, &out));
  // ... while 2^32-1 does.
  std::string max = enc.substr(0, field_pos + 1) + "\xff\xff\xff\xff\x0f"s + enc.substr(field_pos + 2);
  ASSERT_TRUE(DecodeRecord(max, &out));
  EXPECT_EQ(out.spans.at(0).begin, std::numeric_limits<uint32_t>::max());
}

// Random corruption must never crash or read out of bounds (run under ASan).
TEST(RecordCodec, SurvivesRandomCorruption) {
  std::mt19937 rng(12345);
  const std::string enc = EncodeRecord(FullRecord());
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string m = enc;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) m[rng() % m.size()] = static_cast<char>(rng());
    if (rng() % 3 == 0) m.resize(rng() % (m.size() + 1));
    Record out;
    if (DecodeRecord(m, &out)) {
      ++accepted;
      // Whatever decodes must re-encode to something that decodes the same.
      Record again;
      ASSERT_TRUE(DecodeRecord(EncodeRecord(out), &again));
      ExpectRecordEq(out, again);
    }
  }
  EXPECT_LT(accepted, 20000);
}

TEST(DeadLetterCodec, RoundTripsRawBytesExactly) {
  DeadLetter d;
  d.reason = "json: TAPE_ERROR at byte 17";
  d.position = "file:/data/in.jsonl:42";
  d.raw = AllBytes() + "\0\0"s + "\xed\xa0\x80"s;  // NULs, invalid UTF-8, surrogate
  d.time_ms = 1'700'000'000'000;
  std::string enc = EncodeDeadLetter(d);
  DeadLetter out;
  ASSERT_TRUE(DecodeDeadLetter(enc, &out));
  ExpectDeadLetterEq(d, out);
  EXPECT_EQ(out.raw.size(), d.raw.size());
}

TEST(DeadLetterCodec, EmptyAndLargeRoundTrip) {
  DeadLetter empty;
  DeadLetter out;
  out.reason = "dirty";
  ASSERT_TRUE(DecodeDeadLetter(EncodeDeadLetter(empty), &out));
  ExpectDeadLetterEq(empty, out);

  DeadLetter big;
  big.raw.assign(2u << 20, '\0');
  big.raw[12345] = '\xff';
  big.time_ms = std::numeric_limits<int64_t>::min();
  ASSERT_TRUE(DecodeDeadLetter(EncodeDeadLetter(big), &out));
  ExpectDeadLetterEq(big, out);
}

TEST(DeadLetterCodec, ExactLayout) {
  DeadLetter d;
  d.reason = "a";
  d.raw = "\0"s;
  d.time_ms = -1;
  EXPECT_EQ(EncodeDeadLetter(d), "\x01\x01" "a" "\x00" "\x01\x00" "\x01"s);
}

TEST(DeadLetterCodec, RejectsTruncationAndGarbage) {
  DeadLetter d;
  d.reason = "reason";
  d.position = "kafka:t/1@2";
  d.raw = "r\0w"s;
  d.time_ms = 1'700'000'000'123;
  const std::string enc = EncodeDeadLetter(d);
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    DeadLetter out;
    out.reason = "untouched";
    EXPECT_FALSE(DecodeDeadLetter(std::string_view(enc).substr(0, cut), &out)) << "cut " << cut;
    EXPECT_EQ(out.reason, "untouched");
  }
  DeadLetter out;
  EXPECT_FALSE(DecodeDeadLetter(enc + "!", &out));
  std::string bad = enc;
  bad[0] = '\x07';
  EXPECT_FALSE(DecodeDeadLetter(bad, &out));
  // A record is not a dead letter.
  EXPECT_FALSE(DecodeDeadLetter(EncodeRecord(FullRecord()), &out));
}

}  // namespace
}  // namespace newsflow::storage
