// line_source_common.h — reads a file through OpenLineSource and checks the
// batches, and optionally the lines, against what they must be. Streaming:
// nothing is collected, so inputs of a million short lines stay cheap.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "pipeline/source/source.h"

namespace newsflow::fuzz {

// The lines LineSource must return for plain `content`, one at a time: split
// on '\n', one trailing '\r' dropped from each newline-terminated line, a
// final segment without '\n' kept as it is when it is not empty.
class ExpectedLines {
 public:
  explicit ExpectedLines(std::string_view content) : c_(content) {}
  bool Next(std::string_view* line) {
    if (i_ >= c_.size()) return false;
    const size_t nl = c_.find('\n', i_);
    if (nl == std::string_view::npos) {
      *line = c_.substr(i_);
      i_ = c_.size();
      return true;
    }
    *line = c_.substr(i_, nl - i_);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    i_ = nl + 1;
    return true;
  }

 private:
  std::string_view c_;
  size_t i_ = 0;
};

// "\"ab\\x01\"" — escaped and cut at 60 bytes, for failure messages.
inline std::string Show(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 60)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out + (s.size() > 60 ? "\"..." : "\"");
}

// Small, input-chosen batch limits so batching edge cases are reached.
inline pipeline::SourceLimits LimitsFrom(uint8_t knob) {
  pipeline::SourceLimits l;
  l.max_items = 1 + (knob & 7);
  l.max_bytes = 1 + ((knob >> 3) & 31) * 64;
  // Lines over max_record_bytes are cut to it (and flagged): the framing
  // checks here want every line whole, so the cap is the 64 MiB ceiling.
  l.max_record_bytes = 64u << 20;
  return l;
}

// Reads every line of `path`, checking the batch invariants of source.h and,
// when `expected` is given, that the lines are exactly ExpectedLines(*expected).
// Returns the source's final status; *count is the number of lines.
inline Status ReadAllLines(const std::string& path, const pipeline::SourceLimits& limits,
                           const std::string_view* expected, size_t* count) {
  std::unique_ptr<pipeline::Source> src;
  const Status open = pipeline::OpenLineSource(path, limits, &src);
  FUZZ_CHECK(open.ok(), "OpenLineSource(%s): %s", path.c_str(), open.ToString().c_str());
  FUZZ_CHECK(src->replayable(), "a regular file must be replayable");
  ExpectedLines want(expected ? *expected : std::string_view());
  const std::string pos_prefix = "file:" + path + ":";
  pipeline::Batch batch;  // reused, as the runner recycles batches
  size_t n = 0;
  while (src->Next(&batch)) {
    FUZZ_CHECK(!batch.items.empty(), "Next() returned true with an empty batch");
    FUZZ_CHECK(batch.items.size() <= limits.max_items, "batch of %zu items, limit %zu", batch.items.size(),
               limits.max_items);
    size_t bytes = 0;
    for (const auto& it : batch.items) {
      ++n;
      bytes += it.raw.size() + 1;
      if (n <= 64 || (n & 1023) == 0) {  // positions: the first lines and a sample
        const std::string want_pos = pos_prefix + std::to_string(n);
        FUZZ_CHECK(it.position == want_pos, "position '%s', expected '%s'", it.position.c_str(), want_pos.c_str());
      }
      FUZZ_CHECK(it.error.empty(), "line %zu: unexpected item error '%s'", n, it.error.c_str());
      if (expected) {
        std::string_view w;
        FUZZ_CHECK(want.Next(&w), "line %zu: got %s, expected no more lines", n, Show(it.raw).c_str());
        FUZZ_CHECK(it.raw == w, "line %zu: got %s, expected %s", n, Show(it.raw).c_str(), Show(w).c_str());
      }
    }
    FUZZ_CHECK(bytes == batch.bytes, "batch.bytes %zu, items add up to %zu", batch.bytes, bytes);
    // Byte limit: a batch stops growing once it reaches max_bytes, so all but
    // its last item fit below the limit.
    FUZZ_CHECK(bytes - (batch.items.back().raw.size() + 1) < limits.max_bytes,
               "batch went past max_bytes before its last item");
  }
  FUZZ_CHECK(!src->Next(&batch), "Next() returned true after the end");
  if (expected && src->status().ok()) {
    std::string_view w;
    FUZZ_CHECK(!want.Next(&w), "after %zu lines: missing line %s", n, Show(w).c_str());
  }
  *count = n;
  return src->status();
}

}  // namespace newsflow::fuzz
