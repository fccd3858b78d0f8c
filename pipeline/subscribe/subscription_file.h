// subscription_file.h — the subscriptions YAML file edited through the
// HTTP API (GET/PUT/DELETE /api/subscriptions[/{name}]).
//
// A PUT body is one subscription as JSON or YAML ({"all": [...], "any":
// [...], "not": [...], "min_score": 2, "sources": [...]}; "name" may be
// left out, it is the URL's); it is validated exactly as the file is
// (subscription.h), and the whole file is rewritten atomically (a temporary
// file, fsync, rename), so a running pipeline, which re-reads the file when
// it changes, never sees half a file. Rewriting drops the file's comments.
//
// Ownership: owns its path and the known tags. Threads: every method is
// thread-safe: edits take turns on an flock of the file's directory (each
// edit opens it anew, so threads and processes alike wait), for at most
// 10 s: then Unavailable; List never waits for an edit. Errors:
// InvalidArgument with the validation message for a bad subscription,
// NotFound for a missing name, IOError when the file cannot be written.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "pipeline/subscribe/subscription.h"

namespace newsflow::pipeline {

// The subscriptions as the file's YAML (a `subscriptions:` list).
std::string SubscriptionsToYaml(const std::vector<Subscription>& subs);
// One subscription as a JSON object {name, all, any, not, min_score, sources}.
std::string SubscriptionToJson(const Subscription& s);
// The subscriptions file's identity and last change ("" if it cannot be
// stat'ed): an edit through the API replaces the file (a new inode), an
// edit in place changes its ctime; either shows, whatever the clock's
// granularity. What a reader compares to know whether to parse it again.
std::string SubscriptionFileStamp(const std::string& path);

// A subscription's version, for edits that must not overwrite another's
// (the HTTP API's ETag): 16 hex digits of a hash of SubscriptionToJson, so
// equal exactly when the subscription reads alike.
std::string SubscriptionEtag(const Subscription& s);

// What an edit requires of the subscription it replaces or removes, checked
// under the file's lock: `if_match` its version (SubscriptionEtag; "*":
// that it exists), `if_none_match` that it does not exist (a create). A
// failed one is Aborted, naming what changed.
struct EditPrecondition {
  std::string if_match;
  bool if_none_match = false;
};

class SubscriptionFile {
 public:
  // `known_tags` gives the tags a subscription may name, asked at each
  // edit (the rules may have been reloaded since the server started);
  // `known_feeds` (if set) the feeds its sources are expected to name
  // (UnknownSources: warnings, not errors).
  // `loaded_tags` (if set and not null): the tags the running writer's
  // rules have; a subscription naming another tag (one the rules directory
  // holds but the writer has not loaded yet) is saved with a warning that
  // it alerts from the next rule reload on.
  SubscriptionFile(std::string path, std::function<std::set<std::string>()> known_tags,
                   std::function<std::set<std::string>()> known_feeds = nullptr,
                   std::function<std::shared_ptr<const std::set<std::string>>()> loaded_tags = nullptr)
      : path_(std::move(path)),
        known_tags_(std::move(known_tags)),
        known_feeds_(std::move(known_feeds)),
        loaded_tags_(std::move(loaded_tags)) {}

  const std::string& path() const { return path_; }
  // The file's subscriptions (tags checked for form only: a file the
  // running writer accepted is listed even if the server's rules differ).
  // Parsed again only when the file changed (its identity, size or times):
  // every alert stream opened with ?subscription= asks for them.
  Status List(std::vector<Subscription>* out) const;
  // Adds or replaces `name` (a new one only while the file holds fewer than
  // 10,000: InvalidArgument then). *created: it did not exist before. *warnings
  // (if given): what is kept but likely wrong (UnknownSources: a feed not
  // known now may be one not seen yet, so it is not refused; a tag the
  // running writer has not loaded: it alerts once a reload loads it).
  Status Put(const std::string& name, const std::string& body, bool* created,
             std::vector<std::string>* warnings = nullptr, const EditPrecondition& pre = {});
  Status Delete(const std::string& name, const EditPrecondition& pre = {});

 private:
  // Writes `subs` to `target` (EditTarget of the path: the file a link names).
  Status Save(const std::vector<Subscription>& subs, const std::string& target);

  const std::string path_;
  const std::function<std::set<std::string>()> known_tags_;
  const std::function<std::set<std::string>()> known_feeds_;
  const std::function<std::shared_ptr<const std::set<std::string>>()> loaded_tags_;
  // List's last parse of the file, and the file's stamp then.
  mutable std::mutex list_mu_;
  mutable std::string listed_stamp_;
  mutable std::vector<Subscription> listed_;
};

}  // namespace newsflow::pipeline
