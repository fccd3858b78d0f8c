// project_patterns.h — the project's keywords as the engines' PatternSpecs.
//
// The cross-engine comparison uses the distinct literal keywords of the
// compiled rule set with the project's own flags: caseless -> `i`, ASCII
// ends -> `b`. Two kinds cannot be expressed in the peers' contract and are
// left out (the count of each is reported):
//   * regex keywords (a few rules of projects.yaml): literal engines cannot
//     run them;
//   * keywords with one ASCII end and one CJK end (e.g. 5G基站): the project
//     bounds only the ASCII end, while the contract's `b` bounds both.
// The hyperscan engine built from the real rule set still scans them; it just
// does not report them.
#pragma once

#include <vector>

#include "engine.h"
#include "newsflow/rules/compiled_rules.h"

namespace newsflow::bench {

struct ProjectPatternStats {
  size_t total = 0;        // distinct patterns of the compiled rule set
  size_t regex = 0;        // left out: regex
  size_t one_sided = 0;    // left out: boundary on one end only
  size_t kept = 0;
};

std::vector<PatternSpec> ProjectPatterns(const rules::CompiledRules& compiled, ProjectPatternStats* stats);

}  // namespace newsflow::bench
