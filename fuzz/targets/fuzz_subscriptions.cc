// fuzz_subscriptions.cc — arbitrary bytes as a subscriptions file
// (ParseSubscriptions), then every parsed set through SubscriptionMatcher.
// Oracles: a file that parses holds only valid subscriptions (a name of
// [a-z0-9_-], unique; a tag in all or any; known tags only; a finite
// min_score >= 0); the indexed matcher agrees with a plain reading of the
// match rule on every document made of a few known tags and feeds; a file
// that fails leaves the output untouched. yaml-cpp throws on bad YAML: any
// exception escaping the parser is a crash here.
#include <cmath>
#include <set>

#include "fuzz_util.h"
#include "pipeline/subscribe/subscription.h"
#include "pipeline/subscribe/subscription_matcher.h"

namespace {

using newsflow::pipeline::DocTag;
using newsflow::pipeline::Subscription;

const std::set<std::string>& Known() {
  static const std::set<std::string> k = {"region:shenzhen", "cluster:ai", "cluster:semiconductors", "theme:esg"};
  return k;
}

bool Plain(const Subscription& s, const std::vector<DocTag>& doc, std::string_view source) {
  auto has = [&](const std::string& t) -> const DocTag* {
    for (const auto& d : doc)
      if (d.tag == t) return &d;
    return nullptr;
  };
  std::set<std::string> counted;
  double score = 0;
  for (const auto& t : s.all) {
    const DocTag* d = has(t);
    if (!d) return false;
    if (counted.insert(t).second) score += d->score;
  }
  for (const auto& t : s.none)
    if (has(t)) return false;
  bool any = s.any.empty();
  for (const auto& t : s.any)
    if (const DocTag* d = has(t)) {
      any = true;
      if (counted.insert(t).second) score += d->score;
    }
  if (!any || score < s.min_score) return false;
  if (s.sources.empty()) return true;
  for (const auto& src : s.sources)
    if (src == source) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return -1;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<Subscription> subs(1);  // sentinel: a failed parse must not touch it
  subs[0].name = "sentinel";
  if (!newsflow::pipeline::ParseSubscriptions(text, "fuzz.yaml", Known(), &subs).ok()) {
    FUZZ_CHECK(subs.size() == 1 && subs[0].name == "sentinel", "a failed parse changed its output");
    return 0;
  }
  std::set<std::string> names;
  for (const auto& s : subs) {
    FUZZ_CHECK(names.insert(s.name).second, "duplicate name '%s' accepted", s.name.c_str());
    FUZZ_CHECK(!s.all.empty() || !s.any.empty(), "subscription '%s' with no tag", s.name.c_str());
    FUZZ_CHECK(std::isfinite(s.min_score) && s.min_score >= 0, "bad min_score accepted");
    for (const auto* list : {&s.all, &s.any, &s.none})
      for (const auto& t : *list) FUZZ_CHECK(Known().count(t), "unknown tag '%s' accepted", t.c_str());
  }
  newsflow::pipeline::SubscriptionMatcher matcher(subs);
  const std::vector<std::string> tags(Known().begin(), Known().end());
  std::vector<uint32_t> got;
  for (unsigned mask = 0; mask < (1u << tags.size()); ++mask) {
    std::vector<DocTag> doc;
    for (size_t i = 0; i < tags.size(); ++i)
      if (mask & (1u << i)) doc.push_back({tags[i], 0.5 + static_cast<double>(i)});
    for (const char* source : {"cls", "ths"}) {
      matcher.Match(doc, source, &got);
      std::vector<uint32_t> want;
      for (uint32_t i = 0; i < subs.size(); ++i)
        if (Plain(subs[i], doc, source)) want.push_back(i);
      FUZZ_CHECK(got == want, "matcher disagrees with the plain rule (mask %u, %s)", mask, source);
    }
  }
  return 0;
}
