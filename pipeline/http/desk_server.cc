// desk_server.cc — see desk_server.h.
#include "pipeline/http/desk_server.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "pipeline/http/connection_budget.h"
#include "pipeline/log/logger.h"

namespace newsflow::pipeline {

Status DeskServer::Open(const DeskServerOptions& options, std::unique_ptr<DeskServer>* out) {
  std::unique_ptr<DeskServer> d(new DeskServer());
  d->options_ = options;
  HttpServerOptions so;
  NEWSFLOW_RETURN_IF_ERROR(ParseListenAddress(options.listen, &so).Prefixed("--listen"));
  so.allowed_hosts = options.allowed_hosts;
  if (!options.listen_name.empty()) so.listen_name = options.listen_name;
  so.max_connections = options.max_connections;
  if (struct rlimit lim {}; getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    so.max_connections = ConnectionsWithinOpenFileLimit(options.max_connections, lim.rlim_cur);
    if (so.max_connections < options.max_connections)
      LogWarn("http", fmt::format("at most {} connections at once, not {}: the open-file limit is {} (ulimit -n; "
                                  "LimitNOFILE= under systemd), and the store, sources and sinks need the rest",
                                  so.max_connections, options.max_connections, lim.rlim_cur));
  }
  so.max_streams_per_client = options.max_streams_per_client;
  // For the tests only (tests/http/http_stream_limits_test.py): a shorter
  // deadline for a stream's pending write than the 30 s a client is given.
  if (const char* ms = std::getenv("NEWSFLOW_TEST_SSE_WRITE_TIMEOUT_MS")) {
    unsigned v = 0;
    const char* end = ms + std::strlen(ms);
    if (const auto r = std::from_chars(ms, end, v); r.ec == std::errc() && r.ptr == end && v > 0)
      so.sse_write_timeout = std::chrono::milliseconds(v);
  }
  d->host_ = so.host;
  NEWSFLOW_RETURN_IF_ERROR(RuleProvenance::Open(options.rules_dir, &d->provenance_));
  if (!options.subscriptions.empty()) {
    // The tags of the rules directory as it is now (a reload may have
    // changed them): every rule has provenance (a watch list is its own).
    auto known = [provenance = d->provenance_.get()]() {
      std::set<std::string> tags;
      for (const auto& [tag, sources] : *provenance->Get()) tags.insert(tag);
      return tags;
    };
    // The feeds: built in, named by the run, and those the store holds.
    auto feeds = [d = d.get()]() {
      std::set<std::string> out;
      if (!d->store_.Use([&](storage::Store& st) { out = KnownFeeds(d->options_.feeds, &st); return Status::OK(); }).ok())
        out = KnownFeeds(d->options_.feeds, nullptr);  // no store attached now
      return out;
    };
    d->subscriptions_ = std::make_unique<SubscriptionFile>(options.subscriptions, std::move(known), std::move(feeds),
                                                           options.loaded_tags);
    // Served all the same (a hand edit is fixed while the desk runs), but said.
    std::vector<Subscription> subs;
    if (Status s = d->subscriptions_->List(&subs); !s.ok())
      LogWarn("http", "the subscriptions file does not load (the desk's subscription list and edits answer 409 until "
                      "it is fixed): " + s.message());
  }
  DeskApiOptions ao;
  ao.store = &d->store_;
  ao.metrics = &d->metrics_;
  ao.subscriptions = d->subscriptions_.get();
  ao.provenance = d->provenance_.get();
  ao.feeds = options.feeds;
  ao.web_dir = options.web_dir;
  ao.pipeline_open = options.pipeline_open;
  ao.writer = options.writer;
  ao.reload = options.reload;
  NEWSFLOW_RETURN_IF_ERROR(DisplayZone(options.tz, &ao.zone));
  d->api_ = std::make_unique<DeskApi>(std::move(ao));
  d->feed_ = std::make_unique<AlertFeed>(&d->store_, options.catch_up);
  d->server_ = std::make_unique<HttpServer>(d->api_.get(), d->feed_.get(), &d->metrics_);
  NEWSFLOW_RETURN_IF_ERROR(d->server_->Listen(so));
  if (!options.port_file.empty()) {
    std::FILE* f = std::fopen(options.port_file.c_str(), "w");
    if (!f) return Status::IOError(fmt::format("cannot write {}: {}", options.port_file, std::strerror(errno)));
    std::fprintf(f, "%u\n", d->server_->port());
    if (std::fclose(f) != 0) return Status::IOError("cannot write " + options.port_file);
  }
  *out = std::move(d);
  return Status::OK();
}

std::string DeskServer::url() const {
  const std::string host = host_ == "0.0.0.0" ? "127.0.0.1" : host_ == "::" ? "[::1]" : host_;
  return fmt::format("http://{}:{}/", host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host,
                     port());
}

void DeskServer::Start() {
  feed_->Start();
  server_->Start();
  started_ = true;
}

void DeskServer::DrainAlerts() {
  if (!started_) return;
  constexpr std::chrono::milliseconds kDrainLimit{2000};
  feed_->Drain(kDrainLimit, [this] { return metrics_.sse_streams.load(); });
}

void DeskServer::Stop() {
  if (!started_) return;
  started_ = false;
  feed_->Stop();    // first: no wake-up may reach a stream of a context being destroyed
  server_->Stop();
  store_.Detach();
}

}  // namespace newsflow::pipeline
