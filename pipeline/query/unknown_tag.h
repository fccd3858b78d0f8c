// unknown_tag.h — what a reader says of a tag id it does not know (`query
// --tag/--any/--not`, `stats --tag`, GET /api/query and /api/tags): the
// closest known ones, so that a misspelt tag is an error that helps rather
// than an empty answer.
//
// Ownership: none (functions over the caller's lists). Threads: any.
// Errors: none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace newsflow::pipeline {

// The first tag of `lists` (in order) that `is_known` rejects, or nullptr.
template <typename Lists, typename IsKnown>
const std::string* FirstUnknownTag(const Lists& lists, IsKnown is_known) {
  for (const auto* list : lists)
    for (const std::string& t : *list)
      if (!is_known(t)) return &t;
  return nullptr;
}

// "unknown tag 'T' (closest known: a, b, c[; NOTE])", or, with nothing
// known, "unknown tag 'T': no stored document carries any tag". `known`:
// sorted, unique.
std::string UnknownTagText(const std::string& tag, const std::vector<std::string>& known, std::string_view note = {});

}  // namespace newsflow::pipeline
