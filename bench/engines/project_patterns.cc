// project_patterns.cc — keywords of the compiled rule set as PatternSpecs.
#include "project_patterns.h"

namespace newsflow::bench {

std::vector<PatternSpec> ProjectPatterns(const rules::CompiledRules& compiled, ProjectPatternStats* stats) {
  ProjectPatternStats s;
  std::vector<PatternSpec> out;
  for (const rules::Pattern& p : compiled.patterns()) {
    ++s.total;
    if (p.regex) {
      ++s.regex;
      continue;
    }
    if (p.left_boundary != p.right_boundary) {
      ++s.one_sided;
      continue;
    }
    out.push_back({p.text, p.caseless, p.left_boundary});
  }
  s.kept = out.size();
  if (stats) *stats = s;
  return out;
}

}  // namespace newsflow::bench
