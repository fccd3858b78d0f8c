// subscription_matcher.h — which subscriptions a tagged document matches.
//
// Every stored document is checked against every subscription, so the work
// per document must not grow with the number of subscriptions: each
// subscription is filed under one anchor tag (the first of `all`, which must
// be present, else every tag of `any`, one of which must be), and a document
// looks at the subscriptions filed under its own few tags only. Measured in
// bench/subscription_bench.cc (1,000 subscriptions).
//
// Ownership: owns the compiled subscriptions. Threads: Match() uses scratch
// state: one thread at a time (the run's writer). Errors: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/subscribe/subscription.h"

namespace newsflow::pipeline {

// A tag of the document being matched.
struct DocTag {
  std::string_view tag;
  double score = 0;
};

class SubscriptionMatcher {
 public:
  explicit SubscriptionMatcher(std::vector<Subscription> subscriptions);

  // Appends to *out (cleared first) the indices, ascending, of the
  // subscriptions the document matches.
  void Match(const std::vector<DocTag>& tags, std::string_view source, std::vector<uint32_t>* out);

  const std::vector<Subscription>& subscriptions() const { return subs_; }
  size_t size() const { return subs_.size(); }

 private:
  struct Compiled {
    std::vector<uint32_t> all, any, none;  // tag ids, sorted
    double min_score = 0;
    std::vector<std::string> sources;
  };
  uint32_t Intern(const std::string& tag);
  bool Matches(const Compiled& c, std::string_view source) const;

  std::vector<Subscription> subs_;
  std::vector<Compiled> compiled_;
  struct TagHash {
    using is_transparent = void;
    size_t operator()(std::string_view t) const { return std::hash<std::string_view>{}(t); }
  };
  std::unordered_map<std::string, uint32_t, TagHash, std::equal_to<>> tag_ids_;  // looked up without a copy
  std::vector<std::vector<uint32_t>> anchored_;  // tag id -> subscriptions filed under it
  // Scratch for one Match().
  std::vector<std::pair<uint32_t, double>> present_;  // the document's known tags, by id
  std::vector<uint32_t> stamp_;                        // per subscription: the Match() that looked at it
  uint32_t epoch_ = 0;
};

}  // namespace newsflow::pipeline
