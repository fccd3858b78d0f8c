// control_char.h — finds an ASCII control character (U+0000-U+001F, U+007F)
// in an item's id or a document key.
//
// A key travels into RocksDB keys, CSV, logs and the alert stream's SSE
// `id:` lines, where a line break ends the field and lets the rest pose as
// frames of its own; the decoders dead-letter such ids instead.
//
// Ownership: none (a pure function). Threads: any. Errors: none.
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace newsflow::pipeline {

// U+0000-U+001F or U+007F.
inline bool IsAsciiControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// The offset of the first control character in `s`, if any.
inline std::optional<size_t> FirstControlChar(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (IsAsciiControl(static_cast<unsigned char>(s[i]))) return i;
  return std::nullopt;
}

// "control character U+000A at byte 2": what a dead letter says of it.
inline std::string ControlCharMessage(std::string_view s, size_t at) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "control character U+%04X at byte %zu", static_cast<unsigned char>(s[at]), at);
  return buf;
}

}  // namespace newsflow::pipeline
