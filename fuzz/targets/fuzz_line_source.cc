// fuzz_line_source.cc — arbitrary file content through OpenLineSource: plain
// JSON Lines, or gzip (detected from the first two bytes, 1f 8b), so this
// drives the ISA-L gzip reader (ByteReader) with corrupt, truncated and
// concatenated members too. The first input byte picks the batch limits; the
// rest is the file.
//   * plain content: the lines must be exactly ExpectedLines(content) and the
//     status OK;
//   * gzip content: whatever comes out, no crash, no hang; if zlib inflates
//     the content as exactly one complete gzip member, the lines must be
//     those of zlib's output and the status OK (a differential check of the
//     ISA-L path).
#include <zlib.h>

#include "line_source_common.h"

namespace {

// zlib's reading of `gz` as exactly one gzip member with nothing after it.
bool ZlibGunzipOneMember(std::string_view gz, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out->append(buf, sizeof(buf) - z.avail_out);
    if (out->size() > (64u << 20)) rc = Z_MEM_ERROR;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated
  }
  const bool ok = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const newsflow::fuzz::TempFile file("linesource", ".data");
  newsflow::fuzz::Input in(data, size);
  const auto limits = newsflow::fuzz::LimitsFrom(in.Byte());
  const std::string_view content = in.Rest();
  newsflow::fuzz::WriteFileOrDie(file.path, content);
  const newsflow::fuzz::UnlinkAtEnd cleanup(file.path);

  const bool gzip = content.size() >= 2 && static_cast<uint8_t>(content[0]) == 0x1f &&
                    static_cast<uint8_t>(content[1]) == 0x8b;
  size_t count = 0;
  if (!gzip) {
    const newsflow::Status st = newsflow::fuzz::ReadAllLines(file.path, limits, &content, &count);
    FUZZ_CHECK(st.ok(), "plain input: %s", st.ToString().c_str());
    return 0;
  }
  std::string inflated;
  if (ZlibGunzipOneMember(content, &inflated)) {
    const std::string_view expected(inflated);
    const newsflow::Status st = newsflow::fuzz::ReadAllLines(file.path, limits, &expected, &count);
    FUZZ_CHECK(st.ok(), "zlib inflates this gzip member, LineSource fails: %s", st.ToString().c_str());
    return 0;
  }
  const newsflow::Status st = newsflow::fuzz::ReadAllLines(file.path, limits, nullptr, &count);
  if (!st.ok()) FUZZ_CHECK(!st.message().empty(), "error without a message");
  return 0;
}
