// fuzz_decoder_map.cc — one arbitrary line through two `--format map:FILE`
// decoders whose field maps are written to temp files at start-up:
//   * fincuge: deploy/formats/fincuge.yaml as shipped (top-level pointers);
//   * full:    every key a field map has, with nested JSON pointers (the
//              at_pointer() path), a datetime time with a negative offset,
//              stock objects and the 【…】 title fallback.
#include <cstdio>

#include "decoder_common.h"

namespace {

// Kept identical to deploy/formats/fincuge.yaml.
constexpr const char* kFincugeMap = R"(# Field map for the BBT-FinCUGE short articles ({id, title, content}, no time).
source: fincuge
id: /id
title: /title
body: /content
required: [id, body]
)";

constexpr const char* kFullMap = R"(source: full
id: /meta/id
title: /title
body: /content/text
body_fallback: /brief
time: /meta/time
time_format: datetime
tz_offset: "-03:30"
url: /links/0
level: /level
stocks: /stocks
stock_field: code
title_from_body_brackets: true
required: [id, time, body]
)";

newsflow::pipeline::Decoder* MapDecoder(const char* name, const char* yaml) {
  const std::string path = newsflow::fuzz::TempPath(name) + ".yaml";
  newsflow::fuzz::WriteFileOrDie(path, yaml);
  newsflow::pipeline::FormatSpec spec;
  const newsflow::Status s = newsflow::pipeline::ParseFormatSpec("map:" + path, &spec);
  std::remove(path.c_str());
  FUZZ_CHECK(s.ok(), "field map %s: %s", name, s.ToString().c_str());
  newsflow::pipeline::DecoderOptions opts;
  opts.max_line_bytes = 64 << 10;
  return new newsflow::pipeline::Decoder(spec, opts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static newsflow::pipeline::Decoder* fincuge = MapDecoder("fincuge", kFincugeMap);
  static newsflow::pipeline::Decoder* full = MapDecoder("full", kFullMap);
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  newsflow::fuzz::DecodeLine(fincuge, line);
  newsflow::fuzz::DecodeLine(full, line);
  return 0;
}
