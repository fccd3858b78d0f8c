// cmd_serve.cc — `newsflow serve`: the HTTP API, alert stream and web desk
// over a store that another process writes (or that no process writes any
// more).
//
//   serve --db DIR [--listen HOST:PORT] [--subscriptions FILE] [--rules DIR]
//         [--port-file PATH] [--web-dir DIR] [--tz ZONE]
//
// The store is opened read-only (a RocksDB secondary instance) and follows
// the writer: new documents and alerts are visible within a second. Runs
// until SIGINT/SIGTERM (exit 0). /metrics reports the store's document and
// dead-letter counts (the writer's own counters are on its --http).
#include <chrono>
#include <cstdio>
#include <thread>

#include "commands.h"
#include "interrupt.h"
#include "open_reader.h"
#include "pipeline/http/desk_server.h"
#include "pipeline/log/logger.h"

namespace newsflow::cli {
namespace {

int RunServe(const std::string& db, pipeline::DeskServerOptions o) {
  pipeline::HttpServerOptions listen;
  if (Status s = pipeline::ParseListenAddress(o.listen, &listen); !s.ok()) {
    std::fprintf(stderr, "newsflow serve: --listen: %s\n", s.message().c_str());
    return 2;
  }
  std::unique_ptr<storage::Store> store = OpenForReading(db);
  if (!store) return 1;
  o.catch_up = true;
  std::unique_ptr<pipeline::DeskServer> server;
  if (Status s = pipeline::DeskServer::Open(o, &server); !s.ok()) {
    pipeline::LogError("serve", s.message());
    return 1;
  }
  pipeline::Metrics& m = server->metrics();
  std::string version;
  if (store->GetRulesetVersion(&version).ok()) m.SetRulesetVersion(version);
  server->store().Own(std::move(store));
  server->Start();
  pipeline::LogInfo("serve", "serving " + db + " at " + server->url());
  std::printf("%s\n", server->url().c_str());
  std::fflush(stdout);
  while (!Interrupted()) {
    // The store's counters, as the writer last made them visible.
    (void)server->store().Use([&](storage::Store& st) -> Status {
      storage::Counts c;
      NEWSFLOW_RETURN_IF_ERROR(st.GetCounts(&c));
      m.items_stored = c.docs;
      m.dead_letters = c.dead_letters;
      m.items_read = c.docs + c.dead_letters;
      std::vector<storage::StoredAlert> pending;
      NEWSFLOW_RETURN_IF_ERROR(st.PendingAlerts(0, &pending));
      m.alerts_pending = static_cast<int64_t>(pending.size());
      std::string v;
      if (st.GetRulesetVersion(&v).ok() && !v.empty()) m.SetRulesetVersion(v);
      return Status::OK();
    });
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
  cmd->add_option("--port-file", o->port_file, "PATH: write the bound port there once listening");
  cmd->add_option("--web-dir", o->web_dir, "serve the desk's files from this directory (development)");
  cmd->add_option("--tz", o->tz, "zone of local times and day buckets (default $NEWSFLOW_TZ, else Asia/Shanghai)");
  cmd->callback([db, o, exit_code] { *exit_code = RunServe(*db, *o); });
}

}  // namespace newsflow::cli
