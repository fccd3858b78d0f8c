// line_cut.h — internal to source/: the one place that cuts JSON Lines out of
// a byte buffer, for the file/stdin source and the follow: source alike.
//
// A line longer than the record cap is not kept whole (it would be read into
// memory only to be dead-lettered): its first `cap` bytes are, the rest is
// consumed and dropped, and *truncated is set. A trailing '\r' is removed
// from a complete line (CRLF input). The cap is on the record, not on its
// line ending: a line still being cut may hold one byte over the cap, a
// '\r' whose newline is still to come; a complete line never does (an
// incomplete one handed on at the end of the input is capped by
// FinishLineItem, line_item.h).
//
// Threads: a plain function. Errors: none.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace newsflow::pipeline {

// What both line sources read at a time, and at most how much of one line
// either keeps (a --max-record-bytes above it is cut to it).
inline constexpr size_t kLineReadChunk = size_t{1} << 20;
inline constexpr size_t kHardRecordCap = size_t{64} << 20;

struct LineCut {
  size_t consumed = 0;    // bytes of the buffer used, the newline included
  bool complete = false;  // a newline ended the line
};

// Appends the bytes of [p, p + n) up to the first '\n' to *line.
inline LineCut CutLine(const char* p, size_t n, size_t cap, std::string* line, bool* truncated) {
  const void* nl = std::memchr(p, '\n', n);
  const size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - p) : n;
  const size_t keep = cap < SIZE_MAX ? cap + 1 : cap;  // the record and a '\r' after it
  const size_t room = line->size() < keep ? keep - line->size() : 0;
  if (len > room) *truncated = true;
  line->append(p, std::min(len, room));
  if (!nl) return {len, false};
  if (!*truncated && !line->empty() && line->back() == '\r') line->pop_back();
  if (line->size() > cap) {  // the byte past the cap was not a line ending's '\r'
    *truncated = true;
    line->resize(cap);
  }
  return {len + 1, true};
}

}  // namespace newsflow::pipeline
