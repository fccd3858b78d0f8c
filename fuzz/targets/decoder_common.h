// decoder_common.h — the body of the fuzz_decoder_* targets: one Decoder per
// process (as a pipeline worker keeps one), one input = one line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "pipeline/decode/decoder.h"

namespace newsflow::fuzz {

// Checks what Decode() promises about a Document it accepted. Every map the
// targets use requires `id`, so an accepted document has one.
inline void CheckDecoded(const pipeline::Document& d) {
  FUZZ_CHECK(!d.source.empty(), "accepted document without a source");
  FUZZ_CHECK(!d.id.empty(), "accepted document without an id (key %s)", d.key.c_str());
  FUZZ_CHECK(d.key == d.source + ":" + d.id, "key '%s' is not source:id", d.key.c_str());
}

// Decodes `line` with `dec` twice (the second call reuses the parser and the
// document's buffers, as the pipeline does) and checks both agree.
inline void DecodeLine(pipeline::Decoder* dec, std::string_view line) {
  pipeline::Document a, b;
  const Status s1 = dec->Decode(line, &a);
  const Status s2 = dec->Decode(line, &b);
  FUZZ_CHECK(s1.ok() == s2.ok() && s1.message() == s2.message(), "decode not deterministic: '%s' vs '%s'",
             s1.ToString().c_str(), s2.ToString().c_str());
  if (!s1.ok()) {
    FUZZ_CHECK(!s1.message().empty(), "error without a reason");
    return;
  }
  CheckDecoded(a);
  bool same_labels = a.labels.size() == b.labels.size();
  for (size_t i = 0; same_labels && i < a.labels.size(); ++i)
    same_labels = a.labels[i].field == b.labels[i].field && a.labels[i].name == b.labels[i].name;
  FUZZ_CHECK(a.key == b.key && a.title == b.title && a.body == b.body && a.time_ms == b.time_ms &&
                 a.stocks == b.stocks && a.stock_codes == b.stock_codes && a.url == b.url && a.level == b.level &&
                 same_labels,
             "decode not deterministic for key %s", a.key.c_str());
  for (const auto& l : a.labels)
    FUZZ_CHECK(!l.field.empty() && !l.name.empty(), "an empty label field or name in %s", a.key.c_str());
  FUZZ_CHECK(a.stocks.size() == a.stock_codes.size(), "%zu stocks, %zu codes", a.stocks.size(), a.stock_codes.size());
}

// A decoder for a built-in format name ("cls", "eastmoney", "ths", "auto").
inline pipeline::Decoder* BuiltinDecoder(const char* format) {
  pipeline::FormatSpec spec;
  const Status s = pipeline::ParseFormatSpec(format, &spec);
  FUZZ_CHECK(s.ok(), "ParseFormatSpec(%s): %s", format, s.ToString().c_str());
  pipeline::DecoderOptions opts;
  opts.max_line_bytes = 64 << 10;  // small, so the oversized path is reachable
  return new pipeline::Decoder(spec, opts);
}

}  // namespace newsflow::fuzz

// Defines LLVMFuzzerTestOneInput for a built-in format.
#define NEWSFLOW_DECODER_FUZZER(FORMAT)                                                 \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {            \
    static newsflow::pipeline::Decoder* dec = newsflow::fuzz::BuiltinDecoder(FORMAT);  \
    newsflow::fuzz::DecodeLine(dec, std::string_view(reinterpret_cast<const char*>(data), size)); \
    return 0;                                                                           \
  }
