// main.cc — the `newsflow` command line. The picture it implements:
//
//   file / stdin -> decode (simdjson) -> normalize -> match (Hyperscan)
//                -> evaluate rules -> store (RocksDB) -> query / alerts
//
// `newsflow run` is the job; the other commands read what it stored or look
// at the rules. Exit codes: 0 success (dead-lettered records are not a
// failure), 1 a problem the user must fix (message on stderr), 2 bad usage.
#include <cstdio>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"newsflow: tag Chinese financial wire news against policy rules"};
  app.require_subcommand(1);
  int exit_code = 0;
  newsflow::cli::RegisterRun(app, &exit_code);
  newsflow::cli::RegisterQuery(app, &exit_code);
  newsflow::cli::RegisterRules(app, &exit_code);
  newsflow::cli::RegisterEval(app, &exit_code);
  newsflow::cli::RegisterProduce(app, &exit_code);
  newsflow::cli::RegisterStory(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
