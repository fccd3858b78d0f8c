// tag_id.h — the shape of a tag id as documents carry it and subscriptions
// name it: FAMILY:SLUG, lower-case letters, digits and '-' around one or
// more ':' (the taxonomy's form: cluster:ai, region:shenzhen, watch:nvidia).
// No control character, space or upper case: a tag id is a store key part,
// a CSV cell and an SSE field. Threads: a pure function.
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

}  // namespace newsflow::pipeline
