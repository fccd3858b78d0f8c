// doc_position.h — a place in the store's newest-first document order
// (time descending, then key ascending, as the by_time and by_tag indexes
// sort): the API's paging cursor and retag's resume mark.
//
// Text form "<time_ms>:<key>" (the key may hold ':' itself).
//
// Ownership: a value. Threads: pure. Errors: Parse() returns false.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace newsflow::pipeline {

struct DocPosition {
  int64_t time_ms = 0;
  std::string key;

  std::string Format() const { return std::to_string(time_ms) + ":" + key; }
  static bool Parse(std::string_view s, DocPosition* out) {
    const size_t colon = s.find(':');
    if (colon == std::string_view::npos) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + colon, out->time_ms);
    if (ec != std::errc() || end != s.data() + colon) return false;
    out->key.assign(s.substr(colon + 1));
    return !out->key.empty();
  }
  // Whether a document at (time_ms, key) comes after this place in the order.
  bool Precedes(int64_t time, std::string_view k) const { return time < time_ms || (time == time_ms && k > key); }
};

}  // namespace newsflow::pipeline
