// tagging.h — the Tagger the offline commands (rules check/explain/coverage,
// eval) tag with: the same pipeline::Tagger and TagWorker the runner's
// workers use, so they tag a text exactly as `newsflow run` does.
//
// Ownership: OfflineTagger owns its Tagger and one TagWorker. Threads: the
// calling thread only (the worker's Hyperscan scratch is not shared).
// Errors: Open prints the error and returns false.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "pipeline/job/tagger.h"

namespace newsflow::cli {

struct OfflineTagger {
  std::shared_ptr<const pipeline::Tagger> tagger;
  std::unique_ptr<pipeline::TagWorker> worker;

  // Loads and compiles the rules; prints the error as `who: ...` and returns
  // false when that fails.
  bool Open(const std::string& rules_dir, const char* who) {
    pipeline::TaggerOptions o;
    o.rules_dir = rules_dir;
    Status s = pipeline::Tagger::Open(o, &tagger);
    if (s.ok()) s = tagger->NewWorker(&worker);
    if (!s.ok()) std::fprintf(stderr, "%s: %s\n", who, s.message().c_str());
    return s.ok();
  }
  const rules::CompiledRules& rules() const { return tagger->rules(); }
};

}  // namespace newsflow::cli
