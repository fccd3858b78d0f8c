// record_codec.cc — compact binary encoding of Record and DeadLetter.
//
// Layout (all integers unsigned LEB128 varints unless noted):
//   Record:     u8 version(=4)
//               str key, str source, zz64 time_ms,
//               str title, str body, str url, str level,
//               n stocks   × str,
//               n stock_codes × str          (version >= 3)
//               n labels   × (str field, str name)   (version 4)
//               n tags     × (str tag, f64 score),
//               n spans    × (str tag, str keyword, u8 field, v32 begin, v32 end),
//               str ruleset_version, str origin, str story
//   DeadLetter: u8 version(=1)
//               str reason, str position, str raw, zz64 time_ms
// Version 3 is version 4 without labels (and no label spans, field 2);
// version 2 is version 3 without stock_codes (stores written before
// canonical stock codes); version 1 is version 2 without the trailing story.
// All still decode (empty labels / stock_codes / story); Encode writes version 4.
// where str = varint length + bytes, zz64 = zigzag-encoded varint, f64 = the
// IEEE-754 bits as 8 bytes little-endian, n = varint element count.
//
// Decoding is strict: every read is bounds-checked, varints longer than their
// type are rejected, element counts larger than the remaining input are
// rejected before anything is allocated, and the whole input must be consumed.
// On failure the output object is left untouched.
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "newsflow/storage/record.h"

namespace newsflow::storage {
namespace {

constexpr uint8_t kRecordVersion = 4;
constexpr uint8_t kRecordVersionNoLabels = 3;      // stores written before feed labels (2: also before stock codes)
constexpr uint8_t kRecordVersionNoStory = 1;       // stores written before story ids
constexpr uint8_t kDeadLetterVersion = 1;

// ---- encoding ---------------------------------------------------------------

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(static_cast<uint8_t>(v) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s.data(), s.size());
}

// EncodeRecord writes in two passes: the exact size first, then the bytes
// through a pointer. Appending byte by byte (push_back per varint byte and
// per double byte) checked the capacity on every byte of every field.
size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t StringSize(std::string_view s) { return VarintSize(s.size()) + s.size(); }

char* WriteVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

char* WriteString(char* p, std::string_view s) {
  p = WriteVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* WriteDouble(char* p, double d) {
  const uint64_t bits = std::bit_cast<uint64_t>(d);
  for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(static_cast<uint8_t>(bits >> (8 * i)));
  return p;
}

size_t EncodedRecordSize(const Record& r) {
  size_t n = 1 + StringSize(r.key) + StringSize(r.source) + VarintSize(ZigZag(r.time_ms)) + StringSize(r.title) +
             StringSize(r.body) + StringSize(r.url) + StringSize(r.level);
  n += VarintSize(r.stocks.size());
  for (const auto& s : r.stocks) n += StringSize(s);
  n += VarintSize(r.stock_codes.size());
  for (const auto& s : r.stock_codes) n += StringSize(s);
  n += VarintSize(r.labels.size());
  for (const auto& l : r.labels) n += StringSize(l.field) + StringSize(l.name);
  n += VarintSize(r.tags.size());
  for (const auto& t : r.tags) n += StringSize(t.tag) + 8;
  n += VarintSize(r.spans.size());
  for (const auto& s : r.spans)
    n += StringSize(s.tag) + StringSize(s.keyword) + 1 + VarintSize(s.begin) + VarintSize(s.end);
  n += StringSize(r.ruleset_version) + StringSize(r.origin) + StringSize(r.story);
  return n;
}

// ---- decoding ---------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool done() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

  bool Byte(uint8_t* out) {
    if (pos_ >= in_.size()) return false;
    *out = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }

  bool Varint64(uint64_t* out) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte(&b)) return false;
      // The 10th byte may only carry the single remaining bit.
      if (shift == 63 && b > 1) return false;
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = result;
        return true;
      }
    }
    return false;  // unreachable: the 10th byte either ends or is rejected
  }

  bool Varint32(uint32_t* out) {
    uint64_t v;
    if (!Varint64(&v) || v > std::numeric_limits<uint32_t>::max()) return false;
    *out = static_cast<uint32_t>(v);
    return true;
  }

  bool ZigZag64(int64_t* out) {
    uint64_t v;
    if (!Varint64(&v)) return false;
    *out = UnZigZag(v);
    return true;
  }

  bool String(std::string* out) {
    uint64_t n;
    if (!Varint64(&n) || n > remaining()) return false;
    out->assign(in_.data() + pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }

  bool Double(double* out) {
    if (remaining() < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    }
    pos_ += 8;
    *out = std::bit_cast<double>(bits);
    return true;
  }

  // An element count; each element needs at least `min_bytes` bytes, so a
  // count that cannot fit in what is left is rejected before reserving.
  bool Count(size_t min_bytes, size_t* out) {
    uint64_t n;
    if (!Varint64(&n)) return false;
    if (n > remaining() / min_bytes) return false;
    *out = static_cast<size_t>(n);
    return true;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

std::string EncodeRecord(const Record& r) {
  const size_t size = EncodedRecordSize(r);
  std::string out;
  // Room for the story id SetEncodedStory appends later (a document key),
  // so that appending it does not copy the whole value again.
  out.reserve(r.story.empty() ? size + 64 : size);
  out.resize(size);
  char* p = out.data();
  *p++ = static_cast<char>(kRecordVersion);
  p = WriteString(p, r.key);
  p = WriteString(p, r.source);
  p = WriteVarint(p, ZigZag(r.time_ms));
  p = WriteString(p, r.title);
  p = WriteString(p, r.body);
  p = WriteString(p, r.url);
  p = WriteString(p, r.level);
  p = WriteVarint(p, r.stocks.size());
  for (const auto& s : r.stocks) p = WriteString(p, s);
  p = WriteVarint(p, r.stock_codes.size());
  for (const auto& s : r.stock_codes) p = WriteString(p, s);
  p = WriteVarint(p, r.labels.size());
  for (const auto& l : r.labels) {
    p = WriteString(p, l.field);
    p = WriteString(p, l.name);
  }
  p = WriteVarint(p, r.tags.size());
  for (const auto& t : r.tags) {
    p = WriteString(p, t.tag);
    p = WriteDouble(p, t.score);
  }
  p = WriteVarint(p, r.spans.size());
  for (const auto& s : r.spans) {
    p = WriteString(p, s.tag);
    p = WriteString(p, s.keyword);
    *p++ = static_cast<char>(static_cast<uint8_t>(s.field));
    p = WriteVarint(p, s.begin);
    p = WriteVarint(p, s.end);
  }
  p = WriteString(p, r.ruleset_version);
  p = WriteString(p, r.origin);
  p = WriteString(p, r.story);  // last, so SetPreparedStory can replace it
  return out;
}

bool DecodeRecord(std::string_view in, Record* out) {
  Reader rd(in);
  uint8_t version;
  if (!rd.Byte(&version) || version < kRecordVersionNoStory || version > kRecordVersion) return false;

  Record r;
  if (!rd.String(&r.key) || !rd.String(&r.source) || !rd.ZigZag64(&r.time_ms) ||
      !rd.String(&r.title) || !rd.String(&r.body) || !rd.String(&r.url) ||
      !rd.String(&r.level)) {
    return false;
  }

  size_t n;
  if (!rd.Count(/*min_bytes=*/1, &n)) return false;  // str: >= 1 length byte
  r.stocks.resize(n);
  for (auto& s : r.stocks) {
    if (!rd.String(&s)) return false;
  }
  if (version >= kRecordVersionNoLabels) {
    if (!rd.Count(/*min_bytes=*/1, &n)) return false;
    r.stock_codes.resize(n);
    for (auto& s : r.stock_codes) {
      if (!rd.String(&s)) return false;
    }
  }
  if (version >= kRecordVersion) {
    if (!rd.Count(/*min_bytes=*/2, &n)) return false;
    r.labels.resize(n);
    for (auto& l : r.labels) {
      if (!rd.String(&l.field) || !rd.String(&l.name)) return false;
    }
  }

  if (!rd.Count(/*min_bytes=*/1 + 8, &n)) return false;
  r.tags.resize(n);
  for (auto& t : r.tags) {
    if (!rd.String(&t.tag) || !rd.Double(&t.score)) return false;
  }

  if (!rd.Count(/*min_bytes=*/1 + 1 + 1 + 1 + 1, &n)) return false;
  r.spans.resize(n);
  for (auto& s : r.spans) {
    uint8_t field;
    if (!rd.String(&s.tag) || !rd.String(&s.keyword) || !rd.Byte(&field)) return false;
    if (field != static_cast<uint8_t>(Field::kTitle) && field != static_cast<uint8_t>(Field::kBody) &&
        field != static_cast<uint8_t>(Field::kLabel)) {
      return false;
    }
    s.field = static_cast<Field>(field);
    if (!rd.Varint32(&s.begin) || !rd.Varint32(&s.end)) return false;
    // A label span indexes the record's labels: [i, i + 1).
    if (s.field == Field::kLabel && (s.begin >= r.labels.size() || s.end != s.begin + 1)) return false;
  }

  if (!rd.String(&r.ruleset_version) || !rd.String(&r.origin)) return false;
  if (version != kRecordVersionNoStory && !rd.String(&r.story)) return false;
  if (!rd.done()) return false;  // trailing garbage

  *out = std::move(r);
  return true;
}

std::string EncodeDeadLetter(const DeadLetter& d) {
  std::string out;
  out.reserve(16 + d.reason.size() + d.position.size() + d.raw.size());
  out.push_back(static_cast<char>(kDeadLetterVersion));
  PutString(&out, d.reason);
  PutString(&out, d.position);
  PutString(&out, d.raw);
  PutVarint(&out, ZigZag(d.time_ms));
  return out;
}

bool DecodeDeadLetter(std::string_view in, DeadLetter* out) {
  Reader rd(in);
  uint8_t version;
  if (!rd.Byte(&version) || version != kDeadLetterVersion) return false;
  DeadLetter d;
  if (!rd.String(&d.reason) || !rd.String(&d.position) || !rd.String(&d.raw) ||
      !rd.ZigZag64(&d.time_ms) || !rd.done()) {
    return false;
  }
  *out = std::move(d);
  return true;
}

bool SetEncodedStory(std::string* encoded, std::string_view story) {
  // The story is the last field; a record prepared without one ends in its
  // empty string's single length byte.
  if (encoded->empty() || encoded->back() != '\0' || static_cast<uint8_t>((*encoded)[0]) != kRecordVersion) {
    return false;
  }
  encoded->pop_back();
  PutString(encoded, story);
  return true;
}

}  // namespace newsflow::storage
