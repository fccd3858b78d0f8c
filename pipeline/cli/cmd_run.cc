// cmd_run.cc — `newsflow run`: the main job.
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "commands.h"
#include "http_access_flags.h"
#include "retain_flags.h"
#include "interrupt.h"
#include "service_notify.h"
#include "yaml_config.h"
#include "pipeline/decode/decoder.h"
#include "pipeline/http/desk_server.h"
#include "pipeline/job/reload_requests.h"
#include "pipeline/job/runner.h"
#include "pipeline/log/logger.h"
#include "pipeline/sink/file_alert_sink.h"

namespace newsflow::cli {
namespace {

std::atomic<bool> g_stop{false};    // set from the signal handler only
std::atomic<bool> g_reload{false};  // SIGHUP: reload the rules
extern "C" void OnSignal(int) { g_stop.store(true); }
extern "C" void OnReload(int) { g_reload.store(true); }

}  // namespace

// One long function on purpose: it is the list of `run`'s options, read
// top to bottom like its --help; splitting it would scatter them.
void RegisterRun(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("run", "Read a source, tag every item, store it");
  auto opts = std::make_shared<pipeline::RunOptions>();
  auto quiet = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--source", opts->source,
                  "file:PATH (JSON Lines, plain or .gz), PATH, - for stdin, follow:PATH (a file another "
                  "process appends to, across rotation and truncation; resumes where the store left off), or "
                  "kafka://HOST:PORT/TOPIC[,TOPIC]?group=NAME[&strategy=..&exit=eof..] (consumer group)")
      ->default_str("-");
  cmd->add_option("--format", opts->format,
                  "cls | eastmoney | ths | auto | map:FILE | tagged (documents another run published with --tagged: "
                  "stored with their tags, not tagged again)")
      ->default_str("auto");
  cmd->add_option("--rules", opts->rules_dir, "directory of rule files (*.yaml, *.yml) and watch lists (*.tsv)")
      ->default_str("rules/sets");
  cmd->add_option("--rules-cache", opts->rules_cache_dir,
                  "directory for compiled Hyperscan databases and parsed rule sets, reused when the patterns, "
                  "Hyperscan and the CPU (the rule files and the build) are the same and the file verifies; \"\" = "
                  "none (default: NEWSFLOW_RULES_CACHE, else "
                  "$XDG_CACHE_HOME or ~/.cache /newsflow/hyperscan)");
  cmd->add_option("--db", opts->db, "RocksDB directory (created if missing)")->required();
  cmd->add_option("--threads", opts->threads, "worker threads (0 = one per core)");
  cmd->add_option("--batch", opts->limits.max_items, "records per batch")->default_str("1024")
      ->check(UnsignedNumber());
  cmd->add_option("--linger-ms", opts->limits.linger_ms,
                  "stdin, pipes, FIFOs and follow:: hand on a partial batch after waiting this long for more (Kafka: ?linger.ms=)")
      ->default_str("20")
      ->check(CLI::Range(0, 60000));
  cmd->add_option("--max-record-bytes", opts->limits.max_record_bytes,
                  "records longer than this are dead-lettered")->default_str("1048576")
      ->check(UnsignedNumber());
  cmd->add_option("--max-inflight-bytes", opts->max_inflight_bytes,
                  "raw bytes read but not yet stored, across the run (memory is a small multiple of it)")
      ->default_str(std::to_string(pipeline::RunOptions::kDefaultMaxInflightBytes))
      ->check(UnsignedNumber());
  cmd->add_option("--alerts", opts->alerts,
                  "file:PATH (JSON Lines) or kafka://HOST:PORT/TOPIC: where alert documents go");
  cmd->add_option("--subscriptions", opts->subscriptions,
                  "PATH: a YAML file of standing queries; each raises one alert per story (needs --alerts or --http)");
  cmd->add_option("--dead-letter", opts->dead_letter,
                  "kafka://HOST:PORT/TOPIC: also publish dead letters there (raw value, reason in headers)");
  cmd->add_option("--tagged", opts->tagged,
                  "kafka://HOST:PORT/TOPIC: publish every stored document there (key = document key, value = its "
                  "query --json object), before the batch's offsets are committed; a desk node reads it with "
                  "--format tagged");
  cmd->add_option("--latency-out", opts->latency_out,
                  "PATH: write, per Kafka record, RocksDB commit time minus record timestamp (ms), one per line");
  auto window_hours = std::make_shared<double>(24);
  cmd->add_option("--story-window", *window_hours, "hours within which two documents can be one story")
      ->default_str("24")
      ->check(FiniteRange(0.01, 24.0 * 30));
  cmd->add_option("--story-threshold", opts->story.threshold,
                  "same-story model's logit threshold (higher: fewer, surer merges)")
      ->default_str("0")
      ->check(FiniteRange(-20.0, 20.0));
  // n: CLI11's count, -1 for "--no-stories=false" or "no-stories: false".
  cmd->add_flag("--no-stories", [opts](int64_t n) { opts->story.enabled = n <= 0; },
                "assign no story ids (documents then form one-document stories)");
  cmd->add_flag("--late-stories,!--no-late-stories", [opts](int64_t n) { opts->late_stories = n > 0; },
                "pair a new document older than the story window with the stored documents around its time (as when "
                "one feed's file is loaded after another's), or not: then it starts its own story. Default: on for a "
                "regular file, off for live input (stdin, pipes, follow:, Kafka)");
  cmd->add_option("--story-root-threshold", opts->story.root_threshold,
                  "a document joins a story only if its logit against the story's earliest document in the window exceeds this")
      ->default_str("-0.5")
      ->check(FiniteRange(-50.0, 20.0));
  cmd->add_option("--story-root-override", opts->story.root_override,
                  "a link whose own logit reaches this joins the story whatever its earliest document says")
      ->default_str("5")
      ->check(FiniteRange(-20.0, 50.0));
  cmd->add_option("--checkpoint-records", opts->checkpoint_records,
                  "a regular file: flush the store (and its resume mark) after this many records, or a "
                  "quarter of the file if sooner (5,000 records apart at least); "
                  "0 = only at the end (a run with --alerts or --http keeps a WAL instead)")
      ->default_str("20000")
      ->check([](const std::string& v) -> std::string {  // an unsigned option would wrap -1 around
        return v.find_first_not_of("0123456789") == std::string::npos ? "" : "must be a whole number, 0 or more";
      });
  auto retain = std::make_shared<std::string>();
  auto retain_from = std::make_shared<std::string>("now");
  auto retain_interval = std::make_shared<double>(60);
  cmd->add_option("--retain", *retain,
                  "keep only this much: documents older than the cutoff (e.g. 30d, 12h, 90m) are pruned "
                  "between batches, with their index entries, and the dead letters stored before the cutoff (the newest stays); offsets and progress marks stay");
  cmd->add_option("--retain-from", *retain_from,
                  "the cutoff is --retain before: now (wall clock) or newest (the newest stored document's "
                  "time; for replayed historical corpora, where now would remove everything)")
      ->default_str("now");
  cmd->add_option("--retain-interval", *retain_interval,
                  "seconds between prunes (0 = after every batch; the first batch always prunes)")
      ->default_str("60")
      ->check(FiniteRange(0.0, 86400.0 * 365));
  cmd->add_flag("--sync", opts->sync_writes, "fsync every batch");
  cmd->add_option("--seeds", opts->seeds_dir,
                  "on SIGHUP the rules are reloaded and linted: the seed documents their provenance cites")
      ->default_str("seeds");
  cmd->add_option("--lint-allow", opts->lint_allow,
                  "the reload lint's allow file (default: RULES/../lint-allow.yaml)");
  auto http = std::make_shared<pipeline::DeskServerOptions>();
  cmd->add_option("--http", http->listen,
                  "HOST:PORT: serve the HTTP API, the alert stream (SSE), /metrics and the web desk from this "
                  "run (port 0 = any free port)");
  cmd->add_option("--http-port-file", http->port_file, "PATH: write the HTTP port there once listening");
  AddHttpAccessFlags(cmd, "http-", http.get());  // --http-allow-host, --http-max-*
  cmd->add_option("--web-dir", http->web_dir, "serve the desk's files from this directory (development)");
  cmd->add_flag("--quiet,-q", *quiet, "no progress line");
  cmd->add_flag("--json", *json, "print the summary as one JSON object");
  AddYamlConfig(&app, cmd);
  cmd->footer(
      "While it runs, `newsflow backup --db DIR --to BACKUPS` asks this process (which holds the store) to take a\n"
      "backup between two batches.");
  cmd->callback([cmd, opts, quiet, json, window_hours, retain, retain_from, retain_interval, http, exit_code] {
    opts->progress = !*quiet;
    if (!ParseRetainFlags(*cmd, "run", *retain, *retain_from, *retain_interval, &opts->retention)) {
      *exit_code = 2;
      return;
    }
    opts->story.window_ms = static_cast<int64_t>(*window_hours * 3600 * 1000);
    opts->stop = &g_stop;
    opts->reload = &g_reload;
    const bool serve_http = cmd->count("--http") > 0;
    opts->alert_log = serve_http;
    // Usage problems exit 2 before anything is opened.
    Status s = opts->Validate();
    if (s.ok() && !serve_http &&
        (!http->port_file.empty() || !http->web_dir.empty() || !http->allowed_hosts.empty() ||
         cmd->count("--http-max-connections") > 0 || cmd->count("--http-max-streams-per-client") > 0))
      s = Status::InvalidArgument("--http-port-file, --http-allow-host, --http-max-* and --web-dir need --http "
                                  "HOST:PORT");
    pipeline::HttpServerOptions listen;
    bool resolver_failed = false;  // a resolver that cannot answer now is no usage error (exit 1)
    if (s.ok() && serve_http) {
      s = pipeline::ParseListenAddress(http->listen, &listen).Prefixed("--http");
      resolver_failed = s.IsIOError();
      if (s.ok()) {  // resolved once (see serve)
        http->listen = pipeline::ListenText(listen);
        http->listen_name = listen.listen_name;
      }
    }
    if (!s.ok()) {
      std::fprintf(stderr, "newsflow run: %s\n", cli::WithConfigLine(s.message()).c_str());
      *exit_code = resolver_failed ? 1 : 2;
      return;
    }
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    std::signal(SIGHUP, OnReload);
    if (HangupHeld()) g_reload.store(true);  // a SIGHUP before the handler: a reload, as after it
    std::unique_ptr<pipeline::DeskServer> server;
    pipeline::ReloadRequests reloads;
    if (serve_http) {
      http->reload = &reloads;
      opts->reload_requests = &reloads;
      http->rules_dir = opts->rules_dir;
      http->subscriptions = opts->subscriptions;
      if (pipeline::FormatSpec spec; pipeline::ParseFormatSpec(opts->format, &spec).ok() &&
                                     spec.kind == pipeline::FormatSpec::Kind::kMap)
        http->feeds = {spec.map.source};  // a subscription may name it before its first document
      http->pipeline_open = [&server] { return server && server->metrics().pipeline_open.load(); };
      // The run's loaded tags, for the desk's subscription edits (set on
      // the run's thread and the reloader's, read on the API's).
      struct LoadedTags {
        std::mutex mu;
        std::shared_ptr<const std::set<std::string>> tags;
      };
      auto loaded = std::make_shared<LoadedTags>();
      opts->on_rules_loaded = [loaded](std::shared_ptr<const std::set<std::string>> tags) {
        std::lock_guard lock(loaded->mu);
        loaded->tags = std::move(tags);
      };
      http->loaded_tags = [loaded] {
        std::lock_guard lock(loaded->mu);
        return loaded->tags;
      };
      if (s = pipeline::DeskServer::Open(*http, &server); !s.ok()) {
        pipeline::LogError("http", s.message());
        *exit_code = 1;
        return;
      }
      server->Start();
      pipeline::LogInfo("http", "serving the desk at " + server->url());
      opts->metrics = &server->metrics();
    }
    // The store open and every handler in place: ready for systemd
    // (Type=notify; a no-op elsewhere), and the desk reads the store.
    opts->on_store_open = [&server](storage::Store* store) {
      if (server) server->store().Attach(store);
      NotifyService("READY=1");
    };
    // Waiting for another command that holds the store (a standalone
    // backup or prune can take longer than systemd's 90 s start timeout):
    // the start goes on, said with a 30 s extension every 10 s.
    opts->on_waiting_for_store = [] {
      NotifyService("STATUS=waiting for another command to release the store\nEXTEND_TIMEOUT_USEC=30000000");
    };
    opts->on_store_closing = [&server] {
      NotifyService("STOPPING=1");
      if (server) {
        server->DrainAlerts();  // the last batches' alerts reach the streams open now
        server->store().Detach();
      }
    };
    // Alerts written to stdout (`--alerts file:/dev/stdout | notifier`)
    // keep it a JSON Lines stream: the summary goes to stderr then. Decided
    // before the run: a file moved away meanwhile (logrotate; the sink
    // follows the path) is still the one stdout writes to.
    std::FILE* summary_to =
        opts->alerts.rfind("file:", 0) == 0 && pipeline::IsOwnStdout(opts->alerts.substr(5)) ? stderr : stdout;
    pipeline::RunSummary summary;
    s = pipeline::Run(*opts, &summary);
    if (server) server->Stop();
    // The summary is printed even for a failed run, so that what was and was
    // not stored is on record (`durable` says whether the tail survived).
    if (!s.ok()) pipeline::LogError("run", s.message());  // the job's failure: a log line, not usage
    if (!s.ok() && summary.read == 0 && !*json) {
      *exit_code = 1;
      return;
    }
    std::fputs((*json ? pipeline::SummaryToJson(summary) + "\n" : pipeline::FormatSummary(summary)).c_str(),
               summary_to);
    if (!s.ok()) *exit_code = 1;
  });
}

}  // namespace newsflow::cli
