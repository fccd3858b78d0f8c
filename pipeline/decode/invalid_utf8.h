// invalid_utf8.h — strict UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing over U+10FFFF), one sequence at a time, and where a text stops
// being it.
//
// A line that is not valid UTF-8 is dead-lettered (simdjson validates the
// whole line but does not say where); its reason names the first invalid
// byte, and `dead-letter --json` gives the same offset of the stored bytes.
// The JSON writers replace invalid bytes by U+FFFD with the same rule.
//
// Ownership: none (pure functions). Threads: any. Errors: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace newsflow::pipeline {

// Length of the valid UTF-8 sequence at s[i] (i < s.size()), or 0 if the
// bytes there do not start one.
inline size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

// The offset of the first byte of `s` that is not part of valid UTF-8, if any.
inline std::optional<size_t> FirstInvalidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

// "first invalid byte at offset 27": what a dead letter says of it.
inline std::string InvalidUtf8Message(size_t at) { return "first invalid byte at offset " + std::to_string(at); }

}  // namespace newsflow::pipeline
