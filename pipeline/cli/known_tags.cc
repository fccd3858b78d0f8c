// known_tags.cc — see known_tags.h.
#include "known_tags.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "newsflow/base/closest_ids.h"
#include "newsflow/rules/rule_set.h"

namespace newsflow::cli {

Status KnownTags(storage::Store& store, const std::string& rules_dir, std::vector<std::string>* out) {
  NEWSFLOW_RETURN_IF_ERROR(store.ListTags(out));
  if (!rules_dir.empty()) {
    rules::RuleSet set;
    NEWSFLOW_RETURN_IF_ERROR(rules::LoadRuleDir(rules_dir, &set));
    for (const auto& r : set.rules) out->push_back(r.tag);
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return Status::OK();
}

std::string UnknownTagMessage(const std::vector<const std::vector<std::string>*>& lists,
                              const std::vector<std::string>& known) {
  for (const auto* list : lists) {
    for (const auto& t : *list) {
      if (std::binary_search(known.begin(), known.end(), t)) continue;
      if (known.empty()) return fmt::format("unknown tag '{}': no stored document carries any tag", t);
      return fmt::format("unknown tag '{}' (closest known: {}; known = tags of stored documents and of --rules)",
                         t, fmt::join(ClosestIds(t, known, 3), ", "));
    }
  }
  return {};
}

}  // namespace newsflow::cli
