// retag.h — re-tagging stored documents with the current rules: normalize,
// match and evaluate their stored title and body again, and replace their
// tags, spans, rule-set version and tag index entries.
//
// Walks the documents newest first (optionally within [since, until]) in
// batches; each batch is one atomic Store::Rewrite that writes a document
// only if it is unchanged since it was read (a writer running beside it
// keeps its newer versions) and carries the walk's position as a progress
// mark, so an interrupted retag resumes where it stopped; a finished one
// clears the mark. A document already tagged exactly so (same tags, scores,
// spans, version) is not written again: running it twice changes nothing.
// Story ids, stock codes and every other field are kept.
//
// Ownership: borrows the store. Threads: one call on one thread (it may run
// beside the store's writer: Rewrite is serialized with Write). Errors: the
// rules' load/compile Status, the store's Status; *stop ends it between
// batches (resumable).
#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "newsflow/rules/compiled_rules.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/tagger.h"

namespace newsflow::pipeline {

struct RetagOptions {
  std::string rules_dir = "rules/sets";
  std::string rules_cache_dir = DefaultRulesCacheDir();  // compiled databases ("" = none; tagger.h)
  rules::EvaluateOptions evaluate;
  std::optional<int64_t> since_ms, until_ms;  // UTC ms, inclusive
  // Names the range in the resume mark instead of since_ms/until_ms: a
  // range the user wrote relative to the clock ("--since 30d") resolves to
  // other times on every call, and must still resume where an interrupted
  // retag of it stopped. "" = the resolved times name it.
  std::string range_name;
  size_t batch = 512;                         // documents per Rewrite
  const std::atomic<bool>* stop = nullptr;    // checked between batches
  // Also checked between batches: true when whoever asked for the retag
  // withdrew it (a writer serving `newsflow retag` that timed out or was
  // interrupted). Either stop leaves the resume mark, as an interruption.
  std::function<bool()> withdrawn;
};

struct RetagSummary {
  uint64_t scanned = 0;    // documents read
  uint64_t changed = 0;    // documents whose tags, spans or version changed (written)
  uint64_t unchanged = 0;  // already tagged so: not written
  uint64_t skipped = 0;    // stored again (or pruned) by a writer meanwhile: left as it was
  uint64_t resumed_after = 0;  // documents an earlier, interrupted retag had done
  bool interrupted = false;
  std::string ruleset_version;
  std::map<std::string, int64_t> tag_delta;  // per tag: documents gained minus lost
};

Status Retag(storage::Store* store, const RetagOptions& options, RetagSummary* summary);

// One line of JSON: the summary's fields.
std::string RetagSummaryToJson(const RetagSummary& s);

}  // namespace newsflow::pipeline
