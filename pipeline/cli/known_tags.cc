// known_tags.cc — see known_tags.h.
#include "known_tags.h"

#include <algorithm>

#include "newsflow/rules/rule_set.h"
#include "pipeline/query/unknown_tag.h"

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
  const std::string* unknown = pipeline::FirstUnknownTag(
      lists, [&](const std::string& t) { return std::binary_search(known.begin(), known.end(), t); });
  if (unknown == nullptr) return {};
  return pipeline::UnknownTagText(*unknown, known, "known = tags of stored documents and of --rules");
}

}  // namespace newsflow::cli
