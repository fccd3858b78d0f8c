// fuzz_field_map.cc — an arbitrary `--format map:FILE` YAML file through
// LoadFieldMap (via ParseFormatSpec); a map that loads then decodes a fixed
// line, so odd-but-accepted maps (pointers like "/", "/~0", "/a/", numeric
// components) reach the decoder too.
#include <algorithm>
#include <cstdio>

#include "decoder_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return -1;  // a field map is a dozen lines
  static const newsflow::fuzz::TempFile file("fieldmap", ".yaml");
  const std::string& path = file.path;
  newsflow::fuzz::WriteFileOrDie(path, std::string_view(reinterpret_cast<const char*>(data), size));
  const newsflow::fuzz::UnlinkAtEnd cleanup(path);
  newsflow::pipeline::FormatSpec spec;
  const newsflow::Status s = newsflow::pipeline::ParseFormatSpec("map:" + path, &spec);
  if (!s.ok()) {
    FUZZ_CHECK(!s.message().empty(), "error without a message");
    return 0;
  }
  const auto& m = spec.map;
  FUZZ_CHECK(!m.source.empty() && !m.id.empty() && (!m.title.empty() || !m.body.empty()) && !m.required.empty(),
             "LoadFieldMap accepted a map missing source/id/title+body/required");
  FUZZ_CHECK(std::find(m.required.begin(), m.required.end(), "id") != m.required.end(),
             "LoadFieldMap accepted a map whose id is not required (the key is source:id)");
  for (const char c : m.source)
    FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_', "source holds 0x%02x",
               static_cast<unsigned char>(c));
  FUZZ_CHECK(m.tz_offset_minutes >= -14 * 60 - 59 && m.tz_offset_minutes <= 14 * 60 + 59, "tz_offset %d out of range",
             m.tz_offset_minutes);
  newsflow::pipeline::Decoder dec(spec);
  static constexpr std::string_view kLines[] = {
      R"({"id":"7","title":"t","content":"【头条】正文","ctime":1700000000,"stocks":[{"code":"600000"},"000001"],"a":{"b":[1,"x"]}})",
      R"({"id":12,"time":"2026-07-04 09:53:04","body":"b","url":null,"level":3,"brief":"fallback"})",
      R"({"":"empty key","/":{"~":"tilde"},"0":["zero"]})",
  };
  for (std::string_view line : kLines) {
    newsflow::pipeline::Document d;
    const newsflow::Status ds = dec.Decode(line, &d);
    if (ds.ok()) FUZZ_CHECK(d.key == d.source + ":" + d.id, "key '%s' is not source:id", d.key.c_str());
  }
  return 0;
}
