// desk_server.h — everything `run --http` and `serve` put together to serve
// a store over HTTP: the metrics, the shared store handle, the alert feed,
// the subscriptions file, the API and the Beast server.
//
// Ownership: owns all of them. Threads: Open/Start/Stop from one thread;
// the parts run their own (http_server.h, alert_feed.h). Errors: Open()
// fails for a bad listen address, an address in use, unreadable rules, or a
// port file that cannot be written.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "pipeline/http/alert_feed.h"
#include "pipeline/http/desk_api.h"
#include "pipeline/http/http_server.h"
#include "pipeline/http/shared_store.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/subscribe/subscription_file.h"

namespace newsflow::pipeline {

struct DeskServerOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT (port 0 = any free one)
  std::vector<std::string> allowed_hosts;  // off loopback: names a request's Host may give (HttpServerOptions)
  std::string listen_name;  // the name `listen` was given as, when the CLI resolved it (HttpServerOptions)
  size_t max_connections = 1024;           // open at once (HttpServerOptions)
  size_t max_streams_per_client = 64;      // off loopback, alert streams from one address (0 = no cap)
  std::string port_file;                  // "" | PATH: the bound port is written there once listening
  std::string rules_dir = "rules/sets";   // provenance for /api/doc, known tags for subscription edits
  std::string subscriptions;              // "" | PATH: the file the API edits
  std::string web_dir;                    // "" = the built-in desk files
  std::string tz;                         // display zone ("" = $NEWSFLOW_TZ, else Asia/Shanghai)
  bool catch_up = false;                  // the store is another process's (serve): follow it
  std::function<bool()> pipeline_open;    // run --http: whether the run has its store open
  std::function<bool()> writer;           // serve: whether a process holds the store for writing (/ready)
  ReloadRequests* reload = nullptr;       // run --http: POST /api/rules/reload goes there
  // run --http: the tags of the rules the run tags with now (null: not
  // known, as in `serve`); a subscription edit naming another is answered
  // with a warning that it waits for a rule reload.
  std::function<std::shared_ptr<const std::set<std::string>>()> loaded_tags;
  // Feeds a subscription's sources may name besides the built-in ones and
  // those of the stored documents (run --http: its map file's feed).
  std::vector<std::string> feeds;
};

class DeskServer {
 public:
  static Status Open(const DeskServerOptions& options, std::unique_ptr<DeskServer>* out);
  ~DeskServer() { Stop(); }

  Metrics& metrics() { return metrics_; }
  SharedStore& store() { return store_; }
  uint16_t port() const { return server_->port(); }
  // "http://HOST:PORT/" as a browser on this machine reaches it.
  std::string url() const;

  void Start();
  // Lets the open alert streams send every alert stored so far (waiting at
  // most 2 s for clients that do not read): a run with --http calls it before it closes the store,
  // so a client connected to the end sees the last batches' alerts live.
  void DrainAlerts();
  void Stop();

 private:
  DeskServer() = default;

  DeskServerOptions options_;
  Metrics metrics_;
  SharedStore store_;
  std::unique_ptr<AlertFeed> feed_;
  std::unique_ptr<RuleProvenance> provenance_;  // before subscriptions_, which reads it
  std::unique_ptr<SubscriptionFile> subscriptions_;
  std::unique_ptr<DeskApi> api_;
  std::unique_ptr<HttpServer> server_;
  std::string host_;
  bool started_ = false;
};

}  // namespace newsflow::pipeline
