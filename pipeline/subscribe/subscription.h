// subscription.h — a desk's standing query, and the YAML file that lists them.
//
//   subscriptions:
//     - name: sz-chips
//       all: [region:shenzhen]                             # every one present
//       any: [cluster:semiconductors, cluster:low-altitude] # at least one present
//       not: [theme:esg]                                   # none present
//       min_score: 2.0         # sum of the scores of the document's tags named in all/any
//       sources: [cls, ths]    # optional: only these feeds
//
// A document matches when every condition holds. At least one of `all` and
// `any` must be non-empty (a subscription to everything is a query, not an
// alert). Tag ids must be known to the rule set the run uses (a misspelt id
// would never fire); names are 1-64 characters of [a-z0-9_-] and unique.
//
// Ownership: plain values. Threads: the loader is a pure function.
// Errors: InvalidArgument naming FILE:LINE and the subscription for a bad
// entry (unknown key, unknown tag, wrong type, duplicate name, empty
// subscription, negative or non-finite min_score, a list of more than 10,000
// different entries; a repeated entry is kept once); NotFound for a file
// that cannot be read.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "newsflow/base/status.h"
#include "newsflow/storage/store.h"

namespace newsflow::pipeline {

struct Subscription {
  std::string name;
  std::vector<std::string> all, any, none;  // `none` is the file's `not`
  double min_score = 0;
  std::vector<std::string> sources;  // empty = every feed
};

// Parses YAML text; `where` names it in errors (a path). Tags must be in
// `known_tags` unless it is empty (then any well-formed family:slug id).
Status ParseSubscriptions(const std::string& yaml, const std::string& where, const std::set<std::string>& known_tags,
                          std::vector<Subscription>* out);
Status LoadSubscriptions(const std::string& path, const std::set<std::string>& known_tags,
                         std::vector<Subscription>* out);

// Why a subscription could never match (a tag both required and in `not`,
// or every `any` tag in `not`), or "" if it can. The edit API refuses such
// a one; a file holding one is loaded, with a warning (parsing refuses only
// the cases it always refused).
std::string WhyNeverMatches(const Subscription& s);

// Moves out of *subs the subscriptions that name a tag not in `known_tags`
// and returns, for each, "subscription 'NAME': tag 'T' is not in the
// loaded rules". A running writer keeps the rest live and holds these until
// a rule reload loads their tags (the desk accepts a tag the rules
// directory holds on disk before the run has reloaded it).
std::vector<std::string> HoldUnknownTags(std::vector<Subscription>* subs, const std::set<std::string>& known_tags);

// "subscription 'NAME': no feed is called 'SRC' (known: a, b, c)" for each
// source a subscription names that is not in `known_feeds` (a typo matches
// nothing, silently). A feed of a map file may be named before its first
// document is stored, so a file that loads is not refused for it: the
// writer logs these; an edit through the API is refused with them.
std::vector<std::string> UnknownSources(const std::vector<Subscription>& subs,
                                        const std::set<std::string>& known_feeds);

// The feeds a source may name: the built-in ones, `named` (a run's map:
// feed) and the sources of the documents in `store` (null: none).
std::set<std::string> KnownFeeds(const std::vector<std::string>& named, storage::Store* store);

}  // namespace newsflow::pipeline
