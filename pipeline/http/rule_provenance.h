// rule_provenance.h — the rule set's provenance per tag as the rules
// directory holds it now, for the desk's document view and its known tags.
//
// RuleProvenance owns a cached map, rebuilt when the directory's rule files
// (rules::IsRuleFile: names, sizes, modification times) change, so a reload
// (SIGHUP, POST /api/rules/reload) or an edited watch list shows without a
// restart. Thread-safe: Get() may be called from every HTTP thread. A
// directory that no longer loads keeps the last map that did (the run keeps
// its last good rules too).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "newsflow/base/status.h"
#include "newsflow/rules/rule_set.h"

namespace newsflow::pipeline {

using ProvenanceMap = std::map<std::string, std::vector<rules::Provenance>>;

// The rules' provenance per tag (the clauses each rule cites; for a
// watch-list entry, seed "watch list FILE:LINE" and its names as the clause).
ProvenanceMap ProvenanceByTag(const rules::RuleSet& set);

class RuleProvenance {
 public:
  // Loads `rules_dir` once; fails as LoadRuleDir does.
  static Status Open(const std::string& rules_dir, std::unique_ptr<RuleProvenance>* out);

  // The provenance of the directory's rules as they are now.
  std::shared_ptr<const ProvenanceMap> Get();

 private:
  using Signature = std::vector<std::tuple<std::string, uintmax_t, int64_t>>;  // name, size, mtime
  explicit RuleProvenance(std::string dir) : dir_(std::move(dir)) {}
  Signature Read() const;

  const std::string dir_;
  std::mutex mu_;
  Signature signature_;
  std::shared_ptr<const ProvenanceMap> map_;
};

}  // namespace newsflow::pipeline
