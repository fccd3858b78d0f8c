// subscription_reference.h — the plain reading of subscription.h's match
// rule, one subscription at a time, for tests to check the indexed matcher
// and the alerts a run raises against.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/subscribe/subscription.h"
#include "pipeline/subscribe/subscription_matcher.h"

namespace newsflow::testing {

using pipeline::DocTag;
using pipeline::Subscription;

inline bool SubscriptionMatches(const Subscription& s, const std::vector<DocTag>& tags, std::string_view source) {
  auto score_of = [&](const std::string& t) -> const DocTag* {
    for (const auto& d : tags)
      if (d.tag == t) return &d;
    return nullptr;
  };
  std::set<std::string> counted;
  double score = 0;
  for (const auto& t : s.all) {
    const DocTag* d = score_of(t);
    if (!d) return false;
    if (counted.insert(t).second) score += d->score;
  }
  for (const auto& t : s.none)
    if (score_of(t)) return false;
  bool any = s.any.empty();
  for (const auto& t : s.any) {
    if (const DocTag* d = score_of(t)) {
      any = true;
      if (counted.insert(t).second) score += d->score;
    }
  }
  if (!any || score < s.min_score) return false;
  return s.sources.empty() || std::find(s.sources.begin(), s.sources.end(), source) != s.sources.end();
}

}  // namespace newsflow::testing
