// rule_provenance.cc — see rule_provenance.h.
#include "pipeline/http/rule_provenance.h"

#include <algorithm>
#include <filesystem>

namespace newsflow::pipeline {

ProvenanceMap ProvenanceByTag(const rules::RuleSet& set) {
  ProvenanceMap out;
  for (const auto& rule : set.rules) {
    // Several rules of one tag often cite one clause: listed once.
    std::vector<rules::Provenance>& cited = out[rule.tag];
    for (const auto& p : rule.provenance)
      if (std::none_of(cited.begin(), cited.end(),
                       [&](const rules::Provenance& c) { return c.seed == p.seed && c.clause == p.clause; }))
        cited.push_back(p);
    if (!rule.watch_list) continue;
    std::string names;
    for (const auto& k : rule.any) names += (names.empty() ? "" : " · ") + k.text;
    out[rule.tag].push_back({"watch list " + std::filesystem::path(rule.file).filename().string() + ":" +
                                 std::to_string(rule.line),
                             names});
  }
  return out;
}

Status RuleProvenance::Open(const std::string& rules_dir, std::unique_ptr<RuleProvenance>* out) {
  std::unique_ptr<RuleProvenance> p(new RuleProvenance(rules_dir));
  p->signature_ = p->Read();
  rules::RuleSet set;
  NEWSFLOW_RETURN_IF_ERROR(rules::LoadRuleDir(rules_dir, &set));
  p->map_ = std::make_shared<const ProvenanceMap>(ProvenanceByTag(set));
  *out = std::move(p);
  return Status::OK();
}

RuleProvenance::Signature RuleProvenance::Read() const {
  Signature s;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    if (!rules::IsRuleFile(e.path().string())) continue;
    std::error_code fe;
    const uintmax_t size = e.file_size(fe);
    const auto mtime = e.last_write_time(fe).time_since_epoch().count();
    s.emplace_back(e.path().filename().string(), fe ? 0 : size, fe ? 0 : static_cast<int64_t>(mtime));
  }
  std::sort(s.begin(), s.end());
  return s;
}

std::shared_ptr<const ProvenanceMap> RuleProvenance::Get() {
  Signature now = Read();
  std::lock_guard lock(mu_);
  if (now != signature_) {
    rules::RuleSet set;
    if (rules::LoadRuleDir(dir_, &set).ok()) map_ = std::make_shared<const ProvenanceMap>(ProvenanceByTag(set));
    signature_ = std::move(now);  // a broken directory is not read again until it changes
  }
  return map_;
}

}  // namespace newsflow::pipeline
