// names.h — the shapes of the names documents, feeds and subscriptions use.
//
// IsTagId: a tag id as documents carry it and subscriptions name it:
// FAMILY:SLUG, lower-case letters, digits and '-' around one or more ':'
// (the taxonomy's form: cluster:ai, region:shenzhen, watch:nvidia).
// IsName: a feed's name (a field map's `source`, the prefix of its keys as
// SOURCE:ID) and a subscription's name: 1-64 of a-z, 0-9, '-' and '_' (no
// ':', which ends the source in a key).
// Neither allows a control character, a space or upper case: these names
// are store key parts, CSV cells and SSE fields. Threads: pure functions.
#pragma once

#include <algorithm>
#include <string_view>

namespace newsflow::pipeline {

inline bool IsTagId(std::string_view t) {
  const size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == t.size()) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == ':';
  });
}

inline bool IsName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace newsflow::pipeline
