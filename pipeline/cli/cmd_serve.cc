// cmd_serve.cc — `newsflow serve`: the HTTP API, alert stream and web desk
// over a store that another process writes (or that no process writes any
// more).
//
//   serve --db DIR [--listen HOST:PORT] [--subscriptions FILE] [--rules DIR]
//         [--port-file PATH] [--web-dir DIR] [--tz ZONE]
//         [--retain DURATION [--retain-from now|newest] [--retain-interval S]]
//
// The store is opened read-only (a RocksDB secondary instance) and follows
// the writer: new documents and alerts are visible within a second. Runs
// until SIGINT/SIGTERM (exit 0). /metrics reports the store's document and
// dead-letter counts as gauges (newsflow_store_documents: it falls after a
// prune); the writer's own counters are on its --http.
//
// --retain: a store no process writes any more (an archive) is pruned by
// serve itself, every --retain-interval seconds: it opens the store for
// writing for the length of one prune (a `run` starting in that moment
// waits for the next try: it cannot take the store's lock). A store a `run`
// holds is pruned by that run (run --retain): serve says so and leaves it.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <cstdio>
#include <thread>

#include <unistd.h>

#include "commands.h"
#include "retain_flags.h"
#include "interrupt.h"
#include "open_reader.h"
#include "pipeline/http/desk_server.h"
#include "http_access_flags.h"
#include "pipeline/job/retention_stage.h"
#include "pipeline/job/writer_requests.h"
#include "pipeline/log/logger.h"
#include "pipeline/query/time_zone.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::cli {
namespace {

struct ServeRetention {
  pipeline::RetentionOptions options;  // retain_ms 0 = off
  std::chrono::steady_clock::time_point next = std::chrono::steady_clock::now();
  bool told_writer = false;
  int failed_opens = 0;  // in a row: each doubles the wait before the next try
};

// One prune of an unheld store (see the header comment).
void MaybePrune(const std::string& db, ServeRetention* r) {
  if (r->options.retain_ms <= 0 || std::chrono::steady_clock::now() < r->next) return;
  r->next = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(r->options.interval_ms, 1000));
  if (const int pid = pipeline::StoreWriterPid(db); pid != 0) {
    if (!r->told_writer)
      pipeline::LogInfo("retain", fmt::format("a writer ({}) holds the store: it prunes (run --retain), not serve",
                                              pipeline::DescribeWriter(pid)));
    r->told_writer = true;
    return;
  }
  r->told_writer = false;
  storage::StoreOptions so;
  so.path = db;
  so.create_if_missing = false;
  std::unique_ptr<storage::Store> store;
  if (Status s = storage::Store::Open(so, &store); !s.ok()) {
    // A volume that is full (or failing) fails every open, and each failed
    // open leaves an empty MANIFEST and log file in the store: tried every
    // interval, that was ~2,900 files a day. Each failure in a row doubles
    // the wait, up to an hour (or the interval, if longer).
    const int64_t interval_ms = std::max<int64_t>(r->options.interval_ms, 1000);
    const int64_t wait_ms =
        std::min<int64_t>(interval_ms << std::min(++r->failed_opens, 12), std::max<int64_t>(interval_ms, 3600 * 1000));
    r->next = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    pipeline::LogWarn("retain", fmt::format("cannot open the store to prune: {}; trying again in {} s", s.message(),
                                            wait_ms / 1000));
    return;
  }
  r->failed_opens = 0;
  pipeline::RetentionOptions once = r->options;
  once.interval_ms = 0;
  pipeline::RetentionStage stage(store.get(), once);
  pipeline::RunSummary summary;
  Status s = stage.MaybePrune(&summary);
  if (Status c = store->Close(); s.ok()) s = c;
  if (!s.ok()) pipeline::LogError("retain", "prune failed: " + s.message());
  else if (summary.pruned > 0 || summary.alerts_pruned > 0 || summary.dead_letters_pruned > 0)
    pipeline::LogInfo("retain", fmt::format("pruned {} document(s) older than {}, {} alert(s), {} dead letter(s)",
                                            summary.pruned, pipeline::FormatTime(summary.retain_cutoff_ms),
                                            summary.alerts_pruned, summary.dead_letters_pruned));
}

// A new writer session (StoreSession changed: a prune by `newsflow prune`
// or by serve's --retain, a restarted run): serve opens a fresh reader.
void FollowSessions(const std::string& db, std::string* manifest, pipeline::SharedStore* shared) {
  const std::string now = StoreSession(db);
  if (now.empty() || now == *manifest) return;
  std::unique_ptr<storage::Store> fresh = OpenForReading(db);
  if (!fresh) return;  // said why; the old reader keeps serving
  *manifest = now;
  shared->Own(std::move(fresh));
}

// The store's counters, as the writer last made them visible.
void ReadStoreMetrics(pipeline::SharedStore* store, pipeline::Metrics* m) {
  (void)store->Use([&](storage::Store& st) -> Status {
    storage::Counts c;
    NEWSFLOW_RETURN_IF_ERROR(st.GetCounts(&c));
    m->store_documents = static_cast<int64_t>(c.docs);
    m->store_dead_letters = static_cast<int64_t>(c.dead_letters);
    uint64_t pending = 0;
    NEWSFLOW_RETURN_IF_ERROR(st.CountPendingAlerts(&pending));
    m->alerts_pending = static_cast<int64_t>(pending);
    std::string v;
    if (st.GetRulesetVersion(&v).ok() && !v.empty()) m->SetRulesetVersion(v);
    return Status::OK();
  });
}

int RunServe(const std::string& db, pipeline::DeskServerOptions o, ServeRetention retention) {
  pipeline::HttpServerOptions listen;
  if (Status s = pipeline::ParseListenAddress(o.listen, &listen); !s.ok()) {
    std::fprintf(stderr, "newsflow serve: --listen: %s\n", s.message().c_str());
    return s.IsInvalidArgument() ? 2 : 1;  // a resolver that cannot answer now is no usage error
  }
  // Resolved once: the server listens on this address, and the name given
  // is one a request may call it by.
  o.listen = pipeline::ListenText(listen);
  o.listen_name = listen.listen_name;
  pipeline::TimeZone zone;
  if (Status s = pipeline::DisplayZone(o.tz, &zone); !s.ok()) {
    std::fprintf(stderr, "newsflow serve: %s\n", s.message().c_str());  // as every command's --tz: a usage error
    return 2;
  }
  // SIGHUP from a closing terminal still ends a serve started by hand in it;
  // a service (no terminal) logs it and goes on.
  const bool at_a_terminal = ::isatty(STDIN_FILENO) != 0 || ::isatty(STDERR_FILENO) != 0;
  std::unique_ptr<storage::Store> store = OpenForReading(db, /*hangup_stops=*/at_a_terminal);
  if (!store) return 1;
  o.catch_up = true;
  // Whether a process holds the store for writing, for /ready's "writer":
  // looked at by this loop, between its own prunes (StoreWriterPid must not
  // run while this process holds the store: closing the LOCK file would drop
  // its own lock), never by the request threads.
  auto writer = std::make_shared<std::atomic<bool>>(pipeline::StoreWriterPid(db) != 0);
  o.writer = [writer] { return writer->load(std::memory_order_relaxed); };
  std::unique_ptr<pipeline::DeskServer> server;
  if (Status s = pipeline::DeskServer::Open(o, &server); !s.ok()) {
    pipeline::LogError("serve", s.message());
    return 1;
  }
  pipeline::Metrics& m = server->metrics();
  m.runs_pipeline = false;  // serve reads what runs wrote: the store's gauges, not a run's counters
  std::string manifest = StoreSession(db);
  server->store().Own(std::move(store));
  ReadStoreMetrics(&server->store(), &m);  // the first scrape already shows them
  server->Start();
  pipeline::LogInfo("serve", "serving " + db + " at " + server->url());
  std::printf("%s\n", server->url().c_str());
  std::fflush(stdout);
  while (!Interrupted()) {
    if (TakeHangup())
      pipeline::LogInfo("serve", "SIGHUP: nothing to reload (serve reads the rules and the subscriptions file as they "
                                 "change); still serving");
    MaybePrune(db, &retention);
    writer->store(pipeline::StoreWriterPid(db) != 0, std::memory_order_relaxed);
    FollowSessions(db, &manifest, &server->store());
    ReadStoreMetrics(&server->store(), &m);
    for (int i = 0; i < 10 && !Interrupted(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  server->Stop();
  return 0;
}

}  // namespace

void RegisterServe(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("serve", "Serve a store over HTTP: API, alert stream (SSE), /metrics, web desk");
  auto db = std::make_shared<std::string>();
  auto o = std::make_shared<pipeline::DeskServerOptions>();
  cmd->add_option("--db", *db, "RocksDB directory (another process may be writing it)")->required();
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0 = any free port)")
      ->default_str("127.0.0.1:8080");
  cmd->add_option("--subscriptions", o->subscriptions,
                  "PATH: the subscriptions file the API lists and edits (a writer run with the same file "
                  "picks the edits up)");
  cmd->add_option("--rules", o->rules_dir, "rule directory: provenance shown per tag, tags subscriptions may name")
      ->default_str("rules/sets");
  AddHttpAccessFlags(cmd, "", o.get());
  cmd->add_option("--port-file", o->port_file, "PATH: write the bound port there once listening");
  cmd->add_option("--web-dir", o->web_dir, "serve the desk's files from this directory (development)");
  cmd->add_option("--tz", o->tz, "zone of local times and day buckets (default $NEWSFLOW_TZ, else Asia/Shanghai)")
      ->check(NonEmpty());
  auto retain = std::make_shared<std::string>();
  auto retain_from = std::make_shared<std::string>("now");
  auto retain_interval = std::make_shared<double>(60);
  cmd->add_option("--retain", *retain,
                  "keep only this much (30d, 12h, ...): an archive no run writes is pruned by serve; a store a run "
                  "holds is pruned by that run's own --retain");
  cmd->add_option("--retain-from", *retain_from, "now | newest (as run --retain-from)")->default_str("now");
  cmd->add_option("--retain-interval", *retain_interval, "seconds between prunes")
      ->default_str("60")
      ->check(FiniteRange(1.0, 86400.0 * 365));
  cmd->callback([cmd, db, o, retain, retain_from, retain_interval, exit_code] {
    ServeRetention r;
    if (!ParseRetainFlags(*cmd, "serve", *retain, *retain_from, *retain_interval, &r.options)) {
      *exit_code = 2;
      return;
    }
    *exit_code = RunServe(*db, *o, r);
  });
}

}  // namespace newsflow::cli
