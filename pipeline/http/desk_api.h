// desk_api.h — the HTTP API and the web desk's files, as request ->
// response (no sockets: http_server.cc carries them, tests call Handle()).
//
//   GET /health                 {"status":"ok"} while the process serves
//   GET /ready                  200 once the rules are compiled and the store is open, 503 (with
//                               the reasons) before, while shutting down, or while the source is
//                               disconnected (a Kafka broker down)
//   GET /metrics                Prometheus text format (metrics/metrics.h)
//   GET /api/query              ?tag=&any=&not=&source= (repeatable) &q= &stock= &since= &until=
//                               &story= (one story's members, as `query --story`)
//                               &limit= (default 50, at most 1000) &collapse=1 &cursor= &tz=
//                               -> {"items": [query --json objects], "next": CURSOR|null}
//   GET /api/doc/{key}          the `show` object + "members" (the story's documents) and
//                               "provenance" {tag: [{seed, clause}]} of the rules that tagged it
//   GET /api/tags               ?since=&until=&bucket=hour|day&tag=&source=&tz=
//                               -> {"bucket": "day", "tz": ZONE, "counts": [{bucket, tag, count}]}
//   GET /api/alerts             ?limit=&subscription= (repeatable) &before_seq=
//                               -> {"alerts": [alert objects with "seq"], newest first}
//   GET/PUT/DELETE /api/subscriptions[/{name}]
//   GET /api/rules/tags         {"tags": [...]}: the tags of the rules directory as it is now
//   POST /api/rules/reload      compile, lint and swap in the rules directory (run --http):
//                               200 {"version", "previous"}; 422 {"error"} for a rejected set
//                               (the old one keeps tagging); 409 on serve (it does not tag)
//   GET /, /desk.js, /desk.css  the web desk
// The alert stream (/api/alerts/stream) is the server's (it stays open).
//
// Paging: `next` is an opaque cursor (the last item's time and key); pass
// it back as `cursor` with the same filter. Collapsed pages show each story
// once, even across pages: placed by its newest matching document, shown as
// its earliest matching member (as `query --collapse`).
//
// Ownership: borrows what DeskApiOptions points to (the store, metrics,
// subscription file, rule provenance and reload requests).
// Threads: Handle() is thread-safe (store reads are; the rest is const or
// locked). Errors: 400 for a bad parameter (with a message), 404 for an
// unknown path or key, 405 for a wrong method, 409 for subscription edits
// without a subscriptions file, 503 while the store is not open.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "newsflow/rules/rule_set.h"
#include "pipeline/http/alert_feed.h"
#include "pipeline/http/http_message.h"
#include "pipeline/http/rule_provenance.h"
#include "pipeline/http/shared_store.h"
#include "pipeline/job/reload_requests.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/query/time_zone.h"
#include "pipeline/subscribe/subscription_file.h"

namespace newsflow::pipeline {

struct DeskApiOptions {
  const SharedStore* store = nullptr;       // required
  Metrics* metrics = nullptr;               // required (the server counts its requests there)
  SubscriptionFile* subscriptions = nullptr;  // null: no subscriptions file (edits answer 409)
  // The rule set's provenance per tag, for /api/doc, and its tags, which
  // /api/query accepts before any document carries them (null: none).
  RuleProvenance* provenance = nullptr;
  std::vector<std::string> feeds;  // feeds the run names beside the built-in ones (its map: feed)
  TimeZone zone;            // local times and the day/hour buckets unless ?tz=
  std::string web_dir;      // serve the desk's files from here ("" = the copies built into the binary)
  // Whether a writer in this process is running with its store open
  // (`run --http`); null for `serve` (ready once its store is open).
  std::function<bool()> pipeline_open;
  // Whether a writer holds the store (serve: a `run` or other command has
  // it open for writing); null: pipeline_open stands for it. Reported by
  // /ready as "writer", which does not make it 503: a store no process
  // writes is still served.
  std::function<bool()> writer;
  // The run's reload requests (run --http); null for serve.
  ReloadRequests* reload = nullptr;
};

// The request's `subscription` names, or its `not_subscription` names
// (each repeatable; both given: InvalidArgument). An excluded name that is
// no subscription is no mistake worth a 400 (it excludes nothing); a chosen
// one is (CheckSubscriptionNames).
Status SubscriptionFilterOf(const HttpRequest& r, SubscriptionFilter* out);

class DeskApi {
 public:
  explicit DeskApi(DeskApiOptions options) : o_(std::move(options)) {}
  HttpResponse Handle(const HttpRequest& request) const;
  // InvalidArgument naming the first of `names` that is no subscription:
  // neither in the subscriptions file nor among `in_log()` (asked only when
  // the file lacks one: the subscriptions the alert log holds lately, a
  // subscription removed since, or the writer's when this server has no
  // file). OK while the file does not read.
  Status CheckSubscriptionNames(const std::vector<std::string>& names,
                                const std::function<std::set<std::string>()>& in_log) const;

 private:
  HttpResponse Ready() const;
  HttpResponse Query(const HttpRequest& r) const;
  HttpResponse Doc(const std::string& key, const HttpRequest& r) const;
  HttpResponse Tags(const HttpRequest& r) const;
  HttpResponse RuleTags(const HttpRequest& r) const;  // the rules directory's tags: what a subscription may name
  HttpResponse Alerts(const HttpRequest& r) const;
  HttpResponse Subscriptions(const HttpRequest& r, const std::string& name) const;
  HttpResponse Static(const std::string& path) const;
  HttpResponse ReloadRules(const HttpRequest& r) const;

  DeskApiOptions o_;
};

}  // namespace newsflow::pipeline
