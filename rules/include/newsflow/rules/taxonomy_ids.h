// taxonomy_ids.h — the fixed tag ids of rules/taxonomy.md: the industry
// clusters, themes and regions that every rule set emits and the store, the
// API and the evaluation rely on. project:, program: and watch: ids are the
// rule set's and the desk's own choice and are not listed.
//
// Pure functions over a constant table; thread-safe; no errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace newsflow::rules {

// The ids, family by family in the taxonomy's order.
const std::vector<std::string>& TaxonomyIds();

// "" when `tag` is not of a fixed family (cluster:, theme:, region:) or is
// one of its ids; otherwise the message for a tag outside the taxonomy,
// naming the closest ids.
std::string TaxonomyProblem(std::string_view tag);

}  // namespace newsflow::rules
