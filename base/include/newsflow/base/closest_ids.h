// closest_ids.h — the known ids nearest to a misspelt one, for the message
// of an unknown tag or feed (`query --tag`, the API's filters, a rule's tag
// outside the taxonomy).
//
// Pure function; thread-safe; no errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace newsflow {

// Up to `n` ids of `known` closest to `wanted` by edit distance over bytes
// (insert, delete, replace one byte); ties in known's order. An id that
// contains `wanted`, or is contained in it, counts as distance 1.
std::vector<std::string> ClosestIds(std::string_view wanted, const std::vector<std::string>& known, size_t n);

}  // namespace newsflow
