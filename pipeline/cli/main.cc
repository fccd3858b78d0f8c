// main.cc — the `newsflow` command line. The picture it implements:
//
//   file / stdin -> decode (simdjson) -> normalize -> match (Hyperscan)
//                -> evaluate rules -> store (RocksDB) -> query / alerts
//
// `newsflow run` is the job; the other commands read what it stored or look
// at the rules. Exit codes: 0 success (dead-lettered records are not a
// failure), 1 a problem the user must fix (message on stderr), 2 bad usage.
// Usage errors are plain lines on stderr; what a running job reports goes
// through the logger (pipeline/log/logger.h; --log-format and --log-level
// are global options, log_options.cc).
//
// SIGPIPE is ignored: a closed stdout (`newsflow query | head`) makes writes
// fail with EPIPE, which the commands report, instead of killing the process
// before it can close its store (a reader's temporary directory would be
// left behind). SIGXFSZ is ignored too: past a file-size limit (`ulimit -f`)
// a write fails with EFBIG and the store's error says which file, instead
// of the process dying without a word. The soft open-file limit is raised
// to the hard one first (open_file_limit.h). No exception leaves main(): anything a command did not turn
// into a Status is reported and exits 1.
#include <csignal>
#include <cstdio>
#include <system_error>
#include <exception>

#include "commands.h"
#include "newsflow/base/standard_descriptors.h"
#include "interrupt.h"
#include "open_file_limit.h"

namespace {

// The options that name a store or a backup (--db, --to, --from) or a
// config file refuse an empty value as a usage error (exit 2), in every
// command: `backup --to ''` failed as an I/O error (exit 1), `query --db ''`
// as "cannot open store: empty path". Not the others: an empty
// --subscriptions overrides a config file's (none), and --source, --rules
// name feeds or have defaults in some commands.
void RefuseEmptyPaths(CLI::App* app) {
  static const CLI::Validator kNonEmpty(
      [](std::string& value) { return value.empty() ? std::string("a path, not an empty string") : std::string(); },
      "", "NonEmptyPath");
  for (CLI::Option* opt : app->get_options()) {
    for (const std::string& name : opt->get_lnames())
      if (name == "db" || name == "to" || name == "from" || name == "config") {
        opt->check(kNonEmpty);
        break;
      }
  }
  for (CLI::App* sub : app->get_subcommands({})) RefuseEmptyPaths(sub);
}

// The deepest command parsed, and its name as typed ("newsflow rules lint").
const CLI::App* DeepestCommand(const CLI::App& app, std::string* name) {
  const CLI::App* at = &app;
  *name = "newsflow";
  for (;;) {
    const auto parsed = at->get_subcommands();
    if (parsed.empty()) return at;
    at = parsed.back();
    *name += " " + at->get_name();
  }
}

// CLI11 answers an unknown command word (`newsflow frob`, `newsflow rules
// frob`) with "A subcommand is required": the word is left over at the
// deepest command parsed. Says which word and which commands there are, and
// whether it printed that.
bool SayUnknownCommand(const CLI::App& app) {
  std::string name;
  const CLI::App* at = DeepestCommand(app, &name);
  // A word the deepest command does not take goes back up to its parent's
  // leftovers (CLI11's fallthrough of positionals).
  std::vector<std::string> rest = at->remaining();
  if (rest.empty()) rest = app.remaining(/*recurse=*/true);
  // Only a word that comes first: after an option the command does not
  // know (`rules --rules dir frob`), a word may be that option's value.
  if (at->get_subcommands({}).empty() || rest.empty() || rest.front().empty() || rest.front()[0] == '-') return false;
  std::string known;
  for (const CLI::App* sub : at->get_subcommands({})) known += (known.empty() ? "" : ", ") + sub->get_name();
  std::fprintf(stderr, "%s: unknown command '%s' (one of: %s; --help for more)\n", name.c_str(), rest.front().c_str(),
               known.c_str());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  newsflow::ReserveStandardDescriptors();  // before anything opens a file (standard_descriptors.h)
  newsflow::cli::RaiseOpenFileLimit();
  newsflow::cli::HoldHangups();
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"newsflow: tag Chinese financial wire news against policy rules"};
  app.require_subcommand(1);
  int exit_code = 0;
  app.footer(
      "Logs: operational messages (Kafka rebalances, retries, broker errors, librdkafka's own lines, a failed run)\n"
      "go to stderr with a UTC timestamp, a level and a component; --log-format json (or NEWSFLOW_LOG_FORMAT=json)\n"
      "writes one JSON object per line. Results go to stdout (a run's summary to stderr when its alerts go to\n"
      "stdout); usage errors are plain text.\n");
  try {
    newsflow::cli::RegisterLogOptions(app);
    newsflow::cli::RegisterRun(app, &exit_code);
    newsflow::cli::RegisterQuery(app, &exit_code);
    newsflow::cli::RegisterRules(app, &exit_code);
    newsflow::cli::RegisterEval(app, &exit_code);
    newsflow::cli::RegisterProduce(app, &exit_code);
    newsflow::cli::RegisterStory(app, &exit_code);
    newsflow::cli::RegisterAlerts(app, &exit_code);
    newsflow::cli::RegisterStats(app, &exit_code);
    newsflow::cli::RegisterOps(app, &exit_code);
    newsflow::cli::RegisterServe(app, &exit_code);
    newsflow::cli::RegisterRetag(app, &exit_code);
    RefuseEmptyPaths(&app);
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && SayUnknownCommand(app)) return 2;
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // As the commands' own usage errors: "newsflow run: ...".
    std::string name;
    DeepestCommand(app, &name);
    std::fprintf(stderr, "%s: %s\nRun with --help for more information.\n", name.c_str(), e.what());
    return 2;
  } catch (const std::system_error& e) {
    // fmt::print throws when stdout is a pipe whose reader went (`| head`):
    // said as the commands that check their output say it.
    if (e.code() == std::errc::broken_pipe) {
      std::fprintf(stderr, "newsflow: cannot write the output (stdout closed or failing)\n");
      return 1;
    }
    std::fprintf(stderr, "newsflow: unexpected error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "newsflow: unexpected error: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "newsflow: unexpected error (unknown exception)\n");
    return 1;
  }
  if (exit_code == 0 && std::fflush(stdout) != 0) {
    std::perror("newsflow: cannot write the output");
    return 1;
  }
  return exit_code;
}
