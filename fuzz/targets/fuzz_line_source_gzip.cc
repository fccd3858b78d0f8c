// fuzz_line_source_gzip.cc — valid gzip built from the input: the input is
// the plain content, which the target compresses with zlib into one or more
// gzip members (split at input-chosen points, each with an input-chosen
// level and sometimes with an empty member or a sync flush inside), then
// reads back through OpenLineSource. The lines must equal those of the plain
// content and the status must be OK: a round trip through the multi-member
// ISA-L reader. One knob pattern (flags & 0x9c == 0x9c, 1 in 16) puts a line
// of about 1 MiB between two copies of the content so that the readers' 1 MiB
// chunk boundaries fall inside it; it costs ~20x an ordinary input.
//   byte 0: batch limits; byte 1: member count (1..4) and flags; byte 2..3:
//   split points; the rest: the content.
#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "line_source_common.h"

namespace {

// One gzip member of `data`.
std::string GzipMember(std::string_view data, int level, bool sync_flush_midway) {
  z_stream z{};
  FUZZ_CHECK(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK, "deflateInit2");
  std::string out;
  out.resize(deflateBound(&z, data.size()) + 64);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const size_t half = sync_flush_midway ? data.size() / 2 : data.size();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(half);
  if (sync_flush_midway) {
    FUZZ_CHECK(deflate(&z, Z_SYNC_FLUSH) == Z_OK && z.avail_in == 0, "deflate sync");
  }
  z.avail_in += static_cast<uInt>(data.size() - half);  // the flush consumed the first half
  FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END, "deflate finish");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const newsflow::fuzz::TempFile file("linesource-gz", ".gz");
  newsflow::fuzz::Input in(data, size);
  const auto limits = newsflow::fuzz::LimitsFrom(in.Byte());
  const uint8_t flags = in.Byte();
  const uint8_t cut1 = in.Byte(), cut2 = in.Byte();
  std::string content(in.Rest());
  const bool big = (flags & 0x9c) == 0x9c;
  if (big) {
    // content, a filler line of about 1 MiB, content again: the 1 MiB read
    // chunks of ByteReader and LineSource end inside the filler or inside the
    // second copy, at an offset the input chooses, and there are few lines.
    const size_t filler = (1u << 20) - ((static_cast<size_t>(cut1) << 8) | cut2);
    std::string rep;
    rep.reserve(2 * content.size() + filler + 1);
    rep.append(content).append(filler, 'x').append("\n").append(content);
    content.swap(rep);
  }
  // Split points (sorted) for up to 4 members.
  const int members = 1 + (flags & 3);
  std::vector<size_t> cuts = {0};
  if (members >= 2) cuts.push_back(content.size() * cut1 / 255);
  if (members >= 3) cuts.push_back(content.size() * cut2 / 255);
  if (members >= 4) cuts.push_back(content.size() * (cut1 ^ cut2) / 255);
  std::sort(cuts.begin(), cuts.end());
  cuts.push_back(content.size());
  std::string gz;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    const int level = big ? 1 : static_cast<int>((flags >> 2) & 7) + 1;  // keep the big case fast
    gz += GzipMember(std::string_view(content).substr(cuts[i], cuts[i + 1] - cuts[i]), level, (flags & 0x20) != 0);
  }
  if (flags & 0x40) gz += GzipMember("", 6, false);  // an empty trailing member
  newsflow::fuzz::WriteFileOrDie(file.path, gz);
  const newsflow::fuzz::UnlinkAtEnd cleanup(file.path);

  size_t count = 0;
  const std::string_view expected(content);
  const newsflow::Status st = newsflow::fuzz::ReadAllLines(file.path, limits, &expected, &count);
  FUZZ_CHECK(st.ok(), "valid gzip (%zu members, %zu content bytes): %s", cuts.size() - 1 + ((flags & 0x40) != 0),
             content.size(), st.ToString().c_str());
  return 0;
}
