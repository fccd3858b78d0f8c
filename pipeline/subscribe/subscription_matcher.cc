// subscription_matcher.cc — see subscription_matcher.h.
#include "pipeline/subscribe/subscription_matcher.h"

#include <algorithm>

namespace newsflow::pipeline {

uint32_t SubscriptionMatcher::Intern(const std::string& tag) {
  auto [it, added] = tag_ids_.emplace(tag, static_cast<uint32_t>(tag_ids_.size()));
  if (added) anchored_.emplace_back();
  return it->second;
}

SubscriptionMatcher::SubscriptionMatcher(std::vector<Subscription> subscriptions)
    : subs_(std::move(subscriptions)), stamp_(subs_.size(), 0) {
  compiled_.resize(subs_.size());
  for (size_t i = 0; i < subs_.size(); ++i) {
    const Subscription& s = subs_[i];
    Compiled& c = compiled_[i];
    auto ids = [&](const std::vector<std::string>& tags, std::vector<uint32_t>* out) {
      for (const auto& t : tags) out->push_back(Intern(t));
      std::sort(out->begin(), out->end());
      out->erase(std::unique(out->begin(), out->end()), out->end());
    };
    ids(s.all, &c.all);
    ids(s.any, &c.any);
    ids(s.none, &c.none);
    c.min_score = s.min_score;
    c.sources = s.sources;
    const auto sub = static_cast<uint32_t>(i);
    if (!s.all.empty()) {
      anchored_[Intern(s.all.front())].push_back(sub);
    } else {
      for (uint32_t t : c.any) anchored_[t].push_back(sub);
    }
  }
}

bool SubscriptionMatcher::Matches(const Compiled& c, std::string_view source) const {
  auto find = [&](uint32_t id) -> const std::pair<uint32_t, double>* {
    for (const auto& p : present_)
      if (p.first == id) return &p;
    return nullptr;
  };
  double score = 0;
  for (uint32_t t : c.all) {
    const auto* p = find(t);
    if (p == nullptr) return false;
    score += p->second;
  }
  for (uint32_t t : c.none)
    if (find(t) != nullptr) return false;
  bool any = c.any.empty();
  for (uint32_t t : c.any) {
    if (const auto* p = find(t)) {
      any = true;
      if (!std::binary_search(c.all.begin(), c.all.end(), t)) score += p->second;  // counted once
    }
  }
  if (!any || score < c.min_score) return false;
  return c.sources.empty() || std::find(c.sources.begin(), c.sources.end(), source) != c.sources.end();
}

void SubscriptionMatcher::Match(const std::vector<DocTag>& tags, std::string_view source, std::vector<uint32_t>* out) {
  out->clear();
  present_.clear();
  for (const DocTag& t : tags) {
    auto it = tag_ids_.find(t.tag);
    if (it != tag_ids_.end()) present_.emplace_back(it->second, t.score);
  }
  if (present_.empty()) return;
  if (++epoch_ == 0) {  // wrapped: forget every stamp
    std::fill(stamp_.begin(), stamp_.end(), 0);
    epoch_ = 1;
  }
  for (const auto& [tag, score] : present_) {
    for (uint32_t sub : anchored_[tag]) {
      if (stamp_[sub] == epoch_) continue;
      stamp_[sub] = epoch_;
      if (Matches(compiled_[sub], source)) out->push_back(sub);
    }
  }
  std::sort(out->begin(), out->end());
}

}  // namespace newsflow::pipeline
