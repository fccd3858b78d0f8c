// fuzz_record_codec.cc — arbitrary bytes through DecodeRecord and
// DecodeDeadLetter (what the store reads back from RocksDB). A value that
// decodes is encoded again and decoded again: the two decoded values must be
// equal field by field (doubles by their bits). The re-encoding of a
// version-4 input is also compared byte for byte with the input unless the
// input uses a non-minimal varint (the decoder accepts those: 0x80 0x00 for
// 0). An older input (1: no story, 2: no stock_codes, 3: no labels) decodes
// with those fields empty and re-encodes as version 4, which must then be a
// fixed point (its own decode re-encodes to the same bytes); the byte-exact
// v1/v2/v3 -> v4 mapping is tested in tests/storage/record_codec_test.cc.
// A label span (field 2) must index a label of the record.
// On a failed decode the output must be left untouched (record_codec.cc).
#include <bit>
#include <cstring>

#include "fuzz_util.h"
#include "newsflow/storage/record.h"

namespace {

using newsflow::storage::DeadLetter;
using newsflow::storage::Record;

bool SameRecord(const Record& a, const Record& b) {
  if (a.key != b.key || a.source != b.source || a.time_ms != b.time_ms || a.title != b.title ||
      a.body != b.body || a.url != b.url || a.level != b.level || a.stocks != b.stocks ||
      a.stock_codes != b.stock_codes || a.labels.size() != b.labels.size() ||
      a.ruleset_version != b.ruleset_version || a.origin != b.origin || a.story != b.story ||
      a.tags.size() != b.tags.size() ||
      a.spans.size() != b.spans.size())
    return false;
  for (size_t i = 0; i < a.labels.size(); ++i)
    if (a.labels[i].field != b.labels[i].field || a.labels[i].name != b.labels[i].name) return false;
  for (size_t i = 0; i < a.tags.size(); ++i)
    if (a.tags[i].tag != b.tags[i].tag ||
        std::bit_cast<uint64_t>(a.tags[i].score) != std::bit_cast<uint64_t>(b.tags[i].score))
      return false;
  for (size_t i = 0; i < a.spans.size(); ++i) {
    const auto &x = a.spans[i], &y = b.spans[i];
    if (x.tag != y.tag || x.keyword != y.keyword || x.field != y.field || x.begin != y.begin || x.end != y.end)
      return false;
  }
  return true;
}

// True if some varint-looking byte pair "0x80 0x00"-style ends a varint with a
// zero continuation byte: the input may be a non-minimal encoding, so only
// the decoded values, not the bytes, must round-trip.
bool MayHaveNonMinimalVarint(std::string_view in) {
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i] == 0 && (static_cast<uint8_t>(in[i - 1]) & 0x80)) return true;
  return false;
}

constexpr uint8_t kCurrentRecordVersion = 4;

Record Sentinel() {
  Record r;
  r.key = "sentinel:1";
  r.tags.push_back({"cluster:x", 1.5});
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  Record r = Sentinel();
  if (newsflow::storage::DecodeRecord(in, &r)) {
    const std::string enc = newsflow::storage::EncodeRecord(r);
    Record again;
    FUZZ_CHECK(newsflow::storage::DecodeRecord(enc, &again), "EncodeRecord output does not decode");
    FUZZ_CHECK(SameRecord(r, again), "record round trip differs (key '%s')", r.key.c_str());
    for (const auto& sp : r.spans)
      if (sp.field == newsflow::storage::Field::kLabel)
        FUZZ_CHECK(sp.begin < r.labels.size() && sp.end == sp.begin + 1, "a label span outside the labels");
    FUZZ_CHECK(static_cast<uint8_t>(enc[0]) == kCurrentRecordVersion, "EncodeRecord wrote version %d", enc[0]);
    if (static_cast<uint8_t>(in[0]) == kCurrentRecordVersion) {
      if (!MayHaveNonMinimalVarint(in))
        FUZZ_CHECK(enc == in, "re-encoded record differs from the input (%zu vs %zu bytes)", enc.size(), in.size());
    } else {
      FUZZ_CHECK(r.labels.empty(), "a version-%d record decoded with labels", in[0]);
      if (in[0] < 3) FUZZ_CHECK(r.stock_codes.empty(), "a version-%d record decoded with stock codes", in[0]);
      if (in[0] == 1) FUZZ_CHECK(r.story.empty(), "a version-1 record decoded with a story");
      FUZZ_CHECK(newsflow::storage::EncodeRecord(again) == enc, "re-encoding of an old-version record is not stable");
    }
  } else {
    FUZZ_CHECK(SameRecord(r, Sentinel()), "failed DecodeRecord modified its output");
  }

  DeadLetter d;
  d.reason = "sentinel";
  if (newsflow::storage::DecodeDeadLetter(in, &d)) {
    const std::string enc = newsflow::storage::EncodeDeadLetter(d);
    DeadLetter again;
    FUZZ_CHECK(newsflow::storage::DecodeDeadLetter(enc, &again), "EncodeDeadLetter output does not decode");
    FUZZ_CHECK(again.reason == d.reason && again.position == d.position && again.raw == d.raw &&
                   again.time_ms == d.time_ms,
               "dead letter round trip differs");
    if (!MayHaveNonMinimalVarint(in))
      FUZZ_CHECK(enc == in, "re-encoded dead letter differs from the input (%zu vs %zu bytes)", enc.size(),
                 in.size());
  } else {
    FUZZ_CHECK(d.reason == "sentinel" && d.position.empty() && d.raw.empty() && d.time_ms == 0,
               "failed DecodeDeadLetter modified its output");
  }
  return 0;
}
