// gzip_util.h — gzip (one member) of a string, for tests that write .gz inputs;
// and one flushed after every line, to cut a .gz inside a chosen line.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace newsflow::testing {

inline std::string Gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// One gzip member of the lines (each given with its '\n'), flushed after
// every line: line_ends[i] is the compressed size by which line i is whole,
// so a file cut between line_ends[i - 1] and line_ends[i] ends inside line i.
inline std::string GzipFlushedPerLine(const std::vector<std::string>& lines, std::vector<size_t>* line_ends) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out;
  auto put = [&](const std::string& data, int flush) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    do {
      char buf[1 << 14];
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      const int rc = deflate(&zs, flush);
      EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) << rc;
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0 || zs.avail_in > 0);
  };
  line_ends->clear();
  for (const auto& line : lines) {
    put(line, Z_SYNC_FLUSH);
    line_ends->push_back(out.size());
  }
  put("", Z_FINISH);
  deflateEnd(&zs);
  return out;
}

}  // namespace newsflow::testing
